/* A layer's unpacked size (its uncompressed tar's), which `images` sums
 * as docker does: a blob stored uncompressed is its own size; a
 * compressed one is read through once and its size kept in
 * .store/layer-sizes/<hex> (content-addressed, so never stale). */
#ifndef BUILDER_LAYER_SIZE_H
#define BUILDER_LAYER_SIZE_H

#include <stdint.h>

#include "error.h"
#include "image.h"

struct bld_store;

int bld_layer_unpacked_size (struct bld_store *s, const struct oci_image_descriptor *layer, uint64_t *out,
                             struct oci_error *err);

#endif
