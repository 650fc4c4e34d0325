/* --log, --log-format and --debug: errors go to stderr as one line and,
 * with --log, are appended to the log file too (JSON lines
 * {"level","msg","time"} as runc writes them, which containerd's shim
 * reads back).  Warnings likewise.  With --debug, the steps of a command
 * are logged as runc's level=debug lines, in the --log-format, to the
 * --log file or else to stderr (containerd's shim forwards them to its
 * own log).  main sets it as the library's log_sink. */
#ifndef RL_CLI_LOG_H
#define RL_CLI_LOG_H

#include "lib/runclite.h"

void cli_log (const struct rl_global *g, enum rl_log_level level, const char *msg);

#endif
