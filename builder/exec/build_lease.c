/* A build's lease on its work dir, and the reaping of dead builds' work.
 *
 * Each build works in STORE/.store/build-<pid> and holds an flock on the
 * file `lock` in it for as long as it runs.  A later build (or `prune`)
 * that can take that lock, and whose pid is gone, knows the build died
 * (kill -9, a crash): it deletes the dead build's RUN containers through
 * the runtime and the private --root they used, detaches the overlay
 * mounts left under the dir, and removes it.  A lock still held, or a
 * live pid, means hands off. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec/build_ops.h"
#include "cleanup.h"
#include "common/mountinfo.h"
#include "fileutil.h"
#include "image/store.h"
#include "exec/runtime_driver.h"

int
bld_unmount_under (const char *dir, struct oci_error *err)
{
  cleanup_free char *real = realpath (dir, NULL);
  struct cmn_mountinfo_list mi = { 0 };
  int ret = 0;

  if (real == NULL)
    return errno == ENOENT ? 0 : oci_error_set (err, errno, "realpath %s", dir);
  if (cmn_mountinfo_read ("/proc/self/mountinfo", &mi, err) < 0)
    return -1;
  size_t rl = strlen (real);
  /* Later mounts sit on top of earlier ones: undo them first. */
  for (size_t i = mi.len; i-- > 0;)
    {
      const char *mp = mi.v[i].mount_point;
      if (strncmp (mp, real, rl) != 0 || (mp[rl] != '/' && mp[rl] != '\0'))
        continue;
      if (umount2 (mp, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT && ret == 0)
        ret = oci_error_set (err, errno, "unmount %s", mp);
    }
  cmn_mountinfo_free (&mi);
  return ret;
}

/* Deletes the RUN containers of the work dir (stepN/run/state), then
 * detaches its mounts and removes it. */
static int
reap_work (const char *work, const char *fallback_runtime, struct oci_error *err)
{
  cleanup_closedir DIR *d = opendir (work);
  cleanup_free char *runtime_file = NULL, *runtime = NULL;
  struct dirent *de;
  size_t len;

  if (d == NULL)
    return errno == ENOENT ? 0 : oci_error_set (err, errno, "open %s", work);
  if (asprintf (&runtime_file, "%s/runtime", work) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  struct oci_error e2 = OCI_ERROR_INIT;
  if (oci_read_file (runtime_file, 4096, &runtime, &len, &e2) < 0)
    oci_error_clear (&e2);
  while ((de = readdir (d)) != NULL)
    {
      cleanup_free char *state = NULL;
      struct stat st;
      if (strncmp (de->d_name, "step", 4) != 0)
        continue;
      if (asprintf (&state, "%s/%s/run/state", work, de->d_name) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      if (stat (state, &st) == 0 && S_ISDIR (st.st_mode))
        bld_run_delete_all (runtime && *runtime ? runtime : fallback_runtime, state);
    }
  if (bld_unmount_under (work, err) < 0)
    return -1;
  return bld_remove_tree (work, err);
}

static bool
pid_dead (const char *digits)
{
  char *end;
  long pid = strtol (digits, &end, 10);
  if (*digits == '\0' || (*end != '\0' && *end != '.') || pid <= 0)
    return false;
  return kill ((pid_t) pid, 0) < 0 && errno == ESRCH;
}

int
bld_reap_dead_builds (const char *store_dir, const char *runtime, struct oci_error *err)
{
  cleanup_free char *dot = NULL, *layers = NULL;
  cleanup_closedir DIR *d = NULL;
  struct dirent *de;

  if (bld_store_area_path (store_dir, BLD_STORE_PRIVATE, &dot, err) < 0
      || bld_store_area_path (store_dir, BLD_STORE_LAYERS, &layers, err) < 0)
    return -1;
  d = opendir (dot);
  if (d == NULL)
    return errno == ENOENT ? 0 : oci_error_set (err, errno, "open %s", dot);
  while ((de = readdir (d)) != NULL)
    {
      cleanup_free char *work = NULL, *lock = NULL;
      cleanup_close int fd = -1;
      size_t cl = strlen (BLD_STORE_CONTEXT_PREFIX);
      if (strncmp (de->d_name, BLD_STORE_CONTEXT_PREFIX, cl) == 0 && pid_dead (de->d_name + cl))
        {
          /* a context a dead build extracted */
          if (asprintf (&work, "%s/%s", dot, de->d_name) < 0)
            return oci_error_set (err, ENOMEM, "out of memory");
          if (bld_remove_tree (work, err) < 0)
            return -1;
          continue;
        }
      if (strncmp (de->d_name, BLD_STORE_BUILD_PREFIX, strlen (BLD_STORE_BUILD_PREFIX)) != 0
          || !pid_dead (de->d_name + strlen (BLD_STORE_BUILD_PREFIX)))
        continue;
      if (asprintf (&work, "%s/%s", dot, de->d_name) < 0 || asprintf (&lock, "%s/lock", work) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      fd = open (lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      if (fd >= 0 && flock (fd, LOCK_EX | LOCK_NB) < 0)
        continue; /* held: alive after all (another pid namespace) */
      if (reap_work (work, runtime, err) < 0)
        return oci_error_prefix (err, "clean up the dead build %s", work);
    }
  /* Half-extracted layers: layers/tmp-HEX-PID. */
  cleanup_closedir DIR *ld = opendir (layers);
  while (ld && (de = readdir (ld)) != NULL)
    {
      const char *dash = strrchr (de->d_name, '-');
      cleanup_free char *p = NULL;
      if (strncmp (de->d_name, "tmp-", 4) != 0 || dash == NULL || !pid_dead (dash + 1))
        continue;
      if (asprintf (&p, "%s/%s", layers, de->d_name) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      if (bld_remove_tree (p, err) < 0)
        return -1;
    }
  return 0;
}

int
bld_lease_take (const char *work, const char *runtime, int *lockfd, struct oci_error *err)
{
  cleanup_free char *lock = NULL, *rt = NULL;
  cleanup_close int fd = -1;

  /* A dir of ours from an earlier process with our pid: reap it. */
  if (reap_work (work, runtime, err) < 0)
    return -1;
  if (mkdir (work, 0700) < 0)
    return oci_error_set (err, errno, "mkdir %s", work);
  if (asprintf (&lock, "%s/lock", work) < 0 || asprintf (&rt, "%s/runtime", work) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  fd = open (lock, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return oci_error_set (err, errno, "create %s", lock);
  if (flock (fd, LOCK_EX) < 0)
    return oci_error_set (err, errno, "lock %s", lock);
  if (oci_write_file_atomic (rt, runtime, strlen (runtime), 0600, err) < 0)
    return -1;
  *lockfd = steal_fd (&fd);
  return 0;
}

int
bld_lease_release (const char *work, int lockfd, const char *runtime, struct oci_error *err)
{
  int r = reap_work (work, runtime, err);
  if (lockfd >= 0)
    close (lockfd);
  return r;
}
