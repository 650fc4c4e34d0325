/* Deadlines on CLOCK_MONOTONIC, in milliseconds, for the waits that poll
 * with a timeout (hooks' timeouts, delete's wait for killed processes). */
#ifndef RL_DEADLINE_H
#define RL_DEADLINE_H

#include <stdint.h>

/* No deadline: rl_deadline_left gives -1 (poll's "wait for ever"). */
#define RL_NO_DEADLINE ((int64_t) -1)

/* The deadline MS milliseconds from now (MS >= 0; saturates). */
int64_t rl_deadline_after_ms (int64_t ms);
/* The milliseconds left until DEADLINE as a poll timeout: 0 once it has
 * passed, -1 for RL_NO_DEADLINE. */
int rl_deadline_left (int64_t deadline);

#endif
