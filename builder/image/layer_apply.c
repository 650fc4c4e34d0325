/* Layer extraction; see layer_apply.h for the rules. */
#include "config.h"
#include "image/layer_apply.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "cleanup.h"
#include "common/array.h"
#include "common/fs.h"
#include "common/root_path.h"
#include "fileutil.h"
#include "image/layer_source.h"
#include "image/size_limits.h"

bool
bld_devices_allowed (void)
{
  cleanup_free char *map = NULL;
  unsigned long inside, outside, count;

  if (geteuid () != 0)
    return false;
  /* The initial user namespace maps every id to itself. */
  if (oci_read_file ("/proc/self/uid_map", 4096, &map, NULL, NULL) < 0)
    return false;
  if (sscanf (map, "%lu %lu %lu", &inside, &outside, &count) != 3)
    return false;
  return inside == 0 && outside == 0 && count == 4294967295UL;
}

/* ---- a set of paths (this layer's entries and their parents) ----
 * A tree of components, each node its parent's id and its name, found by
 * a hash of both: memory and time linear in a path's length however deep
 * it is (a set of whole prefixes would be quadratic). */

struct pathnode
{
  size_t parent; /* 0: the root */
  char *name;
  size_t len;
};

struct pathset
{
  struct pathnode *nodes; /* node id i + 1 is nodes[i] */
  size_t len, cap;
  size_t *slots; /* node ids, 0 for empty */
  size_t slots_cap;
};

static size_t
node_hash (size_t parent, const char *name, size_t n)
{
  size_t h = 1469598103934665603ULL ^ (parent * 0x9e3779b97f4a7c15ULL);
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char) name[i]) * 1099511628211ULL;
  return h;
}

static size_t
pathset_find (const struct pathset *ps, size_t parent, const char *name, size_t n)
{
  if (ps->slots_cap == 0)
    return 0;
  for (size_t i = node_hash (parent, name, n) & (ps->slots_cap - 1);; i = (i + 1) & (ps->slots_cap - 1))
    {
      size_t id = ps->slots[i];
      if (id == 0)
        return 0;
      const struct pathnode *nd = &ps->nodes[id - 1];
      if (nd->parent == parent && nd->len == n && memcmp (nd->name, name, n) == 0)
        return id;
    }
}

static void
pathset_slot (struct pathset *ps, size_t id)
{
  const struct pathnode *nd = &ps->nodes[id - 1];
  size_t i = node_hash (nd->parent, nd->name, nd->len) & (ps->slots_cap - 1);
  while (ps->slots[i])
    i = (i + 1) & (ps->slots_cap - 1);
  ps->slots[i] = id;
}

/* The child name of parent, made when missing; 0 when out of memory. */
static size_t
pathset_child (struct pathset *ps, size_t parent, const char *name, size_t n, uint64_t *stored)
{
  size_t id = pathset_find (ps, parent, name, n);
  if (id)
    return id;
  if ((ps->len + 1) * 2 > ps->slots_cap)
    {
      size_t ncap = ps->slots_cap ? ps->slots_cap * 2 : 256;
      size_t *ns = calloc (ncap, sizeof *ns);
      if (ns == NULL)
        return 0;
      free (ps->slots);
      ps->slots = ns;
      ps->slots_cap = ncap;
      for (size_t j = 1; j <= ps->len; j++)
        pathset_slot (ps, j);
    }
  if (ps->len == ps->cap)
    {
      size_t ncap = ps->cap ? ps->cap * 2 : 128;
      struct pathnode *nn = realloc (ps->nodes, ncap * sizeof *nn);
      if (nn == NULL)
        return 0;
      ps->nodes = nn;
      ps->cap = ncap;
    }
  char *copy = strndup (name, n);
  if (copy == NULL)
    return 0;
  ps->nodes[ps->len] = (struct pathnode) { parent, copy, n };
  id = ++ps->len;
  pathset_slot (ps, id);
  *stored += n + 1 + sizeof (struct pathnode) + 2 * sizeof (size_t);
  return id;
}

/* Whether p (a clean relative path) is in the set. */
static bool
pathset_has (const struct pathset *ps, const char *p)
{
  size_t id = 0;
  if (*p == '\0')
    return false;
  while (*p)
    {
      const char *e = strchrnul (p, '/');
      id = pathset_find (ps, id, p, (size_t) (e - p));
      if (id == 0)
        return false;
      p = *e ? e + 1 : e;
    }
  return true;
}

