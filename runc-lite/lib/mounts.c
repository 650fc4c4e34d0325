/* The container's root filesystem (see mounts.h).
 *
 * Every container path is resolved by the kernel inside the rootfs
 * (path.c, openat2 RESOLVE_IN_ROOT) and mounted onto "/proc/self/fd/N" of
 * the O_PATH fd it gave, so neither a symlink in the image nor a ".."
 * can make a mount or a mkdir land on the host.
 *
 * Propagation (config-linux.md "rootfsPropagation"): before anything is
 * mounted, "/" is made rslave (the default when rootfsPropagation is unset,
 * as in runc, and for slave and shared) or rprivate (for private and
 * unbindable), so that nothing the init mounts can reach the host.  After
 * pivot_root the configured mode is applied to the new "/": "shared" then
 * makes a new peer group, not one shared with the host, as the spec says. */
#include "config.h"
#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "copyup.h"
#include "fileutil.h"
#include "labels.h"
#include "mount_options.h"
#include "common/mountinfo.h"
#include "common/strv.h"
#include "path.h"
#include "syscalls.h"
#include "sysctl.h"

struct rootfs_ctx
{
  const struct rl_init *init;
  const struct oci_runtime_config *config;
  int root_fd;             /* O_PATH, the rootfs bind mount */
  const char *mount_label; /* NULL unless SELinux labels apply */
  bool devpts_on_dev_pts;
  /* The mount namespace's /proc/self/mountinfo, read once when first
   * needed (ctx_mountinfo): the rootfs's parent mount and the host's
   * cgroup hierarchies, which the container's own mounts (all inside the
   * rootfs) leave as they were. */
  struct cmn_mountinfo_list *mi;
  bool have_mi;
};

static void
mountinfo_freep (struct cmn_mountinfo_list *l)
{
  cmn_mountinfo_free (l);
}
#define cleanup_mountinfo __attribute__ ((cleanup (mountinfo_freep)))

static const struct cmn_mountinfo_list *
ctx_mountinfo (struct rootfs_ctx *ctx, struct oci_error *err)
{
  if (!ctx->have_mi)
    {
      if (cmn_mountinfo_read ("/proc/self/mountinfo", ctx->mi, err) < 0)
        return NULL;
      ctx->have_mi = true;
    }
  return ctx->mi;
}

static void
mount_opts_freep (struct rl_mount_opts *o)
{
  rl_mount_opts_free (o);
}
#define cleanup_mount_opts __attribute__ ((cleanup (mount_opts_freep)))

/* ---- small helpers ---- */

/* "/dev/", "dev", "//dev" all name /dev. */
static bool
path_is (const char *path, const char *want)
{
  while (*path == '/')
    path++;
  while (*want == '/')
    want++;
  size_t n = strlen (want);
  if (strncmp (path, want, n) != 0)
    return false;
  return path[n + strspn (path + n, "/")] == '\0';
}

static bool
is_bind (const struct oci_mount *m)
{
  for (size_t i = 0; i < m->options_len; i++)
    if (strcmp (m->options[i], "bind") == 0 || strcmp (m->options[i], "rbind") == 0)
      return true;
  return false;
}

static bool
type_is (const struct oci_mount *m, const char *t)
{
  return m->type != NULL && strcmp (m->type, t) == 0;
}

/* The flags a bind remount must keep: those the source mount has and the
 * options do not turn off.  In a user namespace nosuid/nodev/noexec/ro of
 * a mount inherited from the host are locked, and dropping them is EPERM. */
static unsigned long
kept_flags (const char *path, unsigned long cleared)
{
  struct statvfs sv;
  unsigned long f = 0;

  if (statvfs (path, &sv) < 0)
    return 0;
  if (sv.f_flag & ST_RDONLY)
    f |= MS_RDONLY;
  if (sv.f_flag & ST_NOSUID)
    f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV)
    f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC)
    f |= MS_NOEXEC;
  return f & ~cleared;
}

/* A bind remount of the mount at fd's path with flags (MS_RDONLY...). */
static int
remount_bind (int fd, unsigned long flags, unsigned long cleared, const char *what, struct oci_error *err)
{
  char fdp[RL_FD_PATH_MAX];
  unsigned long mf;

  rl_fd_path (fdp, fd);
  mf = MS_REMOUNT | MS_BIND | flags | kept_flags (fdp, cleared);
  if (mount (NULL, fdp, NULL, mf, NULL) < 0)
    return oci_error_set (err, errno, "remount %s", what);
  return 0;
}

static const char *
label_for (const struct rootfs_ctx *ctx, const struct oci_mount *m)
{
  if (ctx->mount_label == NULL)
    return NULL;
  if (type_is (m, "tmpfs") || type_is (m, "devpts") || type_is (m, "mqueue"))
    return ctx->mount_label;
  return NULL;
}

static int
add_context (char **data, const char *label)
{
  cleanup_free char *opt = NULL;
  if (label == NULL)
    return 0;
  if (asprintf (&opt, "context=\"%s\"", label) < 0)
    return -1;
  return rl_mount_data_append (data, opt);
}

/* ---- propagation and the rootfs bind ---- */

/* pivot_root refuses a new root whose parent mount is shared: the new
 * root is the rootfs bound onto itself, so its parent is the mount that
 * holds the rootfs (the rootfs itself when it is a mount point, as
 * containerd's overlay is), as runc's rootfsParentMountPrivate finds it. */
static int
make_parent_private (struct rootfs_ctx *ctx, const char *rootfs, struct oci_error *err)
{
  const struct cmn_mountinfo_list *mi = ctx_mountinfo (ctx, err);
  const struct cmn_mountinfo *e;

  if (mi == NULL)
    return -1;
  e = cmn_mountinfo_find (mi, rootfs);
  if (e != NULL && strstr (e->optional, "shared:") != NULL
      && mount (NULL, e->mount_point, NULL, MS_PRIVATE, NULL) < 0)
    return oci_error_set (err, errno, "make %s private", e->mount_point);
  return 0;
}

