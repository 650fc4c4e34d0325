/* A layer's unpacked size: see layer_size.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"
#include "image/layer_size.h"
#include "image/layer_source.h"
#include "image/store.h"

#define SIZE_RECORD_MAX 64

/* STORE/.store/layer-sizes/<hex of digest>, and the directory. */
static int
record_path (struct bld_store *s, const char *digest, char **dir, char **out, struct oci_error *err)
{
  const char *hex = strchr (digest, ':');
  if (hex == NULL || strchr (hex + 1, '/') != NULL || hex[1] == '\0')
    return oci_error_set (err, 0, "layer digest \"%s\"", digest);
  if (bld_store_area_path (bld_store_dir (s), BLD_STORE_LAYER_SIZES, dir, err) < 0)
    return -1;
  if (asprintf (out, "%s/%s", *dir, hex + 1) < 0)
    return oci_error_set (err, ENOMEM, "layer size");
  return 0;
}

static bool
read_record (const char *path, uint64_t *out)
{
  cleanup_free char *text = NULL;
  struct oci_error e = OCI_ERROR_INIT;
  size_t len;
  char *end;

  if (oci_read_file (path, SIZE_RECORD_MAX, &text, &len, &e) < 0)
    {
      oci_error_clear (&e);
      return false;
    }
  errno = 0;
  unsigned long long v = strtoull (text, &end, 10);
  if (errno || end == text || (*end != '\0' && *end != '\n'))
    return false;
  *out = v;
  return true;
}

/* The tar stream's size, reading it through (decompression by magic). */
static int
measure (const char *blob, uint64_t *out, struct oci_error *err)
{
  cleanup_close int fd = open (blob, O_RDONLY | O_CLOEXEC);
  struct bld_layer_source src = { 0 };
  struct stat st;
  ssize_t n;

  if (fd < 0 || fstat (fd, &st) < 0)
    return oci_error_set (err, errno, "open %s", blob);
  /* the expansion limits of extraction hold; headers are not our concern */
  src.max_pax = src.max_path = UINT64_MAX;
  if (bld_size_limits_from_env (&src.lim, err) < 0)
    return -1;
  if (bld_layer_source_init (&src, fd, err) < 0)
    {
      bld_layer_source_clear (&src);
      return -1;
    }
  if (src.c == BLD_COMPRESSION_NONE)
    {
      bld_layer_source_clear (&src);
      *out = (uint64_t) st.st_size;
      return 0;
    }
  while ((n = bld_layer_source_read (&src)) > 0)
    ;
  if (n < 0)
    {
      *err = src.err;
      memset (&src.err, 0, sizeof src.err);
      bld_layer_source_clear (&src);
      return oci_error_prefix (err, "layer %s", blob);
    }
  *out = src.out_size;
  bld_layer_source_clear (&src);
  return 0;
}

int
bld_layer_unpacked_size (struct bld_store *s, const struct oci_image_descriptor *layer, uint64_t *out,
                         struct oci_error *err)
{
  cleanup_free char *dir = NULL, *path = NULL, *blob = NULL;
  char text[32];
  struct oci_error ignored = OCI_ERROR_INIT;

  if (strstr (layer->media_type, "gzip") == NULL && strstr (layer->media_type, "zstd") == NULL)
    {
      *out = (uint64_t) layer->size;
      return 0;
    }
  if (record_path (s, layer->digest, &dir, &path, err) < 0)
    return -1;
  if (read_record (path, out))
    return 0;
  if (bld_store_blob_path (s, layer->digest, layer->size, false, &blob, err) < 0 || measure (blob, out, err) < 0)
    return -1;
  /* Kept when the store can be written; a read-only one measures again. */
  snprintf (text, sizeof text, "%llu\n", (unsigned long long) *out);
  if ((mkdir (dir, 0755) < 0 && errno != EEXIST)
      || oci_write_file_atomic (path, text, strlen (text), 0644, &ignored) < 0)
    oci_error_clear (&ignored);
  return 0;
}
