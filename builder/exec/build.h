/* `builder build`: runs a recipe into an image of the store.
 *
 * Each stage's rootfs is an overlayfs: the lowerdirs are directories of
 * the layer cache (.store/layers/<diff_id hex>, overlay-mode extractions of
 * the base image's layers, shared read-only), each layer-producing step
 * gets a fresh upper and work dir mounted at a merged dir.  RUN runs the
 * command with the runtime on a bundle whose rootfs is the merged dir;
 * COPY/ADD write into the merged dir through fds resolved inside it.
 * After the step the overlay is unmounted, the upper dir is written as a
 * layer (diff mode: whiteouts) into the store, and then the upper dir
 * itself is renamed into the layer cache as the next lowerdir (it already
 * is in overlay format, so nothing is extracted again).  Where overlayfs
 * cannot be mounted (or BUILDER_SNAPSHOTTER=copy), build_snap.c copies
 * instead: each step works on a copy of the layers and the upper dir is
 * computed by comparing it with the snapshot. */
#ifndef BUILDER_BUILD_H
#define BUILDER_BUILD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"
#include "image.h"
#include "image/layer_write.h"

struct bld_store;

struct bld_build_options
{
  const char *context;
  const char *recipe;          /* NULL: CONTEXT/Recipe, Dockerfile, Containerfile */
  char **tags;                 /* NAME[:TAG] */
  size_t tags_len;
  char **build_args;           /* K=V, or K (taken from the environment) */
  size_t build_args_len;
  const char *target;          /* NULL: the last stage */
  bool no_cache;
  enum bld_compression compression;
  bool has_timestamp;
  int64_t timestamp;
  const char *runtime;         /* the OCI runtime (runc-lite by default) */
  bool host_network;           /* --network host: RUN's default (else none) */
  char **secrets;              /* --secret id=ID,src=FILE */
  size_t secrets_len;
  char **ssh;                  /* --ssh ID[=SOCKET] */
  size_t ssh_len;
  FILE *out;                   /* progress and RUN output */
};

/* Builds; *digest receives the manifest digest. */
int bld_build (struct bld_store *store, const struct bld_build_options *o, char digest[OCI_DIGEST_STRING_MAX],
               struct oci_error *err);

/* ---- shared by build*.c ---- */

/* rm -rf that unmounts nothing and does not cross mount points. */
int bld_remove_tree (const char *path, struct oci_error *err);
/* Mounts an overlay of lowers (topmost first) with upper/work (both NULL:
 * read-only) on merged. */
int bld_overlay_mount (char **lowers, size_t n, const char *upper, const char *work, const char *merged,
                       struct oci_error *err);
int bld_overlay_unmount (const char *merged, struct oci_error *err);
/* The lowerdirs of an overlay of dirs (bottom first): topmost first, each
 * directory once, empty_dir last. */
int bld_overlay_lowers (char *const *dirs, size_t n, const char *empty_dir, char ***out, size_t *n_out,
                        struct oci_error *err);
/* Opens (creating 0755 root-owned directories as needed) path inside the
 * root directory rootfd, resolving symlinks inside it. */
int bld_mkdir_in_root (int rootfd, const char *path, int *out, struct oci_error *err);
/* The same; directories it creates are chowned to uid:gid when
 * chown_created (COPY --chown: BuildKit owns every directory it makes). */
int bld_mkdir_in_root_owned (int rootfd, const char *path, bool chown_created, uid_t uid, gid_t gid, int *out,
                             struct oci_error *err);
/* Makes sure the layer cache layers_dir (.store/layers) holds the layer
 * with diff_id, extracted from blob_path in overlay mode (a lowerdir),
 * checked against digest and diff_id; concurrent callers are safe (a
 * private temp dir renamed into place). */
int bld_layer_cache_ensure (const char *layers_dir, const char *blob_path, const char *digest, const char *diff_id,
                            struct oci_error *err);
/* Opens path inside rootfd (openat2 RESOLVE_IN_ROOT); flags as for open. */
int bld_open_in_root (int rootfd, const char *path, int flags, struct oci_error *err);

struct bld_copy_request
{
  int src_root;        /* the context or a stage's rootfs */
  const void *ignore;  /* struct ignore *, NULL for none */
  const void *exclude; /* COPY --exclude: struct ignore *, matched below each source */
  bool parents;        /* COPY --parents: the sources' directories are kept
                          (below a "/./" pivot when there is one) */
  char **sources;      /* expanded, relative to src_root */
  size_t sources_len;
  const char *dest;    /* expanded, absolute (WORKDIR applied) */
  bool add;            /* ADD: local archives are extracted */
  bool has_owner;
  uint32_t uid, gid;
  bool has_mode;
  mode_t mode;
};
/* Copies into the rootfs rootfd. */
int bld_copy (int rootfd, const struct bld_copy_request *req, struct oci_error *err);
/* A checksum of the sources (paths, content, mode, owners; not mtimes). */
int bld_copy_checksum (const struct bld_copy_request *req, char out[OCI_DIGEST_STRING_MAX], struct oci_error *err);

