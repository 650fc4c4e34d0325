/* The build's snapshotter (containerd's notion): the root filesystems the
 * steps work on, made from a stage's layer dirs.
 *
 * The layer dirs are directories of the layer cache (.store/layers/<hex>)
 * in overlay format (whiteouts are 0/0 character devices, opaque dirs
 * carry trusted.overlay.opaque).  prepare makes a writable rootfs over
 * them for a step; diff ends the step's writes and leaves what it changed
 * in the snapshot's upper dir, in overlay format (the layer tar is written
 * from it); commit moves that upper dir into the layer cache, where it is
 * the next steps' top layer dir; view makes a read-only rootfs (COPY
 * --from, RUN --mount=from=); scratch a writable throw-away rootfs over a
 * plain directory (RUN --mount=type=bind,rw); cleanup ends any of them.
 *
 * Two implementations: overlay (snapshot_overlay.c: overlayfs mounts, the
 * upper dir is overlayfs's own) and copy (snapshot_copy.c: plain copies,
 * the upper dir computed by comparing with a snapshot), for where
 * overlayfs is not to be had.  BUILDER_SNAPSHOTTER picks one; auto (the
 * default) tries overlay at the first mount and settles on copy when
 * overlayfs is refused for want of support (a notice says so). */
#ifndef BUILDER_EXEC_SNAPSHOT_H
#define BUILDER_EXEC_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct bld_snapshot;

/* One implementation.  lowers: the layer dirs topmost first, each once,
 * an empty dir last (bld_overlay_lowers). */
struct bld_snapshot_ops
{
  const char *name;
  /* A writable rootfs at s->root (an empty dir); s->dir, s->upper and
   * s->work exist. */
  int (*prepare) (struct bld_snapshot *s, char **lowers, size_t n, struct oci_error *err);
  /* A read-only rootfs at s->root (an empty dir). */
  int (*view) (struct bld_snapshot *s, char **lowers, size_t n, struct oci_error *err);
  /* A writable rootfs at s->root over the plain directory src, whose
   * writes reach neither src nor any layer. */
  int (*scratch) (struct bld_snapshot *s, const char *src, struct oci_error *err);
  /* Ends a prepared snapshot's writes: s->upper holds its changes. */
  int (*diff) (struct bld_snapshot *s, struct oci_error *err);
  /* s->upper becomes the layer dir layer_dir (unless that exists). */
  int (*commit) (struct bld_snapshot *s, const char *layer_dir, struct oci_error *err);
  /* Unmounts, forgets; s->dir itself is removed by bld_snapshot_cleanup. */
  void (*cleanup) (struct bld_snapshot *s);
};

extern const struct bld_snapshot_ops bld_snapshot_overlay;
extern const struct bld_snapshot_ops bld_snapshot_copy;

struct bld_snapshot
{
  const struct bld_snapshot_ops *ops; /* the implementation that made it */
  char *dir;                          /* private, removed by cleanup; NULL for a view */
  char *root;                         /* the rootfs */
  char *upper, *work;                 /* NULL for a view */
  bool mounted;                       /* overlay: root is a mount */
  void *priv;                         /* the implementation's own */
};

struct bld_snapshotter
{
  const struct bld_snapshot_ops *ops; /* NULL: auto, not settled yet */
  const char *empty_dir;              /* an empty directory (set by the caller) */
  /* A line for the build's output (auto settling on copying, and why). */
  void (*notice) (void *data, const char *line);
  void *notice_data;
  struct bld_snapshot **views; /* cleaned up by bld_snapshotter_clear */
  size_t n_views;
};

/* The snapshotter BUILDER_SNAPSHOTTER asks for: overlay, copy, or auto
 * (sn zeroed first: nothing to clear on failure). */
int bld_snapshotter_init (struct bld_snapshotter *sn, struct oci_error *err);
/* Cleans up the views. */
void bld_snapshotter_clear (struct bld_snapshotter *sn);

/* A writable rootfs (dir/merged, made with dir) over the layer dirs
 * layers (bottom first) for one step. */
int bld_snapshot_prepare (struct bld_snapshotter *sn, char *const *layers, size_t n, const char *dir,
                          struct bld_snapshot **out, struct oci_error *err);
/* A read-only rootfs at target (an empty dir) over layers (bottom first),
 * until bld_snapshotter_clear. */
int bld_snapshot_view (struct bld_snapshotter *sn, char *const *layers, size_t n, const char *target,
                       struct oci_error *err);
/* A writable throw-away rootfs (dir/merged, made with dir) over the plain
 * directory src.  Where overlayfs is refused, a copy even when the build
 * mounts overlays. */
int bld_snapshot_scratch (struct bld_snapshotter *sn, const char *src, const char *dir, struct bld_snapshot **out,
                          struct oci_error *err);
/* Ends the step's writes; s->upper then holds its changes. */
int bld_snapshot_diff (struct bld_snapshot *s, struct oci_error *err);
/* s->upper becomes layer_dir. */
int bld_snapshot_commit (struct bld_snapshot *s, const char *layer_dir, struct oci_error *err);
/* Unmounts, removes s->dir, frees; NULL is fine. */
void bld_snapshot_cleanup (struct bld_snapshot *s);

/* For the implementations. */
/* An overlay mount's error that says overlayfs is not to be had here. */
bool bld_overlay_unsupported (const struct oci_error *err);
/* The commit both implementations share: a rename. */
int bld_snapshot_commit_upper (struct bld_snapshot *s, const char *layer_dir, struct oci_error *err);

#endif
