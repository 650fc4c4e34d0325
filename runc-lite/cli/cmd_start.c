#include "config.h"

#include <getopt.h>

#include "cli/cli.h"

static int
no_flags (int argc, char **argv, struct oci_error *err)
{
  static const struct option none[] = { { NULL, 0, NULL, 0 } };
  optind = 0;
  opterr = 0;
  if (getopt_long_only (argc, argv, "+", none, NULL) != -1)
    return oci_error_set (err, 0, "%s: unknown option \"%s\"", argv[0], argv[optind - 1]);
  return 0;
}

int
cmd_start (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  const char *id;
  if (no_flags (argc, argv, err) < 0 || cli_container_id (argc, argv, "start <container-id>", &id, err) < 0)
    return -1;
  return rl_start (g, id, err);
}
