#include "config.h"

#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "json.h"

static void
free_states (struct rl_state **s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    rl_state_free (s[i]);
  free (s);
}

/* runc's table: columns padded to the widest cell plus three spaces. */
static void
print_table (struct rl_state **s, size_t n)
{
  static const char *const head[] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
  size_t w[6];
  char pid[32];

  for (size_t k = 0; k < 6; k++)
    w[k] = strlen (head[k]);
  for (size_t i = 0; i < n; i++)
    {
      size_t l[5] = { strlen (s[i]->id), (size_t) snprintf (pid, sizeof pid, "%" PRId64, s[i]->pid),
                      strlen (s[i]->status), strlen (s[i]->bundle ? s[i]->bundle : ""),
                      strlen (s[i]->created ? s[i]->created : "") };
      for (size_t k = 0; k < 5; k++)
        if (l[k] > w[k])
          w[k] = l[k];
    }
  for (size_t k = 0; k < 5; k++)
    printf ("%-*s   ", (int) w[k], head[k]);
  printf ("%s\n", head[5]);
  for (size_t i = 0; i < n; i++)
    {
      struct passwd *pw = getpwuid (s[i]->owner);
      snprintf (pid, sizeof pid, "%" PRId64, s[i]->pid);
      printf ("%-*s   %-*s   %-*s   %-*s   %-*s   ", (int) w[0], s[i]->id, (int) w[1], pid, (int) w[2], s[i]->status,
              (int) w[3], s[i]->bundle ? s[i]->bundle : "", (int) w[4], s[i]->created ? s[i]->created : "");
      if (pw)
        printf ("%s\n", pw->pw_name);
      else
        printf ("#%u\n", s[i]->owner);
    }
}

static const struct cli_option list_options[] = {
  { "format", 'f', CLI_VALUE, "table|json", "the output format (default table)" },
  { "quiet", 'q', CLI_BOOL, NULL, "print the container ids only" },
  CLI_OPTIONS_END,
};

const struct cli_help rl_help_list = { "list the containers", "[command options]", list_options };

int
cmd_list (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  struct rl_state **states = NULL;
  const char *format = "table";
  bool quiet = false;
  size_t n;
  int c, ret = 0;

  if (cli_getopt_start (&p, list_options, CLI_STYLE_GO, argc, argv, err) < 0)
    return -1;
  while ((c = cli_getopt_next (&p)) != -1)
    {
      if (c == 'f')
        format = optarg;
      else if (c == 'q')
        {
          if (cli_getopt_bool (&p, c, &quiet, err) < 0)
            return -1;
        }
      else
        return oci_error_set (err, 0, "list: unknown or incomplete option \"%s\"", argv[optind - 1]);
    }
  if (strcmp (format, "table") != 0 && strcmp (format, "json") != 0)
    return oci_error_set (err, 0, "list: --format: expected table or json, got \"%s\"", format);
  if (optind != argc)
    return oci_error_set (err, 0, "list: takes no arguments");
  if (rl_list (g, &states, &n, err) < 0)
    return -1;
  if (quiet)
    for (size_t i = 0; i < n; i++)
      printf ("%s\n", states[i]->id);
  else if (strcmp (format, "table") == 0)
    print_table (states, n);
  else
    {
      cleanup_json_gen struct json_gen *gen = json_gen_new (false);
      cleanup_free char *text = NULL;
      if (gen)
        {
          json_gen_begin_array (gen);
          for (size_t i = 0; i < n; i++)
            bind_emit_gen (&rl_state_public_type, states[i], gen);
          json_gen_end_array (gen);
        }
      if (json_gen_finish (gen, &text, NULL, err) < 0)
        ret = -1;
      else
        printf ("%s\n", text);
    }
  free_states (states, n);
  return ret;
}