static int
root_propagation (const struct oci_runtime_config *config, unsigned long *out, struct oci_error *err)
{
  const char *p = config->linux_ ? config->linux_->rootfs_propagation : NULL;
  *out = 0;
  if (p == NULL || *p == '\0')
    return 0;
  *out = rl_mount_propagation_flags (p);
  if (*out == 0)
    return oci_error_set (err, 0, "linux.rootfsPropagation \"%s\" is not a propagation mode", p);
  return 0;
}

/* ---- one entry of config.mounts ---- */

/* Opens the destination of a proc or sysfs mount, which must be a real
 * directory: the kernel checks these against the host's own, and a
 * symlink (rootfs/proc -> /etc) would put a fresh procfs where the image
 * decides. */
static int
open_plain_dir (struct rootfs_ctx *ctx, size_t idx, const char *dest, struct oci_error *err)
{
  int fd = rl_path_open (ctx->root_fd, dest, O_PATH | O_DIRECTORY, RL_RESOLVE_NO_SYMLINKS);
  struct stat st;

  if (fd < 0 && errno == ENOENT)
    {
      int c = rl_path_create (ctx->root_fd, dest, false, err);
      if (c < 0)
        return oci_error_prefix (err, "mounts[%zu].destination \"%s\"", idx, dest);
      close (c);
      fd = rl_path_open (ctx->root_fd, dest, O_PATH | O_DIRECTORY, RL_RESOLVE_NO_SYMLINKS);
    }
  if (fd < 0 && errno == ELOOP)
    return oci_error_set (err, 0, "mounts[%zu].destination \"%s\" is or passes through a symlink in the rootfs", idx,
                          dest);
  if (fd < 0 && errno == ENOTDIR)
    return oci_error_set (err, 0, "mounts[%zu].destination \"%s\" is not a directory in the rootfs", idx, dest);
  if (fd < 0)
    return oci_error_set (err, errno, "mounts[%zu].destination \"%s\"", idx, dest);
  if (fstat (fd, &st) < 0 || !S_ISDIR (st.st_mode))
    {
      close (fd);
      return oci_error_set (err, 0, "mounts[%zu].destination \"%s\" is not a directory in the rootfs", idx, dest);
    }
  return fd;
}

/* After mount(2): propagation changes and recursive attributes, on the
 * mount now at dest. */
static int
finish_mount (struct rootfs_ctx *ctx, size_t idx, const char *dest, const struct rl_mount_opts *o,
              struct oci_error *err)
{
  cleanup_close int fd = -1;
  char fdp[RL_FD_PATH_MAX];

  if (o->propagation_len == 0 && o->attr_set == 0 && o->attr_clr == 0)
    return 0;
  fd = rl_path_open (ctx->root_fd, dest, O_PATH, 0);
  if (fd < 0)
    return oci_error_set (err, errno, "mounts[%zu]: reopen %s", idx, dest);
  rl_fd_path (fdp, fd);
  for (size_t i = 0; i < o->propagation_len; i++)
    if (mount (NULL, fdp, NULL, o->propagation[i], NULL) < 0)
      return oci_error_set (err, errno, "mounts[%zu]: change the propagation of %s", idx, dest);
  if (o->attr_set || o->attr_clr)
    {
      struct rl_mount_attr a = { .attr_set = o->attr_set, .attr_clr = o->attr_clr };
      if (rl_mount_setattr (fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a) < 0)
        return oci_error_set (err, errno, "mounts[%zu]: mount_setattr (recursive options) on %s", idx, dest);
    }
  return 0;
}

static unsigned long
remount_worthy (unsigned long flags)
{
  return flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
}

/* A tree the runtime cloned in the caller's mount namespace is a peer of
 * its source there; a bind made in the container's namespace would follow
 * the rootfs's propagation instead (a slave under the default rslave /,
 * private under rprivate): give the attached tree the same, so a mount
 * made inside does not reach the host unless rootfsPropagation is shared. */
static int
follow_root_propagation (struct rootfs_ctx *ctx, const char *dest, struct oci_error *err)
{
  cleanup_close int top = -1;
  char fdp[RL_FD_PATH_MAX];
  unsigned long prop, mode;

  if (root_propagation (ctx->init->config, &prop, err) < 0)
    return -1;
  if (prop & MS_SHARED)
    return 0;
  mode = (prop & (MS_PRIVATE | MS_UNBINDABLE)) ? MS_PRIVATE : MS_SLAVE;
  top = rl_path_open (ctx->root_fd, dest, O_PATH, 0);
  if (top < 0)
    return oci_error_set (err, errno, "reopen %s", dest);
  if (mount (NULL, rl_fd_path (fdp, top), NULL, mode | MS_REC, NULL) < 0)
    return oci_error_set (err, errno, "make %s %s", dest, mode == MS_PRIVATE ? "rprivate" : "rslave");
  return 0;
}

/* A bind mount; with idmap_fd >= 0 the source is the detached tree the
 * runtime made (idmap.c: id-mapped, or opened before the user namespace),
 * attached with move_mount. */
