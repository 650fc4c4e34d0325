/* The step cache's records: STORE/.store/cache/<key>, one JSON document
 * each, written atomically.  The cache is advisory: a record that cannot
 * be read (missing, damaged, or of an older format) is a miss, and a
 * record that cannot be written only costs a miss later.
 *
 * A step that made a layer:
 *   {"kind":"layer","mediaType":M,"size":N,"digest":D,"diffID":I,"created":T}
 * A run of consecutive metadata steps (one record, named by its first
 * step's key), with the time each step was first built:
 *   {"kind":"metadata-run","steps":[{"key":K,"created":T},...]}
 *
 * The keys (what decides a step) are the executor's (build_internal.h). */
#ifndef BUILDER_STEP_CACHE_H
#define BUILDER_STEP_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "error.h"

struct step_cache_layer
{
  char *media_type, *digest, *diff_id;
  int64_t size;
  char *created; /* when the step was first built; "" when unknown */
};
void step_cache_layer_clear (struct step_cache_layer *l);

/* The layer record at path; false (nothing allocated) for none. */
bool step_cache_read_layer (const char *path, struct step_cache_layer *out);
/* Writes the layer record at path; failures are dropped. */
void step_cache_write_layer (const char *path, const char *media_type, int64_t size, const char *digest,
                             const char *diff_id, const char *created);

/* A metadata run's steps as "KEY=TIME" strings (NULL-terminated *out of
 * *n); false (nothing allocated) for no such record. */
bool step_cache_read_meta_run (const char *path, char ***out, size_t *n);
/* Writes a metadata run of "KEY=TIME" steps at path; failures are dropped. */
void step_cache_write_meta_run (const char *path, char *const *steps, size_t n);

/* The layer blob the record at path keeps alive (for `prune`); false for
 * a record with no blob (a metadata run) or none that can be read. */
bool step_cache_record_blob (const char *path, char digest[OCI_DIGEST_STRING_MAX]);

#endif
