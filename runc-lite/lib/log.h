/* The library's warnings and --debug lines, through rl_global's log_sink
 * (see runclite.h); nothing in the library prints. */
#ifndef RL_LOG_H
#define RL_LOG_H

#include "container.h"

void rl_log_warning (const struct rl_global *g, const char *msg);

#endif
