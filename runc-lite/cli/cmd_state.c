#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cleanup.h"
#include "cli/cli.h"

int
cmd_state (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  static const struct option none[] = { { NULL, 0, NULL, 0 } };
  cleanup_state struct rl_state *s = NULL;
  cleanup_free char *text = NULL;
  const char *id;

  optind = 0;
  opterr = 0;
  if (getopt_long_only (argc, argv, "+", none, NULL) != -1)
    return oci_error_set (err, 0, "state: unknown option \"%s\"", argv[optind - 1]);
  if (cli_container_id (argc, argv, "state <container-id>", &id, err) < 0 || rl_state_get (g, id, &s, err) < 0)
    return -1;
  if (bind_emit (&rl_state_public_type, s, true, &text, NULL, err) < 0)
    return -1;
  fputs (text, stdout);
  return 0;
}
