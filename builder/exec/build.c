/* The build executor: stages in plan order, one instruction at a time
 * through the dispatch table (dispatch_*.c), FROM, each step's rootfs
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

#include "exec/build_internal.h"
#include "exec/step_cache.h"
#include "exec/cache_remote.h"
#include "exec/build_mounts.h"
#include "distribution/platform.h"
#include "exec/user.h"
#include "cleanup.h"
#include "digest.h"
#include "common/array.h"
#include "fileutil.h"
#include "frontend/ignore.h"
#include "image/layer_apply.h"
#include "image/layer_compress.h"
#include "image/name_index.h"
#include "frontend/recipe_expand.h"
#include "frontend/recipe_plan.h"
#include "image/store.h"
#include "image/unpack.h"
#include "distribution/transfer.h"
#include "common/strbuf.h"
#include "common/strv.h"

/* ---- small helpers ---- */

int
build_strv_push (char ***v, size_t *len, const char *s, struct oci_error *err)
{
  return cmn_strv_push (v, len, s) < 0 ? oci_error_set (err, ENOMEM, "out of memory") : 0;
}

void
build_strv_clear (char ***v, size_t *len)
{
  cmn_strv_clear (v, len);
}

struct oci_image_exec_config *
stage_exec_cfg (struct stage_st *s)
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

const char *
stage_env_get (struct stage_st *s, const char *name)
{
  long i = env_pos (s, name);
  return i < 0 ? NULL : s->cfg->config->env[i] + strlen (name) + 1;
}

int
stage_env_set (struct stage_st *s, const char *key, const char *value, struct oci_error *err)
{
  struct oci_image_exec_config *c = stage_exec_cfg (s);
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
  if (build_strv_push (&c->env, &c->env_len, kv, err) < 0)
    return -1;
  /* out of memory here only costs a rebuild at the next look-up */
  name_index_update (&s->env_ix, c->env, c->env_len, NAME_INDEX_KV);
  return 0;
}

const char *
stage_arg_get (struct stage_st *s, const char *name, bool *declared)
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
const char *
stage_lookup (const char *name, void *data)
{
  struct stage_st *s = data;
  bool d;
  const char *v = stage_env_get (s, name);
  return v ? v : stage_arg_get (s, name, &d);
}

const char *
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

/* The automatic platform ARGs: BUILD* the host, TARGET* --platform's. */
static const char *
platform_arg (const struct bld_build_options *o, const char *name)
{
  static char platform[96];
  const char *arch, *variant, *os = "linux", *text = platform;
  bool target = strncmp (name, "TARGET", 6) == 0;
  const char *kind = strncmp (name, "BUILD", 5) == 0 ? name + 5 : target ? name + 6 : NULL;
  if (kind == NULL)
    return NULL;
  bld_host_platform (&arch, &variant);
  snprintf (platform, sizeof platform, "linux/%s%s%s", arch, variant ? "/" : "", variant ? variant : "");
  if (target && o->platform)
    {
      os = o->platform->os;
      arch = o->platform->arch;
      variant = o->platform->variant;
      text = o->platform->text;
    }
  if (strcmp (kind, "PLATFORM") == 0)
    return text;
  if (strcmp (kind, "OS") == 0)
    return os;
  if (strcmp (kind, "ARCH") == 0)
    return arch;
  if (strcmp (kind, "VARIANT") == 0)
    return variant ? variant : "";
  return NULL;
}

/* A --build-arg value, else an automatic platform ARG's. */
const char *
build_or_platform_arg (const struct bld_build_options *o, const char *name, bool *given)
{
  const char *v = build_arg_value (o, name, given);
  if (!*given && (v = platform_arg (o, name)) != NULL)
    *given = true;
  return v;
}

static const char *
lookup_build_arg (const char *name, void *data)
{
  const struct build *b = data;
  bool given;
  return build_or_platform_arg (b->o, name, &given);
}

static char *
layer_hex (const char *diff_id)
{
  const char *c = strchr (diff_id, ':');
  return strdup (c ? c + 1 : diff_id);
}

