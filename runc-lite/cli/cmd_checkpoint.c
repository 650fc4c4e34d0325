/* checkpoint and restore: runc's names, but this runtime has no CRIU
 * support; say so plainly (and `features` says so too). */
#include "config.h"

#include "cli/cli.h"

const struct cli_help rl_help_checkpoint = { "not supported (no CRIU): exits with an error", "<container-id>", NULL };
const struct cli_help rl_help_restore = { "not supported (no CRIU): exits with an error", "<container-id>", NULL };

static int
unsupported (const char *what, struct oci_error *err)
{
  return oci_error_set (err, 0, "%s is not supported by runc-lite (it is built without CRIU support)", what);
}

int
cmd_checkpoint (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  (void) g;
  (void) argc;
  (void) argv;
  return unsupported ("checkpoint", err);
}

int
cmd_restore (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  (void) g;
  (void) argc;
  (void) argv;
  return unsupported ("restore", err);
}
