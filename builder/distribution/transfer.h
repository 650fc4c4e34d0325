/* Images in and out of the store: `builder save`, `builder load`,
 * `FROM oci-archive:` and `build --output`.
 *
 * Two transports:
 *   oci:DIR[:TAG]          an OCI image layout directory (image-layout.md);
 *                          images are named by ref.name annotations
 *   oci-archive:FILE[:TAG] a tar of such a layout
 *
 * What we write carries, on each index.json entry, the fully qualified
 * name as io.containerd.image.name (containerd and podman read it) and the
 * tag as org.opencontainers.image.ref.name; an archive also has a Docker
 * manifest.json, so `docker load` takes it.  Archives are written
 * deterministically (sorted entries, mtime 0, owner 0:0, fixed modes) to a
 * temporary file renamed over FILE once complete.
 *
 * Loading puts every blob into the store as it is read, checked against
 * its digest (blobs are content addressed, so an interrupted load leaves
 * at worst unreferenced blobs for `prune`), then checks that the selected
 * images' manifests, configs and layers are all there with the sizes
 * their descriptors say, and names them last. */
#ifndef BUILDER_TRANSFER_H
#define BUILDER_TRANSFER_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "image.h"
#include "image/layer_compress.h"

struct bld_store;

enum bld_transport_kind
{
  BLD_TRANSPORT_OCI_DIR,
  BLD_TRANSPORT_OCI_ARCHIVE,
};

struct bld_transport
{
  enum bld_transport_kind kind;
  char *path;
  char *tag; /* NULL when not given */
};

/* Parses "oci:DIR[:TAG]" or "oci-archive:FILE[:TAG]".  For a source
 * (must_exist) the path is the longest prefix before a ':' that exists,
 * so a TAG may hold ':' (NAME:TAG); for a destination, a path that exists
 * is taken whole, else a TAG is what follows the last ':' when it has no
 * '/'. */
int bld_transport_parse (const char *spec, bool must_exist, struct bld_transport *out, struct oci_error *err);
void bld_transport_clear (struct bld_transport *t);
#define cleanup_transport __attribute__ ((cleanup (bld_transport_clear)))

/* Writes the images refs of the store to dest (one archive holds them
 * all).  A TAG of the destination names the one image there (default:
 * each image's own tag).  Uncompressed layers are written compressed as
 * c says (layer_compress.h; c may be NULL: gzip). */
int bld_save (struct bld_store *s, char *const *refs, size_t n_refs, const struct bld_transport *dest,
              const struct bld_compress_options *c, struct oci_error *err);

struct bld_loaded
{
  char *name;                        /* NAME:TAG in the store; NULL when not named */
  struct oci_image_descriptor *desc; /* the manifest */
};

struct bld_load_options
{
  const char *name; /* NULL: names from the annotations */
  bool tag;         /* false: only the blobs (FROM), one image, unnamed */
};

/* Loads the images of src into the store: the one src->tag selects, else
 * all (with a NAME or !tag: there must be only one).  Fills a new array
 * (free with bld_loaded_free). */
int bld_load (struct bld_store *s, const struct bld_transport *src, const struct bld_load_options *o,
              struct bld_loaded **out, size_t *n_out, struct oci_error *err);
void bld_loaded_free (struct bld_loaded *l, size_t n);

#endif
