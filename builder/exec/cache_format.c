/* The exported step cache's documents (cache_format.h, docs/cache.md). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "common/array.h"
#include "digest.h"
#include "exec/build.h"
#include "exec/build_internal.h"
#include "exec/cache_format.h"
#include "image.h"
#include "json.h"

static const char *
str_member (const struct json_value *v, const char *key)
{
  const struct json_value *m = json_object_get (v, key);
  return m && m->type == JSON_STRING ? m->u.string : NULL;
}

/* A step key: 64 lowercase hex digits (a record's file name). */
static bool
valid_key (const char *k)
{
  size_t n = 0;
  for (; k && k[n]; n++)
    if (!((k[n] >= '0' && k[n] <= '9') || (k[n] >= 'a' && k[n] <= 'f')))
      return false;
  return n == 64;
}

/* A digest member (absent: not valid). */
static bool
valid_digest (const char *d)
{
  return d && oci_digest_is_valid (d);
}

static int
nonneg_int (const struct json_value *v, const char *key, int64_t *out)
{
  const struct json_value *m = json_object_get (v, key);
  return m && m->type == JSON_NUMBER && json_number_to_int64 (m->u.number, out) == 0 && *out >= 0 ? 0 : -1;
}

static void
record_clear (struct bld_cache_record *r)
{
  free (r->key);
  step_cache_layer_clear (&r->l);
  build_strv_clear (&r->steps, &r->n_steps);
  memset (r, 0, sizeof *r);
}

void
bld_cache_doc_clear (struct bld_cache_doc *d)
{
  for (size_t i = 0; i < d->n_records; i++)
    record_clear (&d->records[i]);
  free (d->records);
  free (d->keys);
  name_index_clear (&d->ix);
  free (d->os);
  free (d->architecture);
  free (d->variant);
  memset (d, 0, sizeof *d);
}

const struct bld_cache_record *
bld_cache_doc_find (struct bld_cache_doc *d, const char *key)
{
  long i = d->keys ? name_index_find (&d->ix, d->keys, d->n_records, NAME_INDEX_KEY, key) : -2;
  if (i >= 0)
    return &d->records[i];
  for (size_t k = 0; i == -2 && k < d->n_records; k++) /* no memory for the index */
    if (strcmp (d->records[k].key, key) == 0)
      return &d->records[k];
  return NULL;
}

/* Room for n records and their keys (growing geometrically: the index
 * follows keys, and rebuilds when they move). */
static int
doc_reserve (struct bld_cache_doc *d, size_t n, struct oci_error *err)
{
  if (array_reserve (&d->records, n, sizeof *d->records) < 0 || array_reserve (&d->keys, n, sizeof *d->keys) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  return 0;
}

static char *
dup_or_empty (const char *s)
{
  return strdup (s ? s : "");
}

int
bld_cache_doc_add (struct bld_cache_doc *d, const struct bld_cache_record *r, struct oci_error *err)
{
  if (bld_cache_doc_find (d, r->key))
    return 0;
  if (doc_reserve (d, d->n_records + 1, err) < 0)
    return -1;
  struct bld_cache_record *n = &d->records[d->n_records];
  memset (n, 0, sizeof *n);
  n->layer = r->layer;
  n->key = strdup (r->key);
  d->keys[d->n_records] = n->key ? n->key : (char *) "";
  if (r->layer)
    {
      n->l.media_type = dup_or_empty (r->l.media_type);
      n->l.digest = dup_or_empty (r->l.digest);
      n->l.diff_id = dup_or_empty (r->l.diff_id);
      n->l.created = dup_or_empty (r->l.created);
      n->l.size = r->l.size;
    }
  d->n_records++;
  if (n->key == NULL || (r->layer && (!n->l.media_type || !n->l.digest || !n->l.diff_id || !n->l.created)))
    return oci_error_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; !r->layer && i < r->n_steps; i++)
    if (build_strv_push (&n->steps, &n->n_steps, r->steps[i], err) < 0)
      return -1;
  return 0;
}

