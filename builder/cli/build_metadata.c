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

#include "cleanup.h"
#include "fileutil.h"
#include "json.h"
#include "cli/cmd_build.h"
#include "cli/cli.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "distribution/registry.h"
#include "distribution/reference.h"

static void
gen_specs (struct json_gen *g, const char *key, char *const *specs, size_t n)
{
  json_gen_key (g, key);
  json_gen_begin_array (g);
  for (size_t i = 0; i < n; i++)
    json_gen_string (g, specs[i]);
  json_gen_end_array (g);
}

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
  gen_specs (g, "builder.cache.from", m->cache_from, m->cache_from_len);
  gen_specs (g, "builder.cache.to", m->cache_to, m->cache_to_len);
  if (m->pushed) /* metadata */
    {
      size_t n = 0;
      while (m->pushed[n])
        n++;
      gen_specs (g, "builder.pushed", m->pushed, n);
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
