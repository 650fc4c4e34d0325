/* An image from the store as a runtime bundle (image-spec conversion.md):
 * rootfs/ from the layers in order, whiteouts applied, and config.json
 * from the default runtime spec plus the image config. */
#ifndef BUILDER_UNPACK_H
#define BUILDER_UNPACK_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "image.h"
#include "runtime.h"

struct bld_store;

/* The caller's changes on top of the image config (`builder run`). */
struct bld_unpack_overrides
{
  char **env; /* K=V, replacing the image's K */
  size_t env_len;
  char **cmd; /* replaces Cmd (Entrypoint stays) when cmd_len > 0 */
  size_t cmd_len;
  char **volumes; /* SRC:DST[:ro|rw] bind mounts */
  size_t volumes_len;
  bool terminal;
  /* docker run --entrypoint: replaces Entrypoint and drops the image's
   * Cmd (cmd gives the arguments); an empty one (entrypoint_len 0) clears
   * it. */
  bool has_entrypoint;
  char **entrypoint;
  size_t entrypoint_len;
  const char *user;     /* replaces User: name or uid[:gid], through the rootfs's /etc/passwd */
  const char *workdir;  /* replaces WorkingDir (absolute) */
  const char *hostname; /* the container's hostname (NULL: the default spec's) */
  bool readonly;        /* a read-only root */
  bool host_network;    /* no network namespace of its own */
  char **tmpfs;         /* PATH[:OPTS] tmpfs mounts */
  size_t tmpfs_len;
  /* When the image has neither Entrypoint nor Cmd and none is given: NULL
   * makes it an error; otherwise the default spec's args stay and
   * *no_command is set (`builder unpack`). */
  bool *no_command;
};

#define BLD_DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The runtime config for an image config whose rootfs is the directory
 * rootfs_fd (for resolving User). */
int bld_runtime_config_from_image (const struct oci_image_config *img, int rootfs_fd,
                                   const struct bld_unpack_overrides *ov, struct oci_runtime_config **out,
                                   struct oci_error *err);

/* Unpacks ref into bundle, which must not exist or be an empty directory;
 * it is made 0700.  On failure what was made is removed.  ov may be
 * NULL. */
int bld_unpack (struct bld_store *s, const char *ref, const char *bundle, const struct bld_unpack_overrides *ov,
                struct oci_error *err);


/* For `builder run --rm`: the bundle's rootfs is an overlayfs of the
 * store's layer cache (.store/layers, extracted once and shared with
 * build) with a private upper dir BUNDLE/upper, so nothing is extracted
 * per run.  The caller unmounts BUNDLE/rootfs (or runs in a mount
 * namespace of its own, where it goes with the namespace).  *done is
 * false, and nothing made, when the image cannot use it (Volumes) or
 * overlayfs cannot be mounted: then bld_unpack. */
int bld_unpack_overlay (struct bld_store *s, const char *ref, const char *bundle,
                        const struct bld_unpack_overrides *ov, bool *done, struct oci_error *err);

#endif
