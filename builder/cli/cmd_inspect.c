/* builder inspect NAME: the manifest, the config and the layers (with
 * their sizes) as one JSON document. */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "json.h"
#include "image/store.h"
#include "distribution/platform.h"

const struct cli_help bld_help_inspect = { "show an image's manifest, config and layers as JSON", "NAME", NULL };

/* Adds an emitted document as a JSON value. */
static int
gen_document (struct json_gen *j, const char *text, size_t len, struct oci_error *err)
{
  cleanup_json struct json_value *v = NULL;
  if (json_parse (text, len, &v, err) < 0)
    return -1;
  json_gen_value (j, v);
  return 0;
}

BLD_COMMAND (inspect)
{
  cleanup_store struct bld_store *s = NULL;
  cleanup_image_match struct bld_image_match match = { 0 };
  cleanup_image_manifest struct oci_image_manifest *m = NULL;
  cleanup_image_config struct oci_image_config *cfg = NULL;
  cleanup_json_gen struct json_gen *j = json_gen_new (true);
  cleanup_free char *mtext = NULL;
  cleanup_free char *ctext = NULL;
  cleanup_free char *out = NULL;
  cleanup_free char *ref = NULL;
  size_t mlen, clen, len;
  uint64_t total = 0;

  if (argc != 2)
    return oci_error_set (err, 0, "usage: builder inspect NAME");
  if (j == NULL)
    return oci_error_set (err, ENOMEM, "inspect");
  /* of an index (a multi-platform image): the host's image */
  cleanup_image_descriptor struct oci_image_descriptor *md = NULL;
  if (bld_cli_open_store (g, true, &s, err) < 0 || bld_store_lookup (s, argv[1], &match, err) < 0
      || bld_platform_manifest (s, match.desc, argv[1], NULL, &md, err) < 0
      || bld_store_read_manifest (s, md, &m, err) < 0 || bld_store_read_config (s, m->config, &cfg, err) < 0
      || oci_image_manifest_emit (m, false, &mtext, &mlen, err) < 0
      || oci_image_config_emit (cfg, false, &ctext, &clen, err) < 0)
    return -1;
  json_gen_begin_object (j);
  json_gen_key (j, "name");
  /* By id: the name of the entry found, if it has one. */
  const char *entry_name = oci_string_map_get (&match.desc->annotations, OCI_ANNOTATION_REF_NAME);
  if (!match.by_name && entry_name)
    json_gen_string (j, entry_name);
  else if (match.by_name && bld_ref_normalize (argv[1], &ref, err) == 0)
    json_gen_string (j, ref);
  else
    {
      oci_error_clear (err);
      json_gen_string (j, argv[1]);
    }
  json_gen_key (j, "digest");
  json_gen_string (j, match.desc->digest);
  json_gen_key (j, "id");
  json_gen_string (j, m->config->digest);
  json_gen_key (j, "manifest");
  if (gen_document (j, mtext, mlen, err) < 0)
    return -1;
  json_gen_key (j, "config");
  if (gen_document (j, ctext, clen, err) < 0)
    return -1;
  json_gen_key (j, "layers");
  json_gen_begin_array (j);
  for (size_t i = 0; i < m->layers_len; i++)
    {
      json_gen_begin_object (j);
      json_gen_key (j, "digest");
      json_gen_string (j, m->layers[i].digest);
      json_gen_key (j, "diffID");
      json_gen_string (j, cfg->rootfs && i < cfg->rootfs->diff_ids_len ? cfg->rootfs->diff_ids[i] : "");
      json_gen_key (j, "mediaType");
      json_gen_string (j, m->layers[i].media_type);
      json_gen_key (j, "size");
      json_gen_int64 (j, m->layers[i].size);
      json_gen_end_object (j);
      total += (uint64_t) m->layers[i].size;
    }
  json_gen_end_array (j);
  json_gen_key (j, "size");
  json_gen_uint64 (j, total);
  json_gen_end_object (j);
  if (json_gen_finish (j, &out, &len, err) < 0)
    return -1;
  fputs (out, stdout);
  return 0;
}
