/* COPY and ADD: sources from the context (or a stage's rootfs) written
 * into the step's rootfs through fds resolved inside it.  The same walk,
 * given a digester instead of a destination, is the cache checksum. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec/build_ops.h"
#include "cleanup.h"
#include "common/fs.h"
#include "common/inode_names.h"
#include "common/strv.h"
#include "digest.h"
#include "fileutil.h"
#include "frontend/ignore.h"
#include "image/layer_apply.h"

struct walk
{
  const struct bld_copy_request *req;
  struct oci_digester *dig; /* hashing instead of copying */
  size_t strip;             /* rel's prefix that is the source itself */
  int rootfd;               /* the destination rootfs (copying) */
  /* Hard links are kept within one source, as BuildKit and buildah do:
   * a later name of an inode is linked to the first one's copy. */
  struct cmn_inode_names links; /* made_dev/made_ino: the first name's copy */
};

/* Remembers the first name of a source inode st (when it has others):
 * path is the source rel when hashing, else the destination made at
 * ddir/dname. */
static int
links_remember (struct walk *w, const struct stat *st, const char *path, int ddir, const char *dname,
                struct oci_error *err)
{
  struct stat dst = { 0 };
  if (st->st_nlink < 2 || path == NULL)
    return 0;
  if (!w->dig && fstatat (ddir, dname, &dst, AT_SYMLINK_NOFOLLOW) < 0)
    return oci_error_set (err, errno, "stat %s", path);
  struct cmn_inode_name *l = cmn_inode_names_put (&w->links, st->st_dev, st->st_ino, path);
  if (l == NULL)
    return oci_error_set (err, ENOMEM, "hard links");
  l->made_dev = dst.st_dev;
  l->made_ino = dst.st_ino;
  return 0;
}

static bool
excluded (const struct walk *w, const char *rel)
{
  bool ex = false;
  if (rel == NULL)
    return false;
  if (w->req->ignore && ignore_match ((const struct ignore *) w->req->ignore, rel, &ex) == 0 && ex)
    return true;
  if (w->req->exclude == NULL)
    return false;
  /* --exclude patterns are relative to the source being copied: a path
   * inside a source directory, or a source file's own name. */
  const char *sub = strlen (rel) > w->strip ? rel + w->strip : NULL;
  if (sub == NULL)
    {
      const char *slash = strrchr (rel, '/');
      sub = slash ? slash + 1 : rel;
    }
  while (*sub == '/')
    sub++;
  return ignore_match ((const struct ignore *) w->req->exclude, sub, &ex) == 0 && ex;
}

static int
hash_meta (struct walk *w, const char *rel, const struct stat *st, const char *extra, size_t extra_len,
           struct oci_error *err)
{
  cleanup_free char *s = NULL;
  int n = asprintf (&s, "%s%c%o%c%u%c%u%c%lld%c", rel, 0, (unsigned) st->st_mode, 0, (unsigned) st->st_uid, 0,
                    (unsigned) st->st_gid, 0, (long long) st->st_size, 0);
  if (n < 0)
    return oci_error_set (err, ENOMEM, "checksum");
  if (oci_digester_update (w->dig, s, (size_t) n, err) < 0)
    return -1;
  if (extra && oci_digester_update (w->dig, extra, extra_len, err) < 0)
    return -1;
  return 0;
}

/* The destination's missing directories, owned by the --chown user. */
static int
mkdir_dest (int rootfd, const struct bld_copy_request *req, const char *path, int *out, struct oci_error *err)
{
  return bld_mkdir_in_root_owned (rootfd, path, req->has_owner, req->uid, req->gid, out, err);
}

static int
set_meta (const struct walk *w, int fd, const struct stat *st, bool is_dir, struct oci_error *err)
{
  uid_t uid = w->req->has_owner ? w->req->uid : 0;
  gid_t gid = w->req->has_owner ? w->req->gid : 0;
  mode_t mode = w->req->has_mode ? w->req->mode : (st->st_mode & 07777);
  /* --chmod=644 must not make copied directories unsearchable: x where r. */
  if (is_dir && w->req->has_mode)
    mode |= (mode & 0444) >> 2;
  /* EINVAL: an id the (rootless) user namespace does not map. */
  if (fchown (fd, uid, gid) < 0)
    return oci_error_set (err, errno, "chown %lu:%lu%s", (unsigned long) uid, (unsigned long) gid,
                          errno == EINVAL ? " (an id outside this user namespace: /etc/subuid, /etc/subgid)" : "");
  if (fchmod (fd, mode) < 0)
    return oci_error_set (err, errno, "chmod");
  struct timespec ts[2] = { st->st_atim, st->st_mtim };
  futimens (fd, ts);
  return 0;
}

