/* Layers compressed where an image leaves the machine.
 *
 * The builder keeps the layers it writes uncompressed in the store
 * (application/vnd.oci.image.layer.v1.tar: the blob's digest is the
 * diff_id), so no step, and no stage that no image keeps, pays for
 * compression.  An image gets compressed layers when it leaves the store
 * (push, save, build --output) or when `build --compression` asks for
 * them: each uncompressed layer is compressed once per compression, by
 * all cores (layer_write.h's compressor), and the result is remembered in
 * STORE/.store/compressed/<hex of the diff_id>.<gzip|zstd> (one line
 * "DIGEST SIZE"), so a second push, or another image sharing the layer,
 * compresses nothing.  A remembered blob that prune removed since is
 * made again.  Layers already compressed (pulled, imported) are left as
 * they are. */
#ifndef BUILDER_LAYER_COMPRESS_H
#define BUILDER_LAYER_COMPRESS_H

#include <stdbool.h>

#include "error.h"
#include "image.h"
#include "image/layer_write.h"

struct bld_store;

/* Told of each layer given a compressed copy: the uncompressed layer's
 * digest (its diff_id), the compressed blob's, and whether that blob was
 * made earlier (reused) or just now. */
typedef void (*bld_compress_note_fn) (void *ctx, const char *diff_id, const char *digest, bool reused);

struct bld_compress_options
{
  enum bld_compression compression; /* NONE: nothing changes */
  bld_compress_note_fn note;        /* may be NULL */
  void *note_ctx;
};

/* Whether media_type is an uncompressed layer tar (OCI's or Docker's). */
bool bld_layer_is_uncompressed (const char *media_type);

/* An uncompressed layer of the store: *layer's media type, digest and
 * size become its compressed copy's.  Others are left alone. */
int bld_layer_compress (struct bld_store *s, struct oci_image_descriptor *layer, const struct bld_compress_options *o,
                        struct oci_error *err);

/* The image desc (a manifest, or an index of manifests) with its
 * uncompressed layers compressed: the new manifest (and index) written
 * as blobs of the store; *out is desc's copy (annotations kept) naming
 * it, or a plain copy when nothing changed.  index.json is not touched:
 * the store keeps the image as it was. */
int bld_image_compress (struct bld_store *s, const struct oci_image_descriptor *desc,
                        const struct bld_compress_options *o, struct oci_image_descriptor **out,
                        struct oci_error *err);

#endif