/* Adds p and its parents; *stored grows by the bytes kept. */
static int
pathset_add (struct pathset *ps, const char *p, uint64_t *stored)
{
  size_t id = 0;
  while (*p)
    {
      const char *e = strchrnul (p, '/');
      id = pathset_child (ps, id, p, (size_t) (e - p), stored);
      if (id == 0)
        return -1;
      p = *e ? e + 1 : e;
    }
  return 0;
}

static void
pathset_free (struct pathset *ps)
{
  for (size_t i = 0; i < ps->len; i++)
    free (ps->nodes[i].name);
  free (ps->nodes);
  free (ps->slots);
}

/* ---- paths ---- */

/* Normalises an entry path: "./" prefixes, "." components and repeated
 * slashes go; absolute paths, ".." and more than max_depth components are
 * refused.  "" is the root. */
static int
clean_path (const char *in, const char *what, uint64_t max_depth, char **out, struct oci_error *err)
{
  uint64_t depth = 0;
  cleanup_free char *res = malloc (strlen (in) + 1);
  size_t n = 0;
  const char *p = in;

  *out = NULL;
  if (res == NULL)
    return oci_error_set (err, ENOMEM, "path");
  if (*in == '\0')
    return oci_error_set (err, 0, "empty %s", what);
  if (*in == '/')
    return oci_error_set (err, 0, "%s \"%s\" is absolute", what, in);
  while (*p)
    {
      const char *e = strchrnul (p, '/');
      size_t len = (size_t) (e - p);
      if (len == 2 && p[0] == '.' && p[1] == '.')
        return oci_error_set (err, 0, "%s \"%s\" has a \"..\" component", what, in);
      if (len > 0 && !(len == 1 && p[0] == '.'))
        {
          if (++depth > max_depth)
            return oci_error_set (err, 0, "%s has more than %llu components (the depth limit)", what,
                                  (unsigned long long) max_depth);
          if (n > 0)
            res[n++] = '/';
          memcpy (res + n, p, len);
          n += len;
        }
      p = *e ? e + 1 : e;
    }
  res[n] = '\0';
  *out = steal_pointer (&res);
  return 0;
}

/* Opens directory path inside the root, as O_PATH. */
static int
open_in_root (int rootfd, const char *path)
{
  return cmn_open_in_root (rootfd, path, O_PATH | O_DIRECTORY, 0);
}

/* Opens directory dir (a clean relative path, "" for the root) inside the
 * root as an O_PATH fd; with create (the count of directories made, else
 * NULL), missing components are made. */
