/* Id-mapped bind mounts (runtime-spec config.md: the idmap and ridmap
 * options, mounts[].uidMappings and gidMappings).
 *
 * The runtime builds them before the clone, because the init may already
 * sit in a user namespace of its own, where it could not make one carrying
 * host ids: for each such mount a detached copy of the source
 * (open_tree OPEN_TREE_CLONE) gets MOUNT_ATTR_IDMAP with a user namespace
 * holding the mapping (mount_setattr).  The init inherits the fds across
 * the clone and attaches each with move_mount (mounts.c). */
#ifndef RL_IDMAP_H
#define RL_IDMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "runclite.h"
#include "runtime.h"

/* Checks every mount and builds the id-mapped ones; when the container
 * has a user namespace and we are root, every other bind's source too
 * (a plain detached copy), since the init inside the user namespace may
 * not be allowed to reach it (runc opens mount sources before the init
 * loses its privileges, too).  *fds becomes NULL when there are none,
 * else an array of cfg->mounts_len fds, -1 for a mount the init makes
 * from its path.  Relative sources are taken from bundle.  Errors name
 * mounts[N] and the source. */
int rl_idmap_prepare (const struct oci_runtime_config *cfg, const char *bundle, int **fds, struct oci_error *err);

/* Closes the fds of rl_idmap_prepare and frees the array. */
void rl_idmap_free (int **fds, size_t n);


#endif
