/* `builder build`: the public side of the build executor (builder/cli,
 * and `prune` in builder/image): running a recipe into an image of the
 * store, its progress display, interruption, and the build caches'
 * collection.  The executor's own headers: build_ops.h (the operations
 * it composes), build_internal.h (a build's state, the instructions),
 * build_fs.h (filesystem helpers, shared with unpack and run).
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
 * cannot be mounted (or BUILDER_SNAPSHOTTER=copy), the copying snapshotter
 * does the same with copies (snapshot.h). */
#ifndef BUILDER_BUILD_H
#define BUILDER_BUILD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <stdio.h>

#include "error.h"
#include "image.h"
#include "image/interrupt.h"
#include "image/layer_write.h"

struct bld_store;
struct bld_platform;
struct bld_cache_index;

/* --cache-to / --cache-from (docs/cache.md). */
enum bld_cache_type
{
  BLD_CACHE_REGISTRY, /* ref= */
  BLD_CACHE_LOCAL,    /* dest= (to) or src= (from): an OCI layout directory */
  BLD_CACHE_INLINE,   /* to: the image's own manifest */
};
struct bld_cache_spec
{
  enum bld_cache_type type;
  char *ref, *dir;
  bool max;      /* mode=max: every stage's steps (else the image's) */
  bool insecure; /* registry.insecure=true: no TLS verification, http */
};
/* "type=registry,ref=REF[,mode=min|max]", "type=local,dest=DIR" (to) or
 * "src=DIR" (from), "type=inline" (to); a bare REF is type=registry. */
int bld_cache_spec_parse (const char *spec, bool to, struct bld_cache_spec *out, struct oci_error *err);
void bld_cache_spec_clear (struct bld_cache_spec *s);

/* RUN's network (build --network, RUN --network=): its own namespace
 * with outbound access through NAT (docker build's default bridge; also
 * called "default"), an empty one, or the host's (exec/build_net.c). */
enum bld_network
{
  BLD_NETWORK_PRIVATE,
  BLD_NETWORK_NONE,
  BLD_NETWORK_HOST,
};
/* "private" or "default", "none", "host"; -1 (no message) for others. */
int bld_network_parse (const char *s, enum bld_network *out);

/* --pull: when FROM's image is taken again from its source */
enum bld_pull
{
  BLD_PULL_MISSING, /* only when the store lacks it (the default) */
  BLD_PULL_ALWAYS,  /* from oci:DIR or a registry even when present */
  BLD_PULL_NEVER,   /* the store's, or an error */
};

/* --format: the media types of the image's manifest, config and layers */
enum bld_image_format
{
  BLD_FORMAT_OCI,
  BLD_FORMAT_DOCKER, /* Docker's image manifest v2 schema 2 */
};

