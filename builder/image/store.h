/* The builder's image store.  The store directory IS an OCI image layout
 * (image-layout.md): oci-layout, index.json, blobs/<alg>/<encoded>, so any
 * OCI tool reads it (skopeo inspect oci:DIR:NAME:TAG).  Besides the layout
 * it keeps a private directory .store/ with the writers' lock file and the
 * temporary files blobs are written to before they are renamed into place.
 *
 * Crash safety: a blob is written to .store/tmp, fsynced and renamed into
 * blobs/ (so blobs/ never holds a partial blob); index.json is replaced
 * atomically.  Writing an image puts config, layers and manifest first and
 * touches index.json last, so an interrupted write leaves a valid layout
 * (at worst with unreferenced blobs and stale temporary files).
 *
 * Names.  An image name is kept as the org.opencontainers.image.ref.name
 * annotation of its index.json entry, in the canonical form NAME:TAG (see
 * distribution/reference.h for the rules).  One entry per name; an image written
 * without a name gets an entry with no annotation, so it stays reachable
 * (a dangling image: `prune` removes it unless a named entry reaches it).
 * An artifact that refers to an image (a manifest with artifactType and
 * subject: build --provenance's record) has an unnamed entry with the
 * descriptor's artifactType set: no image (no id, not in `images`),
 * kept by `prune` as long as its subject is (store_prune.h).
 *
 * Locking.  Readers take no lock (every file they read is replaced
 * atomically).  Writers of index.json (bld_store_tag, bld_store_untag,
 * bld_store_write_image) hold an exclusive flock on .store/lock, taken
 * inside those calls; a caller that needs several steps to be one
 * transaction wraps them in bld_store_lock / bld_store_unlock (the lock
 * nests within one store handle). */
#ifndef BUILDER_STORE_H
#define BUILDER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "error.h"
#include "image.h"
#include "distribution/reference.h"

struct bld_store;

/* Opens the store at dir.  With create, a missing directory (and its
 * parent) is made and a missing oci-layout / index.json / blobs/sha256 is
 * written; without it, dir must already be a layout. */
int bld_store_open (const char *dir, bool create, struct bld_store **out, struct oci_error *err);
/* Opens a layout only to read images and blobs from it: nothing is
 * created in it (no .store/); writers must not be given it. */
int bld_store_open_read_only (const char *dir, struct bld_store **out, struct oci_error *err);
void bld_store_free (struct bld_store *s);
void bld_store_freep (struct bld_store **s);
#define cleanup_store __attribute__ ((cleanup (bld_store_freep)))

const char *bld_store_dir (const struct bld_store *s);

/* The writers' lock (exclusive flock on .store/lock, blocking).  Nests:
 * only the outermost unlock releases it. */
int bld_store_lock (struct bld_store *s, struct oci_error *err);
void bld_store_unlock (struct bld_store *s);

/* Removes temporary files left by interrupted writers (a temporary file is
 * flocked by its writer while in use, so live ones are kept). */
int bld_store_clean_tmp (struct bld_store *s, struct oci_error *err);

/* ---- the store's private paths ----
 * Everything the builder keeps beside the layout lives in STORE/.store/;
 * these functions spell those paths, so that no caller does. */
enum bld_store_area
{
  BLD_STORE_PRIVATE,        /* .store itself */
  BLD_STORE_TMP,            /* blobs being written (.store/tmp) */
  BLD_STORE_LOCK,           /* the writers' lock file */
  BLD_STORE_LAYERS,         /* unpacked layers (layers/tmp-HEX-PID while extracted) */
  BLD_STORE_EMPTY,          /* an empty directory */
  BLD_STORE_CACHE,          /* the build step cache */
  BLD_STORE_BUILDCACHE,     /* RUN --mount=type=cache directories */
  BLD_STORE_BUILDS_LOCK,    /* builds.lock: running builds against prune */
  BLD_STORE_RUN,            /* `builder run` bundles */
  BLD_STORE_REGISTRY_BLOBS, /* which registry repositories hold which blob */
  BLD_STORE_COMPRESSED,     /* compressed copies of uncompressed layers, by diff_id */
  BLD_STORE_LAYER_SIZES,    /* compressed layers' unpacked sizes (layer_size.c) */
};
/* One build's work directory is .store/build-PID. */
#define BLD_STORE_BUILD_PREFIX "build-"
/* build's extracted contexts (builder/cli/build_context.c): PREFIX PID.XXXXXX,
 * reaped with the dead builds */
