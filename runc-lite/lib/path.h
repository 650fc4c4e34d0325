/* Paths inside the container's rootfs, resolved by the kernel as if the
 * rootfs were "/" (openat2 RESOLVE_IN_ROOT): a symlink or ".." can never
 * lead out of it (CVE-2021-30465, CVE-2024-45310).  Nothing here takes a
 * host path built from a container path. */
#ifndef RL_PATH_H
#define RL_PATH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* "/proc/self/fd/N": a path naming what an O_PATH fd refers to. */
#define RL_FD_PATH_MAX 32
const char *rl_fd_path (char buf[RL_FD_PATH_MAX], int fd);

/* Opens path (absolute or relative, both taken from root_fd) with
 * RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS plus extra_resolve (0 or
 * RL_RESOLVE_NO_SYMLINKS), or common/root_path.h's walk without openat2;
 * returns the fd, or -1 with errno (ENOENT when missing). */
int rl_path_open (int root_fd, const char *path, int oflags, uint64_t extra_resolve);

/* Returns an O_PATH fd for path, creating what is missing inside the
 * rootfs: the parents as directories (mode 0755), the last component as a
 * directory or, with file, an empty regular file.  Symlinks met on the way
 * are followed inside the rootfs, a dangling one by creating its target.
 * An existing last component is opened as it is. */
int rl_path_create (int root_fd, const char *path, bool file, struct oci_error *err);

#endif
