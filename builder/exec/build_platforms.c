/* --platform A,B,...: one build per platform, then an OCI image index of
 * their manifests (BuildKit's multi-platform result). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "distribution/platform.h"
#include "exec/cache_remote.h"
#include "exec/build.h"
#include "image/store.h"

void
bld_platforms_free (struct bld_platform *v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    bld_platform_clear (&v[i]);
  free (v);
}

int
bld_platforms_parse (const char *list, struct bld_platform **out, size_t *n, struct oci_error *err)
{
  cleanup_free char *copy = strdup (list);
  struct bld_platform *v = NULL;
  size_t len = 0;
  char *save = NULL;

  if (copy == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  for (char *w = strtok_r (copy, ",", &save); w; w = strtok_r (NULL, ",", &save))
    {
      struct bld_platform *nv = realloc (v, (len + 1) * sizeof *nv);
      if (nv == NULL)
        {
          bld_platforms_free (v, len);
          return oci_error_set (err, ENOMEM, "out of memory");
        }
      v = nv;
      if (bld_platform_parse (w, &v[len], err) < 0)
        {
          bld_platforms_free (v, len);
          return -1;
        }
      len++;
      for (size_t i = 0; i + 1 < len; i++)
        if (strcmp (v[i].text, v[len - 1].text) == 0)
          {
            oci_error_set (err, 0, "platform %s is given twice", v[i].text);
            bld_platforms_free (v, len);
            return -1;
          }
    }
  if (len == 0)
    return oci_error_set (err, 0, "no platform in \"%s\"", list);
  *out = v;
  *n = len;
  return 0;
}

/* The index entry of a platform's manifest. */
static int
index_entry (struct bld_store *store, const char *digest, const struct bld_platform *p,
             struct oci_image_descriptor *e, struct oci_error *err)
{
  cleanup_image_descriptor struct oci_image_descriptor *d = NULL;
  if (bld_store_resolve (store, digest, &d, err) < 0)
    return -1;
  e->media_type = strdup (d->media_type ? d->media_type : OCI_MEDIA_TYPE_IMAGE_MANIFEST);
  e->digest = strdup (d->digest);
  e->size = d->size;
  e->has_size = true;
  e->platform = calloc (1, sizeof *e->platform);
  if (e->media_type == NULL || e->digest == NULL || e->platform == NULL || (e->platform->os = strdup (p->os)) == NULL
      || (e->platform->architecture = strdup (p->arch)) == NULL
      || (p->variant && (e->platform->variant = strdup (p->variant)) == NULL))
    return oci_error_set (err, ENOMEM, "out of memory");
  return 0;
}

/* The index blob, named by the tags (unnamed without). */
static int
write_index (struct bld_store *store, const struct bld_build_options *o, const struct oci_image_index *idx,
             char digest[OCI_DIGEST_STRING_MAX], struct oci_error *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  int64_t size;
  if (oci_image_index_emit (idx, false, &text, &len, err) < 0
      || bld_store_put_buffer (store, text, len, digest, &size, err) < 0)
    return -1;
  struct oci_image_descriptor d = {
    .media_type = (char *) OCI_MEDIA_TYPE_IMAGE_INDEX, .digest = digest, .size = size, .has_size = true
  };
  if (bld_store_lock (store, err) < 0)
    return -1;
  int ret = o->tags_len ? 0 : bld_store_index_put (store, &d, NULL, err);
  for (size_t i = 0; ret == 0 && i < o->tags_len; i++)
    ret = bld_store_tag (store, o->tags[i], &d, err);
  bld_store_unlock (store);
  return ret;
}

int
bld_build_platforms (struct bld_store *store, const struct bld_build_options *o, const struct bld_platform *platforms,
                     size_t n, char digest[OCI_DIGEST_STRING_MAX], struct oci_error *err)
{
  struct bld_build_options one = *o;
  if (n <= 1)
    {
      one.platform = n ? &platforms[0] : NULL;
      return bld_build (store, &one, digest, err);
    }
  cleanup_image_index struct oci_image_index *idx = calloc (1, sizeof *idx);
  if (idx == NULL || (idx->media_type = strdup (OCI_MEDIA_TYPE_IMAGE_INDEX)) == NULL
      || (idx->manifests = calloc (n, sizeof *idx->manifests)) == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  idx->schema_version = 2;
  idx->has_schema_version = true;
  one.tags = NULL;
  one.tags_len = 0;
  /* --cache-to: one cache manifest per platform, an index of them */
  struct bld_cache_index cix __attribute__ ((cleanup (bld_cache_index_clear))) = { 0 };
  one.cache_index = &cix;
  for (size_t i = 0; i < n; i++)
    {
      char d[OCI_DIGEST_STRING_MAX];
      one.platform = &platforms[i];
      fprintf (o->out, BLD_PROGRESS_PLATFORM_LINE "%s\n", platforms[i].text);
      fflush (o->out);
      if (bld_build (store, &one, d, err) < 0)
        return oci_error_prefix (err, "%s", platforms[i].text);
      idx->manifests_len++;
      if (index_entry (store, d, &platforms[i], &idx->manifests[i], err) < 0)
        return -1;
    }
  if (cache_remote_write_indexes (o, &cix, err) < 0)
    return -1;
  /* --annotation index:K=V */
  if (bld_manifest_annotations (o, BLD_ANNOTATION_INDEX, &idx->annotations, err) < 0)
    return oci_error_prefix (err, "build: --annotation");
  return write_index (store, o, idx, digest, err);
}
