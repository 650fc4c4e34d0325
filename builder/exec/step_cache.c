/* The step cache: its JSON records (step_cache.h) and the executor's use
 * of them: the step keys, hits, and the runs of metadata steps. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "exec/build_internal.h"
#include "exec/cache_remote.h"
#include "exec/step_cache.h"
#include "cleanup.h"
#include "digest.h"
#include "fileutil.h"
#include "image/layer_apply.h"
#include "image/name_index.h"
#include "image/store.h"
#include "json.h"
#include "common/strbuf.h"

/* A layer record is a few hundred bytes; a metadata run holds a line per
 * step of the run. */
#define STEP_CACHE_LAYER_MAX (64u * 1024)

/* ---- the records ---- */

/* The record at path when it is a JSON object of the kind. */
static struct json_value *
read_record (const char *path, size_t max, const char *kind)
{
  cleanup_free char *text = NULL;
  size_t len;
  struct oci_error e = OCI_ERROR_INIT;
  struct json_value *v = NULL;
  if (oci_read_file (path, max, &text, &len, &e) < 0 || json_parse (text, len, &v, &e) < 0)
    {
      oci_error_clear (&e);
      return NULL;
    }
  const struct json_value *k = json_object_get (v, "kind");
  if (k == NULL || k->type != JSON_STRING || strcmp (k->u.string, kind) != 0)
    {
      json_free (v);
      return NULL;
    }
  return v;
}

/* A string member, NULL when absent or not a string. */
static const char *
member_string (const struct json_value *v, const char *key)
{
  const struct json_value *m = json_object_get (v, key);
  return m && m->type == JSON_STRING ? m->u.string : NULL;
}

static void
write_record (const char *path, struct json_gen *g)
{
  cleanup_free char *text = NULL;
  size_t len;
  struct oci_error e = OCI_ERROR_INIT;
  if (json_gen_finish (g, &text, &len, &e) == 0)
    oci_write_file_atomic (path, text, len, 0644, &e);
  oci_error_clear (&e);
}

void
step_cache_layer_clear (struct step_cache_layer *l)
{
  free (l->media_type);
  free (l->digest);
  free (l->diff_id);
  free (l->created);
  memset (l, 0, sizeof *l);
}

bool
step_cache_read_layer (const char *path, struct step_cache_layer *out)
{
  cleanup_json struct json_value *v = read_record (path, STEP_CACHE_LAYER_MAX, "layer");
  const struct json_value *size = json_object_get (v, "size");
  const char *media = member_string (v, "mediaType"), *digest = member_string (v, "digest");
  const char *diff_id = member_string (v, "diffID"), *created = member_string (v, "created");
  struct oci_error e = OCI_ERROR_INIT;

  memset (out, 0, sizeof *out);
  if (v == NULL || media == NULL || digest == NULL || diff_id == NULL || size == NULL || size->type != JSON_NUMBER
      || json_number_to_int64 (size->u.number, &out->size) < 0 || out->size < 0
      || oci_digest_validate (digest, &e) < 0 || oci_digest_validate (diff_id, &e) < 0)
    {
      oci_error_clear (&e);
      return false;
    }
  out->media_type = strdup (media);
  out->digest = strdup (digest);
  out->diff_id = strdup (diff_id);
  out->created = strdup (created ? created : "");
  if (out->media_type == NULL || out->digest == NULL || out->diff_id == NULL || out->created == NULL)
    {
      step_cache_layer_clear (out);
      return false;
    }
  return true;
}

void
step_cache_write_layer (const char *path, const char *media_type, int64_t size, const char *digest,
                        const char *diff_id, const char *created)
{
  cleanup_json_gen struct json_gen *g = json_gen_new (false);
  if (g == NULL)
    return;
  json_gen_begin_object (g);
  json_gen_key (g, "kind");
  json_gen_string (g, "layer");
  json_gen_key (g, "mediaType");
  json_gen_string (g, media_type);
  json_gen_key (g, "size");
  json_gen_int64 (g, size);
  json_gen_key (g, "digest");
  json_gen_string (g, digest);
  json_gen_key (g, "diffID");
  json_gen_string (g, diff_id);
  json_gen_key (g, "created");
  json_gen_string (g, created);
  json_gen_end_object (g);
  write_record (path, g);
}

