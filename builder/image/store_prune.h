/* Garbage collection of the store: dangling images (index.json entries
 * with no name that no other entry reaches; with --all every image) are
 * dropped, with the artifacts referring to them (unnamed entries with an
 * artifactType whose manifest's subject is a dropped entry; those whose
 * subject stays, stay), then blobs neither an index.json entry (through manifests,
 * nested indexes, configs and layers) nor the step cache reaches, and the
 * extracted layers none of them uses (build_gc.c).  The step cache itself
 * goes only when asked (build_cache), whole or trimmed.  Nothing is collected while a
 * build runs; dead builds' leftovers are reaped first. */
#ifndef BUILDER_STORE_PRUNE_H
#define BUILDER_STORE_PRUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "exec/build.h"

struct bld_store;

struct bld_prune_result
{
  char **removed; /* digests, NULL-terminated */
  size_t removed_len;
  char **untagged; /* the names --all removed, NULL-terminated */
  size_t untagged_len;
  uint64_t bytes;                       /* their total size */
  size_t layers_removed, cache_removed; /* extracted layers, step cache entries */
  bool builds_running;                  /* then only temp files were removed */
};

struct bld_prune_options
{
  /* docker image prune -a: every image no container uses, named or not
   * (`builder run` bundles are copies: none uses one); otherwise only the
   * dangling ones (no name, no index entry reaching them). */
  bool all;
  bool build_cache;           /* empty or trim the step cache (trim) */
  struct bld_cache_trim trim; /* exec/build.h */
  const char *runtime;        /* reap dead builds' containers with it; NULL: no reaping */
};

/* Holds the writers' lock throughout; an unreadable manifest stops it
 * before anything is removed. */
int bld_store_prune (struct bld_store *s, struct bld_prune_result *out, struct oci_error *err);
int bld_store_prune_with (struct bld_store *s, const struct bld_prune_options *o, struct bld_prune_result *out,
                          struct oci_error *err);
void bld_prune_result_free (struct bld_prune_result *r);

#endif
