/* pause and resume. */
#include "config.h"

#include <string.h>

#include "cli/cli.h"

const struct cli_help rl_help_pause = { "suspend every process in the container", "<container-id>", NULL };
const struct cli_help rl_help_resume = { "resume a paused container", "<container-id>", NULL };

static int
pause_or_resume (struct rl_global *g, int argc, char **argv, bool pause, struct oci_error *err)
{
  const char *id;
  if (cli_no_options (argc, argv, err) < 0)
    return -1;
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
