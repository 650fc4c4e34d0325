/* build --provenance (provenance.c): what an image was built from, as an
 * OCI artifact whose subject is the image's manifest. */
#ifndef BUILDER_EXEC_PROVENANCE_H
#define BUILDER_EXEC_PROVENANCE_H

#include <stdbool.h>
#include <stddef.h>

#include "digest.h"
#include "error.h"
#include "image.h"

struct bld_store;

#define BLD_PROVENANCE_MEDIA_TYPE "application/vnd.runc-lite.builder.provenance.v1+json"
/* sha256 of "{}", the image-spec's empty descriptor. */
#define BLD_EMPTY_JSON_DIGEST "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

struct bld_provenance
{
  const char *builder_version, *created; /* created: RFC 3339 */
  const char *recipe_path, *recipe_digest, *context_digest, *image_digest;
  char *const *bases; /* REF@DIGEST */
  size_t bases_len;
  char *const *build_args; /* as given */
  size_t build_args_len;
};

/* The sha256 of a file's content, of a context directory (see
 * provenance.c). */
int bld_file_digest (const char *path, char out[OCI_DIGEST_STRING_MAX], struct oci_error *err);
int bld_context_digest (const char *context, char out[OCI_DIGEST_STRING_MAX], struct oci_error *err);
/* key: [the n strings of v] */
struct json_gen;
void bld_json_gen_strv (struct json_gen *g, const char *key, char *const *v, size_t n);
/* The record, and the artifact manifest for a record blob (pure). */
int bld_provenance_doc (const struct bld_provenance *p, char **out, size_t *len, struct oci_error *err);
int bld_provenance_manifest (const struct oci_image_descriptor *subject, const char *doc_digest, int64_t doc_size,
                             char **out, size_t *len, struct oci_error *err);
/* Writes the record, the empty config and the manifest into the store
 * (*digest: the manifest's), then pushes them to each of push_refs'
 * repositories: the manifest by digest and, for registries without the
 * referrers API, an index of it under the tag sha256-HEX of the subject. */
int bld_provenance_attach (struct bld_store *s, const struct bld_provenance *p,
                           const struct oci_image_descriptor *subject, char *const *push_refs, size_t n_push,
                           bool tls_verify, char digest[OCI_DIGEST_STRING_MAX], struct oci_error *err);

#endif
