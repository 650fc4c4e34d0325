/* The OCI runtime (runc-lite, runc, crun) driven as a program: the one
 * place that builds its command lines.  RUN steps (build_run.c) run their
 * containers under a private --root in the build's work dir, the lease
 * reaper (build_lease.c) kills and deletes what a dead build left there,
 * and `builder run` (cli/cmd_run.c) runs a bundle in the foreground.
 * Children are spawned through common/spawn.h. */
#ifndef BUILDER_RUNTIME_DRIVER_H
#define BUILDER_RUNTIME_DRIVER_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* `RUNTIME spec --bundle BUNDLE`: the runtime's default config.json in
 * bundle.  Its output is the error's text when it fails. */
int bld_runtime_spec (const char *runtime, const char *bundle, struct oci_error *err);

/* Starts `RUNTIME --root ROOT run --bundle BUNDLE ID` with stdin from
 * /dev/null and stdout and stderr into one pipe, whose read end is
 * *out_fd; *pid is the runtime's process (bld_runtime_wait). */
int bld_runtime_run_piped (const char *runtime, const char *root, const char *bundle, const char *id, int *out_fd,
                           pid_t *pid, struct oci_error *err);

/* The exit status of the runtime process pid, 128 + the signal that
 * killed it, 255 when it cannot be waited for. */
int bld_runtime_wait (pid_t pid);

/* `RUNTIME run --bundle BUNDLE ID` in the foreground, on our stdout and
 * stderr, stdin ours when interactive, else /dev/null (RUNTIME looked up
 * in $PATH).  The terminal's ^C and ^\ go to the
 * runtime (same process group), which hands them to the container: we
 * ignore them while we wait.  *status: as bld_runtime_wait. */
int bld_runtime_run_attached (const char *runtime, const char *bundle, const char *id, bool interactive, int *status,
                              struct oci_error *err);

/* `RUNTIME --root ROOT kill ID KILL` then `delete --force ID`, quietly
 * (stdio on /dev/null, failures ignored: the container may be gone). */
void bld_runtime_kill_delete (const char *runtime, const char *root, const char *id);
/* Each half of it on its own; root NULL: the runtime's default (that of
 * `builder run`, whose containers `builder rm -f` kills).  RUNTIME is
 * looked up in $PATH when it has no slash. */
void bld_runtime_kill (const char *runtime, const char *root, const char *id);
void bld_runtime_delete (const char *runtime, const char *root, const char *id);

/* bld_runtime_kill_delete for every container of root (a --root dir). */
void bld_run_delete_all (const char *runtime, const char *root);

#endif
