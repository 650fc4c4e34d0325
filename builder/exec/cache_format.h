/* The exported step cache's documents (docs/cache.md): pure logic, no
 * I/O, so that the parsers of what a registry or a directory hands us
 * are unit tested and fuzzed (tests/fuzz/fuzz-cache.c).
 *
 * The cache is an OCI image manifest
 *   {"schemaVersion":2, "mediaType":OCI manifest,
 *    "artifactType":BLD_CACHE_MEDIA_TYPE,
 *    "config":{"mediaType":BLD_CACHE_MEDIA_TYPE, ...the records...},
 *    "layers":[the layer blobs the records name]}
 * whose config blob holds the step records:
 *   {"schemaVersion":1,"platform":{"os":"linux","architecture":A[,"variant":V]},
 *    "records":[{"key":K,"kind":"layer","mediaType":M,"size":N,"digest":D,
 *                "diffID":I,"created":T},
 *               {"key":K,"kind":"metadata-run","steps":[{"key":K,"created":T},...]}]}
 * The same records document is what `--cache-to type=inline` puts into
 * the image manifest's BLD_CACHE_ANNOTATION. */
#ifndef BUILDER_CACHE_FORMAT_H
#define BUILDER_CACHE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "exec/step_cache.h"
#include "image/name_index.h"

#define BLD_CACHE_MEDIA_TYPE "application/vnd.runclite.builder.cache.v1+json"
#define BLD_CACHE_ANNOTATION "vnd.runclite.builder.cache.v1"
/* Bounds on outside input (docs/limits.md): the records, the layers of a
 * cache manifest, the steps of one metadata run. */
#define BLD_CACHE_MAX_RECORDS 100000u
#define BLD_CACHE_MAX_LAYERS 100000u
#define BLD_CACHE_MAX_RUN_STEPS 100000u

struct bld_cache_record
{
  char *key;  /* the step key (64 hex digits) */
  bool layer; /* a layer step, else a metadata run */
  struct step_cache_layer l;
  char **steps; /* a metadata run's "KEY=TIME" lines (NULL-terminated) */
  size_t n_steps;
};

struct bld_cache_doc
{
  char *os, *architecture, *variant; /* variant may be NULL */
  struct bld_cache_record *records;
  size_t n_records;
  char **keys;          /* records[i].key (not owned), for the index */
  struct name_index ix; /* keys by name: a lookup per step stays O(1) */
};
void bld_cache_doc_clear (struct bld_cache_doc *d);

/* The records document.  Records that are not understood (another kind)
 * are skipped; a malformed one is an error (the whole cache is ignored). */
int bld_cache_doc_parse (const char *text, size_t len, struct bld_cache_doc *out, struct oci_error *err);
int bld_cache_doc_emit (const struct bld_cache_doc *d, char **text, size_t *len, struct oci_error *err);
/* Appends a record, copying its strings; a key already there is kept. */
int bld_cache_doc_add (struct bld_cache_doc *d, const struct bld_cache_record *r, struct oci_error *err);
/* The record of key, or NULL. */
const struct bld_cache_record *bld_cache_doc_find (struct bld_cache_doc *d, const char *key);

/* A descriptor as the cache manifest holds it. */
struct bld_cache_blob
{
  char *media_type, *digest;
  int64_t size;
};

/* What a manifest is to the cache: *is_cache when it is a cache artifact
 * (config: its records blob; layers); else *inline_doc is the text of
 * its BLD_CACHE_ANNOTATION (NULL when none) and layers are its layers. */
struct bld_cache_manifest
{
  bool is_cache;
  struct bld_cache_blob config;
  struct bld_cache_blob *layers;
  size_t n_layers;
  char *inline_doc;
};
void bld_cache_manifest_clear (struct bld_cache_manifest *m);
int bld_cache_manifest_parse (const char *text, size_t len, struct bld_cache_manifest *out, struct oci_error *err);
/* The cache manifest of a records blob and layer blobs. */
int bld_cache_manifest_emit (const struct bld_cache_blob *config, const struct bld_cache_blob *layers,
                             size_t n_layers, char **text, size_t *len, struct oci_error *err);

#endif
