/* `events`: the container's statistics read from its cgroup (v1 and v2),
 * as runc's JSON ("type": "stats"), and OOM notifications. */
#ifndef RL_CGROUP_STATS_H
#define RL_CGROUP_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "json.h"

/* Writes the "data" object of a stats event from the cgroup directories. */
void rl_cgroup_stats_emit (char *const *dirs, size_t n, struct json_gen *g);

/* An fd that becomes readable when the cgroup has an OOM kill (v1:
 * memory.oom_control through cgroup.event_control; v2: memory.events,
 * polled for POLLPRI); -1 when neither is available. *v2 tells which. */
int rl_cgroup_oom_fd (char *const *dirs, size_t n, bool *v2, struct oci_error *err);
/* v2: the oom_kill count in memory.events (to tell a change). */
long rl_cgroup_oom_kills (char *const *dirs, size_t n);

#endif
