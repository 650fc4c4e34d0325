/* The library's log: handed to the caller's log_sink (the CLI writes it
 * out); the library itself never prints. */
#include "config.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cleanup.h"

void
rl_log_warning (const struct rl_global *g, const char *msg)
{
  if (g && g->log_sink)
    g->log_sink (g, RL_LOG_WARNING, msg);
}

void
rl_log_debug (const struct rl_global *g, const char *fmt, ...)
{
  cleanup_free char *msg = NULL;
  va_list ap;

  if (g == NULL || !g->debug || g->log_sink == NULL)
    return;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  va_end (ap);
  if (msg)
    g->log_sink (g, RL_LOG_DEBUG, msg);
}