int
stage_history_add (struct stage_st *s, const char *created, const char *created_by, bool empty, struct oci_error *err)
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
  step_cache_meta_clear (s);
  for (size_t i = 0; i < s->n_layers; i++)
    {
      free (s->layers[i].media_type);
      free (s->layers[i].digest);
    }
  free (s->layers);
  build_strv_clear (&s->lowers, &s->n_lowers);
  for (size_t i = 0; i < s->n_args; i++)
    {
      free (s->arg_keys[i]);
      free (s->arg_values[i]);
    }
  free (s->arg_keys);
  free (s->arg_values);
  free (s->rootfs);
  free (s->cached_created);
  bld_platform_clear (&s->platform);
  memset (s, 0, sizeof *s);
}

int
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
  if (build_strv_push (&s->lowers, &s->n_lowers, dir, err) < 0)
    return -1;
  struct oci_image_rootfs *rf = s->cfg->rootfs;
  return build_strv_push (&rf->diff_ids, &rf->diff_ids_len, diff_id, err);
}

/* Makes sure the layer cache holds the layer (extracted in overlay mode). */
static int
ensure_cached (struct build *b, const char *blob_path, const char *digest, const char *diff_id, struct oci_error *err)
{
  return bld_layer_cache_ensure (b->layers_dir, blob_path, digest, diff_id, err);
}

static char *
created_string (int64_t t)
{
  char buf[32];
  return bld_rfc3339 (t, buf) < 0 ? strdup ("1970-01-01T00:00:00Z") : strdup (buf);
}

/* FROM scratch: the stage's platform (variant too, e.g. arm v7). */
static int
scratch_platform (const struct stage_st *s)
{
  const struct bld_platform *p = &s->platform;
  struct oci_image_config *c = s->cfg;
  return (c->architecture = strdup (p->arch)) == NULL || (p->variant && (c->variant = strdup (p->variant)) == NULL)
                 || (c->os = strdup (p->os)) == NULL
             ? -1
             : 0;
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
  if (b->o->record) /* metadata: --provenance */
    {
      cleanup_free char *base = NULL;
      if (asprintf (&base, "%s@%s", ref, desc->digest) < 0)
        {
          base = NULL;
          return oci_error_set (err, ENOMEM, "out of memory");
        }
      if (build_strv_push (&b->o->record->bases, &b->o->record->bases_len, base, err) < 0)
        return -1;
    }
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

/* An image of src: an index's entry for want (NULL: the host's). */
static int
from_image (struct build *b, struct stage_st *s, struct bld_store *src, const char *ref,
            const struct bld_platform *want, struct oci_error *err)
{
  cleanup_image_descriptor struct oci_image_descriptor *desc = NULL;
  if (bld_platform_resolve (src, ref, want, &desc, err) < 0)
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
      if (idx->manifests[i].artifact_type) /* no image: a provenance record */
        continue;
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
      return from_image (b, s, src, tag, b->o->platform, err);
    }
  return from_image (b, s, src, found, b->o->platform, err);
}

