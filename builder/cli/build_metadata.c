/* builder build --metadata-file: the build's result as one JSON object
 * for a CI pipeline, with docker buildx's key names where it has them:
 *   {"containerimage.digest":MANIFEST,"containerimage.config.digest":ID,
 *    "containerimage.descriptor":{"mediaType":M,"digest":D,"size":N},
 *    "image.name":"NAME,NAME",
 *    "builder.cache.from":[SPEC,...],"builder.cache.to":[SPEC,...],
 *    "builder.pushed":[NAME@DIGEST,...]}  (with --push)
 * and build --push. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "fileutil.h"
#include "json.h"
#include "cli/cmd_build.h"
#include "cli/cli.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "distribution/registry.h"
#include "exec/build.h"
#include "exec/provenance.h"
#include "distribution/reference.h"

int
bld_write_metadata_file (const char *path, const struct bld_build_metadata *m, struct oci_error *err)
{
  cleanup_json_gen struct json_gen *g = json_gen_new (true);
  cleanup_strbuf struct strbuf names = STRBUF_INIT;
  cleanup_free char *text = NULL;
  size_t len;

  if (g == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < m->tags_len; i++)
    {
      cleanup_free char *norm = NULL;
      if (bld_ref_normalize (m->tags[i], &norm, err) < 0)
        return -1;
      if (i)
        strbuf_addc (&names, ',');
      strbuf_adds (&names, norm);
    }
  if (names.failed)
    return oci_error_set (err, ENOMEM, "out of memory");
  json_gen_begin_object (g);
  json_gen_key (g, "containerimage.digest");
  json_gen_string (g, m->manifest->digest);
  json_gen_key (g, "containerimage.config.digest");
  json_gen_string (g, m->config_digest);
  json_gen_key (g, "containerimage.descriptor");
  json_gen_begin_object (g);
  json_gen_key (g, "mediaType");
  json_gen_string (g, m->manifest->media_type);
  json_gen_key (g, "digest");
  json_gen_string (g, m->manifest->digest);
  json_gen_key (g, "size");
  json_gen_int64 (g, m->manifest->size);
  json_gen_end_object (g);
  json_gen_key (g, "image.name");
  json_gen_string (g, names.s ? names.s : "");
  bld_json_gen_strv (g, "builder.cache.from", m->cache_from, m->cache_from_len);
  bld_json_gen_strv (g, "builder.cache.to", m->cache_to, m->cache_to_len);
  if (m->pushed) /* metadata */
    {
      size_t n = 0;
      while (m->pushed[n])
        n++;
      bld_json_gen_strv (g, "builder.pushed", m->pushed, n);
    }
  if (m->provenance && *m->provenance)
    {
      json_gen_key (g, "builder.provenance.digest");
      json_gen_string (g, m->provenance);
    }
  json_gen_end_object (g);
  if (json_gen_finish (g, &text, &len, err) < 0 || oci_write_file_atomic (path, text, len, 0644, err) < 0)
    return oci_error_prefix (err, "--metadata-file %s", path);
  return 0;
}

int
bld_build_push (struct bld_store *store, char *const *tags, size_t n, bool tls_verify, FILE *view, char ***pushed,
                struct oci_error *err)
{
  struct reg_options o = { .tls_verify = tls_verify };
  size_t len = 0;

  *pushed = NULL;
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *norm = NULL, *digest = NULL, *ref = NULL;
      if (bld_ref_normalize (tags[i], &norm, err) < 0)
        return -1;
      fprintf (view, "pushing %s\n", norm);
      fflush (view);
      if (reg_push (store, tags[i], tags[i], &o, bld_cli_registry_progress, NULL, &digest, err) < 0)
        return oci_error_prefix (err, "%s", norm);
      if (asprintf (&ref, "%s@%s", norm, digest) < 0)
        {
          ref = NULL;
          return oci_error_set (err, ENOMEM, "out of memory");
        }
      if (cmn_strv_push (pushed, &len, ref) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      fprintf (view, "pushed %s\n", ref);
    }
  return 0;
}

int
bld_build_provenance (struct bld_store *store, const struct bld_build_options *o,
                      const struct oci_image_descriptor *desc, char *const *push_refs, size_t n_push, bool tls_verify,
                      char digest[OCI_DIGEST_STRING_MAX], struct oci_error *err)
{
  char recipe[OCI_DIGEST_STRING_MAX], context[OCI_DIGEST_STRING_MAX], created[32];
  const struct bld_build_record *r = o->record;

  if (r == NULL || r->recipe_path == NULL)
    return oci_error_set (err, EINVAL, "the build recorded no recipe");
  if (bld_rfc3339 (o->has_timestamp ? o->timestamp : (int64_t) time (NULL), created) < 0)
    return oci_error_set (err, EOVERFLOW, "the build time is out of range");
  if (bld_file_digest (r->recipe_path, recipe, err) < 0 || bld_context_digest (o->context, context, err) < 0)
    return -1;
  struct bld_provenance p = { .builder_version = PACKAGE_VERSION,
                              .created = created,
                              .recipe_path = r->recipe_path,
                              .recipe_digest = recipe,
                              .context_digest = context,
                              .image_digest = desc->digest,
                              .bases = r->bases,
                              .bases_len = r->bases_len,
                              .build_args = o->build_args,
                              .build_args_len = o->build_args_len };
  return bld_provenance_attach (store, &p, desc, push_refs, n_push, tls_verify, digest, err);
}
