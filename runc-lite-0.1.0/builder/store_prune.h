/* Garbage collection of the store: blobs no index.json entry reaches
 * (through manifests, nested indexes, configs and layers) are removed. */
#ifndef BUILDER_STORE_PRUNE_H
#define BUILDER_STORE_PRUNE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct bld_store;

struct bld_prune_result
{
  char **removed; /* digests, NULL-terminated */
  size_t removed_len;
  uint64_t bytes; /* their total size */
};

/* Holds the writers' lock throughout; an unreadable manifest stops it
 * before anything is removed. */
int bld_store_prune (struct bld_store *s, struct bld_prune_result *out, struct oci_error *err);
void bld_prune_result_free (struct bld_prune_result *r);

#endif
