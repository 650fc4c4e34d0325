/* builder tag SRC DST: DST names the image SRC names. */
#include "config.h"

#include "cleanup.h"
#include "cli/cli.h"
#include "image/store.h"

const struct cli_help bld_help_tag = { "give an image another name", "SRC DST", NULL };

BLD_COMMAND (tag)
{
  cleanup_store struct bld_store *s = NULL;
  cleanup_image_descriptor struct oci_image_descriptor *desc = NULL;
  cleanup_free char *dst = NULL;

  if (argc != 3)
    return oci_error_set (err, 0, "usage: builder tag SRC DST");
  if (bld_ref_normalize (argv[2], &dst, err) < 0 || bld_cli_open_store (g, true, &s, err) < 0
      || bld_store_resolve (s, argv[1], &desc, err) < 0)
    return -1;
  return bld_store_tag (s, dst, desc, err);
}
