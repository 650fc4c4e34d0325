/* Filesystem helpers of `builder build`: the overlay, resolution inside a
 * rootfs, removal, users of the rootfs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "build.h"
#include "cleanup.h"
#include "fileutil.h"
#include "strbuf.h"

static int
remove_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void) st;
  (void) ftw;
  if (flag == FTW_DP)
    return rmdir (path) < 0 && errno != ENOENT ? -1 : 0;
  return unlink (path) < 0 && errno != ENOENT ? -1 : 0;
}

int
bld_remove_tree (const char *path, struct oci_error *err)
{
  struct stat st;

  if (lstat (path, &st) < 0)
    return errno == ENOENT ? 0 : oci_error_set (err, errno, "stat %s", path);
  if (nftw (path, remove_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
    return oci_error_set (err, errno, "remove %s", path);
  return 0;
}

/* The new mount API with "lowerdir+" (Linux 6.8): one lowerdir per call,
 * so the number of layers is not bounded by the page-sized option string.
 * Returns 1 when the kernel lacks it (the caller falls back). */
static int
overlay_mount_fsconfig (char **lowers, size_t n, const char *upper, const char *work, const char *merged,
                        struct oci_error *err)
{
  cleanup_close int fs = fsopen ("overlay", FSOPEN_CLOEXEC);
  cleanup_close int mnt = -1;
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
   * self-contained layer. */
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
  if (asprintf (&opts, "%s,redirect_dir=off,index=off", b.s) < 0)
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
  struct open_how how = { .flags = (uint64_t) (flags | O_CLOEXEC),
                          .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  while (*path == '/')
    path++;
  if (*path == '\0')
    path = ".";
  int fd = (int) syscall (SYS_openat2, rootfd, path, &how, sizeof how);
  if (fd < 0)
    return oci_error_set (err, errno, "open %s in the rootfs", path);
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

/* Looks name up in an /etc/passwd or /etc/group style file: field 0 is the
 * name, field 2 the id, field 3 (passwd) the primary group. */
static int
lookup_db (int rootfd, const char *file, const char *name, uint32_t *id, uint32_t *gid, bool *found)
{
  struct oci_error e = OCI_ERROR_INIT;
  cleanup_close int fd = bld_open_in_root (rootfd, file, O_RDONLY, &e);
  cleanup_free char *text = NULL;
  size_t len;

  *found = false;
  if (fd < 0)
    {
      oci_error_clear (&e);
      return 0;
    }
  if (oci_read_fd (fd, file, 16 << 20, &text, &len, &e) < 0)
    {
      oci_error_clear (&e);
      return 0;
    }
  char *save = NULL;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *f[4] = { NULL, NULL, NULL, NULL };
      char *p = line;
      for (int i = 0; i < 4 && p; i++)
        {
          f[i] = p;
          p = strchr (p, ':');
          if (p)
            *p++ = '\0';
        }
      if (f[2] == NULL || strcmp (f[0], name) != 0)
        continue;
      *id = (uint32_t) strtoul (f[2], NULL, 10);
      if (gid && f[3])
        *gid = (uint32_t) strtoul (f[3], NULL, 10);
      *found = true;
      return 0;
    }
  return 0;
}

/* The primary group of the passwd entry with uid, if there is one. */
static void
lookup_uid (int rootfd, uint32_t uid, uint32_t *gid)
{
  struct oci_error e = OCI_ERROR_INIT;
  cleanup_close int fd = bld_open_in_root (rootfd, "/etc/passwd", O_RDONLY, &e);
  cleanup_free char *text = NULL;
  size_t len;
  oci_error_clear (&e);
  if (fd < 0 || oci_read_fd (fd, "/etc/passwd", 16 << 20, &text, &len, &e) < 0)
    {
      oci_error_clear (&e);
      return;
    }
  char *save = NULL;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      unsigned long u, g;
      char *p = strchr (line, ':');
      if (p == NULL || (p = strchr (p + 1, ':')) == NULL)
        continue;
      if (sscanf (p + 1, "%lu:%lu", &u, &g) == 2 && u == uid)
        {
          *gid = (uint32_t) g;
          return;
        }
    }
}

static bool
parse_id (const char *s, uint32_t *out)
{
  char *end;
  if (*s == '\0')
    return false;
  errno = 0;
  unsigned long v = strtoul (s, &end, 10);
  if (*end || errno || v > UINT32_MAX)
    return false;
  *out = (uint32_t) v;
  return true;
}

int
bld_resolve_user (int rootfd, const char *user, const char *group, uint32_t *uid, uint32_t *gid,
                  struct oci_error *err)
{
  bool found;
  uint32_t pgid = 0;

  *uid = 0;
  *gid = 0;
  if (user == NULL || *user == '\0')
    return 0;
  if (parse_id (user, uid))
    {
      /* A numeric user takes the group of its passwd entry, if any. */
      lookup_uid (rootfd, *uid, &pgid);
    }
  else
    {
      lookup_db (rootfd, "/etc/passwd", user, uid, &pgid, &found);
      if (!found)
        return oci_error_set (err, 0, "unable to find user %s: no matching entries in passwd file", user);
    }
  *gid = pgid;
  if (group && *group)
    {
      if (!parse_id (group, gid))
        {
          lookup_db (rootfd, "/etc/group", group, gid, NULL, &found);
          if (!found)
            return oci_error_set (err, 0, "unable to find group %s: no matching entries in group file", group);
        }
    }
  return 0;
}
