/* The build executor: stages in plan order, one instruction at a time
 * (see build.h for the filesystem side). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exec/build.h"
#include "exec/build_mounts.h"
#include "distribution/platform.h"
#include "exec/user.h"
#include "cleanup.h"
#include "digest.h"
#include "common/array.h"
#include "fileutil.h"
#include "frontend/ignore.h"
#include "image/layer_apply.h"
#include "image/name_index.h"
#include "frontend/recipe_expand.h"
#include "frontend/recipe_plan.h"
#include "image/store.h"
#include "distribution/transfer.h"
#include "common/strbuf.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

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
  char **arg_keys, **arg_values; /* ARGs declared in the stage */
  struct name_index env_ix, label_ix; /* cfg->config's Env and Labels by name */
  struct name_index arg_ix;                /* arg_keys, the last declaration found */
  struct name_index expose_ix, volume_ix; /* the ExposedPorts and Volumes sets */
  size_t var_bytes; /* what the stage's ENV, LABEL and ARG lines hold (BUILD_MAX_STAGE_VARS) */
  /* The step cache key's state part (cache_key): a digest of the stage's
   * state when first asked, then of that and the steps since (history
   * entries and diff_ids up to chain_hist and chain_diffs). */
  char *chain;
  size_t chain_hist, chain_diffs;
  /* A run of consecutive metadata steps shares one cache entry, named by
   * its first step's key, with a "KEY=TIME" line per step (metadata_step_time). */
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
   * step cache): history_add takes it instead of the build's time, so an
   * unchanged rebuild gives the same config and writes no blob. */
  char *cached_created;
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
  char **mounts; /* to unmount at the end */
  size_t n_mounts;
  struct stage_st **images; /* COPY --from=IMAGE, RUN --mount=from=IMAGE */
  char **image_names;
  size_t n_images;
  struct stage_st *cur;
  enum bld_snapshotter snapshotter; /* AUTO turns into one at the first mount */
};

/* ---- small helpers ---- */

