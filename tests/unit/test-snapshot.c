/* The build's snapshotter interface (builder/exec/snapshot.h), each
 * implementation through it: prepare over layer dirs, changes, diff into
 * an overlay-format upper dir, commit, a view over the result, a scratch
 * rootfs over a plain directory, cleanup.  Both must give the same upper
 * dir and the same view.  Needs root (whiteouts are devices, owners are
 * set); overlay also needs overlayfs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cleanup.h"
#include "exec/snapshot.h"
#include "fileutil.h"
#include "tap.h"
#include "tree-walk.h"

static char *tmp;

/* A path below base (kept as P's are). */
#define AT(base, ...) tw_path ((base), __VA_ARGS__)

/* The error's message after a failure, for the test's line. */
static const char *
why (const struct oci_error *e)
{
  return e->msg ? e->msg : "";
}

/* ok, and the error when it failed. */
#define ok_err(cond, e, ...) (ok ((cond), __VA_ARGS__) || (diag ("%s", why (e)), false))

static void
put (const char *path, const char *text)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || oci_write_all (fd, text, strlen (text)) < 0 || fchmod (fd, 0644) < 0)
    abort ();
  close (fd);
}

static char *
get (const char *path)
{
  struct oci_error e = OCI_ERROR_INIT;
  char *text = NULL;
  size_t len;
  if (oci_read_file (path, 4096, &text, &len, &e) < 0)
    oci_error_clear (&e);
  return text;
}

static bool
exists (const char *path)
{
  struct stat st;
  return lstat (path, &st) == 0;
}

