/* builder prune [--all]: removes the blobs no name reaches, the build
 * caches' entries for them (--all: the whole build caches) and dead
 * builds' leftovers, and says what. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "exec/runtime_path.h"
#include "image/store.h"
#include "image/store_prune.h"

static const struct cli_option prune_options[] = {
  { "all", 'a', CLI_NO_VALUE, NULL, "also empty the build caches (extracted layers, step cache) whole" },
  CLI_OPTIONS_END,
};

const struct cli_help bld_help_prune = { "remove blobs and build caches no image name reaches ([--all])", "[--all]",
                                         prune_options };

BLD_COMMAND (prune)
{
  cleanup_store struct bld_store *s = NULL;
  cleanup_free char *runtime = NULL;
  struct bld_prune_options o = { 0 };
  struct bld_prune_result r;

  if (argc == 2 && (strcmp (argv[1], "--all") == 0 || strcmp (argv[1], "-a") == 0))
    o.all = true;
  else if (argc != 1)
    return oci_error_set (err, 0, "usage: builder prune [--all]");
  o.runtime = runtime = bld_default_runtime ();
  if (bld_cli_open_store (g, true, &s, err) < 0 || bld_store_prune_with (s, &o, &r, err) < 0)
    return -1;
  if (r.builds_running)
    printf ("builds are running: blobs and build caches kept\n");
  for (size_t i = 0; i < r.removed_len; i++)
    printf ("deleted: %s\n", r.removed[i]);
  printf ("Total reclaimed space: %llu bytes in %zu blobs\n", (unsigned long long) r.bytes, r.removed_len);
  if (r.layers_removed || r.cache_removed)
    printf ("Build cache: %zu extracted layers, %zu step cache entries removed\n", r.layers_removed, r.cache_removed);
  bld_prune_result_free (&r);
  return 0;
}