static int copy_node (struct walk *w, int sdir, const char *name, const char *rel, int ddir, const char *dname,
                      const char *dpath, struct oci_error *err);

/* dir/name, without doubling dir's trailing slash; NULL for a NULL dir
 * or when out of memory (*failed then). */
static char *
join_dest (const char *dir, const char *name, bool *failed)
{
  char *p = NULL;
  if (dir == NULL)
    return NULL;
  size_t l = strlen (dir);
  while (l > 0 && dir[l - 1] == '/')
    l--;
  if (asprintf (&p, "%.*s/%s", (int) l, dir, name) < 0)
    {
      *failed = true;
      return NULL;
    }
  return p;
}

/* Makes room for a new non-directory at ddir/dname (what it is, for
 * the message): whatever is there goes, but a directory. */
static int
make_room (int ddir, const char *dname, const char *what, struct oci_error *err)
{
  struct stat dst;
  if (fstatat (ddir, dname, &dst, AT_SYMLINK_NOFOLLOW) < 0)
    return 0;
  if (S_ISDIR (dst.st_mode))
    return oci_error_set (err, EISDIR, "cannot replace directory %s with %s", dname, what);
  unlinkat (ddir, dname, 0);
  return 0;
}

/* A later name of a source inode already met in this source: hashed as
 * a link to the first name, or made a hard link (ddir/dname) to the
 * first name's copy while that is still the inode this copy made.
 * 1 when done, 0 when it is to be copied as a file. */
static int
link_again (struct walk *w, const struct stat *st, const char *rel, int ddir, const char *dname,
            struct oci_error *err)
{
  const struct cmn_inode_name *l = st->st_nlink > 1 ? cmn_inode_names_find (&w->links, st->st_dev, st->st_ino) : NULL;
  if (l == NULL || l->path == NULL)
    return 0;
  if (w->dig)
    {
      size_t len = strlen (l->path);
      cleanup_free char *mark = malloc (len + 11);
      if (mark == NULL)
        return oci_error_set (err, ENOMEM, "checksum");
      memcpy (mark, "\0hardlink\0", 10);
      memcpy (mark + 10, l->path, len + 1);
      return hash_meta (w, rel, st, mark, len + 11, err) < 0 ? -1 : 1;
    }
  const char *slash = strrchr (l->path, '/');
  cleanup_free char *parent = slash ? strndup (l->path, (size_t) (slash - l->path)) : NULL;
  struct oci_error e2 = OCI_ERROR_INIT;
  struct stat fst;
  if (slash == NULL || parent == NULL)
    return slash ? oci_error_set (err, ENOMEM, "hard links") : 0;
  cleanup_close int pfd = bld_open_in_root (w->rootfd, *parent ? parent : "/", O_PATH | O_DIRECTORY, &e2);
  oci_error_clear (&e2);
  if (pfd < 0 || fstatat (pfd, slash + 1, &fst, AT_SYMLINK_NOFOLLOW) < 0 || fst.st_dev != l->made_dev
      || fst.st_ino != l->made_ino)
    return 0;
  if (make_room (ddir, dname, "a file", err) < 0)
    return -1;
  if (linkat (pfd, slash + 1, ddir, dname, 0) < 0)
    return oci_error_set (err, errno, "hard link %s to %s", rel, l->path);
  return 1;
}

