/* build --progress=rawjson: one JSON object per line per event, for CI
 * log processors (the schema is in docs/ci.md):
 *   {"time":"2026-12-03T23:10:58.123456789Z","event":"start","step":1,
 *    "total":3,"vertex":"[1/3]","name":"RUN make"}
 * with event start | log ("text") | cached | done | error ("duration_ms")
 * | message (a line after the steps, "text"; no step). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "json.h"
#include "exec/build.h"

int
bld_progress_event_json (const struct bld_progress_event *e, char **out, size_t *len, struct oci_error *err)
{
  cleanup_json_gen struct json_gen *g = json_gen_new (false);
  char when[64], vertex[32];
  struct tm tm;
  time_t sec = e->time.tv_sec;

  if (g == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (gmtime_r (&sec, &tm) == NULL)
    return oci_error_set (err, EOVERFLOW, "progress event: time %lld out of range", (long long) sec);
  size_t n = strftime (when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (when + n, sizeof when - n, ".%09ldZ", (long) e->time.tv_nsec);
  json_gen_begin_object (g);
  json_gen_key (g, "time");
  json_gen_string (g, when);
  json_gen_key (g, "event");
  json_gen_string (g, e->event);
  if (e->step)
    {
      json_gen_key (g, "step");
      json_gen_uint64 (g, e->step);
      json_gen_key (g, "total");
      json_gen_uint64 (g, e->total);
      snprintf (vertex, sizeof vertex, "[%u/%u]", e->step, e->total);
      json_gen_key (g, "vertex");
      json_gen_string (g, vertex);
    }
  if (e->name)
    {
      json_gen_key (g, "name");
      json_gen_string (g, e->name);
    }
  if (e->text)
    {
      json_gen_key (g, "text");
      json_gen_string (g, e->text);
    }
  if (e->duration_ms >= 0)
    {
      json_gen_key (g, "duration_ms");
      json_gen_int64 (g, e->duration_ms);
    }
  json_gen_end_object (g);
  return json_gen_finish (g, out, len, err);
}
