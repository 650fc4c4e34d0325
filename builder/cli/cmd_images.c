/* builder images [--format table|json] [-q] [--no-trunc]: the images,
 * newest first, with their ids (docker's: the config digest; 12 hex
 * digits unless --no-trunc), which every command taking an image accepts,
 * and their unpacked sizes (the layers' uncompressed sizes), as docker
 * shows them. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "image/image_info.h"
#include "image/layer_size.h"
#include "json.h"
#include "image/store.h"
#include "distribution/platform.h"
#include "fileutil.h"

struct row
{
  char *repository, *tag, *id, *digest, *created;
  uint64_t size;
  int64_t created_secs; /* for the order */
  size_t index;         /* index.json's order breaks ties: later first */
};

static int
read_row (struct bld_store *s, const struct oci_image_descriptor *d, struct row *r, struct oci_error *err)
{
  cleanup_image_manifest struct oci_image_manifest *m = NULL;
  cleanup_image_config struct oci_image_config *cfg = NULL;
  const char *name = oci_string_map_get (&d->annotations, OCI_ANNOTATION_REF_NAME);
  const char *colon;

  /* of an index (a multi-platform image): the host's image */
  cleanup_image_descriptor struct oci_image_descriptor *md = NULL;
  memset (r, 0, sizeof *r);
  if (bld_platform_manifest (s, d, d->digest, NULL, &md, err) < 0 || bld_store_read_manifest (s, md, &m, err) < 0
      || bld_store_read_config (s, m->config, &cfg, err) < 0)
    return -1;
  colon = name ? bld_ref_tag_colon (name) : NULL;
  if (name && colon)
    {
      r->repository = strndup (name, (size_t) (colon - name));
      r->tag = strdup (colon + 1);
    }
  else
    {
      r->repository = strdup (name ? name : "<none>");
      r->tag = strdup ("<none>");
    }
  r->digest = strdup (d->digest);
  r->id = strdup (m->config->digest);
  r->created = strdup (cfg->created ? cfg->created : "");
  for (size_t i = 0; i < m->layers_len; i++)
    {
      uint64_t n;
      if (bld_layer_unpacked_size (s, &m->layers[i], &n, err) < 0)
        return -1;
      r->size += n;
    }
  struct tm tm = { 0 };
  if (cfg->created && strptime (cfg->created, "%Y-%m-%dT%H:%M:%S", &tm))
    r->created_secs = (int64_t) timegm (&tm);
  return 0;
}

static int
newest_first (const void *a, const void *b)
{
  const struct row *x = a, *y = b;
  if (x->created_secs != y->created_secs)
    return x->created_secs < y->created_secs ? 1 : -1;
  return x->index < y->index ? 1 : -1;
}

static void
free_row (struct row *r)
{
  free (r->repository);
  free (r->tag);
  free (r->id);
  free (r->digest);
  free (r->created);
}

/* The short id: 12 hex digits of the config digest, docker's image id. */
static const char *
short_id (const char *digest, char *buf)
{
  const char *hex = strchr (digest, ':');
  snprintf (buf, 13, "%s", hex ? hex + 1 : digest);
  return buf;
}

/* Whether d is an unnamed entry of a platform's image that a named index
 * of the store lists (a multi-platform build's): shown as that index. */
static bool
platform_image_of_named_index (struct bld_store *s, const struct oci_image_index *idx,
                               const struct oci_image_descriptor *d)
{
  if (oci_string_map_get (&d->annotations, OCI_ANNOTATION_REF_NAME))
    return false;
  for (size_t i = 0; i < idx->manifests_len; i++)
    {
      const struct oci_image_descriptor *e = &idx->manifests[i];
      cleanup_free char *text = NULL;
      cleanup_image_index struct oci_image_index *sub = NULL;
      cleanup_error struct oci_error ignored = OCI_ERROR_INIT;
      size_t len;
      if (!bld_is_index_media_type (e->media_type) || !oci_string_map_get (&e->annotations, OCI_ANNOTATION_REF_NAME)
          || bld_store_read_blob (s, e->digest, OCI_JSON_FILE_MAX, &text, &len, &ignored) < 0
          || oci_image_index_parse_text (e->digest, text, len, &sub, &ignored) < 0)
        continue;
      for (size_t k = 0; k < sub->manifests_len; k++)
        if (strcmp (sub->manifests[k].digest, d->digest) == 0)
          return true;
    }
  return false;
}

static const struct cli_option images_options[] = {
  { "format", 'f', CLI_VALUE, "table|json", "the output format (default table)" },
  { "quiet", 'q', CLI_NO_VALUE, NULL, "print the image ids only" },
  { "no-trunc", CLI_LONG_ONLY, CLI_NO_VALUE, NULL, "show the image ids in full (sha256:HEX)" },
  CLI_OPTIONS_END,
};

