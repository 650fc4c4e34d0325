/* Garbage collection of the build caches, for `prune`: the extracted
 * layers (.store/layers/<diff_id hex>) no image and no step cache record
 * reaches, the step cache's records of blobs gone, and with --build-cache
 * the step cache (.store/cache/<key>) itself, whole or trimmed.  Running builds use
 * them, and blobs, without naming anything yet, so each build holds a
 * shared flock on .store/builds.lock and prune collects only under an
 * exclusive one taken without waiting. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exec/build.h"
#include "exec/build_fs.h"
#include "exec/step_cache.h"
#include "cleanup.h"
#include "common/array.h"
#include "fileutil.h"
#include "image/store.h"

static int
builds_lock_open (const char *store_dir, int *out, struct oci_error *err)
{
  cleanup_free char *path = NULL;
  if (bld_store_area_path (store_dir, BLD_STORE_BUILDS_LOCK, &path, err) < 0)
    return -1;
  *out = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (*out < 0)
    return oci_error_set (err, errno, "open %s", path);
  return 0;
}

int
bld_builds_lock_shared (const char *store_dir, int *out, struct oci_error *err)
{
  cleanup_close int fd = -1;
  if (builds_lock_open (store_dir, &fd, err) < 0)
    return -1;
  while (flock (fd, LOCK_SH) < 0)
    {
      if (errno != EINTR)
        return oci_error_set (err, errno, "lock %s/%s", store_dir, bld_store_area_name (BLD_STORE_BUILDS_LOCK));
      if (bld_check_interrupted (err) < 0)
        return -1;
    }
  *out = steal_fd (&fd);
  return 0;
}

int
bld_builds_lock_try_exclusive (const char *store_dir, int *out, bool *busy, struct oci_error *err)
{
  cleanup_close int fd = -1;
  *busy = false;
  *out = -1;
  if (builds_lock_open (store_dir, &fd, err) < 0)
    return -1;
  if (flock (fd, LOCK_EX | LOCK_NB) < 0)
    {
      if (errno != EWOULDBLOCK)
        return oci_error_set (err, errno, "lock %s/%s", store_dir, bld_store_area_name (BLD_STORE_BUILDS_LOCK));
      *busy = true;
      return 0;
    }
  *out = steal_fd (&fd);
  return 0;
}

/* Opens the step cache's directory; *out NULL when there is none. */
static int
cache_open (const char *store_dir, char **path, DIR **out, struct oci_error *err)
{
  *out = NULL;
  if (bld_store_area_path (store_dir, BLD_STORE_CACHE, path, err) < 0)
    return -1;
  *out = opendir (*path);
  if (*out == NULL && errno != ENOENT)
    return oci_error_set (err, errno, "open %s", *path);
  return 0;
}

