/* builder rmi NAME...: removes names; the blobs stay until `prune`. */
#include "config.h"

#include <stdio.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "image/store.h"

const struct cli_help bld_help_rmi = { "remove image names", "NAME[:TAG]...", NULL };

BLD_COMMAND (rmi)
{
  cleanup_store struct bld_store *s = NULL;

  if (argc < 2)
    return oci_error_set (err, 0, "usage: builder rmi NAME[:TAG]...");
  if (bld_cli_open_store (g, true, &s, err) < 0)
    return -1;
  for (int i = 1; i < argc; i++)
    {
      cleanup_free char *ref = NULL;
      if (bld_ref_normalize (argv[i], &ref, err) < 0 || bld_store_untag (s, ref, err) < 0)
        return -1;
      printf ("Untagged: %s\n", ref);
    }
  return 0;
}