bool
step_cache_read_meta_run (const char *path, char ***out, size_t *n)
{
  cleanup_json struct json_value *v = read_record (path, OCI_JSON_FILE_MAX, "metadata-run");
  const struct json_value *steps = json_object_get (v, "steps");
  struct oci_error e = OCI_ERROR_INIT;

  *out = NULL;
  *n = 0;
  if (steps == NULL || steps->type != JSON_ARRAY)
    return false;
  for (size_t i = 0; i < steps->u.array.len; i++)
    {
      const char *key = member_string (steps->u.array.items[i], "key");
      const char *created = member_string (steps->u.array.items[i], "created");
      cleanup_free char *line = NULL;
      if (key == NULL || created == NULL || strchr (key, '=') != NULL)
        continue;
      if (asprintf (&line, "%s=%s", key, created) < 0)
        {
          line = NULL;
          break;
        }
      if (build_strv_push (out, n, line, &e) < 0)
        break;
    }
  oci_error_clear (&e);
  return true;
}

void
step_cache_write_meta_run (const char *path, char *const *steps, size_t n)
{
  cleanup_json_gen struct json_gen *g = json_gen_new (false);
  if (g == NULL)
    return;
  json_gen_begin_object (g);
  json_gen_key (g, "kind");
  json_gen_string (g, "metadata-run");
  json_gen_key (g, "steps");
  json_gen_begin_array (g);
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *key = strdup (steps[i]);
      char *eq = key ? strchr (key, '=') : NULL;
      if (eq == NULL)
        return; /* an incomplete list is not written */
      *eq = '\0';
      json_gen_begin_object (g);
      json_gen_key (g, "key");
      json_gen_string (g, key);
      json_gen_key (g, "created");
      json_gen_string (g, eq + 1);
      json_gen_end_object (g);
    }
  json_gen_end_array (g);
  json_gen_end_object (g);
  write_record (path, g);
}

bool
step_cache_record_blob (const char *path, char digest[OCI_DIGEST_STRING_MAX])
{
  struct step_cache_layer l;
  if (!step_cache_read_layer (path, &l))
    return false;
  bool ok = strlen (l.digest) < OCI_DIGEST_STRING_MAX;
  if (ok)
    snprintf (digest, OCI_DIGEST_STRING_MAX, "%s", l.digest);
  step_cache_layer_clear (&l);
  return ok;
}

/* ---- the executor's side ---- */

/* A hit is a use: prune --build-cache goes by the records' mtimes. */
static void
step_cache_touch (const char *path)
{
  utimensat (AT_FDCWD, path, NULL, 0);
}

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

/* A cache hit: the recorded layer, when its blob is still in the store,
 * else the layer of an imported cache (--cache-from), then recorded here. */
