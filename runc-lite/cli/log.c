/* The runtime's log: what the library reports through rl_global's
 * log_sink, and main's error line, to stderr and the --log file. */
#include "config.h"
#include "cli/log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"
#include "json.h"

/* logrus's text format quotes the message: '"' and '\\' escaped, control
 * characters as \n, \t or \xNN, so that a line stays one line. */
static char *
quote_text (const char *msg)
{
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&out, &len);
  if (f == NULL)
    return NULL;
  for (const unsigned char *p = (const unsigned char *) msg; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        fprintf (f, "\\%c", *p);
      else if (*p == '\n')
        fputs ("\\n", f);
      else if (*p == '\t')
        fputs ("\\t", f);
      else if (*p < 0x20 || *p == 0x7f)
        fprintf (f, "\\x%02x", *p);
      else
        fputc (*p, f);
    }
  if (fclose (f) != 0)
    {
      free (out);
      return NULL;
    }
  return out;
}

/* One log line in --log-format, with its newline. */
static char *
format_line (const struct rl_global *g, const char *level, const char *msg)
{
  cleanup_free char *now = rl_now_rfc3339 ();
  char *line = NULL;

  if (strcmp (g->log_format, "json") == 0)
    {
      cleanup_json_gen struct json_gen *gen = json_gen_new (false);
      cleanup_free char *text = NULL;
      struct oci_error err = OCI_ERROR_INIT;
      if (gen == NULL)
        return NULL;
      json_gen_begin_object (gen);
      json_gen_key (gen, "level");
      json_gen_string (gen, level);
      json_gen_key (gen, "msg");
      json_gen_string (gen, msg);
      json_gen_key (gen, "time");
      json_gen_string (gen, now ? now : "");
      json_gen_end_object (gen);
      if (json_gen_finish (gen, &text, NULL, &err) < 0 || asprintf (&line, "%s\n", text) < 0)
        line = NULL;
      oci_error_clear (&err);
    }
  else
    {
      cleanup_free char *quoted = quote_text (msg);
      if (quoted == NULL || asprintf (&line, "time=\"%s\" level=%s msg=\"%s\"\n", now ? now : "", level, quoted) < 0)
        line = NULL;
    }
  return line;
}

/* Appends the line to the --log file; without one, to stderr when
 * to_stderr (the error lines have their own form there). */
static void
append_log (const struct rl_global *g, const char *level, const char *msg, bool to_stderr)
{
  cleanup_free char *line = NULL;
  cleanup_close int fd = -1;

  if (g->log == NULL && !to_stderr)
    return;
  line = format_line (g, level, msg);
  if (line == NULL)
    return;
  if (g->log == NULL)
    {
      oci_write_all (STDERR_FILENO, line, strlen (line));
      return;
    }
  fd = open (g->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0)
    oci_write_all (fd, line, strlen (line));
}

void
cli_log (const struct rl_global *g, enum rl_log_level level, const char *msg)
{
  switch (level)
    {
    case RL_LOG_ERROR:
      fprintf (stderr, "runc-lite: %s\n", msg);
      append_log (g, "error", msg, false);
      break;
    case RL_LOG_WARNING:
      fprintf (stderr, "runc-lite: warning: %s\n", msg);
      append_log (g, "warning", msg, false);
      break;
    case RL_LOG_DEBUG:
      append_log (g, "debug", msg, true);
      break;
    }
}