static int
copy_dir_contents (struct walk *w, int sfd, const char *rel, int dfd, const char *dpath, struct oci_error *err)
{
  int fd2 = dup (sfd);
  if (fd2 < 0)
    return oci_error_set (err, errno, "dup");
  cleanup_closedir DIR *d = fdopendir (fd2);
  if (d == NULL)
    {
      close (fd2);
      return oci_error_set (err, errno, "opendir %s", rel);
    }
  /* Sorted, so the checksum does not depend on readdir's order. */
  struct dirent **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  int ret = 0;
  while ((de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (n == cap)
        {
          cap = cap ? 2 * cap : 16;
          struct dirent **nn = realloc (names, cap * sizeof *nn);
          if (nn == NULL)
            {
              ret = oci_error_set (err, ENOMEM, "readdir");
              goto out;
            }
          names = nn;
        }
      names[n] = malloc (sizeof *de);
      if (names[n] == NULL)
        {
          ret = oci_error_set (err, ENOMEM, "readdir");
          goto out;
        }
      memcpy (names[n++], de, sizeof *de);
    }
  for (size_t i = 0; i + 1 < n; i++)
    for (size_t j = i + 1; j < n; j++)
      if (strcmp (names[i]->d_name, names[j]->d_name) > 0)
        {
          struct dirent *t = names[i];
          names[i] = names[j];
          names[j] = t;
        }
  for (size_t i = 0; i < n && ret == 0; i++)
    {
      cleanup_free char *crel = NULL;
      bool failed = false;
      cleanup_free char *cdest = join_dest (dpath, names[i]->d_name, &failed);
      if (failed || asprintf (&crel, "%s%s%s", rel, *rel ? "/" : "", names[i]->d_name) < 0)
        {
          crel = NULL;
          ret = oci_error_set (err, ENOMEM, "path");
        }
      else
        ret = copy_node (w, sfd, names[i]->d_name, crel, dfd, names[i]->d_name, cdest, err);
    }
out:
  for (size_t i = 0; i < n; i++)
    free (names[i]);
  free (names);
  return ret;
}

/* One entry of a source: sdir/name (rel in the sources) to ddir/dname
 * (dpath in the rootfs), or hashed when w->dig. */
static int
copy_node (struct walk *w, int sdir, const char *name, const char *rel, int ddir, const char *dname,
           const char *dpath, struct oci_error *err)
{
  struct stat st, dst;

  if (excluded (w, rel))
    return 0;
  if (fstatat (sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return oci_error_set (err, errno, "stat %s", rel);
  if (S_ISDIR (st.st_mode))
    {
      cleanup_close int sfd = openat (sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      cleanup_close int dfd = -1;
      if (sfd < 0)
        return oci_error_set (err, errno, "open %s", rel);
      if (w->dig)
        {
          if (hash_meta (w, rel, &st, NULL, 0, err) < 0)
            return -1;
        }
      else
        {
          if (fstatat (ddir, dname, &dst, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR (dst.st_mode))
            unlinkat (ddir, dname, 0);
          if (mkdirat (ddir, dname, 0755) < 0 && errno != EEXIST)
            return oci_error_set (err, errno, "mkdir %s", dname);
          dfd = openat (ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (dfd < 0)
            return oci_error_set (err, errno, "open %s", dname);
        }
      if (copy_dir_contents (w, sfd, rel, dfd, dpath, err) < 0)
        return -1;
      if (dfd >= 0 && set_meta (w, dfd, &st, true, err) < 0)
        return oci_error_prefix (err, "%s", dname);
      return 0;
    }
  if (S_ISLNK (st.st_mode))
    {
      cleanup_free char *target = cmn_readlinkat (sdir, name);
      if (target == NULL)
        return oci_error_set (err, errno, "readlink %s", rel);
      if (w->dig)
        return hash_meta (w, rel, &st, target, strlen (target), err);
      if (make_room (ddir, dname, "a symlink", err) < 0)
        return -1;
      if (symlinkat (target, ddir, dname) < 0)
        return oci_error_set (err, errno, "symlink %s", dname);
      uid_t uid = w->req->has_owner ? w->req->uid : 0;
      gid_t gid = w->req->has_owner ? w->req->gid : 0;
      fchownat (ddir, dname, uid, gid, AT_SYMLINK_NOFOLLOW);
      struct timespec ts[2] = { st.st_atim, st.st_mtim };
      utimensat (ddir, dname, ts, AT_SYMLINK_NOFOLLOW);
      return 0;
    }
  if (!S_ISREG (st.st_mode))
    return 0; /* devices, fifos, sockets: not copied from a context */
  /* Regular files only: a hard-linked symlink becomes two symlinks, as
   * with BuildKit and buildah. */
  int linked = link_again (w, &st, rel, ddir, dname, err);
  if (linked != 0)
    return linked < 0 ? -1 : 0;

  cleanup_close int in = openat (sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0)
    return oci_error_set (err, errno, "open %s", rel);
  if (w->dig)
    {
      if (hash_meta (w, rel, &st, NULL, 0, err) < 0)
        return -1;
      char buf[65536];
      ssize_t n;
      while ((n = read (in, buf, sizeof buf)) > 0)
        if (oci_digester_update (w->dig, buf, (size_t) n, err) < 0)
          return -1;
      if (n < 0)
        return oci_error_set (err, errno, "read %s", rel);
      return links_remember (w, &st, rel, -1, NULL, err);
    }
  if (make_room (ddir, dname, "a file", err) < 0)
    return -1;
  cleanup_close int out = openat (ddir, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return oci_error_set (err, errno, "create %s", dname);
  char buf[65536];
  ssize_t n;
  while ((n = read (in, buf, sizeof buf)) > 0)
    if (oci_write_all (out, buf, (size_t) n) < 0)
      return oci_error_set (err, errno, "write %s", dname);
  if (n < 0)
    return oci_error_set (err, errno, "read %s", rel);
  if (set_meta (w, out, &st, false, err) < 0)
    return -1;
  return links_remember (w, &st, dpath, ddir, dname, err);
}

static bool
has_wildcard (const char *s)
{
  return strpbrk (s, "*?[") != NULL;
}

struct strlist
{
  char **v;
  size_t len;
  size_t *keep; /* per entry: components dropped before the parents kept */
};

static int
strlist_add (struct strlist *l, char *s, struct oci_error *err)
{
  char **nv = realloc (l->v, (l->len + 2) * sizeof *nv);
  size_t *nk = nv ? realloc (l->keep, (l->len + 2) * sizeof *nk) : NULL;
  if (nv)
    l->v = nv;
  if (nk)
    l->keep = nk;
  if (nv == NULL || nk == NULL || s == NULL)
    {
      free (s);
      return oci_error_set (err, ENOMEM, "sources");
    }
  l->keep[l->len] = 0;
  l->v[l->len++] = s;
  l->v[l->len] = NULL;
  return 0;
}

/* Matches the cleaned pattern component by component from dir (rel). */
static int
glob_walk (int root, const char *rel, const char *pattern, struct strlist *out, struct oci_error *err)
{
  const char *slash = strchr (pattern, '/');
  cleanup_free char *comp = slash ? strndup (pattern, (size_t) (slash - pattern)) : strdup (pattern);
  struct oci_error e2 = OCI_ERROR_INIT;
  if (comp == NULL)
    return oci_error_set (err, ENOMEM, "glob");
  cleanup_close int dfd = bld_open_in_root (root, *rel ? rel : "/", O_RDONLY | O_DIRECTORY, &e2);
  if (dfd < 0)
    {
      oci_error_clear (&e2);
      return 0;
    }
  cleanup_closedir DIR *d = fdopendir (dfd);
  if (d == NULL)
    return 0;
  dfd = -1;
  struct dirent *de;
  while ((de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (fnmatch (comp, de->d_name, 0) != 0)
        continue;
      char *path = NULL;
      if (asprintf (&path, "%s%s%s", rel, *rel ? "/" : "", de->d_name) < 0)
        return oci_error_set (err, ENOMEM, "glob");
      if (slash == NULL)
        {
          if (strlist_add (out, path, err) < 0)
            return -1;
        }
      else
        {
          int r = glob_walk (root, path, slash + 1, out, err);
          free (path);
          if (r < 0)
            return -1;
        }
    }
  return 0;
}

/* The number of components of the source before its "/./" pivot. */
static size_t
pivot_components (const char *src)
{
  while (src[0] == '.' && src[1] == '/')
    src += 2;
  const char *piv = strstr (src, "/./");
  if (piv == NULL)
    return 0;
  cleanup_free char *head = strndup (src, (size_t) (piv - src));
  cleanup_free char *clean = head ? ignore_clean_path (head) : NULL;
  if (clean == NULL || strcmp (clean, ".") == 0)
    return 0;
  size_t n = 1;
  for (const char *p = clean; *p; p++)
    if (*p == '/' && p[1])
      n++;
  return n;
}

static int
resolve_sources (const struct bld_copy_request *req, struct strlist *out, struct oci_error *err)
{
  for (size_t i = 0; i < req->sources_len; i++)
    {
      cleanup_free char *clean = ignore_clean_path (req->sources[i]);
      if (clean == NULL)
        return oci_error_set (err, ENOMEM, "sources");
      const char *p = clean;
      while (*p == '/')
        p++;
      if (strcmp (p, "..") == 0 || strncmp (p, "../", 3) == 0)
        return oci_error_set (err, 0, "%s: outside of the build context", req->sources[i]);
      size_t before = out->len;
      if (strcmp (p, ".") == 0 || *p == '\0')
        {
          if (strlist_add (out, strdup (""), err) < 0)
            return -1;
        }
      else if (has_wildcard (p))
        {
          if (glob_walk (req->src_root, "", p, out, err) < 0)
            return -1;
          if (out->len == before)
            return oci_error_set (err, 0, "no source files match \"%s\"", req->sources[i]);
          if (out->len - before > 1)
            qsort (out->v + before, out->len - before, sizeof *out->v, cmn_strv_cmp);
        }
      else
        {
          struct oci_error e2 = OCI_ERROR_INIT;
          int fd = bld_open_in_root (req->src_root, p, O_PATH | O_NOFOLLOW, &e2);
          oci_error_clear (&e2);
          if (fd < 0)
            return oci_error_set (err, 0, "%s: no such file or directory in the build context", req->sources[i]);
          close (fd);
          if (strlist_add (out, strdup (p), err) < 0)
            return -1;
        }
      /* Drop what .dockerignore leaves out. */
      size_t j = before;
      for (size_t k = before; k < out->len; k++)
        {
          bool ex = false;
          if (req->ignore && *out->v[k] && ignore_match ((const struct ignore *) req->ignore, out->v[k], &ex) == 0
              && ex)
            {
              free (out->v[k]);
              continue;
            }
          out->v[j++] = out->v[k];
        }
      out->len = j;
      if (out->v) /* still NULL when no pattern matched anything yet */
        out->v[j] = NULL;
      size_t keep = req->parents ? pivot_components (req->sources[i]) : 0;
      for (size_t k = before; k < out->len; k++)
        out->keep[k] = keep;
      if (out->len == before)
        return oci_error_set (err, 0, "%s: no source files were specified (not found or excluded by .dockerignore)",
                              req->sources[i]);
    }
  return 0;
}

static void
strlist_free (struct strlist *l)
{
  for (size_t i = 0; i < l->len; i++)
    free (l->v[i]);
  free (l->v);
  free (l->keep);
}

/* Whether the file at fd is a tar libarchive can read, in any compression
 * it knows by magic (gzip, bzip2, xz, lzma, zstd, lz4, compress...), and
 * whether the layer reader (gzip, zstd, none) needs it decompressed first. */
static bool
is_archive (int fd, bool *foreign)
{
  struct archive *a = archive_read_new ();
  struct archive_entry *e;
  bool ok = false;
  if (a == NULL)
    return false;
  archive_read_support_filter_all (a);
  archive_read_support_format_tar (a);
  archive_read_support_format_gnutar (a);
  if (archive_read_open_fd (a, fd, 65536) == ARCHIVE_OK && archive_read_next_header (a, &e) == ARCHIVE_OK)
    {
      int code = archive_filter_code (a, 0);
      ok = true;
      *foreign = code != ARCHIVE_FILTER_NONE && code != ARCHIVE_FILTER_GZIP && code != ARCHIVE_FILTER_ZSTD;
    }
  archive_read_free (a);
  lseek (fd, 0, SEEK_SET);
  return ok;
}

/* A pipe carrying fd's content decompressed, written by a child process
 * (a failed reader only kills the child with SIGPIPE). */
static int
decompressed_pipe (int fd, int *out, pid_t *pid, struct oci_error *err)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return oci_error_set (err, errno, "pipe");
  fflush (NULL);
  pid_t c = fork ();
  if (c < 0)
    {
      close (p[0]);
      close (p[1]);
      return oci_error_set (err, errno, "fork");
    }
  if (c == 0)
    {
      struct archive *a = archive_read_new ();
      struct archive_entry *e;
      char buf[65536];
      la_ssize_t n;
      close (p[0]);
      if (a == NULL)
        _exit (1);
      archive_read_support_filter_all (a);
      archive_read_support_format_raw (a);
      if (archive_read_open_fd (a, fd, 65536) != ARCHIVE_OK || archive_read_next_header (a, &e) != ARCHIVE_OK)
        _exit (1);
      while ((n = archive_read_data (a, buf, sizeof buf)) > 0)
        if (oci_write_all (p[1], buf, (size_t) n) < 0)
          _exit (1);
      _exit (n < 0 ? 1 : 0);
    }
  close (p[1]);
  *out = p[0];
  *pid = c;
  return 0;
}

/* Extracts the archive at afd into dir (an fd path in the rootfs). */
static int
extract_archive (int afd, bool foreign, const char *root, const char *rel, struct oci_error *err)
{
  struct bld_layer_apply_options ao = { 0 };
  ao.skip_devices = true;
  if (!foreign)
    {
      if (bld_layer_apply_fd (afd, root, &ao, NULL, err) < 0)
        return oci_error_prefix (err, "extract %s", rel);
      return 0;
    }
  int in = -1, st = 0;
  pid_t pid;
  if (decompressed_pipe (afd, &in, &pid, err) < 0)
    return -1;
  int r = bld_layer_apply_fd (in, root, &ao, NULL, err);
  close (in);
  while (waitpid (pid, &st, 0) < 0 && errno == EINTR)
    ;
  if (r < 0)
    return oci_error_prefix (err, "extract %s", rel);
  if (!WIFEXITED (st) || WEXITSTATUS (st) != 0)
    return oci_error_set (err, 0, "extract %s: decompression failed", rel);
  return 0;
}

static const char *
base_name (const char *p)
{
  const char *s = strrchr (p, '/');
  return s ? s + 1 : p;
}

/* --parents: dest/<the source's path below the pivot (keep components
 * in)>: a directory keeps its own name, a file goes into its parents. */
static int
parents_dest (const char *dest, const char *rel, size_t keep, bool is_dir, char **out, struct oci_error *err)
{
  const char *sub = rel;
  for (size_t k = 0; k < keep && sub; k++)
    {
      sub = strchr (sub, '/');
      sub = sub ? sub + 1 : NULL;
    }
  cleanup_free char *dir = NULL;
  if (sub && *sub && !is_dir)
    {
      const char *ls = strrchr (sub, '/');
      dir = strndup (sub, ls ? (size_t) (ls - sub) : 0);
    }
  else
    dir = strdup (sub ? sub : "");
  if (dir == NULL || asprintf (out, "%s%s%s/", dest, *dir ? "/" : "", dir) < 0)
    {
      *out = NULL;
      return oci_error_set (err, ENOMEM, "COPY");
    }
  return 0;
}

/* ADD's local archive (sname in sroot), extracted into dest; *done
 * false when the file is no archive. */
static int
add_archive (int rootfd, const struct bld_copy_request *req, int sroot, const char *sname, const char *rel,
             const char *dest, bool *done, struct oci_error *err)
{
  cleanup_close int afd = openat (sroot, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  bool foreign = false;
  *done = false;
  if (afd < 0 || !is_archive (afd, &foreign))
    return 0;
  cleanup_close int dfd = -1;
  cleanup_free char *root = NULL;
  if (mkdir_dest (rootfd, req, dest, &dfd, err) < 0)
    return -1;
  if (asprintf (&root, "/proc/self/fd/%d", dfd) < 0)
    {
      root = NULL;
      return oci_error_set (err, ENOMEM, "ADD");
    }
  *done = true;
  return extract_archive (afd, foreign, root, rel, err);
}

/* A file (or symlink): into dest when dest is a directory. */
static int
copy_file_source (struct walk *w, int rootfd, int sroot, const char *sname, const char *rel, const char *dest,
                  bool dest_is_dir, struct oci_error *err)
{
  cleanup_free char *target = NULL;
  struct oci_error e2 = OCI_ERROR_INIT;
  cleanup_close int existing = bld_open_in_root (rootfd, dest, O_RDONLY | O_DIRECTORY, &e2);
  oci_error_clear (&e2);
  if (dest_is_dir || existing >= 0)
    {
      if (asprintf (&target, "%s/%s", dest, base_name (rel)) < 0)
        {
          target = NULL;
          return oci_error_set (err, ENOMEM, "COPY");
        }
    }
  else if ((target = strdup (dest)) == NULL)
    return oci_error_set (err, ENOMEM, "COPY");
  char *slash = strrchr (target, '/');
  const char *leaf = slash ? slash + 1 : target;
  cleanup_free char *parent = slash ? strndup (target, (size_t) (slash - target)) : strdup ("/");
  cleanup_close int pfd = -1;
  if (parent == NULL || *leaf == '\0')
    return oci_error_set (err, EINVAL, "COPY destination %s", dest);
  if (mkdir_dest (rootfd, w->req, *parent ? parent : "/", &pfd, err) < 0
      || copy_node (w, sroot, sname, rel, pfd, leaf, target, err) < 0)
    return -1;
  return 0;
}

/* One source rel (keep: its components kept by --parents) copied, or
 * hashed when w->dig. */
static int
walk_one (int rootfd, struct walk *w, const char *rel, size_t keep, bool dest_dir, struct oci_error *err)
{
  const struct bld_copy_request *req = w->req;
  struct stat st;
  cleanup_free char *pdest = NULL;
  const char *dest = req->dest;
  bool dest_is_dir = dest_dir;
  w->strip = *rel ? strlen (rel) + 1 : 0;
  /* The parent is resolved inside the sources' root, the leaf is not
   * followed: a symlink in a stage's rootfs cannot lead outside. */
  const char *slash_r = strrchr (rel, '/');
  const char *sname = *rel == '\0' ? "." : slash_r ? slash_r + 1 : rel;
  cleanup_free char *sparent = slash_r ? strndup (rel, (size_t) (slash_r - rel)) : strdup ("/");
  cleanup_close int sroot = -1;
  if (sparent == NULL)
    return oci_error_set (err, ENOMEM, "COPY");
  if ((sroot = bld_open_in_root (req->src_root, sparent, O_RDONLY | O_DIRECTORY, err)) < 0)
    return -1;
  if (fstatat (sroot, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return oci_error_set (err, errno, "stat %s", rel);
  if (req->parents)
    {
      if (parents_dest (req->dest, rel, keep, S_ISDIR (st.st_mode), &pdest, err) < 0)
        return -1;
      dest = pdest;
      dest_is_dir = true;
    }
  if (S_ISDIR (st.st_mode))
    {
      cleanup_close int sfd = openat (sroot, sname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      cleanup_close int dfd = -1;
      if (sfd < 0)
        return oci_error_set (err, errno, "open %s", sname);
      if (!w->dig && mkdir_dest (rootfd, req, dest, &dfd, err) < 0)
        return -1;
      return copy_dir_contents (w, sfd, rel, dfd, w->dig ? NULL : dest, err);
    }
  if (w->dig)
    return copy_node (w, sroot, sname, rel, -1, NULL, NULL, err);
  if (req->add && S_ISREG (st.st_mode))
    {
      bool done;
      if (add_archive (rootfd, req, sroot, sname, rel, dest, &done, err) < 0)
        return -1;
      if (done)
        return 0;
    }
  return copy_file_source (w, rootfd, sroot, sname, rel, dest, dest_is_dir, err);
}

static int
walk_sources (int rootfd, const struct bld_copy_request *req, struct oci_digester *dig, struct oci_error *err)
{
  struct strlist srcs = { 0 };
  struct walk w = { .req = req, .dig = dig, .rootfd = rootfd };
  int ret = -1;
  size_t dl = strlen (req->dest);
  bool dest_dir = dl > 0 && (req->dest[dl - 1] == '/' || (dl >= 2 && strcmp (req->dest + dl - 2, "/.") == 0));

  if (resolve_sources (req, &srcs, err) < 0)
    goto out;
  if (srcs.len > 1 && !dest_dir && !req->parents)
    {
      oci_error_set (err, 0,
                     "when using COPY with more than one source file, the destination must be a directory "
                     "and end with a /");
      goto out;
    }
  for (size_t i = 0; i < srcs.len; i++)
    {
      cmn_inode_names_clear (&w.links);
      if (walk_one (rootfd, &w, srcs.v[i], srcs.keep[i], dest_dir, err) < 0)
        goto out;
    }
  ret = 0;
out:
  cmn_inode_names_clear (&w.links);
  strlist_free (&srcs);
  return ret;
}

int
bld_copy (int rootfd, const struct bld_copy_request *req, struct oci_error *err)
{
  return walk_sources (rootfd, req, NULL, err);
}

int
bld_copy_checksum (const struct bld_copy_request *req, char out[OCI_DIGEST_STRING_MAX], struct oci_error *err)
{
  struct oci_digester *d = NULL;
  if (oci_digester_new (OCI_DIGEST_SHA256, &d, err) < 0)
    return -1;
  int r = walk_sources (-1, req, d, err);
  if (r == 0)
    r = oci_digester_final (d, out, err);
  oci_digester_free (d);
  return r;
}