/* A fixed time on path (not followed), so that listings compare. */
static void
fix_time (const char *path)
{
  struct timespec ts[2] = { { 5, 0 }, { 5, 0 } };
  utimensat (AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
}

static bool
is_whiteout (const char *dir, const char *name)
{
  struct stat st;
  if (lstat (AT (dir, "%s", name), &st) == 0)
    return S_ISCHR (st.st_mode) && st.st_rdev == makedev (0, 0);
  return exists (AT (dir, ".wh.%s", name));
}

static bool
is_opaque (const char *dir)
{
  char v[2];
  return (lgetxattr (dir, "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y')
         || exists (AT (dir, ".wh..wh..opq"));
}

/* l1: a, d/x, d/y, e/f; l2: a deleted (a whiteout), b. */
static void
make_layers (void)
{
  mkdir (P ("l1"), 0755);
  mkdir (P ("l1/d"), 0755);
  mkdir (P ("l1/e"), 0755);
  put (P ("l1/a"), "a");
  put (P ("l1/d/x"), "x");
  put (P ("l1/d/y"), "y");
  put (P ("l1/e/f"), "f");
  mkdir (P ("l2"), 0755);
  if (mknod (P ("l2/a"), S_IFCHR | 0, makedev (0, 0)) < 0)
    abort ();
  put (P ("l2/b"), "b1");
  mkdir (P ("empty"), 0755);
  mkdir (P ("src"), 0755);
  put (P ("src/f"), "orig");
  if (chown (P ("src/f"), 1000, 1000) < 0)
    abort ();
}

/* The step's writes: c added, d/x deleted, b changed, e replaced by a new
 * directory (made before the old one goes, so that no inode is reused). */
static void
change (const char *root)
{
  put (AT (root, "c"), "c");
  unlink (AT (root, "d/x"));
  put (AT (root, "b"), "b2");
  mkdir (AT (root, "e.new"), 0755);
  put (AT (root, "e.new/g"), "g");
  unlink (AT (root, "e/f"));
  rmdir (AT (root, "e"));
  if (rename (AT (root, "e.new"), AT (root, "e")) < 0)
    abort ();
  const char *fixed[] = { "c", "b", "d", "e", "e/g", "" };
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
    fix_time (AT (root, "%s", fixed[i]));
}

struct result
{
  char *upper, *view;
};

static void
scratch (struct bld_snapshotter *sn, const char *name)
{
  struct oci_error e = OCI_ERROR_INIT;
  struct bld_snapshot *s = NULL;
  struct stat st;
  cleanup_free char *dir = strdup (P ("%s-scratch", name));
  if (dir == NULL)
    abort ();
  ok_err (bld_snapshot_scratch (sn, P ("src"), dir, &s, &e) == 0, &e, "%s: scratch over a plain dir", name);
  if (s == NULL)
    return;
  ok (lstat (AT (s->root, "f"), &st) == 0 && st.st_uid == 1000 && st.st_gid == 1000,
      "%s: scratch: the source's owners kept", name);
  put (AT (s->root, "f"), "changed");
  cleanup_free char *f = get (AT (s->root, "f")), *orig = get (P ("src/f"));
  is_str (f, "changed", "%s: scratch: writable", name);
  is_str (orig, "orig", "%s: scratch: the source is not changed", name);
  bld_snapshot_cleanup (s);
  ok (!exists (dir), "%s: scratch: cleanup removes its dir", name);
}

static void
exercise (const struct bld_snapshot_ops *ops, struct result *res)
{
  const char *name = ops->name;
  struct oci_error e = OCI_ERROR_INIT;
  struct bld_snapshotter snapshotter = { 0 }, *sn = &snapshotter;
  struct bld_snapshot *s = NULL;
  /* P's results are reused after 16 calls: these are kept. */
  cleanup_free char *l1 = strdup (P ("l1")), *l2 = strdup (P ("l2")), *step = strdup (P ("%s-step", name));
  cleanup_free char *layer = strdup (P ("%s-layer", name)), *view = strdup (P ("%s-view", name));
  cleanup_free char *empty = strdup (P ("empty"));
  char *layers[] = { l1, l2, NULL, NULL };
  if (!l1 || !l2 || !step || !layer || !view || !empty)
    abort ();

  sn->ops = ops;
  sn->empty_dir = empty;
  if (bld_snapshot_prepare (sn, layers, 2, step, &s, &e) < 0 && ops == &bld_snapshot_overlay
      && bld_overlay_unsupported (&e))
    {
      printf ("ok %d # SKIP overlayfs unavailable: %s\n", ++tap_count, why (&e));
      oci_error_clear (&e);
      return;
    }
  ok_err (s != NULL, &e, "%s: prepare", name);
  if (s == NULL)
    return;
  ok (!exists (AT (s->root, "a")) && exists (AT (s->root, "d/x")), "%s: prepare: the layers, whiteouts applied",
      name);
  change (s->root);
  ok_err (bld_snapshot_diff (s, &e) == 0, &e, "%s: diff", name);
  fix_time (AT (s->upper, "d/x"));
  res->upper = tree_listing (s->upper);
  ok (is_whiteout (AT (s->upper, "d"), "x") && !exists (AT (s->upper, "d/y")),
      "%s: diff: a deletion is a whiteout, the unchanged file is not there", name);
  ok (is_opaque (AT (s->upper, "e")), "%s: diff: a replaced directory is opaque", name);
  ok (!exists (AT (s->upper, "a")), "%s: diff: nothing of what did not change", name);
  ok_err (bld_snapshot_commit (s, layer, &e) == 0 && exists (AT (layer, "c")), &e, "%s: commit makes the layer dir",
          name);
  bld_snapshot_cleanup (s);
  ok (!exists (step), "%s: cleanup removes the step's dir", name);

  layers[2] = layer;
  mkdir (view, 0755);
  ok_err (bld_snapshot_view (sn, layers, 3, view, &e) == 0, &e, "%s: view", name);
  res->view = tree_listing (view);
  cleanup_free char *b = get (AT (view, "b"));
  is_str (b, "b2", "%s: view: the committed change on top", name);
  ok (!exists (AT (view, "d/x")) && !exists (AT (view, "e/f")) && exists (AT (view, "e/g")),
      "%s: view: the deletion and the opaque dir", name);
  scratch (sn, name);
  bld_snapshotter_clear (sn);
  ok (sn->n_views == 0 && sn->views == NULL, "%s: clear forgets the views", name);
  /* A copy's view stays (the build's work dir goes at the end). */
  if (ops == &bld_snapshot_overlay)
    ok (!exists (AT (view, "c")), "%s: the view ends with the snapshotter (unmounted)", name);
}

static void
take_notice (void *data, const char *line)
{
  char **seen = data;
  free (*seen);
  *seen = strdup (line);
}

/* auto: an error other than overlayfs refusing settles nothing; a step dir
 * on an overlayfs (no upper dir there) settles on copying, with a notice. */
static void
test_auto (void)
{
  struct oci_error e = OCI_ERROR_INIT;
  struct bld_snapshot *s = NULL;
  cleanup_free char *seen = NULL, *l1 = strdup (P ("l1")), *gone = strdup (P ("gone")), *empty = strdup (P ("empty"));
  struct bld_snapshotter sn = { .empty_dir = empty, .notice = take_notice, .notice_data = &seen };
  char *layers[] = { gone, NULL };
  if (!l1 || !gone || !empty)
    abort ();
  ok (bld_snapshot_prepare (&sn, layers, 1, P ("auto-gone"), &s, &e) < 0 && sn.ops == NULL && seen == NULL,
      "auto: a missing layer dir is an error, nothing settled");
  oci_error_clear (&e);
  const char *ovl[] = { "ovl", "ovl/l", "ovl/u", "ovl/w", "ovl/m" };
  for (size_t i = 0; i < sizeof ovl / sizeof ovl[0]; i++)
    mkdir (P ("%s", ovl[i]), 0755);
  cleanup_free char *opts = NULL;
  if (asprintf (&opts, "lowerdir=%s,upperdir=%s,workdir=%s", P ("ovl/l"), P ("ovl/u"), P ("ovl/w")) < 0)
    abort ();
  if (mount ("overlay", P ("ovl/m"), "overlay", 0, opts) < 0)
    {
      printf ("ok %d # SKIP auto: no overlayfs to put the step dir on (%s)\n", ++tap_count, strerror (errno));
      return;
    }
  layers[0] = l1;
  ok_err (bld_snapshot_prepare (&sn, layers, 1, P ("ovl/m/step"), &s, &e) == 0, &e,
          "auto: a step dir on an overlayfs: prepared");
  ok (sn.ops == &bld_snapshot_copy && s && s->ops == &bld_snapshot_copy, "auto: settled on copying");
  ok (seen && strncmp (seen, "overlayfs unavailable (", 23) == 0 && strstr (seen, "): copying snapshots"),
      "auto: the notice says so (%s)", seen ? seen : "none");
  ok (s && exists (AT (s->root, "d/x")), "auto: the copy has the layer");
  bld_snapshot_cleanup (s);
  umount2 (P ("ovl/m"), MNT_DETACH);
}

static void
test_env (void)
{
  struct oci_error e = OCI_ERROR_INIT;
  struct bld_snapshotter sn;
  const struct
  {
    const char *v;
    const struct bld_snapshot_ops *ops;
  } cases[] = {
    { "copy", &bld_snapshot_copy },
    { "overlay", &bld_snapshot_overlay },
    { "auto", NULL },
    { "", NULL },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      setenv ("BUILDER_SNAPSHOTTER", cases[i].v, 1);
      memset (&sn, 0xff, sizeof sn);
      ok (bld_snapshotter_init (&sn, &e) == 0 && sn.ops == cases[i].ops && sn.views == NULL && sn.notice == NULL,
          "BUILDER_SNAPSHOTTER=%s", cases[i].v);
      bld_snapshotter_clear (&sn);
    }
  setenv ("BUILDER_SNAPSHOTTER", "zfs", 1);
  ok (bld_snapshotter_init (&sn, &e) < 0, "BUILDER_SNAPSHOTTER=zfs is refused");
  is_str (oci_error_msg (&e), "BUILDER_SNAPSHOTTER=zfs: want overlay, copy or auto", "its message");
  oci_error_clear (&e);
  unsetenv ("BUILDER_SNAPSHOTTER");
}

int
main (void)
{
  char tmpl[] = "/tmp/test-snapshot-XXXXXX";
  struct result copy = { 0 }, overlay = { 0 };
  test_env ();
  if (geteuid () != 0)
    {
      printf ("ok %d # SKIP the snapshotters need root (devices, owners, mounts)\n", ++tap_count);
      return tap_done ();
    }
  if ((tmp = mkdtemp (tmpl)) == NULL)
    abort ();
  make_layers ();
  exercise (&bld_snapshot_copy, &copy);
  exercise (&bld_snapshot_overlay, &overlay);
  test_auto ();
  if (overlay.upper && copy.upper)
    {
      is_str (copy.upper, overlay.upper, "copy's upper dir is overlay's");
      is_str (copy.view, overlay.view, "copy's view is overlay's");
    }
  free (copy.upper);
  free (copy.view);
  free (overlay.upper);
  free (overlay.view);
  tree_remove (tmp);
  return tap_done ();
}