static int
stage_from (struct build *b, size_t si, struct oci_error *err)
{
  struct recipe_stage *rs = &b->plan->stages[si];
  struct stage_st *s = &b->st[si];

  if (rs->platform     ? bld_platform_parse (rs->platform, &s->platform, err) < 0
      : b->o->platform ? bld_platform_parse (b->o->platform->text, &s->platform, err) < 0
                       : bld_platform_host (&s->platform, err) < 0)
    return oci_error_prefix (err, "--platform");
  s->platform_explicit = rs->platform || b->o->platform;
  if (rs->base_is_stage)
    {
      struct stage_st *p = &b->st[rs->base_stage];
      if (clone_config (p->cfg, &s->cfg, err) < 0)
        return -1;
      build_strv_clear (&s->cfg->rootfs->diff_ids, &s->cfg->rootfs->diff_ids_len);
      for (size_t i = 0; i < p->n_layers; i++)
        if (stage_add_layer (b, s, p->layers[i].media_type, p->layers[i].digest, p->layers[i].size,
                             p->cfg->rootfs->diff_ids[i], err)
            < 0)
          return -1;
    }
  else if (strcmp (rs->base, "scratch") == 0 || build_context_dir (b, rs->base))
    {
      s->cfg = calloc (1, sizeof *s->cfg);
      if (s->cfg == NULL || (s->cfg->rootfs = calloc (1, sizeof *s->cfg->rootfs)) == NULL
          || (s->cfg->rootfs->type = strdup ("layers")) == NULL || scratch_platform (s) < 0
          || stage_exec_cfg (s) == NULL)
        return oci_error_set (err, ENOMEM, "out of memory");
      const char *dir = build_context_dir (b, rs->base);
      if (dir && build_context_base (b, s, rs->base, dir, err) < 0)
        return -1;
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
  else if (build_pull_base (b, rs->base, err) < 0
           || from_image (b, s, b->store, rs->base, s->platform_explicit ? &s->platform : NULL, err) < 0)
    return oci_error_prefix (err, "FROM %s", rs->base);
  if (stage_exec_cfg (s) == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (s->cfg->rootfs == NULL
      && ((s->cfg->rootfs = calloc (1, sizeof *s->cfg->rootfs)) == NULL
          || (s->cfg->rootfs->type = strdup ("layers")) == NULL))
    return oci_error_set (err, ENOMEM, "out of memory");
  /* Docker gives every image a PATH. */
  if (stage_env_get (s, "PATH") == NULL && stage_env_set (s, "PATH", BLD_DEFAULT_PATH + 5, err) < 0)
    return -1;
  return 0;
}

/* ---- steps with a rootfs ---- */

void
step_fs_clear (struct step_fs *f)
{
  bld_snapshot_cleanup (f->snap);
  memset (f, 0, sizeof *f);
}

/* The snapshotter's notices, in the step's output. */
static void
snap_notice (void *data, const char *line)
{
  struct build *b = data;
  fprintf (b->o->out, "[%zu/%zu] | %s\n", b->step, b->nsteps, line);
}

int
step_fs_mount (struct build *b, struct stage_st *s, struct step_fs *f, struct oci_error *err)
{
  cleanup_free char *dir = NULL;
  if (stage_ensure_layers (b, s, err) < 0)
    return -1;
  if (asprintf (&dir, "%s/step%zu", b->work, ++b->nmount) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (bld_snapshot_prepare (&b->sn, s->lowers, s->n_lowers, dir, &f->snap, err) < 0)
    return -1;
  f->dir = f->snap->dir;
  f->merged = f->snap->root;
  return 0;
}

/* Unmounts, writes the upper dir as a layer and moves it into the layer
 * cache as the stage's new top lowerdir. */
int
step_fs_commit (struct build *b, struct stage_st *s, struct step_fs *f, const char *key, struct oci_error *err)
{
  struct bld_layer_write_options wo = { 0 };
  struct bld_layer_result res;
  cleanup_image_descriptor struct oci_image_descriptor *desc = NULL;

  if (bld_snapshot_diff (f->snap, err) < 0)
    return -1;
  wo.mode = BLD_LAYER_OVERLAY_DIFF;
  /* Steps' layers stay uncompressed: compression is for what leaves the
   * machine (image/layer_compress.h). */
  wo.compression = BLD_COMPRESSION_NONE;
  wo.has_clamp_epoch = b->o->has_timestamp;
  wo.clamp_epoch = b->o->timestamp;
  if (bld_layer_write_to_store (b->store, f->snap->upper, &wo, &res, &desc, err) < 0)
    return oci_error_prefix (err, "write layer");
  cleanup_free char *hex = layer_hex (res.diff_id);
  cleanup_free char *dir = NULL;
  if (hex == NULL || asprintf (&dir, "%s/%s", b->layers_dir, hex) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (bld_snapshot_commit (f->snap, dir, err) < 0)
    return -1;
  if (stage_add_layer (b, s, desc->media_type, desc->digest, desc->size, res.diff_id, err) < 0)
    return -1;
  step_cache_record (b, key, desc, res.diff_id);
  return 0;
}

/* The shell form as a command: SHELL + [text]. */
int
build_shell_argv (struct stage_st *s, const struct recipe_command *c, char ***out, size_t *n, struct oci_error *err)
{
  *out = NULL;
  *n = 0;
  if (c->exec_form)
    {
      for (size_t i = 0; i < c->argv.len; i++)
        if (build_strv_push (out, n, c->argv.v[i].text, err) < 0)
          return -1;
      return 0;
    }
  struct oci_image_exec_config *ec = s->cfg->config;
  if (ec && ec->shell_len)
    {
      for (size_t i = 0; i < ec->shell_len; i++)
        if (build_strv_push (out, n, ec->shell[i], err) < 0)
          return -1;
    }
  else if (build_strv_push (out, n, "/bin/sh", err) < 0 || build_strv_push (out, n, "-c", err) < 0)
    return -1;
  return build_strv_push (out, n, c->shell, err);
}

/* A JSON array of strings, for created_by. */
char *
build_json_strv (char **v, size_t n)
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

int
stage_ensure_layers (struct build *b, struct stage_st *s, struct oci_error *err)
{
  struct oci_image_rootfs *rf = s->cfg->rootfs;
  struct stat st;
  for (size_t i = 0; i < s->n_layers && i < rf->diff_ids_len && i < s->n_lowers; i++)
    {
      cleanup_free char *blob = NULL;
      const struct oci_image_descriptor *l = &s->layers[i];
      if (stat (s->lowers[i], &st) == 0)
        continue;
      if (bld_store_blob_path (b->store, l->digest, l->size, false, &blob, err) < 0
          || ensure_cached (b, blob, l->digest, rf->diff_ids[i], err) < 0)
        return -1;
    }
  return 0;
}

int
stage_rootfs (struct build *b, struct stage_st *s, struct oci_error *err)
{
  if (s->rootfs)
    return 0;
  if (stage_ensure_layers (b, s, err) < 0)
    return -1;
  if (asprintf (&s->rootfs, "%s/stage%zu", b->work, ++b->nmount) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (mkdir (s->rootfs, 0755) < 0)
    return oci_error_set (err, errno, "mkdir %s", s->rootfs);
  return bld_snapshot_view (&b->sn, s->lowers, s->n_lowers, s->rootfs, err);
}

/* --from=NAME: an earlier stage (by name or index), else an image of the
 * store or oci:DIR[:NAME], loaded once through the layer cache. */
int
build_resolve_from (struct build *b, const char *from, struct stage_st **out, struct oci_error *err)
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
       * rootfs at all (with --jobs, one being built has none yet). */
      if (!b->st[found].built)
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
  const char *ctxdir = build_context_dir (b, from);
  int r = ctxdir                               ? build_context_root (s, from, ctxdir, err)
          : strncmp (from, "oci:", 4) == 0     ? from_oci_dir (b, s, from, err)
          : build_pull_base (b, from, err) < 0 ? -1
                                               : from_image (b, s, b->store, from, b->o->platform, err);
  if (r < 0)
    return oci_error_prefix (err, "--from=%s: not a stage, nor an image", from);
  *out = s;
  return 0;
}

/* The mounts' from=: a read-only rootfs of a stage or an image. */
int
build_mount_from_root (void *data, const char *from, char **rootfs, struct oci_error *err)
{
  struct build *b = data;
  struct stage_st *s;
  if (build_resolve_from (b, from, &s, err) < 0 || stage_rootfs (b, s, err) < 0)
    return -1;
  if ((*rootfs = strdup (s->rootfs)) == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  return 0;
}

/* ---- the dispatch table (BuildKit's dispatch in dockerfile2llb) ---- */

static const struct
{
  dispatch_step_fn *step; /* a step of its own (a layer, or a history entry) */
  dispatch_meta_fn *meta; /* a metadata step */
} dispatch_table[] = {
  [RECIPE_ADD] = { .step = dispatch_copy },
  [RECIPE_ARG] = { .meta = dispatch_arg },
  [RECIPE_CMD] = { .meta = dispatch_cmd },
  [RECIPE_COPY] = { .step = dispatch_copy },
  [RECIPE_ENTRYPOINT] = { .meta = dispatch_cmd },
  [RECIPE_ENV] = { .meta = dispatch_env },
  [RECIPE_EXPOSE] = { .meta = dispatch_expose },
  [RECIPE_FROM] = { 0 }, /* stage_from, before the stage's first step */
  [RECIPE_HEALTHCHECK] = { .meta = dispatch_healthcheck },
  [RECIPE_LABEL] = { .meta = dispatch_label },
  [RECIPE_MAINTAINER] = { .meta = dispatch_maintainer },
  [RECIPE_ONBUILD] = { .meta = dispatch_onbuild },
  [RECIPE_RUN] = { .step = dispatch_run },
  [RECIPE_SHELL] = { .meta = dispatch_cmd },
  [RECIPE_STOPSIGNAL] = { .meta = dispatch_stopsignal },
  [RECIPE_USER] = { .meta = dispatch_user },
  [RECIPE_VOLUME] = { .meta = dispatch_volume },
  [RECIPE_WORKDIR] = { .step = dispatch_workdir },
};

static int
exec_instruction (struct build *b, struct stage_st *s, const struct recipe_instruction *in, const char *prefix,
                  struct oci_error *err)
{
  cleanup_free char *created_by = NULL;

  if (stage_exec_cfg (s) == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  if ((size_t) in->kind >= sizeof dispatch_table / sizeof dispatch_table[0])
    return oci_error_set (err, EINVAL, "%s:%u: unknown instruction", in->pos.file, in->pos.line);
  if (dispatch_table[in->kind].step)
    return dispatch_table[in->kind].step (b, s, in, prefix, err);
  if (dispatch_table[in->kind].meta == NULL)
    return 0;
  if (dispatch_table[in->kind].meta (b, s, in, &created_by, err) < 0)
    return -1;
  step_cache_meta_time (b, s, created_by ? created_by : in->args);
  return stage_history_add (s, b->created, created_by ? created_by : in->args, true, err);
}
/* The base image's ONBUILD triggers run right after FROM, in this
 * build's context, and are not handed on to this image (Docker's rule). */
static int
run_onbuild_triggers (struct build *b, struct stage_st *s, const struct recipe_instruction *from, const char *prefix,
                      struct oci_error *err)
{
  struct oci_image_exec_config *c = stage_exec_cfg (s);
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

/* One stage's instructions, FROM first.  Its steps are numbered after
 * the stages before it in the plan's order, whatever order the stages
 * run in (--jobs). */
int
build_stage (struct build *b, size_t si, struct oci_error *err)
{
  const struct recipe *r = b->r;
  struct recipe_plan *p = b->plan;
  struct recipe_stage *rs = &p->stages[si];
  struct stage_st *s = &b->st[si];
  size_t step = 0;

  for (size_t k = 0; k < p->order_len && p->order[k] != si; k++)
    step += p->stages[p->order[k]].end - p->stages[p->order[k]].first;
  b->cur = s;
  for (size_t i = rs->first; i < rs->end; i++)
    {
      const struct recipe_instruction *in = &r->v[i];
      char prefix[64];
      if (bld_check_interrupted (err) < 0)
        return -1;
      if (b->cancel && *b->cancel)
        return oci_error_set (err, 0, "cancelled: another stage failed");
      b->step = s->step = ++step;
      cleanup_free char *shown = in->kind == RECIPE_FROM ? build_from_text (b, si, in) : NULL;
      fprintf (b->o->out, "[%zu/%zu] %s %s\n", step, b->nsteps, recipe_kind_name (in->kind),
               shown ? shown : in->args);
      fflush (b->o->out);
      snprintf (prefix, sizeof prefix, "[%zu/%zu] | ", step, b->nsteps);
      if (in->kind == RECIPE_FROM)
        {
          if (stage_from (b, si, err) < 0)
            return oci_error_prefix (err, "%s:%u: FROM", in->pos.file, in->pos.line);
          if (run_onbuild_triggers (b, s, in, prefix, err) < 0)
            return -1;
        }
      else if (exec_instruction (b, s, in, prefix, err) < 0)
        return -1;
      fprintf (b->o->out, "[%zu/%zu] " BLD_PROGRESS_STEP_END "\n", step, b->nsteps);
      fflush (b->o->out);
    }
  step_cache_meta_end (b, s);
  s->built = true;
  return 0;
}

static int
build_run_stages (struct build *b, char digest[OCI_DIGEST_STRING_MAX], struct oci_error *err)
{
  struct recipe_plan *p = b->plan;

  b->nsteps = 0;
  for (size_t k = 0; k < p->order_len; k++)
    b->nsteps += p->stages[p->order[k]].end - p->stages[p->order[k]].first;
  if (b->o->jobs > 1 && p->order_len > 1)
    {
      if (build_stages_parallel (b, b->o->jobs, err) < 0)
        return -1;
    }
  else
    for (size_t k = 0; k < p->order_len; k++)
      if (build_stage (b, p->order[k], err) < 0)
        return -1;

  /* The image. */
  struct stage_st *t = &b->st[p->target];
  if (build_apply_labels (b, t, err) < 0)
    return -1;
  build_warn_unused_args (b);
  free (t->cfg->created);
  /* The image's time is its last step's (see cached_created). */
  t->cfg->created = strdup (t->cfg->history_len && t->cfg->history[t->cfg->history_len - 1].created
                                ? t->cfg->history[t->cfg->history_len - 1].created
                                : b->created);
  if (t->cfg->created == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  cleanup_image_descriptor struct oci_image_descriptor *md = NULL;
  struct bld_compress_options co = { .compression = b->o->compression };
  for (size_t i = 0; i < t->n_layers; i++)
    if (bld_layer_compress (b->store, &t->layers[i], &co, err) < 0)
      return oci_error_prefix (err, "--compression");
  /* --format docker: its media types for the layers as compressed above */
  cleanup_free struct oci_image_descriptor *fmt_layers = NULL;
  if (build_format_layers (b, t, &fmt_layers, err) < 0)
    return -1;
  if (bld_check_interrupted (err) < 0 || bld_store_lock (b->store, err) < 0)
    return -1;
  struct oci_string_map ann = { 0 };
  int ret = cache_remote_inline (b, &ann, err);
  if (ret == 0) /* metadata: --annotation, the standard ones */
    ret = bld_manifest_annotations (b->o, BLD_ANNOTATION_MANIFEST, &ann, err);
  if (ret == 0)
    ret = bld_store_write_image (b->store, t->cfg, fmt_layers ? fmt_layers : t->layers, t->n_layers,
                                 ann.len ? &ann : NULL, b->o->tags_len ? b->o->tags[0] : NULL, &md, err);
  for (size_t i = 0; i < ann.len; i++)
    {
      free (ann.keys[i]);
      free (ann.values[i]);
    }
  free (ann.keys);
  free (ann.values);
  for (size_t i = 1; ret == 0 && i < b->o->tags_len; i++)
    ret = bld_store_tag (b->store, b->o->tags[i], md, err);
  bld_store_unlock (b->store);
  if (ret < 0 || cache_remote_export (b, err) < 0)
    return -1;
  snprintf (digest, OCI_DIGEST_STRING_MAX, "%s", md->digest);
  return 0;
}

int
bld_build (struct bld_store *store, const struct bld_build_options *o, char digest[OCI_DIGEST_STRING_MAX],
           struct oci_error *err)
{
  struct build b = { 0 };
  cleanup_free char *recipe_path = NULL;
  cleanup_recipe struct recipe *r = NULL;
  cleanup_recipe_plan struct recipe_plan *plan = NULL;
  int ret = -1, lockfd = -1;
  cleanup_close int buildsfd = -1;

  b.store = store;
  b.o = o;
  if (bld_snapshotter_init (&b.sn, err) < 0)
    return -1;
  b.sn.notice = snap_notice;
  b.sn.notice_data = &b;
  b.ctxfd = -1;
  if (o->recipe)
    recipe_path = strdup (o->recipe);
  else if (find_recipe (o->context, &recipe_path, err) < 0)
    return -1;
  if (recipe_path == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (recipe_parse_file (recipe_path, &r, err) < 0)
    return -1;
  if (o->record && (o->record->recipe_path = strdup (recipe_path)) == NULL) /* metadata */
    return oci_error_set (err, ENOMEM, "out of memory");
  if (recipe_plan_build (r, o->target, lookup_build_arg, &b, &plan, err) < 0)
    return -1;
  b.r = r;
  b.plan = plan;
  b.ctxfd = open (o->context, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (b.ctxfd < 0)
    return oci_error_set (err, errno, "open the context %s", o->context);
  if (ignore_load_context (o->context, &b.ig, err) < 0)
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
  b.sn.empty_dir = b.empty_dir;
  /* Dead writers' temp blobs too (a live writer holds its file's lock). */
  if (bld_reap_dead_builds (sd, o->runtime, err) < 0 || bld_store_clean_tmp (store, err) < 0
      || bld_builds_lock_shared (sd, &buildsfd, err) < 0 || bld_lease_take (b.work, o->runtime, &lockfd, err) < 0)
    goto out;
  if (cache_remote_open (&b, err) < 0)
    goto out;
  ret = build_run_stages (&b, digest, err);
  goto out;
oom:
  oci_error_set (err, ENOMEM, "out of memory");
out:
  {
    struct oci_error e2 = OCI_ERROR_INIT;
    bld_snapshotter_clear (&b.sn);
    if (b.work)
      bld_lease_release (b.work, lockfd, o->runtime, &e2);
    oci_error_clear (&e2);
  }
  for (size_t i = 0; i < b.n_images; i++)
    {
      stage_clear (b.images[i]);
      free (b.images[i]);
    }
  free (b.images);
  build_strv_clear (&b.image_names, &b.n_images);
  for (size_t i = 0; b.st && i < plan->stages_len; i++)
    stage_clear (&b.st[i]);
  free (b.st);
  cache_remote_free (&b);
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
