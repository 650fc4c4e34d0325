/* Filesystem helpers of the build executor (build_fs.c), shared with
 * `builder unpack` and `builder run`: removal, overlay mounts, paths
 * opened inside a root, the extracted layer cache. */
#ifndef BUILDER_BUILD_FS_H
#define BUILDER_BUILD_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

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

#endif
