/* Filesystem helpers of `builder build`: the overlay, resolution inside a
 * rootfs, removal, users of the rootfs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/build_fs.h"
#include "cleanup.h"
#include "fileutil.h"
#include "image/layer_apply.h"
#include "common/fs.h"
#include "common/root_path.h"
#include "common/strbuf.h"
#include "common/strv.h"

int
bld_remove_tree (const char *path, struct oci_error *err)
{
  /* Not into another filesystem: a mount left below fails the removal. */
  if (cmn_remove_tree_at (AT_FDCWD, path, true) < 0)
    return oci_error_set (err, errno, "remove %s", path);
  return 0;
}

/* The new mount API with "lowerdir+" (Linux 6.8): one lowerdir per call,
 * so the number of layers is not bounded by the page-sized option string.
 * Returns 1 when the kernel lacks it (the caller falls back). */
/* Root of a user namespace other than the host's (a rootless build) may
 * not write trusted.* xattrs: overlayfs keeps its opaque markers and
 * whiteouts' xattrs as user.overlay.* ("userxattr"), and the layer
 * cache's lowerdirs are extracted with those. */
static bool
overlay_user_xattr (void)
{
  return geteuid () == 0 && !bld_devices_allowed ();
}

static int
overlay_mount_fsconfig (char **lowers, size_t n, const char *upper, const char *work, const char *merged,
                        struct oci_error *err)
{
  cleanup_close int fs = fsopen ("overlay", FSOPEN_CLOEXEC);
  cleanup_close int mnt = -1;
  bool user_xattr = overlay_user_xattr ();
  if (fs < 0)
    return 1;
  for (size_t i = 0; i < n; i++)
    if (fsconfig (fs, FSCONFIG_SET_STRING, "lowerdir+", lowers[i], 0) < 0)
      return 1;
  if (upper
      && (fsconfig (fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0
          || fsconfig (fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0))
    return 1;
  /* Renamed directories must be copied up whole: the upper dir becomes a
   * self-contained layer.  userxattr implies it (and refuses the option:
   * "off" is "follow" without an upper dir). */
  if (user_xattr && fsconfig (fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
    return 1;
  if (!user_xattr)
    fsconfig (fs, FSCONFIG_SET_STRING, "redirect_dir", "off", 0);
  fsconfig (fs, FSCONFIG_SET_STRING, "index", "off", 0);
  if (fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return 1;
  mnt = fsmount (fs, FSMOUNT_CLOEXEC, upper ? 0 : MOUNT_ATTR_RDONLY);
  if (mnt < 0)
    return 1;
  if (move_mount (mnt, "", AT_FDCWD, merged, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    return oci_error_set (err, errno, "mount overlay on %s", merged);
  return 0;
}

int
bld_overlay_mount (char **lowers, size_t n, const char *upper, const char *work, const char *merged,
                   struct oci_error *err)
{
  cleanup_strbuf struct strbuf b = STRBUF_INIT;
  int r = overlay_mount_fsconfig (lowers, n, upper, work, merged, err);
  if (r <= 0)
    return r;

  strbuf_adds (&b, "lowerdir=");
  for (size_t i = 0; i < n; i++)
    {
      if (i)
        strbuf_addc (&b, ':');
      strbuf_adds (&b, lowers[i]);
    }
  if (upper)
    {
      strbuf_adds (&b, ",upperdir=");
      strbuf_adds (&b, upper);
      strbuf_adds (&b, ",workdir=");
      strbuf_adds (&b, work);
    }
  if (b.failed)
    return oci_error_set (err, ENOMEM, "overlay options");
  cleanup_free char *opts = NULL;
  if (overlay_user_xattr ())
    strbuf_adds (&b, ",userxattr");
  if (b.failed)
    return oci_error_set (err, ENOMEM, "overlay options");
  if (asprintf (&opts, "%s%s,index=off", b.s, overlay_user_xattr () ? "" : ",redirect_dir=off") < 0)
    return oci_error_set (err, ENOMEM, "overlay options");
  if (mount ("overlay", merged, "overlay", upper ? 0 : MS_RDONLY, opts) == 0)
    return 0;
  if (mount ("overlay", merged, "overlay", upper ? 0 : MS_RDONLY, b.s) == 0)
    return 0;
  return oci_error_set (err, errno, "mount overlay on %s (%zu layers)", merged, n);
}

int
bld_overlay_unmount (const char *merged, struct oci_error *err)
{
  if (umount2 (merged, 0) < 0 && umount2 (merged, MNT_DETACH) < 0)
    return oci_error_set (err, errno, "unmount %s", merged);
  return 0;
}

int
bld_open_in_root (int rootfd, const char *path, int flags, struct oci_error *err)
{
  while (*path == '/')
    path++;
  int fd = cmn_open_in_root (rootfd, path, flags, 0);
  if (fd < 0)
    return oci_error_set (err, errno, "open %s in the rootfs", *path ? path : ".");
  return fd;
}

int
bld_mkdir_in_root (int rootfd, const char *path, int *out, struct oci_error *err)
{
  return bld_mkdir_in_root_owned (rootfd, path, false, 0, 0, out, err);
}

int
bld_mkdir_in_root_owned (int rootfd, const char *path, bool chown_created, uid_t uid, gid_t gid, int *out,
                         struct oci_error *err)
{
  cleanup_free char *copy = strdup (path);
  cleanup_close int cur = -1;
  char *save = NULL;

  if (copy == NULL)
    return oci_error_set (err, ENOMEM, "mkdir");
  cur = bld_open_in_root (rootfd, "/", O_RDONLY | O_DIRECTORY, err);
  if (cur < 0)
    return -1;
  for (char *c = strtok_r (copy, "/", &save); c; c = strtok_r (NULL, "/", &save))
    {
      if (strcmp (c, ".") == 0)
        continue;
      /* Resolve from the root each time so that ".." and symlinks stay in. */
      size_t end = (size_t) (c - copy) + strlen (c);
      cleanup_free char *prefix = strndup (path, end);
      if (prefix == NULL)
        return oci_error_set (err, ENOMEM, "mkdir");
      struct oci_error e2 = OCI_ERROR_INIT;
      int fd = bld_open_in_root (rootfd, prefix, O_RDONLY | O_DIRECTORY, &e2);
      if (fd < 0 && e2.errnum == ENOENT)
        {
          oci_error_clear (&e2);
          if (mkdirat (cur, c, 0755) < 0 && errno != EEXIST)
            return oci_error_set (err, errno, "mkdir %s", prefix);
          if (chown_created && fchownat (cur, c, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
            return oci_error_set (err, errno, "chown %s", prefix);
          fd = bld_open_in_root (rootfd, prefix, O_RDONLY | O_DIRECTORY, err);
        }
      else if (fd < 0)
        {
          *err = e2;
          return -1;
        }
      if (fd < 0)
        return -1;
      close (cur);
      cur = fd;
    }
  *out = steal_fd (&cur);
  return 0;
}

int
bld_layer_cache_ensure (const char *layers_dir, const char *blob_path, const char *digest, const char *diff_id,
                        struct oci_error *err)
{
  const char *colon = strchr (diff_id, ':');
  cleanup_free char *hex = strdup (colon ? colon + 1 : diff_id);
  cleanup_free char *dir = NULL, *tmp = NULL;
  struct stat st;
  if (hex == NULL || asprintf (&dir, "%s/%s", layers_dir, hex) < 0
      || asprintf (&tmp, "%s/tmp-%s-%ld", layers_dir, hex, (long) getpid ()) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (stat (dir, &st) == 0)
    return 0;
  if (bld_remove_tree (tmp, err) < 0)
    return -1;
  if (mkdir (tmp, 0755) < 0)
    return oci_error_set (err, errno, "mkdir %s", tmp);
  struct bld_layer_apply_options ao = { 0 };
  ao.overlay = true;
  ao.overlay_user_xattr = overlay_user_xattr ();
  ao.allow_devices = bld_devices_allowed ();
  ao.skip_devices = !ao.allow_devices;
  ao.expected_digest = digest;
  ao.expected_diff_id = diff_id;
  if (bld_layer_apply_file (blob_path, tmp, &ao, NULL, err) < 0)
    {
      struct oci_error e2 = OCI_ERROR_INIT;
      bld_remove_tree (tmp, &e2);
      oci_error_clear (&e2);
      return oci_error_prefix (err, "extract layer %s", digest);
    }
  if (rename (tmp, dir) < 0)
    {
      int e = errno;
      struct oci_error e2 = OCI_ERROR_INIT;
      bld_remove_tree (tmp, &e2);
      oci_error_clear (&e2);
      if (e != EEXIST && e != ENOTEMPTY)
        return oci_error_set (err, e, "rename %s", tmp);
    }
  return 0;
}

int
bld_overlay_lowers (char *const *dirs, size_t n, const char *empty_dir, char ***out, size_t *n_out,
                    struct oci_error *err)
{
  char **v = calloc (n + 2, sizeof *v);
  size_t len = 0;

  if (v == NULL)
    return oci_error_set (err, ENOMEM, "overlay lowerdirs");
  /* Two layers with the same diff (e.g. two RUNs that change nothing)
   * share one layer directory; overlayfs refuses a lowerdir given twice
   * (ELOOP).  Only the topmost occurrence is kept: the lower one adds
   * nothing that the same content above it does not already say. */
  for (size_t i = n; i-- > 0;)
    {
      bool seen = false;
      for (size_t j = 0; j < len && !seen; j++)
        seen = strcmp (v[j], dirs[i]) == 0;
      if (!seen && (v[len++] = strdup (dirs[i])) == NULL)
        goto oom;
    }
  /* overlayfs wants a lowerdir (two without an upper): an empty one. */
  if ((v[len++] = strdup (empty_dir)) == NULL)
    goto oom;
  *out = v;
  *n_out = len;
  return 0;
oom:
  cmn_strv_free_n (v, len);
  return oci_error_set (err, ENOMEM, "overlay lowerdirs");
}
