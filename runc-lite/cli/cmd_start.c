#include "config.h"

#include "cli/cli.h"

const struct cli_help rl_help_start = { "start the user's process in a created container", "<container-id>", NULL };

int
cmd_start (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  const char *id;
  if (cli_no_options (argc, argv, err) < 0 || cli_container_id (argc, argv, "start <container-id>", &id, err) < 0)
    return -1;
  return rl_start (g, id, err);
}
