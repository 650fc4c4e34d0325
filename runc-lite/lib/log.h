/* --log, --log-format and --debug: errors go to stderr as one line and,
 * with --log, are appended to the log file too (JSON lines
 * {"level","msg","time"} as runc writes them, which containerd's shim
 * reads back).  With --debug, the steps of a command are logged as runc's
 * level=debug lines, in the --log-format, to the --log file or else to
 * stderr (containerd's shim forwards them to its own log). */
#ifndef RL_LOG_H
#define RL_LOG_H

#include "container.h"

void rl_log_error (const struct rl_global *g, const char *msg);
void rl_log_warning (const struct rl_global *g, const char *msg);
/* Only with --debug: a printf-style message. */
void rl_log_debug (const struct rl_global *g, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

#endif
