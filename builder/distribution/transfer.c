/* Images in and out of the store: oci:DIR and oci-archive:FILE.  See
 * transfer.h. */
#include "config.h"
#include "distribution/transfer.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "common/strv.h"
#include "digest.h"
#include "fileutil.h"
#include "json.h"
#include "distribution/platform.h"
#include "distribution/reference.h"
#include "image/size_limits.h"
#include "image/store.h"

#define ANNOTATION_CONTAINERD_NAME "io.containerd.image.name"
#define COPY_CHUNK (1 << 17)

static void
archive_read_freep (struct archive **a)
{
  if (*a)
    archive_read_free (*a);
}

static void
archive_write_freep (struct archive **a)
{
  if (*a)
    archive_write_free (*a);
}

static void
entry_freep (struct archive_entry **e)
{
  if (*e)
    archive_entry_free (*e);
}

/* A temporary file that is removed unless stolen. */
static void
unlink_freep (char **path)
{
  if (*path)
    {
      unlink (*path);
      free (*path);
    }
}

#define cleanup_archive_read __attribute__ ((cleanup (archive_read_freep)))
#define cleanup_archive_write __attribute__ ((cleanup (archive_write_freep)))
#define cleanup_entry __attribute__ ((cleanup (entry_freep)))
#define cleanup_unlink __attribute__ ((cleanup (unlink_freep)))

/* ---- transports ---- */

static bool
path_exists (const char *p)
{
  struct stat st;
  return stat (p, &st) == 0;
}

