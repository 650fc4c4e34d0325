/* The copying snapshotter (snapshot.h), for where overlayfs is not to be had (the store
 * on a filesystem that refuses upper dirs, no overlay module, a user
 * namespace that may not mount it) or BUILDER_SNAPSHOTTER=copy.
 *
 * A step's rootfs is made by applying the layer cache dirs (overlay
 * format: whiteouts are 0/0 character devices, opaque dirs carry
 * trusted.overlay.opaque) bottom up into a snapshot dir, which is then
 * cloned (reflinks where the filesystem has them, else copies keeping
 * owners, modes, times, xattrs, hardlinks and devices) into the merged dir
 * the step works on.  Afterwards the merged dir is compared with the
 * snapshot and what differs is written to the upper dir in overlay format
 * (added or changed entries copied, deleted ones as whiteouts, a replaced
 * directory copied whole and marked opaque), so the rest of the build
 * handles it as it does an overlayfs upper dir.  The clone records each
 * entry's inode number: an entry whose inode changed was replaced, even if
 * its size and times look the same.  A view is the layers applied straight
 * into its dir; a scratch rootfs (a writable bind) a clone of its source. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "exec/snapshot.h"
#include "exec/build_fs.h"
#include "cleanup.h"
#include "common/array.h"
#include "common/fs.h"
#include "common/inode_names.h"

#define OPAQUE_XATTR "trusted.overlay.opaque"
/* Where the store's filesystem refuses 0/0 devices and trusted.* xattrs
 * (an overlayfs itself), the layer tar's own markers stand in. */
#define AUFS_PREFIX ".wh."
#define AUFS_OPAQUE ".wh..wh..opq"

struct ino_entry
{
  char *rel;
  ino_t ino;
  nlink_t nlink; /* once the clone is complete */
};

/* A prepared snapshot's own: the snapshot dir and the clone's inodes. */
struct copy_snap
{
  char *snap;
  struct ino_entry *inos; /* the clone's entries, sorted by rel */
  size_t n_inos;
};

/* Hardlinks seen during one copy: the first copy's path per source inode. */
struct links
{
  struct cmn_inode_names names;
  bool hardlink; /* non-directories are linked to the source, not copied */
};

static void
links_clear (struct links *l)
{
  cmn_inode_names_clear (&l->names);
}

static const char *
links_find (struct links *l, const struct stat *st)
{
  const struct cmn_inode_name *e = cmn_inode_names_find (&l->names, st->st_dev, st->st_ino);
  return e ? e->path : NULL;
}

/* A failure to remember only costs a copy instead of a link. */
static void
links_add (struct links *l, const struct stat *st, const char *dst)
{
  (void) cmn_inode_names_put (&l->names, st->st_dev, st->st_ino, dst);
}

/* The xattrs of src, but overlayfs's own, onto dst (neither followed). */
static int
copy_xattrs (const char *src, const char *dst, struct oci_error *err)
{
  cleanup_free char *names = NULL;
  size_t n;
  if (cmn_llistxattr (src, &names, &n) < 0)
    return oci_error_set (err, errno, "list xattrs of %s", src);
  for (char *k = names; k && k < names + n; k += strlen (k) + 1)
    {
      cleanup_free char *v = NULL;
      size_t vl;
      if (cmn_xattr_is_overlay (k))
        continue;
      if (cmn_lgetxattr (src, k, &v, &vl) < 0)
        return oci_error_set (err, errno, "get xattr %s of %s", k, src);
      if (v && lsetxattr (dst, k, v, vl, 0) < 0)
        return oci_error_set (err, errno, "set xattr %s on %s", k, dst);
    }
  return 0;
}

/* Owner, mode (after the owner: chown clears set-id bits), xattrs, times. */
static int
copy_meta (const char *src, const struct stat *st, const char *dst, struct oci_error *err)
{
  struct timespec ts[2] = { st->st_atim, st->st_mtim };
  if (lchown (dst, st->st_uid, st->st_gid) < 0)
    return oci_error_set (err, errno, "chown %s", dst);
  if (!S_ISLNK (st->st_mode) && chmod (dst, st->st_mode & 07777) < 0)
    return oci_error_set (err, errno, "chmod %s", dst);
  if (copy_xattrs (src, dst, err) < 0)
    return -1;
  if (utimensat (AT_FDCWD, dst, ts, AT_SYMLINK_NOFOLLOW) < 0)
    return oci_error_set (err, errno, "set times of %s", dst);
  return 0;
}

