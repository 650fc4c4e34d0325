/* builder prune [--all] [--build-cache [--keep-storage SIZE] [--filter
 * until=DURATION]]: removes dangling images (--all: every image), the
 * blobs neither an image nor the build cache reaches, the extracted
 * layers none uses, dead builds' leftovers and the bundles `builder run`
 * kept of exited containers; the step cache only with --build-cache.
 * Says what. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "common/size.h"
#include "common/strv.h"
#include "exec/runs.h"
#include "exec/runtime_path.h"
#include "frontend/recipe_parse.h"
#include "image/store.h"
#include "image/store_prune.h"

enum
{
  OPT_BUILD_CACHE = CLI_LONG_ONLY,
  OPT_KEEP_STORAGE,
  OPT_FILTER
};

static const struct cli_option prune_options[] = {
  { "all", 'a', CLI_NO_VALUE, NULL, "remove every image no container uses, not only dangling ones" },
  { "build-cache", OPT_BUILD_CACHE, CLI_NO_VALUE, NULL, "also empty the build cache (step cache, extracted layers)" },
  { "keep-storage", OPT_KEEP_STORAGE, CLI_VALUE, "SIZE",
    "with --build-cache: keep the most recently used entries up to SIZE" },
  { "filter", OPT_FILTER, CLI_VALUE, "until=DURATION",
    "with --build-cache: remove only entries unused for DURATION" },
  CLI_OPTIONS_END,
};

const struct cli_help bld_help_prune = {
  "remove dangling images and blobs nothing reaches (the build cache too with --build-cache)", "[command options]",
  prune_options
};

static const char usage[] =
    "usage: builder prune [--all] [--build-cache [--keep-storage SIZE] [--filter until=DURATION]]";

static int
prune_filter (const char *f, struct bld_cache_trim *t, struct oci_error *err)
{
  if (strncmp (f, "until=", 6) != 0)
    return oci_error_set (err, 0, "prune: --filter %s: only until=DURATION is supported", f);
  if (recipe_parse_duration (f + 6, &t->until_ns, err) < 0)
    return oci_error_prefix (err, "prune: --filter %s", f);
  if (t->until_ns < 0)
    return oci_error_set (err, 0, "prune: --filter %s: a negative duration", f);
  t->has_until = true;
  return 0;
}

/* The bundles `builder run` kept of containers that have exited (docker
 * container prune); running ones stay. */
static int
prune_runs (struct bld_store *s, struct oci_error *err)
{
  cleanup_free char *rundir = NULL;
  char **removed = NULL;
  size_t n = 0;
  int ret = -1;

  if (bld_store_area_path (bld_store_dir (s), BLD_STORE_RUN, &rundir, err) < 0)
    return -1;
  if (bld_runs_prune (rundir, &removed, &n, err) == 0)
    ret = 0;
  for (size_t i = 0; i < n; i++)
    printf ("deleted container: %s\n", removed[i]);
  cmn_strv_free_n (removed, n);
  return ret;
}

BLD_COMMAND (prune)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  cleanup_store struct bld_store *s = NULL;
  cleanup_free char *runtime = NULL;
  struct bld_prune_options o = { 0 };
  struct bld_prune_result r;
  int c;

  if (cli_getopt_start (&p, prune_options, CLI_STYLE_GNU, argc, argv, err) < 0)
    return -1;
  while ((c = cli_getopt_next (&p)) != -1)
    switch (c)
      {
      case 'a':
        o.all = true;
        break;
      case OPT_BUILD_CACHE:
        o.build_cache = true;
        break;
      case OPT_KEEP_STORAGE:
        if (cmn_parse_size (optarg, &o.trim.keep_storage) < 0)
          return oci_error_set (err, 0, "prune: --keep-storage: expected a size such as 512m or 10g, got \"%s\"",
                                optarg);
        o.trim.has_keep_storage = true;
        break;
      case OPT_FILTER:
        if (prune_filter (optarg, &o.trim, err) < 0)
          return -1;
        break;
      default:
        return oci_error_set (err, 0, "%s", usage);
      }
  if (optind != argc)
    return oci_error_set (err, 0, "%s", usage);
  if ((o.trim.has_keep_storage || o.trim.has_until) && !o.build_cache)
    return oci_error_set (err, 0, "prune: --keep-storage and --filter need --build-cache");
  o.runtime = runtime = bld_default_runtime ();
  if (bld_cli_open_store (g, true, &s, err) < 0 || prune_runs (s, err) < 0
      || bld_store_prune_with (s, &o, &r, err) < 0)
    return -1;
  if (r.builds_running)
    printf ("builds are running: blobs and build caches kept\n");
  for (size_t i = 0; i < r.untagged_len; i++)
    printf ("untagged: %s\n", r.untagged[i]);
  for (size_t i = 0; i < r.removed_len; i++)
    printf ("deleted: %s\n", r.removed[i]);
  printf ("Total reclaimed space: %llu bytes in %zu blobs\n", (unsigned long long) r.bytes, r.removed_len);
  if (r.layers_removed || r.cache_removed)
    printf ("Build cache: %zu extracted layers, %zu step cache entries removed\n", r.layers_removed, r.cache_removed);
  bld_prune_result_free (&r);
  return 0;
}
