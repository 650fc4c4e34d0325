/* Placing a container in its cgroup (linux.cgroupsPath) on every mounted
 * hierarchy, cgroup v1 and v2 alike, and removing it on delete.  Resource
 * limits live elsewhere; this file owns where the cgroup is. */
#ifndef RL_CGROUP_H
#define RL_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* The directories a container's cgroup occupies, one per hierarchy (all
 * v1 hierarchies and the v2 one), in mountinfo order. */
struct rl_cgroup_dirs
{
  char **dirs;
  size_t len;
};

void rl_cgroup_dirs_free (struct rl_cgroup_dirs *d);

/* Resolves cgroups_path (NULL: the container id) on each hierarchy: an
 * absolute path is taken from the hierarchy's root, a relative one from
 * the runtime's own cgroup there (runtime-spec config-linux.md leaves the
 * relative case to the runtime; runc does the same).  Creates the
 * directories and moves pid in.  rootless: permission errors are skipped. */
int rl_cgroup_enter (const char *cgroups_path, const char *id, pid_t pid, bool rootless,
                     struct rl_cgroup_dirs *out, struct oci_error *err);

/* Pids in the container's cgroup (from the first hierarchy that has any). */
int rl_cgroup_pids (const struct rl_cgroup_dirs *d, pid_t **pids, size_t *n, struct oci_error *err);

/* Removes the directories (they must be empty of processes). */
int rl_cgroup_remove (const struct rl_cgroup_dirs *d, struct oci_error *err);

#endif