#define BLD_STORE_CONTEXT_PREFIX "context-"

/* The area's path relative to the store directory (".store/layers"). */
const char *bld_store_area_name (enum bld_store_area a);
/* store_dir/<the area's path>, newly allocated. */
int bld_store_area_path (const char *store_dir, enum bld_store_area a, char **out, struct oci_error *err);
/* store_dir/.store/leaf (e.g. a mkstemp template), newly allocated. */
int bld_store_private_path (const char *store_dir, const char *leaf, char **out, struct oci_error *err);
/* store_dir/.store/build-PID, newly allocated. */
int bld_store_build_dir (const char *store_dir, long pid, char **out, struct oci_error *err);

/* ---- blobs ---- */

/* A blob being written: bytes go to a temporary file in the store while
 * their SHA-256 and size are computed; commit fsyncs it and renames it to
 * blobs/sha256/<hex>, unless that blob is already present (then the
 * temporary file is dropped and the present blob is kept untouched). */
struct bld_blob_writer;
int bld_blob_writer_new (struct bld_store *s, struct bld_blob_writer **out, struct oci_error *err);
int bld_blob_writer_write (struct bld_blob_writer *w, const void *buf, size_t len, struct oci_error *err);
/* expected_digest (may be NULL) must match what was written, else the blob
 * is discarded and an error returned.  Fills digest and size (either may
 * be NULL).  The writer cannot be used afterwards except to be freed. */
int bld_blob_writer_commit (struct bld_blob_writer *w, const char *expected_digest,
                            char digest[OCI_DIGEST_STRING_MAX], int64_t *size, struct oci_error *err);
/* Frees the writer; an uncommitted temporary file is removed. */
void bld_blob_writer_free (struct bld_blob_writer *w);
void bld_blob_writer_freep (struct bld_blob_writer **w);
#define cleanup_blob_writer __attribute__ ((cleanup (bld_blob_writer_freep)))

/* Puts everything read from fd / path / a buffer; expected_digest as for
 * commit. */
int bld_store_put_fd (struct bld_store *s, int fd, const char *expected_digest, char digest[OCI_DIGEST_STRING_MAX],
                      int64_t *size, struct oci_error *err);
int bld_store_put_file (struct bld_store *s, const char *path, const char *expected_digest,
                        char digest[OCI_DIGEST_STRING_MAX], int64_t *size, struct oci_error *err);
int bld_store_put_buffer (struct bld_store *s, const void *buf, size_t len, char digest[OCI_DIGEST_STRING_MAX],
                          int64_t *size, struct oci_error *err);

/* Whether the blob is present (no verification). */
bool bld_store_has_blob (struct bld_store *s, const char *digest);
/* The blob's path (newly allocated).  With verify, its content is read
 * and checked against digest and expected_size (< 0: size not checked)
 * first; a missing blob is an error either way. */
int bld_store_blob_path (struct bld_store *s, const char *digest, int64_t expected_size, bool verify, char **out,
                         struct oci_error *err);
/* Reads a whole blob (at most max bytes), always verified. */
int bld_store_read_blob (struct bld_store *s, const char *digest, size_t max, char **out, size_t *len,
                         struct oci_error *err);

/* ---- names ---- */

/* Reads index.json. */
int bld_store_read_index (struct bld_store *s, struct oci_image_index **out, struct oci_error *err);

/* Replaces index.json with index (for `prune`, which read it under
 * bld_store_lock and drops entries). */
int bld_store_write_index (struct bld_store *s, const struct oci_image_index *index, struct oci_error *err);

/* Image ids are docker's: the config digest.  A ref is an id when it is
 * "sha256:" and 64 hex digits, or the 64 digits alone; a prefix when it
 * has BLD_IMAGE_ID_PREFIX_MIN to 63 of them (with or without "sha256:").
 * *hex (may be NULL) gets where the digits start. */
#define BLD_IMAGE_ID_PREFIX_MIN 12
enum bld_image_id_form
{
  BLD_IMAGE_ID_NONE,
  BLD_IMAGE_ID_FULL,
  BLD_IMAGE_ID_PREFIX,
};
enum bld_image_id_form bld_image_id_form (const char *ref, const char **hex);

