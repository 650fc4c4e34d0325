#include "config.h"
#include "image/store_prune.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/build.h"
#include "cleanup.h"
#include "common/strv.h"
#include "image.h"
#include "image/store.h"

#define MAX_INDEX (16u << 20)

struct reach
{
  char **digests;
  size_t len;
  struct reach *diff_ids; /* the reached configs' rootfs.diff_ids */
};

static int
mark (struct reach *r, const char *digest)
{
  char **n;
  for (size_t i = 0; i < r->len; i++)
    if (strcmp (r->digests[i], digest) == 0)
      return 1;
  n = realloc (r->digests, (r->len + 1) * sizeof *n);
  if (n == NULL)
    return -1;
  r->digests = n;
  if ((r->digests[r->len] = strdup (digest)) == NULL)
    return -1;
  r->len++;
  return 0;
}

static bool
marked (const struct reach *r, const char *digest)
{
  for (size_t i = 0; i < r->len; i++)
    if (strcmp (r->digests[i], digest) == 0)
      return true;
  return false;
}

static int walk_descriptors (struct bld_store *s, const struct oci_image_descriptor *d, size_t n, struct reach *r,
                             int depth, struct oci_error *err);

static int
walk_one (struct bld_store *s, const struct oci_image_descriptor *d, struct reach *r, int depth,
          struct oci_error *err)
{
  int seen = mark (r, d->digest);
  if (seen < 0)
    return oci_error_set (err, ENOMEM, "prune");
  if (seen)
    return 0;
  if (strcmp (d->media_type, OCI_MEDIA_TYPE_IMAGE_INDEX) == 0
      || strcmp (d->media_type, DOCKER_MEDIA_TYPE_MANIFEST_LIST) == 0)
    {
      cleanup_free char *text = NULL;
      cleanup_image_index struct oci_image_index *idx = NULL;
      size_t len;
      if (depth > 8)
        return oci_error_set (err, 0, "indexes nested too deeply at %s", d->digest);
      if (bld_store_read_blob (s, d->digest, MAX_INDEX, &text, &len, err) < 0
          || oci_image_index_parse_text (d->digest, text, len, &idx, err) < 0)
        return -1;
      return walk_descriptors (s, idx->manifests, idx->manifests_len, r, depth + 1, err);
    }
  if (strcmp (d->media_type, OCI_MEDIA_TYPE_IMAGE_MANIFEST) == 0
      || strcmp (d->media_type, DOCKER_MEDIA_TYPE_MANIFEST) == 0)
    {
      cleanup_image_manifest struct oci_image_manifest *m = NULL;
      if (bld_store_read_manifest (s, d, &m, err) < 0)
        return -1;
      if (mark (r, m->config->digest) < 0)
        return oci_error_set (err, ENOMEM, "prune");
      if (strcmp (m->config->media_type, OCI_MEDIA_TYPE_IMAGE_CONFIG) == 0
          || strcmp (m->config->media_type, DOCKER_MEDIA_TYPE_IMAGE_CONFIG) == 0)
        {
          cleanup_image_config struct oci_image_config *c = NULL;
          if (bld_store_read_config (s, m->config, &c, err) < 0)
            return -1;
          for (size_t i = 0; c->rootfs && i < c->rootfs->diff_ids_len; i++)
            if (mark (r->diff_ids, c->rootfs->diff_ids[i]) < 0)
              return oci_error_set (err, ENOMEM, "prune");
        }
      for (size_t i = 0; i < m->layers_len; i++)
        if (mark (r, m->layers[i].digest) < 0)
          return oci_error_set (err, ENOMEM, "prune");
    }
  return 0;
}

static int
walk_descriptors (struct bld_store *s, const struct oci_image_descriptor *d, size_t n, struct reach *r, int depth,
                  struct oci_error *err)
{
  for (size_t i = 0; i < n; i++)
    if (walk_one (s, &d[i], r, depth, err) < 0)
      return -1;
  return 0;
}

