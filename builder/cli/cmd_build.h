/* builder build (cmd_build.c). */
#ifndef BUILDER_CMD_BUILD_H
#define BUILDER_CMD_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "digest.h"
#include "error.h"
#include "image.h"

int cmd_build (const char *store_dir, int argc, char **argv, struct oci_error *err);

/* build --metadata-file (build_metadata.c): what the build made. */
struct bld_build_metadata
{
  const struct oci_image_descriptor *manifest;
  const char *config_digest;
  char *const *tags;
  size_t tags_len;
  char *const *cache_from, *const *cache_to; /* the specs as given */
  size_t cache_from_len, cache_to_len;
  char *const *pushed;    /* metadata: NAME@DIGEST pushed by --push, a strv; NULL: none */
  const char *provenance; /* metadata: the provenance artifact's manifest digest; "": none */
};
int bld_write_metadata_file (const char *path, const struct bld_build_metadata *m, struct oci_error *err);

/* build --push (build_metadata.c): pushes the image each of tags names to
 * that name's registry, a line per name on view; *pushed (a strv) the
 * references pushed, NAME@DIGEST. */
struct bld_store;
int bld_build_push (struct bld_store *store, char *const *tags, size_t n, bool tls_verify, FILE *view, char ***pushed,
                    struct oci_error *err);

/* build --provenance (build_metadata.c): the record of what the image
 * desc was built from (o's record filled by the build) into the store, and
 * pushed to push_refs; digest: the artifact manifest's. */
struct bld_build_options;
int bld_build_provenance (struct bld_store *store, const struct bld_build_options *o,
                          const struct oci_image_descriptor *desc, char *const *push_refs, size_t n_push,
                          bool tls_verify, char digest[OCI_DIGEST_STRING_MAX], struct oci_error *err);

#endif
