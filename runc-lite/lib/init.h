/* The container's init: the process the runtime clones, which sets up the
 * container from the inside and finally becomes the user's process.
 *
 * Order inside the init (create.c drives it: init_main, init_setup up to
 * SYNC_CREATED, init_exec after `start`; each step's owner file in
 * brackets):
 *   unshare the namespaces the clone left out (plan_overlap)    [create.c]
 *   wait for SYNC_GO (uid/gid maps written, resources applied)   [create.c]
 *   join the cgroup on the hierarchies the clone did not place
 *   it in (rl_cgroup_join_self)                                  [cgroup.c]
 *   join namespaces by path, unshare cgroup ns                  [namespaces.c]
 *   rl_rootfs_prepare: propagation, rootfs bind, mounts, /dev    [mounts.c]
 *   prestart/createRuntime hooks (parent), createContainer hooks [hooks.c]
 *   rl_rootfs_enter: pivot_root, MS_MOVE+chroot (--no-pivot), or
 *                   chroot without a mount namespace         [mounts.c]
 *   rl_rootfs_finish: masked/readonly paths, root.readonly,
 *                     sysctl                                    [mounts.c]
 *   hostname, domainname, keyring, terminal, cwd                [create.c]
 *   SYNC_CREATED, then block on the exec fifo until `start`     [create.c]
 *   rl_process_apply: rlimits, scheduling, labels, user, caps,
 *                     no_new_privs, umask, seccomp (last)       [process.c]
 *   startContainer hooks (under those attributes, as runc)      [hooks.c]
 *   execve (args[0] looked up in the PATH of process.env)       [create.c]
 */
#ifndef RL_INIT_H
#define RL_INIT_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "runtime.h"

struct rl_init
{
  const struct oci_runtime_config *config;
  const char *id;
  const char *bundle;     /* absolute */
  const char *rootfs;     /* absolute host path of root.path, symlinks resolved */
  const char *state_json; /* the container's state, for hooks and the seccomp listener */
  bool no_pivot;
  bool no_new_keyring;
  bool userns;        /* the init runs in a new or joined user namespace */
  bool new_mountns;   /* the init has its own mount namespace */
  bool cgroupns;      /* a cgroup namespace of its own (new or joined): cgroupfs is mounted fresh */
  int console_socket; /* connected --console-socket, or -1 */
  int sync_fd;        /* the init's end of the socketpair */
  /* Per mounts[] index, the detached tree of a bind's source the runtime
   * made (idmap.c: id-mapped, or any bind when there is a user namespace)
   * or -1; NULL when there is none. */
  const int *mount_fds;
};

#endif
