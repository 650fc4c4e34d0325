/* The exported and imported step cache (--cache-to, --cache-from;
 * docs/cache.md): the executor's side.  Caches named by --cache-from are
 * read when the build starts (a bad one is ignored with a warning line);
 * a step the local step cache misses is looked up in them, and its layer
 * blob fetched (verified) only then.  Every step the build passes through
 * is noted, and --cache-to writes them out when the image is done. */
#ifndef BUILDER_CACHE_REMOTE_H
#define BUILDER_CACHE_REMOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "bind.h"
#include "error.h"
#include "digest.h"
#include "exec/step_cache.h"

struct build;
struct bld_platform;
struct bld_build_options;
struct stage_st;
struct build_cache;

/* Reads the --cache-from caches; never fails for a bad cache (a warning). */
int cache_remote_open (struct build *b, struct oci_error *err);
void cache_remote_free (struct build *b);

/* A layer step found in an imported cache: *found with its record in *out
 * (its blob now in the store), else a miss. */
int cache_remote_lookup_layer (struct build *b, const char *key, struct step_cache_layer *out, bool *found,
                               struct oci_error *err);
/* A metadata run's "KEY=TIME" steps from an imported cache; false for none. */
bool cache_remote_lookup_meta (struct build *b, const char *key, char ***steps, size_t *n);

/* What the build passed through, for --cache-to. */
void cache_remote_note_layer (struct build *b, struct stage_st *s, const char *key, const struct step_cache_layer *l);
void cache_remote_note_meta (struct build *b, struct stage_st *s, const char *key, char *const *steps, size_t n);

/* --cache-to type=inline: the image manifest's annotations (none: left empty). */
int cache_remote_inline (struct build *b, struct oci_string_map *ann, struct oci_error *err);
/* --cache-to type=registry and type=local, once the image is written
 * (with o->cache_index: the manifests only, noted there). */
int cache_remote_export (struct build *b, struct oci_error *err);

/* The cache manifests of a build of several platforms, one per platform
 * and --cache-to destination, for the index written after the last. */
struct bld_cache_index_entry
{
  size_t spec; /* its --cache-to */
  char digest[OCI_DIGEST_STRING_MAX];
  size_t size;
  const struct bld_platform *platform; /* not owned */
};
struct bld_cache_index
{
  struct bld_cache_index_entry *v;
  size_t n;
};
void bld_cache_index_clear (struct bld_cache_index *ix);
/* Each --cache-to destination's index of ix's manifests: the tag of the
 * registry reference, the layout's index.json. */
int cache_remote_write_indexes (const struct bld_build_options *o, const struct bld_cache_index *ix,
                                struct oci_error *err);

#endif
