/* The build executor's own header: the state of a build and of its
 * stages, shared by build.c (stages, FROM, the dispatch table), the
 * instruction families dispatch_meta.c (ENV, LABEL, ARG, WORKDIR, USER,
 * EXPOSE, VOLUME, CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD, ...),
 * dispatch_run.c (RUN), dispatch_copy.c (COPY, ADD) and the step cache.
 * Nothing outside builder/exec includes it. */
#ifndef BUILDER_BUILD_INTERNAL_H
#define BUILDER_BUILD_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "distribution/platform.h"
#include "exec/build_ops.h"
#include "exec/snapshot.h"
#include "frontend/ignore.h"
#include "frontend/recipe_parse.h"
#include "frontend/recipe_plan.h"
#include "image/name_index.h"

/* The names and values a stage's ENV, LABEL and ARG lines may add up to
 * (docs/limits.md): each expansion is bounded, this bounds their number
 * times their size, and keeps the image config (which repeats them in its
 * history) readable within OCI_JSON_FILE_MAX. */
#define BUILD_MAX_STAGE_VARS (16u * 1024 * 1024)

struct stage_st
{
  struct oci_image_config *cfg;
  struct oci_image_descriptor *layers;
  size_t n_layers;
  char **lowers; /* layer cache dirs, bottom first */
  size_t n_lowers;
  char **arg_keys, **arg_values;          /* ARGs declared in the stage */
  struct name_index env_ix, label_ix;     /* cfg->config's Env and Labels by name */
  struct name_index arg_ix;               /* arg_keys, the last declaration found */
  struct name_index expose_ix, volume_ix; /* the ExposedPorts and Volumes sets */
  size_t var_bytes;                       /* what the stage's ENV, LABEL and ARG lines hold (BUILD_MAX_STAGE_VARS) */
  /* The step cache key's state part (step_cache_key): a digest of the stage's
   * state when first asked, then of that and the steps since (history
   * entries and diff_ids up to chain_hist and chain_diffs). */
  char *chain;
  size_t chain_hist, chain_diffs;
  /* A run of consecutive metadata steps shares one cache entry, named by
   * its first step's key, with a "KEY=TIME" line per step (step_cache_meta_time). */
  struct
  {
    bool active, dirty;
    char *path;
    char **old, **cur;
    size_t n_old, n_cur;
    struct name_index old_ix;
  } meta;
  size_t n_args;
  char *rootfs; /* read-only mount for COPY --from, once needed */
  /* The time of the step being added when it was first built (from the
   * step cache): stage_history_add takes it instead of the build's time, so an
   * unchanged rebuild gives the same config and writes no blob. */
  char *cached_created;
  /* FROM --platform, else --platform, else the host's; explicit unless
   * the last (then an index gives the host's entry, as without any). */
  struct bld_platform platform;
  bool platform_explicit;
  size_t step; /* the number of the step it is at */
  bool built;  /* all its steps done */
};

struct build
{
  struct bld_store *store;
  const struct bld_build_options *o;
  const struct recipe *r;
  struct recipe_plan *plan;
  char *work, *layers_dir, *cache_dir, *empty_dir;
  struct stage_st *st;
  struct ignore *ig;
  int ctxfd;
  size_t step, nsteps, nmount;
  char *created;
  struct stage_st **images; /* COPY --from=IMAGE, RUN --mount=from=IMAGE */
  char **image_names;
  size_t n_images;
  struct stage_st *cur;
  struct bld_snapshotter sn;
  /* --jobs: the workers take the build in turn (this lock, held but
   * while RUN's process runs), and stop at cancel (another failed). */
  pthread_mutex_t *lock;
  const bool *cancel;
  struct build_cache *rc; /* --cache-from / --cache-to (cache_remote.c) */
};

struct step_fs
{
  const char *dir, *merged; /* the step's private dir, its rootfs (snap's) */
  struct bld_snapshot *snap;
};

/* ---- build.c: string vectors, the stage's variables and history ---- */

