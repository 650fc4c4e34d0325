/* Layers compressed where an image leaves the machine (layer_compress.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"
#include "distribution/platform.h"
#include "image/layer_compress.h"
#include "image/store.h"

#define READ_CHUNK (1024 * 1024)

bool
bld_layer_is_uncompressed (const char *media_type)
{
  return media_type
         && (strcmp (media_type, OCI_MEDIA_TYPE_IMAGE_LAYER) == 0
             || strcmp (media_type, DOCKER_MEDIA_TYPE_LAYER) == 0);
}

/* The compressed media type for an uncompressed layer's; NULL when there
 * is none (Docker's schema 2 has no zstd). */
static const char *
compressed_media_type (const char *media_type, enum bld_compression c)
{
  if (strcmp (media_type, DOCKER_MEDIA_TYPE_LAYER) == 0)
    return c == BLD_COMPRESSION_GZIP ? DOCKER_MEDIA_TYPE_LAYER_GZIP : NULL;
  return bld_compression_media_type (c);
}

/* STORE/.store/compressed/<hex>.<gzip|zstd>, and the directory. */
static int
memo_path (struct bld_store *s, const char *diff_id, enum bld_compression c, char **dir, char **out,
           struct oci_error *err)
{
  const char *hex = strchr (diff_id, ':');
  if (bld_store_area_path (bld_store_dir (s), BLD_STORE_COMPRESSED, dir, err) < 0)
    return -1;
  if (asprintf (out, "%s/%s.%s", *dir, hex ? hex + 1 : diff_id, c == BLD_COMPRESSION_GZIP ? "gzip" : "zstd") < 0)
    {
      *out = NULL;
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

/* The remembered copy, when its blob is still there with that size. */
static bool
memo_read (struct bld_store *s, const char *path, char digest[OCI_DIGEST_STRING_MAX], int64_t *size)
{
  cleanup_free char *text = NULL, *blob = NULL;
  struct oci_error e = OCI_ERROR_INIT;
  struct stat st;
  size_t len;
  char *sp, *end;
  long long n;
  bool ok = false;

  if (oci_read_file (path, 4096, &text, &len, &e) == 0 && (sp = strchr (text, ' ')) != NULL
      && (size_t) (sp - text) < OCI_DIGEST_STRING_MAX)
    {
      *sp = '\0';
      errno = 0;
      n = strtoll (sp + 1, &end, 10);
      if (errno == 0 && n >= 0 && (*end == '\n' || *end == '\0')
          && bld_store_blob_path (s, text, -1, false, &blob, &e) == 0 && stat (blob, &st) == 0 && st.st_size == n)
        {
          snprintf (digest, OCI_DIGEST_STRING_MAX, "%s", text);
          *size = n;
          ok = true;
        }
    }
  oci_error_clear (&e);
  return ok;
}

static int
blob_sink (void *ctx, const void *buf, size_t len, struct oci_error *err)
{
  return bld_blob_writer_write (ctx, buf, len, err);
}

/* Compresses the blob of the store into a new blob. */
static int
compress_blob (struct bld_store *s, const char *digest, enum bld_compression c, char out[OCI_DIGEST_STRING_MAX],
               int64_t *size, struct oci_error *err)
{
  cleanup_free char *path = NULL, *buf = NULL;
  cleanup_close int fd = -1;
  cleanup_blob_writer struct bld_blob_writer *w = NULL;
  struct bld_compressor *z = NULL;
  int ret = -1;

  if (bld_store_blob_path (s, digest, -1, false, &path, err) < 0)
    return -1;
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return oci_error_set (err, errno, "open %s", path);
  if ((buf = malloc (READ_CHUNK)) == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (bld_blob_writer_new (s, &w, err) < 0 || bld_compressor_new (c, 0, 0, blob_sink, w, &z, err) < 0)
    return -1;
  for (;;)
    {
      ssize_t n = read (fd, buf, READ_CHUNK);
      if (n < 0 && errno == EINTR)
        continue; /* the compressor's check reports a signal */
      if (n < 0)
        {
          oci_error_set (err, errno, "read %s", path);
          goto out;
        }
      if (n == 0)
        break;
      if (bld_compressor_write (z, buf, (size_t) n, err) < 0)
        goto out;
    }
  if (bld_compressor_finish (z, err) < 0 || bld_blob_writer_commit (w, NULL, out, size, err) < 0)
    goto out;
  ret = 0;
out:
  bld_compressor_free (z);
  return ret;
}

int
bld_layer_compress (struct bld_store *s, struct oci_image_descriptor *layer, const struct bld_compress_options *o,
                    struct oci_error *err)
{
  cleanup_free char *dir = NULL, *memo = NULL, *line = NULL;
  char digest[OCI_DIGEST_STRING_MAX];
  int64_t size;
  const char *mt;
  bool reused;

  if (o->compression == BLD_COMPRESSION_NONE || !bld_layer_is_uncompressed (layer->media_type)
      || (mt = compressed_media_type (layer->media_type, o->compression)) == NULL)
    return 0;
  if (memo_path (s, layer->digest, o->compression, &dir, &memo, err) < 0)
    return -1;
  reused = memo_read (s, memo, digest, &size);
  if (!reused)
    {
      if (compress_blob (s, layer->digest, o->compression, digest, &size, err) < 0)
        return oci_error_prefix (err, "compress layer %s", layer->digest);
      if (asprintf (&line, "%s %" PRId64 "\n", digest, size) < 0)
        {
          line = NULL;
          return oci_error_set (err, ENOMEM, "out of memory");
        }
      if (mkdir (dir, 0700) < 0 && errno != EEXIST)
        return oci_error_set (err, errno, "mkdir %s", dir);
      if (oci_write_file_atomic (memo, line, strlen (line), 0600, err) < 0)
        return oci_error_prefix (err, "remember the compressed copy of %s", layer->digest);
    }
  if (o->note)
    o->note (o->note_ctx, layer->digest, digest, reused);
  char *m2 = strdup (mt), *d2 = strdup (digest);
  if (m2 == NULL || d2 == NULL)
    {
      free (m2);
      free (d2);
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  free (layer->media_type);
  free (layer->digest);
  layer->media_type = m2;
  layer->digest = d2;
  layer->size = size;
  layer->has_size = true;
  return 0;
}

/* A deep copy of desc whose digest and size become digest's, len's. */
static int
descriptor_renamed (const struct oci_image_descriptor *desc, const char *digest, size_t len,
                    struct oci_image_descriptor **out, struct oci_error *err)
{
  cleanup_free char *text = NULL;
  size_t n;
  char *d2;

  if (oci_image_descriptor_emit (desc, false, &text, &n, err) < 0
      || oci_image_descriptor_parse_text ("descriptor", text, n, out, err) < 0)
    return -1;
  if (digest == NULL)
    return 0;
  if ((d2 = strdup (digest)) == NULL)
    {
      oci_image_descriptor_free (*out);
      *out = NULL;
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  free ((*out)->digest);
  (*out)->digest = d2;
  (*out)->size = (int64_t) len;
  (*out)->has_size = true;
  return 0;
}

static int
manifest_compress (struct bld_store *s, const struct oci_image_descriptor *desc, const struct bld_compress_options *o,
                   struct oci_image_descriptor **out, struct oci_error *err)
{
  cleanup_image_manifest struct oci_image_manifest *m = NULL;
  cleanup_free char *text = NULL;
  char digest[OCI_DIGEST_STRING_MAX];
  bool changed = false;
  size_t len;

  if (bld_store_read_manifest (s, desc, &m, err) < 0)
    return -1;
  for (size_t i = 0; i < m->layers_len; i++)
    if (bld_layer_is_uncompressed (m->layers[i].media_type))
      {
        if (bld_layer_compress (s, &m->layers[i], o, err) < 0)
          return -1;
        changed |= !bld_layer_is_uncompressed (m->layers[i].media_type);
      }
  if (!changed)
    return descriptor_renamed (desc, NULL, 0, out, err);
  if (oci_image_manifest_emit (m, false, &text, &len, err) < 0
      || bld_store_put_buffer (s, text, len, digest, NULL, err) < 0)
    return oci_error_prefix (err, "manifest %s with compressed layers", desc->digest);
  return descriptor_renamed (desc, digest, len, out, err);
}

int
bld_image_compress (struct bld_store *s, const struct oci_image_descriptor *desc,
                    const struct bld_compress_options *o, struct oci_image_descriptor **out, struct oci_error *err)
{
  cleanup_image_index struct oci_image_index *idx = NULL;
  cleanup_free char *text = NULL;
  char digest[OCI_DIGEST_STRING_MAX];
  bool changed = false;
  size_t len;

  *out = NULL;
  if (o->compression == BLD_COMPRESSION_NONE)
    return descriptor_renamed (desc, NULL, 0, out, err);
  if (!bld_is_index_media_type (desc->media_type))
    return manifest_compress (s, desc, o, out, err);
  if (bld_store_read_blob (s, desc->digest, OCI_JSON_FILE_MAX, &text, &len, err) < 0
      || oci_image_index_parse_text (desc->digest, text, len, &idx, err) < 0)
    return -1;
  for (size_t i = 0; i < idx->manifests_len; i++)
    {
      struct oci_image_descriptor *child = &idx->manifests[i], *c2 = NULL;
      /* Nested indexes and manifests of other platforms not pulled stay. */
      if (bld_is_index_media_type (child->media_type) || !bld_store_has_blob (s, child->digest))
        continue;
      if (manifest_compress (s, child, o, &c2, err) < 0)
        return -1;
      if (strcmp (c2->digest, child->digest) != 0)
        {
          changed = true;
          free (child->digest);
          child->digest = steal_pointer (&c2->digest);
          child->size = c2->size;
        }
      oci_image_descriptor_free (c2);
    }
  if (!changed)
    return descriptor_renamed (desc, NULL, 0, out, err);
  free (text);
  text = NULL;
  if (oci_image_index_emit (idx, false, &text, &len, err) < 0
      || bld_store_put_buffer (s, text, len, digest, NULL, err) < 0)
    return oci_error_prefix (err, "index %s with compressed layers", desc->digest);
  return descriptor_renamed (desc, digest, len, out, err);
}
