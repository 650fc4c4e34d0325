/* The snapshotter's interface (snapshot.h): the snapshots' directories,
 * the choice of the implementation (BUILDER_SNAPSHOTTER, auto's fallback)
 * and what both implementations share. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exec/snapshot.h"
#include "exec/build_fs.h"
#include "cleanup.h"
#include "common/array.h"

int
bld_snapshotter_init (struct bld_snapshotter *sn, struct oci_error *err)
{
  const char *v = getenv ("BUILDER_SNAPSHOTTER");
  const struct bld_snapshot_ops *ops;
  if (v == NULL || *v == '\0' || strcmp (v, "auto") == 0)
    ops = NULL;
  else if (strcmp (v, "overlay") == 0)
    ops = &bld_snapshot_overlay;
  else if (strcmp (v, "copy") == 0)
    ops = &bld_snapshot_copy;
  else
    return oci_error_set (err, 0, "BUILDER_SNAPSHOTTER=%s: want overlay, copy or auto", v);
  memset (sn, 0, sizeof *sn);
  sn->ops = ops;
  return 0;
}

void
bld_snapshotter_clear (struct bld_snapshotter *sn)
{
  for (size_t i = 0; i < sn->n_views; i++)
    bld_snapshot_cleanup (sn->views[i]);
  free (sn->views);
  sn->views = NULL;
  sn->n_views = 0;
}

bool
bld_overlay_unsupported (const struct oci_error *err)
{
  return err->errnum == EINVAL || err->errnum == EPERM || err->errnum == ENODEV || err->errnum == EOPNOTSUPP;
}

void
bld_snapshot_cleanup (struct bld_snapshot *s)
{
  struct oci_error e = OCI_ERROR_INIT;
  if (s == NULL)
    return;
  if (s->ops)
    s->ops->cleanup (s);
  if (s->dir)
    bld_remove_tree (s->dir, &e);
  oci_error_clear (&e);
  free (s->dir);
  free (s->root);
  free (s->upper);
  free (s->work);
  free (s);
}

/* dir with upper, work and merged (the root) in it. */
static int
snapshot_dirs (const char *dir, struct bld_snapshot **out, struct oci_error *err)
{
  struct bld_snapshot *s = calloc (1, sizeof *s);
  *out = s;
  if (s == NULL || (s->dir = strdup (dir)) == NULL || asprintf (&s->upper, "%s/upper", dir) < 0
      || asprintf (&s->work, "%s/work", dir) < 0 || asprintf (&s->root, "%s/merged", dir) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (mkdir (s->dir, 0700) < 0 || mkdir (s->upper, 0755) < 0 || mkdir (s->work, 0700) < 0
      || mkdir (s->root, 0755) < 0)
    return oci_error_set (err, errno, "mkdir %s", s->dir);
  return 0;
}

/* prepare or view with the snapshotter's implementation.  Auto tries
 * overlay and settles on it, or on copy when overlayfs is refused for want
 * of support (said through notice). */
static int
run_impl (struct bld_snapshotter *sn, struct bld_snapshot *s, bool view, char *const *layers, size_t n,
          struct oci_error *err)
{
  cleanup_strv char **lowers = NULL;
  size_t nl = 0;
  if (bld_overlay_lowers (layers, n, sn->empty_dir, &lowers, &nl, err) < 0)
    return -1;
  const struct bld_snapshot_ops *ops = sn->ops ? sn->ops : &bld_snapshot_overlay;
  for (;;)
    {
      s->ops = ops;
      int r = view ? ops->view (s, lowers, nl, err) : ops->prepare (s, lowers, nl, err);
      if (sn->ops)
        return r;
      if (r == 0)
        {
          sn->ops = ops;
          return 0;
        }
      if (!bld_overlay_unsupported (err))
        return -1;
      cleanup_free char *line = NULL;
      if (sn->notice && asprintf (&line, "overlayfs unavailable (%s): copying snapshots", oci_error_msg (err)) > 0)
        sn->notice (sn->notice_data, line);
      oci_error_clear (err);
      ops = sn->ops = &bld_snapshot_copy;
    }
}

int
bld_snapshot_prepare (struct bld_snapshotter *sn, char *const *layers, size_t n, const char *dir,
                      struct bld_snapshot **out, struct oci_error *err)
{
  struct bld_snapshot *s;
  *out = NULL;
  if (snapshot_dirs (dir, &s, err) < 0 || run_impl (sn, s, false, layers, n, err) < 0)
    {
      bld_snapshot_cleanup (s);
      return -1;
    }
  *out = s;
  return 0;
}

int
bld_snapshot_view (struct bld_snapshotter *sn, char *const *layers, size_t n, const char *target,
                   struct oci_error *err)
{
  struct bld_snapshot *s = calloc (1, sizeof *s);
  if (s == NULL || (s->root = strdup (target)) == NULL
      || array_reserve (&sn->views, sn->n_views + 1, sizeof *sn->views) < 0)
    {
      bld_snapshot_cleanup (s);
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  if (run_impl (sn, s, true, layers, n, err) < 0)
    {
      bld_snapshot_cleanup (s);
      return -1;
    }
  sn->views[sn->n_views++] = s;
  return 0;
}

int
bld_snapshot_scratch (struct bld_snapshotter *sn, const char *src, const char *dir, struct bld_snapshot **out,
                      struct oci_error *err)
{
  struct bld_snapshot *s;
  *out = NULL;
  if (snapshot_dirs (dir, &s, err) < 0)
    {
      bld_snapshot_cleanup (s);
      return -1;
    }
  s->ops = sn->ops ? sn->ops : &bld_snapshot_overlay;
  int r = s->ops->scratch (s, src, err);
  if (r < 0 && s->ops != &bld_snapshot_copy && bld_overlay_unsupported (err))
    {
      oci_error_clear (err);
      s->ops = &bld_snapshot_copy;
      r = s->ops->scratch (s, src, err);
    }
  if (r < 0)
    {
      bld_snapshot_cleanup (s);
      return -1;
    }
  *out = s;
  return 0;
}

int
bld_snapshot_diff (struct bld_snapshot *s, struct oci_error *err)
{
  return s->ops->diff (s, err);
}

int
bld_snapshot_commit (struct bld_snapshot *s, const char *layer_dir, struct oci_error *err)
{
  return s->ops->commit (s, layer_dir, err);
}

int
bld_snapshot_commit_upper (struct bld_snapshot *s, const char *layer_dir, struct oci_error *err)
{
  struct stat st;
  if (stat (layer_dir, &st) < 0 && rename (s->upper, layer_dir) < 0 && errno != EEXIST && errno != ENOTEMPTY)
    return oci_error_set (err, errno, "rename %s", s->upper);
  return 0;
}