struct bld_build_options
{
  const char *context;
  const char *recipe; /* NULL: CONTEXT/Recipe, Dockerfile, Containerfile */
  char **tags;        /* NAME[:TAG] */
  size_t tags_len;
  char **build_args; /* K=V, or K (taken from the environment) */
  size_t build_args_len;
  const char *target; /* NULL: the last stage */
  bool no_cache;
  enum bld_compression compression;
  bool has_timestamp;
  int64_t timestamp;
  const char *runtime;      /* the OCI runtime (runc-lite by default) */
  enum bld_network network; /* RUN's default (RUN --network wins) */
  char **secrets;           /* --secret id=ID,src=FILE */
  size_t secrets_len;
  char **ssh; /* --ssh ID[=SOCKET] */
  size_t ssh_len;
  FILE *out; /* progress and RUN output */
  /* --platform: the target (NULL: the host's) */
  const struct bld_platform *platform;
  /* --jobs: stages built at once (0 or 1: one at a time) */
  unsigned jobs;
  const struct bld_cache_spec *cache_from, *cache_to;
  size_t cache_from_len, cache_to_len;
  /* one build of several platforms': where --cache-to notes its manifest
   * (the index of all is written after the last; NULL: written at once) */
  struct bld_cache_index *cache_index;
  /* docker build's habits (build_habits.c) */
  char **labels; /* --label K=V: the image's Labels, over LABEL's */
  size_t labels_len;
  enum bld_pull pull;
  char **add_hosts; /* --add-host HOST:IP, RUN's /etc/hosts */
  size_t add_hosts_len;
  char **ulimits; /* --ulimit NAME=SOFT[:HARD] (bld_ulimit_parse) */
  size_t ulimits_len;
  int64_t shm_size;      /* --shm-size: RUN's /dev/shm, bytes (0: 64 MiB) */
  char **build_contexts; /* --build-context NAME=DIR */
  size_t build_contexts_len;
  enum bld_image_format format;
  FILE *warn; /* warnings (an unused --build-arg); NULL: none */
  /* metadata: --annotation specs, --source, --revision (build_annotations.c) */
  char **annotations;
  size_t annotations_len;
  const char *source, *revision;
  struct bld_build_record *record; /* metadata: filled when not NULL */
};
/* metadata: what a build was made from, for --provenance. */
struct bld_build_record
{
  char *recipe_path;
  char **bases; /* FROM images, REF@DIGEST (a strv) */
  size_t bases_len;
};

/* Builds; *digest receives the manifest digest. */
int bld_build (struct bld_store *store, const struct bld_build_options *o, char digest[OCI_DIGEST_STRING_MAX],
               struct oci_error *err);

/* ---- build_platforms.c: --platform with several platforms ---- */

/* One build per platform (o->platform each in turn; o->tags name none of
 * them), then an OCI image index of their manifests with their platforms,
 * named by o->tags; *digest receives the index's digest.  With one
 * platform: bld_build alone. */
int bld_build_platforms (struct bld_store *store, const struct bld_build_options *o,
                         const struct bld_platform *platforms, size_t n, char digest[OCI_DIGEST_STRING_MAX],
                         struct oci_error *err);
/* --platform's value: comma-separated platforms, each parsed, no repeats. */
int bld_platforms_parse (const char *list, struct bld_platform **out, size_t *n, struct oci_error *err);
void bld_platforms_free (struct bld_platform *v, size_t n);
/* ---- build_habits.c: docker build's options ---- */

int bld_pull_parse (const char *s, enum bld_pull *out, struct oci_error *err);
int bld_format_parse (const char *s, enum bld_image_format *out, struct oci_error *err);
/* NAME=SOFT[:HARD] (docker's --ulimit): the RLIMIT_ resource, the limits
 * (-1 as unlimited); *hard = *soft when no HARD. */
int bld_ulimit_parse (const char *spec, int *resource, int64_t *soft, int64_t *hard, struct oci_error *err);
/* HOST:IP (IPv6 allowed after the first ':'). */
int bld_add_host_check (const char *spec, struct oci_error *err);
/* NAME=DIR: a directory; KEY=VALUE for --label. */
int bld_key_value_check (const char *option, const char *spec, struct oci_error *err);
/* ---- build_annotations.c: --annotation, the OCI standard annotations ---- */

enum bld_annotation_target
{
  BLD_ANNOTATION_MANIFEST,
  BLD_ANNOTATION_INDEX
};
/* [manifest:|index:]KEY=VALUE (no prefix: manifest); *key and *value
 * newly allocated. */
int bld_annotation_parse (const char *spec, enum bld_annotation_target *target, char **key, char **value,
                          struct oci_error *err);
/* t as RFC 3339 in UTC (2006-01-02T15:04:05Z); -1 when it has no such form. */
int bld_rfc3339 (int64_t t, char out[32]);
/* Adds to m the annotations o gives for target: for the manifest the
 * standard ones (created when o has a timestamp, source, revision) first,
 * then o's --annotation specs of that target, later ones winning. */
int bld_manifest_annotations (const struct bld_build_options *o, enum bld_annotation_target target,
                              struct oci_string_map *m, struct oci_error *err);

