#include "config.h"

#include <getopt.h>

#include "cli/cli.h"

int
cmd_delete (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  static const struct option options[] = { { "force", optional_argument, NULL, 'f' }, { NULL, 0, NULL, 0 } };
  const char *id;
  bool force = false;
  int c;

  optind = 0;
  opterr = 0;
  if (cli_check_long_options (argc, argv, options, err) < 0)
    return -1;
  while ((c = getopt_long_only (argc, argv, "+f::", options, NULL)) != -1)
    {
      if (c != 'f')
        return oci_error_set (err, 0, "delete: unknown option \"%s\"", argv[optind - 1]);
      if (cli_flag_value (options, c, optarg, &force, err) < 0)
        return -1;
    }
  if (cli_container_id (argc, argv, "delete [--force] <container-id>", &id, err) < 0)
    return -1;
  return rl_delete (g, id, force, err);
}
