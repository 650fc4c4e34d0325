/* --log and --log-format: errors go to stderr as one line and, with --log,
 * are appended to the log file too (JSON lines {"level","msg","time"} as
 * runc writes them, which containerd's shim reads back). */
#ifndef RL_LOG_H
#define RL_LOG_H

#include "container.h"

void rl_log_error (const struct rl_global *g, const char *msg);
void rl_log_warning (const struct rl_global *g, const char *msg);
/* Only with --debug, and only to the --log file. */
void rl_log_debug (const struct rl_global *g, const char *msg);

#endif
