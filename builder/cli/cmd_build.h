/* builder build (cmd_build.c). */
#ifndef BUILDER_CMD_BUILD_H
#define BUILDER_CMD_BUILD_H

#include <stddef.h>

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
};
int bld_write_metadata_file (const char *path, const struct bld_build_metadata *m, struct oci_error *err);

#endif
