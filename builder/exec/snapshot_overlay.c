/* The overlay snapshotter: the layer dirs are an overlayfs's lowerdirs; a
 * step's snapshot has a fresh upper and work dir, and after the step the
 * upper dir (unmounted) is the step's changes as they are, whiteouts and
 * opaque dirs in overlayfs's own format.  The mounts themselves are
 * bld_overlay_mount's (build_fs.c, shared with `builder run`). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec/snapshot.h"
#include "exec/build_fs.h"
#include "cleanup.h"

static int
overlay_prepare (struct bld_snapshot *s, char **lowers, size_t n, struct oci_error *err)
{
  if (bld_overlay_mount (lowers, n, s->upper, s->work, s->root, err) < 0)
    return -1;
  s->mounted = true;
  return 0;
}

static int
overlay_view (struct bld_snapshot *s, char **lowers, size_t n, struct oci_error *err)
{
  /* Without an upper dir overlayfs wants two lowerdirs: the empty one
   * twice when it is all there is (FROM scratch). */
  char *two[] = { lowers[0], lowers[0], NULL };
  if (n == 1)
    {
      lowers = two;
      n = 2;
    }
  if (bld_overlay_mount (lowers, n, NULL, NULL, s->root, err) < 0)
    return -1;
  s->mounted = true;
  return 0;
}

static int
overlay_scratch (struct bld_snapshot *s, const char *src, struct oci_error *err)
{
  cleanup_free char *lower = strdup (src);
  char *lowers[] = { lower, NULL };
  if (lower == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  return overlay_prepare (s, lowers, 1, err);
}

static int
overlay_diff (struct bld_snapshot *s, struct oci_error *err)
{
  if (s->mounted && bld_overlay_unmount (s->root, err) < 0)
    return -1;
  s->mounted = false;
  return 0;
}

static void
overlay_cleanup (struct bld_snapshot *s)
{
  struct oci_error e = OCI_ERROR_INIT;
  if (s->mounted)
    bld_overlay_unmount (s->root, &e);
  oci_error_clear (&e);
  s->mounted = false;
}

const struct bld_snapshot_ops bld_snapshot_overlay = {
  .name = "overlay",
  .prepare = overlay_prepare,
  .view = overlay_view,
  .scratch = overlay_scratch,
  .diff = overlay_diff,
  .commit = bld_snapshot_commit_upper,
  .cleanup = overlay_cleanup,
};