int
bld_step_cache_each_layer (const char *store_dir, int (*fn) (const char *digest, const char *diff_id, void *data),
                           void *data, struct oci_error *err)
{
  cleanup_free char *cache = NULL;
  cleanup_closedir DIR *cd = NULL;
  struct dirent *de;

  if (cache_open (store_dir, &cache, &cd, err) < 0)
    return -1;
  while (cd && (de = readdir (cd)) != NULL)
    {
      cleanup_free char *path = NULL;
      struct step_cache_layer l;
      int ret;
      if (de->d_name[0] == '.')
        continue;
      if (asprintf (&path, "%s/%s", cache, de->d_name) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      if (!step_cache_read_layer (path, &l))
        continue;
      ret = fn (l.digest, l.diff_id, data);
      step_cache_layer_clear (&l);
      if (ret < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

struct trim_entry
{
  char *name;
  struct timespec used;
  int64_t size;
};

static int
trim_entry_cmp (const void *pa, const void *pb)
{
  const struct trim_entry *a = pa, *b = pb;
  if (a->used.tv_sec != b->used.tv_sec)
    return a->used.tv_sec < b->used.tv_sec ? -1 : 1;
  if (a->used.tv_nsec != b->used.tv_nsec)
    return a->used.tv_nsec < b->used.tv_nsec ? -1 : 1;
  return strcmp (a->name, b->name);
}

static void
trim_entries_free (struct trim_entry **v, size_t n)
{
  for (size_t i = 0; *v && i < n; i++)
    free ((*v)[i].name);
  free (*v);
}

/* The cache's entries with their last use and size, oldest first. */
static int
trim_list (const char *cache, DIR *cd, struct trim_entry **out, size_t *n, int64_t *total, struct oci_error *err)
{
  struct dirent *de;
  while (cd && (de = readdir (cd)) != NULL)
    {
      cleanup_free char *path = NULL;
      struct step_cache_layer l;
      struct stat st;
      if (de->d_name[0] == '.')
        continue;
      if (fstatat (dirfd (cd), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          if (errno == ENOENT)
            continue;
          return oci_error_set (err, errno, "stat %s/%s", cache, de->d_name);
        }
      if (asprintf (&path, "%s/%s", cache, de->d_name) < 0
          || array_reserve (out, *n + 1, sizeof **out) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      struct trim_entry *e = &(*out)[*n];
      e->size = st.st_size;
      if (step_cache_read_layer (path, &l))
        {
          e->size += l.size;
          step_cache_layer_clear (&l);
        }
      e->used = st.st_mtim;
      if ((e->name = strdup (de->d_name)) == NULL)
        return oci_error_set (err, ENOMEM, "out of memory");
      (*n)++;
      *total += e->size;
    }
  if (*n)
    qsort (*out, *n, sizeof **out, trim_entry_cmp);
  return 0;
}

int
bld_step_cache_trim (const char *store_dir, const struct bld_cache_trim *t, size_t *removed, struct oci_error *err)
{
  cleanup_free char *cache = NULL;
  cleanup_closedir DIR *cd = NULL;
  struct trim_entry *v = NULL;
  size_t n = 0;
  int64_t total = 0;
  struct timespec now;
  int ret = -1;

  *removed = 0;
  clock_gettime (CLOCK_REALTIME, &now);
  if (cache_open (store_dir, &cache, &cd, err) < 0 || trim_list (cache, cd, &v, &n, &total, err) < 0)
    goto out;
  for (size_t i = 0; i < n; i++)
    {
      if (t->has_until)
        {
          int64_t idle = ((int64_t) now.tv_sec - v[i].used.tv_sec) * 1000000000 + (now.tv_nsec - v[i].used.tv_nsec);
          if (idle < t->until_ns)
            break; /* the rest were used later still */
        }
      if (t->has_keep_storage && total <= t->keep_storage)
        break;
      if (unlinkat (dirfd (cd), v[i].name, 0) < 0 && errno != ENOENT)
        {
          oci_error_set (err, errno, "remove %s/%s", cache, v[i].name);
          goto out;
        }
      total -= v[i].size;
      (*removed)++;
    }
  ret = 0;
out:
  trim_entries_free (&v, n);
  return ret;
}

int
bld_build_cache_gc (const char *store_dir, const struct bld_gc_keep *keep, struct bld_gc_result *res,
                    struct oci_error *err)
{
  cleanup_free char *cache = NULL, *layers = NULL;
  cleanup_closedir DIR *cd = NULL, *ld = NULL;
  struct dirent *de;

  memset (res, 0, sizeof *res);
  if (cache_open (store_dir, &cache, &cd, err) < 0
      || bld_store_area_path (store_dir, BLD_STORE_LAYERS, &layers, err) < 0)
    return -1;

  /* A layer record (step_cache.h) whose blob is gone is a miss anyway;
   * metadata runs are kept. */
  while (cd && (de = readdir (cd)) != NULL)
    {
      cleanup_free char *path = NULL;
      char digest[OCI_DIGEST_STRING_MAX];
      if (de->d_name[0] == '.')
        continue;
      if (asprintf (&path, "%s/%s", cache, de->d_name) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      if (!step_cache_record_blob (path, digest) || keep->blob (digest, keep->data))
        continue;
      if (unlink (path) < 0 && errno != ENOENT)
        return oci_error_set (err, errno, "remove %s", path);
      res->cache_removed++;
    }
  ld = opendir (layers);
  while (ld && (de = readdir (ld)) != NULL)
    {
      cleanup_free char *path = NULL, *diff_id = NULL;
      /* tmp-*: extractions in progress, or a dead build's (reaped). */
      if (de->d_name[0] == '.' || strncmp (de->d_name, "tmp-", 4) == 0)
        continue;
      if (asprintf (&path, "%s/%s", layers, de->d_name) < 0 || asprintf (&diff_id, "sha256:%s", de->d_name) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      if (keep->diff_id (diff_id, keep->data))
        continue;
      if (bld_remove_tree (path, err) < 0)
        return -1;
      res->layers_removed++;
    }
  return 0;
}
