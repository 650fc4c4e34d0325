/* Image config User ("user", "uid", "user:group", "uid:gid", ...) to
 * numeric ids, through the rootfs's /etc/passwd and /etc/group
 * (image-spec conversion.md, "Config.User"). */
#ifndef BUILDER_USER_H
#define BUILDER_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* At most this many supplementary groups (the kernel's NGROUPS_MAX:
 * setgroups takes no more); a user in more is an error. */
#define BLD_USER_GROUPS_MAX 65536

struct bld_user
{
  uint32_t uid;
  uint32_t gid;
  uint32_t *additional_gids; /* only for a user given by name without a group */
  size_t additional_gids_len;
};

/* rootfs_fd is the root directory of the container's filesystem; the two
 * files are opened inside it (a symlink cannot lead out).  A name that is
 * not found is an error; a missing file only is when a name must be
 * looked up in it.  Free out->additional_gids. */
int bld_user_resolve (int rootfs_fd, const char *spec, struct bld_user *out, struct oci_error *err);

/* bld_user_resolve on the two files' texts (each NULL when missing;
 * both are modified), without supplementary groups unless supplementary:
 * the part that reads outside input, for the fuzz target and the tests. */
int bld_user_resolve_text (const char *spec, char *passwd, char *group, bool supplementary, struct bld_user *out,
                           struct oci_error *err);

/* COPY/ADD --chown=USER[:GROUP]: as bld_user_resolve, except that a
 * numeric user without a group takes its uid as gid (Dockerfile
 * reference), and no supplementary groups. */
int bld_user_resolve_owner (int rootfs_fd, const char *spec, uint32_t *uid, uint32_t *gid, struct oci_error *err);

#endif
