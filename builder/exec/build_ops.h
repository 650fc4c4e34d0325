/* The operations the build executor composes, for the executor's files
 * only: COPY/ADD into a rootfs (build_copy.c), a process in the runtime
 * (build_run.c), the work dir's lease (build_lease.c); the step rootfs
 * are the snapshotter's (snapshot.h).  It brings in the public build.h
 * and build_fs.h. */
#ifndef BUILDER_BUILD_OPS_H
#define BUILDER_BUILD_OPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "exec/build.h"
#include "exec/build_fs.h"
#include "digest.h"
#include "error.h"

/* ---- build_copy.c: COPY and ADD ---- */

struct bld_copy_request
{
  int src_root;        /* the context or a stage's rootfs */
  const void *ignore;  /* struct ignore *, NULL for none */
  const void *exclude; /* COPY --exclude: struct ignore *, matched below each source */
  bool parents;        /* COPY --parents: the sources' directories are kept
                          (below a "/./" pivot when there is one) */
  char **sources;      /* expanded, relative to src_root */
  size_t sources_len;
  const char *dest; /* expanded, absolute (WORKDIR applied) */
  bool add;         /* ADD: local archives are extracted */
  bool has_owner;
  uint32_t uid, gid;
  bool has_mode;
  mode_t mode;
};
/* Copies into the rootfs rootfd. */
int bld_copy (int rootfd, const struct bld_copy_request *req, struct oci_error *err);
/* A checksum of the sources (paths, content, mode, owners; not mtimes). */
int bld_copy_checksum (const struct bld_copy_request *req, char out[OCI_DIGEST_STRING_MAX], struct oci_error *err);

/* ---- build_run.c: a process in the runtime ---- */

/* A RUN step's hostname (BuildKit's), also in its /etc/hosts. */
#define BLD_RUN_HOSTNAME "buildkitsandbox"

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
  const char *work;   /* a private directory for the bundle and state */
  const char *rootfs; /* the merged dir */
  char **argv;
  size_t argc;
  char **env;
  size_t env_len;
  const char *cwd;
  uint32_t uid, gid;
  const uint32_t *additional_gids;
  size_t additional_gids_len;
  enum bld_network network;
  const char *netns_path; /* private: the namespace made for the step */
  const struct bld_run_mount *mounts;
  size_t mounts_len;
  const char *prefix; /* of every output line */
  FILE *out;
  /* docker build's habits (build_habits.c) */
  char **ulimits; /* NAME=SOFT[:HARD] */
  size_t ulimits_len;
  int64_t shm_size; /* /dev/shm's size, bytes; 0: the spec's */
};
struct oci_runtime_config;
/* build_habits.c: --ulimit and --shm-size into RUN's config. */
int bld_run_config_habits (struct oci_runtime_config *c, const struct bld_run_request *r, struct oci_error *err);
/* Runs the process; *status is its exit status.  On SIGINT/SIGTERM/SIGHUP
 * (bld_catch_signals) the container is killed and an error returned. */
int bld_run (const struct bld_run_request *r, int *status, struct oci_error *err);

/* ---- build_lease.c: the work dir's lease ---- */

/* Detaches every mount at or below dir (/proc/self/mountinfo), topmost first. */
int bld_unmount_under (const char *dir, struct oci_error *err);
/* Makes the work dir (reaping a stale one) and holds its lock; the runtime
 * is recorded so that whoever reaps the dir deletes its containers. */
int bld_lease_take (const char *work, const char *runtime, int *lockfd, struct oci_error *err);
/* Deletes the work dir's containers, mounts and files; drops the lock. */
int bld_lease_release (const char *work, int lockfd, const char *runtime, struct oci_error *err);

#endif