int
step_cache_lookup (struct build *b, struct stage_st *s, const char *key, bool *hit, struct oci_error *err)
{
  cleanup_free char *path = NULL, *blob = NULL;
  struct step_cache_layer l;
  struct oci_error e2 = OCI_ERROR_INIT;
  bool found;
  int ret = -1;

  *hit = false;
  if (b->o->no_cache)
    return 0;
  if (asprintf (&path, "%s/%s", b->cache_dir, key) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  found = step_cache_read_layer (path, &l);
  if (found && bld_store_blob_path (b->store, l.digest, l.size, false, &blob, &e2) < 0)
    {
      oci_error_clear (&e2);
      step_cache_layer_clear (&l);
      found = false;
    }
  if (!found)
    {
      if (cache_remote_lookup_layer (b, key, &l, &found, err) < 0)
        return -1;
      if (!found)
        return 0;
      step_cache_write_layer (path, l.media_type, l.size, l.digest, l.diff_id, l.created);
      if (bld_store_blob_path (b->store, l.digest, l.size, false, &blob, err) < 0)
        goto out;
    }
  /* Extracted only when a step or COPY --from reads the stage (stage_ensure_layers). */
  if (stage_add_layer (b, s, l.media_type, l.digest, l.size, l.diff_id, err) < 0)
    goto out;
  step_cached_time (b, s, l.created);
  step_cache_touch (path);
  cache_remote_note_layer (b, s, key, &l);
  *hit = true;
  ret = 0;
out:
  step_cache_layer_clear (&l);
  return ret;
}

void
step_cache_record (struct build *b, const char *key, const struct oci_image_descriptor *desc, const char *diff_id)
{
  cleanup_free char *path = NULL;
  struct step_cache_layer l = { .media_type = desc->media_type,
                                .digest = desc->digest,
                                .diff_id = (char *) (uintptr_t) diff_id,
                                .size = desc->size,
                                .created = b->created };
  if (key == NULL)
    return;
  cache_remote_note_layer (b, b->cur, key, &l);
  if (b->o->no_cache || asprintf (&path, "%s/%s", b->cache_dir, key) < 0)
    return;
  step_cache_write_layer (path, desc->media_type, desc->size, desc->digest, diff_id, b->created);
}

void
step_cache_meta_clear (struct stage_st *s)
{
  free (s->meta.path);
  build_strv_clear (&s->meta.old, &s->meta.n_old);
  build_strv_clear (&s->meta.cur, &s->meta.n_cur);
  name_index_clear (&s->meta.old_ix);
  memset (&s->meta, 0, sizeof s->meta);
}

/* The end of a run of metadata steps: its entry is written when a step
 * was new.  The cache is advisory: failures only cost a miss later. */
void
step_cache_meta_end (struct build *b, struct stage_st *s)
{
  if (s->meta.active && s->meta.path && strrchr (s->meta.path, '/'))
    cache_remote_note_meta (b, s, strrchr (s->meta.path, '/') + 1, s->meta.cur, s->meta.n_cur);
  if (s->meta.active && s->meta.dirty)
    step_cache_write_meta_run (s->meta.path, s->meta.cur, s->meta.n_cur);
  step_cache_meta_clear (s);
}

static void
meta_run_start (struct build *b, struct stage_st *s, const char *key)
{
  s->meta.active = true;
  if (asprintf (&s->meta.path, "%s/%s", b->cache_dir, key) < 0)
    {
      s->meta.path = NULL;
      s->meta.active = false;
      return;
    }
  if (step_cache_read_meta_run (s->meta.path, &s->meta.old, &s->meta.n_old))
    step_cache_touch (s->meta.path);
  else if (cache_remote_lookup_meta (b, key, &s->meta.old, &s->meta.n_old))
    s->meta.dirty = true; /* recorded here too */
}

/* A metadata-only step has a cache entry too, holding only the time it
 * was first built, for the same reason. */
void
step_cache_meta_time (struct build *b, struct stage_st *s, const char *created_by)
{
  char key[OCI_DIGEST_STRING_MAX];
  cleanup_free char *line = NULL;
  struct oci_error e = OCI_ERROR_INIT;
  const char *created = b->created;

  if (b->o->no_cache || b->o->has_timestamp || step_cache_key (b, s, created_by, "metadata", key, &e) < 0)
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
  if (asprintf (&line, "%s=%s", key, created) < 0 || build_strv_push (&s->meta.cur, &s->meta.n_cur, line, &e) < 0)
    s->meta.dirty = false; /* an incomplete list is not written */
out:
  oci_error_clear (&e);
}

int
step_cache_chain (struct stage_st *s, struct oci_error *err)
{
  cleanup_strbuf struct strbuf k = STRBUF_INIT;
  struct oci_image_rootfs *rf = s->cfg->rootfs;
  struct oci_image_exec_config *c = s->cfg->config;
  char d[OCI_DIGEST_STRING_MAX];

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
    }
  return 0;
}

int
step_cache_key (struct build *b, struct stage_st *s, const char *created_by, const char *extra,
                char out[OCI_DIGEST_STRING_MAX], struct oci_error *err)
{
  cleanup_strbuf struct strbuf k = STRBUF_INIT;
  char d[OCI_DIGEST_STRING_MAX];
  bool meta = extra && strcmp (extra, "metadata") == 0;

  if (!meta)
    step_cache_meta_end (b, s);
  if (step_cache_chain (s, err) < 0)
    return -1;
  strbuf_adds (&k, s->chain);
  strbuf_addc (&k, '\n');
  strbuf_adds (&k, created_by);
  /* The same base and command give another result on another platform. */
  strbuf_adds (&k, "\nplatform ");
  strbuf_adds (&k, s->platform.text ? s->platform.text : "");
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
