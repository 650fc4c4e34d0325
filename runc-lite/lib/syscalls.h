/* Kernel interfaces newer than some C libraries: open_tree and
 * move_mount (5.2), openat2 (5.6) and mount_setattr (5.12).  Called
 * through syscall (2) with our own struct names so the build does not
 * depend on glibc's wrappers. */
#ifndef RL_SYSCALLS_H
#define RL_SYSCALLS_H

#include <stdint.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The numbers of syscalls added after 4.20 are the same on every
 * architecture but alpha. */
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

struct rl_open_how
{
  uint64_t flags;
  uint64_t mode;
  uint64_t resolve;
};

#define RL_RESOLVE_NO_XDEV 0x01
#define RL_RESOLVE_NO_MAGICLINKS 0x02
#define RL_RESOLVE_NO_SYMLINKS 0x04
#define RL_RESOLVE_BENEATH 0x08
#define RL_RESOLVE_IN_ROOT 0x10

struct rl_mount_attr
{
  uint64_t attr_set;
  uint64_t attr_clr;
  uint64_t propagation;
  uint64_t userns_fd;
};

#define RL_MOUNT_ATTR_RDONLY 0x00000001
#define RL_MOUNT_ATTR_NOSUID 0x00000002
#define RL_MOUNT_ATTR_NODEV 0x00000004
#define RL_MOUNT_ATTR_NOEXEC 0x00000008
#define RL_MOUNT_ATTR__ATIME 0x00000070
#define RL_MOUNT_ATTR_RELATIME 0x00000000
#define RL_MOUNT_ATTR_NOATIME 0x00000010
#define RL_MOUNT_ATTR_STRICTATIME 0x00000020
#define RL_MOUNT_ATTR_NODIRATIME 0x00000080
#define RL_MOUNT_ATTR_IDMAP 0x00100000
#define RL_MOUNT_ATTR_NOSYMFOLLOW 0x00200000

/* open_tree: a detached copy of the mount (with AT_RECURSIVE, the tree). */
#define RL_OPEN_TREE_CLONE 1
/* move_mount: the from/to paths are empty, the fds name the mounts. */
#define RL_MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define RL_MOVE_MOUNT_T_EMPTY_PATH 0x00000040

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif

static inline int
rl_openat2 (int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve)
{
  struct rl_open_how how = { .flags = flags, .mode = mode, .resolve = resolve };
  return (int) syscall (SYS_openat2, dirfd, path, &how, sizeof how);
}

static inline int
rl_open_tree (int dirfd, const char *path, unsigned int flags)
{
  return (int) syscall (SYS_open_tree, dirfd, path, flags);
}

static inline int
rl_move_mount (int from_dirfd, const char *from, int to_dirfd, const char *to, unsigned int flags)
{
  return (int) syscall (SYS_move_mount, from_dirfd, from, to_dirfd, to, flags);
}

static inline int
rl_mount_setattr (int dirfd, const char *path, unsigned int flags, struct rl_mount_attr *attr)
{
  return (int) syscall (SYS_mount_setattr, dirfd, path, flags, attr, sizeof *attr);
}

#endif