static int
sweep (struct bld_store *s, const struct reach *r, struct bld_prune_result *out, struct oci_error *err)
{
  cleanup_free char *dir = NULL;
  cleanup_closedir DIR *d = NULL;
  struct dirent *de;

  if (asprintf (&dir, "%s/blobs/sha256", bld_store_dir (s)) < 0)
    return oci_error_set (err, ENOMEM, "prune");
  d = opendir (dir);
  if (d == NULL)
    return oci_error_set (err, errno, "open %s", dir);
  while ((errno = 0, de = readdir (d)))
    {
      cleanup_free char *digest = NULL;
      struct stat st;
      char **n;

      if (de->d_name[0] == '.')
        continue;
      if (asprintf (&digest, "sha256:%s", de->d_name) < 0)
        return oci_error_set (err, ENOMEM, "prune");
      if (marked (r, digest))
        continue;
      if (fstatat (dirfd (d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG (st.st_mode))
        continue;
      if (unlinkat (dirfd (d), de->d_name, 0) < 0)
        return oci_error_set (err, errno, "remove blob %s", digest);
      n = realloc (out->removed, (out->removed_len + 2) * sizeof *n);
      if (n == NULL)
        return oci_error_set (err, ENOMEM, "prune");
      out->removed = n;
      out->removed[out->removed_len++] = steal_pointer (&digest);
      out->removed[out->removed_len] = NULL;
      out->bytes += (uint64_t) st.st_size;
    }
  if (errno)
    return oci_error_set (err, errno, "read %s", dir);
  return 0;
}

/* Reached, so not swept, and present. */
static bool
keep_blob (const char *digest, void *data)
{
  return marked (data, digest);
}

static bool
keep_diff_id (const char *diff_id, void *data)
{
  const struct reach *r = data;
  return marked (r->diff_ids, diff_id);
}

static bool
keep_none (const char *diff_id, void *data)
{
  (void) diff_id;
  (void) data;
  return false;
}

static int
mark_cache_layer (const char *digest, const char *diff_id, void *data)
{
  struct reach *r = data;
  return mark (r, digest) < 0 || mark (r->diff_ids, diff_id) < 0 ? -1 : 0;
}

static void
reach_clear (struct reach *r)
{
  for (size_t i = 0; i < r->len; i++)
    free (r->digests[i]);
  free (r->digests);
}

static const char *
ref_name (const struct oci_image_descriptor *d)
{
  return oci_string_map_get (&d->annotations, OCI_ANNOTATION_REF_NAME);
}

/* The subject's digest of an unnamed artifact entry (artifactType set, a
 * manifest with a subject: a referrer, as build --provenance's record);
 * *out NULL for any other entry, and for one whose manifest is gone. */
static int
entry_subject (struct bld_store *s, const struct oci_image_descriptor *d, char **out, struct oci_error *err)
{
  cleanup_image_manifest struct oci_image_manifest *m = NULL;
  *out = NULL;
  if (d->artifact_type == NULL || ref_name (d) || strcmp (d->media_type, OCI_MEDIA_TYPE_IMAGE_MANIFEST) != 0
      || !bld_store_has_blob (s, d->digest))
    return 0;
  if (bld_store_read_manifest (s, d, &m, err) < 0)
    return -1;
  if (m->subject && m->subject->digest && (*out = strdup (m->subject->digest)) == NULL)
    return oci_error_set (err, ENOMEM, "prune");
  return 0;
}

/* The referrers of what is kept (marked) are kept too, as registries
 * keep them with their subject, and reach what they list; again until
 * none is added (an artifact may refer to another). */
static int
keep_referrers (struct bld_store *s, const struct oci_image_descriptor *m, size_t n, struct reach *r,
                struct oci_error *err)
{
  char **subjects = calloc (n + 1, sizeof *subjects);
  bool more = true;
  int ret = 0;
  if (subjects == NULL)
    return oci_error_set (err, ENOMEM, "prune");
  for (size_t i = 0; i < n && ret == 0; i++)
    ret = entry_subject (s, &m[i], &subjects[i], err);
  while (ret == 0 && more)
    {
      more = false;
      for (size_t i = 0; i < n && ret == 0; i++)
        if (subjects[i] && marked (r, subjects[i]) && !marked (r, m[i].digest))
          {
            ret = walk_one (s, &m[i], r, 0, err);
            more = true;
          }
    }
  cmn_strv_free_n (subjects, n);
  return ret;
}

/* Drops the dangling entries of index.json (all: every entry, their
 * names into out->untagged) and marks what the kept ones reach.  An
 * artifact referring to a kept entry is no dangling entry; one whose
 * subject goes goes with it. */
static int
drop_images (struct bld_store *s, bool all, struct reach *r, struct bld_prune_result *out, struct oci_error *err)
{
  cleanup_image_index struct oci_image_index *idx = NULL;
  struct oci_image_descriptor *m;
  size_t kept = 0, n;

  if (bld_store_read_index (s, &idx, err) < 0)
    return -1;
  m = idx->manifests;
  n = idx->manifests_len;
  /* What names reach first: an unnamed entry they reach is no dangling
   * image (a platform's manifest of a named index, say). */
  for (size_t i = 0; !all && i < n; i++)
    if (ref_name (&m[i]) && walk_one (s, &m[i], r, 0, err) < 0)
      return -1;
  if (!all && keep_referrers (s, m, n, r, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      const char *name = ref_name (&m[i]);
      if (!all && (name || marked (r, m[i].digest)))
        {
          /* The dropped ones move to the end, where the index's free
           * finds them. */
          struct oci_image_descriptor t = m[kept];
          m[kept++] = m[i];
          m[i] = t;
          continue;
        }
      if (name && cmn_strv_push (&out->untagged, &out->untagged_len, name) < 0)
        return oci_error_set (err, ENOMEM, "prune");
    }
  if (kept == n)
    return 0;
  idx->manifests_len = kept;
  int ret = bld_store_write_index (s, idx, err);
  idx->manifests_len = n;
  return ret;
}

static int
collect (struct bld_store *s, const struct bld_prune_options *o, struct reach *r, struct bld_prune_result *out,
         struct oci_error *err)
{
  bool whole = o->build_cache && !o->trim.has_keep_storage && !o->trim.has_until;
  /* An emptied build cache takes the extracted layers with it: they
   * refill from the blobs. */
  struct bld_gc_keep keep = { .blob = keep_blob, .diff_id = whole ? keep_none : keep_diff_id, .data = r };
  struct bld_gc_result g;
  size_t trimmed = 0;

  if (drop_images (s, o->all, r, out, err) < 0)
    return -1;
  if (o->build_cache && bld_step_cache_trim (bld_store_dir (s), &o->trim, &trimmed, err) < 0)
    return -1;
  if (bld_step_cache_each_layer (bld_store_dir (s), mark_cache_layer, r, err) < 0 || sweep (s, r, out, err) < 0)
    return -1;
  /* A record's blob reached but absent (removed by hand, or by an older
   * prune): its record goes. */
  for (size_t i = 0; i < r->len; i++)
    if (!bld_store_has_blob (s, r->digests[i]))
      {
        free (r->digests[i]);
        r->digests[i--] = r->digests[--r->len];
      }
  if (bld_build_cache_gc (bld_store_dir (s), &keep, &g, err) < 0)
    return -1;
  out->layers_removed = g.layers_removed;
  out->cache_removed = trimmed + g.cache_removed;
  return 0;
}

int
bld_store_prune (struct bld_store *s, struct bld_prune_result *out, struct oci_error *err)
{
  struct bld_prune_options o = { 0 };
  return bld_store_prune_with (s, &o, out, err);
}

int
bld_store_prune_with (struct bld_store *s, const struct bld_prune_options *o, struct bld_prune_result *out,
                      struct oci_error *err)
{
  struct reach diff_ids = { NULL, 0, NULL };
  struct reach r = { NULL, 0, &diff_ids };
  cleanup_close int builds = -1;
  int ret = 0;

  memset (out, 0, sizeof *out);
  if (o->runtime && bld_reap_dead_builds (bld_store_dir (s), o->runtime, err) < 0)
    return -1;
  /* Running builds hold blobs, layers and cache entries not named yet. */
  if (bld_builds_lock_try_exclusive (bld_store_dir (s), &builds, &out->builds_running, err) < 0)
    return -1;
  if (bld_store_lock (s, err) < 0)
    return -1;
  if (!out->builds_running)
    ret = collect (s, o, &r, out, err);
  if (ret == 0)
    ret = bld_store_clean_tmp (s, err);
  bld_store_unlock (s);
  reach_clear (&r);
  reach_clear (&diff_ids);
  return ret;
}

void
bld_prune_result_free (struct bld_prune_result *res)
{
  for (size_t i = 0; i < res->removed_len; i++)
    free (res->removed[i]);
  free (res->removed);
  cmn_strv_free_n (res->untagged, res->untagged_len);
  memset (res, 0, sizeof *res);
}
