/* Opening a path inside a directory as if that directory were "/": a
 * symlink (absolute or relative) or ".." never leads out of it
 * (CVE-2021-30465, CVE-2024-45310, tar breakouts).  The kernel does it
 * (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS); where openat2 is
 * missing (ENOSYS: kernels before 5.6, valgrind, some seccomp profiles)
 * one fallback does the same walk by hand, a component at a time with
 * O_NOFOLLOW, expanding symlinks itself. */
#ifndef COMMON_ROOT_PATH_H
#define COMMON_ROOT_PATH_H

#include <stdbool.h>
#include <stdint.h>

/* The kernel's RESOLVE_* values, for extra_resolve.  NO_XDEV: no mount
 * crossed (without openat2: no change of st_dev).  NO_SYMLINKS: no
 * symlink on the way (the trailing one is still opened itself with
 * O_PATH | O_NOFOLLOW).  BENEATH: instead of clamping ".." and absolute
 * paths to the root, refuse them (EXDEV) when they would leave it. */
#define CMN_RESOLVE_NO_XDEV 0x01
#define CMN_RESOLVE_NO_SYMLINKS 0x04
#define CMN_RESOLVE_BENEATH 0x08

/* Opens path (absolute or relative, both from rootfd; "" is the root)
 * with open(2) flags (O_CLOEXEC added; not O_CREAT) and extra_resolve (0
 * or CMN_RESOLVE_* above).  O_NOFOLLOW applies to the last component
 * as with openat.  Returns the fd, or -1 with errno (ENOENT when
 * missing, ELOOP after 40 symlinks). */
int cmn_open_in_root (int rootfd, const char *path, int flags, uint64_t extra_resolve);

/* Set by tests: always take the fallback walk, as without openat2. */
extern bool cmn_openat2_disabled;

#endif
