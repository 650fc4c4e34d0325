#include "config.h"
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "common/fs.h"
#include "common/strv.h"
#include "fileutil.h"
#include "util.h"

void
rl_cgroup_dirs_free (struct rl_cgroup_dirs *d)
{
  for (size_t i = 0; i < d->len; i++)
    free (d->dirs[i]);
  free (d->dirs);
  d->dirs = NULL;
  d->len = 0;
}

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

bool
rl_cgroup_unified_mode (void)
{
  struct statfs sfs;
  return statfs ("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

/* "rw,cpu,cpuacct" -> does it name this v1 controller list ("cpu,cpuacct")? */
static bool
options_match (const char *super_opts, const char *controllers)
{
  return cmn_csv_has_all (super_opts, controllers);
}

/* The mount point of the hierarchy described by a /proc/self/cgroup line's
 * controller list ("" for v2). */
static char *
find_mount (const char *mountinfo, const char *controllers)
{
  bool v2 = *controllers == '\0';
  const char *line = mountinfo;

  while (line && *line)
    {
      const char *end = strchr (line, '\n');
      size_t len = end ? (size_t) (end - line) : strlen (line);
      cleanup_free char *l = strndup (line, len);
      char *sep, *mp = NULL, *fstype = NULL, *opts = NULL;

      line = end ? end + 1 : NULL;
      if (l == NULL || (sep = strstr (l, " - ")) == NULL)
        continue;
      *sep = '\0';
      /* fields: id parent maj:min root mountpoint ... */
      {
        char *save = NULL, *f = strtok_r (l, " ", &save);
        for (int i = 0; f && i < 4; i++)
          f = strtok_r (NULL, " ", &save);
        mp = f;
      }
      {
        char *save = NULL;
        fstype = strtok_r (sep + 3, " ", &save);
        strtok_r (NULL, " ", &save); /* source */
        opts = strtok_r (NULL, " ", &save);
      }
      if (mp == NULL || fstype == NULL || opts == NULL)
        continue;
      if (v2 ? strcmp (fstype, "cgroup2") == 0
             : (strcmp (fstype, "cgroup") == 0 && options_match (opts, controllers)))
        return strdup (mp);
    }
  return NULL;
}

static int
append_dir (struct rl_cgroup_dirs *d, char *dir)
{
  char **n = realloc (d->dirs, (d->len + 1) * sizeof (char *));
  if (n == NULL)
    {
      free (dir);
      return -1;
    }
  d->dirs = n;
  d->dirs[d->len++] = dir;
  return 0;
}

/* cpuset (v1) refuses tasks in a cgroup whose cpus/mems are empty: a new
 * cgroup starts empty, so copy them down from the parent, which is filled
 * first only when it is as new (one read of the parent's file otherwise). */
static void
cpuset_inherit (const char *dir)
{
  static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
  for (size_t i = 0; i < 2; i++)
    {
      cleanup_free char *path = NULL, *parent = NULL, *cur = NULL, *from = NULL;
      struct oci_error err = OCI_ERROR_INIT;
      size_t len;
      char *slash;

      if (asprintf (&path, "%s/%s", dir, files[i]) < 0 || (parent = strdup (dir)) == NULL)
        return;
      if (oci_read_file (path, 4096, &cur, &len, &err) < 0 || strspn (cur, " \n") != len)
        {
          bool not_cpuset = err.errnum == ENOENT;
          oci_error_clear (&err);
          if (not_cpuset)
            return; /* no cpuset.mems either */
          continue; /* already set */
        }
      slash = strrchr (parent, '/');
      if (slash == NULL)
        return;
      *slash = '\0';
      if (asprintf (&from, "%s/%s", parent, files[i]) < 0)
        return;
      free (cur);
      cur = NULL;
      if (oci_read_file (from, 4096, &cur, &len, &err) == 0 && strspn (cur, " \n") == len)
        {
          free (cur);
          cur = NULL;
          cpuset_inherit (parent);
          if (oci_read_file (from, 4096, &cur, &len, &err) < 0)
            cur = NULL;
        }
      if (cur != NULL)
        rl_write_file (path, cur, &err);
      oci_error_clear (&err);
    }
}

int
rl_cgroup_read_mountinfo (char **out, struct oci_error *err)
{
  size_t len;
  return oci_read_file ("/proc/self/mountinfo", 16 << 20, out, &len, err);
}

int
rl_cgroup_resolve_in (const char *mountinfo, const char *cgroups_path, const char *id, struct rl_cgroup_dirs *out,
                      struct oci_error *err)
{
  cleanup_free char *self = NULL;
  const char *want = cgroups_path && *cgroups_path ? cgroups_path : id;
  size_t len;

  out->dirs = NULL;
  out->len = 0;
  out->has_v2 = false;
  if (oci_read_file ("/proc/self/cgroup", 1 << 20, &self, &len, err) < 0)
    return -1;
  for (char *save = NULL, *line = strtok_r (self, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      /* hierarchy-id:controller-list:path */
      char *c1 = strchr (line, ':'), *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      cleanup_free char *controllers = NULL, *mount = NULL;
      char *dir = NULL;
      int n;
      if (c2 == NULL)
        continue;
      controllers = strndup (c1 + 1, (size_t) (c2 - c1 - 1));
      if (controllers == NULL)
        goto nomem;
      mount = find_mount (mountinfo, controllers);
      if (mount == NULL)
        continue; /* a hierarchy not mounted here */
      if (want[0] == '/')
        n = asprintf (&dir, "%s%s", mount, want);
      else
        n = asprintf (&dir, "%s%s/%s", mount, strcmp (c2 + 1, "/") == 0 ? "" : c2 + 1, want);
      if (n < 0 || append_dir (out, dir) < 0)
        goto nomem;
      if (*controllers == '\0')
        out->has_v2 = true;
    }
  return 0;
nomem:
  rl_cgroup_dirs_free (out);
  return oci_error_set (err, ENOMEM, "cgroup");
}

int
rl_cgroup_make (struct rl_cgroup_dirs *resolved, bool rootless, struct rl_cgroup_dirs *out, struct oci_error *err)
{
  struct rl_cgroup_dirs all = *resolved;
  int ret = -1;

  *resolved = (struct rl_cgroup_dirs) { 0 };
  out->dirs = NULL;
  out->len = 0;
  out->rootless = rootless;
  out->has_v2 = all.has_v2;
  for (size_t i = 0; i < all.len; i++)
    {
      const char *dir = all.dirs[i];
      if (rl_mkdir_p (dir, 0755, err) < 0)
        {
          if (rootless && (err->errnum == EACCES || err->errnum == EPERM || err->errnum == EROFS))
            {
              oci_error_clear (err);
              continue;
            }
          oci_error_prefix (err, "create cgroup %s", dir);
          goto out;
        }
      cpuset_inherit (dir);
      if (append_dir (out, steal_pointer (&all.dirs[i])) < 0)
        {
          oci_error_set (err, ENOMEM, "cgroup");
          goto out;
        }
    }
  ret = 0;
out:
  rl_cgroup_dirs_free (&all);
  if (ret < 0)
    rl_cgroup_dirs_free (out);
  return ret;
}

/* Calls fn on each sub-cgroup directory of dir (not dir itself). */
static int
for_each_child (const char *dir, int (*fn) (const char *child, void *arg), void *arg, struct oci_error *err)
{
  cleanup_closedir DIR *d = opendir (dir);
  struct dirent *de;

  if (d == NULL)
    return errno == ENOENT ? 0 : oci_error_set (err, errno, "open cgroup %s", dir);
  while ((de = cmn_readdir (d)) != NULL)
    {
      cleanup_free char *child = NULL;
      if (de->d_type != DT_DIR)
        continue;
      if (asprintf (&child, "%s/%s", dir, de->d_name) < 0)
        return oci_error_set (err, ENOMEM, "cgroup");
      if (fn (child, arg) < 0)
        return -1;
    }
  return 0;
}

#define RL_CLONE_INTO_CGROUP 0x200000000ULL

/* clone3's argument, version 2 (Linux 5.7: cgroup). */
struct rl_clone_args
{
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

pid_t
rl_cgroup_clone (unsigned long flags, char *const *dirs, size_t n, size_t *joined)
{
  *joined = n;
  for (size_t i = 0; i < n; i++)
    {
      struct statfs sfs;
      cleanup_close int fd = -1;
      if (statfs (dirs[i], &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC)
        continue;
      fd = open (dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0)
        break;
      struct rl_clone_args a = {
        .flags = flags | RL_CLONE_INTO_CGROUP,
        .exit_signal = SIGCHLD,
        .cgroup = (uint64_t) fd,
      };
      pid_t pid = (pid_t) syscall (SYS_clone3, &a, sizeof a);
      if (pid >= 0)
        {
          *joined = i;
          return pid;
        }
      break; /* an older kernel, or not allowed there: the plain way */
    }
  return (pid_t) syscall (SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

int
rl_cgroup_join_self (char *const *dirs, size_t n, size_t skip, unsigned int flags, struct oci_error *err)
{
  for (size_t i = 0; i < n; i++)
    {
      if (i == skip)
        continue;
      cleanup_free char *tasks = NULL, *procs = NULL;
      cleanup_close int fd = -1;
      if (asprintf (&tasks, "%s/tasks", dirs[i]) < 0 || asprintf (&procs, "%s/cgroup.procs", dirs[i]) < 0)
        return oci_error_set (err, ENOMEM, "cgroup");
      /* v1: "0" in tasks moves the calling thread (the whole process,
       * single-threaded here) without the global write lock whose RCU
       * grace period makes a write of a pid to cgroup.procs take
       * milliseconds.  v2 has no tasks file: cgroup.procs. */
      fd = open (tasks, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
      if (fd < 0 && errno == ENOENT)
        fd = open (procs, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
      if (fd >= 0 && write (fd, "0", 1) == 1)
        continue;
      if ((errno == ENOENT && (flags & RL_CGROUP_SKIP_MISSING))
          || ((errno == EACCES || errno == EPERM || errno == EROFS) && (flags & RL_CGROUP_SKIP_DENIED)))
        continue;
      return oci_error_set (err, errno, "join cgroup %s", dirs[i]);
    }
  return 0;
}

struct pid_walk
{
  pid_t **pids;
  size_t *n, cap;
  struct oci_error *err;
};

/* Appends the pids of dir and of every sub-cgroup below it (runc's
 * GetAllPids: processes moved into a sub-cgroup are still the container's). */
static int
collect_pids (const char *dir, void *arg)
{
  struct pid_walk *w = arg;
  cleanup_free char *path = NULL, *text = NULL;
  size_t len;

  if (asprintf (&path, "%s/cgroup.procs", dir) < 0)
    return oci_error_set (w->err, ENOMEM, "cgroup");
  if (oci_read_file (path, 64 << 20, &text, &len, w->err) < 0)
    {
      if (w->err->errnum != ENOENT)
        return -1;
      oci_error_clear (w->err);
      return 0;
    }
  for (char *save = NULL, *l = strtok_r (text, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    {
      if (*w->n == w->cap)
        {
          pid_t *np = realloc (*w->pids, (w->cap = w->cap ? w->cap * 2 : 16) * sizeof (pid_t));
          if (np == NULL)
            return oci_error_set (w->err, ENOMEM, "cgroup");
          *w->pids = np;
        }
      (*w->pids)[(*w->n)++] = (pid_t) atoi (l);
    }
  return for_each_child (dir, collect_pids, w, w->err);
}

int
rl_cgroup_pids (const struct rl_cgroup_dirs *d, pid_t **pids, size_t *n, struct oci_error *err)
{
  struct pid_walk w = { pids, n, 0, err };
  *pids = NULL;
  *n = 0;
  for (size_t i = 0; i < d->len; i++)
    {
      if (collect_pids (d->dirs[i], &w) < 0)
        return -1;
      if (*n > 0)
        return 0;
    }
  return 0;
}

/* True when processes (not zombies being reaped) still live in dir. */
static bool
cgroup_has_procs (const char *dir)
{
  cleanup_free char *path = NULL, *text = NULL;
  struct oci_error err = OCI_ERROR_INIT;
  size_t len = 0;
  if (asprintf (&path, "%s/cgroup.procs", dir) < 0 || oci_read_file (path, 1 << 20, &text, &len, &err) < 0)
    {
      oci_error_clear (&err);
      return false;
    }
  return len > 0;
}

/* for_each_child callback: stops the walk at the first child. */
static int
found_child (const char *child, void *arg)
{
  (void) child;
  (void) arg;
  return -1;
}

/* Removes dir after its sub-cgroups, deepest first: rmdir of a cgroup
 * with children fails with EBUSY (runc's RemovePath does the same). */
static int
remove_tree (const char *dir, void *arg)
{
  struct oci_error *err = arg;
  int tries = 0;

  /* The common case, a cgroup without sub-cgroups: gone at once, without
   * listing it first (nine listings per container on cgroup v1). */
  if (rmdir (dir) == 0 || errno == ENOENT)
    return 0;
  if (for_each_child (dir, remove_tree, err, err) < 0)
    return -1;
  /* The last process may still be leaving the cgroup for a moment
   * after its exit was reported: retry EBUSY briefly. */
  while (rmdir (dir) < 0)
    {
      struct timespec ts = { 0, 1000000 };
      int e = errno;
      if (e == ENOENT)
        break;
      if (e == EBUSY && (cgroup_has_procs (dir) || for_each_child (dir, found_child, NULL, err) < 0))
        {
          /* shared with another container (in it or in a sub-cgroup kept
           * above for that reason): its cgroup, not ours to remove */
          oci_error_clear (err);
          break;
        }
      if (e != EBUSY || ++tries > 1000)
        return oci_error_set (err, e, "remove cgroup %s", dir);
      nanosleep (&ts, NULL);
    }
  return 0;
}

int
rl_cgroup_remove (const struct rl_cgroup_dirs *d, struct oci_error *err)
{
  for (size_t i = 0; i < d->len; i++)
    if (remove_tree (d->dirs[i], err) < 0)
      return -1;
  return 0;
}

/* ---- resources ---- */

int
rl_cgroup_write (const char *dir, const char *file, const char *value, struct oci_error *err)
{
  cleanup_free char *path = NULL;
  cleanup_close int fd = -1;
  size_t len = strlen (value);
  ssize_t n;

  if (asprintf (&path, "%s/%s", dir, file) < 0)
    return oci_error_set (err, ENOMEM, "cgroup");
  fd = open (path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return oci_error_set (err, errno, "write %s = %s in %s", file, value, dir);
  /* one write(2): the kernel parses each write as one value */
  n = write (fd, value, len);
  if (n < 0 || (size_t) n != len)
    return oci_error_set (err, n < 0 ? errno : EIO, "write %s = %s in %s", file, value, dir);
  return 0;
}

int
rl_cgroup_writef (const char *dir, const char *file, struct oci_error *err, const char *fmt, ...)
{
  cleanup_free char *value = NULL;
  va_list ap;
  int r;
  va_start (ap, fmt);
  r = vasprintf (&value, fmt, ap);
  va_end (ap);
  if (r < 0)
    return oci_error_set (err, ENOMEM, "cgroup");
  return rl_cgroup_write (dir, file, value, err);
}

bool
rl_cgroup_has_file (const char *dir, const char *file)
{
  cleanup_free char *path = NULL;
  return asprintf (&path, "%s/%s", dir, file) >= 0 && access (path, F_OK) == 0;
}

int
rl_cgroup_read_u64 (const char *dir, const char *file, uint64_t *out, struct oci_error *err)
{
  cleanup_free char *path = NULL, *text = NULL;
  size_t len;
  char *end = NULL;

  if (asprintf (&path, "%s/%s", dir, file) < 0)
    return oci_error_set (err, ENOMEM, "cgroup");
  if (oci_read_file (path, 4096, &text, &len, err) < 0)
    return -1;
  if (strncmp (text, "max", 3) == 0)
    {
      *out = UINT64_MAX;
      return 0;
    }
  errno = 0;
  *out = strtoull (text, &end, 10);
  if (errno != 0 || end == text)
    return oci_error_set (err, EINVAL, "read %s: not a number: %s", path, text);
  return 0;
}

static bool
resources_empty (const struct oci_linux_resources *r)
{
  return r->devices_len == 0 && r->memory == NULL && r->cpu == NULL && r->pids == NULL && r->block_io == NULL
         && r->hugepage_limits_len == 0 && r->network == NULL && r->rdma.len == 0 && r->unified.len == 0;
}

/* The cgroup mount holding dir (the longest mount point that is a prefix):
 * its mount point and super options, "" for cgroup2. */
static int
mount_of (const char *mountinfo, const char *dir, char **mp_out, char **opts_out)
{
  size_t best = 0;
  *mp_out = *opts_out = NULL;
  for (const char *line = mountinfo; line && *line;)
    {
      const char *end = strchr (line, '\n');
      cleanup_free char *l = strndup (line, end ? (size_t) (end - line) : strlen (line));
      char *sep, *mp = NULL, *fstype, *opts, *save = NULL, *save2 = NULL;
      size_t mlen;

      line = end ? end + 1 : NULL;
      if (l == NULL || (sep = strstr (l, " - ")) == NULL)
        continue;
      *sep = '\0';
      mp = strtok_r (l, " ", &save);
      for (int i = 0; mp && i < 4; i++)
        mp = strtok_r (NULL, " ", &save);
      fstype = strtok_r (sep + 3, " ", &save2);
      strtok_r (NULL, " ", &save2);
      opts = strtok_r (NULL, " ", &save2);
      if (mp == NULL || fstype == NULL || opts == NULL)
        continue;
      if (strcmp (fstype, "cgroup") != 0 && strcmp (fstype, "cgroup2") != 0)
        continue;
      mlen = strlen (mp);
      if (strncmp (dir, mp, mlen) != 0 || (dir[mlen] != '/' && dir[mlen] != '\0') || mlen <= best)
        continue;
      best = mlen;
      free (*mp_out);
      free (*opts_out);
      *mp_out = strdup (mp);
      *opts_out = strdup (strcmp (fstype, "cgroup2") == 0 ? "" : opts);
      if (*mp_out == NULL || *opts_out == NULL)
        return -1;
    }
  return 0;
}

int
rl_cgroup_apply_resources (const struct rl_cgroup_dirs *dirs, const struct oci_linux_resources *r,
                           struct oci_error *err)
{
  cleanup_free char *mountinfo = NULL;
  if (r == NULL || resources_empty (r) || dirs->len == 0)
    return 0;
  if (rl_cgroup_read_mountinfo (&mountinfo, err) < 0)
    return -1;
  return rl_cgroup_apply_resources_in (mountinfo, dirs, r, err);
}

int
rl_cgroup_apply_resources_in (const char *mountinfo, const struct rl_cgroup_dirs *dirs,
                              const struct oci_linux_resources *r, struct oci_error *err)
{
  cleanup_free char *v2root = NULL;
  struct rl_cgroup_v1_dirs v1 = { NULL };
  const char *v2dir = NULL;
  bool any_v1 = false;
  static const struct
  {
    const char *name;
    size_t offset;
  } controllers[] = {
#define C(n) { #n, offsetof (struct rl_cgroup_v1_dirs, n) }
    C (memory),  C (cpu),     C (cpuset),  C (pids),     C (blkio),
    C (devices), C (hugetlb), C (net_cls), C (net_prio), C (rdma),
#undef C
  };

  if (r == NULL || resources_empty (r) || dirs->len == 0)
    return 0;
  for (size_t i = 0; i < dirs->len; i++)
    {
      cleanup_free char *opts = NULL, *mp = NULL;
      if (mount_of (mountinfo, dirs->dirs[i], &mp, &opts) < 0)
        return oci_error_set (err, ENOMEM, "cgroup");
      if (mp == NULL)
        continue;
      if (*opts == '\0')
        {
          v2dir = dirs->dirs[i];
          free (v2root);
          v2root = steal_pointer (&mp);
          continue;
        }
      for (size_t c = 0; c < sizeof controllers / sizeof controllers[0]; c++)
        if (options_match (opts, controllers[c].name))
          {
            *(const char **) ((char *) &v1 + controllers[c].offset) = dirs->dirs[i];
            any_v1 = true;
          }
    }
  if (any_v1)
    {
      if (r->unified.len > 0)
        return oci_error_set (err, EOPNOTSUPP,
                              "linux.resources.unified: cgroup v2 files (%s) cannot be set on a cgroup v1 host",
                              r->unified.keys[0]);
      return rl_cgroup_v1_apply (&v1, r, dirs->rootless, err);
    }
  if (v2dir)
    return rl_cgroup_v2_apply (v2root, v2dir, r, dirs->rootless, err);
  return 0;
}

/* ---- exec --cgroup ---- */

/* A --cgroup spec's path, relative, without "..": NULL if it leaves the
 * container's cgroup. */
static const char *
sub_path (const char *path)
{
  const char *p = path;
  while (*p == '/')
    p++;
  if (*p == '\0')
    return NULL;
  for (const char *c = p; *c;)
    {
      size_t l = strcspn (c, "/");
      if (l == 2 && c[0] == '.' && c[1] == '.')
        return NULL;
      c += l;
      c += *c == '/';
    }
  return p;
}

/* Whether spec (controllers before the colon) applies to a hierarchy with
 * these super options ("" for cgroup2). */
static bool
spec_applies (const char *spec, const char *colon, const char *opts)
{
  cleanup_free char *ctrls = NULL;
  char *save = NULL;
  if (colon == NULL)
    return true;
  if (*opts == '\0')
    return rl_cgroup_unified_mode ();
  ctrls = strndup (spec, (size_t) (colon - spec));
  for (char *c = ctrls ? strtok_r (ctrls, ",", &save) : NULL; c; c = strtok_r (NULL, ",", &save))
    if (options_match (opts, c))
      return true;
  return false;
}

int
rl_cgroup_sub_dirs (char *const *dirs, size_t n, char *const *specs, size_t nspecs, struct rl_cgroup_dirs *out,
                    struct oci_error *err)
{
  cleanup_free char *mountinfo = NULL;
  cleanup_free char **opts = calloc (n + 1, sizeof (char *));
  size_t len;
  int ret = -1;

  out->dirs = NULL;
  out->len = 0;
  if (opts == NULL)
    return oci_error_set (err, ENOMEM, "cgroup");
  if (oci_read_file ("/proc/self/mountinfo", 16 << 20, &mountinfo, &len, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *mp = NULL;
      if (mount_of (mountinfo, dirs[i], &mp, &opts[i]) < 0)
        goto nomem;
    }
  for (size_t s = 0; s < nspecs; s++)
    {
      const char *colon = strchr (specs[s], ':');
      bool used = false;
      if (sub_path (colon ? colon + 1 : specs[s]) == NULL)
        {
          oci_error_set (err, 0, "--cgroup %s: not a sub-cgroup path", specs[s]);
          goto out;
        }
      for (size_t i = 0; i < n && !used; i++)
        used = opts[i] && spec_applies (specs[s], colon, opts[i]);
      if (!used)
        {
          oci_error_set (err, 0, "--cgroup %s: unknown controller (none of the container's hierarchies has it)",
                         specs[s]);
          goto out;
        }
    }
  for (size_t i = 0; i < n; i++)
    {
      const char *path = NULL;
      char *dir = NULL;
      struct stat st;
      for (size_t s = 0; s < nspecs; s++)
        {
          const char *colon = strchr (specs[s], ':');
          if (opts[i] && spec_applies (specs[s], colon, opts[i]))
            path = sub_path (colon ? colon + 1 : specs[s]);
        }
      if ((path ? asprintf (&dir, "%s/%s", dirs[i], path) : ((dir = strdup (dirs[i])) ? 0 : -1)) < 0
          || append_dir (out, dir) < 0)
        goto nomem;
      if (path)
        {
          int e = stat (dir, &st) < 0 ? errno : S_ISDIR (st.st_mode) ? 0 : ENOTDIR;
          if (e != 0)
            {
              oci_error_set (err, e, "--cgroup: sub-cgroup %s", dir);
              goto out;
            }
        }
    }
  ret = 0;
  goto out;
nomem:
  oci_error_set (err, ENOMEM, "cgroup");
out:
  for (size_t i = 0; i < n; i++)
    free (opts[i]);
  if (ret < 0)
    rl_cgroup_dirs_free (out);
  return ret;
}