/* What a lookup found. */
struct bld_image_match
{
  struct oci_image_descriptor *desc; /* the index entry's manifest descriptor (a copy) */
  char id[OCI_DIGEST_STRING_MAX];    /* its image id; "" for an index or an unreadable manifest */
  bool by_name;                      /* ref was a name (else an id, a prefix or a digest) */
};
void bld_image_match_clear (struct bld_image_match *m);
#define cleanup_image_match __attribute__ ((cleanup (bld_image_match_clear)))

/* THE lookup of an image by what a user typed, for every command that
 * takes one (inspect, history, tag, rmi, run, unpack, push, save, FROM,
 * --from=): "NAME[:TAG]" by name; "NAME@DIGEST" or a digest of another
 * algorithm by manifest digest; a full id ("sha256:HEX" or HEX) by image id
 * or manifest digest; a prefix of 12+ hex digits as docker does: a bare
 * one is tried as a name first, then as an id prefix, which must match
 * one image (else "ambiguous: N images match").  Where several entries
 * match (names of one image), the first in index.json is given. */
int bld_store_lookup (struct bld_store *s, const char *ref, struct bld_image_match *out, struct oci_error *err);
/* bld_store_lookup's descriptor alone.  *out is a new descriptor. */
int bld_store_resolve (struct bld_store *s, const char *ref, struct oci_image_descriptor **out,
                       struct oci_error *err);
/* The image id of a manifest descriptor of the store (its config
 * digest); "" for an index. */
int bld_store_image_id (struct bld_store *s, const struct oci_image_descriptor *desc, char id[OCI_DIGEST_STRING_MAX],
                        struct oci_error *err);
/* Points ref at the manifest desc (which must be in the store), replacing
 * what it named before. */
int bld_store_tag (struct bld_store *s, const char *ref, const struct oci_image_descriptor *desc,
                   struct oci_error *err);
/* Puts desc into index.json with ref_name taken as it is (another tool's
 * layout names images by tag alone: "latest"), replacing the entry of that
 * name and any unnamed entry of the same manifest.  desc's other
 * annotations are kept.  The manifest must be in the store.  ref_name
 * NULL: an unnamed entry (an artifact's, see the Names note). */
int bld_store_index_put (struct bld_store *s, const struct oci_image_descriptor *desc, const char *ref_name,
                         struct oci_error *err);
/* Removes the name; an error when it names nothing. */
int bld_store_untag (struct bld_store *s, const char *ref, struct oci_error *err);
/* Removes the image whose id (config digest) is id: every index entry of
 * it, named or not; *names (a strv of *n_names) the names it had.  As
 * docker, an image named in several repositories is refused (its names
 * are removed one by one).  Its blobs stay until prune. */
int bld_store_remove_image (struct bld_store *s, const char *id, char ***names, size_t *n_names,
                            struct oci_error *err);

/* ---- images ---- */

/* Writes an image: the config (emitted deterministically) and the manifest
 * as blobs, the layers' blobs must already be in the store (checked), then
 * the index entry: named ref when not NULL, else unnamed (unless the
 * manifest is already in the index).  annotations (may be NULL) go into
 * the manifest.  *manifest_desc (may be NULL) receives the manifest's
 * descriptor. */
/* Whether bld_store_write_image writes Docker's image manifest v2 schema 2
 * (its manifest and config media types; the layers' are the caller's)
 * instead of an OCI manifest. */
void bld_store_set_docker_format (struct bld_store *s, bool docker);
int bld_store_write_image (struct bld_store *s, const struct oci_image_config *config,
                           const struct oci_image_descriptor *layers, size_t n_layers,
                           const struct oci_string_map *annotations, const char *ref,
                           struct oci_image_descriptor **manifest_desc, struct oci_error *err);

/* Reads and verifies the manifest and config an index descriptor points
 * at. */
int bld_store_read_manifest (struct bld_store *s, const struct oci_image_descriptor *desc,
                             struct oci_image_manifest **out, struct oci_error *err);
int bld_store_read_config (struct bld_store *s, const struct oci_image_descriptor *desc,
                           struct oci_image_config **out, struct oci_error *err);

#endif
