/* Extracting a layer onto a directory (image-spec layer.md, "Applying
 * Changesets"), safely.
 *
 * Input: a tar, gzip (any number of members) or zstd stream, told apart by
 * its first bytes.  The decompression is done here so the tar stream is
 * seen too: its SHA-256 (diff_id), the compressed stream's SHA-256 and
 * both sizes come out in the stats and can be checked against expected
 * values (checked after the whole stream is read: on a mismatch the caller
 * must throw the directory away).
 *
 * Safety:
 *   - an entry path or hardlink target that is absolute or has a ".."
 *     component is refused ("./" prefixes and "." components are fine);
 *   - every parent directory is resolved inside the root (openat2
 *     RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so a symlink in the tree,
 *     even one pointing at "/tmp" or "../..", cannot lead outside; a
 *     missing parent is made as a 0755 directory, and a parent that is a
 *     dangling symlink is an error;
 *   - the entry itself is created relative to its parent's fd with
 *     O_NOFOLLOW / *at calls, after removing what was there (a directory
 *     replacing a directory is merged instead); chown, chmod, xattrs and
 *     times never follow a symlink (O_PATH fds, AT_SYMLINK_NOFOLLOW);
 *   - hardlink targets must exist inside the root;
 *   - limits against tar bombs (docs/limits.md): entries, path (and link
 *     target) length, path depth (components), PAX/GNU long-name header
 *     size, and the layer's size: file bytes plus a cost per entry
 *     (BLD_ENTRY_COST), per directory made (BLD_DIRECTORY_COST, also the
 *     ones a deep path implies) and the memory kept per path, against an
 *     absolute limit and a ratio to the input's size (size_limits.h); the
 *     decompressed tar stream is held to the same.  A limit is checked
 *     against the declared size before anything is written.
 *
 * Whiteouts: ".wh.NAME" removes NAME (and everything under it) left by
 * the lower layers; ".wh..wh..opq" removes every lower-layer entry of its
 * directory, as if it came first in the layer wherever it stands (entries
 * of the same layer survive).  ".wh." alone, ".wh..", ".wh...", other
 * ".wh..wh." names and whiteouts with children are errors.  In overlay
 * mode nothing is removed: a whiteout becomes an overlayfs whiteout (a
 * character device 0:0) and an opaque marker the xattr
 * trusted.overlay.opaque=y (user.overlay.opaque with overlay_user_xattr),
 * so the directory can serve as an overlayfs lowerdir.
 *
 * Entries for the root itself ("./") are skipped.  Overlayfs xattrs
 * (trusted.overlay.*, user.overlay.*) in the tar are never applied. */
#ifndef BUILDER_LAYER_APPLY_H
#define BUILDER_LAYER_APPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "digest.h"
#include "error.h"
#include "image/layer_write.h"

#define BLD_APPLY_DEFAULT_MAX_ENTRIES (UINT64_C (4) << 20)
#define BLD_APPLY_DEFAULT_MAX_PATH 4096
#define BLD_APPLY_DEFAULT_MAX_PAX_HEADER (UINT64_C (1) << 20)

struct bld_layer_apply_options
{
  bool overlay;            /* overlay mode (see above) */
  bool overlay_user_xattr; /* opaque markers as user.overlay.opaque */
  bool allow_devices;      /* create device nodes (see bld_devices_allowed) */
  bool skip_devices;       /* when not allowed: skip them instead of failing */
  bool ignore_owners;      /* no chown (implied when not running as root) */
  uint64_t max_bytes;      /* 0: the defaults above, or size_limits.h's */
  uint64_t max_ratio;      /* UINT64_MAX: no ratio limit */
  uint64_t max_depth;      /* path components */
  uint64_t max_entries;
  uint64_t max_path;
  uint64_t max_pax_header;
  const char *expected_digest;  /* of the input stream, may be NULL */
  const char *expected_diff_id; /* of the tar stream, may be NULL */
};

struct bld_layer_apply_stats
{
  enum bld_compression compression; /* what the input was */
  uint64_t entries;                 /* tar entries read */
  uint64_t bytes;                   /* file content bytes written */
  uint64_t metadata;                /* the costs counted beyond them */
  uint64_t skipped_devices;
  uint64_t skipped_xattrs; /* not supported by the filesystem, or not permitted */
  uint64_t size;           /* input bytes */
  uint64_t tar_size;       /* tar bytes */
  char digest[OCI_DIGEST_STRING_MAX];
  char diff_id[OCI_DIGEST_STRING_MAX];
};

/* Whether device nodes can be created: running as root in the initial user
 * namespace. */
bool bld_devices_allowed (void);

/* Applies the layer read from fd (to its end) onto the directory root.
 * opts and stats may be NULL. */
int bld_layer_apply_fd (int fd, const char *root, const struct bld_layer_apply_options *opts,
                        struct bld_layer_apply_stats *stats, struct oci_error *err);
int bld_layer_apply_file (const char *path, const char *root, const struct bld_layer_apply_options *opts,
                          struct bld_layer_apply_stats *stats, struct oci_error *err);

#endif
