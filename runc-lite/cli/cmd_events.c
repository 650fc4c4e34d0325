/* events [--stats] [--interval D] ID: runc's event stream, one JSON object
 * per line: {"type":"stats","id":ID,"data":{...}} every interval and
 * {"type":"oom","id":ID} when the kernel OOM-kills in the container.  It
 * ends when the container's init exits. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "json.h"

/* Go durations as runc takes them: "5s", "250ms", "1m30s", "1h". */
static int
parse_duration (const char *text, long long *ms, struct oci_error *err)
{
  const char *p = text;
  double total = 0;
  if (*p == '\0')
    goto bad;
  while (*p)
    {
      char *end;
      double v = strtod (p, &end);
      double unit;
      if (end == p)
        goto bad;
      p = end;
      if (strncmp (p, "ms", 2) == 0)
        unit = 1, p += 2;
      else if (strncmp (p, "us", 2) == 0)
        unit = 0.001, p += 2;
      else if (strncmp (p, "ns", 2) == 0)
        unit = 0.000001, p += 2;
      else if (*p == 's')
        unit = 1000, p++;
      else if (*p == 'm')
        unit = 60000, p++;
      else if (*p == 'h')
        unit = 3600000, p++;
      else
        goto bad;
      total += v * unit;
    }
  if (total < 1)
    goto bad;
  *ms = (long long) total;
  return 0;
bad:
  return oci_error_set (err, 0, "events: --interval: expected a duration such as 5s or 500ms, got \"%s\"", text);
}

static int
print_event (const char *type, const char *id, const struct rl_state *s, struct oci_error *err)
{
  cleanup_json_gen struct json_gen *g = json_gen_new (false);
  cleanup_free char *text = NULL;
  if (g == NULL)
    return oci_error_set (err, ENOMEM, "events");
  json_gen_begin_object (g);
  json_gen_key (g, "type");
  json_gen_string (g, type);
  json_gen_key (g, "id");
  json_gen_string (g, id);
  if (s)
    {
      json_gen_key (g, "data");
      rl_cgroup_stats_emit (s->cgroup_dirs, s->cgroup_dirs_len, g);
    }
  json_gen_end_object (g);
  if (json_gen_finish (g, &text, NULL, err) < 0)
    return -1;
  printf ("%s\n", text);
  fflush (stdout);
  return 0;
}

enum
{
  OPT_INTERVAL = CLI_LONG_ONLY,
  OPT_STATS
};

static const struct cli_option events_options[] = {
  { "interval", OPT_INTERVAL, CLI_VALUE, "DURATION", "time between two statistics, e.g. 5s or 500ms (default 5s)" },
  { "stats", OPT_STATS, CLI_BOOL, NULL, "print the statistics once and exit" },
  CLI_OPTIONS_END,
};

const struct cli_help rl_help_events = { "print the container's statistics and OOM events as JSON",
                                         "[command options] <container-id>", events_options };

int
cmd_events (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  cleanup_cli_getopt struct cli_getopt parser = CLI_GETOPT_INIT;
  struct rl_opened o;
  long long interval = 5000;
  bool stats_only = false, v2 = false;
  int c, ret = -1, pidfd = -1, oomfd = -1;
  long oom_kills = 0;
  const char *id;

  if (cli_getopt_start (&parser, events_options, CLI_STYLE_GO, argc, argv, err) < 0)
    return -1;
  while ((c = cli_getopt_next (&parser)) != -1)
    {
      if (c == OPT_INTERVAL)
        {
          if (parse_duration (optarg, &interval, err) < 0)
            return -1;
        }
      else if (c == OPT_STATS)
        {
          if (cli_getopt_bool (&parser, c, &stats_only, err) < 0)
            return -1;
        }
      else
        return oci_error_set (err, 0, "events: unknown or incomplete option \"%s\"", argv[optind - 1]);
    }
  if (cli_container_id (argc, argv, "events [--stats] [--interval D] <container-id>", &id, err) < 0)
    return -1;
  if (rl_container_open (g, id, false, false, &o, err) < 0)
    goto out;
  if (o.status == RL_STOPPED)
    {
      oci_error_set (err, 0, "container %s is not running", id);
      goto out;
    }
  if (stats_only)
    {
      ret = print_event ("stats", id, o.state, err);
      goto out;
    }
  pidfd = rl_open_init (o.state, err);
  if (pidfd < 0)
    goto out;
  oomfd = rl_cgroup_oom_fd (o.state->cgroup_dirs, o.state->cgroup_dirs_len, &v2, err);
  if (oomfd < 0 && err->msg)
    goto out;
  if (v2)
    oom_kills = rl_cgroup_oom_kills (o.state->cgroup_dirs, o.state->cgroup_dirs_len);
  for (;;)
    {
      struct pollfd p[2] = { { .fd = pidfd, .events = POLLIN }, { .fd = oomfd, .events = v2 ? POLLPRI : POLLIN } };
      int r = poll (p, 2, interval > 0x7fffffff ? 0x7fffffff : (int) interval);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          oci_error_set (err, errno, "events: poll");
          goto out;
        }
      if (r == 0)
        {
          if (print_event ("stats", id, o.state, err) < 0)
            goto out;
          continue;
        }
      if (p[1].revents & (POLLIN | POLLPRI))
        {
          bool oom = true;
          if (v2)
            {
              long now = rl_cgroup_oom_kills (o.state->cgroup_dirs, o.state->cgroup_dirs_len);
              oom = now > oom_kills;
              oom_kills = now;
            }
          else
            {
              uint64_t count;
              if (read (oomfd, &count, sizeof count) != sizeof count)
                oom = false;
            }
          if (oom && print_event ("oom", id, NULL, err) < 0)
            goto out;
        }
      if (p[0].revents & POLLIN)
        break; /* the init exited */
    }
  ret = 0;
out:
  if (pidfd >= 0)
    close (pidfd);
  if (oomfd >= 0)
    close (oomfd);
  rl_opened_release (&o);
  return ret;
}
