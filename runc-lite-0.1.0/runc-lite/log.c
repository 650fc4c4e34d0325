#include "config.h"
#include "log.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"
#include "json.h"
#include "state.h"

static void
append_log (const struct rl_global *g, const char *level, const char *msg)
{
  cleanup_free char *now = rl_now_rfc3339 (), *line = NULL;
  cleanup_close int fd = -1;
  struct oci_error err = OCI_ERROR_INIT;

  if (g->log == NULL)
    return;
  fd = open (g->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return;
  if (strcmp (g->log_format, "json") == 0)
    {
      cleanup_json_gen struct json_gen *gen = json_gen_new (false);
      cleanup_free char *text = NULL;
      if (gen == NULL)
        return;
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
    }
  else if (asprintf (&line, "time=\"%s\" level=%s msg=\"%s\"\n", now ? now : "", level, msg) < 0)
    line = NULL;
  oci_error_clear (&err);
  if (line)
    oci_write_all (fd, line, strlen (line));
}

void
rl_log_error (const struct rl_global *g, const char *msg)
{
  fprintf (stderr, "runc-lite: %s\n", msg);
  append_log (g, "error", msg);
}

void
rl_log_warning (const struct rl_global *g, const char *msg)
{
  fprintf (stderr, "runc-lite: warning: %s\n", msg);
  append_log (g, "warning", msg);
}

void
rl_log_debug (const struct rl_global *g, const char *msg)
{
  if (g->debug)
    append_log (g, "debug", msg);
}
