/* The lifecycle's own helpers, shared by create.c and exec.c; the
 * lifecycle's API itself is in runclite.h. */
#ifndef RL_CONTAINER_H
#define RL_CONTAINER_H

#include <stdbool.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "runclite.h"
#include "runtime.h"
#include "state.h"

/* The signals run and exec forward to the container's process (blocked in
 * the runtime from its start, so none is lost). */
void rl_forwarded_signals (sigset_t *set);
/* Proxies the terminal (master >= 0) and forwards signals until pid
 * exits; *status is its exit status, 128+signal when killed. */
int rl_wait_foreground (pid_t pid, int master, int *status, struct oci_error *err);
/* rl_delete for `run`, which holds the container's config already (the
 * same as the copy under ROOT/ID): that copy is not read again.  config is
 * borrowed. */
int rl_delete_with_config (const struct rl_global *g, const char *id, bool force, struct oci_runtime_config *config,
                           struct oci_error *err);

#endif