static int
copy_data (const char *src, const char *dst, struct oci_error *err)
{
  cleanup_close int in = open (src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int out = -1;
  struct stat st;
  if (in < 0 || fstat (in, &st) < 0)
    return oci_error_set (err, errno, "open %s", src);
  out = open (dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return oci_error_set (err, errno, "create %s", dst);
  if (st.st_size == 0 || ioctl (out, FICLONE, in) == 0)
    return 0;
  if (cmn_copy_data (in, out, st.st_size) < 0)
    return oci_error_set (err, errno, "copy %s to %s", src, dst);
  return 0;
}

static int copy_tree (const char *src, const char *dst, struct links *links, struct copy_snap *rec, const char *rel,
                      struct oci_error *err);

static int
record_ino (struct copy_snap *rec, const char *rel, const char *dst, struct oci_error *err)
{
  struct stat st;
  if (rec == NULL)
    return 0;
  if (lstat (dst, &st) < 0)
    return oci_error_set (err, errno, "stat %s", dst);
  if (array_reserve (&rec->inos, rec->n_inos + 1, sizeof *rec->inos) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  rec->inos[rec->n_inos].rel = strdup (rel);
  rec->inos[rec->n_inos].ino = st.st_ino;
  if (rec->inos[rec->n_inos].rel == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  rec->n_inos++;
  return 0;
}

/* Copies one entry (a directory with its contents) from src to dst, which
 * does not exist.  rec: record the copies' inodes under rel. */
static int
copy_tree (const char *src, const char *dst, struct links *links, struct copy_snap *rec, const char *rel,
           struct oci_error *err)
{
  struct stat st;
  if (lstat (src, &st) < 0)
    return oci_error_set (err, errno, "stat %s", src);
  if (S_ISDIR (st.st_mode))
    {
      if (mkdir (dst, 0700) < 0)
        return oci_error_set (err, errno, "mkdir %s", dst);
      if (record_ino (rec, rel, dst, err) < 0)
        return -1;
      cleanup_closedir DIR *d = opendir (src);
      struct dirent *de;
      if (d == NULL)
        return oci_error_set (err, errno, "open %s", src);
      while ((de = cmn_readdir (d)) != NULL)
        {
          cleanup_free char *s = NULL, *t = NULL, *r = NULL;
          if (asprintf (&s, "%s/%s", src, de->d_name) < 0 || asprintf (&t, "%s/%s", dst, de->d_name) < 0
              || asprintf (&r, "%s/%s", rel, de->d_name) < 0)
            return oci_error_set (err, ENOMEM, "out of memory");
          if (copy_tree (s, t, links, rec, r, err) < 0)
            return -1;
        }
      if (errno)
        return oci_error_set (err, errno, "read %s", src);
      return copy_meta (src, &st, dst, err);
    }
  /* The snapshot is only read: its files can be the layer dirs' own. */
  if (links->hardlink)
    {
      if (link (src, dst) == 0)
        return 0;
      if (errno != EXDEV && errno != EPERM && errno != EMLINK)
        return oci_error_set (err, errno, "link %s", dst);
    }
  const char *first = st.st_nlink > 1 ? links_find (links, &st) : NULL;
  if (first)
    {
      if (link (first, dst) < 0)
        return oci_error_set (err, errno, "link %s", dst);
      return record_ino (rec, rel, dst, err);
    }
  if (S_ISREG (st.st_mode))
    {
      if (copy_data (src, dst, err) < 0)
        return -1;
    }
  else if (S_ISLNK (st.st_mode))
    {
      cleanup_free char *target = cmn_readlinkat (AT_FDCWD, src);
      if (target == NULL)
        return oci_error_set (err, errno, "readlink %s", src);
      if (symlink (target, dst) < 0)
        return oci_error_set (err, errno, "symlink %s", dst);
    }
  else if (mknod (dst, (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0)
    return oci_error_set (err, errno, "mknod %s", dst);
  if (copy_meta (src, &st, dst, err) < 0 || record_ino (rec, rel, dst, err) < 0)
    return -1;
  if (st.st_nlink > 1)
    links_add (links, &st, dst);
  return 0;
}

static bool
is_whiteout (const struct stat *st)
{
  return S_ISCHR (st->st_mode) && st->st_rdev == makedev (0, 0);
}

static bool
is_opaque (const char *path)
{
  char v[2];
  cleanup_free char *marker = NULL;
  struct stat st;
  ssize_t n = lgetxattr (path, OPAQUE_XATTR, v, sizeof v);
  if (n < 0)
    n = lgetxattr (path, "user.overlay.opaque", v, sizeof v);
  if (n == 1 && v[0] == 'y')
    return true;
  return asprintf (&marker, "%s/" AUFS_OPAQUE, path) > 0 && lstat (marker, &st) == 0;
}

/* Applies the overlay-format layer dir src onto dst (both directories). */
static int
apply_layer (const char *src, const char *dst, struct links *links, struct oci_error *err)
{
  cleanup_closedir DIR *d = opendir (src);
  struct dirent *de;
  if (d == NULL)
    return oci_error_set (err, errno, "open %s", src);
  while ((de = cmn_readdir (d)) != NULL)
    {
      cleanup_free char *s = NULL, *t = NULL;
      struct stat ss, ts;
      if (asprintf (&s, "%s/%s", src, de->d_name) < 0 || asprintf (&t, "%s/%s", dst, de->d_name) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      if (lstat (s, &ss) < 0)
        return oci_error_set (err, errno, "stat %s", s);
      if (strcmp (de->d_name, AUFS_OPAQUE) == 0)
        continue;
      if (strncmp (de->d_name, AUFS_PREFIX, strlen (AUFS_PREFIX)) == 0)
        {
          free (t);
          if (asprintf (&t, "%s/%s", dst, de->d_name + strlen (AUFS_PREFIX)) < 0)
            return oci_error_set (err, ENOMEM, "out of memory");
          if (bld_remove_tree (t, err) < 0)
            return -1;
          continue;
        }
      bool exists = lstat (t, &ts) == 0;
      if (is_whiteout (&ss))
        {
          if (exists && bld_remove_tree (t, err) < 0)
            return -1;
          continue;
        }
      if (S_ISDIR (ss.st_mode) && exists && S_ISDIR (ts.st_mode) && !is_opaque (s))
        {
          /* Merge: the upper dir's own metadata, its entries on top. */
          if (apply_layer (s, t, links, err) < 0 || copy_meta (s, &ss, t, err) < 0)
            return -1;
          continue;
        }
      if (exists && bld_remove_tree (t, err) < 0)
        return -1;
      if (copy_tree (s, t, links, NULL, "", err) < 0)
        return -1;
    }
  if (errno)
    return oci_error_set (err, errno, "read %s", src);
  return 0;
}

/* The layer dirs (topmost first) applied into dst. */
static int
materialize (char **lowers, size_t n, const char *dst, struct oci_error *err)
{
  struct links links = { CMN_INODE_NAMES_INIT, true };
  int ret = 0;
  if (mkdir (dst, 0755) < 0 && errno != EEXIST)
    return oci_error_set (err, errno, "mkdir %s", dst);
  /* lowers: topmost first. */
  for (size_t i = n; ret == 0 && i-- > 0;)
    {
      ret = apply_layer (lowers[i], dst, &links, err);
      links_clear (&links);
      links.hardlink = true;
    }
  return ret;
}

static int
cmp_ino (const void *a, const void *b)
{
  return strcmp (((const struct ino_entry *) a)->rel, ((const struct ino_entry *) b)->rel);
}

/* bsearch's: a rel against an entry. */
static int
cmp_rel_ino (const void *rel, const void *e)
{
  return strcmp (rel, ((const struct ino_entry *) e)->rel);
}

static void
copy_snap_free (struct copy_snap *s)
{
  if (s == NULL)
    return;
  for (size_t i = 0; i < s->n_inos; i++)
    free (s->inos[i].rel);
  free (s->inos);
  free (s->snap);
  free (s);
}

/* A snapshot of the lowers (dir/snap) and its clone at the root the step
 * works on. */
static int
copy_prepare (struct bld_snapshot *bs, char **lowers, size_t n, struct oci_error *err)
{
  struct copy_snap *s = calloc (1, sizeof *s);
  struct links links = { CMN_INODE_NAMES_INIT, false };
  if (s == NULL || asprintf (&s->snap, "%s/snap", bs->dir) < 0)
    {
      free (s);
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  bs->priv = s;
  if (materialize (lowers, n, s->snap, err) < 0)
    return -1;
  /* The root exists (made for the overlay): the clone replaces it. */
  if (rmdir (bs->root) < 0 && errno != ENOENT)
    return oci_error_set (err, errno, "rmdir %s", bs->root);
  int r = copy_tree (s->snap, bs->root, &links, s, "", err);
  links_clear (&links);
  if (r < 0)
    return -1;
  if (s->n_inos > 1) /* an empty snapshot has no array: qsort must not see NULL */
    qsort (s->inos, s->n_inos, sizeof *s->inos, cmp_ino);
  /* Link counts as the clone ends (a later link raised an earlier one's). */
  for (size_t i = 0; i < s->n_inos; i++)
    {
      cleanup_free char *p = NULL;
      struct stat st;
      if (asprintf (&p, "%s%s", bs->root, s->inos[i].rel) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      if (lstat (p, &st) == 0)
        s->inos[i].nlink = st.st_nlink;
    }
  return 0;
}

static int
copy_view (struct bld_snapshot *bs, char **lowers, size_t n, struct oci_error *err)
{
  return materialize (lowers, n, bs->root, err);
}

/* A clone of src (owners, modes, times, xattrs, hardlinks kept). */
static int
copy_scratch (struct bld_snapshot *bs, const char *src, struct oci_error *err)
{
  struct links links = { CMN_INODE_NAMES_INIT, false };
  if (rmdir (bs->root) < 0 && errno != ENOENT)
    return oci_error_set (err, errno, "rmdir %s", bs->root);
  int r = copy_tree (src, bs->root, &links, NULL, "", err);
  links_clear (&links);
  return r;
}

static void
copy_cleanup (struct bld_snapshot *bs)
{
  copy_snap_free (bs->priv);
  bs->priv = NULL;
}

/* The entry is the clone's own (not replaced); a non-directory's link
 * count unchanged too: a new hardlink makes overlayfs copy the file up,
 * and so does this. */
static bool
same_ino (const struct copy_snap *s, const char *rel, const struct stat *st)
{
  const struct ino_entry *e = bsearch (rel, s->inos, s->n_inos, sizeof *s->inos, cmp_rel_ino);
  return e && e->ino == st->st_ino && (S_ISDIR (st->st_mode) || e->nlink == st->st_nlink);
}

/* The xattrs of a and b (but overlayfs's) are the same. */
static bool
same_xattrs (const char *a, const char *b)
{
  cleanup_free char *la = NULL, *lb = NULL;
  size_t na, nb;
  /* No xattrs (or none on this filesystem) on both: the same; a failure
   * to read them: taken as changed, copied up. */
  if (cmn_llistxattr (a, &la, &na) < 0 || cmn_llistxattr (b, &lb, &nb) < 0)
    return false;
  if (na != nb || (na && memcmp (la, lb, na) != 0))
    return false;
  for (char *k = la; k && k < la + na; k += strlen (k) + 1)
    {
      cleanup_free char *va = NULL, *vb = NULL;
      size_t xa, xb;
      if (cmn_lgetxattr (a, k, &va, &xa) < 0 || cmn_lgetxattr (b, k, &vb, &xb) < 0 || va == NULL || vb == NULL
          || xa != xb || memcmp (va, vb, xa) != 0)
        return false;
    }
  return true;
}

static bool
same_entry (const char *sp, const struct stat *ss, const char *wp, const struct stat *ws)
{
  if ((ss->st_mode & S_IFMT) != (ws->st_mode & S_IFMT) || ss->st_mode != ws->st_mode || ss->st_uid != ws->st_uid
      || ss->st_gid != ws->st_gid || !same_xattrs (sp, wp))
    return false;
  if (S_ISDIR (ws->st_mode))
    return true;
  if (ss->st_size != ws->st_size || ss->st_rdev != ws->st_rdev || ss->st_mtim.tv_sec != ws->st_mtim.tv_sec
      || ss->st_mtim.tv_nsec != ws->st_mtim.tv_nsec)
    return false;
  if (S_ISLNK (ws->st_mode))
    {
      cleanup_free char *a = cmn_readlinkat (AT_FDCWD, sp), *b = cmn_readlinkat (AT_FDCWD, wp);
      return a && b && strcmp (a, b) == 0;
    }
  return true;
}

/* An empty file dir/name: the layer tar's whiteout or opaque marker. */
static int
aufs_marker (const char *dir, const char *name, struct oci_error *err)
{
  cleanup_free char *p = NULL;
  cleanup_close int fd = -1;
  if (asprintf (&p, "%s/%s", dir, name) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  fd = open (p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    return oci_error_set (err, errno, "create %s", p);
  return 0;
}

/* rel ("" or "/a/b") below upper and below work. */
static int
both_paths (const char *work, const char *upper, const char *rel, char **u, char **w, struct oci_error *err)
{
  if (asprintf (u, "%s%s", upper, rel) < 0 || asprintf (w, "%s%s", work, rel) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  return 0;
}

/* upper/rel exists as a dir with work/rel's metadata (made on first need). */
static int
upper_dir (const char *work, const char *upper, const char *rel, struct oci_error *err)
{
  cleanup_free char *u = NULL, *w = NULL;
  struct stat st;
  if (*rel == '\0')
    return 0;
  if (both_paths (work, upper, rel, &u, &w, err) < 0)
    return -1;
  if (lstat (u, &st) == 0)
    return 0;
  cleanup_free char *parent = strdup (rel);
  if (parent == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  *strrchr (parent, '/') = '\0';
  if (upper_dir (work, upper, parent, err) < 0)
    return -1;
  if (lstat (w, &st) < 0)
    return oci_error_set (err, errno, "stat %s", w);
  if (mkdir (u, 0700) < 0)
    return oci_error_set (err, errno, "mkdir %s", u);
  return copy_meta (w, &st, u, err);
}

struct diff
{
  const struct copy_snap *s;
  const char *work, *upper;
  struct links links;
};

static int
diff_dir (struct diff *d, const char *rel, struct oci_error *err)
{
  cleanup_free char *wdir = NULL, *sdir = NULL;
  cleanup_closedir DIR *wd = NULL, *sd = NULL;
  struct dirent *de;

  if (asprintf (&wdir, "%s%s", d->work, rel) < 0 || asprintf (&sdir, "%s%s", d->s->snap, rel) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  wd = opendir (wdir);
  if (wd == NULL)
    return oci_error_set (err, errno, "open %s", wdir);
  while ((de = cmn_readdir (wd)) != NULL)
    {
      cleanup_free char *r = NULL, *wp = NULL, *sp = NULL, *up = NULL;
      struct stat ws, ss;
      if (asprintf (&r, "%s/%s", rel, de->d_name) < 0 || asprintf (&wp, "%s%s", d->work, r) < 0
          || asprintf (&sp, "%s%s", d->s->snap, r) < 0 || asprintf (&up, "%s%s", d->upper, r) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      if (lstat (wp, &ws) < 0)
        return oci_error_set (err, errno, "stat %s", wp);
      bool in_snap = lstat (sp, &ss) == 0;
      bool kept = in_snap && same_ino (d->s, r, &ws);
      if (kept && S_ISDIR (ws.st_mode) && S_ISDIR (ss.st_mode))
        {
          if (!same_entry (sp, &ss, wp, &ws) && upper_dir (d->work, d->upper, r, err) < 0)
            return -1;
          if (diff_dir (d, r, err) < 0)
            return -1;
          continue;
        }
      if (kept && same_entry (sp, &ss, wp, &ws))
        continue;
      /* Added, changed or replaced: copied whole. */
      if (upper_dir (d->work, d->upper, rel, err) < 0 || copy_tree (wp, up, &d->links, NULL, "", err) < 0)
        return -1;
      if (in_snap && S_ISDIR (ws.st_mode) && S_ISDIR (ss.st_mode) && lsetxattr (up, OPAQUE_XATTR, "y", 1, 0) < 0
          && aufs_marker (up, AUFS_OPAQUE, err) < 0)
        return oci_error_prefix (err, "mark %s opaque", up);
    }
  if (errno)
    return oci_error_set (err, errno, "read %s", wdir);

  /* Deleted: whiteouts. */
  sd = opendir (sdir);
  if (sd == NULL)
    return oci_error_set (err, errno, "open %s", sdir);
  while ((de = cmn_readdir (sd)) != NULL)
    {
      cleanup_free char *wp = NULL, *up = NULL;
      struct stat st;
      if (asprintf (&wp, "%s/%s", wdir, de->d_name) < 0 || asprintf (&up, "%s%s/%s", d->upper, rel, de->d_name) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      if (lstat (wp, &st) == 0)
        continue;
      if (upper_dir (d->work, d->upper, rel, err) < 0)
        return -1;
      if (mknod (up, S_IFCHR | 0, makedev (0, 0)) < 0)
        {
          cleanup_free char *parent = NULL, *name = NULL;
          if (errno != EPERM && errno != EOPNOTSUPP)
            return oci_error_set (err, errno, "whiteout %s", up);
          if (asprintf (&parent, "%s%s", d->upper, rel) < 0 || asprintf (&name, AUFS_PREFIX "%s", de->d_name) < 0)
            return oci_error_set (err, ENOMEM, "out of memory");
          if (aufs_marker (parent, name, err) < 0)
            return oci_error_prefix (err, "whiteout %s", up);
        }
    }
  if (errno)
    return oci_error_set (err, errno, "read %s", sdir);
  return 0;
}

/* Directory times again, children having changed them: deepest first. */
static int
fix_dir_times (const char *work, const char *upper, const char *rel, struct oci_error *err)
{
  cleanup_free char *u = NULL, *w = NULL;
  cleanup_closedir DIR *d = NULL;
  struct dirent *de;
  struct stat st;
  if (both_paths (work, upper, rel, &u, &w, err) < 0)
    return -1;
  d = opendir (u);
  if (d == NULL)
    return oci_error_set (err, errno, "open %s", u);
  while ((de = cmn_readdir (d)) != NULL)
    {
      cleanup_free char *r = NULL;
      if (de->d_type != DT_DIR)
        continue;
      if (asprintf (&r, "%s/%s", rel, de->d_name) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      if (fix_dir_times (work, upper, r, err) < 0)
        return -1;
    }
  if (lstat (w, &st) == 0)
    {
      struct timespec ts[2] = { st.st_atim, st.st_mtim };
      utimensat (AT_FDCWD, u, ts, AT_SYMLINK_NOFOLLOW);
    }
  return 0;
}

/* What differs between the root and the snapshot, as an overlay upper dir. */
static int
snap_diff (const struct copy_snap *s, const char *merged, const char *upper, struct oci_error *err)
{
  struct diff d = { .s = s, .work = merged, .upper = upper };
  struct stat ws, ss;
  int r = diff_dir (&d, "", err);
  links_clear (&d.links);
  if (r < 0)
    return -1;
  /* The root's own metadata, as overlayfs copies it up. */
  if (lstat (merged, &ws) == 0 && lstat (s->snap, &ss) == 0 && !same_entry (s->snap, &ss, merged, &ws)
      && copy_meta (merged, &ws, upper, err) < 0)
    return -1;
  return fix_dir_times (merged, upper, "", err);
}

static int
copy_diff (struct bld_snapshot *bs, struct oci_error *err)
{
  if (bs->priv && snap_diff (bs->priv, bs->root, bs->upper, err) < 0)
    return oci_error_prefix (err, "compare with the snapshot");
  return 0;
}

const struct bld_snapshot_ops bld_snapshot_copy = {
  .name = "copy",
  .prepare = copy_prepare,
  .view = copy_view,
  .scratch = copy_scratch,
  .diff = copy_diff,
  .commit = bld_snapshot_commit_upper,
  .cleanup = copy_cleanup,
};
