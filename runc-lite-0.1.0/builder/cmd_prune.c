/* builder prune: removes the blobs no name reaches and says which. */
#include "config.h"

#include <stdio.h>

#include "cleanup.h"
#include "cli.h"
#include "store.h"
#include "store_prune.h"

BLD_COMMAND (prune)
{
  cleanup_store struct bld_store *s = NULL;
  struct bld_prune_result r;

  (void) argv;
  if (argc != 1)
    return oci_error_set (err, 0, "usage: builder prune");
  if (bld_cli_open_store (g, true, &s, err) < 0 || bld_store_prune (s, &r, err) < 0)
    return -1;
  for (size_t i = 0; i < r.removed_len; i++)
    printf ("deleted: %s\n", r.removed[i]);
  printf ("Total reclaimed space: %llu bytes in %zu blobs\n", (unsigned long long) r.bytes, r.removed_len);
  bld_prune_result_free (&r);
  return 0;
}
