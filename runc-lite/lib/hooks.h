/* Lifecycle hooks (runtime-spec config.md "POSIX-platform Hooks"): each
 * runs with the container's state JSON on stdin, in order; a timeout kills
 * it; a hook need not read its stdin.  The caller decides what a failure means (an error for all but
 * poststop, whose failures are warnings). */
#ifndef RL_HOOKS_H
#define RL_HOOKS_H

#include <stddef.h>

#include "error.h"
#include "runtime.h"

/* kind names the list in messages ("createRuntime"). */
int rl_hooks_run (const struct oci_hook *hooks, size_t n, const char *kind, const char *state_json,
                  struct oci_error *err);

/* Runs every hook even when some fail (poststop: runtime.md "log a
 * warning and continue"), handing each failure to WARN.  Returns how many
 * failed. */
int rl_hooks_run_all (const struct oci_hook *hooks, size_t n, const char *kind, const char *state_json,
                      void (*warn) (const struct oci_error *failure, void *data), void *data);

#endif
