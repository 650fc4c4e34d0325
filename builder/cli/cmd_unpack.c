/* builder unpack NAME BUNDLE: a runtime bundle (rootfs/ and config.json). */
#include "config.h"

#include "cleanup.h"
#include "cli/cli.h"
#include "image/store.h"
#include "image/unpack.h"

const struct cli_help bld_help_unpack = { "make a runtime bundle from an image", "NAME BUNDLE", NULL };

BLD_COMMAND (unpack)
{
  cleanup_store struct bld_store *s = NULL;

  if (argc != 3)
    return oci_error_set (err, 0, "usage: builder unpack NAME BUNDLE");
  if (bld_cli_open_store (g, true, &s, err) < 0)
    return -1;
  return bld_unpack (s, argv[1], argv[2], NULL, err);
}