int
bld_transport_parse (const char *spec, bool must_exist, struct bld_transport *out, struct oci_error *err)
{
  cleanup_free char *path = NULL;
  const char *rest;
  char *tag = NULL;

  memset (out, 0, sizeof *out);
  if (strncmp (spec, "oci:", 4) == 0)
    {
      out->kind = BLD_TRANSPORT_OCI_DIR;
      rest = spec + 4;
    }
  else if (strncmp (spec, "oci-archive:", 12) == 0)
    {
      out->kind = BLD_TRANSPORT_OCI_ARCHIVE;
      rest = spec + 12;
    }
  else
    return oci_error_set (err, 0, "\"%s\": want oci:DIR[:TAG] or oci-archive:FILE[:TAG]", spec);
  path = strdup (rest);
  if (path == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (!path_exists (path))
    {
      if (must_exist)
        {
          for (char *c = strchr (path, ':'); c; c = strchr (c + 1, ':'))
            {
              *c = '\0';
              if (path_exists (path))
                {
                  tag = c + 1;
                  break;
                }
              *c = ':';
            }
        }
      else
        {
          char *c = strrchr (path, ':');
          if (c && strchr (c, '/') == NULL)
            {
              *c = '\0';
              tag = c + 1;
            }
        }
    }
  if (*path == '\0')
    return oci_error_set (err, 0, "\"%s\": no path", spec);
  if (tag && *tag == '\0')
    return oci_error_set (err, 0, "\"%s\": empty tag", spec);
  if (must_exist && !path_exists (path))
    return oci_error_set (err, ENOENT, "%s", path);
  if (tag && (out->tag = strdup (tag)) == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  out->path = steal_pointer (&path);
  return 0;
}

void
bld_transport_clear (struct bld_transport *t)
{
  free (t->path);
  free (t->tag);
  memset (t, 0, sizeof *t);
}

/* ---- names ---- */

/* A descriptor of manifest m with just what an index entry needs, plus
 * the names when given. */
static int
entry_descriptor (const struct oci_image_descriptor *m, const char *name, const char *ref_name,
                  struct oci_image_descriptor **out, struct oci_error *err)
{
  cleanup_image_descriptor struct oci_image_descriptor *d = calloc (1, sizeof *d);
  cleanup_free char *fq = NULL;

  *out = NULL;
  if (d == NULL || (d->media_type = strdup (m->media_type ? m->media_type : OCI_MEDIA_TYPE_IMAGE_MANIFEST)) == NULL
      || (d->digest = strdup (m->digest)) == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  d->size = m->size;
  d->has_size = m->has_size;
  if (name)
    {
      if (bld_ref_qualified (name, &fq, err) < 0)
        return -1;
      if (oci_string_map_set (&d->annotations, ANNOTATION_CONTAINERD_NAME, fq) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
    }
  if (ref_name && oci_string_map_set (&d->annotations, OCI_ANNOTATION_REF_NAME, ref_name) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  *out = steal_pointer (&d);
  return 0;
}

/* ---- save ---- */

struct saved_image
{
  struct oci_image_descriptor *desc; /* from the store's index */
  struct oci_image_manifest *m;
  char *name; /* canonical NAME:TAG, NULL when unnamed */
};

static void
saved_image_clear (struct saved_image *i)
{
  oci_image_descriptor_free (i->desc);
  oci_image_manifest_free (i->m);
  free (i->name);
  memset (i, 0, sizeof *i);
}


static int
saved_image_open (struct bld_store *s, const char *ref, struct saved_image *img, struct oci_error *err)
{
  const char *n;
  if (bld_store_resolve (s, ref, &img->desc, err) < 0)
    return -1;
  if (img->desc->media_type && strcmp (img->desc->media_type, OCI_MEDIA_TYPE_IMAGE_MANIFEST) != 0
      && strcmp (img->desc->media_type, DOCKER_MEDIA_TYPE_MANIFEST) != 0)
    return oci_error_set (err, 0, "%s: %s is a %s, not an image manifest", ref, img->desc->digest,
                          img->desc->media_type);
  if (bld_store_read_manifest (s, img->desc, &img->m, err) < 0)
    return oci_error_prefix (err, "%s", ref);
  if (img->m->config == NULL)
    return oci_error_set (err, 0, "%s: manifest %s has no config", ref, img->desc->digest);
  n = oci_string_map_get (&img->desc->annotations, OCI_ANNOTATION_REF_NAME);
  if (n && (img->name = strdup (n)) == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  return 0;
}

/* The images as they leave: uncompressed layers compressed as c says
 * (layer_compress.h), once the destination is known to be writable. */
static int
saved_images_compress (struct bld_store *s, struct saved_image *imgs, size_t n_imgs,
                       const struct bld_compress_options *c, struct oci_error *err)
{
  for (size_t k = 0; k < n_imgs; k++)
    {
      cleanup_image_descriptor struct oci_image_descriptor *d = NULL;
      cleanup_image_manifest struct oci_image_manifest *m = NULL;
      if (bld_image_compress (s, imgs[k].desc, c, &d, err) < 0 || bld_store_read_manifest (s, d, &m, err) < 0)
        return oci_error_prefix (err, "%s", imgs[k].name ? imgs[k].name : imgs[k].desc->digest);
      oci_image_descriptor_free (imgs[k].desc);
      oci_image_manifest_free (imgs[k].m);
      imgs[k].desc = steal_pointer (&d);
      imgs[k].m = steal_pointer (&m);
    }
  return 0;
}

/* The images' blobs (manifests, configs, layers), sorted, without
 * repeats; the strings belong to imgs. */
static int
saved_image_blobs (const struct saved_image *imgs, size_t n_imgs, const char ***out, size_t *n_out,
                   struct oci_error *err)
{
  size_t n = 0, max = 0;
  for (size_t k = 0; k < n_imgs; k++)
    max += imgs[k].m->layers_len + 2;
  const char **v = calloc (max + 1, sizeof *v);
  if (v == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  for (size_t k = 0; k < n_imgs; k++)
    {
      v[n++] = imgs[k].desc->digest;
      v[n++] = imgs[k].m->config->digest;
      for (size_t i = 0; i < imgs[k].m->layers_len; i++)
        v[n++] = imgs[k].m->layers[i].digest;
    }
  qsort (v, n, sizeof *v, cmn_strv_cmp);
  size_t u = 0;
  for (size_t i = 0; i < n; i++)
    if (u == 0 || strcmp (v[u - 1], v[i]) != 0)
      v[u++] = v[i];
  *out = v;
  *n_out = u;
  return 0;
}

static int64_t
blob_size (const struct saved_image *imgs, size_t n_imgs, const char *digest)
{
  for (size_t k = 0; k < n_imgs; k++)
    {
      const struct saved_image *img = &imgs[k];
      if (strcmp (digest, img->desc->digest) == 0)
        return img->desc->size;
      if (strcmp (digest, img->m->config->digest) == 0)
        return img->m->config->size;
      for (size_t i = 0; i < img->m->layers_len; i++)
        if (strcmp (digest, img->m->layers[i].digest) == 0)
          return img->m->layers[i].size;
    }
  return -1;
}

/* "blobs/ALG/ENCODED" */
static int
blob_member (const char *digest, char **out, struct oci_error *err)
{
  cleanup_digest struct oci_digest d = { 0 };
  if (oci_digest_parse (digest, &d, err) < 0)
    return -1;
  if (asprintf (out, "blobs/%s/%s", d.algorithm, d.encoded) < 0)
    {
      *out = NULL;
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

static int
tar_header (struct archive *a, const char *name, bool dir, int64_t size, struct oci_error *err)
{
  cleanup_entry struct archive_entry *e = archive_entry_new ();
  if (e == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  archive_entry_set_pathname (e, name);
  archive_entry_set_filetype (e, dir ? AE_IFDIR : AE_IFREG);
  archive_entry_set_perm (e, dir ? 0755 : 0644);
  archive_entry_set_size (e, dir ? 0 : size);
  archive_entry_set_mtime (e, 0, 0);
  archive_entry_set_uid (e, 0);
  archive_entry_set_gid (e, 0);
  if (archive_write_header (a, e) != ARCHIVE_OK)
    return oci_error_set (err, archive_errno (a), "write %s: %s", name, archive_error_string (a));
  return 0;
}

static int
tar_data (struct archive *a, const char *name, const void *buf, size_t len, struct oci_error *err)
{
  if (archive_write_data (a, buf, len) != (la_ssize_t) len)
    return oci_error_set (err, archive_errno (a), "write %s: %s", name, archive_error_string (a));
  return 0;
}

static int
tar_add_buffer (struct archive *a, const char *name, const char *buf, size_t len, struct oci_error *err)
{
  if (tar_header (a, name, false, (int64_t) len, err) < 0)
    return -1;
  return tar_data (a, name, buf, len, err);
}

/* Copies a store blob into the tar, checking its digest and size on the
 * way (a corrupt store blob is not passed on). */
static int
tar_add_blob (struct archive *a, struct bld_store *s, const char *digest, int64_t size, struct oci_error *err)
{
  cleanup_free char *member = NULL;
  cleanup_free char *path = NULL;
  cleanup_free char *buf = malloc (COPY_CHUNK);
  cleanup_close int fd = -1;
  cleanup_digester struct oci_digester *dg = NULL;
  char got[OCI_DIGEST_STRING_MAX];
  int64_t total = 0;

  if (buf == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (blob_member (digest, &member, err) < 0 || bld_store_blob_path (s, digest, size, false, &path, err) < 0)
    return -1;
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return oci_error_set (err, errno, "open %s", path);
  if (oci_digester_new (OCI_DIGEST_SHA256, &dg, err) < 0)
    return -1;
  if (tar_header (a, member, false, size, err) < 0)
    return -1;
  for (;;)
    {
      ssize_t n = read (fd, buf, COPY_CHUNK);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return oci_error_set (err, errno, "read %s", path);
      if (n == 0)
        break;
      total += n;
      if (total > size)
        return oci_error_set (err, 0, "blob %s: larger than its descriptor's %lld bytes", digest, (long long) size);
      if (oci_digester_update (dg, buf, (size_t) n, err) < 0 || tar_data (a, member, buf, (size_t) n, err) < 0)
        return -1;
    }
  if (total != size)
    return oci_error_set (err, 0, "blob %s: size %lld, descriptor says %lld", digest, (long long) total,
                          (long long) size);
  if (oci_digester_final (dg, got, err) < 0)
    return -1;
  if (strcmp (got, digest) != 0)
    return oci_error_set (err, 0, "blob %s in the store: digest mismatch (content is %s)", digest, got);
  return 0;
}

/* Docker's manifest.json: [{"Config":..,"RepoTags":[..],"Layers":[..]}, ...]. */
static int
docker_manifest_json (const struct saved_image *imgs, size_t n_imgs, char **out, size_t *len, struct oci_error *err)
{
  cleanup_json_gen struct json_gen *g = json_gen_new (false);

  if (g == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  json_gen_begin_array (g);
  for (size_t k = 0; k < n_imgs; k++)
    {
      const struct saved_image *img = &imgs[k];
      cleanup_free char *config = NULL;
      if (blob_member (img->m->config->digest, &config, err) < 0)
        return -1;
      json_gen_begin_object (g);
      json_gen_key (g, "Config");
      json_gen_string (g, config);
      json_gen_key (g, "RepoTags");
      json_gen_begin_array (g);
      if (img->name)
        json_gen_string (g, img->name);
      json_gen_end_array (g);
      json_gen_key (g, "Layers");
      json_gen_begin_array (g);
      for (size_t i = 0; i < img->m->layers_len; i++)
        {
          cleanup_free char *layer = NULL;
          if (blob_member (img->m->layers[i].digest, &layer, err) < 0)
            return -1;
          json_gen_string (g, layer);
        }
      json_gen_end_array (g);
      json_gen_end_object (g);
    }
  json_gen_end_array (g);
  return json_gen_finish (g, out, len, err);
}

/* The ref.name of an image written out: the TAG given, else its own. */
static const char *
ref_name_for (const struct saved_image *img, const char *tag)
{
  const char *colon = img->name ? bld_ref_tag_colon (img->name) : NULL;
  return tag ? tag : img->name ? (colon ? colon + 1 : "latest") : NULL;
}

static int
index_json (const struct saved_image *imgs, size_t n_imgs, const char *tag, char **out, size_t *len,
            struct oci_error *err)
{
  cleanup_image_index struct oci_image_index *idx = calloc (1, sizeof *idx);

  if (idx == NULL || (idx->media_type = strdup (OCI_MEDIA_TYPE_IMAGE_INDEX)) == NULL
      || (idx->manifests = calloc (n_imgs + 1, sizeof *idx->manifests)) == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  idx->schema_version = 2;
  idx->has_schema_version = true;
  for (size_t k = 0; k < n_imgs; k++)
    {
      struct oci_image_descriptor *entry = NULL;
      if (entry_descriptor (imgs[k].desc, imgs[k].name, ref_name_for (&imgs[k], tag), &entry, err) < 0)
        return -1;
      idx->manifests[idx->manifests_len++] = *entry;
      free (entry);
    }
  return oci_image_index_emit (idx, false, out, len, err);
}

static void
fsync_parent (const char *path)
{
  cleanup_free char *copy = strdup (path);
  if (copy == NULL)
    return;
  cleanup_close int fd = open (dirname (copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0)
    fsync (fd);
}

static int
save_archive (struct bld_store *s, struct saved_image *imgs, size_t n_imgs, const char *file, const char *tag,
              const struct bld_compress_options *c, struct oci_error *err)
{
  static const char layout[] = "{\"imageLayoutVersion\":\"" OCI_IMAGE_LAYOUT_VERSION "\"}";
  cleanup_unlink char *tmp = NULL;
  cleanup_close int fd = -1;
  cleanup_archive_write struct archive *a = NULL;
  cleanup_free const char **blobs = NULL;
  cleanup_free char *index = NULL;
  cleanup_free char *docker = NULL;
  size_t n_blobs, index_len, docker_len;

  if (asprintf (&tmp, "%s.tmp-XXXXXX", file) < 0)
    {
      tmp = NULL;
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  fd = mkostemp (tmp, O_CLOEXEC);
  if (fd < 0)
    {
      int saved = errno;
      free (steal_pointer (&tmp));
      return oci_error_set (err, saved, "create a temporary file next to %s", file);
    }
  if (fchmod (fd, 0644) < 0)
    return oci_error_set (err, errno, "chmod %s", tmp);
  if (saved_images_compress (s, imgs, n_imgs, c, err) < 0
      || saved_image_blobs (imgs, n_imgs, &blobs, &n_blobs, err) < 0
      || index_json (imgs, n_imgs, tag, &index, &index_len, err) < 0
      || docker_manifest_json (imgs, n_imgs, &docker, &docker_len, err) < 0)
    return -1;
  a = archive_write_new ();
  if (a == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  /* ustar headers whenever they suffice: no PAX times, no names. */
  if (archive_write_set_format_pax_restricted (a) != ARCHIVE_OK || archive_write_open_fd (a, fd) != ARCHIVE_OK)
    return oci_error_set (err, archive_errno (a), "write %s: %s", tmp, archive_error_string (a));

  /* Sorted by name: blobs/..., index.json, manifest.json, oci-layout. */
  if (tar_header (a, "blobs/", true, 0, err) < 0 || tar_header (a, "blobs/sha256/", true, 0, err) < 0)
    return oci_error_prefix (err, "save to %s", file);
  for (size_t i = 0; i < n_blobs; i++)
    if (tar_add_blob (a, s, blobs[i], blob_size (imgs, n_imgs, blobs[i]), err) < 0)
      return oci_error_prefix (err, "save to %s", file);
  if (tar_add_buffer (a, "index.json", index, index_len, err) < 0
      || tar_add_buffer (a, "manifest.json", docker, docker_len, err) < 0
      || tar_add_buffer (a, "oci-layout", layout, strlen (layout), err) < 0)
    return oci_error_prefix (err, "save to %s", file);
  if (archive_write_close (a) != ARCHIVE_OK)
    return oci_error_set (err, archive_errno (a), "write %s: %s", tmp, archive_error_string (a));
  if (fsync (fd) < 0)
    return oci_error_set (err, errno, "fsync %s", tmp);
  if (rename (tmp, file) < 0)
    return oci_error_set (err, errno, "rename %s to %s", tmp, file);
  free (steal_pointer (&tmp));
  fsync_parent (file);
  return 0;
}

/* Removes the .store/ that opening DIR as a store made, when DIR had
 * none: what we leave is a plain layout. */
static void
remove_private_dir (const char *dir)
{
  static const enum bld_store_area areas[] = { BLD_STORE_TMP, BLD_STORE_LOCK, BLD_STORE_PRIVATE };
  for (size_t i = 0; i < sizeof areas / sizeof *areas; i++)
    {
      cleanup_free char *p = NULL;
      cleanup_error struct oci_error ignored = OCI_ERROR_INIT;
      if (bld_store_area_path (dir, areas[i], &p, &ignored) < 0)
        return;
      if (remove (p) < 0 && errno != ENOENT)
        return;
    }
}

static int
save_dir (struct bld_store *s, struct saved_image *imgs, size_t n_imgs, const char *dir, const char *tag,
          const struct bld_compress_options *c, struct oci_error *err)
{
  cleanup_store struct bld_store *dst = NULL;
  cleanup_free const char **blobs = NULL;
  cleanup_free char *private_dir = NULL;
  size_t n_blobs;
  bool had_private;
  int ret;

  for (size_t k = 0; k < n_imgs; k++)
    if (ref_name_for (&imgs[k], tag) == NULL)
      return oci_error_set (err, 0, "save to %s: the image has no name: give a tag (oci:%s:TAG)", dir, dir);
  /* The store names images NAME:TAG; a bare tag there would be a name of
   * another image. */
  {
    cleanup_free char *a = realpath (dir, NULL);
    cleanup_free char *b = realpath (bld_store_dir (s), NULL);
    if (a && b && strcmp (a, b) == 0)
      return oci_error_set (err, 0, "save to %s: that is the store itself", dir);
  }
  if (saved_images_compress (s, imgs, n_imgs, c, err) < 0
      || saved_image_blobs (imgs, n_imgs, &blobs, &n_blobs, err) < 0)
    return -1;
  if (bld_store_area_path (dir, BLD_STORE_PRIVATE, &private_dir, err) < 0)
    return -1;
  had_private = path_exists (private_dir);
  if (bld_store_open (dir, true, &dst, err) < 0)
    return oci_error_prefix (err, "save to %s", dir);
  ret = 0;
  for (size_t i = 0; ret == 0 && i < n_blobs; i++)
    {
      cleanup_free char *path = NULL;
      ret = bld_store_blob_path (s, blobs[i], blob_size (imgs, n_imgs, blobs[i]), false, &path, err);
      if (ret == 0 && !bld_store_has_blob (dst, blobs[i]))
        ret = bld_store_put_file (dst, path, blobs[i], NULL, NULL, err);
    }
  /* Last, the names: one atomic index.json replacement each. */
  for (size_t k = 0; ret == 0 && k < n_imgs; k++)
    {
      cleanup_image_descriptor struct oci_image_descriptor *entry = NULL;
      const char *ref_name = ref_name_for (&imgs[k], tag);
      ret = entry_descriptor (imgs[k].desc, imgs[k].name, ref_name, &entry, err);
      if (ret == 0)
        ret = bld_store_index_put (dst, entry, ref_name, err);
    }
  if (!had_private)
    remove_private_dir (dir);
  if (ret < 0)
    return oci_error_prefix (err, "save to %s", dir);
  return 0;
}

int
bld_save (struct bld_store *s, char *const *refs, size_t n_refs, const struct bld_transport *dest,
          const struct bld_compress_options *c, struct oci_error *err)
{
  static const struct bld_compress_options gzip = { .compression = BLD_COMPRESSION_GZIP };
  struct saved_image *imgs;
  int ret = 0;

  if (c == NULL)
    c = &gzip;
  if (n_refs == 0)
    return oci_error_set (err, 0, "no image named");
  if (dest->tag && n_refs > 1)
    return oci_error_set (err, 0, "a TAG (%s) names one image, not %zu", dest->tag, n_refs);
  imgs = calloc (n_refs, sizeof *imgs);
  if (imgs == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  /* The same name given twice (a, a:latest) is one entry. */
  size_t n = 0;
  for (size_t k = 0; ret == 0 && k < n_refs; k++)
    {
      ret = saved_image_open (s, refs[k], &imgs[n], err);
      bool dup = false;
      for (size_t j = 0; ret == 0 && j < n && !dup; j++)
        dup = imgs[j].name && imgs[n].name && strcmp (imgs[j].name, imgs[n].name) == 0;
      if (dup)
        saved_image_clear (&imgs[n]);
      else
        n++;
    }
  if (ret == 0)
    ret = dest->kind == BLD_TRANSPORT_OCI_ARCHIVE ? save_archive (s, imgs, n, dest->path, dest->tag, c, err)
                                                  : save_dir (s, imgs, n, dest->path, dest->tag, c, err);
  for (size_t k = 0; k <= n && k < n_refs; k++)
    saved_image_clear (&imgs[k]);
  free (imgs);
  return ret;
}

/* ---- load ---- */

struct seen_blob
{
  char *digest;
  int64_t size;
};

struct source
{
  const struct bld_transport *t;
  struct oci_image_index *index;
  struct seen_blob *blobs; /* an archive's, as read */
  size_t n_blobs;
  /* An archive's expansion: every member's bytes against the archive's
   * size (the ratio), each blob against the absolute limit. */
  struct bld_size_limits lim;
  uint64_t archive_size, expanded;
};

/* Counts n more bytes of member name, of which blob_size so far.  The
 * input is the archive's size, or (a pipe) what was read of it so far. */
static int
source_expand (struct archive *a, struct source *src, const char *name, uint64_t n, uint64_t blob_size,
               struct oci_error *err)
{
  struct bld_size_limits ratio_only = src->lim;
  cleanup_free char *what = NULL;
  la_int64_t raw = archive_filter_bytes (a, -1);
  uint64_t input = raw > 0 && (uint64_t) raw > src->archive_size ? (uint64_t) raw : src->archive_size;

  ratio_only.max_size = UINT64_MAX;
  src->expanded += n;
  if (src->expanded > bld_size_limits_allowed (&ratio_only, input))
    {
      if (asprintf (&what, "%s: the archive (at %s)", src->t->path, name) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      return bld_size_limits_error (&ratio_only, what, input, err);
    }
  if (blob_size > src->lim.max_size)
    return oci_error_set (err, 0, "%s: %s is larger than the limit of %llu bytes (BUILDER_MAX_LAYER_SIZE)",
                          src->t->path, name, (unsigned long long) src->lim.max_size);
  return 0;
}

static void
source_clear (struct source *src)
{
  oci_image_index_free (src->index);
  for (size_t i = 0; i < src->n_blobs; i++)
    free (src->blobs[i].digest);
  free (src->blobs);
}

#define cleanup_source __attribute__ ((cleanup (source_clear)))

/* An entry's name, without "./"; NULL when it could leave the archive's
 * root (absolute, or a ".." component). */
static const char *
member_name (const char *name)
{
  while (name[0] == '.' && name[1] == '/')
    for (name += 2; *name == '/';)
      name++;
  if (*name == '/')
    return NULL;
  for (const char *p = name; *p;)
    {
      const char *end = strchrnul (p, '/');
      if (end - p == 2 && p[0] == '.' && p[1] == '.')
        return NULL;
      p = *end ? end + 1 : end;
    }
  return name;
}

static int
read_member (struct archive *a, struct source *src, const char *name, char **out, size_t *len, struct oci_error *err)
{
  const char *file = src->t->path;
  cleanup_free char *buf = NULL;
  size_t n = 0, cap = 0;

  for (;;)
    {
      if (cap - n < 4096)
        {
          if (cap >= OCI_JSON_FILE_MAX)
            return oci_error_set (err, 0, "%s: %s: larger than %u bytes", file, name, OCI_JSON_FILE_MAX);
          cap = cap ? cap * 2 : 8192;
          char *nb = realloc (buf, cap + 1);
          if (nb == NULL)
            return oci_error_set (err, ENOMEM, "out of memory");
          buf = nb;
        }
      la_ssize_t r = archive_read_data (a, buf + n, cap - n);
      if (r < 0)
        return oci_error_set (err, archive_errno (a), "%s: read %s: %s", file, name, archive_error_string (a));
      if (r == 0)
        break;
      n += (size_t) r;
      if (source_expand (a, src, name, (uint64_t) r, n, err) < 0)
        return -1;
    }
  if (buf == NULL && (buf = malloc (1)) == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  buf[n] = '\0';
  *out = steal_pointer (&buf);
  *len = n;
  return 0;
}

/* blobs/ALG/ENCODED into the store, checked against its name. */
static int
read_blob_member (struct archive *a, struct bld_store *s, struct source *src, const char *name, struct oci_error *err)
{
  const char *file = src->t->path;
  cleanup_free char *digest = NULL;
  cleanup_digest struct oci_digest d = { 0 };
  cleanup_blob_writer struct bld_blob_writer *w = NULL;
  cleanup_free char *buf = malloc (COPY_CHUNK);
  int64_t size;
  uint64_t written = 0;
  const char *alg = name + 6, *slash = strchr (alg, '/');

  if (buf == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (slash == NULL || asprintf (&digest, "%.*s:%s", (int) (slash - alg), alg, slash + 1) < 0)
    {
      digest = NULL;
      return oci_error_set (err, 0, "%s: %s: not blobs/ALGORITHM/ENCODED", file, name);
    }
  if (oci_digest_parse (digest, &d, err) < 0)
    return oci_error_prefix (err, "%s: %s", file, name);
  if (d.alg != OCI_DIGEST_SHA256)
    return oci_error_set (err, 0, "%s: %s: unsupported digest algorithm %s", file, name, d.algorithm);
  if (bld_blob_writer_new (s, &w, err) < 0)
    return -1;
  for (;;)
    {
      la_ssize_t r = archive_read_data (a, buf, COPY_CHUNK);
      if (r < 0)
        return oci_error_set (err, archive_errno (a), "%s: read %s: %s", file, name, archive_error_string (a));
      if (r == 0)
        break;
      written += (uint64_t) r;
      if (source_expand (a, src, name, (uint64_t) r, written, err) < 0
          || bld_blob_writer_write (w, buf, (size_t) r, err) < 0)
        return -1;
    }
  if (bld_blob_writer_commit (w, digest, NULL, &size, err) < 0)
    return oci_error_prefix (err, "%s: %s", file, name);

  struct seen_blob *nb = realloc (src->blobs, (src->n_blobs + 1) * sizeof *nb);
  if (nb == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  src->blobs = nb;
  nb[src->n_blobs].digest = steal_pointer (&digest);
  nb[src->n_blobs].size = size;
  src->n_blobs++;
  return 0;
}

static int
check_layout_text (const char *what, const char *text, size_t len, struct oci_error *err)
{
  cleanup_image_layout struct oci_image_layout *layout = NULL;
  if (oci_image_layout_parse_text (what, text, len, &layout, err) < 0)
    return -1;
  if (strncmp (layout->image_layout_version, "1.", 2) != 0)
    return oci_error_set (err, 0, "%s: unsupported imageLayoutVersion %s", what, layout->image_layout_version);
  return 0;
}

static int
source_read_archive (struct bld_store *s, struct source *src, struct oci_error *err)
{
  const char *file = src->t->path;
  cleanup_archive_read struct archive *a = archive_read_new ();
  cleanup_free char *index = NULL;
  cleanup_free char *layout = NULL;
  size_t index_len = 0, layout_len = 0;
  struct archive_entry *e;

  struct stat st;

  if (a == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (bld_size_limits_from_env (&src->lim, err) < 0)
    return -1;
  if (stat (file, &st) == 0 && st.st_size > 0)
    src->archive_size = (uint64_t) st.st_size;
  archive_read_support_format_tar (a);
  archive_read_support_filter_gzip (a);
  archive_read_support_filter_zstd (a);
  if (archive_read_open_filename (a, file, COPY_CHUNK) != ARCHIVE_OK)
    return oci_error_set (err, archive_errno (a) > 0 ? archive_errno (a) : 0, "open %s: %s", file,
                          archive_error_string (a));
  for (;;)
    {
      int r = archive_read_next_header (a, &e);
      if (r == ARCHIVE_EOF)
        break;
      if (r < ARCHIVE_WARN)
        return oci_error_set (err, 0, "%s: not a readable tar: %s", file, archive_error_string (a));
      const char *raw = archive_entry_pathname (e);
      const char *name = raw ? member_name (raw) : NULL;
      if (name == NULL)
        return oci_error_set (err, 0, "%s: entry \"%s\": path escapes the archive", file, raw ? raw : "");
      if (archive_entry_filetype (e) == AE_IFDIR)
        continue;
      bool is_blob = strncmp (name, "blobs/", 6) == 0 && name[6] && name[strlen (name) - 1] != '/';
      bool ours = is_blob || strcmp (name, "index.json") == 0 || strcmp (name, "oci-layout") == 0;
      /* Anything else (Docker's manifest.json, a docker-archive's layer
       * links) is not read; ours must be plain files. */
      if (!ours)
        continue;
      if (archive_entry_hardlink (e) || archive_entry_symlink (e) || archive_entry_filetype (e) != AE_IFREG)
        return oci_error_set (err, 0, "%s: entry \"%s\": not a regular file", file, raw);
      /* Twice is ambiguous (another reader may take the first): refused. */
      if ((strcmp (name, "index.json") == 0 && index) || (strcmp (name, "oci-layout") == 0 && layout))
        return oci_error_set (err, 0, "%s: entry \"%s\": %s appears twice in the archive", file, raw, name);
      if (strcmp (name, "index.json") == 0)
        {
          if (read_member (a, src, name, &index, &index_len, err) < 0)
            return -1;
        }
      else if (strcmp (name, "oci-layout") == 0)
        {
          if (read_member (a, src, name, &layout, &layout_len, err) < 0)
            return -1;
        }
      else if (read_blob_member (a, s, src, name, err) < 0)
        return -1;
    }
  if (layout == NULL)
    return oci_error_set (err, 0, "%s: no oci-layout: not an OCI archive", file);
  if (index == NULL)
    return oci_error_set (err, 0, "%s: no index.json: not an OCI archive", file);
  cleanup_free char *what_layout = NULL;
  cleanup_free char *what_index = NULL;
  if (asprintf (&what_layout, "%s: oci-layout", file) < 0 || asprintf (&what_index, "%s: index.json", file) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (check_layout_text (what_layout, layout, layout_len, err) < 0)
    return -1;
  return oci_image_index_parse_text (what_index, index, index_len, &src->index, err);
}

static int
source_read_dir (struct source *src, struct oci_error *err)
{
  cleanup_free char *layout = NULL;
  cleanup_free char *index = NULL;
  cleanup_free char *text = NULL;
  size_t len;

  if (asprintf (&layout, "%s/oci-layout", src->t->path) < 0 || asprintf (&index, "%s/index.json", src->t->path) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (oci_read_regular_file (layout, OCI_JSON_FILE_MAX, &text, &len, err) < 0)
    return oci_error_prefix (err, "%s: not an OCI image layout", src->t->path);
  if (check_layout_text (layout, text, len, err) < 0)
    return -1;
  free (steal_pointer (&text));
  if (oci_read_regular_file (index, OCI_JSON_FILE_MAX, &text, &len, err) < 0)
    return -1;
  return oci_image_index_parse_text (index, text, len, &src->index, err);
}

/* Makes sure the blob is in the store with the size its descriptor says:
 * an archive's was put there as it was read; a layout's is copied now
 * (and checked on the way). */
static int
source_fetch (struct bld_store *s, struct source *src, const struct oci_image_descriptor *d, const char *what,
              struct oci_error *err)
{
  int64_t size = -1;

  if (d->digest == NULL)
    return oci_error_set (err, 0, "%s: %s without a digest", src->t->path, what);
  if (src->t->kind == BLD_TRANSPORT_OCI_ARCHIVE)
    {
      for (size_t i = 0; i < src->n_blobs; i++)
        if (strcmp (src->blobs[i].digest, d->digest) == 0)
          size = src->blobs[i].size;
      if (size < 0)
        return oci_error_set (err, 0, "%s: blob %s (%s) is missing from the archive", src->t->path, d->digest, what);
      if (!bld_store_has_blob (s, d->digest))
        return oci_error_set (err, 0, "%s: blob %s (%s) was removed from the store during the load (a prune?)",
                              src->t->path, d->digest, what);
    }
  else
    {
      cleanup_free char *path = NULL;
      cleanup_close int fd = -1;
      struct stat st;
      if (oci_layout_blob_path (src->t->path, d->digest, &path, err) < 0)
        return oci_error_prefix (err, "%s: %s", src->t->path, what);
      if (!path_exists (path))
        return oci_error_set (err, 0, "%s: blob %s (%s) is missing from the layout", src->t->path, d->digest, what);
      /* Non-blocking: a FIFO there must not hang the load.  Only a regular
       * file of the descriptor's size is copied, so a device (/dev/zero)
       * or a huge file cannot fill the store first. */
      fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
      if (fd < 0 || fstat (fd, &st) < 0)
        return oci_error_set (err, errno, "%s: open %s (%s)", src->t->path, path, what);
      if (!S_ISREG (st.st_mode))
        return oci_error_set (err, 0, "%s: blob %s (%s): not a regular file", src->t->path, d->digest, what);
      if (d->has_size && st.st_size != d->size)
        return oci_error_set (err, 0, "%s: blob %s (%s): size %lld, descriptor says %lld", src->t->path, d->digest,
                              what, (long long) st.st_size, (long long) d->size);
      if (bld_store_put_fd (s, fd, d->digest, NULL, &size, err) < 0)
        return oci_error_prefix (err, "%s: %s: put %s", src->t->path, what, path);
    }
  if (d->has_size && d->size != size)
    return oci_error_set (err, 0, "%s: blob %s (%s): size %lld, descriptor says %lld", src->t->path, d->digest, what,
                          (long long) size, (long long) d->size);
  return 0;
}

static int
source_fetch_image (struct bld_store *s, struct source *src, const struct oci_image_descriptor *d,
                    struct oci_error *err)
{
  cleanup_image_manifest struct oci_image_manifest *m = NULL;

  if (d->media_type && strcmp (d->media_type, OCI_MEDIA_TYPE_IMAGE_MANIFEST) != 0
      && strcmp (d->media_type, DOCKER_MEDIA_TYPE_MANIFEST) != 0)
    return oci_error_set (err, 0, "%s: %s is a %s: only image manifests are loaded", src->t->path, d->digest,
                          d->media_type);
  if (source_fetch (s, src, d, "manifest", err) < 0)
    return -1;
  if (bld_store_read_manifest (s, d, &m, err) < 0)
    return oci_error_prefix (err, "%s", src->t->path);
  if (m->config == NULL)
    return oci_error_set (err, 0, "%s: manifest %s has no config", src->t->path, d->digest);
  if (source_fetch (s, src, m->config, "config", err) < 0)
    return -1;
  for (size_t i = 0; i < m->layers_len; i++)
    if (source_fetch (s, src, &m->layers[i], "layer", err) < 0)
      return -1;
  return 0;
}

/* An entry that is itself an index (a multi-platform image) stands for
 * its manifest for this host, as with pull: *d is replaced by it.  The
 * index blob comes into the store too (unnamed). */
static int
source_resolve_index (struct bld_store *s, struct source *src, struct oci_image_descriptor **d, struct oci_error *err)
{
  for (int depth = 0; bld_is_index_media_type ((*d)->media_type); depth++)
    {
      cleanup_free char *text = NULL;
      cleanup_image_index struct oci_image_index *idx = NULL;
      struct oci_image_descriptor *child = NULL;
      size_t len, i;

      if (depth == 8)
        return oci_error_set (err, 0, "%s: %s: indexes nested too deep", src->t->path, (*d)->digest);
      if (source_fetch (s, src, *d, "index", err) < 0
          || bld_store_read_blob (s, (*d)->digest, OCI_JSON_FILE_MAX, &text, &len, err) < 0
          || oci_image_index_parse_text ((*d)->digest, text, len, &idx, err) < 0
          || bld_platform_pick (idx, (*d)->digest, &i, err) < 0)
        return oci_error_prefix (err, "%s", src->t->path);
      if (entry_descriptor (&idx->manifests[i], NULL, NULL, &child, err) < 0)
        return -1;
      oci_image_descriptor_free (*d);
      *d = child;
    }
  return 0;
}

/* The store name of an index entry: io.containerd.image.name, else the
 * ref.name; NULL (and 0) when it has neither. */
static int
entry_name (const struct source *src, const struct oci_image_descriptor *d, char **out, struct oci_error *err)
{
  const char *n = oci_string_map_get (&d->annotations, ANNOTATION_CONTAINERD_NAME);
  *out = NULL;
  if (n == NULL)
    n = oci_string_map_get (&d->annotations, OCI_ANNOTATION_REF_NAME);
  if (n == NULL)
    return 0;
  if (bld_ref_normalize (n, out, err) < 0)
    return oci_error_prefix (err, "%s: the name of %s", src->t->path, d->digest);
  return 0;
}

static bool
entry_matches (const struct oci_image_descriptor *d, const char *tag)
{
  const char *rn = oci_string_map_get (&d->annotations, OCI_ANNOTATION_REF_NAME);
  const char *cn = oci_string_map_get (&d->annotations, ANNOTATION_CONTAINERD_NAME);
  cleanup_error struct oci_error e = OCI_ERROR_INIT;
  cleanup_free char *want = NULL;
  cleanup_free char *have = NULL;

  if (rn && strcmp (rn, tag) == 0)
    return true;
  return cn && bld_ref_normalize (tag, &want, &e) == 0 && bld_ref_normalize (cn, &have, &e) == 0
         && strcmp (want, have) == 0;
}

void
bld_loaded_free (struct bld_loaded *l, size_t n)
{
  for (size_t i = 0; l && i < n; i++)
    {
      free (l[i].name);
      oci_image_descriptor_free (l[i].desc);
    }
  free (l);
}

int
bld_load (struct bld_store *s, const struct bld_transport *t, const struct bld_load_options *o,
          struct bld_loaded **out, size_t *n_out, struct oci_error *err)
{
  cleanup_source struct source src = { .t = t };
  struct bld_loaded *loaded = NULL;
  size_t n = 0;
  int ret = -1;

  *out = NULL;
  *n_out = 0;
  if (t->kind == BLD_TRANSPORT_OCI_ARCHIVE ? source_read_archive (s, &src, err) : source_read_dir (&src, err))
    return -1;

  loaded = calloc (src.index->manifests_len + 1, sizeof *loaded);
  if (loaded == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < src.index->manifests_len; i++)
    {
      const struct oci_image_descriptor *d = &src.index->manifests[i];
      cleanup_free char *name = NULL;
      if (t->tag && !entry_matches (d, t->tag))
        continue;
      if (o->tag && o->name == NULL)
        {
          if (entry_name (&src, d, &name, err) < 0)
            goto out;
          if (name == NULL && t->tag == NULL)
            continue; /* unnamed: reachable only through a NAME */
        }
      if (entry_descriptor (d, NULL, NULL, &loaded[n].desc, err) < 0)
        goto out;
      loaded[n++].name = steal_pointer (&name);
    }
  if (n == 0)
    {
      if (t->tag)
        oci_error_set (err, 0, "%s: no image named %s in index.json", t->path, t->tag);
      else if (src.index->manifests_len == 0)
        oci_error_set (err, 0, "%s: index.json lists no image", t->path);
      else
        oci_error_set (err, 0, "%s: no image has a name: give one (builder load SOURCE NAME)", t->path);
      goto out;
    }
  if ((o->name || !o->tag) && n > 1)
    {
      oci_error_set (err, 0, "%s: %zu images: choose one with %s:%s:TAG", t->path, n,
                     t->kind == BLD_TRANSPORT_OCI_ARCHIVE ? "oci-archive" : "oci", t->path);
      goto out;
    }
  if (o->name)
    {
      free (loaded[0].name);
      if (bld_ref_normalize (o->name, &loaded[0].name, err) < 0)
        goto out;
    }
  if (o->tag && loaded[0].name == NULL)
    {
      oci_error_set (err, 0, "%s: the image has no name: give one (builder load SOURCE NAME)", t->path);
      goto out;
    }

  /* Every blob there and checked before any name changes, under the
   * writers' lock: a prune cannot take an unnamed blob away meanwhile. */
  if (bld_store_lock (s, err) < 0)
    goto out;
  for (size_t i = 0; i < n; i++)
    if (source_resolve_index (s, &src, &loaded[i].desc, err) < 0
        || source_fetch_image (s, &src, loaded[i].desc, err) < 0)
      goto out_unlock;
  for (size_t i = 0; o->tag && i < n; i++)
    if (bld_store_tag (s, loaded[i].name, loaded[i].desc, err) < 0)
      goto out_unlock;
  *out = steal_pointer (&loaded);
  *n_out = n;
  ret = 0;
out_unlock:
  bld_store_unlock (s);
out:
  bld_loaded_free (loaded, n);
  return ret;
}