/* ---- build_progress_json.c: --progress=rawjson ---- */

struct bld_progress_event
{
  struct timespec time; /* CLOCK_REALTIME */
  const char *event;    /* start, log, cached, done, error, message */
  unsigned step, total; /* step 0: not a step's */
  const char *name;     /* start: the instruction */
  const char *text;     /* log, message: the line */
  int64_t duration_ms;  /* done, error; -1: none */
};
/* The event as one line of JSON (no newline). */
int bld_progress_event_json (const struct bld_progress_event *e, char **out, size_t *len, struct oci_error *err);

/* ---- build_progress.c: --progress ---- */

/* The line bld_build_platforms writes before each platform's build
 * ("building for linux/arm64"): the progress views start anew. */
#define BLD_PROGRESS_PLATFORM_LINE "building for "
/* "[N/M] END": step N has ended (the executor's line; the views show
 * "[N/M] DONE 1.2s" in plain mode, nothing of it in tty mode). */
#define BLD_PROGRESS_STEP_END "END"

enum bld_progress_mode
{
  BLD_PROGRESS_AUTO,
  BLD_PROGRESS_PLAIN,
  BLD_PROGRESS_TTY,
  BLD_PROGRESS_RAWJSON /* metadata: one JSON object per event (build_progress_json.c) */
};
int bld_progress_parse (const char *s, enum bld_progress_mode *out, struct oci_error *err);
/* A stream for o->out that shows the executor's lines on dest in the mode
 * (auto: tty when dest is a terminal); fclose ends the view. */
int bld_progress_open (enum bld_progress_mode mode, FILE *dest, FILE **out, struct oci_error *err);

/* Interruption (bld_interrupted, bld_catch_signals, bld_check_interrupted):
 * image/interrupt.h. */

/* ---- build_gc.c: the build caches' collection (prune) ---- */

/* Held by every build for its whole run (waits for a collection). */
int bld_builds_lock_shared (const char *store_dir, int *out, struct oci_error *err);
struct bld_gc_keep
{
  bool (*blob) (const char *digest, void *data);     /* reached layer blobs */
  bool (*diff_id) (const char *diff_id, void *data); /* reached diff_ids */
  void *data;
};
/* The exclusive lock, *busy (and *out -1) when builds run. */
int bld_builds_lock_try_exclusive (const char *store_dir, int *out, bool *busy, struct oci_error *err);
struct bld_gc_result
{
  size_t layers_removed, cache_removed;
};
/* Removes the step cache's layer records whose blob keep->blob refuses
 * (no longer in the store: a miss anyway) and the extracted layers
 * keep->diff_id refuses; under the exclusive lock. */
int bld_build_cache_gc (const char *store_dir, const struct bld_gc_keep *keep, struct bld_gc_result *res,
                        struct oci_error *err);

/* prune --build-cache: which step cache entries go.  An entry's last use
 * is its record's mtime (a hit touches it); its size, the record's and
 * the layer blob's it records.  Entries are removed oldest first: with
 * has_until only those unused for until_ns, with has_keep_storage only
 * while the whole cache is larger than keep_storage; with neither, all. */
struct bld_cache_trim
{
  bool has_keep_storage, has_until;
  int64_t keep_storage; /* bytes */
  int64_t until_ns;
};
int bld_step_cache_trim (const char *store_dir, const struct bld_cache_trim *t, size_t *removed,
                         struct oci_error *err);
/* Calls fn with each layer record's blob digest and diff_id (what the
 * cache keeps alive); stops at fn's -1. */
int bld_step_cache_each_layer (const char *store_dir, int (*fn) (const char *digest, const char *diff_id, void *data),
                               void *data, struct oci_error *err);

/* Reaps STORE/.store/build-PID dirs (and layers/tmp-*-PID) of dead builds:
 * the lock not held and the pid gone. */
int bld_reap_dead_builds (const char *store_dir, const char *runtime, struct oci_error *err);

#endif
