/* builder save NAME... oci-archive:FILE | oci:DIR[:TAG]: writes images of
 * the store out (transfer.c). */
#include "config.h"

#include <string.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "image/store.h"
#include "distribution/transfer.h"

const struct cli_help bld_help_save = { "write an image out as an oci-archive or into an OCI layout",
                                        "NAME... oci-archive:FILE | oci:DIR[:TAG]", NULL };

BLD_COMMAND (save)
{
  cleanup_store struct bld_store *s = NULL;
  cleanup_transport struct bld_transport dest = { 0 };

  if (argc < 3)
    return oci_error_set (err, 0, "usage: builder save NAME... oci-archive:FILE | oci:DIR[:TAG]");
  if (bld_transport_parse (argv[argc - 1], false, &dest, err) < 0)
    return oci_error_prefix (err, "save");
  if (bld_cli_open_store (g, false, &s, err) < 0)
    return -1;
  if (bld_save (s, argv + 1, (size_t) argc - 2, &dest, err) < 0)
    return oci_error_prefix (err, "save %s%s", argv[1], argc > 3 ? " ..." : "");
  return 0;
}