/* A config.json mount of the RUN bundle (RUN --mount). */
struct bld_run_mount
{
  char *type, *source, *destination;
  char **options;
  size_t options_len;
};

struct bld_run_request
{
  const char *runtime;
  const char *work;      /* a private directory for the bundle and state */
  const char *rootfs;    /* the merged dir */
  char **argv;
  size_t argc;
  char **env;
  size_t env_len;
  const char *cwd;
  uint32_t uid, gid;
  const uint32_t *additional_gids;
  size_t additional_gids_len;
  bool host_network;
  const struct bld_run_mount *mounts;
  size_t mounts_len;
  const char *prefix;    /* of every output line */
  FILE *out;
};
/* Runs the process; *status is its exit status.  On SIGINT/SIGTERM/SIGHUP
 * (bld_catch_signals) the container is killed and an error returned. */
int bld_run (const struct bld_run_request *r, int *status, struct oci_error *err);

/* ---- build_snap.c: the copying snapshotter (no overlayfs) ---- */

struct bld_snap;
/* BUILDER_SNAPSHOTTER: overlay, copy, or auto (overlay, copy where the
 * overlay mount fails for want of support). */
enum bld_snapshotter { BLD_SNAP_AUTO, BLD_SNAP_OVERLAY, BLD_SNAP_COPY };
int bld_snapshotter_from_env (enum bld_snapshotter *out, struct oci_error *err);
/* An overlay mount's error that says overlayfs is not to be had here. */
bool bld_overlay_unsupported (const struct oci_error *err);
/* The layer dirs (overlay format, topmost first) applied into dst. */
int bld_snap_materialize (char **lowers, size_t n, const char *dst, struct oci_error *err);
/* A snapshot of the lowers under dir and its clone at merged. */
int bld_snap_prepare (char **lowers, size_t n, const char *dir, const char *merged, struct bld_snap **out,
                      struct oci_error *err);
/* What differs between merged and the snapshot, as an overlay upper dir. */
int bld_snap_diff (const struct bld_snap *s, const char *merged, const char *upper, struct oci_error *err);
void bld_snap_free (struct bld_snap *s);

/* ---- build_progress.c: --progress ---- */

enum bld_progress_mode { BLD_PROGRESS_AUTO, BLD_PROGRESS_PLAIN, BLD_PROGRESS_TTY };
int bld_progress_parse (const char *s, enum bld_progress_mode *out, struct oci_error *err);
/* A stream for o->out that shows the executor's lines on dest in the mode
 * (auto: tty when dest is a terminal); fclose ends the view. */
int bld_progress_open (enum bld_progress_mode mode, FILE *dest, FILE **out, struct oci_error *err);

/* ---- build_lease.c: interruption, the work dir's lease, dead builds ---- */

/* The signal that interrupted the build, 0 while none did. */
extern volatile sig_atomic_t bld_interrupted;
/* SIGINT, SIGTERM, SIGHUP set bld_interrupted (no SA_RESTART). */
void bld_catch_signals (void);
/* -1 with an "interrupted" error once a signal came. */
int bld_check_interrupted (struct oci_error *err);
/* Detaches every mount at or below dir (/proc/self/mountinfo), topmost first. */
int bld_unmount_under (const char *dir, struct oci_error *err);
/* Makes the work dir (reaping a stale one) and holds its lock; the runtime
 * is recorded so that whoever reaps the dir deletes its containers. */
int bld_lease_take (const char *work, const char *runtime, int *lockfd, struct oci_error *err);
/* Deletes the work dir's containers, mounts and files; drops the lock. */
int bld_lease_release (const char *work, int lockfd, const char *runtime, struct oci_error *err);
/* ---- build_gc.c: the build caches' collection (prune) ---- */

/* Held by every build for its whole run (waits for a collection). */
int bld_builds_lock_shared (const char *store_dir, int *out, struct oci_error *err);
struct bld_gc_keep
{
  bool (*blob) (const char *digest, void *data);    /* reached layer blobs */
  bool (*diff_id) (const char *diff_id, void *data); /* reached diff_ids */
  void *data;
};
/* The exclusive lock, *busy (and *out -1) when builds run. */
int bld_builds_lock_try_exclusive (const char *store_dir, int *out, bool *busy, struct oci_error *err);
struct bld_gc_result
{
  size_t layers_removed, cache_removed;
};
/* Removes the step cache entries whose layer blob keep->blob refuses and
 * the extracted layers keep->diff_id refuses (all: every one); under the
 * exclusive lock. */
int bld_build_cache_gc (const char *store_dir, bool all, const struct bld_gc_keep *keep, struct bld_gc_result *res,
                        struct oci_error *err);

/* Reaps STORE/.store/build-PID dirs (and layers/tmp-*-PID) of dead builds:
 * the lock not held and the pid gone. */
int bld_reap_dead_builds (const char *store_dir, const char *runtime, struct oci_error *err);

#endif
