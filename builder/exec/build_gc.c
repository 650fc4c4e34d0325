/* Garbage collection of the build caches, for `prune`: the extracted
 * layers (.store/layers/<diff_id hex>) and the step cache
 * (.store/cache/<key>) that no named image reaches.  Running builds use
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
#include <unistd.h>

#include "exec/build.h"
#include "exec/build_fs.h"
#include "exec/step_cache.h"
#include "cleanup.h"
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

int
bld_build_cache_gc (const char *store_dir, bool all, const struct bld_gc_keep *keep, struct bld_gc_result *res,
                    struct oci_error *err)
{
  cleanup_free char *cache = NULL, *layers = NULL;
  cleanup_closedir DIR *cd = NULL, *ld = NULL;
  struct dirent *de;

  memset (res, 0, sizeof *res);
  if (bld_store_area_path (store_dir, BLD_STORE_CACHE, &cache, err) < 0
      || bld_store_area_path (store_dir, BLD_STORE_LAYERS, &layers, err) < 0)
    return -1;

  /* A step cache entry (step_cache.h), kept while its layer blob is
   * reached. */
  cd = opendir (cache);
  while (cd && (de = readdir (cd)) != NULL)
    {
      cleanup_free char *path = NULL;
      char digest[OCI_DIGEST_STRING_MAX];
      if (de->d_name[0] == '.')
        continue;
      if (asprintf (&path, "%s/%s", cache, de->d_name) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      if (!all && step_cache_record_blob (path, digest) && keep->blob (digest, keep->data))
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
      if (!all && keep->diff_id (diff_id, keep->data))
        continue;
      if (bld_remove_tree (path, err) < 0)
        return -1;
      res->layers_removed++;
    }
  return 0;
}
