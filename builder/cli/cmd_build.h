/* builder build (cmd_build.c). */
#ifndef BUILDER_CMD_BUILD_H
#define BUILDER_CMD_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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
  char *const *pushed; /* metadata: NAME@DIGEST pushed by --push, a strv; NULL: none */
};
int bld_write_metadata_file (const char *path, const struct bld_build_metadata *m, struct oci_error *err);

/* build --push (build_metadata.c): pushes the image each of tags names to
 * that name's registry, a line per name on view; *pushed (a strv) the
 * references pushed, NAME@DIGEST. */
struct bld_store;
int bld_build_push (struct bld_store *store, char *const *tags, size_t n, bool tls_verify, FILE *view, char ***pushed,
                    struct oci_error *err);

#endif
