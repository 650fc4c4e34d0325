/* builder load oci-archive:FILE | oci:DIR[:TAG] [NAME]: reads images into
 * the store (transfer.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "image/store.h"
#include "distribution/transfer.h"

const struct cli_help bld_help_load = { "read images from an oci-archive or an OCI layout into the store",
                                        "oci-archive:FILE[:TAG] | oci:DIR[:TAG] [NAME[:TAG]]", NULL };

BLD_COMMAND (load)
{
  cleanup_store struct bld_store *s = NULL;
  cleanup_transport struct bld_transport src = { 0 };
  struct bld_load_options o = { .tag = true };
  struct bld_loaded *loaded = NULL;
  size_t n = 0;

  if (argc != 2 && argc != 3)
    return oci_error_set (err, 0, "usage: builder load oci-archive:FILE[:TAG] | oci:DIR[:TAG] [NAME]");
  o.name = argc == 3 ? argv[2] : NULL;
  if (o.name)
    {
      cleanup_free char *norm = NULL;
      if (bld_ref_normalize (o.name, &norm, err) < 0)
        return oci_error_prefix (err, "load");
    }
  if (bld_transport_parse (argv[1], true, &src, err) < 0)
    return oci_error_prefix (err, "load");
  if (bld_cli_open_store (g, true, &s, err) < 0)
    return -1;
  if (bld_load (s, &src, &o, &loaded, &n, err) < 0)
    return oci_error_prefix (err, "load");
  for (size_t i = 0; i < n; i++)
    printf ("Loaded image: %s\n", loaded[i].name);
  bld_loaded_free (loaded, n);
  return 0;
}