static int
strv_push (char ***v, size_t *len, const char *s, struct oci_error *err)
{
  if (array_reserve (v, *len + 2, sizeof **v) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  char **nv = *v;
  if ((nv[*len] = strdup (s)) == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  (*len)++;
  nv[*len] = NULL;
  return 0;
}

static void
strv_clear (char ***v, size_t *len)
{
  for (size_t i = 0; *v && i < *len; i++)
    free ((*v)[i]);
  free (*v);
  *v = NULL;
  *len = 0;
}

static struct oci_image_exec_config *
exec_cfg (struct stage_st *s)
{
  if (s->cfg->config == NULL)
    s->cfg->config = calloc (1, sizeof *s->cfg->config);
  return s->cfg->config;
}

/* The position of name in the stage's Env ("K=V"), or -1. */
static long
env_pos (struct stage_st *s, const char *name)
{
  struct oci_image_exec_config *c = s->cfg->config;
  size_t n = strlen (name);
  if (c == NULL)
    return -1;
  long i = name_index_find (&s->env_ix, c->env, c->env_len, NAME_INDEX_KV, name);
  if (i == -2) /* no memory for the index: the slow way */
    for (i = 0; (size_t) i < c->env_len; i++)
      if (strncmp (c->env[i], name, n) == 0 && c->env[i][n] == '=')
        return i;
  return i >= 0 && c->env[i][n] == '=' ? i : -1;
}

static const char *
env_get (struct stage_st *s, const char *name)
{
  long i = env_pos (s, name);
  return i < 0 ? NULL : s->cfg->config->env[i] + strlen (name) + 1;
}

static int
env_set (struct stage_st *s, const char *key, const char *value, struct oci_error *err)
{
  struct oci_image_exec_config *c = exec_cfg (s);
  cleanup_free char *kv = NULL;
  if (c == NULL || asprintf (&kv, "%s=%s", key, value) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  long i = env_pos (s, key);
  s->var_bytes += strlen (kv);
  if (i >= 0)
    {
      s->var_bytes -= s->var_bytes >= strlen (c->env[i]) ? strlen (c->env[i]) : s->var_bytes;
      free (c->env[i]);
      c->env[i] = steal_pointer (&kv);
      return 0;
    }
  if (strv_push (&c->env, &c->env_len, kv, err) < 0)
    return -1;
  /* out of memory here only costs a rebuild at the next look-up */
  name_index_update (&s->env_ix, c->env, c->env_len, NAME_INDEX_KV);
  return 0;
}

static const char *
arg_get (struct stage_st *s, const char *name, bool *declared)
{
  s->arg_ix.last_wins = true;
  long i = name_index_find (&s->arg_ix, s->arg_keys, s->n_args, NAME_INDEX_KEY, name);
  if (i == -2) /* no memory for the index: the slow way */
    for (i = (long) s->n_args - 1; i >= 0 && strcmp (s->arg_keys[i], name) != 0; i--)
      ;
  *declared = i >= 0;
  return i >= 0 ? s->arg_values[i] : NULL;
}

/* Expansion lookup: ENV wins over ARG, as in Docker. */
static const char *
lookup_stage (const char *name, void *data)
{
  struct stage_st *s = data;
  bool d;
  const char *v = env_get (s, name);
  return v ? v : arg_get (s, name, &d);
}

static const char *
build_arg_value (const struct bld_build_options *o, const char *name, bool *given)
{
  size_t n = strlen (name);
  *given = false;
  for (size_t i = o->build_args_len; i-- > 0;)
    {
      const char *a = o->build_args[i];
      if (strncmp (a, name, n) == 0 && (a[n] == '=' || a[n] == '\0'))
        {
          *given = true;
          return a[n] == '=' ? a + n + 1 : getenv (name);
        }
    }
  return NULL;
}

/* The automatic platform ARGs: build and target are this host. */
static const char *
platform_arg (const char *name)
{
  static char platform[96];
  const char *arch, *variant;
  const char *kind = strncmp (name, "BUILD", 5) == 0 ? name + 5 : strncmp (name, "TARGET", 6) == 0 ? name + 6 : NULL;
  if (kind == NULL)
    return NULL;
  bld_host_platform (&arch, &variant);
  if (strcmp (kind, "PLATFORM") == 0)
    {
      snprintf (platform, sizeof platform, "linux/%s%s%s", arch, variant ? "/" : "", variant ? variant : "");
      return platform;
    }
  if (strcmp (kind, "OS") == 0)
    return "linux";
  if (strcmp (kind, "ARCH") == 0)
    return arch;
  if (strcmp (kind, "VARIANT") == 0)
    return variant ? variant : "";
  return NULL;
}

/* A --build-arg value, else an automatic platform ARG's. */
static const char *
build_or_platform_arg (const struct bld_build_options *o, const char *name, bool *given)
{
  const char *v = build_arg_value (o, name, given);
  if (!*given && (v = platform_arg (name)) != NULL)
    *given = true;
  return v;
}

static const char *
lookup_build_arg (const char *name, void *data)
{
  bool given;
  return build_or_platform_arg (data, name, &given);
}

static char *
layer_hex (const char *diff_id)
{
  const char *c = strchr (diff_id, ':');
  return strdup (c ? c + 1 : diff_id);
}

static int
history_add (struct stage_st *s, const char *created, const char *created_by, bool empty, struct oci_error *err)
{
  struct oci_image_config *c = s->cfg;
  if (array_reserve (&c->history, c->history_len + 1, sizeof *c->history) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  struct oci_image_history *h = &c->history[c->history_len++];
  memset (h, 0, sizeof *h);
  h->created = strdup (s->cached_created ? s->cached_created : created);
  free (s->cached_created);
  s->cached_created = NULL;
  h->created_by = strdup (created_by);
  h->comment = strdup ("buildkit.dockerfile.v0");
  if (empty)
    {
      h->empty_layer = true;
      h->has_empty_layer = true;
    }
  if (h->created == NULL || h->created_by == NULL || h->comment == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  return 0;
}

static void meta_run_clear (struct stage_st *s);

static void
stage_clear (struct stage_st *s)
{
  oci_image_config_free (s->cfg);
  name_index_clear (&s->env_ix);
  name_index_clear (&s->label_ix);
  name_index_clear (&s->arg_ix);
  name_index_clear (&s->expose_ix);
  name_index_clear (&s->volume_ix);
  free (s->chain);
  meta_run_clear (s);
  for (size_t i = 0; i < s->n_layers; i++)
    {
      free (s->layers[i].media_type);
      free (s->layers[i].digest);
    }
  free (s->layers);
  strv_clear (&s->lowers, &s->n_lowers);
  for (size_t i = 0; i < s->n_args; i++)
    {
      free (s->arg_keys[i]);
      free (s->arg_values[i]);
    }
  free (s->arg_keys);
  free (s->arg_values);
  free (s->rootfs);
  free (s->cached_created);
  memset (s, 0, sizeof *s);
}

static int
stage_add_layer (struct build *b, struct stage_st *s, const char *media_type, const char *digest, int64_t size,
                 const char *diff_id, struct oci_error *err)
{
  struct oci_image_descriptor *l = realloc (s->layers, (s->n_layers + 1) * sizeof *l);
  cleanup_free char *hex = layer_hex (diff_id);
  cleanup_free char *dir = NULL;
  if (l == NULL || hex == NULL || asprintf (&dir, "%s/%s", b->layers_dir, hex) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  s->layers = l;
  l = &s->layers[s->n_layers++];
  memset (l, 0, sizeof *l);
  l->media_type = strdup (media_type);
  l->digest = strdup (digest);
  l->size = size;
  l->has_size = true;
  if (l->media_type == NULL || l->digest == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (strv_push (&s->lowers, &s->n_lowers, dir, err) < 0)
    return -1;
  struct oci_image_rootfs *rf = s->cfg->rootfs;
  return strv_push (&rf->diff_ids, &rf->diff_ids_len, diff_id, err);
}

/* Makes sure the layer cache holds the layer (extracted in overlay mode). */
static int
ensure_cached (struct build *b, const char *blob_path, const char *digest, const char *diff_id,
               struct oci_error *err)
{
  return bld_layer_cache_ensure (b->layers_dir, blob_path, digest, diff_id, err);
}

static char *
created_string (int64_t t)
{
  char buf[64];
  time_t tt = (time_t) t;
  struct tm tm;
  gmtime_r (&tt, &tm);
  strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return strdup (buf);
}

/* FROM scratch: the host's platform (variant too, e.g. arm v7). */
static int
scratch_platform (struct oci_image_config *c)
{
  const char *arch, *variant;
  bld_host_platform (&arch, &variant);
  return (c->architecture = strdup (arch)) == NULL || (variant && (c->variant = strdup (variant)) == NULL) ? -1 : 0;
}

static int
clone_config (const struct oci_image_config *c, struct oci_image_config **out, struct oci_error *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  if (oci_image_config_emit (c, false, &text, &len, err) < 0)
    return -1;
  return oci_image_config_parse_text ("config", text, len, out, err);
}

/* ---- FROM ---- */

static int
from_manifest (struct build *b, struct stage_st *s, struct bld_store *src, const struct oci_image_descriptor *desc,
               const char *ref, struct oci_error *err)
{
  cleanup_image_manifest struct oci_image_manifest *m = NULL;
  if (bld_store_read_manifest (src, desc, &m, err) < 0 || bld_store_read_config (src, m->config, &s->cfg, err) < 0)
    return -1;
  if (s->cfg->rootfs == NULL || s->cfg->rootfs->diff_ids_len != m->layers_len)
    return oci_error_set (err, 0, "%s: the config's diff_ids do not match the manifest's layers", ref);
  /* stage_add_layer appends the diff_ids again. */
  cleanup_strv char **diff_ids = s->cfg->rootfs->diff_ids;
  size_t n = s->cfg->rootfs->diff_ids_len;
  s->cfg->rootfs->diff_ids = NULL;
  s->cfg->rootfs->diff_ids_len = 0;
  (void) n;
  for (size_t i = 0; i < m->layers_len; i++)
    {
      cleanup_free char *path = NULL;
      const struct oci_image_descriptor *l = &m->layers[i];
      if (bld_store_blob_path (src, l->digest, l->size, false, &path, err) < 0)
        return -1;
      if (src != b->store && bld_store_put_file (b->store, path, l->digest, NULL, NULL, err) < 0)
        return -1;
      if (ensure_cached (b, path, l->digest, diff_ids[i], err) < 0)
        return -1;
      if (stage_add_layer (b, s, l->media_type, l->digest, l->size, diff_ids[i], err) < 0)
        return -1;
    }
  return 0;
}

static int
from_image (struct build *b, struct stage_st *s, struct bld_store *src, const char *ref, struct oci_error *err)
{
  cleanup_image_descriptor struct oci_image_descriptor *desc = NULL;
  if (bld_store_resolve (src, ref, &desc, err) < 0)
    return -1;
  return from_manifest (b, s, src, desc, ref, err);
}

/* oci-archive:FILE[:TAG]: its blobs go into the store (checked), no name. */
static int
from_oci_archive (struct build *b, struct stage_st *s, const char *spec, struct oci_error *err)
{
  cleanup_transport struct bld_transport t = { 0 };
  const struct bld_load_options o = { .name = NULL, .tag = false };
  struct bld_loaded *l = NULL;
  size_t n = 0;
  if (bld_transport_parse (spec, true, &t, err) < 0 || bld_load (b->store, &t, &o, &l, &n, err) < 0)
    return -1;
  int ret = from_manifest (b, s, b->store, l[0].desc, spec, err);
  bld_loaded_free (l, n);
  return ret;
}

static int
from_oci_dir (struct build *b, struct stage_st *s, const char *spec, struct oci_error *err)
{
  cleanup_free char *dir = strdup (spec + 4);
  const char *tag = NULL;
  if (dir == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  /* oci:DIR[:NAME]: the first ':' after which DIR is a directory (NAME
   * may hold ':' itself, as in busybox:latest). */
  struct stat st;
  if (stat (dir, &st) < 0)
    for (char *colon = strchr (dir, ':'); colon; colon = strchr (colon + 1, ':'))
      {
        *colon = '\0';
        if (stat (dir, &st) == 0 && S_ISDIR (st.st_mode))
          {
            tag = colon + 1;
            break;
          }
        *colon = ':';
      }
  cleanup_store struct bld_store *src = NULL;
  if (bld_store_open_read_only (dir, &src, err) < 0)
    return -1;
  cleanup_image_index struct oci_image_index *idx = NULL;
  if (bld_store_read_index (src, &idx, err) < 0)
    return -1;
  const char *found = NULL;
  for (size_t i = 0; i < idx->manifests_len; i++)
    {
      const struct oci_string_map *a = &idx->manifests[i].annotations;
      const char *name = NULL;
      for (size_t k = 0; k < a->len; k++)
        if (strcmp (a->keys[k], OCI_ANNOTATION_REF_NAME) == 0)
          name = a->values[k];
      if (tag == NULL || (name && (strcmp (name, tag) == 0)))
        {
          if (found && tag == NULL)
            return oci_error_set (err, 0, "%s: several images, name one with oci:DIR:TAG", spec);
          found = idx->manifests[i].digest;
          if (tag)
            break;
        }
    }
  if (found == NULL)
    {
      if (tag == NULL)
        return oci_error_set (err, 0, "%s: no image in the layout", spec);
      /* A store of ours names images NAME:TAG. */
      return from_image (b, s, src, tag, err);
    }
  return from_image (b, s, src, found, err);
}

static int
stage_from (struct build *b, size_t si, struct oci_error *err)
{
  struct recipe_stage *rs = &b->plan->stages[si];
  struct stage_st *s = &b->st[si];

  if (rs->platform)
    {
      /* No emulation: the one platform is the host's (os/arch, any
       * variant of it). */
      const char *arch, *variant;
      char host[80];
      bld_host_platform (&arch, &variant);
      snprintf (host, sizeof host, "linux/%s", arch);
      size_t hl = strlen (host);
      if (strncmp (rs->platform, host, hl) != 0 || (rs->platform[hl] != '\0' && rs->platform[hl] != '/'))
        return oci_error_set (err, 0, "--platform=%s: only the host's platform %s can be built here", rs->platform,
                              platform_arg ("TARGETPLATFORM"));
    }
  if (rs->base_is_stage)
    {
      struct stage_st *p = &b->st[rs->base_stage];
      if (clone_config (p->cfg, &s->cfg, err) < 0)
        return -1;
      strv_clear (&s->cfg->rootfs->diff_ids, &s->cfg->rootfs->diff_ids_len);
      for (size_t i = 0; i < p->n_layers; i++)
        if (stage_add_layer (b, s, p->layers[i].media_type, p->layers[i].digest, p->layers[i].size,
                             p->cfg->rootfs->diff_ids[i], err) < 0)
          return -1;
    }
  else if (strcmp (rs->base, "scratch") == 0)
    {
      s->cfg = calloc (1, sizeof *s->cfg);
      if (s->cfg == NULL || (s->cfg->rootfs = calloc (1, sizeof *s->cfg->rootfs)) == NULL
          || (s->cfg->rootfs->type = strdup ("layers")) == NULL || scratch_platform (s->cfg) < 0
          || (s->cfg->os = strdup ("linux")) == NULL || exec_cfg (s) == NULL)
        return oci_error_set (err, ENOMEM, "out of memory");
    }
  else if (strncmp (rs->base, "oci-archive:", 12) == 0)
    {
      if (from_oci_archive (b, s, rs->base, err) < 0)
        return oci_error_prefix (err, "FROM %s", rs->base);
    }
  else if (strncmp (rs->base, "oci:", 4) == 0)
    {
      if (from_oci_dir (b, s, rs->base, err) < 0)
        return -1;
    }
  else if (from_image (b, s, b->store, rs->base, err) < 0)
    return oci_error_prefix (err, "FROM %s", rs->base);
  if (exec_cfg (s) == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (s->cfg->rootfs == NULL && ((s->cfg->rootfs = calloc (1, sizeof *s->cfg->rootfs)) == NULL
                                 || (s->cfg->rootfs->type = strdup ("layers")) == NULL))
    return oci_error_set (err, ENOMEM, "out of memory");
  /* Docker gives every image a PATH. */
  if (env_get (s, "PATH") == NULL && env_set (s, "PATH", DEFAULT_PATH + 5, err) < 0)
    return -1;
  return 0;
}

/* ---- steps with a rootfs ---- */

struct step_fs
{
  char *dir, *upper, *work, *merged;
  bool mounted;
  struct bld_snap *snap; /* the copying snapshotter's */
};

static void
step_fs_clear (struct step_fs *f)
{
  struct oci_error e = OCI_ERROR_INIT;
  if (f->mounted)
    bld_overlay_unmount (f->merged, &e);
  if (f->dir)
    bld_remove_tree (f->dir, &e);
  oci_error_clear (&e);
  free (f->dir);
  free (f->upper);
  free (f->work);
  free (f->merged);
  bld_snap_free (f->snap);
  memset (f, 0, sizeof *f);
}

static int
lowers_for_mount (struct build *b, struct stage_st *s, char ***out, size_t *n, struct oci_error *err)
{
  return bld_overlay_lowers (s->lowers, s->n_lowers, b->empty_dir, out, n, err);
}

/* The overlay, unless the build copies (then nothing is mounted);
 * AUTO settles on the first mount. */
static int
snap_mount (struct build *b, char **lowers, size_t n, const char *upper, const char *work, const char *merged,
            struct oci_error *err)
{
  if (b->snapshotter == BLD_SNAP_COPY)
    return 0;
  if (bld_overlay_mount (lowers, n, upper, work, merged, err) == 0)
    {
      if (b->snapshotter == BLD_SNAP_AUTO)
        b->snapshotter = BLD_SNAP_OVERLAY;
      return 0;
    }
  if (b->snapshotter == BLD_SNAP_OVERLAY || !bld_overlay_unsupported (err))
    return -1;
  fprintf (b->o->out, "[%zu/%zu] | overlayfs unavailable (%s): copying snapshots\n", b->step, b->nsteps,
           oci_error_msg (err));
  oci_error_clear (err);
  b->snapshotter = BLD_SNAP_COPY;
  return 0;
}

static int
step_fs_mount (struct build *b, struct stage_st *s, struct step_fs *f, struct oci_error *err)
{
  char **lowers = NULL;
  size_t n = 0;
  if (asprintf (&f->dir, "%s/step%zu", b->work, ++b->nmount) < 0 || asprintf (&f->upper, "%s/upper", f->dir) < 0
      || asprintf (&f->work, "%s/work", f->dir) < 0 || asprintf (&f->merged, "%s/merged", f->dir) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (mkdir (f->dir, 0700) < 0 || mkdir (f->upper, 0755) < 0 || mkdir (f->work, 0700) < 0
      || mkdir (f->merged, 0755) < 0)
    return oci_error_set (err, errno, "mkdir %s", f->dir);
  if (lowers_for_mount (b, s, &lowers, &n, err) < 0)
    return -1;
  int r = snap_mount (b, lowers, n, f->upper, f->work, f->merged, err);
  if (r == 0 && b->snapshotter == BLD_SNAP_COPY)
    r = bld_snap_prepare (lowers, n, f->dir, f->merged, &f->snap, err);
  else if (r == 0)
    f->mounted = true;
  strv_clear (&lowers, &n);
  return r;
}

/* Unmounts, writes the upper dir as a layer and moves it into the layer
 * cache as the stage's new top lowerdir. */
static int
step_fs_commit (struct build *b, struct stage_st *s, struct step_fs *f, const char *cache_key, struct oci_error *err)
{
  struct bld_layer_write_options wo = { 0 };
  struct bld_layer_result res;
  cleanup_image_descriptor struct oci_image_descriptor *desc = NULL;

  if (f->snap && bld_snap_diff (f->snap, f->merged, f->upper, err) < 0)
    return oci_error_prefix (err, "compare with the snapshot");
  if (f->mounted && bld_overlay_unmount (f->merged, err) < 0)
    return -1;
  f->mounted = false;
  wo.mode = BLD_LAYER_OVERLAY_DIFF;
  wo.compression = b->o->compression;
  wo.has_clamp_epoch = b->o->has_timestamp;
  wo.clamp_epoch = b->o->timestamp;
  if (bld_layer_write_to_store (b->store, f->upper, &wo, &res, &desc, err) < 0)
    return oci_error_prefix (err, "write layer");
  cleanup_free char *hex = layer_hex (res.diff_id);
  cleanup_free char *dir = NULL;
  struct stat st;
  if (hex == NULL || asprintf (&dir, "%s/%s", b->layers_dir, hex) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (stat (dir, &st) < 0 && rename (f->upper, dir) < 0 && errno != EEXIST && errno != ENOTEMPTY)
    return oci_error_set (err, errno, "rename %s", f->upper);
  if (stage_add_layer (b, s, desc->media_type, desc->digest, desc->size, res.diff_id, err) < 0)
    return -1;
  if (cache_key && !b->o->no_cache)
    {
      cleanup_free char *path = NULL, *text = NULL;
      struct oci_error e2 = OCI_ERROR_INIT;
      int n = asprintf (&text, "%s %lld %s %s %s\n", desc->media_type, (long long) desc->size, desc->digest,
                        res.diff_id, b->created);
      if (n > 0 && asprintf (&path, "%s/%s", b->cache_dir, cache_key) > 0)
        oci_write_file_atomic (path, text, (size_t) n, 0644, &e2);
      oci_error_clear (&e2);
    }
  return 0;
}

static int cache_key (struct build *b, struct stage_st *s, const char *created_by, const char *extra,
                      char out[OCI_DIGEST_STRING_MAX], struct oci_error *err);

/* Keeps the time a cached step was first built for its history entry;
 * with --timestamp the build's fixed time wins. */
static void
step_cached_time (struct build *b, struct stage_st *s, const char *created)
{
  if (b->o->has_timestamp || *created == '\0')
    return;
  free (s->cached_created);
  s->cached_created = strdup (created);
}

/* A cache hit: the recorded layer, when its blob is still in the store. */
static int
cache_lookup (struct build *b, struct stage_st *s, const char *key, bool *hit, struct oci_error *err)
{
  cleanup_free char *path = NULL, *text = NULL, *blob = NULL;
  size_t len;
  struct oci_error e2 = OCI_ERROR_INIT;
  char media[256], digest[OCI_DIGEST_STRING_MAX], diff_id[OCI_DIGEST_STRING_MAX], created[64] = "";
  long long size;

  *hit = false;
  if (b->o->no_cache)
    return 0;
  if (asprintf (&path, "%s/%s", b->cache_dir, key) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (oci_read_file (path, 4096, &text, &len, &e2) < 0)
    {
      oci_error_clear (&e2);
      return 0;
    }
  if (sscanf (text, "%255s %lld %71s %71s %63s", media, &size, digest, diff_id, created) < 4
      || bld_store_blob_path (b->store, digest, size, false, &blob, &e2) < 0)
    {
      oci_error_clear (&e2);
      return 0;
    }
  if (ensure_cached (b, blob, digest, diff_id, err) < 0)
    return -1;
  if (stage_add_layer (b, s, media, digest, size, diff_id, err) < 0)
    return -1;
  step_cached_time (b, s, created);
  *hit = true;
  return 0;
}

static void
meta_run_clear (struct stage_st *s)
{
  free (s->meta.path);
  strv_clear (&s->meta.old, &s->meta.n_old);
  strv_clear (&s->meta.cur, &s->meta.n_cur);
  name_index_clear (&s->meta.old_ix);
  memset (&s->meta, 0, sizeof s->meta);
}

/* The end of a run of metadata steps: its entry is written when a step
 * was new.  The cache is advisory: failures only cost a miss later. */
static void
meta_run_end (struct stage_st *s)
{
  if (s->meta.active && s->meta.dirty)
    {
      cleanup_strbuf struct strbuf t = STRBUF_INIT;
      struct oci_error e = OCI_ERROR_INIT;
      strbuf_adds (&t, "metadata-run\n");
      for (size_t i = 0; i < s->meta.n_cur; i++)
        {
          strbuf_adds (&t, s->meta.cur[i]);
          strbuf_addc (&t, '\n');
        }
      if (!t.failed)
        oci_write_file_atomic (s->meta.path, t.s, t.len, 0644, &e);
      oci_error_clear (&e);
    }
  meta_run_clear (s);
}

static void
meta_run_start (struct build *b, struct stage_st *s, const char *key)
{
  cleanup_free char *text = NULL;
  struct oci_error e = OCI_ERROR_INIT;
  size_t len;
  s->meta.active = true;
  if (asprintf (&s->meta.path, "%s/%s", b->cache_dir, key) < 0)
    {
      s->meta.path = NULL;
      s->meta.active = false;
      return;
    }
  if (oci_read_file (s->meta.path, OCI_JSON_FILE_MAX, &text, &len, &e) < 0 || strncmp (text, "metadata-run\n", 13) != 0)
    {
      oci_error_clear (&e);
      return;
    }
  for (char *line = text + 13, *nl; (nl = strchr (line, '\n')) != NULL; line = nl + 1)
    {
      *nl = '\0';
      if (strchr (line, '=') && strv_push (&s->meta.old, &s->meta.n_old, line, &e) < 0)
        break;
    }
  oci_error_clear (&e);
}

/* A metadata-only step has a cache entry too, holding only the time it
 * was first built, for the same reason. */
static void
metadata_step_time (struct build *b, struct stage_st *s, const char *created_by)
{
  char key[OCI_DIGEST_STRING_MAX];
  cleanup_free char *line = NULL;
  struct oci_error e = OCI_ERROR_INIT;
  const char *created = b->created;

  if (b->o->no_cache || b->o->has_timestamp || cache_key (b, s, created_by, "metadata", key, &e) < 0)
    goto out;
  if (!s->meta.active)
    meta_run_start (b, s, key);
  if (!s->meta.active)
    goto out;
  long i = name_index_find (&s->meta.old_ix, s->meta.old, s->meta.n_old, NAME_INDEX_KV, key);
  if (i >= 0)
    {
      created = s->meta.old[i] + strlen (key) + 1;
      step_cached_time (b, s, created);
    }
  else
    s->meta.dirty = true;
  if (asprintf (&line, "%s=%s", key, created) < 0 || strv_push (&s->meta.cur, &s->meta.n_cur, line, &e) < 0)
    s->meta.dirty = false; /* an incomplete list is not written */
out:
  oci_error_clear (&e);
}

static int
cache_key (struct build *b, struct stage_st *s, const char *created_by, const char *extra, char out[OCI_DIGEST_STRING_MAX],
           struct oci_error *err)
{
  cleanup_strbuf struct strbuf k = STRBUF_INIT;
  struct oci_image_rootfs *rf = s->cfg->rootfs;
  struct oci_image_exec_config *c = s->cfg->config;
  char d[OCI_DIGEST_STRING_MAX];
  bool meta = extra && strcmp (extra, "metadata") == 0;

  if (!meta)
    meta_run_end (s);
  /* The state: in full once, then only what the steps since added, so
   * that a recipe of N steps costs O(N), not O(N^2). */
  if (s->chain == NULL)
    {
      for (size_t i = 0; i < rf->diff_ids_len; i++)
        {
          strbuf_adds (&k, rf->diff_ids[i]);
          strbuf_addc (&k, '\n');
        }
      for (size_t i = 0; i < s->n_args; i++)
        if (s->arg_values[i])
          {
            strbuf_adds (&k, s->arg_keys[i]);
            strbuf_addc (&k, '=');
            strbuf_adds (&k, s->arg_values[i]);
            strbuf_addc (&k, '\n');
          }
      for (size_t i = 0; c && i < c->env_len; i++)
        {
          strbuf_adds (&k, c->env[i]);
          strbuf_addc (&k, '\n');
        }
      strbuf_adds (&k, c && c->user ? c->user : "");
      strbuf_addc (&k, '\n');
      strbuf_adds (&k, c && c->working_dir ? c->working_dir : "");
    }
  else if (s->chain_hist < s->cfg->history_len || s->chain_diffs < rf->diff_ids_len)
    {
      strbuf_adds (&k, s->chain);
      for (size_t i = s->chain_hist; i < s->cfg->history_len; i++)
        {
          strbuf_adds (&k, "\nstep ");
          strbuf_adds (&k, s->cfg->history[i].created_by ? s->cfg->history[i].created_by : "");
        }
      for (size_t i = s->chain_diffs; i < rf->diff_ids_len; i++)
        {
          strbuf_adds (&k, "\nlayer ");
          strbuf_adds (&k, rf->diff_ids[i]);
        }
    }
  if (k.len || s->chain == NULL)
    {
      if (k.failed)
        return oci_error_set (err, ENOMEM, "out of memory");
      if (oci_digest_buffer (k.s ? k.s : "", k.len, d, err) < 0)
        return -1;
      free (s->chain);
      if ((s->chain = strdup (d)) == NULL)
        return oci_error_set (err, ENOMEM, "out of memory");
      s->chain_hist = s->cfg->history_len;
      s->chain_diffs = rf->diff_ids_len;
      k.len = 0;
    }

  strbuf_adds (&k, s->chain);
  strbuf_addc (&k, '\n');
  strbuf_adds (&k, created_by);
  strbuf_addc (&k, '\n');
  strbuf_adds (&k, b->o->compression == BLD_COMPRESSION_GZIP ? "gzip" : b->o->compression == BLD_COMPRESSION_ZSTD ? "zstd" : "none");
  if (b->o->has_timestamp)
    {
      char t[32];
      snprintf (t, sizeof t, "\n%lld", (long long) b->o->timestamp);
      strbuf_adds (&k, t);
    }
  if (extra)
    strbuf_adds (&k, extra);
  if (k.failed)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (oci_digest_buffer (k.s, k.len, d, err) < 0)
    return -1;
  const char *hex = strchr (d, ':');
  snprintf (out, OCI_DIGEST_STRING_MAX, "%s", hex ? hex + 1 : d);
  return 0;
}

/* The shell form as a command: SHELL + [text]. */
static int
shell_argv (struct stage_st *s, const struct recipe_command *c, char ***out, size_t *n, struct oci_error *err)
{
  *out = NULL;
  *n = 0;
  if (c->exec_form)
    {
      for (size_t i = 0; i < c->argv.len; i++)
        if (strv_push (out, n, c->argv.v[i].text, err) < 0)
          return -1;
      return 0;
    }
  struct oci_image_exec_config *ec = s->cfg->config;
  if (ec && ec->shell_len)
    {
      for (size_t i = 0; i < ec->shell_len; i++)
        if (strv_push (out, n, ec->shell[i], err) < 0)
          return -1;
    }
  else if (strv_push (out, n, "/bin/sh", err) < 0 || strv_push (out, n, "-c", err) < 0)
    return -1;
  return strv_push (out, n, c->shell, err);
}

/* A JSON array of strings, for created_by. */
static char *
json_strv (char **v, size_t n)
{
  cleanup_strbuf struct strbuf b = STRBUF_INIT;
  strbuf_addc (&b, '[');
  for (size_t i = 0; i < n; i++)
    {
      if (i)
        strbuf_addc (&b, ',');
      strbuf_addc (&b, '"');
      for (const char *p = v[i]; *p; p++)
        {
          if (*p == '"' || *p == '\\')
            strbuf_addc (&b, '\\');
          strbuf_addc (&b, *p);
        }
      strbuf_addc (&b, '"');
    }
  strbuf_addc (&b, ']');
  return strbuf_steal (&b);
}

static int mount_from_root (void *data, const char *from, char **rootfs, struct oci_error *err);

/* The predefined proxy ARGs reach RUN from --build-arg without an ARG
 * line, and then stay out of the history and the cache key (Dockerfile
 * reference, "Predefined ARGs"); a declared one is an ordinary ARG. */
static int
add_proxy_env (struct build *b, struct stage_st *s, char ***env, size_t *envc, struct oci_error *err)
{
  static const char *const proxy_args[] = {
    "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY",
    "ftp_proxy",  "NO_PROXY",   "no_proxy",    "ALL_PROXY",   "all_proxy",
  };
  for (size_t i = 0; i < sizeof proxy_args / sizeof proxy_args[0]; i++)
    {
      bool given, declared;
      const char *v = build_arg_value (b->o, proxy_args[i], &given);
      cleanup_free char *kv = NULL;

      arg_get (s, proxy_args[i], &declared);
      if (!given || v == NULL || declared || env_get (s, proxy_args[i]) != NULL)
        continue;
      if (asprintf (&kv, "%s=%s", proxy_args[i], v) < 0)
        return oci_error_set (err, ENOMEM, "RUN");
      if (strv_push (env, envc, kv, err) < 0)
        return -1;
    }
  return 0;
}

static int
run_step (struct build *b, struct stage_st *s, const struct recipe_instruction *in, const char *prefix,
          struct oci_error *err)
{
  char **argv = NULL, **env = NULL;
  size_t argc = 0, envc = 0;
  struct step_fs f = { 0 };
  int ret = -1, status = 0, rootfd = -1;
  cleanup_free char *created_by = NULL, *joined = NULL, *runwork = NULL;
  char key[OCI_DIGEST_STRING_MAX];
  struct bld_user user = { 0 };
  bool hit;
  struct bld_mounts ms = { 0 };
  const struct recipe_heredoc *script = NULL;
  cleanup_strbuf struct strbuf mkey = STRBUF_INIT;
  struct oci_image_exec_config *c = s->cfg->config;
  const char *cwd = c && c->working_dir && *c->working_dir ? c->working_dir : "/";
  struct bld_mount_context mc = {
    .store_dir = bld_store_dir (b->store), .ctxfd = b->ctxfd, .ignore = b->ig, .secrets = b->o->secrets,
    .secrets_len = b->o->secrets_len, .ssh = b->o->ssh, .ssh_len = b->o->ssh_len, .escape = b->r->escape, .lookup = lookup_stage, .lookup_data = s,
    .from_root = mount_from_root, .from_data = b,
  };

  if (bld_mounts_expand (&mc, in->run.mounts, in->run.mounts_len, cwd, &ms, err) < 0
      || bld_mounts_key (&mc, &ms, &mkey, err) < 0)
    {
      oci_error_prefix (err, "%s:%u: RUN", in->pos.file, in->pos.line);
      goto out;
    }
  if (in->run.network && strcmp (in->run.network, "host") != 0 && strcmp (in->run.network, "none") != 0
      && strcmp (in->run.network, "default") != 0)
    {
      oci_error_set (err, 0, "%s:%u: RUN: --network=%s: want none, host or default", in->pos.file, in->pos.line,
                     in->run.network);
      goto out;
    }
  if (in->heredocs_len && !in->run.cmd.exec_form)
    {
      /* RUN <<EOF alone runs the body as the script; otherwise the shell
       * gets the command line followed by the bodies and delimiters, and
       * does the here-documents itself. */
      struct recipe_command hc = in->run.cmd;
      cleanup_strbuf struct strbuf sb = STRBUF_INIT;
      const char *t = hc.shell;
      while (*t == ' ' || *t == '\t')
        t++;
      bool alone = in->heredocs_len == 1 && strncmp (t, "<<", 2) == 0 && strpbrk (t, " \t") == NULL;
      /* A body with a shebang is run as a file by its interpreter. */
      if (alone && strncmp (in->heredocs[0].content, "#!", 2) == 0)
        script = &in->heredocs[0];
      if (alone)
        strbuf_adds (&sb, in->heredocs[0].content);
      else
        {
          strbuf_adds (&sb, hc.shell);
          strbuf_addc (&sb, '\n');
          for (size_t i = 0; i < in->heredocs_len; i++)
            {
              strbuf_adds (&sb, in->heredocs[i].content);
              strbuf_adds (&sb, in->heredocs[i].name);
              strbuf_addc (&sb, '\n');
            }
        }
      if (sb.failed)
        goto oom;
      hc.shell = sb.s;
      if (shell_argv (s, &hc, &argv, &argc, err) < 0)
        goto out;
    }
  else if (shell_argv (s, &in->run.cmd, &argv, &argc, err) < 0)
    goto out;
  if (in->run.cmd.exec_form)
    {
      joined = json_strv (argv, argc);
      if (joined == NULL || asprintf (&created_by, "RUN %s # buildkit", joined) < 0)
        goto oom;
    }
  else
    {
      cleanup_strbuf struct strbuf sb = STRBUF_INIT;
      for (size_t i = 0; i < argc; i++)
        {
          if (i)
            strbuf_addc (&sb, ' ');
          strbuf_adds (&sb, argv[i]);
        }
      if (sb.failed || asprintf (&created_by, "RUN %s # buildkit", sb.s) < 0)
        goto oom;
    }
  /* The host's network gives other results: a key of its own. */
  bool host_net = in->run.network ? strcmp (in->run.network, "host") == 0 : b->o->host_network;
  if (host_net)
    strbuf_adds (&mkey, "\nnetwork=host");
  if (mkey.failed)
    goto oom;
  if (cache_key (b, s, created_by, mkey.len ? mkey.s : NULL, key, err) < 0 || cache_lookup (b, s, key, &hit, err) < 0)
    goto out;
  if (hit)
    {
      fprintf (b->o->out, "%sCACHED\n", prefix);
      ret = history_add (s, b->created, created_by, false, err);
      goto out;
    }

  /* env: ENV, then the ARGs not shadowed by it. */
  for (size_t i = 0; c && i < c->env_len; i++)
    if (strv_push (&env, &envc, c->env[i], err) < 0)
      goto out;
  for (size_t i = 0; i < s->n_args; i++)
    {
      bool shadowed = env_get (s, s->arg_keys[i]) != NULL;
      for (size_t j = i + 1; j < s->n_args; j++)
        if (strcmp (s->arg_keys[j], s->arg_keys[i]) == 0)
          shadowed = true;
      if (shadowed || s->arg_values[i] == NULL)
        continue;
      cleanup_free char *kv = NULL;
      if (asprintf (&kv, "%s=%s", s->arg_keys[i], s->arg_values[i]) < 0)
        goto oom;
      if (strv_push (&env, &envc, kv, err) < 0)
        goto out;
    }
  if (add_proxy_env (b, s, &env, &envc, err) < 0 || step_fs_mount (b, s, &f, err) < 0)
    goto out;

  rootfd = open (f.merged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    {
      oci_error_set (err, errno, "open %s", f.merged);
      goto out;
    }
  /* The process user as the runtime will see it: the same resolution as
   * `builder unpack` (supplementary groups included). */
  if (c && c->user && *c->user && bld_user_resolve (rootfd, c->user, &user, err) < 0)
    {
      oci_error_prefix (err, "%s:%u: RUN", in->pos.file, in->pos.line);
      goto out;
    }
  mc.work = f.dir;
  if (bld_mounts_prepare (&mc, &ms, rootfd, &env, &envc, err) < 0)
    {
      oci_error_prefix (err, "%s:%u: RUN", in->pos.file, in->pos.line);
      goto out;
    }
  if (script)
    {
      /* At /dev/pipes/NAME, as BuildKit puts it: the runtime's /dev is a
       * tmpfs, so nothing of it reaches the layer. */
      cleanup_free char *file = NULL, *dest = NULL;
      if (asprintf (&file, "%s/script", f.dir) < 0 || asprintf (&dest, "/dev/pipes/%s", script->name) < 0)
        goto oom;
      cleanup_close int sfd = open (file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
      if (sfd < 0 || oci_write_all (sfd, script->content, strlen (script->content)) < 0 || fchmod (sfd, 0755) < 0)
        {
          oci_error_set (err, errno, "write %s", file);
          goto out;
        }
      if (bld_mounts_add_bind (&ms, file, dest, true, err) < 0)
        goto out;
      strv_clear (&argv, &argc);
      if (strv_push (&argv, &argc, dest, err) < 0)
        goto out;
    }
  if (asprintf (&runwork, "%s/run", f.dir) < 0)
    goto oom;
  if (mkdir (runwork, 0700) < 0)
    {
      oci_error_set (err, errno, "mkdir %s", runwork);
      goto out;
    }
  struct bld_run_request rr = {
    .runtime = b->o->runtime, .work = runwork, .rootfs = f.merged, .argv = argv, .argc = argc,
    .env = env, .env_len = envc, .cwd = cwd,
    .uid = user.uid, .gid = user.gid, .additional_gids = user.additional_gids,
    .additional_gids_len = user.additional_gids_len, .host_network = host_net,
    .mounts = ms.v, .mounts_len = ms.len, .prefix = prefix, .out = b->o->out,
  };
  if (bld_run (&rr, &status, err) < 0)
    goto out;
  if (bld_mounts_finish (&ms, rootfd, err) < 0)
    goto out;
  close (rootfd);
  rootfd = -1;
  if (status != 0)
    {
      oci_error_set (err, 0, "%s:%u: RUN: exit status %d", in->pos.file, in->pos.line, status);
      goto out;
    }
  if (step_fs_commit (b, s, &f, key, err) < 0)
    goto out;
  ret = history_add (s, b->created, created_by, false, err);
  goto out;
oom:
  oci_error_set (err, ENOMEM, "out of memory");
out:
  if (rootfd >= 0)
    close (rootfd);
  bld_mounts_clear (&ms);
  step_fs_clear (&f);
  strv_clear (&argv, &argc);
  strv_clear (&env, &envc);
  free (user.additional_gids);
  return ret;
}

static int
stage_rootfs (struct build *b, struct stage_st *s, struct oci_error *err)
{
  char **lowers = NULL;
  size_t n = 0;
  if (s->rootfs)
    return 0;
  if (asprintf (&s->rootfs, "%s/stage%zu", b->work, ++b->nmount) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (mkdir (s->rootfs, 0755) < 0)
    return oci_error_set (err, errno, "mkdir %s", s->rootfs);
  if (lowers_for_mount (b, s, &lowers, &n, err) < 0)
    return -1;
  if (n == 1 && strv_push (&lowers, &n, b->empty_dir, err) < 0)
    return -1;
  int r = snap_mount (b, lowers, n, NULL, NULL, s->rootfs, err);
  if (r == 0 && b->snapshotter == BLD_SNAP_COPY)
    {
      r = bld_snap_materialize (lowers, n, s->rootfs, err);
      strv_clear (&lowers, &n);
      return r;
    }
  strv_clear (&lowers, &n);
  if (r < 0)
    return -1;
  return strv_push (&b->mounts, &b->n_mounts, s->rootfs, err);
}

/* --from=NAME: an earlier stage (by name or index), else an image of the
 * store or oci:DIR[:NAME], loaded once through the layer cache. */
static int
resolve_from_stage (struct build *b, const char *from, struct stage_st **out, struct oci_error *err)
{
  char *end;
  unsigned long idx = strtoul (from, &end, 10);
  size_t cur = (size_t) (b->cur - b->st);
  size_t found = cur;
  if (*from && *end == '\0' && idx < cur)
    found = idx;
  for (size_t i = 0; found == cur && i < cur; i++)
    if (b->plan->stages[i].name && strcasecmp (b->plan->stages[i].name, from) == 0)
      found = i;
  if (found < cur)
    {
      /* The plan builds only the stages the target depends on; an ONBUILD
       * trigger's --from is not seen by it, and an unbuilt stage has no
       * rootfs at all. */
      if (b->st[found].cfg == NULL)
        return oci_error_set (err, 0,
                              "--from=%s: stage %s was not built (the target does not depend on it; an ONBUILD "
                              "trigger cannot add a dependency)",
                              from, from);
      *out = &b->st[found];
      return 0;
    }
  for (size_t i = 0; i < b->n_images; i++)
    if (strcmp (b->image_names[i], from) == 0)
      {
        *out = b->images[i];
        return 0;
      }
  struct stage_st **ni = realloc (b->images, (b->n_images + 1) * sizeof *ni);
  if (ni == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  b->images = ni;
  char **nn = realloc (b->image_names, (b->n_images + 1) * sizeof *nn);
  if (nn == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  b->image_names = nn;
  struct stage_st *s = calloc (1, sizeof *s);
  char *name = strdup (from);
  if (s == NULL || name == NULL)
    {
      free (s);
      free (name);
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  b->images[b->n_images] = s;
  b->image_names[b->n_images++] = name;
  int r = strncmp (from, "oci:", 4) == 0 ? from_oci_dir (b, s, from, err) : from_image (b, s, b->store, from, err);
  if (r < 0)
    return oci_error_prefix (err, "--from=%s: not a stage, nor an image", from);
  *out = s;
  return 0;
}

/* The mounts' from=: a read-only rootfs of a stage or an image. */
static int
mount_from_root (void *data, const char *from, char **rootfs, struct oci_error *err)
{
  struct build *b = data;
  struct stage_st *s;
  if (resolve_from_stage (b, from, &s, err) < 0 || stage_rootfs (b, s, err) < 0)
    return -1;
  if ((*rootfs = strdup (s->rootfs)) == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  return 0;
}

/* A COPY heredoc's body: expanded when the delimiter was not quoted, with
 * quotes kept as they are (BuildKit's SkipProcessQuotes). */
static int
heredoc_body (const struct recipe_heredoc *h, char esc, struct stage_st *s, char **out, struct oci_error *err)
{
  if (!h->expand)
    return (*out = strdup (h->content)) ? 0 : oci_error_set (err, ENOMEM, "out of memory");
  cleanup_strbuf struct strbuf sb = STRBUF_INIT;
  for (const char *p = h->content; *p; p++)
    {
      if (*p == '"' || *p == '\'')
        strbuf_addc (&sb, esc);
      strbuf_addc (&sb, *p);
    }
  if (sb.failed)
    return oci_error_set (err, ENOMEM, "out of memory");
  return recipe_expand_word (sb.s ? sb.s : "", esc, lookup_stage, s, out, err);
}

static int
copy_step (struct build *b, struct stage_st *s, const struct recipe_instruction *in, const char *prefix,
           struct oci_error *err)
{
  const struct recipe_copy *c = &in->copy;
  const char *kind = in->kind == RECIPE_ADD ? "ADD" : "COPY";
  struct bld_copy_request req = { .src_root = -1 };
  char **srcs = NULL;
  size_t nsrc = 0;
  struct step_fs f = { 0 };
  cleanup_free char *dest = NULL, *dest_abs = NULL, *chown_s = NULL, *chmod_s = NULL, *created_by = NULL;
  cleanup_strbuf struct strbuf desc = STRBUF_INIT;
  char key[OCI_DIGEST_STRING_MAX], sum[OCI_DIGEST_STRING_MAX];
  int ret = -1;
  bool hit;
  char esc = b->r->escape;
  cleanup_close int rootfd = -1;
  cleanup_free char *extra = NULL, *excl_text = NULL;
  cleanup_ignore struct ignore *excl = NULL;

  int hd_root = -1;
  if (in->heredocs_len)
    {
      /* COPY <<EOF dest: each body becomes a file named for its delimiter
       * in a private directory, the sources' root. */
      cleanup_free char *hd = NULL;
      if (asprintf (&hd, "%s/heredoc%zu", b->work, ++b->nmount) < 0)
        goto oom;
      if (mkdir (hd, 0755) < 0 || (hd_root = open (hd, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        {
          oci_error_set (err, errno, "mkdir %s", hd);
          goto out;
        }
      for (size_t i = 0; i < in->heredocs_len; i++)
        {
          cleanup_free char *body = NULL;
          if (heredoc_body (&in->heredocs[i], esc, s, &body, err) < 0)
            goto fail_pos;
          cleanup_close int fd = openat (hd_root, in->heredocs[i].name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
          if (fd < 0 || oci_write_all (fd, body, strlen (body)) < 0
              || fchmod (fd, 0644) < 0)
            {
              oci_error_set (err, errno, "write heredoc %s", in->heredocs[i].name);
              goto out;
            }
        }
    }
  for (size_t i = 0; i < c->sources.len; i++)
    {
      cleanup_free char *w = NULL;
      const char *text = c->sources.v[i].text;
      if (hd_root >= 0)
        {
          const char *nm = text + (strncmp (text, "<<-", 3) == 0 ? 3 : strncmp (text, "<<", 2) == 0 ? 2 : 0);
          if (nm == text)
            {
              oci_error_set (err, 0, "%s:%u: %s: heredoc and context sources cannot be mixed", in->pos.file,
                             in->pos.line, kind);
              goto out;
            }
          w = strndup (nm + strspn (nm, "\"'"), strcspn (nm + strspn (nm, "\"'"), "\"'"));
          if (w == NULL)
            goto oom;
        }
      else if (recipe_expand_word (text, esc, lookup_stage, s, &w, err) < 0)
        goto out;
      if (strstr (w, "://"))
        {
          if (in->kind == RECIPE_ADD)
            oci_error_set (err, 0, "%s:%u: ADD: %s: no network: remote sources are not supported", in->pos.file,
                           in->pos.line, w);
          else
            oci_error_set (err, 0, "%s:%u: COPY: %s: URLs are not allowed in COPY", in->pos.file, in->pos.line, w);
          goto out;
        }
      if (strv_push (&srcs, &nsrc, w, err) < 0)
        goto out;
      strbuf_adds (&desc, w);
      strbuf_addc (&desc, ' ');
    }
  if (recipe_expand_word (c->dest.text, esc, lookup_stage, s, &dest, err) < 0)
    goto out;
  strbuf_adds (&desc, dest);
  struct oci_image_exec_config *ec = s->cfg->config;
  const char *wd = ec && ec->working_dir && *ec->working_dir ? ec->working_dir : "/";
  if (dest[0] == '/')
    dest_abs = strdup (dest);
  else if (asprintf (&dest_abs, "%s%s%s", wd, wd[strlen (wd) - 1] == '/' ? "" : "/", dest) < 0)
    dest_abs = NULL;
  if (dest_abs == NULL)
    goto oom;
  req.sources = srcs;
  req.sources_len = nsrc;
  req.dest = dest_abs;
  req.add = in->kind == RECIPE_ADD;
  if (c->chmod)
    {
      if (recipe_expand_word (c->chmod, esc, lookup_stage, s, &chmod_s, err) < 0
          || recipe_check_chmod (chmod_s, &req.mode, err) < 0)
        goto fail_pos;
      req.has_mode = true;
    }
  struct stage_st *from = NULL;
  if (c->from)
    {
      cleanup_free char *fr = NULL;
      if (recipe_expand_word (c->from, esc, lookup_stage, s, &fr, err) < 0 || resolve_from_stage (b, fr, &from, err) < 0
          || stage_rootfs (b, from, err) < 0)
        goto fail_pos;
      req.src_root = open (from->rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
  else if (hd_root >= 0)
    req.src_root = dup (hd_root);
  else
    {
      req.src_root = dup (b->ctxfd);
      req.ignore = b->ig;
    }
  if (req.src_root < 0)
    {
      oci_error_set (err, errno, "open the sources' root");
      goto out;
    }
  if (asprintf (&created_by, "%s %s%s%s%s%s%s # buildkit", kind, c->from ? "--from=" : "", c->from ? c->from : "",
                c->from ? " " : "", c->chown ? "--chown=" : "", c->chown ? c->chown : "", c->chown ? " " : "")
      < 0)
    goto oom;
  {
    /* created_by: KIND [flags] src... dest # buildkit */
    char *t = NULL;
    size_t l = strlen (created_by) - strlen (" # buildkit");
    created_by[l] = '\0';
    if (desc.failed || asprintf (&t, "%s%s # buildkit", created_by, desc.s) < 0)
      goto oom;
    free (created_by);
    created_by = t;
  }
  if (c->chown)
    {
      if (recipe_expand_word (c->chown, esc, lookup_stage, s, &chown_s, err) < 0)
        goto fail_pos;
    }
  if (c->excludes.len)
    {
      cleanup_strbuf struct strbuf pat = STRBUF_INIT;
      for (size_t i = 0; i < c->excludes.len; i++)
        {
          cleanup_free char *e = NULL;
          if (recipe_expand_word (c->excludes.v[i].text, esc, lookup_stage, s, &e, err) < 0)
            goto fail_pos;
          strbuf_adds (&pat, e);
          strbuf_addc (&pat, '\n');
        }
      if (pat.failed)
        goto oom;
      if (ignore_parse ("--exclude", pat.s, pat.len, &excl, err) < 0)
        goto fail_pos;
      req.exclude = excl;
      if ((excl_text = strbuf_steal (&pat)) == NULL)
        goto oom;
    }
  req.parents = c->parents;
  if (bld_copy_checksum (&req, sum, err) < 0)
    goto fail_pos;
  if (asprintf (&extra, "\n%s\n%s\n%s\n%d\n%s", sum, chown_s ? chown_s : "", chmod_s ? chmod_s : "", c->parents,
                excl_text ? excl_text : "")
      < 0)
    goto oom;
  if (cache_key (b, s, created_by, extra, key, err) < 0 || cache_lookup (b, s, key, &hit, err) < 0)
    goto out;
  if (hit)
    {
      fprintf (b->o->out, "%sCACHED\n", prefix);
      ret = history_add (s, b->created, created_by, false, err);
      goto out;
    }
  if (step_fs_mount (b, s, &f, err) < 0)
    goto out;
  rootfd = open (f.merged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    {
      oci_error_set (err, errno, "open %s", f.merged);
      goto out;
    }
  if (chown_s)
    {
      if (bld_user_resolve_owner (rootfd, chown_s, &req.uid, &req.gid, err) < 0)
        goto fail_pos;
      req.has_owner = true;
    }
  if (bld_copy (rootfd, &req, err) < 0)
    goto fail_pos;
  if (step_fs_commit (b, s, &f, key, err) < 0)
    goto out;
  ret = history_add (s, b->created, created_by, false, err);
  goto out;
fail_pos:
  oci_error_prefix (err, "%s:%u: %s", in->pos.file, in->pos.line, kind);
  goto out;
oom:
  oci_error_set (err, ENOMEM, "out of memory");
out:
  if (req.src_root > 0)
    close (req.src_root);
  if (hd_root >= 0)
    close (hd_root);
  step_fs_clear (&f);
  strv_clear (&srcs, &nsrc);
  return ret;
}

/* WORKDIR creates the directory (as a layer), like BuildKit. */
static int
workdir_step (struct build *b, struct stage_st *s, const char *dir, const char *created_by, struct oci_error *err)
{
  struct step_fs f = { 0 };
  int ret = -1;
  char key[OCI_DIGEST_STRING_MAX];
  bool hit;
  if (cache_key (b, s, created_by, NULL, key, err) < 0 || cache_lookup (b, s, key, &hit, err) < 0)
    return -1;
  if (hit)
    return history_add (s, b->created, created_by, false, err);
  if (step_fs_mount (b, s, &f, err) < 0)
    goto out;
  {
    cleanup_close int rootfd = open (f.merged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cleanup_close int dfd = -1;
    if (rootfd < 0)
      {
        oci_error_set (err, errno, "open %s", f.merged);
        goto out;
      }
    if (bld_mkdir_in_root (rootfd, dir, &dfd, err) < 0)
      goto out;
  }
  if (step_fs_commit (b, s, &f, key, err) < 0)
    goto out;
  ret = history_add (s, b->created, created_by, false, err);
out:
  step_fs_clear (&f);
  return ret;
}

static char *
clean_abs (const char *wd, const char *p)
{
  cleanup_free char *j = NULL;
  if (p[0] == '/')
    j = strdup (p);
  else if (asprintf (&j, "%s/%s", wd ? wd : "/", p) < 0)
    j = NULL;
  if (j == NULL)
    return NULL;
  char *c = ignore_clean_path (j);
  if (c && c[0] != '/')
    {
      char *t = NULL;
      if (asprintf (&t, "/%s", strcmp (c, ".") == 0 ? "" : c) < 0)
        t = NULL;
      free (c);
      c = t;
    }
  return c;
}

static int
set_strv (char ***v, size_t *n, char **src, size_t len, struct oci_error *err)
{
  strv_clear (v, n);
  *v = calloc (len + 1, sizeof **v);
  if (*v == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < len; i++)
    if (((*v)[i] = strdup (src[i])) == NULL)
      return oci_error_set (err, ENOMEM, "out of memory");
  *n = len;
  return 0;
}

/* Adds s to the set v (ExposedPorts, Volumes) unless it is there. */
static int
set_add (struct name_index *ix, char ***v, size_t *n, const char *s, struct oci_error *err)
{
  long i = name_index_find (ix, *v, *n, NAME_INDEX_KEY, s);
  if (i == -2)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (i >= 0)
    return 0;
  if (strv_push (v, n, s, err) < 0)
    return -1;
  name_index_update (ix, *v, *n, NAME_INDEX_KEY);
  return 0;
}

static int
label_set (struct stage_st *s, struct oci_string_map *m, const char *k, const char *v, struct oci_error *err)
{
  long i = name_index_find (&s->label_ix, m->keys, m->len, NAME_INDEX_KEY, k);
  if (i == -2)
    return oci_error_set (err, ENOMEM, "out of memory");
  s->var_bytes += strlen (k) + strlen (v);
  if (i >= 0)
    {
      size_t old = strlen (k) + strlen (m->values[i]);
      s->var_bytes -= s->var_bytes >= old ? old : s->var_bytes;
      free (m->values[i]);
      m->values[i] = strdup (v);
      return m->values[i] ? 0 : oci_error_set (err, ENOMEM, "out of memory");
    }
  if (array_reserve (&m->keys, m->len + 1, sizeof *m->keys) < 0
      || array_reserve (&m->values, m->len + 1, sizeof *m->values) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  m->keys[m->len] = strdup (k);
  m->values[m->len] = strdup (v);
  if (m->keys[m->len] == NULL || m->values[m->len] == NULL)
    {
      free (m->keys[m->len]);
      free (m->values[m->len]);
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  m->len++;
  name_index_update (&s->label_ix, m->keys, m->len, NAME_INDEX_KEY);
  return 0;
}

static int
arg_declare (struct build *b, struct stage_st *s, const struct recipe_kv *kv, struct oci_error *err)
{
  bool given, dummy;
  const char *v = build_or_platform_arg (b->o, kv->key, &given);
  cleanup_free char *expanded = NULL;
  if (!given && kv->value)
    {
      if (recipe_expand_word (kv->value, b->r->escape, lookup_stage, s, &expanded, err) < 0)
        return -1;
      v = expanded;
    }
  else if (!given)
    {
      /* A global ARG redeclared without a value takes its value. */
      for (size_t i = 0; i < b->plan->global_args.len; i++)
        if (strcmp (b->plan->global_args.v[i].key, kv->key) == 0)
          v = b->plan->global_args.v[i].value;
    }
  (void) dummy;
  if (array_reserve (&s->arg_keys, s->n_args + 1, sizeof *s->arg_keys) < 0
      || array_reserve (&s->arg_values, s->n_args + 1, sizeof *s->arg_values) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  s->arg_keys[s->n_args] = strdup (kv->key);
  s->arg_values[s->n_args] = v ? strdup (v) : NULL;
  if (s->arg_keys[s->n_args] == NULL || (v && s->arg_values[s->n_args] == NULL))
    {
      free (s->arg_keys[s->n_args]);
      free (s->arg_values[s->n_args]);
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  s->n_args++;
  s->var_bytes += strlen (kv->key) + (v ? strlen (v) : 0);
  s->arg_ix.last_wins = true;
  name_index_update (&s->arg_ix, s->arg_keys, s->n_args, NAME_INDEX_KEY);
  return 0;
}

static int
exec_instruction (struct build *b, struct stage_st *s, const struct recipe_instruction *in, const char *prefix,
                  struct oci_error *err)
{
  struct oci_image_exec_config *c = exec_cfg (s);
  char esc = b->r->escape;
  cleanup_free char *created_by = NULL, *w = NULL;
  char **words = NULL;
  size_t nwords = 0;
  int ret = -1;

  if (c == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  switch (in->kind)
    {
    case RECIPE_RUN:
      return run_step (b, s, in, prefix, err);
    case RECIPE_COPY:
    case RECIPE_ADD:
      return copy_step (b, s, in, prefix, err);
    case RECIPE_ENV:
    case RECIPE_LABEL:
      {
        cleanup_strbuf struct strbuf sb = STRBUF_INIT;
        strbuf_adds (&sb, in->kind == RECIPE_ENV ? "ENV" : "LABEL");
        for (size_t i = 0; i < in->kvs.len; i++)
          {
            cleanup_free char *k = NULL, *v = NULL;
            if (recipe_expand_word (in->kvs.v[i].key, esc, lookup_stage, s, &k, err) < 0
                || recipe_expand_word (in->kvs.v[i].value ? in->kvs.v[i].value : "", esc, lookup_stage, s, &v, err) < 0)
              goto fail_pos;
            if (in->kind == RECIPE_ENV ? env_set (s, k, v, err) < 0 : label_set (s, &c->labels, k, v, err) < 0)
              goto out;
            if (s->var_bytes > BUILD_MAX_STAGE_VARS)
              goto too_big;
            strbuf_addc (&sb, ' ');
            strbuf_adds (&sb, k);
            strbuf_addc (&sb, '=');
            strbuf_adds (&sb, v);
          }
        if (sb.failed)
          goto oom;
        created_by = strbuf_steal (&sb);
        break;
      }
    case RECIPE_ARG:
      {
        cleanup_strbuf struct strbuf sb = STRBUF_INIT;
        strbuf_adds (&sb, "ARG");
        for (size_t i = 0; i < in->kvs.len; i++)
          {
            if (arg_declare (b, s, &in->kvs.v[i], err) < 0)
              goto fail_pos;
            if (s->var_bytes > BUILD_MAX_STAGE_VARS)
              goto too_big;
            strbuf_addc (&sb, ' ');
            strbuf_adds (&sb, in->kvs.v[i].key);
            if (s->arg_values[s->n_args - 1])
              {
                strbuf_addc (&sb, '=');
                strbuf_adds (&sb, s->arg_values[s->n_args - 1]);
              }
          }
        if (sb.failed)
          goto oom;
        created_by = strbuf_steal (&sb);
        break;
      }
    case RECIPE_WORKDIR:
      {
        if (recipe_expand_word (in->arg.text, esc, lookup_stage, s, &w, err) < 0)
          goto fail_pos;
        char *dir = clean_abs (c->working_dir, w);
        if (dir == NULL)
          goto oom;
        free (c->working_dir);
        c->working_dir = dir;
        if (asprintf (&created_by, "WORKDIR %s", dir) < 0)
          goto oom;
        ret = workdir_step (b, s, dir, created_by, err);
        goto out;
      }
    case RECIPE_USER:
      if (recipe_expand_word (in->arg.text, esc, lookup_stage, s, &w, err) < 0)
        goto fail_pos;
      free (c->user);
      c->user = steal_pointer (&w);
      if (asprintf (&created_by, "USER %s", c->user) < 0)
        goto oom;
      break;
    case RECIPE_STOPSIGNAL:
      if (recipe_expand_word (in->arg.text, esc, lookup_stage, s, &w, err) < 0)
        goto fail_pos;
      free (c->stop_signal);
      c->stop_signal = steal_pointer (&w);
      if (asprintf (&created_by, "STOPSIGNAL %s", c->stop_signal) < 0)
        goto oom;
      break;
    case RECIPE_MAINTAINER:
      free (s->cfg->author);
      if ((s->cfg->author = strdup (in->arg.text)) == NULL)
        goto oom;
      if (asprintf (&created_by, "MAINTAINER %s", in->arg.text) < 0)
        goto oom;
      break;
    case RECIPE_EXPOSE:
    case RECIPE_VOLUME:
      {
        cleanup_strbuf struct strbuf sb = STRBUF_INIT;
        bool expose = in->kind == RECIPE_EXPOSE;
        const struct recipe_words *src = expose ? &in->expose.ports : &in->volumes;
        strbuf_adds (&sb, expose ? "EXPOSE" : "VOLUME [");
        for (size_t i = 0; i < src->len; i++)
          {
            char **ws = NULL;
            size_t nw = 0;
            if (expose || !in->volumes_json)
              {
                if (recipe_expand_words (src->v[i].text, esc, lookup_stage, s, &ws, &nw, err) < 0)
                  goto fail_pos;
              }
            else if (strv_push (&ws, &nw, src->v[i].text, err) < 0)
              goto out;
            for (size_t j = 0; j < nw; j++)
              {
                cleanup_free char *item = NULL;
                if (expose)
                  {
                    struct recipe_port p;
                    if (recipe_check_port (ws[j], &p, err) < 0)
                      {
                        strv_clear (&ws, &nw);
                        goto fail_pos;
                      }
                    if (strchr (ws[j], '/'))
                      item = strdup (ws[j]);
                    else if (asprintf (&item, "%s/tcp", ws[j]) < 0)
                      item = NULL;
                    free (p.proto);
                  }
                else
                  item = strdup (ws[j]);
                if (item == NULL
                    || (expose ? set_add (&s->expose_ix, &c->exposed_ports, &c->exposed_ports_len, item, err)
                               : set_add (&s->volume_ix, &c->volumes, &c->volumes_len, item, err))
                           < 0)
                  {
                    strv_clear (&ws, &nw);
                    goto oom;
                  }
                strbuf_adds (&sb, expose ? " " : (i || j) ? " " : "");
                strbuf_adds (&sb, item);
              }
            strv_clear (&ws, &nw);
          }
        if (!expose)
          strbuf_addc (&sb, ']');
        if (sb.failed)
          goto oom;
        created_by = strbuf_steal (&sb);
        break;
      }
    case RECIPE_CMD:
    case RECIPE_ENTRYPOINT:
    case RECIPE_SHELL:
      {
        bool is_cmd = in->kind == RECIPE_CMD, is_ep = in->kind == RECIPE_ENTRYPOINT;
        if (shell_argv (s, &in->cmd, &words, &nwords, err) < 0)
          goto out;
        char ***dst = is_cmd ? &c->cmd : is_ep ? &c->entrypoint : &c->shell;
        size_t *dlen = is_cmd ? &c->cmd_len : is_ep ? &c->entrypoint_len : &c->shell_len;
        if (set_strv (dst, dlen, words, nwords, err) < 0)
          goto out;
        /* ENTRYPOINT resets CMD inherited from the base. */
        if (is_ep)
          strv_clear (&c->cmd, &c->cmd_len);
        cleanup_free char *j = json_strv (words, nwords);
        if (j == NULL
            || asprintf (&created_by, "%s %s", recipe_kind_name (in->kind), j) < 0)
          goto oom;
        if (!in->cmd.exec_form && !is_cmd && !is_ep)
          goto out_ok_meta;
        break;
      }
    case RECIPE_HEALTHCHECK:
      {
        struct oci_image_healthcheck *h = calloc (1, sizeof *h);
        if (h == NULL)
          goto oom;
        if (c->healthcheck)
          {
            strv_clear (&c->healthcheck->test, &c->healthcheck->test_len);
            free (c->healthcheck);
          }
        c->healthcheck = h;
        if (in->healthcheck.none)
          {
            if (strv_push (&h->test, &h->test_len, "NONE", err) < 0)
              goto out;
          }
        else
          {
            if (strv_push (&h->test, &h->test_len, in->healthcheck.cmd.exec_form ? "CMD" : "CMD-SHELL", err) < 0)
              goto out;
            if (in->healthcheck.cmd.exec_form)
              {
                for (size_t i = 0; i < in->healthcheck.cmd.argv.len; i++)
                  if (strv_push (&h->test, &h->test_len, in->healthcheck.cmd.argv.v[i].text, err) < 0)
                    goto out;
              }
            else if (strv_push (&h->test, &h->test_len, in->healthcheck.cmd.shell, err) < 0)
              goto out;
            const struct recipe_healthcheck *rh = &in->healthcheck;
            h->interval = rh->interval, h->has_interval = rh->interval != 0;
            h->timeout = rh->timeout, h->has_timeout = rh->timeout != 0;
            h->start_period = rh->start_period, h->has_start_period = rh->start_period != 0;
            h->start_interval = rh->start_interval, h->has_start_interval = rh->start_interval != 0;
            h->retries = rh->retries, h->has_retries = rh->has_retries;
          }
        if (asprintf (&created_by, "HEALTHCHECK %s", in->args) < 0)
          goto oom;
        break;
      }
    case RECIPE_ONBUILD:
      {
        /* A trigger with heredocs keeps their bodies, so that the child
         * build parses it whole. */
        cleanup_strbuf struct strbuf t = STRBUF_INIT;
        const struct recipe_instruction *tr = in->trigger;
        strbuf_adds (&t, in->args);
        for (size_t i = 0; tr && i < tr->heredocs_len; i++)
          {
            strbuf_addc (&t, '\n');
            strbuf_adds (&t, tr->heredocs[i].content);
            strbuf_adds (&t, tr->heredocs[i].name);
          }
        if (t.failed)
          goto oom;
        if (strv_push (&c->on_build, &c->on_build_len, t.s, err) < 0)
          goto out;
      }
      if (asprintf (&created_by, "ONBUILD %s", in->args) < 0)
        goto oom;
      break;
    case RECIPE_FROM:
      return 0;
    }
out_ok_meta:
  metadata_step_time (b, s, created_by ? created_by : in->args);
  ret = history_add (s, b->created, created_by ? created_by : in->args, true, err);
  goto out;
too_big:
  oci_error_set (err, 0, "the stage's ENV, LABEL and ARG lines hold more than %u bytes", BUILD_MAX_STAGE_VARS);
fail_pos:
  oci_error_prefix (err, "%s:%u: %s", in->pos.file, in->pos.line, recipe_kind_name (in->kind));
  goto out;
oom:
  oci_error_set (err, ENOMEM, "out of memory");
out:
  strv_clear (&words, &nwords);
  return ret;
}

/* The base image's ONBUILD triggers run right after FROM, in this
 * build's context, and are not handed on to this image (Docker's rule). */
static int
run_onbuild_triggers (struct build *b, struct stage_st *s, const struct recipe_instruction *from, const char *prefix,
                      struct oci_error *err)
{
  struct oci_image_exec_config *c = exec_cfg (s);
  if (c == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  cleanup_strv char **triggers = c->on_build;
  size_t n = c->on_build_len;
  c->on_build = NULL;
  c->on_build_len = 0;
  for (size_t i = 0; i < n; i++)
    {
      cleanup_recipe struct recipe *r = NULL;
      cleanup_free char *file = NULL;
      if (asprintf (&file, "%s:%u: ONBUILD trigger of the base image", from->pos.file, from->pos.line) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      if (recipe_parse_triggers (file, triggers[i], strlen (triggers[i]), &r, err) < 0)
        return -1;
      for (size_t k = 0; k < r->len; k++)
        {
          const struct recipe_instruction *t = &r->v[k];
          fprintf (b->o->out, "%sONBUILD %s %s\n", prefix, recipe_kind_name (t->kind), t->args);
          fflush (b->o->out);
          if (exec_instruction (b, s, t, prefix, err) < 0)
            return -1;
        }
    }
  return 0;
}

static int
find_recipe (const char *context, char **out, struct oci_error *err)
{
  static const char *const names[] = { "Recipe", "Dockerfile", "Containerfile" };
  for (size_t i = 0; i < 3; i++)
    {
      char *p = NULL;
      if (asprintf (&p, "%s/%s", context, names[i]) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      if (access (p, F_OK) == 0)
        {
          *out = p;
          return 0;
        }
      free (p);
    }
  return oci_error_set (err, ENOENT, "no Recipe, Dockerfile or Containerfile in %s", context);
}

static int
build_run_stages (struct build *b, char digest[OCI_DIGEST_STRING_MAX], struct oci_error *err)
{
  const struct recipe *r = b->r;
  struct recipe_plan *p = b->plan;

  b->nsteps = 0;
  for (size_t k = 0; k < p->order_len; k++)
    b->nsteps += p->stages[p->order[k]].end - p->stages[p->order[k]].first;
  for (size_t k = 0; k < p->order_len; k++)
    {
      size_t si = p->order[k];
      struct recipe_stage *rs = &p->stages[si];
      struct stage_st *s = &b->st[si];
      b->cur = s;
      for (size_t i = rs->first; i < rs->end; i++)
        {
          const struct recipe_instruction *in = &r->v[i];
          char prefix[64];
          if (bld_check_interrupted (err) < 0)
            return -1;
          b->step++;
          fprintf (b->o->out, "[%zu/%zu] %s %s\n", b->step, b->nsteps, recipe_kind_name (in->kind), in->args);
          fflush (b->o->out);
          snprintf (prefix, sizeof prefix, "[%zu/%zu] | ", b->step, b->nsteps);
          if (in->kind == RECIPE_FROM)
            {
              if (stage_from (b, si, err) < 0)
                return oci_error_prefix (err, "%s:%u: FROM", in->pos.file, in->pos.line);
              if (run_onbuild_triggers (b, s, in, prefix, err) < 0)
                return -1;
              continue;
            }
          if (exec_instruction (b, s, in, prefix, err) < 0)
            return -1;
        }
      meta_run_end (s);
    }

  /* The image. */
  struct stage_st *t = &b->st[p->target];
  free (t->cfg->created);
  /* The image's time is its last step's (see cached_created). */
  t->cfg->created = strdup (t->cfg->history_len && t->cfg->history[t->cfg->history_len - 1].created
                                ? t->cfg->history[t->cfg->history_len - 1].created
                                : b->created);
  if (t->cfg->created == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  cleanup_image_descriptor struct oci_image_descriptor *md = NULL;
  if (bld_check_interrupted (err) < 0 || bld_store_lock (b->store, err) < 0)
    return -1;
  int ret = bld_store_write_image (b->store, t->cfg, t->layers, t->n_layers, NULL,
                                   b->o->tags_len ? b->o->tags[0] : NULL, &md, err);
  for (size_t i = 1; ret == 0 && i < b->o->tags_len; i++)
    ret = bld_store_tag (b->store, b->o->tags[i], md, err);
  bld_store_unlock (b->store);
  if (ret < 0)
    return -1;
  snprintf (digest, OCI_DIGEST_STRING_MAX, "%s", md->digest);
  return 0;
}

int
bld_build (struct bld_store *store, const struct bld_build_options *o, char digest[OCI_DIGEST_STRING_MAX],
           struct oci_error *err)
{
  struct build b = { 0 };
  cleanup_free char *recipe_path = NULL, *ig_path = NULL;
  cleanup_recipe struct recipe *r = NULL;
  cleanup_recipe_plan struct recipe_plan *plan = NULL;
  int ret = -1, lockfd = -1;
  cleanup_close int buildsfd = -1;

  b.store = store;
  b.o = o;
  if (bld_snapshotter_from_env (&b.snapshotter, err) < 0)
    return -1;
  b.ctxfd = -1;
  if (o->recipe)
    recipe_path = strdup (o->recipe);
  else if (find_recipe (o->context, &recipe_path, err) < 0)
    return -1;
  if (recipe_path == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (recipe_parse_file (recipe_path, &r, err) < 0)
    return -1;
  if (recipe_plan_build (r, o->target, lookup_build_arg, (void *) o, &plan, err) < 0)
    return -1;
  b.r = r;
  b.plan = plan;
  b.ctxfd = open (o->context, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (b.ctxfd < 0)
    return oci_error_set (err, errno, "open the context %s", o->context);
  /* The first that exists: .builderignore, .containerignore (buildah's),
   * .dockerignore; none: nothing is excluded. */
  static const char *const ignore_files[] = { ".builderignore", ".containerignore", ".dockerignore" };
  for (size_t i = 0; i < sizeof ignore_files / sizeof ignore_files[0]; i++)
    {
      free (ig_path);
      if (asprintf (&ig_path, "%s/%s", o->context, ignore_files[i]) < 0)
        {
          ig_path = NULL;
          goto oom;
        }
      if (faccessat (b.ctxfd, ignore_files[i], F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        break;
    }
  if (ignore_load (ig_path, &b.ig, err) < 0)
    goto out;
  b.created = created_string (o->has_timestamp ? o->timestamp : (int64_t) time (NULL));
  b.st = calloc (plan->stages_len, sizeof *b.st);
  const char *sd = bld_store_dir (store);
  if (b.created == NULL || b.st == NULL || bld_store_area_path (sd, BLD_STORE_LAYERS, &b.layers_dir, err) < 0
      || bld_store_area_path (sd, BLD_STORE_CACHE, &b.cache_dir, err) < 0
      || bld_store_area_path (sd, BLD_STORE_EMPTY, &b.empty_dir, err) < 0
      || bld_store_build_dir (sd, (long) getpid (), &b.work, err) < 0)
    goto oom;
  mkdir (b.layers_dir, 0700);
  mkdir (b.cache_dir, 0700);
  mkdir (b.empty_dir, 0755);
  /* Dead writers' temp blobs too (a live writer holds its file's lock). */
  if (bld_reap_dead_builds (sd, o->runtime, err) < 0 || bld_store_clean_tmp (store, err) < 0
      || bld_builds_lock_shared (sd, &buildsfd, err) < 0
      || bld_lease_take (b.work, o->runtime, &lockfd, err) < 0)
    goto out;
  ret = build_run_stages (&b, digest, err);
  goto out;
oom:
  oci_error_set (err, ENOMEM, "out of memory");
out:
  {
    struct oci_error e2 = OCI_ERROR_INIT;
    for (size_t i = 0; i < b.n_mounts; i++)
      bld_overlay_unmount (b.mounts[i], &e2);
    oci_error_clear (&e2);
    if (b.work)
      bld_lease_release (b.work, lockfd, o->runtime, &e2);
    oci_error_clear (&e2);
  }
  strv_clear (&b.mounts, &b.n_mounts);
  for (size_t i = 0; i < b.n_images; i++)
    {
      stage_clear (b.images[i]);
      free (b.images[i]);
    }
  free (b.images);
  strv_clear (&b.image_names, &b.n_images);
  for (size_t i = 0; b.st && i < plan->stages_len; i++)
    stage_clear (&b.st[i]);
  free (b.st);
  ignore_free (b.ig);
  if (b.ctxfd >= 0)
    close (b.ctxfd);
  free (b.work);
  free (b.layers_dir);
  free (b.cache_dir);
  free (b.empty_dir);
  free (b.created);
  return ret;
}