/* Appends a copy of s to the NULL-terminated vector *v of *len strings. */
int build_strv_push (char ***v, size_t *len, const char *s, struct oci_error *err);
void build_strv_clear (char ***v, size_t *len);
/* The stage's exec config, made empty when it has none (NULL: no memory). */
struct oci_image_exec_config *stage_exec_cfg (struct stage_st *s);
const char *stage_env_get (struct stage_st *s, const char *name);
int stage_env_set (struct stage_st *s, const char *key, const char *value, struct oci_error *err);
/* LABEL k=v into m (the stage's config's Labels). */
int stage_label_set (struct stage_st *s, struct oci_string_map *m, const char *k, const char *v,
                     struct oci_error *err);
/* The value of the stage's last ARG name; *declared whether there is one. */
const char *stage_arg_get (struct stage_st *s, const char *name, bool *declared);
/* Expansion lookup (data: the stage): ENV wins over ARG, as in Docker. */
const char *stage_lookup (const char *name, void *data);
/* A --build-arg value; *given whether the option names it. */
const char *build_arg_value (const struct bld_build_options *o, const char *name, bool *given);
/* A --build-arg value, else an automatic platform ARG's. */
const char *build_or_platform_arg (const struct bld_build_options *o, const char *name, bool *given);
/* A history entry (the cached step's time when there is one). */
int stage_history_add (struct stage_st *s, const char *created, const char *created_by, bool empty,
                       struct oci_error *err);
/* The shell form as a command: SHELL + [text]; the exec form as it is. */
int build_shell_argv (struct stage_st *s, const struct recipe_command *c, char ***out, size_t *n,
                      struct oci_error *err);
/* A JSON array of strings, for created_by (NULL: no memory). */
char *build_json_strv (char **v, size_t n);

/* ---- build.c: a step's rootfs, other stages' rootfs ---- */

/* The snapshotter's writable rootfs over the stage's layers at f->merged. */
int step_fs_mount (struct build *b, struct stage_st *s, struct step_fs *f, struct oci_error *err);
/* Writes the step's changes as the stage's next layer; the step cache
 * records it under key (NULL: not cached). */
int step_fs_commit (struct build *b, struct stage_st *s, struct step_fs *f, const char *key, struct oci_error *err);
void step_fs_clear (struct step_fs *f);
/* The layer cache holds every layer of the stage (a cache hit adds its
 * layer unextracted: a stage only COPY --from hits read needs none). */
int stage_ensure_layers (struct build *b, struct stage_st *s, struct oci_error *err);
/* A read-only view of the stage's rootfs at s->rootfs, once. */
int stage_rootfs (struct build *b, struct stage_st *s, struct oci_error *err);
/* --from=NAME: an earlier stage (by name or index), else an image. */
int build_resolve_from (struct build *b, const char *from, struct stage_st **out, struct oci_error *err);
/* The mounts' from= (data: the build): a read-only rootfs of a stage or image. */
int build_mount_from_root (void *data, const char *from, char **rootfs, struct oci_error *err);

/* The stage's next layer: its descriptor, diff_id, and the layer cache's
 * directory of it as the top lowerdir. */
int stage_add_layer (struct build *b, struct stage_st *s, const char *media_type, const char *digest, int64_t size,
                     const char *diff_id, struct oci_error *err);

/* ---- step_cache.c: the executor's side of the step cache ---- */

/* Brings s->chain up to date with the stage's steps so far: a digest of
 * its whole state (base layers' diff_ids, its steps, their layers). */
int step_cache_chain (struct stage_st *s, struct oci_error *err);
/* The key of a step: the stage's state, created_by, the build's options
 * and extra (what else decides the result; "metadata" for metadata steps). */
int step_cache_key (struct build *b, struct stage_st *s, const char *created_by, const char *extra,
                    char out[OCI_DIGEST_STRING_MAX], struct oci_error *err);
/* Records the step's layer under key (NULL, or --no-cache: nothing). */
void step_cache_record (struct build *b, const char *key, const struct oci_image_descriptor *desc,
                        const char *diff_id);
