/* Small filesystem helpers shared by the runtime and the builder.  They
 * report failure through errno (and -1 or NULL) so that each caller words
 * its own error message. */
#ifndef COMMON_FS_H
#define COMMON_FS_H

/* The target of the symlink name under dirfd (AT_FDCWD for a plain
 * path), in a malloc'd NUL-terminated buffer grown until it fits; NULL
 * with errno on failure. */
char *cmn_readlinkat (int dirfd, const char *name);

#endif
