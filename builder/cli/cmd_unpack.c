/* builder unpack NAME BUNDLE: a runtime bundle (rootfs/ and config.json).
 * An image without Entrypoint or Cmd still makes one: its process.args
 * are the runtime spec's default ("sh"), and a note says so. */
#include "config.h"

#include <stdio.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "image/store.h"
#include "image/unpack.h"

const struct cli_help bld_help_unpack = { "make a runtime bundle from an image", "NAME BUNDLE", NULL };

BLD_COMMAND (unpack)
{
  cleanup_store struct bld_store *s = NULL;
  bool no_command = false;
  struct bld_unpack_overrides ov = { .no_command = &no_command };

  if (argc != 3)
    return oci_error_set (err, 0, "usage: builder unpack NAME BUNDLE");
  if (bld_cli_open_store (g, true, &s, err) < 0)
    return -1;
  if (bld_unpack (s, argv[1], argv[2], &ov, err) < 0)
    return -1;
  if (no_command)
    fprintf (stderr,
             "builder: note: %s has no Entrypoint or Cmd; %s/config.json runs the default \"sh\" (edit "
             "process.args to change it)\n",
             argv[1], argv[2]);
  return 0;
}