/* A hit adds the recorded layer to the stage, when its blob is still in the store. */
int step_cache_lookup (struct build *b, struct stage_st *s, const char *key, bool *hit, struct oci_error *err);
/* A metadata step's time, from and into the entry of its run of metadata steps. */
void step_cache_meta_time (struct build *b, struct stage_st *s, const char *created_by);
/* The end of a run of metadata steps: its entry is written when a step was new. */
void step_cache_meta_end (struct build *b, struct stage_st *s);
void step_cache_meta_clear (struct stage_st *s);

/* ---- build.c, build_jobs.c: the stages ---- */

/* Runs stage si's instructions (b->lock held, if any). */
int build_stage (struct build *b, size_t si, struct oci_error *err);
/* The plan's stages, up to jobs at once: a stage starts once the stages
 * it uses are built. */
int build_stages_parallel (struct build *b, unsigned jobs, struct oci_error *err);
/* Around a long wait of stage s that touches no build state (RUN's
 * process): the other workers may go on meanwhile. */
void build_unlock (struct build *b);
void build_relock (struct build *b, struct stage_st *s);

/* ---- the instructions: one function per kind ---- */

/* A step that makes its own history entry (and layer, if any). */
typedef int dispatch_step_fn (struct build *b, struct stage_st *s, const struct recipe_instruction *in,
                              const char *prefix, struct oci_error *err);
/* A metadata step: changes the config and says what the history entry's
 * created_by is (*created_by NULL: the instruction's text). */
typedef int dispatch_meta_fn (struct build *b, struct stage_st *s, const struct recipe_instruction *in,
                              char **created_by, struct oci_error *err);

dispatch_step_fn dispatch_run;     /* dispatch_run.c */
dispatch_step_fn dispatch_copy;    /* dispatch_copy.c: COPY and ADD */
dispatch_step_fn dispatch_workdir; /* dispatch_meta.c: the one with a layer */
dispatch_meta_fn dispatch_env, dispatch_label, dispatch_arg, dispatch_user, dispatch_stopsignal, dispatch_maintainer,
    dispatch_expose, dispatch_volume, dispatch_cmd, dispatch_healthcheck, dispatch_onbuild;

/* ---- build_habits.c: docker build's options in the build ---- */

/* --label over the (target) stage's Labels. */
int build_apply_labels (struct build *b, struct stage_st *s, struct oci_error *err);
/* docker's "[Warning] One or more build-args [...] were not consumed". */
void build_warn_unused_args (struct build *b);
/* The FROM line's text with the image expanded (NULL: no memory). */
char *build_from_text (struct build *b, size_t si, const struct recipe_instruction *in);
/* --add-host: HOST:IP lines appended to the step's hosts file (build_net.c's). */
int build_hosts_append (const char *path, char **add_hosts, size_t n, struct oci_error *err);
/* --pull for FROM NAME of the store: never (an error when missing),
 * missing (pulled when absent), always (pulled again); only a NAME with a
 * registry host has a source. */
int build_pull_base (struct build *b, const char *ref, struct oci_error *err);
/* --format: the layers to write (*out NULL: the stage's own; else a
 * shallow copy with Docker's media types, freed with free()). */
int build_format_layers (struct build *b, struct stage_st *s, struct oci_image_descriptor **out,
                         struct oci_error *err);
/* --build-context NAME=DIR: NAME's directory, NULL when none names it. */
const char *build_context_dir (const struct build *b, const char *name);
/* COPY --from=NAME, RUN --mount from=NAME: s's rootfs is the directory. */
int build_context_root (struct stage_st *s, const char *name, const char *dir, struct oci_error *err);
/* FROM NAME: the directory as the stage's first layer (s already as FROM scratch). */
int build_context_base (struct build *b, struct stage_st *s, const char *name, const char *dir,
                        struct oci_error *err);
struct strbuf;
/* RUN's cache key: --add-host, --ulimit and --shm-size give other results. */
void build_run_key_habits (struct build *b, struct strbuf *key);

#endif
