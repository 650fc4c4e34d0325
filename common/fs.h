/* Small filesystem helpers shared by the runtime and the builder.  They
 * report failure through errno (and -1 or NULL) so that each caller words
 * its own error message. */
#ifndef COMMON_FS_H
#define COMMON_FS_H

#include <dirent.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* The target of the symlink name under dirfd (AT_FDCWD for a plain
 * path), in a malloc'd NUL-terminated buffer grown until it fits; NULL
 * with errno on failure. */
char *cmn_readlinkat (int dirfd, const char *name);

/* readdir (d) past "." and "..": the next entry; NULL with errno 0 at the
 * end, NULL with errno set when the directory cannot be read. */
struct dirent *cmn_readdir (DIR *d);

/* The small file at path (a switch in /proc or /sys, 64 bytes at the
 * most) begins with prefix; false when it cannot be read. */
bool cmn_file_starts_with (const char *path, const char *prefix);

/* Extended attributes of path, not followed.  cmn_llistxattr: the names
 * as llistxattr gives them (each NUL-terminated, *len bytes in all) in a
 * malloc'd buffer; cmn_lgetxattr: the value of name, malloc'd with a NUL
 * after it.  *out NULL (and *len 0) where there is none: no xattrs, the
 * name absent (ENODATA), a filesystem without them (ENOTSUP).  Buffers
 * are grown as the attributes change (ERANGE).  -1 with errno. */
int cmn_llistxattr (const char *path, char **out, size_t *len);
int cmn_lgetxattr (const char *path, const char *name, char **out, size_t *len);
/* trusted.overlay.* or user.overlay.*: overlayfs's own, never copied. */
bool cmn_xattr_is_overlay (const char *name);

/* Copies the rest of the file in (from its offset) to out: by
 * copy_file_range for up to size bytes (st_size, a hint) while the
 * kernel allows it (not across filesystems everywhere), then read/write
 * to in's end (what copy_file_range did not do, a file that grew).  -1
 * with errno. */
int cmn_copy_data (int in, int out, off_t size);

/* mkdir -p: each missing component of path made with mode (an existing
 * one, directory or not, is left to the next mkdir to refuse).  The
 * error names the component that failed. */
int cmn_mkdir_p (const char *path, mode_t mode, struct oci_error *err);

/* rm -rf of name under dirfd (AT_FDCWD for a path): never follows a
 * symlink; with one_fs, does not descend into a directory on another
 * filesystem (a mount point left there makes its parent's removal fail,
 * as nftw's FTW_MOUNT).  A missing name (or entry) is success.  -1 with
 * errno. */
int cmn_remove_tree_at (int dirfd, const char *name, bool one_fs);

#endif
