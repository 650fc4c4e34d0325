/* builder ps [-a] [-q] [--no-trunc] and builder rm [-f] NAME...: the
 * containers of `builder run` (exec/runs.h), listed in docker's columns,
 * and their bundles removed (running ones killed first with -f). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "common/strbuf.h"
#include "exec/runs.h"
#include "image/image_info.h"
#include "image/store.h"

static int
run_dir (struct global_options *g, char **out, struct oci_error *err)
{
  cleanup_store struct bld_store *s = NULL;
  if (bld_cli_open_store (g, true, &s, err) < 0)
    return -1;
  return bld_store_area_path (bld_store_dir (s), BLD_STORE_RUN, out, err);
}

static const struct cli_option ps_options[] = {
  { "all", 'a', CLI_NO_VALUE, NULL, "show every container (default: the running ones)" },
  { "quiet", 'q', CLI_NO_VALUE, NULL, "print the container ids only" },
  { "no-trunc", CLI_LONG_ONLY, CLI_NO_VALUE, NULL, "do not shorten ids and commands" },
  CLI_OPTIONS_END,
};

const struct cli_help bld_help_ps = { "list the containers of builder run", "[command options]", ps_options };

/* docker's COMMAND column: quoted, shortened to 20 characters with an
 * ellipsis. */
static char *
command_column (const char *cmd, bool no_trunc)
{
  struct strbuf b = STRBUF_INIT;
  size_t n = strlen (cmd);
  strbuf_adds (&b, "\"");
  if (!no_trunc && n > 20)
    {
      strbuf_add (&b, cmd, 19);
      strbuf_adds (&b, "…");
    }
  else
    strbuf_adds (&b, cmd);
  strbuf_adds (&b, "\"");
  return strbuf_steal (&b);
}

static void
status_column (const struct bld_run *r, char *buf, size_t len)
{
  char d[64];
  int64_t now = (int64_t) time (NULL);
  if (r->running)
    {
      bld_info_duration (now - r->created, d, sizeof d);
      snprintf (buf, len, "Up %s", d);
    }
  else if (r->exited)
    {
      bld_info_duration (now - r->finished, d, sizeof d);
      snprintf (buf, len, "Exited (%d) %s ago", r->exit_code, d);
    }
  else
    snprintf (buf, len, "Exited (unknown)");
}

static void
print_row (const struct bld_run *r, bool no_trunc)
{
  cleanup_free char *cmd = command_column (r->command, no_trunc);
  char created[80], status[96], id[BLD_RUN_ID_LEN + 1];

  size_t id_len = strlen (r->id);
  if (!no_trunc && id_len > BLD_RUN_SHORT_ID_LEN)
    id_len = BLD_RUN_SHORT_ID_LEN;
  memcpy (id, r->id, id_len < sizeof id ? id_len : sizeof id - 1);
  id[id_len < sizeof id ? id_len : sizeof id - 1] = '\0';
  if (r->created)
    {
      bld_info_duration ((int64_t) time (NULL) - r->created, created, sizeof created - 4);
      strcat (created, " ago");
    }
  else
    created[0] = '\0';
  status_column (r, status, sizeof status);
  printf ("%-14s %-20s %-22s %-16s %-26s %-7s %s\n", id, r->image, cmd ? cmd : "", created, status, "", r->name);
}

BLD_COMMAND (ps)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  cleanup_free char *rundir = NULL;
  struct bld_run *v = NULL;
  size_t n = 0;
  bool all = false, quiet = false, no_trunc = false;
  int c;

  if (cli_getopt_start (&p, ps_options, CLI_STYLE_GNU, argc, argv, err) < 0)
    return -1;
  while ((c = cli_getopt_next (&p)) != -1)
    switch (c)
      {
      case 'a':
        all = true;
        break;
      case 'q':
        quiet = true;
        break;
      case CLI_LONG_ONLY:
        no_trunc = true;
        break;
      default:
        return oci_error_set (err, 0, "usage: builder ps [-a] [-q] [--no-trunc]");
      }
  if (optind != argc)
    return oci_error_set (err, 0, "usage: builder ps [-a] [-q] [--no-trunc]");
  if (run_dir (g, &rundir, err) < 0 || bld_runs_list (rundir, &v, &n, err) < 0)
    return -1;
  if (!quiet)
    printf ("%-14s %-20s %-22s %-16s %-26s %-7s %s\n", "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS",
            "PORTS", "NAMES");
  for (size_t i = 0; i < n; i++)
    {
      if (!all && !v[i].running)
        continue;
      if (quiet)
        printf ("%.*s\n", no_trunc ? BLD_RUN_ID_LEN : BLD_RUN_SHORT_ID_LEN, *v[i].id ? v[i].id : v[i].name);
      else
        print_row (&v[i], no_trunc);
    }
  bld_runs_free (v, n);
  return 0;
}

static const struct cli_option rm_options[] = {
  { "force", 'f', CLI_NO_VALUE, NULL, "kill a running container (SIGKILL) and remove it" },
  CLI_OPTIONS_END,
};

const struct cli_help bld_help_rm = { "remove containers of builder run (their bundles)",
                                      "[command options] NAME|ID [NAME|ID...]", rm_options };

static const char rm_usage[] = "usage: builder rm [-f] NAME|ID [NAME|ID...]";

BLD_COMMAND (rm)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  cleanup_free char *rundir = NULL;
  bool force = false;
  int ret = 0, c;

  if (cli_getopt_start (&p, rm_options, CLI_STYLE_GNU, argc, argv, err) < 0)
    return -1;
  while ((c = cli_getopt_next (&p)) != -1)
    switch (c)
      {
      case 'f':
        force = true;
        break;
      default:
        return oci_error_set (err, 0, "%s", rm_usage);
      }
  if (optind >= argc)
    return oci_error_set (err, 0, "%s", rm_usage);
  if (run_dir (g, &rundir, err) < 0)
    return -1;
  /* docker rm: each operand on its own, an error does not stop the rest */
  for (int i = optind; i < argc; i++)
    {
      cleanup_free char *removed = NULL;
      struct oci_error e = OCI_ERROR_INIT;
      if (bld_run_remove (rundir, argv[i], force, &removed, &e) < 0)
        {
          fprintf (stderr, "builder: %s\n", oci_error_msg (&e));
          oci_error_clear (&e);
          ret = 1;
          continue;
        }
      printf ("%s\n", argv[i]);
    }
  return ret;
}
