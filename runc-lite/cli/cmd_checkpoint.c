/* checkpoint and restore: runc's names, but this runtime has no CRIU
 * support; say so plainly (and `features` says so too). */
#include "config.h"

#include "cli/cli.h"

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
