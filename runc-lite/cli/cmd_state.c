#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cleanup.h"
#include "cli/cli.h"

const struct cli_help rl_help_state = { "print the state of a container", "<container-id>", NULL };

int
cmd_state (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  cleanup_state struct rl_state *s = NULL;
  cleanup_free char *text = NULL;
  const char *id;

  if (cli_no_options (argc, argv, err) < 0)
    return -1;
  if (cli_container_id (argc, argv, "state <container-id>", &id, err) < 0 || rl_state_get (g, id, &s, err) < 0)
    return -1;
  if (bind_emit (&rl_state_public_type, s, true, &text, NULL, err) < 0)
    return -1;
  fputs (text, stdout);
  return 0;
}