static int
mount_bind (struct rootfs_ctx *ctx, size_t idx, const struct oci_mount *m, const struct rl_mount_opts *o,
            int idmap_fd, struct oci_error *err)
{
  cleanup_free char *src = NULL;
  cleanup_close int target = -1;
  cleanup_close int top = -1;
  char fdp[RL_FD_PATH_MAX];
  struct stat st;

  if (m->source == NULL)
    return oci_error_set (err, 0, "mounts[%zu]: a bind mount needs a source", idx);
  if (m->source[0] == '/')
    src = strdup (m->source);
  else if (asprintf (&src, "%s/%s", ctx->init->bundle, m->source) < 0)
    src = NULL;
  if (src == NULL)
    return oci_error_set (err, ENOMEM, "mounts[%zu]", idx);
  if ((idmap_fd >= 0 ? fstat (idmap_fd, &st) : stat (src, &st)) < 0)
    return oci_error_set (err, errno, "mounts[%zu].source \"%s\"", idx, src);

  target = rl_path_create (ctx->root_fd, m->destination, !S_ISDIR (st.st_mode), err);
  if (target < 0)
    return oci_error_prefix (err, "mounts[%zu].destination \"%s\"", idx, m->destination);
  if (idmap_fd >= 0)
    {
      if (rl_move_mount (idmap_fd, "", target, "", RL_MOVE_MOUNT_F_EMPTY_PATH | RL_MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return oci_error_set (err, errno, "mounts[%zu]: attach the prepared mount of %s on %s (in the rootfs)", idx,
                              src, m->destination);
      if (follow_root_propagation (ctx, m->destination, err) < 0)
        return oci_error_prefix (err, "mounts[%zu]", idx);
    }
  else if (mount (src, rl_fd_path (fdp, target), NULL, MS_BIND | (o->flags & MS_REC), NULL) < 0)
    return oci_error_set (err, errno, "bind mount %s on %s (in the rootfs)", src, m->destination);

  if (remount_worthy (o->flags) || (o->clear & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)))
    {
      top = rl_path_open (ctx->root_fd, m->destination, O_PATH, 0);
      if (top < 0)
        return oci_error_set (err, errno, "mounts[%zu]: reopen %s", idx, m->destination);
      if (remount_bind (top, remount_worthy (o->flags), o->clear, m->destination, err) < 0)
        return oci_error_prefix (err, "mounts[%zu]", idx);
    }
  return finish_mount (ctx, idx, m->destination, o, err);
}

/* In a user namespace that does not own the network namespace, sysfs
 * cannot be mounted; the host's /sys, bound recursively, is what runc
 * gives rootless containers too. */
static int
mount_sysfs_fallback (int target, const char *dest, struct oci_error *err)
{
  char fdp[RL_FD_PATH_MAX];
  rl_fd_path (fdp, target);
  if (mount ("/sys", fdp, NULL, MS_BIND | MS_REC, NULL) < 0)
    return oci_error_set (err, errno, "bind mount /sys on %s (in the rootfs)", dest);
  return 0;
}

/* ---- cgroups ---- */

/* This process's cgroup path for a v1 hierarchy whose super options are
 * opts (the line of /proc/self/cgroup whose controllers all appear in
 * them), or for cgroup v2 (hierarchy 0) when opts is NULL.  *self holds
 * /proc/self/cgroup, read at the first call (once for all hierarchies). */
static char *
own_cgroup (const char *opts, char **self, struct oci_error *err)
{
  cleanup_fclose FILE *f = NULL;
  cleanup_free char *line = NULL;
  size_t cap = 0, len = 0;

  if (*self == NULL && oci_read_file ("/proc/self/cgroup", 1 << 20, self, &len, err) < 0)
    return NULL;
  f = **self ? fmemopen (*self, strlen (*self), "r") : NULL;
  if (f == NULL && **self)
    {
      oci_error_set (err, errno, "read /proc/self/cgroup");
      return NULL;
    }
  while (f != NULL && getline (&line, &cap, f) > 0)
    {
      char *c1 = strchr (line, ':'), *c2, *ctrls;
      if (c1 == NULL || (c2 = strchr (c1 + 1, ':')) == NULL)
        continue;
      *c2 = '\0';
      line[strcspn (line, ":")] = '\0';
      c2[1 + strcspn (c2 + 1, "\n")] = '\0';
      ctrls = c1 + 1;
      if (opts == NULL)
        {
          if (strcmp (line, "0") == 0 && *ctrls == '\0')
            return strdup (c2 + 1);
          continue;
        }
      if (strcmp (line, "0") == 0 || *ctrls == '\0')
        continue;
      if (cmn_csv_has_all (opts, ctrls))
        return strdup (c2 + 1);
    }
  oci_error_set (err, 0, "no line of /proc/self/cgroup for the hierarchy %s", opts ? opts : "(v2)");
  return NULL;
}

/* Super options minus rw/ro: the data to mount the same v1 hierarchy. */
static char *
v1_data (const char *super_opts)
{
  cleanup_free char *copy = strdup (super_opts);
  char *out = strdup (""), *save = NULL, *tok;
  if (copy == NULL || out == NULL)
    {
      free (out);
      return NULL;
    }
  for (tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    if (strcmp (tok, "rw") != 0 && strcmp (tok, "ro") != 0 && rl_mount_data_append (&out, tok) < 0)
      {
        free (out);
        return NULL;
      }
  return out;
}

/* One hierarchy under the container's cgroup directory: a fresh mount in
 * a cgroup namespace (which shows the namespace's root), otherwise a bind
 * of this process's own cgroup (never the whole host hierarchy). */
static int
mount_one_hierarchy (struct rootfs_ctx *ctx, const char *dest, const struct cmn_mountinfo *e, bool v2,
                     unsigned long flags, char **self_cgroup, struct oci_error *err)
{
  cleanup_close int target = -1;
  char fdp[RL_FD_PATH_MAX];

  target = rl_path_create (ctx->root_fd, dest, false, err);
  if (target < 0)
    return -1;
  rl_fd_path (fdp, target);
  if (ctx->init->cgroupns)
    {
      cleanup_free char *data = v2 ? NULL : v1_data (e->super_opts);
      if (!v2 && data == NULL)
        return oci_error_set (err, ENOMEM, "cgroup");
      if (mount (v2 ? "cgroup2" : "cgroup", fdp, v2 ? "cgroup2" : "cgroup", flags, data) < 0)
        return oci_error_set (err, errno, "mount %s on %s (in the rootfs)", v2 ? "cgroup2" : e->super_opts, dest);
      return 0;
    }
  else
    {
      cleanup_free char *own = own_cgroup (v2 ? NULL : e->super_opts, self_cgroup, err);
      cleanup_free char *src = NULL;
      const char *rel;
      cleanup_close int top = -1;

      if (own == NULL)
        return -1;
      rel = own;
      if (strcmp (e->root, "/") != 0 && strncmp (own, e->root, strlen (e->root)) == 0)
        rel = own + strlen (e->root);
      if (asprintf (&src, "%s/%s", e->mount_point, rel) < 0)
        return oci_error_set (err, ENOMEM, "cgroup");
      if (mount (src, fdp, NULL, MS_BIND | MS_REC, NULL) < 0)
        return oci_error_set (err, errno, "bind mount %s on %s (in the rootfs)", src, dest);
      top = rl_path_open (ctx->root_fd, dest, O_PATH, 0);
      if (top < 0)
        return oci_error_set (err, errno, "reopen %s", dest);
      return remount_bind (top, flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC), 0, dest, err);
    }
}

static int
mount_cgroup (struct rootfs_ctx *ctx, size_t idx, const struct oci_mount *m, const struct rl_mount_opts *o,
              struct oci_error *err)
{
  const struct cmn_mountinfo_list *mi = ctx_mountinfo (ctx, err);
  cleanup_free char *self_cgroup = NULL;
  cleanup_close int target = -1;
  cleanup_close int top = -1;
  char fdp[RL_FD_PATH_MAX];
  unsigned long flags = o->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);

  if (mi == NULL)
    return -1;

  if (rl_cgroup_unified_mode ())
    {
      const struct cmn_mountinfo *e = cmn_mountinfo_find (mi, "/sys/fs/cgroup");
      if (e == NULL)
        return oci_error_set (err, 0, "mounts[%zu]: /sys/fs/cgroup not found in mountinfo", idx);
      if (mount_one_hierarchy (ctx, m->destination, e, true, flags, &self_cgroup, err) < 0)
        return oci_error_prefix (err, "mounts[%zu]", idx);
      return finish_mount (ctx, idx, m->destination, o, err);
    }

  /* cgroup v1 (or hybrid): a tmpfs holding one directory per hierarchy. */
  target = rl_path_create (ctx->root_fd, m->destination, false, err);
  if (target < 0)
    return oci_error_prefix (err, "mounts[%zu].destination \"%s\"", idx, m->destination);
  if (mount ("tmpfs", rl_fd_path (fdp, target), "tmpfs", (flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC,
             "mode=755")
      < 0)
    return oci_error_set (err, errno, "mount tmpfs on %s (in the rootfs)", m->destination);
  top = rl_path_open (ctx->root_fd, m->destination, O_PATH | O_DIRECTORY, 0);
  if (top < 0)
    return oci_error_set (err, errno, "mounts[%zu]: reopen %s", idx, m->destination);

  for (size_t i = 0; i < mi->len; i++)
    {
      const struct cmn_mountinfo *e = &mi->v[i];
      bool v2 = strcmp (e->fstype, "cgroup2") == 0;
      const char *name;
      cleanup_free char *sub = NULL;

      if (!v2 && strcmp (e->fstype, "cgroup") != 0)
        continue;
      if (strncmp (e->mount_point, "/sys/fs/cgroup/", 15) != 0)
        continue;
      name = e->mount_point + 15;
      if (*name == '\0' || strchr (name, '/') != NULL)
        continue;
      if (asprintf (&sub, "%s/%s", m->destination, name) < 0)
        return oci_error_set (err, ENOMEM, "cgroup");
      if (mount_one_hierarchy (ctx, sub, e, v2, flags, &self_cgroup, err) < 0)
        return oci_error_prefix (err, "mounts[%zu]", idx);
      /* cpu,cpuacct is also reachable as cpu and cpuacct. */
      if (strchr (name, ',') != NULL)
        {
          cleanup_free char *copy = strdup (name);
          char *save = NULL, *tok;
          if (copy == NULL)
            return oci_error_set (err, ENOMEM, "cgroup");
          for (tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
            if (symlinkat (name, top, tok) < 0 && errno != EEXIST)
              return oci_error_set (err, errno, "mounts[%zu]: symlink %s/%s", idx, m->destination, tok);
        }
    }
  if ((flags & MS_RDONLY) && remount_bind (top, flags | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0, m->destination, err) < 0)
    return oci_error_prefix (err, "mounts[%zu]", idx);
  return finish_mount (ctx, idx, m->destination, o, err);
}

/* proc, sysfs, tmpfs, devpts, mqueue, overlay and whatever else the
 * kernel knows: mount(2) with the options' flags and data. */
static int
mount_fs (struct rootfs_ctx *ctx, size_t idx, const struct oci_mount *m, struct rl_mount_opts *o,
          struct oci_error *err)
{
  cleanup_close int target = -1, copy_src = -1;
  char fdp[RL_FD_PATH_MAX];
  const char *type = m->type;
  const char *source = m->source ? m->source : (type ? type : "none");
  bool strict = type_is (m, "proc") || type_is (m, "sysfs");

  if (type == NULL)
    return oci_error_set (err, 0, "mounts[%zu] (%s): no type and not a bind mount", idx, m->destination);
  if (add_context (&o->data, label_for (ctx, m)) < 0)
    return oci_error_set (err, ENOMEM, "mounts[%zu]", idx);

  /* A read-only /dev is filled first (devices, /dev/pts, links) and made
   * read-only by rl_rootfs_dev_readonly, as runc does. */
  if (path_is (m->destination, "/dev"))
    o->flags &= ~MS_RDONLY;
  if (strict)
    target = open_plain_dir (ctx, idx, m->destination, err);
  else
    {
      target = rl_path_create (ctx->root_fd, m->destination, false, err);
      if (target < 0)
        oci_error_prefix (err, "mounts[%zu].destination \"%s\"", idx, m->destination);
    }
  if (target < 0)
    return -1;
  rl_fd_path (fdp, target);
  if (o->tmpcopyup)
    {
      /* The directory's content, read through an fd taken before the
       * tmpfs covers it. */
      copy_src = openat (target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (copy_src < 0)
        return oci_error_set (err, errno, "mounts[%zu] (%s): tmpcopyup: open the directory", idx, m->destination);
    }
  /* A read-only tmpfs to copy up into is made read-only after the copy. */
  if (mount (source, fdp, type, copy_src >= 0 ? o->flags & ~MS_RDONLY : o->flags, o->data) < 0)
    {
      int e = errno;
      if (type_is (m, "sysfs") && e == EPERM && ctx->init->userns)
        {
          if (mount_sysfs_fallback (target, m->destination, err) < 0)
            return -1;
          if (remount_worthy (o->flags))
            {
              cleanup_close int top = rl_path_open (ctx->root_fd, m->destination, O_PATH, 0);
              if (top < 0 || remount_bind (top, remount_worthy (o->flags), o->clear, m->destination, err) < 0)
                return top < 0 ? oci_error_set (err, errno, "reopen %s", m->destination) : -1;
            }
        }
      else
        return oci_error_set (err, e, "mount %s on %s (in the rootfs)", type, m->destination);
    }
  if (type_is (m, "devpts") && path_is (m->destination, "/dev/pts"))
    ctx->devpts_on_dev_pts = true;
  if (copy_src >= 0)
    {
      /* Before finish_mount: its attributes may make the tmpfs read-only. */
      cleanup_close int copy_dst = rl_path_open (ctx->root_fd, m->destination, O_RDONLY | O_DIRECTORY, 0);
      if (copy_dst < 0)
        return oci_error_set (err, errno, "mounts[%zu] (%s): tmpcopyup: open the tmpfs", idx, m->destination);
      if (rl_copyup_tree (copy_src, copy_dst, m->destination, err) < 0)
        return oci_error_prefix (err, "mounts[%zu]", idx);
      if ((o->flags & MS_RDONLY)
          && remount_bind (copy_dst, remount_worthy (o->flags), o->clear, m->destination, err) < 0)
        return oci_error_prefix (err, "mounts[%zu]", idx);
    }
  return finish_mount (ctx, idx, m->destination, o, err);
}

static int
do_mount (struct rootfs_ctx *ctx, size_t idx, const struct oci_mount *m, struct oci_error *err)
{
  cleanup_mount_opts struct rl_mount_opts o = { 0 };

  if (m->destination == NULL || *m->destination == '\0')
    return oci_error_set (err, 0, "mounts[%zu]: empty destination", idx);
  if (rl_mount_opts_parse (m->options, m->options_len, &o, err) < 0)
    return oci_error_prefix (err, "mounts[%zu] (%s)", idx, m->destination);
  if (rl_mount_idmap_check (m, idx, &o, ctx->init->userns, err) < 0)
    return -1;
  if ((o.idmap || m->uid_mappings) && (ctx->init->mount_fds == NULL || ctx->init->mount_fds[idx] < 0))
    return oci_error_set (err, 0, "mounts[%zu] (%s): the id-mapped mount was not prepared", idx, m->destination);
  if (o.tmpcopyup && (rl_mount_opts_is_bind (&o) || !type_is (m, "tmpfs")))
    return oci_error_set (err, 0, "mounts[%zu] (%s): tmpcopyup applies to tmpfs mounts only", idx, m->destination);
  if (rl_mount_opts_is_bind (&o))
    return mount_bind (ctx, idx, m, &o, ctx->init->mount_fds ? ctx->init->mount_fds[idx] : -1, err);
  if (type_is (m, "cgroup"))
    return mount_cgroup (ctx, idx, m, &o, err);
  return mount_fs (ctx, idx, m, &o, err);
}

/* ---- /dev ---- */

struct dev_spec
{
  const char *path;
  char type;
  unsigned int major, minor;
  mode_t mode;
  uid_t uid;
  gid_t gid;
};

static const struct dev_spec default_devices[] = {
  { "/dev/null", 'c', 1, 3, 0666, 0, 0 },    { "/dev/zero", 'c', 1, 5, 0666, 0, 0 },
  { "/dev/full", 'c', 1, 7, 0666, 0, 0 },    { "/dev/random", 'c', 1, 8, 0666, 0, 0 },
  { "/dev/urandom", 'c', 1, 9, 0666, 0, 0 }, { "/dev/tty", 'c', 5, 0, 0666, 0, 0 },
};

static mode_t
dev_type_bits (char t)
{
  switch (t)
    {
    case 'b':
      return S_IFBLK;
    case 'p':
      return S_IFIFO;
    default:
      return S_IFCHR; /* c and u (unbuffered) */
    }
}

static bool
node_matches (const struct stat *st, const struct dev_spec *d)
{
  if ((st->st_mode & S_IFMT) != dev_type_bits (d->type))
    return false;
  return d->type == 'p' || st->st_rdev == makedev (d->major, d->minor);
}

/* In a user namespace mknod is refused: bind the host's node (checked to
 * be the device asked for) onto an empty file, as runc does. */
static int
bind_host_device (int parent, const char *base, const struct dev_spec *d, struct oci_error *err)
{
  cleanup_close int src = open (d->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int dst = -1;
  char sp[RL_FD_PATH_MAX], dp[RL_FD_PATH_MAX];
  struct stat st;
  int fd;

  if (src < 0)
    return oci_error_set (err, errno, "device %s: mknod is not allowed and the host has no %s to bind", d->path,
                          d->path);
  if (fstat (src, &st) < 0 || !node_matches (&st, d))
    return oci_error_set (err, 0, "device %s: the host's %s is not device %c %u:%u", d->path, d->path, d->type,
                          d->major, d->minor);
  fd = openat (parent, base, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0 && errno != EEXIST)
    return oci_error_set (err, errno, "device %s: create the mount point", d->path);
  if (fd >= 0)
    close (fd);
  dst = openat (parent, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (dst < 0 || fstat (dst, &st) < 0 || !S_ISREG (st.st_mode))
    return oci_error_set (err, 0, "device %s: a file exists at the path that is not the requested device", d->path);
  if (mount (rl_fd_path (sp, src), rl_fd_path (dp, dst), NULL, MS_BIND, NULL) < 0)
    return oci_error_set (err, errno, "bind mount %s on %s (in the rootfs)", d->path, d->path);
  return 0;
}

static int
create_device (struct rootfs_ctx *ctx, const struct dev_spec *d, struct oci_error *err)
{
  cleanup_free char *dir = strdup (d->path);
  cleanup_close int parent = -1;
  cleanup_close int node = -1;
  char np[RL_FD_PATH_MAX];
  const char *base;
  char *slash;
  struct stat st;

  if (dir == NULL)
    return oci_error_set (err, ENOMEM, "device %s", d->path);
  slash = strrchr (dir, '/');
  if (slash == NULL || slash[1] == '\0' || strcmp (slash + 1, "..") == 0 || strcmp (slash + 1, ".") == 0)
    return oci_error_set (err, 0, "device %s: not a file path", d->path);
  *slash = '\0';
  base = slash + 1;
  parent = rl_path_create (ctx->root_fd, *dir ? dir : "/", false, err);
  if (parent < 0)
    return oci_error_prefix (err, "device %s", d->path);
  {
    /* O_PATH fds cannot be used as dirfd for mknodat on every kernel;
     * reopen the directory for real. */
    int real = openat (parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (real < 0)
      return oci_error_set (err, errno, "device %s: open the parent directory", d->path);
    close (parent);
    parent = real;
  }

  if (fstatat (parent, base, &st, AT_SYMLINK_NOFOLLOW) == 0)
    {
      if (!node_matches (&st, d))
        {
          if (S_ISREG (st.st_mode) && st.st_size == 0 && ctx->init->userns)
            return bind_host_device (parent, base, d, err);
          return oci_error_set (err, 0, "device %s: a file exists at the path that is not the requested device",
                                d->path);
        }
    }
  else if (mknodat (parent, base, dev_type_bits (d->type) | (d->mode & 07777), makedev (d->major, d->minor)) < 0)
    {
      if ((errno == EPERM || errno == EACCES) && d->type != 'p')
        return bind_host_device (parent, base, d, err);
      return oci_error_set (err, errno, "mknod %s (in the rootfs)", d->path);
    }

  node = openat (parent, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (node < 0)
    return oci_error_set (err, errno, "device %s: open", d->path);
  if (fstat (node, &st) < 0 || !node_matches (&st, d))
    return oci_error_set (err, 0, "device %s: changed while being created", d->path);
  if (fchownat (node, "", d->uid, d->gid, AT_EMPTY_PATH) < 0)
    return oci_error_set (err, errno, "device %s: chown %u:%u", d->path, (unsigned) d->uid, (unsigned) d->gid);
  if (chmod (rl_fd_path (np, node), d->mode & 07777) < 0)
    return oci_error_set (err, errno, "device %s: chmod %o", d->path, (unsigned) (d->mode & 07777));
  return 0;
}

static bool
in_config_devices (const struct oci_runtime_config *c, const char *path)
{
  if (c->linux_ == NULL)
    return false;
  for (size_t i = 0; i < c->linux_->devices_len; i++)
    if (path_is (c->linux_->devices[i].path, path))
      return true;
  return false;
}

static int
setup_dev (struct rootfs_ctx *ctx, struct oci_error *err)
{
  const struct oci_runtime_config *c = ctx->config;
  static const struct
  {
    const char *target, *name;
  } links[] = {
    { "/proc/self/fd", "fd" },
    { "/proc/self/fd/0", "stdin" },
    { "/proc/self/fd/1", "stdout" },
    { "/proc/self/fd/2", "stderr" },
  };
  cleanup_close int dev = -1;
  cleanup_close int devdir = -1;

  for (size_t i = 0; i < sizeof default_devices / sizeof default_devices[0]; i++)
    if (!in_config_devices (c, default_devices[i].path) && create_device (ctx, &default_devices[i], err) < 0)
      return -1;
  for (size_t i = 0; c->linux_ && i < c->linux_->devices_len; i++)
    {
      const struct oci_linux_device *ld = &c->linux_->devices[i];
      struct dev_spec d = {
        .path = ld->path,
        .type = ld->type[0],
        .major = (unsigned) ld->major,
        .minor = (unsigned) ld->minor,
        .mode = ld->has_file_mode ? ld->file_mode : 0666,
        .uid = ld->has_uid ? ld->uid : 0,
        .gid = ld->has_gid ? ld->gid : 0,
      };
      if (create_device (ctx, &d, err) < 0)
        return oci_error_prefix (err, "linux.devices[%zu]", i);
    }

  dev = rl_path_create (ctx->root_fd, "/dev", false, err);
  if (dev < 0)
    return -1;
  devdir = openat (dev, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (devdir < 0)
    return oci_error_set (err, errno, "open /dev (in the rootfs)");
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    if (symlinkat (links[i].target, devdir, links[i].name) < 0 && errno != EEXIST)
      return oci_error_set (err, errno, "symlink /dev/%s -> %s", links[i].name, links[i].target);
  if (access ("/proc/kcore", F_OK) == 0 && symlinkat ("/proc/kcore", devdir, "core") < 0 && errno != EEXIST)
    return oci_error_set (err, errno, "symlink /dev/core -> /proc/kcore");
  if (ctx->devpts_on_dev_pts)
    {
      if (unlinkat (devdir, "ptmx", 0) < 0 && errno != ENOENT)
        return oci_error_set (err, errno, "remove /dev/ptmx (in the rootfs)");
      if (symlinkat ("pts/ptmx", devdir, "ptmx") < 0)
        return oci_error_set (err, errno, "symlink /dev/ptmx -> pts/ptmx");
    }
  return 0;
}

/* /dev is built unless a bind mount provides it. */
static bool
wants_dev (const struct oci_runtime_config *c)
{
  for (size_t i = 0; i < c->mounts_len; i++)
    if (path_is (c->mounts[i].destination, "/dev") && is_bind (&c->mounts[i]))
      return false;
  return true;
}

/* ---- the three steps ---- */

int
rl_rootfs_prepare (const struct rl_init *init, struct oci_error *err)
{
  const struct oci_runtime_config *c = init->config;
  cleanup_mountinfo struct cmn_mountinfo_list mi = { 0 };
  struct rootfs_ctx ctx = { .init = init, .config = c, .root_fd = -1, .mi = &mi };
  cleanup_close int root_fd = -1;
  unsigned long prop;

  if (root_propagation (c, &prop, err) < 0)
    return -1;
  /* Without a mount namespace of its own the mount tree is the caller's:
   * its propagation is not ours to change, and chroot (rl_rootfs_enter)
   * needs no mount at the rootfs. */
  if (init->new_mountns)
    {
      /* rslave by default: nothing mounted here reaches the caller.  A
       * shared rootfsPropagation is applied as it is (as runc): the
       * caller's shared mounts stay peers of their copies here, so a bind
       * mount of one is in the same peer group and mounts travel both ways
       * (Bidirectional volumes); rslave first would make them one-way. */
      if (prop & MS_SHARED)
        {
          if (mount (NULL, "/", NULL, prop, NULL) < 0)
            return oci_error_set (err, errno, "make / %s", c->linux_->rootfs_propagation);
        }
      else if (mount (NULL, "/", NULL,
                      (prop & (MS_PRIVATE | MS_UNBINDABLE)) ? MS_PRIVATE | MS_REC : MS_SLAVE | MS_REC, NULL)
               < 0)
        return oci_error_set (err, errno, "make / %s", (prop & (MS_PRIVATE | MS_UNBINDABLE)) ? "rprivate" : "rslave");
      if (make_parent_private (&ctx, init->rootfs, err) < 0)
        return -1;
      if (mount (init->rootfs, init->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
        return oci_error_set (err, errno, "bind mount the rootfs %s onto itself", init->rootfs);
    }
  root_fd = open (init->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return oci_error_set (err, errno, "open the rootfs %s", init->rootfs);
  ctx.root_fd = root_fd;

  if (c->linux_ && c->linux_->mount_label && *c->linux_->mount_label && rl_selinux_enabled ())
    ctx.mount_label = c->linux_->mount_label;

  for (size_t i = 0; i < c->mounts_len; i++)
    if (do_mount (&ctx, i, &c->mounts[i], err) < 0)
      return -1;
  if (wants_dev (c) && setup_dev (&ctx, err) < 0)
    return -1;
  return 0;
}

/* --no-pivot leaves the old root in the mount namespace, under the
 * chroot.  The kernel lets a user namespace mount a fresh proc or sysfs
 * only where a full one is already visible in its mount namespace: so
 * every full proc and sysfs mount outside the rootfs is detached (or,
 * where that is refused, covered with an empty tmpfs), as runc does. */
static int
hide_outer_proc_sys (const char *rootfs, struct oci_error *err)
{
  cleanup_mountinfo struct cmn_mountinfo_list mi = { 0 };
  size_t n = strlen (rootfs);

  if (cmn_mountinfo_read ("/proc/self/mountinfo", &mi, err) < 0)
    return -1;
  for (size_t i = 0; i < mi.len; i++)
    {
      const struct cmn_mountinfo *e = &mi.v[i];
      const char *mp = e->mount_point;

      if (strcmp (e->root, "/") != 0 || (strcmp (e->fstype, "proc") != 0 && strcmp (e->fstype, "sysfs") != 0))
        continue;
      if (strncmp (mp, rootfs, n) == 0 && (mp[n] == '\0' || mp[n] == '/'))
        continue;
      /* Nothing may propagate back out (prepare made "/" rslave already,
       * unless rprivate). */
      if (mount (NULL, mp, NULL, MS_SLAVE | MS_REC, NULL) < 0)
        {
          if (errno == ENOENT)
            continue; /* under one detached before */
          return oci_error_set (err, errno, "--no-pivot: make %s rslave", mp);
        }
      if (umount2 (mp, MNT_DETACH) == 0)
        continue;
      if (errno != EINVAL && errno != EPERM)
        return oci_error_set (err, errno, "--no-pivot: detach %s", mp);
      if (mount ("tmpfs", mp, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return oci_error_set (err, errno, "--no-pivot: cover %s with a tmpfs", mp);
    }
  return 0;
}

int
rl_rootfs_enter (const struct rl_init *init, struct oci_error *err)
{
  unsigned long prop;

  if (root_propagation (init->config, &prop, err) < 0)
    return -1;
  if (chdir (init->rootfs) < 0)
    return oci_error_set (err, errno, "chdir to the rootfs %s", init->rootfs);
  if (!init->new_mountns)
    {
      /* The caller's mount namespace: pivot_root would move the root of
       * every process in it (the host's), so only this process changes
       * its root, as runc and crun do. */
      if (chroot (".") < 0)
        return oci_error_set (err, errno, "chroot into the rootfs %s", init->rootfs);
      if (chdir ("/") < 0)
        return oci_error_set (err, errno, "chdir /");
      return 0;
    }
  if (init->no_pivot)
    {
      if (hide_outer_proc_sys (init->rootfs, err) < 0)
        return -1;
      if (mount (".", "/", NULL, MS_MOVE, NULL) < 0)
        return oci_error_set (err, errno, "move the rootfs onto /");
      if (chroot (".") < 0)
        return oci_error_set (err, errno, "chroot into the rootfs");
    }
  else
    {
      /* The old root ends up stacked on "."; detach it whole, after
       * making sure its unmount cannot propagate to the host.  mount(2)
       * does not look through what is stacked on ".", so the old root is
       * reached through an fd of it: "." would be the new root, and
       * making that rslave would cut its shared mounts (Bidirectional
       * volumes) off from the host's. */
      cleanup_close int oldroot = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (oldroot < 0)
        return oci_error_set (err, errno, "open the old root");
      if (syscall (SYS_pivot_root, ".", ".") < 0)
        return oci_error_set (err, errno, "pivot_root into %s", init->rootfs);
      if (fchdir (oldroot) < 0)
        return oci_error_set (err, errno, "chdir to the old root");
      if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        return oci_error_set (err, errno, "make the old root rslave");
      if (umount2 (".", MNT_DETACH) < 0)
        return oci_error_set (err, errno, "detach the old root");
    }
  if (chdir ("/") < 0)
    return oci_error_set (err, errno, "chdir /");
  if (prop && mount (NULL, "/", NULL, prop, NULL) < 0)
    return oci_error_set (err, errno, "apply rootfsPropagation to /");
  return 0;
}

/* /dev/null for masking, after checking that it really is the null
 * device: the image (or a bind-mounted /dev) may have made it a symlink
 * or a regular file, and binding that would expose instead of mask
 * (CVE-2025-31133). */
static int
open_dev_null (int root, struct oci_error *err)
{
  /* O_NOFOLLOW: a symlink is opened as itself, and refused below. */
  int fd = rl_path_open (root, "/dev/null", O_PATH | O_NOFOLLOW, 0);
  struct stat st;

  if (fd < 0)
    return oci_error_set (err, errno, "maskedPaths: open /dev/null in the container");
  if (fstat (fd, &st) < 0 || !S_ISCHR (st.st_mode) || st.st_rdev != makedev (1, 3))
    {
      bool link = S_ISLNK (st.st_mode);
      close (fd);
      if (link)
        return oci_error_set (err, 0, "maskedPaths: /dev/null in the container is a symlink, not the null device");
      return oci_error_set (err, 0, "maskedPaths: /dev/null in the container is not the null device (char 1:3)");
    }
  return fd;
}

static int
mask_paths (const struct oci_runtime_config *c, int root, struct oci_error *err)
{
  cleanup_close int null = -1;

  for (size_t i = 0; i < c->linux_->masked_paths_len; i++)
    {
      const char *p = c->linux_->masked_paths[i];
      cleanup_close int fd = rl_path_open (root, p, O_PATH, 0);
      char fdp[RL_FD_PATH_MAX], np[RL_FD_PATH_MAX];
      struct stat st;

      if (fd < 0 && errno == ENOENT)
        continue;
      if (fd < 0)
        return oci_error_set (err, errno, "maskedPaths: open %s", p);
      if (fstat (fd, &st) < 0)
        return oci_error_set (err, errno, "maskedPaths: stat %s", p);
      rl_fd_path (fdp, fd);
      if (S_ISDIR (st.st_mode))
        {
          if (mount ("tmpfs", fdp, "tmpfs", MS_RDONLY, NULL) < 0)
            return oci_error_set (err, errno, "maskedPaths: mount a read-only tmpfs on %s", p);
          continue;
        }
      if (null < 0 && (null = open_dev_null (root, err)) < 0)
        return -1;
      if (mount (rl_fd_path (np, null), fdp, NULL, MS_BIND, NULL) < 0)
        return oci_error_set (err, errno, "maskedPaths: bind /dev/null on %s", p);
    }
  return 0;
}

static int
readonly_paths (const struct oci_runtime_config *c, int root, struct oci_error *err)
{
  for (size_t i = 0; i < c->linux_->readonly_paths_len; i++)
    {
      const char *p = c->linux_->readonly_paths[i];
      cleanup_close int fd = rl_path_open (root, p, O_PATH, 0);
      cleanup_close int top = -1;
      char fdp[RL_FD_PATH_MAX];

      if (fd < 0 && errno == ENOENT)
        continue;
      if (fd < 0)
        return oci_error_set (err, errno, "readonlyPaths: open %s", p);
      rl_fd_path (fdp, fd);
      if (mount (fdp, fdp, NULL, MS_BIND | MS_REC, NULL) < 0)
        return oci_error_set (err, errno, "readonlyPaths: bind %s onto itself", p);
      top = rl_path_open (root, p, O_PATH, 0);
      if (top < 0)
        return oci_error_set (err, errno, "readonlyPaths: reopen %s", p);
      if (remount_bind (top, MS_RDONLY, 0, p, err) < 0)
        return oci_error_prefix (err, "readonlyPaths");
    }
  return 0;
}

int
rl_rootfs_finish (const struct rl_init *init, struct oci_error *err)
{
  const struct oci_runtime_config *c = init->config;
  cleanup_close int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

  if (root < 0)
    return oci_error_set (err, errno, "open /");
  /* sysctls first: readonlyPaths usually holds /proc/sys. */
  if (rl_sysctl_apply (c, err) < 0)
    return -1;
  if (c->linux_ && readonly_paths (c, root, err) < 0)
    return -1;
  if (c->linux_ && mask_paths (c, root, err) < 0)
    return -1;
  /* root.readonly would remount a mount of the caller's namespace (runc
   * also leaves the root writable without a mount namespace). */
  if (c->root && c->root->readonly && init->new_mountns)
    {
      unsigned long f = MS_REMOUNT | MS_BIND | MS_RDONLY | kept_flags ("/", 0);
      if (mount (NULL, "/", NULL, f, NULL) < 0)
        return oci_error_set (err, errno, "remount / read-only (root.readonly)");
    }
  return 0;
}

int
rl_rootfs_dev_readonly (const struct rl_init *init, struct oci_error *err)
{
  const struct oci_runtime_config *c = init->config;

  for (size_t i = 0; i < c->mounts_len; i++)
    {
      const struct oci_mount *m = &c->mounts[i];
      cleanup_mount_opts struct rl_mount_opts o = { 0 };
      cleanup_close int fd = -1;

      if (!path_is (m->destination, "/dev") || is_bind (m))
        continue;
      if (rl_mount_opts_parse (m->options, m->options_len, &o, err) < 0)
        return oci_error_prefix (err, "mounts[%zu] (%s)", i, m->destination);
      if (!(o.flags & MS_RDONLY))
        continue;
      fd = open ("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        return oci_error_set (err, errno, "mounts[%zu]: open /dev", i);
      if (remount_bind (fd, MS_RDONLY | remount_worthy (o.flags), 0, "/dev read-only", err) < 0)
        return oci_error_prefix (err, "mounts[%zu]", i);
    }
  return 0;
}
