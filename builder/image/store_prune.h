/* Garbage collection of the store: blobs no index.json entry reaches
 * (through manifests, nested indexes, configs and layers) are removed, and
 * so are the build caches' entries (extracted layers, step cache) for
 * layers no image reaches (build_gc.c).  Nothing is collected while a
 * build runs; dead builds' leftovers are reaped first. */
#ifndef BUILDER_STORE_PRUNE_H
#define BUILDER_STORE_PRUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct bld_store;

struct bld_prune_result
{
  char **removed; /* digests, NULL-terminated */
  size_t removed_len;
  uint64_t bytes; /* their total size */
  size_t layers_removed, cache_removed; /* extracted layers, step cache entries */
  bool builds_running;                  /* then only temp files were removed */
};

struct bld_prune_options
{
  bool all;            /* the whole layer and step caches (they refill) */
  const char *runtime; /* reap dead builds' containers with it; NULL: no reaping */
};

/* Holds the writers' lock throughout; an unreadable manifest stops it
 * before anything is removed. */
int bld_store_prune (struct bld_store *s, struct bld_prune_result *out, struct oci_error *err);
int bld_store_prune_with (struct bld_store *s, const struct bld_prune_options *o, struct bld_prune_result *out,
                          struct oci_error *err);
void bld_prune_result_free (struct bld_prune_result *r);

#endif
