/* RUN --mount (build_mounts.c): the recipe's mounts expanded, keyed and
 * turned into the RUN bundle's config.json mounts. */
#ifndef BUILDER_BUILD_MOUNTS_H
#define BUILDER_BUILD_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>

#include "exec/build_ops.h"
#include "exec/snapshot.h"
#include "error.h"
#include "frontend/recipe_parse.h"
#include "common/strbuf.h"

struct bld_mount_context
{
  const char *store_dir; /* cache mounts live in STORE/.store/buildcache */
  int ctxfd;             /* bind sources without from= */
  const void *ignore;    /* the context's .dockerignore (struct ignore *) */
  const char *work;      /* private: secrets' copies, rw binds' scratch */
  char **secrets;        /* --secret id=ID,src=FILE */
  size_t secrets_len;
  char **ssh; /* --ssh ID[=SOCKET] ("default": $SSH_AUTH_SOCK) */
  size_t ssh_len;
  char escape;
  const char *(*lookup) (const char *name, void *data);
  void *lookup_data;
  /* The host path of a stage's or an image's rootfs (read-only). */
  int (*from_root) (void *data, const char *from, char **rootfs, struct oci_error *err);
  void *from_data;
  struct bld_snapshotter *snapshotter; /* rw binds' throw-away rootfs */
};

struct bld_mount_spec
{
  const struct recipe_mount *m;
  char *target, *source, *from, *id; /* expanded; target absolute */
  char *from_root;
};

/* A directory a mount point was made in, and its attributes before. */
struct bld_stub_parent
{
  char *path;
  mode_t mode;
  uid_t uid;
  gid_t gid;
};

struct bld_mounts
{
  struct bld_mount_spec *spec;
  size_t spec_len;
  struct bld_run_mount *v; /* for bld_run_request.mounts */
  size_t len;
  int *locks;
  size_t n_locks;
  char **stubs; /* mount points made in the rootfs */
  size_t n_stubs;
  struct bld_stub_parent *parents; /* directories that held a stub, as they were */
  size_t n_parents;
  struct bld_snapshot **scratch; /* rw binds' throw-away rootfs */
  size_t n_scratch;
};

/* --secret's argument is id=ID,src=FILE. */
int bld_secret_spec_check (const char *spec, struct oci_error *err);
/* Expands the mounts' values, resolves from=, checks required secrets
 * and agents. */
int bld_mounts_expand (const struct bld_mount_context *mc, const struct recipe_mount *m, size_t n, const char *cwd,
                       struct bld_mounts *ms, struct oci_error *err);
/* Appends the mounts to a cache key: their settings, and for binds the
 * checksum of what is bound (cache mounts' content is not an input). */
int bld_mounts_key (const struct bld_mount_context *mc, const struct bld_mounts *ms, struct strbuf *key,
                    struct oci_error *err);
/* Makes the mounts (cache dirs locked per sharing, secrets copied, mount
 * points created in rootfd); secrets with env= and SSH_AUTH_SOCK for an
 * agent are added to env. */
int bld_mounts_prepare (const struct bld_mount_context *mc, struct bld_mounts *ms, int rootfd, char ***env,
                        size_t *env_len, struct oci_error *err);
/* One more bind mount (RUN's heredoc script). */
int bld_mounts_add_bind (struct bld_mounts *ms, const char *source, const char *dest, bool ro, struct oci_error *err);
/* A read-only bind of the file source at dest (absolute), its mount
 * point made in rootfd when missing (and removed after); nothing when
 * dest is a symbolic link. */
int bld_mounts_add_file (struct bld_mounts *ms, int rootfd, const char *source, const char *dest,
                         struct oci_error *err);
/* After the run: removes the mount points bld_mounts_prepare made. */
int bld_mounts_finish (struct bld_mounts *ms, int rootfd, struct oci_error *err);
/* After the step's diff, on its upper dir: overlayfs copied up every
 * directory a mount point was made in; one left empty, not opaque and as
 * it was is removed from upper, so that it is no part of the layer. */
void bld_mounts_forget_copy_ups (struct bld_mounts *ms, const char *upper);
void bld_mounts_clear (struct bld_mounts *ms);

#endif
