/* pause and resume. */
#include "config.h"

#include <getopt.h>
#include <string.h>

#include "cli/cli.h"

static int
pause_or_resume (struct rl_global *g, int argc, char **argv, bool pause, struct oci_error *err)
{
  static const struct option none[] = { { NULL, 0, NULL, 0 } };
  const char *id;
  optind = 0;
  opterr = 0;
  if (getopt_long_only (argc, argv, "+", none, NULL) != -1)
    return oci_error_set (err, 0, "%s: unknown option \"%s\"", argv[0], argv[optind - 1]);
  if (cli_container_id (argc, argv, pause ? "pause <container-id>" : "resume <container-id>", &id, err) < 0)
    return -1;
  return rl_pause (g, id, pause, err);
}

int
cmd_pause (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  return pause_or_resume (g, argc, argv, true, err);
}

int
cmd_resume (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  return pause_or_resume (g, argc, argv, false, err);
}