static int
open_dir_in_root (int rootfd, const char *dir, uint64_t *create, int *out, struct oci_error *err)
{
  cleanup_free char *prefix = NULL;
  cleanup_close int cur = -1;
  int fd;

  *out = -1;
  if (*dir == '\0')
    {
      fd = open_in_root (rootfd, ".");
      if (fd < 0)
        return oci_error_set (err, errno, "open the root");
      *out = fd;
      return 0;
    }
  fd = open_in_root (rootfd, dir);
  if (fd >= 0)
    {
      *out = fd;
      return 0;
    }
  if (errno != ENOENT || create == NULL)
    return oci_error_set (err, errno, "directory %s", dir);

  /* Make the missing components one by one, each under its parent's fd
   * (linear in the depth); only a symlink on the way is resolved again
   * from the root. */
  prefix = strdup (dir);
  if (prefix == NULL)
    return oci_error_set (err, ENOMEM, "path");
  if (open_dir_in_root (rootfd, "", NULL, &cur, err) < 0)
    return -1;
  for (char *p = prefix;;)
    {
      char *slash = strchr (p, '/');
      struct stat st;
      int next;

      if (slash)
        *slash = '\0';
      next = openat (cur, p, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0 && errno == ENOENT)
        {
          if (mkdirat (cur, p, 0755) < 0)
            return oci_error_set (err, errno, "create parent directory %s", prefix);
          (*create)++;
          next = openat (cur, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
      else if (next >= 0 && fstat (next, &st) < 0)
        {
          int e = errno;
          close (next);
          return oci_error_set (err, e, "stat %s", prefix);
        }
      else if (next >= 0 && !S_ISDIR (st.st_mode))
        {
          bool link = S_ISLNK (st.st_mode);
          close (next);
          next = -1;
          errno = ENOTDIR;
          if (link)
            {
              next = open_in_root (rootfd, prefix);
              if (next < 0 && errno == ENOENT)
                return oci_error_set (err, ENOENT, "parent %s is a symlink to a missing target", prefix);
            }
        }
      if (next < 0)
        return oci_error_set (err, errno, "parent directory %s", prefix);
      close (cur);
      cur = next;
      if (!slash)
        break;
      *slash = '/';
      p = slash + 1;
    }
  *out = steal_fd (&cur);
  return 0;
}

static void
split_path (char *path, const char **dir, const char **base)
{
  char *slash = strrchr (path, '/');
  if (slash)
    {
      *slash = '\0';
      *dir = path;
      *base = slash + 1;
    }
  else
    {
      *dir = "";
      *base = path;
    }
}

/* Removes name under dfd and everything below it, never following a
 * symlink. */
static int
remove_tree (int dfd, const char *name, struct oci_error *err)
{
  if (cmn_remove_tree_at (dfd, name, false) < 0)
    return oci_error_set (err, errno, "remove %s", name);
  return 0;
}

/* ---- the extractor ---- */

struct deferred_dir
{
  char *path;
  mode_t mode;
  struct timespec times[2];
};

struct extractor
{
  const struct bld_layer_apply_options *opts;
  int rootfd;
  struct pathset layer; /* this layer's paths and their parents */
  struct deferred_dir *dirs;
  size_t dirs_len;
  bool chown_ok;
  uint64_t max_entries, max_path, max_depth;
  struct bld_layer_source *src; /* its lim: the size limits */
  uint64_t made;                /* directories made (counted, not yet charged) */
  struct bld_layer_apply_stats *stats;
  char *buf;
};

/* Counts more bytes (content, or headers, directories and bookkeeping)
 * against the layer's limits: the absolute one and the ratio to the
 * input. */
static int
charge_within (struct extractor *x, const struct bld_size_limits *lim, uint64_t more, struct oci_error *err)
{
  uint64_t input = bld_layer_source_input_size (x->src);
  uint64_t limit = bld_size_limits_allowed (lim, input);
  uint64_t used = x->stats->bytes + x->stats->metadata;

  if (more > limit || used > limit - more)
    {
      if (limit < lim->max_size)
        return bld_size_limits_error (lim, "the layer", input, err);
      return oci_error_set (err, 0,
                            "%llu more bytes exceed the layer's content limit (%llu; headers and "
                            "directories count too)",
                            (unsigned long long) more, (unsigned long long) limit);
    }
  return 0;
}

static int
charge (struct extractor *x, uint64_t more, struct oci_error *err)
{
  return charge_within (x, &x->src->lim, more, err);
}

static int
charge_metadata (struct extractor *x, uint64_t more, struct oci_error *err)
{
  more += x->made * BLD_DIRECTORY_COST;
  x->made = 0;
  if (charge (x, more, err) < 0)
    return -1;
  x->stats->metadata += more;
  return 0;
}

static int
proc_fd_path (int fd, char out[64])
{
  return snprintf (out, 64, "/proc/self/fd/%d", fd) < 64 ? 0 : -1;
}

/* Removes the lower layers' content of dir (an O_PATH-free real dir fd
 * opened here), keeping this layer's entries. */
static int
clear_lower (struct extractor *x, int dfd, const char *dirpath, struct oci_error *err)
{
  cleanup_closedir DIR *d = NULL;
  struct dirent *de;
  int fd = openat (dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return oci_error_set (err, errno, "open %s", *dirpath ? dirpath : "/");
    }
  while ((de = readdir (d)) != NULL)
    {
      cleanup_free char *child = NULL;
      struct stat st;
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (asprintf (&child, "%s%s%s", dirpath, *dirpath ? "/" : "", de->d_name) < 0)
        return oci_error_set (err, ENOMEM, "path");
      if (!pathset_has (&x->layer, child))
        {
          if (remove_tree (dirfd (d), de->d_name, err) < 0)
            return oci_error_prefix (err, "opaque directory %s", *dirpath ? dirpath : "/");
          continue;
        }
      if (fstatat (dirfd (d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR (st.st_mode))
        {
          cleanup_close int sub = openat (dirfd (d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (sub < 0)
            return oci_error_set (err, errno, "open %s", child);
          if (clear_lower (x, sub, child, err) < 0)
            return -1;
        }
    }
  return 0;
}

static int
set_opaque_xattr (struct extractor *x, int dirfd, const char *dir, struct oci_error *err)
{
  char proc[64];
  const char *name = x->opts->overlay_user_xattr ? "user.overlay.opaque" : "trusted.overlay.opaque";
  proc_fd_path (dirfd, proc);
  if (setxattr (proc, name, "y", 1, 0) < 0)
    return oci_error_set (err, errno, "set %s on %s", name, *dir ? dir : "/");
  return 0;
}

static int
apply_opaque (struct extractor *x, const char *dir, struct oci_error *err)
{
  cleanup_close int fd = -1;
  cleanup_close int real = -1;

  if (open_dir_in_root (x->rootfd, dir, &x->made, &fd, err) < 0 || charge_metadata (x, 0, err) < 0)
    return -1;
  if (x->opts->overlay)
    return set_opaque_xattr (x, fd, dir, err);
  real = openat (fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (real < 0)
    return oci_error_set (err, errno, "open %s", dir);
  return clear_lower (x, real, dir, err);
}

static int
apply_whiteout (struct extractor *x, const char *dir, const char *name, struct oci_error *err)
{
  cleanup_close int fd = -1;
  cleanup_free char *path = NULL;

  if (asprintf (&path, "%s%s%s", dir, *dir ? "/" : "", name) < 0)
    return oci_error_set (err, ENOMEM, "path");
  /* A whiteout hides lower layers only, never its own layer's files. */
  if (pathset_has (&x->layer, path))
    return 0;
  if (x->opts->overlay)
    {
      if (open_dir_in_root (x->rootfd, dir, &x->made, &fd, err) < 0 || charge_metadata (x, 0, err) < 0)
        return -1;
      if (remove_tree (fd, name, err) < 0)
        return -1;
      if (mknodat (fd, name, S_IFCHR | 0000, makedev (0, 0)) < 0)
        return oci_error_set (err, errno, "create overlay whiteout %s", path);
      return 0;
    }
  if (open_dir_in_root (x->rootfd, dir, NULL, &fd, err) < 0)
    {
      if (err->errnum == ENOENT || err->errnum == ENOTDIR)
        {
          oci_error_clear (err);
          return 0; /* nothing to hide */
        }
      return -1;
    }
  return remove_tree (fd, name, err);
}

static bool
overlay_xattr (const char *name)
{
  return strncmp (name, "trusted.overlay.", 16) == 0 || strncmp (name, "user.overlay.", 13) == 0;
}

/* Sets the entry's xattrs on the object behind an O_PATH (or real) fd. */
static int
apply_xattrs (struct extractor *x, struct archive_entry *e, int fd, const char *path, struct oci_error *err)
{
  const char *name;
  const void *value;
  size_t size;
  char proc[64];

  proc_fd_path (fd, proc);
  archive_entry_xattr_reset (e);
  while (archive_entry_xattr_next (e, &name, &value, &size) == ARCHIVE_OK)
    {
      if (overlay_xattr (name))
        continue;
      if (setxattr (proc, name, value, size, 0) < 0)
        {
          if (errno == ENOTSUP || errno == EPERM)
            {
              x->stats->skipped_xattrs++;
              continue;
            }
          return oci_error_set (err, errno, "set xattr %s on %s", name, path);
        }
    }
  return 0;
}

static int
defer_dir (struct extractor *x, const char *path, mode_t mode, const struct timespec times[2], struct oci_error *err)
{
  if (array_reserve (&x->dirs, x->dirs_len + 1, sizeof *x->dirs) < 0)
    return oci_error_set (err, ENOMEM, "directories");
  x->dirs[x->dirs_len].path = strdup (path);
  if (x->dirs[x->dirs_len].path == NULL)
    return oci_error_set (err, ENOMEM, "directories");
  x->dirs[x->dirs_len].mode = mode;
  x->dirs[x->dirs_len].times[0] = times[0];
  x->dirs[x->dirs_len].times[1] = times[1];
  x->dirs_len++;
  return 0;
}

/* Directory modes and times, last (children change a directory's mtime;
 * a read-only mode would stop them being created). */
static int
finish_dirs (struct extractor *x, struct oci_error *err)
{
  for (size_t i = x->dirs_len; i-- > 0;)
    {
      struct deferred_dir *d = &x->dirs[i];
      cleanup_free char *copy = strdup (d->path);
      cleanup_close int parent = -1;
      cleanup_close int fd = -1;
      const char *dir, *base;
      char proc[64];

      if (copy == NULL)
        return oci_error_set (err, ENOMEM, "directories");
      split_path (copy, &dir, &base);
      if (open_dir_in_root (x->rootfd, dir, NULL, &parent, err) < 0)
        {
          /* Removed by a later entry of the layer. */
          oci_error_clear (err);
          continue;
        }
      fd = openat (parent, base, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        continue; /* replaced by a non-directory later */
      proc_fd_path (fd, proc);
      if (chmod (proc, d->mode & 07777) < 0)
        return oci_error_set (err, errno, "chmod %s", d->path);
      if (utimensat (fd, "", d->times, AT_EMPTY_PATH) < 0)
        return oci_error_set (err, errno, "set times of %s", d->path);
    }
  return 0;
}

static int
write_data (struct extractor *x, struct archive *a, int fd, const char *path, int64_t size, struct oci_error *err)
{
  const void *buf;
  size_t len;
  la_int64_t off;
  int64_t end = 0;

  for (;;)
    {
      int rc = archive_read_data_block (a, &buf, &len, &off);
      if (rc == ARCHIVE_EOF)
        break;
      if (rc < ARCHIVE_WARN)
        return oci_error_set (err, archive_errno (a) > 0 ? archive_errno (a) : 0, "read data of %s: %s", path,
                              archive_error_string (a));
      if (charge (x, len, err) < 0)
        return -1;
      x->stats->bytes += len;
      for (size_t done = 0; done < len;)
        {
          ssize_t n = pwrite (fd, (const char *) buf + done, len - done, off + (off_t) done);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            return oci_error_set (err, errno, "write %s", path);
          done += (size_t) n;
        }
      if (off + (int64_t) len > end)
        end = off + (int64_t) len;
    }
  /* Sparse files end in a hole. */
  if (end < size && ftruncate (fd, size) < 0)
    return oci_error_set (err, errno, "truncate %s", path);
  return 0;
}

/* The entry's owner (when chown is allowed) and xattrs on the O_PATH fd. */
static int
own_path (struct extractor *x, struct archive_entry *e, int fd, const char *path, struct oci_error *err)
{
  if (x->chown_ok
      && fchownat (fd, "", archive_entry_uid (e), archive_entry_gid (e), AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
    return oci_error_set (err, errno, "chown %s to %jd:%jd%s", path, (intmax_t) archive_entry_uid (e),
                          (intmax_t) archive_entry_gid (e),
                          errno == EINVAL ? " (an id outside this user namespace: /etc/subuid, /etc/subgid)" : "");
  return apply_xattrs (x, e, fd, path, err);
}

/* Owner, xattrs, mode and times of a non-directory, non-regular entry. */
static int
apply_meta_path (struct extractor *x, struct archive_entry *e, int parent, const char *base, const char *path,
                 bool is_symlink, const struct timespec times[2], struct oci_error *err)
{
  cleanup_close int fd = openat (parent, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  char proc[64];

  if (fd < 0)
    return oci_error_set (err, errno, "open %s", path);
  if (own_path (x, e, fd, path, err) < 0)
    return -1;
  proc_fd_path (fd, proc);
  if (!is_symlink && chmod (proc, archive_entry_mode (e) & 07777) < 0)
    return oci_error_set (err, errno, "chmod %s", path);
  if (utimensat (fd, "", times, AT_EMPTY_PATH) < 0)
    return oci_error_set (err, errno, "set times of %s", path);
  return 0;
}

/* This layer's path and its parents into the set (whiteouts and opaque
 * markers spare them), the memory counted. */
static int
record_path (struct extractor *x, const char *path, struct oci_error *err)
{
  uint64_t stored = 0;
  if (pathset_add (&x->layer, path, &stored) < 0)
    return oci_error_set (err, ENOMEM, "path");
  return charge_metadata (x, stored, err);
}

/* A whiteout entry (base starts ".wh."): the opaque marker or the removal
 * of a name below. */
static int
apply_whiteout_entry (struct extractor *x, const char *dir, const char *base, struct oci_error *err)
{
  const char *name = base + 4;
  if (strcmp (base, ".wh..wh..opq") == 0)
    return apply_opaque (x, dir, err);
  if (strncmp (base, ".wh..wh.", 8) == 0)
    return oci_error_set (err, 0, "reserved whiteout name");
  if (*name == '\0')
    return oci_error_set (err, 0, "whiteout without a name");
  if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return oci_error_set (err, 0, "whiteout of \"%s\"", name);
  return apply_whiteout (x, dir, name, err);
}

/* Whether the entry's type may be made here, and its size charged: 1 to
 * skip it (a device node where they are skipped), 0 to go on. */
static int
admit_entry (struct extractor *x, struct archive_entry *e, const char *path, struct oci_error *err)
{
  mode_t type = archive_entry_filetype (e);
  const char *hardlink = archive_entry_hardlink (e);

  if (hardlink == NULL && (type == AE_IFCHR || type == AE_IFBLK) && !x->opts->allow_devices)
    {
      if (x->opts->skip_devices)
        {
          x->stats->skipped_devices++;
          return 1;
        }
      return oci_error_set (err, 0, "device node %s: not allowed (needs root in the initial user namespace)", path);
    }
  if (hardlink == NULL && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && type != AE_IFCHR
      && type != AE_IFBLK && type != AE_IFIFO)
    return oci_error_set (err, 0, "unsupported entry type 0%o", (unsigned) type);
  /* A sparse file's size is mostly holes: only the absolute limit holds
   * its apparent size; its data is counted as it is written. */
  if (type == AE_IFREG && hardlink == NULL && archive_entry_size (e) > 0)
    {
      struct bld_size_limits lim = x->src->lim;
      if (archive_entry_sparse_count (e) > 0)
        lim.max_ratio = 0;
      if (charge_within (x, &lim, (uint64_t) archive_entry_size (e), err) < 0)
        return -1;
    }
  return 0;
}

/* A hard link at parent/base (path) to another entry of the root. */
static int
apply_hardlink (struct extractor *x, const char *hardlink, int parent, const char *base, const char *path,
                struct oci_error *err)
{
  cleanup_free char *target = NULL;
  cleanup_close int tparent = -1;
  const char *tdir, *tbase;
  if (strlen (hardlink) > x->max_path)
    return oci_error_set (err, 0, "hardlink target exceeds the path limit");
  if (clean_path (hardlink, "hardlink target", x->max_depth, &target, err) < 0)
    return -1;
  if (*target == '\0' || strcmp (target, path) == 0)
    return oci_error_set (err, 0, "bad hardlink target \"%s\"", hardlink);
  split_path (target, &tdir, &tbase);
  if (open_dir_in_root (x->rootfd, tdir, NULL, &tparent, err) < 0)
    return oci_error_prefix (err, "hardlink target");
  if (linkat (tparent, tbase, parent, base, 0) < 0)
    return oci_error_set (err, errno, "hardlink %s to %s", path, hardlink);
  return 0;
}

static int
create_file (struct extractor *x, struct archive *a, struct archive_entry *e, int parent, const char *base,
             const char *path, const struct timespec times[2], struct oci_error *err)
{
  cleanup_close int fd = openat (parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
  if (fd < 0)
    return oci_error_set (err, errno, "create %s", path);
  if (write_data (x, a, fd, path, archive_entry_size (e), err) < 0)
    return -1;
  if (x->chown_ok && fchown (fd, archive_entry_uid (e), archive_entry_gid (e)) < 0)
    return oci_error_set (err, errno, "chown %s", path);
  if (apply_xattrs (x, e, fd, path, err) < 0)
    return -1;
  /* After chown, which clears setuid/setgid. */
  if (fchmod (fd, archive_entry_mode (e) & 07777) < 0)
    return oci_error_set (err, errno, "chmod %s", path);
  if (futimens (fd, times) < 0)
    return oci_error_set (err, errno, "set times of %s", path);
  return 0;
}

static int
create_dir (struct extractor *x, struct archive_entry *e, int parent, const char *base, const char *path, bool exists,
            const struct timespec times[2], struct oci_error *err)
{
  cleanup_close int fd = -1;
  char proc[64];
  if (!exists && mkdirat (parent, base, 0700) < 0)
    return oci_error_set (err, errno, "mkdir %s", path);
  if (!exists)
    x->made++;
  fd = openat (parent, base, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return oci_error_set (err, errno, "open %s", path);
  if (own_path (x, e, fd, path, err) < 0)
    return -1;
  /* Writable for now; the mode and times come last. */
  proc_fd_path (fd, proc);
  if (chmod (proc, 0700) < 0)
    return oci_error_set (err, errno, "chmod %s", path);
  return defer_dir (x, path, archive_entry_mode (e), times, err);
}

/* The entry itself at parent/base (path), by its type. */
static int
create_node (struct extractor *x, struct archive *a, struct archive_entry *e, int parent, const char *base,
             const char *path, bool exists, struct oci_error *err)
{
  mode_t type = archive_entry_filetype (e);
  struct timespec times[2];

  times[1].tv_sec = archive_entry_mtime (e);
  times[1].tv_nsec = archive_entry_mtime_nsec (e);
  if (archive_entry_atime_is_set (e))
    {
      times[0].tv_sec = archive_entry_atime (e);
      times[0].tv_nsec = archive_entry_atime_nsec (e);
    }
  else
    times[0] = times[1];

  switch (type)
    {
    case AE_IFREG:
      return create_file (x, a, e, parent, base, path, times, err);
    case AE_IFDIR:
      return create_dir (x, e, parent, base, path, exists, times, err);
    case AE_IFLNK:
      {
        const char *target = archive_entry_symlink (e);
        if (target == NULL)
          return oci_error_set (err, 0, "symlink without a target");
        if (strlen (target) > x->max_path)
          return oci_error_set (err, 0, "symlink target exceeds the path limit");
        /* The target is only data: nothing here follows it. */
        if (symlinkat (target, parent, base) < 0)
          return oci_error_set (err, errno, "symlink %s", path);
        return apply_meta_path (x, e, parent, base, path, true, times, err);
      }
    default: /* devices and fifos */
      if (mknodat (parent, base, type | 0600, archive_entry_rdev (e)) < 0)
        return oci_error_set (err, errno, "mknod %s", path);
      return apply_meta_path (x, e, parent, base, path, false, times, err);
    }
}

static int
apply_entry (struct extractor *x, struct archive *a, struct archive_entry *e, struct oci_error *err)
{
  const char *raw = archive_entry_pathname (e);
  cleanup_free char *path = NULL;
  cleanup_free char *split = NULL;
  cleanup_close int parent = -1;
  const char *dir, *base;
  const char *hardlink = archive_entry_hardlink (e);
  struct stat st;
  bool exists;
  int r;

  if (raw == NULL)
    return oci_error_set (err, 0, "entry without a path (or not convertible)");
  if (strlen (raw) > x->max_path)
    return oci_error_set (err, 0, "path of %zu bytes exceeds the limit (%llu)", strlen (raw),
                          (unsigned long long) x->max_path);
  if (clean_path (raw, "path", x->max_depth, &path, err) < 0 || charge_metadata (x, BLD_ENTRY_COST, err) < 0)
    return -1;
  if (*path == '\0')
    return 0; /* the root: left as it is */
  split = strdup (path);
  if (split == NULL)
    return oci_error_set (err, ENOMEM, "path");
  split_path (split, &dir, &base);

  /* Whiteouts cannot have children. */
  for (const char *p = dir; *p;)
    {
      if (strncmp (p, ".wh.", 4) == 0)
        return oci_error_set (err, 0, "a whiteout cannot have children");
      p = strchrnul (p, '/');
      if (*p)
        p++;
    }
  if (strncmp (base, ".wh.", 4) == 0)
    return apply_whiteout_entry (x, dir, base, err);
  if ((r = admit_entry (x, e, path, err)) != 0)
    return r < 0 ? -1 : 0;

  if (open_dir_in_root (x->rootfd, dir, &x->made, &parent, err) < 0 || charge_metadata (x, 0, err) < 0)
    return -1;
  exists = fstatat (parent, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (exists && !(archive_entry_filetype (e) == AE_IFDIR && hardlink == NULL && S_ISDIR (st.st_mode)))
    {
      if (remove_tree (parent, base, err) < 0)
        return -1;
      exists = false;
    }
  if (hardlink ? apply_hardlink (x, hardlink, parent, base, path, err) < 0
               : create_node (x, a, e, parent, base, path, exists, err) < 0)
    return -1;
  return record_path (x, path, err);
}

/* The limits: the environment's, the options' over them. */
static int
extractor_limits (struct extractor *x, struct bld_layer_source *src, struct oci_error *err)
{
  const struct bld_layer_apply_options *opts = x->opts;
  if (bld_size_limits_from_env (&src->lim, err) < 0)
    return -1;
  if (opts->max_bytes)
    src->lim.max_size = opts->max_bytes;
  if (opts->max_ratio)
    src->lim.max_ratio = opts->max_ratio == UINT64_MAX ? 0 : opts->max_ratio;
  if (opts->max_depth)
    src->lim.max_depth = opts->max_depth;
  x->src = src;
  x->max_depth = src->lim.max_depth;
  x->max_entries = opts->max_entries ? opts->max_entries : BLD_APPLY_DEFAULT_MAX_ENTRIES;
  x->max_path = opts->max_path ? opts->max_path : BLD_APPLY_DEFAULT_MAX_PATH;
  src->max_pax = opts->max_pax_header ? opts->max_pax_header : BLD_APPLY_DEFAULT_MAX_PAX_HEADER;
  src->max_path = x->max_path;
  return 0;
}

/* err from the input's own error when it has one (it says why libarchive
 * failed), else from what; -1. */
static int
input_error (struct bld_layer_source *src, struct oci_error *err)
{
  return oci_error_set (err, src->err.errnum, "%s", src->err.msg);
}

/* Every entry of the tar stream, applied. */
static int
apply_entries (struct extractor *x, struct archive *a, struct oci_error *err)
{
  struct bld_layer_source *src = x->src;
  for (;;)
    {
      struct archive_entry *e;
      int rc = archive_read_next_header (a, &e);
      if (rc == ARCHIVE_EOF)
        return 0;
      if (rc < ARCHIVE_WARN)
        {
          if (src->err.msg)
            return input_error (src, err);
          return oci_error_set (err, archive_errno (a) > 0 ? archive_errno (a) : 0, "read tar header: %s",
                                archive_error_string (a));
        }
      if (++x->stats->entries > x->max_entries)
        return oci_error_set (err, 0, "more than %llu entries (the limit)", (unsigned long long) x->max_entries);
      if (apply_entry (x, a, e, err) < 0)
        {
          if (src->err.msg)
            return input_error (src, err);
          const char *p = archive_entry_pathname (e);
          return oci_error_prefix (err, "layer entry %s", p ? p : "?");
        }
    }
}

/* The rest of the input (end-of-archive padding) read for the digests,
 * which then must be the expected ones. */
static int
finish_digests (struct bld_layer_source *src, const struct bld_layer_apply_options *opts,
                struct bld_layer_apply_stats *stats, struct oci_error *err)
{
  for (;;)
    {
      ssize_t n = bld_layer_source_read (src);
      if (n < 0)
        return input_error (src, err);
      if (n == 0)
        break;
    }
  stats->size = src->in_size;
  stats->tar_size = oci_digester_size (src->tar_digest);
  if (oci_digester_final (src->in_digest, stats->digest, err) < 0
      || oci_digester_final (src->tar_digest, stats->diff_id, err) < 0)
    return -1;
  if (opts->expected_digest && strcmp (opts->expected_digest, stats->digest) != 0)
    return oci_error_set (err, 0, "layer digest mismatch: expected %s, got %s", opts->expected_digest, stats->digest);
  if (opts->expected_diff_id && strcmp (opts->expected_diff_id, stats->diff_id) != 0)
    return oci_error_set (err, 0, "layer diff_id mismatch: expected %s, got %s", opts->expected_diff_id,
                          stats->diff_id);
  return 0;
}

/* The tar stream through libarchive, its entries applied. */
static int
extract (struct extractor *x, struct bld_layer_source *src, struct oci_error *err)
{
  struct archive *a = archive_read_new ();
  int ret = -1;

  if (a == NULL)
    return oci_error_set (err, ENOMEM, "libarchive");
  archive_read_support_format_tar (a);
  if (archive_read_open (a, src, NULL, bld_layer_source_archive_cb, NULL) != ARCHIVE_OK)
    {
      if (src->err.msg)
        input_error (src, err);
      else
        oci_error_set (err, 0, "not a tar stream: %s", archive_error_string (a));
    }
  else if (apply_entries (x, a, err) == 0 && finish_dirs (x, err) == 0)
    ret = 0;
  archive_read_free (a);
  return ret;
}

int
bld_layer_apply_fd (int fd, const char *root, const struct bld_layer_apply_options *opts_in,
                    struct bld_layer_apply_stats *stats_in, struct oci_error *err)
{
  static const struct bld_layer_apply_options defaults = { 0 };
  const struct bld_layer_apply_options *opts = opts_in ? opts_in : &defaults;
  struct bld_layer_apply_stats local_stats;
  struct bld_layer_apply_stats *stats = stats_in ? stats_in : &local_stats;
  struct bld_layer_source src = { 0 };
  struct extractor x = { 0 };
  cleanup_close int rootfd = -1;
  int ret = -1;

  memset (stats, 0, sizeof *stats);
  rootfd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return oci_error_set (err, errno, "open extraction root %s", root);

  x.opts = opts;
  x.rootfd = rootfd;
  x.stats = stats;
  x.chown_ok = !opts->ignore_owners && geteuid () == 0;
  if (extractor_limits (&x, &src, err) < 0)
    return -1;
  if (bld_layer_source_init (&src, fd, err) == 0)
    {
      stats->compression = src.c;
      if (extract (&x, &src, err) == 0 && finish_digests (&src, opts, stats, err) == 0)
        ret = 0;
    }
  bld_layer_source_clear (&src);
  pathset_free (&x.layer);
  for (size_t i = 0; i < x.dirs_len; i++)
    free (x.dirs[i].path);
  free (x.dirs);
  return ret;
}

int
bld_layer_apply_file (const char *path, const char *root, const struct bld_layer_apply_options *opts,
                      struct bld_layer_apply_stats *stats, struct oci_error *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return oci_error_set (err, errno, "open layer %s", path);
  if (bld_layer_apply_fd (fd, root, opts, stats, err) < 0)
    return oci_error_prefix (err, "apply %s", path);
  return 0;
}
