/* Placing a container in its cgroup (linux.cgroupsPath) on every mounted
 * hierarchy, cgroup v1 and v2 alike, and removing it on delete.  Resource
 * limits live elsewhere; this file owns where the cgroup is. */
#ifndef RL_CGROUP_H
#define RL_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "runclite.h"
#include "runtime.h"

/* The directories a container's cgroup occupies, one per hierarchy (all
 * v1 hierarchies and the v2 one), in mountinfo order. */
struct rl_cgroup_dirs
{
  char **dirs;
  size_t len;
  bool rootless; /* set by rl_cgroup_make: controllers it could not make or join are skipped */
  bool has_v2;   /* set by rl_cgroup_resolve_in: one of dirs is on cgroup2 */
};

void rl_cgroup_dirs_free (struct rl_cgroup_dirs *d);


/* /proc/self/mountinfo's text, for the *_in functions (create reads it
 * once for both). */
int rl_cgroup_read_mountinfo (char **out, struct oci_error *err);
/* The directories cgroups_path (NULL: the container id) names on each
 * hierarchy mounted in MOUNTINFO, without creating anything
 * (rl_cgroup_make does): an absolute path is taken from the hierarchy's
 * root, a relative one from the runtime's own cgroup there (runtime-spec
 * config-linux.md leaves the relative case to the runtime; runc does the
 * same). */
int rl_cgroup_resolve_in (const char *mountinfo, const char *cgroups_path, const char *id, struct rl_cgroup_dirs *out,
                          struct oci_error *err);

/* Creates the directories rl_cgroup_resolve_in gave, moving them from
 * *resolved (left empty) to *out; nobody is moved in
 * (rl_cgroup_join_self).  rootless: permission errors are skipped, and
 * such a directory is left out. */
int rl_cgroup_make (struct rl_cgroup_dirs *resolved, bool rootless, struct rl_cgroup_dirs *out,
                    struct oci_error *err);

/* clone(2) with flags (and SIGCHLD): straight into the cgroup v2
 * directory among dirs where the kernel can (clone3 CLONE_INTO_CGROUP,
 * Linux 5.7), which spares a write of cgroup.procs and its RCU grace
 * period.  *joined: that directory's index, or n (a plain clone). */
pid_t rl_cgroup_clone (unsigned long flags, char *const *dirs, size_t n, size_t *joined);

/* Moves the calling process, which must be single-threaded, into dirs but
 * dirs[skip] (v1: "0" in tasks, cheap; v2: cgroup.procs).  flags: which
 * errors skip a directory instead of failing. */
enum
{
  RL_CGROUP_SKIP_MISSING = 1, /* ENOENT */
  RL_CGROUP_SKIP_DENIED = 2,  /* EACCES, EPERM, EROFS: rootless */
};
int rl_cgroup_join_self (char *const *dirs, size_t n, size_t skip, unsigned int flags, struct oci_error *err);

/* exec --cgroup: specs "[CONTROLLER[,CONTROLLER...]:]PATH" (runc's format)
 * choose, for each of the container's directories, the existing sub-cgroup
 * dirs[i]/PATH to join instead: a spec without controllers applies to
 * every hierarchy, one with controllers to the v1 hierarchies holding one
 * of them (and to cgroup v2 on a cgroup2-only host); the last spec that
 * applies wins.  out gets one directory per dirs[i].  PATH must stay
 * below the container's cgroup; a missing sub-cgroup or an unknown
 * controller is an error. */
int rl_cgroup_sub_dirs (char *const *dirs, size_t n, char *const *specs, size_t nspecs, struct rl_cgroup_dirs *out,
                        struct oci_error *err);

/* Pids in the container's cgroup and its sub-cgroups (from the first
 * hierarchy that has any). */
int rl_cgroup_pids (const struct rl_cgroup_dirs *d, pid_t **pids, size_t *n, struct oci_error *err);

/* Applies linux.resources to the directories of rl_cgroup_make: on the v1
 * controllers when any is mounted (a hybrid host's empty cgroup2 is left
 * alone), else on cgroup v2.  A resource whose controller is missing is an
 * error naming it; so are v2-only settings (unified) on v1 and v1-only ones
 * (network) on v2. */
int rl_cgroup_apply_resources (const struct rl_cgroup_dirs *dirs, const struct oci_linux_resources *r,
                               struct oci_error *err);
/* The same from /proc/self/mountinfo's text read by the caller. */
int rl_cgroup_apply_resources_in (const char *mountinfo, const struct rl_cgroup_dirs *dirs,
                                  const struct oci_linux_resources *r, struct oci_error *err);

/* Removes the directories, each after its sub-cgroups (deepest first); they
 * must be empty of processes.  One still holding processes (shared with
 * another container) is left in place. */
int rl_cgroup_remove (const struct rl_cgroup_dirs *d, struct oci_error *err);

/* ---- between cgroup.c, cgroup_v1.c and cgroup_v2.c ---- */

/* The container's directory for each v1 controller (NULL: not joined). */
struct rl_cgroup_v1_dirs
{
  const char *memory, *cpu, *cpuset, *pids, *blkio, *devices, *hugetlb, *net_cls, *net_prio, *rdma;
};

int rl_cgroup_v1_apply (const struct rl_cgroup_v1_dirs *d, const struct oci_linux_resources *r, bool rootless,
                        struct oci_error *err);
/* root: the hierarchy's mount point, for enabling controllers down to dir. */
int rl_cgroup_v2_apply (const char *root, const char *dir, const struct oci_linux_resources *r, bool rootless,
                        struct oci_error *err);

/* Writes value to dir/file; the error names file, value and directory. */
int rl_cgroup_write (const char *dir, const char *file, const char *value, struct oci_error *err);
int rl_cgroup_writef (const char *dir, const char *file, struct oci_error *err, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));
/* rdma.max: "mlx4_0 hca_handle=2 hca_object=max" (v1 and v2 alike). */
int rl_cgroup_rdma_write (const char *dir, const char *device, const struct oci_linux_rdma *r, struct oci_error *err);
bool rl_cgroup_has_file (const char *dir, const char *file);
/* dir/file's first line as a number ("max" reads as UINT64_MAX). */
int rl_cgroup_read_u64 (const char *dir, const char *file, uint64_t *out, struct oci_error *err);

#endif