const struct cli_help bld_help_images = { "list the images in the store", "[command options]", images_options };

static void
print_row (const struct row *r, struct json_gen *j, bool quiet, bool no_trunc)
{
  char short_buf[13], ago[64], size[32];
  const char *id = no_trunc ? r->id : short_id (r->id, short_buf);

  if (j)
    {
      json_gen_begin_object (j);
      json_gen_key (j, "repository");
      json_gen_string (j, r->repository);
      json_gen_key (j, "tag");
      json_gen_string (j, r->tag);
      json_gen_key (j, "id");
      json_gen_string (j, r->id);
      json_gen_key (j, "digest");
      json_gen_string (j, r->digest);
      json_gen_key (j, "created");
      json_gen_string (j, r->created);
      json_gen_key (j, "size");
      json_gen_uint64 (j, r->size);
      json_gen_end_object (j);
    }
  else if (quiet)
    printf ("%s\n", id);
  else
    {
      bld_info_ago (r->created, ago, sizeof ago);
      bld_info_size (r->size, size, sizeof size);
      printf ("%-40s %-16s %-*s %-16s %s\n", r->repository, r->tag, no_trunc ? 71 : 14, id, ago, size);
    }
}

BLD_COMMAND (images)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  cleanup_store struct bld_store *s = NULL;
  cleanup_image_index struct oci_image_index *idx = NULL;
  cleanup_json_gen struct json_gen *j = NULL;
  struct row *rows = NULL;
  size_t n_rows = 0;
  bool quiet = false, json = false, no_trunc = false;
  int c, ret = -1;

  if (cli_getopt_start (&p, images_options, CLI_STYLE_GNU, argc, argv, err) < 0)
    return -1;
  while ((c = cli_getopt_next (&p)) != -1)
    switch (c)
      {
      case 'q':
        quiet = true;
        break;
      case CLI_LONG_ONLY:
        no_trunc = true;
        break;
      case 'f':
        if (strcmp (optarg, "json") == 0)
          json = true;
        else if (strcmp (optarg, "table") != 0)
          return oci_error_set (err, 0, "images: unknown format \"%s\" (table or json)", optarg);
        break;
      default:
        return oci_error_set (err, 0, "images: unknown or incomplete option \"%s\"", argv[optind - 1]);
      }
  if (optind != argc)
    return oci_error_set (err, 0, "usage: builder images [--format table|json] [-q] [--no-trunc]");
  if (bld_cli_open_store (g, true, &s, err) < 0 || bld_store_read_index (s, &idx, err) < 0)
    return -1;
  rows = calloc (idx->manifests_len + 1, sizeof *rows);
  if (rows == NULL)
    return oci_error_set (err, ENOMEM, "images");
  for (size_t i = 0; i < idx->manifests_len; i++)
    {
      const struct oci_image_descriptor *d = &idx->manifests[i];
      /* Image manifests: OCI, or Docker schema2 as pull keeps them;
       * indexes (the image of each platform, shown by the host's); no
       * artifacts (build --provenance's records) */
      if (d->artifact_type)
        continue;
      if (strcmp (d->media_type, OCI_MEDIA_TYPE_IMAGE_MANIFEST) != 0
          && strcmp (d->media_type, DOCKER_MEDIA_TYPE_MANIFEST) != 0 && !bld_is_index_media_type (d->media_type))
        continue;
      if (platform_image_of_named_index (s, idx, d))
        continue;
      if (read_row (s, d, &rows[n_rows], err) < 0)
        {
          free_row (&rows[n_rows]);
          goto out;
        }
      rows[n_rows++].index = i;
    }
  qsort (rows, n_rows, sizeof *rows, newest_first);
  if (json)
    {
      j = json_gen_new (true);
      json_gen_begin_array (j);
    }
  else if (!quiet)
    printf ("%-40s %-16s %-*s %-16s %s\n", "REPOSITORY", "TAG", no_trunc ? 71 : 14, "IMAGE ID", "CREATED", "SIZE");
  for (size_t i = 0; i < n_rows; i++)
    print_row (&rows[i], j, quiet, no_trunc);
  ret = 0;
out:
  for (size_t i = 0; i < n_rows; i++)
    free_row (&rows[i]);
  free (rows);
  if (ret < 0)
    return -1;
  if (json)
    {
      cleanup_free char *text = NULL;
      size_t len;
      json_gen_end_array (j);
      if (json_gen_finish (j, &text, &len, err) < 0)
        return -1;
      fputs (text, stdout);
    }
  return 0;
}