/* One record of the document into r; *skip for a kind not known. */
static int
parse_record (const struct json_value *v, size_t i, struct bld_cache_record *r, bool *skip, struct oci_error *err)
{
  const char *key = str_member (v, "key"), *kind = str_member (v, "kind");
  *skip = false;
  if (v->type != JSON_OBJECT || !valid_key (key) || kind == NULL)
    return oci_error_set (err, 0, "records[%zu]: not an object with a key (64 hex digits) and a kind", i);
  if (strcmp (kind, "layer") == 0)
    {
      struct step_cache_layer *l = &r->l;
      const char *mt = str_member (v, "mediaType"), *dg = str_member (v, "digest");
      const char *di = str_member (v, "diffID"), *cr = str_member (v, "created");
      if (mt == NULL || !valid_digest (dg) || !valid_digest (di) || nonneg_int (v, "size", &l->size) < 0)
        return oci_error_set (err, 0, "records[%zu]: a layer record needs mediaType, size, digest and diffID", i);
      r->layer = true;
      l->media_type = strdup (mt);
      l->digest = strdup (dg);
      l->diff_id = strdup (di);
      l->created = dup_or_empty (cr);
      if (!l->media_type || !l->digest || !l->diff_id || !l->created)
        return oci_error_set (err, ENOMEM, "out of memory");
    }
  else if (strcmp (kind, "metadata-run") == 0)
    {
      const struct json_value *steps = json_object_get (v, "steps");
      if (steps == NULL || steps->type != JSON_ARRAY || steps->u.array.len > BLD_CACHE_MAX_RUN_STEPS)
        return oci_error_set (err, 0, "records[%zu]: a metadata run needs steps (at most %u)", i,
                              BLD_CACHE_MAX_RUN_STEPS);
      for (size_t k = 0; k < steps->u.array.len; k++)
        {
          const struct json_value *s = steps->u.array.items[k];
          const char *sk = str_member (s, "key"), *sc = str_member (s, "created");
          cleanup_free char *line = NULL;
          if (!valid_key (sk) || sc == NULL)
            return oci_error_set (err, 0, "records[%zu].steps[%zu]: want a key and created", i, k);
          if (asprintf (&line, "%s=%s", sk, sc) < 0)
            {
              line = NULL;
              return oci_error_set (err, ENOMEM, "out of memory");
            }
          if (build_strv_push (&r->steps, &r->n_steps, line, err) < 0)
            return -1;
        }
    }
  else
    {
      *skip = true;
      return 0;
    }
  if ((r->key = strdup (key)) == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  return 0;
}

int
bld_cache_doc_parse (const char *text, size_t len, struct bld_cache_doc *out, struct oci_error *err)
{
  cleanup_json struct json_value *root = NULL;
  int64_t version;

  memset (out, 0, sizeof *out);
  if (json_parse (text, len, &root, err) < 0)
    return oci_error_prefix (err, "cache records");
  const struct json_value *pf = json_object_get (root, "platform");
  const struct json_value *recs = json_object_get (root, "records");
  const char *os = str_member (pf, "os"), *arch = str_member (pf, "architecture");
  const char *variant = str_member (pf, "variant");
  if (root->type != JSON_OBJECT || nonneg_int (root, "schemaVersion", &version) < 0 || version != 1)
    return oci_error_set (err, 0, "cache records: not a schemaVersion 1 object");
  if (os == NULL || arch == NULL)
    return oci_error_set (err, 0, "cache records: no platform (os, architecture)");
  if (recs == NULL || recs->type != JSON_ARRAY || recs->u.array.len > BLD_CACHE_MAX_RECORDS)
    return oci_error_set (err, 0, "cache records: records is not an array of at most %u", BLD_CACHE_MAX_RECORDS);
  out->os = strdup (os);
  out->architecture = strdup (arch);
  out->variant = variant ? strdup (variant) : NULL;
  if (out->os == NULL || out->architecture == NULL || (variant && out->variant == NULL))
    goto oom;
  if (recs->u.array.len && doc_reserve (out, recs->u.array.len, err) < 0)
    {
      bld_cache_doc_clear (out);
      return -1;
    }
  for (size_t i = 0; i < recs->u.array.len; i++)
    {
      struct bld_cache_record *r = &out->records[out->n_records];
      bool skip;
      memset (r, 0, sizeof *r);
      int rc = parse_record (recs->u.array.items[i], i, r, &skip, err);
      if (rc < 0 || skip)
        record_clear (r);
      if (rc < 0)
        {
          bld_cache_doc_clear (out);
          return oci_error_prefix (err, "cache records");
        }
      if (!skip)
        out->keys[out->n_records++] = r->key;
    }
  return 0;
oom:
  bld_cache_doc_clear (out);
  return oci_error_set (err, ENOMEM, "out of memory");
}

int
bld_cache_doc_emit (const struct bld_cache_doc *d, char **text, size_t *len, struct oci_error *err)
{
  cleanup_json_gen struct json_gen *g = json_gen_new (false);
  if (g == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  json_gen_begin_object (g);
  json_gen_key (g, "schemaVersion");
  json_gen_int64 (g, 1);
  json_gen_key (g, "platform");
  json_gen_begin_object (g);
  json_gen_key (g, "os");
  json_gen_string (g, d->os ? d->os : "linux");
  json_gen_key (g, "architecture");
  json_gen_string (g, d->architecture ? d->architecture : "");
  if (d->variant)
    {
      json_gen_key (g, "variant");
      json_gen_string (g, d->variant);
    }
  json_gen_end_object (g);
  json_gen_key (g, "records");
  json_gen_begin_array (g);
  for (size_t i = 0; i < d->n_records; i++)
    {
      const struct bld_cache_record *r = &d->records[i];
      json_gen_begin_object (g);
      json_gen_key (g, "key");
      json_gen_string (g, r->key);
      json_gen_key (g, "kind");
      json_gen_string (g, r->layer ? "layer" : "metadata-run");
      if (r->layer)
        {
          json_gen_key (g, "mediaType");
          json_gen_string (g, r->l.media_type);
          json_gen_key (g, "size");
          json_gen_int64 (g, r->l.size);
          json_gen_key (g, "digest");
          json_gen_string (g, r->l.digest);
          json_gen_key (g, "diffID");
          json_gen_string (g, r->l.diff_id);
          json_gen_key (g, "created");
          json_gen_string (g, r->l.created);
        }
      else
        {
          json_gen_key (g, "steps");
          json_gen_begin_array (g);
          for (size_t k = 0; k < r->n_steps; k++)
            {
              const char *eq = strchr (r->steps[k], '=');
              cleanup_free char *key = eq ? strndup (r->steps[k], (size_t) (eq - r->steps[k])) : NULL;
              if (key == NULL)
                return oci_error_set (err, eq ? ENOMEM : EINVAL, "cache records: a step without KEY=TIME");
              json_gen_begin_object (g);
              json_gen_key (g, "key");
              json_gen_string (g, key);
              json_gen_key (g, "created");
              json_gen_string (g, eq + 1);
              json_gen_end_object (g);
            }
          json_gen_end_array (g);
        }
      json_gen_end_object (g);
    }
  json_gen_end_array (g);
  json_gen_end_object (g);
  return json_gen_finish (g, text, len, err);
}

/* ---- the manifest ---- */

static void
blob_clear (struct bld_cache_blob *b)
{
  free (b->media_type);
  free (b->digest);
  memset (b, 0, sizeof *b);
}

void
bld_cache_manifest_clear (struct bld_cache_manifest *m)
{
  blob_clear (&m->config);
  for (size_t i = 0; i < m->n_layers; i++)
    blob_clear (&m->layers[i]);
  free (m->layers);
  free (m->inline_doc);
  memset (m, 0, sizeof *m);
}

static int
parse_blob (const struct json_value *v, const char *what, struct bld_cache_blob *out, struct oci_error *err)
{
  const char *mt = str_member (v, "mediaType"), *dg = str_member (v, "digest");
  if (v == NULL || v->type != JSON_OBJECT || mt == NULL || !valid_digest (dg)
      || nonneg_int (v, "size", &out->size) < 0)
    return oci_error_set (err, 0, "%s: not a descriptor (mediaType, digest, size)", what);
  out->media_type = strdup (mt);
  out->digest = strdup (dg);
  if (out->media_type == NULL || out->digest == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  return 0;
}

int
bld_cache_manifest_parse (const char *text, size_t len, struct bld_cache_manifest *out, struct oci_error *err)
{
  cleanup_json struct json_value *root = NULL;
  int64_t version;
  int ret = -1;

  memset (out, 0, sizeof *out);
  if (json_parse (text, len, &root, err) < 0)
    return oci_error_prefix (err, "cache manifest");
  const char *mt = str_member (root, "mediaType"), *at = str_member (root, "artifactType");
  const struct json_value *layers = json_object_get (root, "layers");
  const struct json_value *ann = json_object_get (root, "annotations");
  if (root->type != JSON_OBJECT || nonneg_int (root, "schemaVersion", &version) < 0 || version != 2
      || (mt && strcmp (mt, OCI_MEDIA_TYPE_IMAGE_MANIFEST) != 0 && strcmp (mt, DOCKER_MEDIA_TYPE_MANIFEST) != 0))
    return oci_error_set (err, 0, "cache manifest: not an image manifest (schemaVersion 2)");
  if (parse_blob (json_object_get (root, "config"), "cache manifest: config", &out->config, err) < 0)
    goto out;
  out->is_cache = strcmp (out->config.media_type, BLD_CACHE_MEDIA_TYPE) == 0
                  || (at && strcmp (at, BLD_CACHE_MEDIA_TYPE) == 0);
  if (layers && (layers->type != JSON_ARRAY || layers->u.array.len > BLD_CACHE_MAX_LAYERS))
    {
      oci_error_set (err, 0, "cache manifest: layers is not an array of at most %u", BLD_CACHE_MAX_LAYERS);
      goto out;
    }
  if (layers && layers->u.array.len && (out->layers = calloc (layers->u.array.len, sizeof *out->layers)) == NULL)
    {
      oci_error_set (err, ENOMEM, "out of memory");
      goto out;
    }
  for (size_t i = 0; layers && i < layers->u.array.len; i++)
    {
      out->n_layers++;
      if (parse_blob (layers->u.array.items[i], "cache manifest: a layer", &out->layers[i], err) < 0)
        goto out;
    }
  const char *doc = str_member (ann, "vnd.runclite.builder.cache.v1");
  if (!out->is_cache && doc && (out->inline_doc = strdup (doc)) == NULL)
    {
      oci_error_set (err, ENOMEM, "out of memory");
      goto out;
    }
  ret = 0;
out:
  if (ret < 0)
    bld_cache_manifest_clear (out);
  return ret;
}

static void
gen_blob (struct json_gen *g, const struct bld_cache_blob *b)
{
  json_gen_begin_object (g);
  json_gen_key (g, "mediaType");
  json_gen_string (g, b->media_type);
  json_gen_key (g, "digest");
  json_gen_string (g, b->digest);
  json_gen_key (g, "size");
  json_gen_int64 (g, b->size);
  json_gen_end_object (g);
}

int
bld_cache_manifest_emit (const struct bld_cache_blob *config, const struct bld_cache_blob *layers, size_t n_layers,
                         char **text, size_t *len, struct oci_error *err)
{
  cleanup_json_gen struct json_gen *g = json_gen_new (false);
  if (g == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  json_gen_begin_object (g);
  json_gen_key (g, "schemaVersion");
  json_gen_int64 (g, 2);
  json_gen_key (g, "mediaType");
  json_gen_string (g, OCI_MEDIA_TYPE_IMAGE_MANIFEST);
  json_gen_key (g, "artifactType");
  json_gen_string (g, BLD_CACHE_MEDIA_TYPE);
  json_gen_key (g, "config");
  gen_blob (g, config);
  json_gen_key (g, "layers");
  json_gen_begin_array (g);
  for (size_t i = 0; i < n_layers; i++)
    gen_blob (g, &layers[i]);
  json_gen_end_array (g);
  json_gen_end_object (g);
  return json_gen_finish (g, text, len, err);
}

/* ---- --cache-to / --cache-from ---- */

void
bld_cache_spec_clear (struct bld_cache_spec *s)
{
  free (s->ref);
  free (s->dir);
  memset (s, 0, sizeof *s);
}

static int
spec_field (const char *spec, const char *kv, bool to, struct bld_cache_spec *out, const char **type,
            struct oci_error *err)
{
  const char *eq = strchr (kv, '=');
  const char *opt = to ? "--cache-to" : "--cache-from";
  if (eq == NULL)
    return oci_error_set (err, 0, "%s %s: \"%s\" is not KEY=VALUE", opt, spec, kv);
  size_t klen = (size_t) (eq - kv);
  const char *v = eq + 1;
#define KEY_IS(k) (klen == strlen (k) && strncmp (kv, k, klen) == 0)
  char **slot = NULL;
  if (KEY_IS ("type"))
    *type = v;
  else if (KEY_IS ("ref"))
    slot = &out->ref;
  else if ((to && KEY_IS ("dest")) || (!to && KEY_IS ("src")))
    slot = &out->dir;
  else if (to && KEY_IS ("mode"))
    {
      if (strcmp (v, "min") != 0 && strcmp (v, "max") != 0)
        return oci_error_set (err, 0, "%s %s: mode \"%s\" is not min or max", opt, spec, v);
      out->max = strcmp (v, "max") == 0;
    }
  else if (KEY_IS ("registry.insecure") || KEY_IS ("insecure"))
    {
      if (strcmp (v, "true") != 0 && strcmp (v, "false") != 0)
        return oci_error_set (err, 0, "%s %s: registry.insecure \"%s\" is not true or false", opt, spec, v);
      out->insecure = strcmp (v, "true") == 0;
    }
  else
    return oci_error_set (err, 0, "%s %s: unknown key in \"%s\"", opt, spec, kv);
#undef KEY_IS
  if (slot)
    {
      if (*v == '\0')
        return oci_error_set (err, 0, "%s %s: \"%s\" is empty", opt, spec, kv);
      free (*slot);
      if ((*slot = strdup (v)) == NULL)
        return oci_error_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

static int
spec_fields (const char *spec, bool to, struct bld_cache_spec *out, const char **type, char *copy,
             struct oci_error *err)
{
  char *save = NULL;
  for (char *kv = strtok_r (copy, ",", &save); kv; kv = strtok_r (NULL, ",", &save))
    if (spec_field (spec, kv, to, out, type, err) < 0)
      return -1;
  return 0;
}

int
bld_cache_spec_parse (const char *spec, bool to, struct bld_cache_spec *out, struct oci_error *err)
{
  const char *opt = to ? "--cache-to" : "--cache-from";
  const char *type = NULL;
  memset (out, 0, sizeof *out);
  if (*spec == '\0')
    return oci_error_set (err, 0, "%s: empty", opt);
  if (strchr (spec, '=') == NULL)
    {
      /* A bare reference: a registry (docker buildx's shorthand). */
      out->type = BLD_CACHE_REGISTRY;
      if ((out->ref = strdup (spec)) == NULL)
        return oci_error_set (err, ENOMEM, "out of memory");
      return 0;
    }
  cleanup_free char *copy = strdup (spec);
  if (copy == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (spec_fields (spec, to, out, &type, copy, err) < 0)
    goto fail;
  if (type == NULL)
    type = out->ref ? "registry" : "";
  if (strcmp (type, "registry") == 0)
    out->type = BLD_CACHE_REGISTRY;
  else if (strcmp (type, "local") == 0)
    out->type = BLD_CACHE_LOCAL;
  else if (strcmp (type, "inline") == 0 && to)
    out->type = BLD_CACHE_INLINE;
  else
    {
      oci_error_set (err, 0, "%s %s: type \"%s\" is not registry, local%s", opt, spec, type, to ? " or inline" : "");
      goto fail;
    }
  if (out->type == BLD_CACHE_REGISTRY && (out->ref == NULL || out->dir))
    oci_error_set (err, 0, "%s %s: type=registry needs ref= (and no %s=)", opt, spec, to ? "dest" : "src");
  else if (out->type == BLD_CACHE_LOCAL && (out->dir == NULL || out->ref))
    oci_error_set (err, 0, "%s %s: type=local needs %s= (and no ref=)", opt, spec, to ? "dest" : "src");
  else if (out->type == BLD_CACHE_INLINE && (out->dir || out->ref || out->max))
    oci_error_set (err, 0, "%s %s: type=inline takes no ref, dest or mode=max", opt, spec);
  else
    return 0;
fail:
  bld_cache_spec_clear (out);
  return -1;
}
