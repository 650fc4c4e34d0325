/* stub */
#include "config.h"
#include "cli.h"
BLD_COMMAND (run)
{
  (void) g; (void) argc; (void) argv;
  return oci_error_set (err, 0, "run: not yet");
}
