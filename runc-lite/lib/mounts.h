/* The container's root filesystem, set up from inside the init's mount
 * namespace (runtime-spec config.md "Mounts", config-linux.md "Devices",
 * "rootfsPropagation", "maskedPaths", "readonlyPaths"). */
#ifndef RL_MOUNTS_H
#define RL_MOUNTS_H

#include "error.h"
#include "init.h"

/* Before pivot_root: makes the mount tree private (or as rootfsPropagation
 * says), binds the rootfs onto itself, performs config.mounts in order with
 * every destination resolved inside the rootfs (no symlink may lead out of
 * it), and builds /dev (default devices, linux.devices, /dev/pts, ptmx,
 * /dev/fd and friends). */
int rl_rootfs_prepare (const struct rl_init *init, struct oci_error *err);

/* pivot_root into the rootfs (MS_MOVE + chroot with --no-pivot); afterwards
 * "/" is the container's root and the old root is gone.  Without a mount
 * namespace of its own (init->new_mountns false) the tree is the caller's:
 * nothing of its propagation or root changes, the init only chroots, and
 * root.readonly is left alone, as runc does. */
int rl_rootfs_enter (const struct rl_init *init, struct oci_error *err);

/* After entering, in this order: linux.sysctl, readonlyPaths, maskedPaths,
 * root.readonly. */
int rl_rootfs_finish (const struct rl_init *init, struct oci_error *err);

/* Last, once the console is set up: remounts a /dev mount (not a bind)
 * whose options say "ro" read-only; rl_rootfs_prepare mounted it writable
 * to fill it. */
int rl_rootfs_dev_readonly (const struct rl_init *init, struct oci_error *err);

#endif
