/* The exported and imported step cache (cache_remote.h, docs/cache.md). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "digest.h"
#include "fileutil.h"
#include "json.h"
#include "common/fs.h"
#include "distribution/platform.h"
#include "distribution/registry.h"
#include "exec/build.h"
#include "exec/build_internal.h"
#include "exec/cache_format.h"
#include "exec/cache_remote.h"
#include "image/layer_apply.h"
#include "image/layer_source.h"
#include "image/size_limits.h"
#include "image/store.h"

struct cache_source
{
  const struct bld_cache_spec *spec;
  const char *name; /* the ref or the directory, for messages */
  struct reg_repo *repo;
  struct bld_cache_doc doc;
  size_t used;
};

struct build_cache
{
  struct cache_source *src;
  size_t n_src;
  struct bld_cache_doc all, final; /* noted steps: every stage's, the image's */
  bool incomplete;                 /* a step could not be noted (memory) */
};

static void __attribute__ ((format (printf, 2, 3))) warn (struct build *b, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  fputs ("WARNING: ", b->o->out);
  vfprintf (b->o->out, fmt, ap);
  fputc ('\n', b->o->out);
  fflush (b->o->out);
  va_end (ap);
}

/* ---- reading a cache ---- */

/* DIR/blobs/ALG/HEX of a (validated) digest. */
static int
layout_blob_path (const char *dir, const char *digest, char **out, struct oci_error *err)
{
  const char *colon = strchr (digest, ':');
  if (colon == NULL || asprintf (out, "%s/blobs/%.*s/%s", dir, (int) (colon - digest), digest, colon + 1) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  return 0;
}

/* A whole blob of a layout directory, checked against its digest. */
static int
layout_read_blob (const char *dir, const char *digest, char **text, size_t *len, struct oci_error *err)
{
  cleanup_free char *path = NULL;
  char got[OCI_DIGEST_STRING_MAX];
  if (!oci_digest_is_valid (digest))
    return oci_error_set (err, 0, "blob \"%s\": invalid digest", digest);
  if (layout_blob_path (dir, digest, &path, err) < 0
      || oci_read_regular_file (path, OCI_JSON_FILE_MAX, text, len, err) < 0
      || oci_digest_buffer (*text, *len, got, err) < 0)
    return -1;
  if (strcmp (got, digest) != 0)
    {
      free (steal_pointer (text));
      return oci_error_set (err, 0, "blob %s: digest mismatch (the content is %s)", digest, got);
    }
  return 0;
}

/* The platform the build's steps run for: --platform, else the host's. */
static void
target_platform (const struct build *b, const char **os, const char **arch, const char **variant)
{
  if (b->o->platform)
    {
      *os = b->o->platform->os;
      *arch = b->o->platform->arch;
      *variant = b->o->platform->variant;
      return;
    }
  *os = "linux";
  bld_host_platform (arch, variant);
}

/* Whether an index entry's platform (none: any) is the build's. */
static bool
entry_platform_is (const struct build *b, const struct json_value *entry)
{
  const char *os, *arch, *variant;
  const struct json_value *pf = json_object_get (entry, "platform");
  if (pf == NULL)
    return true;
  target_platform (b, &os, &arch, &variant);
  const struct json_value *o = json_object_get (pf, "os"), *a = json_object_get (pf, "architecture"),
                          *v = json_object_get (pf, "variant");
  return o && o->type == JSON_STRING && strcmp (o->u.string, os) == 0 && a && a->type == JSON_STRING
         && strcmp (a->u.string, arch) == 0
         && (v == NULL || variant == NULL || (v->type == JSON_STRING && strcmp (v->u.string, variant) == 0));
}

/* The cache manifest of a layout directory: index.json's entry with the
 * cache's artifactType for the build's platform (an entry without one:
 * any platform), else its first. */
static int
local_manifest (struct build *b, const char *dir, char **text, size_t *len, struct oci_error *err)
{
  cleanup_free char *path = NULL, *index = NULL;
  cleanup_json struct json_value *root = NULL;
  size_t ilen;
  if (asprintf (&path, "%s/index.json", dir) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (oci_read_regular_file (path, OCI_JSON_FILE_MAX, &index, &ilen, err) < 0)
    return -1;
  if (json_parse (index, ilen, &root, err) < 0)
    return oci_error_prefix (err, "%s", path);
  const struct json_value *ms = json_object_get (root, "manifests");
  const struct json_value *pick = NULL;
  bool cache_pick = false;
  for (size_t i = 0; ms && ms->type == JSON_ARRAY && i < ms->u.array.len; i++)
    {
      const struct json_value *e = ms->u.array.items[i], *at = json_object_get (e, "artifactType");
      bool is_cache = at && at->type == JSON_STRING && strcmp (at->u.string, BLD_CACHE_MEDIA_TYPE) == 0;
      if (is_cache && !entry_platform_is (b, e))
        continue;
      if (pick == NULL || (is_cache && !cache_pick))
        {
          pick = e;
          cache_pick = is_cache;
        }
    }
  const struct json_value *d = json_object_get (pick, "digest");
  if (d == NULL || d->type != JSON_STRING)
    return oci_error_set (err, 0, "%s: no manifest for this build's platform", path);
  return layout_read_blob (dir, d->u.string, text, len, err);
}

static int
load_source (struct build *b, struct cache_source *src, struct oci_error *err)
{
  cleanup_free char *text = NULL, *doc = NULL;
  size_t len, dlen;
  char digest[OCI_DIGEST_STRING_MAX];
  struct bld_cache_manifest m;
  int ret = -1;

  if (src->spec->type == BLD_CACHE_REGISTRY)
    {
      struct reg_options ro = { .tls_verify = !src->spec->insecure };
      if (reg_repo_open (src->name, &ro, &src->repo, err) < 0
          || reg_repo_get_manifest (src->repo, b->o->platform, &text, &len, digest, err) < 0)
        return -1;
    }
  else if (local_manifest (b, src->name, &text, &len, err) < 0)
    return -1;
  if (bld_cache_manifest_parse (text, len, &m, err) < 0)
    return -1;
  if (m.is_cache && src->repo)
    {
      struct oci_image_descriptor d = {
        .media_type = m.config.media_type, .digest = m.config.digest, .size = m.config.size, .has_size = true
      };
      if (reg_repo_fetch_blob (src->repo, b->store, &d, err) < 0
          || bld_store_read_blob (b->store, m.config.digest, OCI_JSON_FILE_MAX, &doc, &dlen, err) < 0)
        goto out;
    }
  else if (m.is_cache)
    {
      if (layout_read_blob (src->name, m.config.digest, &doc, &dlen, err) < 0)
        goto out;
    }
  else if (m.inline_doc)
    {
      doc = steal_pointer (&m.inline_doc);
      dlen = strlen (doc);
    }
  else
    {
      oci_error_set (err, 0, "not a build cache (no %s config or annotation)", BLD_CACHE_MEDIA_TYPE);
      goto out;
    }
  ret = bld_cache_doc_parse (doc, dlen, &src->doc, err);
out:
  bld_cache_manifest_clear (&m);
  return ret;
}

/* A cache of another platform is no use here. */
static int
check_platform (const struct build *b, const struct bld_cache_doc *d, struct oci_error *err)
{
  const char *os, *arch, *variant;
  target_platform (b, &os, &arch, &variant);
  if (strcmp (d->os, os) != 0 || strcmp (d->architecture, arch) != 0
      || (d->variant && variant && strcmp (d->variant, variant) != 0))
    return oci_error_set (err, 0, "built for %s/%s%s%s, not %s/%s%s%s", d->os, d->architecture, d->variant ? "/" : "",
                          d->variant ? d->variant : "", os, arch, variant ? "/" : "", variant ? variant : "");
  return 0;
}

static void
source_clear (struct cache_source *s)
{
  reg_repo_free (s->repo);
  bld_cache_doc_clear (&s->doc);
  memset (s, 0, sizeof *s);
}

int
cache_remote_open (struct build *b, struct oci_error *err)
{
  const struct bld_build_options *o = b->o;
  if (o->cache_from_len == 0 && o->cache_to_len == 0)
    return 0;
  if ((b->rc = calloc (1, sizeof *b->rc)) == NULL
      || (o->cache_from_len && (b->rc->src = calloc (o->cache_from_len, sizeof *b->rc->src)) == NULL))
    return oci_error_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < o->cache_from_len; i++)
    {
      struct cache_source *s = &b->rc->src[b->rc->n_src];
      struct oci_error e = OCI_ERROR_INIT;
      s->spec = &o->cache_from[i];
      s->name = s->spec->type == BLD_CACHE_REGISTRY ? s->spec->ref : s->spec->dir;
      if (load_source (b, s, &e) < 0 || check_platform (b, &s->doc, &e) < 0)
        {
          warn (b, "cache %s ignored: %s", s->name, oci_error_msg (&e));
          oci_error_clear (&e);
          source_clear (s);
          continue;
        }
      fprintf (o->out, "importing cache from %s: %zu steps\n", s->name, s->doc.n_records);
      b->rc->n_src++;
    }
  return 0;
}

void
cache_remote_free (struct build *b)
{
  if (b->rc == NULL)
    return;
  for (size_t i = 0; i < b->rc->n_src; i++)
    {
      if (b->rc->src[i].used == 0)
        warn (b, "cache %s: no step of this build was in it", b->rc->src[i].name);
      source_clear (&b->rc->src[i]);
    }
  free (b->rc->src);
  bld_cache_doc_clear (&b->rc->all);
  bld_cache_doc_clear (&b->rc->final);
  free (b->rc);
  b->rc = NULL;
}

/* The diff_id of a blob of the store: the digest of its uncompressed tar
 * (a cache's record must not name a diff_id its blob does not have). */
static int
check_diff_id (struct build *b, const struct step_cache_layer *l, struct oci_error *err)
{
  cleanup_free char *path = NULL;
  cleanup_close int fd = -1;
  struct bld_layer_source ls = { 0 };
  char got[OCI_DIGEST_STRING_MAX];
  ssize_t n;
  int ret = -1;

  if (bld_store_blob_path (b->store, l->digest, l->size, false, &path, err) < 0)
    return -1;
  if ((fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
    return oci_error_set (err, errno, "open %s", path);
  /* The expansion limits of extraction (docs/limits.md) hold here too. */
  if (bld_size_limits_from_env (&ls.lim, err) < 0 || bld_layer_source_init (&ls, fd, err) < 0)
    goto out;
  ls.max_pax = BLD_APPLY_DEFAULT_MAX_PAX_HEADER;
  ls.max_path = BLD_APPLY_DEFAULT_MAX_PATH;
  while ((n = bld_layer_source_read (&ls)) > 0)
    ;
  if (n < 0)
    {
      oci_error_set (err, ls.err.errnum, "layer %s: %s", l->digest, ls.err.msg ? ls.err.msg : "unreadable");
      goto out;
    }
  if (oci_digester_final (ls.tar_digest, got, err) < 0)
    goto out;
  if (strcmp (got, l->diff_id) != 0)
    {
      oci_error_set (err, 0, "layer %s: its diff_id is %s, the cache says %s", l->digest, got, l->diff_id);
      goto out;
    }
  ret = 0;
out:
  bld_layer_source_clear (&ls);
  return ret;
}

/* The record's layer blob into the store, verified. */
static int
fetch_layer (struct build *b, struct cache_source *src, const struct step_cache_layer *l, struct oci_error *err)
{
  struct oci_image_descriptor d = {
    .media_type = l->media_type, .digest = l->digest, .size = l->size, .has_size = true
  };
  if (bld_store_has_blob (b->store, l->digest))
    ;
  else if (src->repo)
    {
      if (reg_repo_fetch_blob (src->repo, b->store, &d, err) < 0)
        return -1;
    }
  else
    {
      cleanup_free char *path = NULL;
      int64_t size;
      if (layout_blob_path (src->name, l->digest, &path, err) < 0
          || bld_store_put_file (b->store, path, l->digest, NULL, &size, err) < 0)
        return -1;
      if (size != l->size)
        return oci_error_set (err, 0, "blob %s: %lld bytes, the record says %lld", l->digest, (long long) size,
                              (long long) l->size);
    }
  return check_diff_id (b, l, err);
}

static int
copy_layer (const struct step_cache_layer *l, struct step_cache_layer *out, struct oci_error *err)
{
  out->media_type = strdup (l->media_type);
  out->digest = strdup (l->digest);
  out->diff_id = strdup (l->diff_id);
  out->created = strdup (l->created);
  out->size = l->size;
  if (!out->media_type || !out->digest || !out->diff_id || !out->created)
    {
      step_cache_layer_clear (out);
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

int
cache_remote_lookup_layer (struct build *b, const char *key, struct step_cache_layer *out, bool *found,
                           struct oci_error *err)
{
  *found = false;
  for (size_t i = 0; b->rc && i < b->rc->n_src; i++)
    {
      struct cache_source *src = &b->rc->src[i];
      const struct bld_cache_record *r = bld_cache_doc_find (&src->doc, key);
      struct oci_error e = OCI_ERROR_INIT;
      if (r == NULL || !r->layer)
        continue;
      if (fetch_layer (b, src, &r->l, &e) < 0)
        {
          warn (b, "cache %s: step %.12s not used: %s", src->name, key, oci_error_msg (&e));
          oci_error_clear (&e);
          continue;
        }
      if (copy_layer (&r->l, out, err) < 0)
        return -1;
      src->used++;
      *found = true;
      return 0;
    }
  return 0;
}

bool
cache_remote_lookup_meta (struct build *b, const char *key, char ***steps, size_t *n)
{
  struct oci_error e = OCI_ERROR_INIT;
  for (size_t i = 0; b->rc && i < b->rc->n_src; i++)
    {
      const struct bld_cache_record *r = bld_cache_doc_find (&b->rc->src[i].doc, key);
      if (r == NULL || r->layer)
        continue;
      for (size_t k = 0; k < r->n_steps; k++)
        if (build_strv_push (steps, n, r->steps[k], &e) < 0)
          {
            oci_error_clear (&e);
            build_strv_clear (steps, n);
            return false;
          }
      b->rc->src[i].used++;
      return true;
    }
  return false;
}

/* ---- noting the build's steps ---- */

static void
note (struct build *b, struct stage_st *s, const struct bld_cache_record *r)
{
  struct oci_error e = OCI_ERROR_INIT;
  if (b->rc == NULL || b->o->cache_to_len == 0)
    return;
  if (bld_cache_doc_add (&b->rc->all, r, &e) < 0
      || (s == &b->st[b->plan->target] && bld_cache_doc_add (&b->rc->final, r, &e) < 0))
    b->rc->incomplete = true;
  oci_error_clear (&e);
}

void
cache_remote_note_layer (struct build *b, struct stage_st *s, const char *key, const struct step_cache_layer *l)
{
  struct bld_cache_record r = { .key = (char *) (uintptr_t) key, .layer = true, .l = *l };
  note (b, s, &r);
}

void
cache_remote_note_meta (struct build *b, struct stage_st *s, const char *key, char *const *steps, size_t n)
{
  struct bld_cache_record r = { .key = (char *) (uintptr_t) key, .steps = (char **) (uintptr_t) steps, .n_steps = n };
  note (b, s, &r);
}

/* ---- writing a cache ---- */

static int
emit_doc (const struct build *b, struct bld_cache_doc *d, char **text, size_t *len, struct oci_error *err)
{
  const char *os, *arch, *variant;
  target_platform (b, &os, &arch, &variant);
  free (d->os);
  free (d->architecture);
  free (d->variant);
  d->os = strdup (os);
  d->architecture = strdup (arch);
  d->variant = variant ? strdup (variant) : NULL;
  if (d->os == NULL || d->architecture == NULL || (variant && d->variant == NULL))
    return oci_error_set (err, ENOMEM, "out of memory");
  return bld_cache_doc_emit (d, text, len, err);
}

static bool
wants (const struct build *b, enum bld_cache_type t)
{
  for (size_t i = 0; i < b->o->cache_to_len; i++)
    if (b->o->cache_to[i].type == t)
      return true;
  return false;
}

int
cache_remote_inline (struct build *b, struct oci_string_map *ann, struct oci_error *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  if (b->rc == NULL || !wants (b, BLD_CACHE_INLINE))
    return 0;
  if (emit_doc (b, &b->rc->final, &text, &len, err) < 0)
    return oci_error_prefix (err, "--cache-to type=inline");
  if (oci_string_map_set (ann, BLD_CACHE_ANNOTATION, text) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  return 0;
}

/* The manifest's blobs: the records blob, each layer once. */
struct export
{
  struct bld_cache_blob config;
  struct bld_cache_blob *layers;
  size_t n_layers;
  char *manifest;
  size_t manifest_len;
  char manifest_digest[OCI_DIGEST_STRING_MAX];
};

static void
export_clear (struct export *x)
{
  free (x->config.digest);
  free (x->layers);
  free (x->manifest);
}

static int
export_prepare (struct build *b, struct bld_cache_doc *d, struct export *x, struct oci_error *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  char digest[OCI_DIGEST_STRING_MAX];
  memset (x, 0, sizeof *x);
  if (emit_doc (b, d, &text, &len, err) < 0
      || bld_store_put_buffer (b->store, text, len, digest, &x->config.size, err) < 0)
    return -1;
  x->config.media_type = (char *) (uintptr_t) BLD_CACHE_MEDIA_TYPE;
  if ((x->config.digest = strdup (digest)) == NULL
      || (x->layers = calloc (d->n_records + 1, sizeof *x->layers)) == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < d->n_records; i++)
    {
      const struct bld_cache_record *r = &d->records[i];
      bool seen = false;
      for (size_t k = 0; r->layer && k < x->n_layers && !seen; k++)
        seen = strcmp (x->layers[k].digest, r->l.digest) == 0;
      if (r->layer && !seen)
        x->layers[x->n_layers++] = (struct bld_cache_blob) { r->l.media_type, r->l.digest, r->l.size };
    }
  if (bld_cache_manifest_emit (&x->config, x->layers, x->n_layers, &x->manifest, &x->manifest_len, err) < 0)
    return -1;
  return oci_digest_buffer (x->manifest, x->manifest_len, x->manifest_digest, err);
}

static int
export_registry (struct build *b, const struct bld_cache_spec *spec, struct export *x, struct oci_error *err)
{
  struct reg_options ro = { .tls_verify = !spec->insecure };
  cleanup_reg_repo struct reg_repo *rp = NULL;
  if (reg_repo_open (spec->ref, &ro, &rp, err) < 0)
    return -1;
  for (size_t i = 0; i <= x->n_layers; i++)
    {
      const struct bld_cache_blob *bl = i < x->n_layers ? &x->layers[i] : &x->config;
      struct oci_image_descriptor d = {
        .media_type = bl->media_type, .digest = bl->digest, .size = bl->size, .has_size = true
      };
      if (reg_repo_push_blob (rp, b->store, &d, err) < 0)
        return -1;
    }
  /* one of several platforms': by digest, the index at the tag later */
  if (b->o->cache_index
          ? reg_repo_put_manifest_at (rp, x->manifest_digest, OCI_MEDIA_TYPE_IMAGE_MANIFEST, x->manifest,
                                      x->manifest_len, err)
                < 0
          : reg_repo_put_manifest (rp, OCI_MEDIA_TYPE_IMAGE_MANIFEST, x->manifest, x->manifest_len, err) < 0)
    return -1;
  fprintf (b->o->out, "exporting cache to %s: %s, %zu of %zu blobs uploaded\n", spec->ref, x->manifest_digest,
           reg_repo_uploaded (rp), x->n_layers + 1);
  return 0;
}

/* A blob of the store into the layout, unless it is there. */
static int
layout_put (struct build *b, const char *dir, const char *digest, int64_t size, size_t *copied, struct oci_error *err)
{
  cleanup_free char *dest = NULL, *src = NULL, *tmp = NULL;
  cleanup_close int in = -1;
  cleanup_close int out = -1;
  if (layout_blob_path (dir, digest, &dest, err) < 0)
    return -1;
  if (access (dest, F_OK) == 0)
    return 0;
  if (bld_store_blob_path (b->store, digest, size, false, &src, err) < 0)
    return -1;
  if (asprintf (&tmp, "%s.tmp-%ld", dest, (long) getpid ()) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if ((in = open (src, O_RDONLY | O_CLOEXEC)) < 0)
    return oci_error_set (err, errno, "open %s", src);
  if ((out = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
    return oci_error_set (err, errno, "create %s", tmp);
  if (cmn_copy_data (in, out, size) < 0 || fsync (out) < 0 || rename (tmp, dest) < 0)
    {
      int e = errno;
      unlink (tmp);
      return oci_error_set (err, e, "write %s", dest);
    }
  (*copied)++;
  return 0;
}

static int
export_local (struct build *b, const struct bld_cache_spec *spec, struct export *x, struct oci_error *err)
{
  cleanup_free char *blobs = NULL, *path = NULL, *index = NULL, *mpath = NULL;
  static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
  size_t copied = 0;

  if (asprintf (&blobs, "%s/blobs/sha256", spec->dir) < 0 || asprintf (&path, "%s/oci-layout", spec->dir) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (cmn_mkdir_p (blobs, 0755, err) < 0 || oci_write_file_atomic (path, layout, strlen (layout), 0644, err) < 0)
    return -1;
  for (size_t i = 0; i <= x->n_layers; i++)
    {
      const struct bld_cache_blob *bl = i < x->n_layers ? &x->layers[i] : &x->config;
      if (layout_put (b, spec->dir, bl->digest, bl->size, &copied, err) < 0)
        return -1;
    }
  if (layout_blob_path (spec->dir, x->manifest_digest, &mpath, err) < 0
      || oci_write_file_atomic (mpath, x->manifest, x->manifest_len, 0644, err) < 0)
    return -1;
  if (b->o->cache_index)
    goto done; /* the index of all platforms' later */
  free (path);
  if (asprintf (&path, "%s/index.json", spec->dir) < 0
      || asprintf (&index,
                   "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[{\"mediaType\":\"%s\","
                   "\"artifactType\":\"%s\",\"digest\":\"%s\",\"size\":%zu}]}",
                   OCI_MEDIA_TYPE_IMAGE_INDEX, OCI_MEDIA_TYPE_IMAGE_MANIFEST, BLD_CACHE_MEDIA_TYPE,
                   x->manifest_digest, x->manifest_len)
             < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (oci_write_file_atomic (path, index, strlen (index), 0644, err) < 0)
    return -1;
done:
  fprintf (b->o->out, "exporting cache to %s: %s, %zu of %zu blobs copied\n", spec->dir, x->manifest_digest, copied,
           x->n_layers + 1);
  return 0;
}

static int
index_note (struct bld_cache_index *ix, size_t spec, const struct export *x, const struct bld_platform *p,
            struct oci_error *err)
{
  struct bld_cache_index_entry *nv = realloc (ix->v, (ix->n + 1) * sizeof *nv);
  if (nv == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  ix->v = nv;
  nv[ix->n].spec = spec;
  memcpy (nv[ix->n].digest, x->manifest_digest, sizeof nv[ix->n].digest);
  nv[ix->n].size = x->manifest_len;
  nv[ix->n].platform = p;
  ix->n++;
  return 0;
}

int
cache_remote_export (struct build *b, struct oci_error *err)
{
  if (b->rc == NULL)
    return 0;
  if (b->rc->incomplete && b->o->cache_to_len)
    warn (b, "the exported cache lacks steps (out of memory)");
  for (size_t i = 0; i < b->o->cache_to_len; i++)
    {
      const struct bld_cache_spec *spec = &b->o->cache_to[i];
      struct export x;
      int r;
      if (spec->type == BLD_CACHE_INLINE)
        continue;
      r = export_prepare (b, spec->max ? &b->rc->all : &b->rc->final, &x, err);
      if (r == 0)
        r = spec->type == BLD_CACHE_REGISTRY ? export_registry (b, spec, &x, err) : export_local (b, spec, &x, err);
      if (r == 0 && b->o->cache_index)
        r = index_note (b->o->cache_index, i, &x, b->o->platform, err);
      export_clear (&x);
      if (r < 0)
        return oci_error_prefix (err, "--cache-to %s", spec->type == BLD_CACHE_REGISTRY ? spec->ref : spec->dir);
    }
  return 0;
}

void
bld_cache_index_clear (struct bld_cache_index *ix)
{
  free (ix->v);
  memset (ix, 0, sizeof *ix);
}

/* The index of spec's manifests in ix, each with its platform. */
static int
index_emit (const struct bld_cache_index *ix, size_t spec, char **text, size_t *len, struct oci_error *err)
{
  cleanup_free struct oci_image_descriptor *ds = calloc (ix->n + 1, sizeof *ds);
  cleanup_free struct oci_image_platform *ps = calloc (ix->n + 1, sizeof *ps);
  struct oci_image_index idx = { .schema_version = 2,
                                 .has_schema_version = true,
                                 .media_type = (char *) OCI_MEDIA_TYPE_IMAGE_INDEX,
                                 .manifests = ds };
  if (ds == NULL || ps == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < ix->n; i++)
    {
      const struct bld_cache_index_entry *e = &ix->v[i];
      if (e->spec != spec)
        continue;
      struct oci_image_platform *p = &ps[idx.manifests_len];
      *p = (struct oci_image_platform) { .os = e->platform->os,
                                         .architecture = e->platform->arch,
                                         .variant = e->platform->variant };
      ds[idx.manifests_len++] = (struct oci_image_descriptor) {
        .media_type = (char *) OCI_MEDIA_TYPE_IMAGE_MANIFEST,
        .digest = (char *) (uintptr_t) e->digest,
        .size = (int64_t) e->size,
        .has_size = true,
        .platform = p,
        .artifact_type = (char *) BLD_CACHE_MEDIA_TYPE,
      };
    }
  return oci_image_index_emit (&idx, false, text, len, err);
}

int
cache_remote_write_indexes (const struct bld_build_options *o, const struct bld_cache_index *ix,
                            struct oci_error *err)
{
  for (size_t i = 0; i < o->cache_to_len; i++)
    {
      const struct bld_cache_spec *spec = &o->cache_to[i];
      cleanup_free char *text = NULL, *path = NULL;
      size_t len;
      char digest[OCI_DIGEST_STRING_MAX];
      if (spec->type == BLD_CACHE_INLINE)
        continue;
      const char *name = spec->type == BLD_CACHE_REGISTRY ? spec->ref : spec->dir;
      if (index_emit (ix, i, &text, &len, err) < 0 || oci_digest_buffer (text, len, digest, err) < 0)
        return oci_error_prefix (err, "--cache-to %s", name);
      if (spec->type == BLD_CACHE_REGISTRY)
        {
          struct reg_options ro = { .tls_verify = !spec->insecure };
          cleanup_reg_repo struct reg_repo *rp = NULL;
          if (reg_repo_open (spec->ref, &ro, &rp, err) < 0
              || reg_repo_put_manifest (rp, OCI_MEDIA_TYPE_IMAGE_INDEX, text, len, err) < 0)
            return oci_error_prefix (err, "--cache-to %s", name);
        }
      else if (asprintf (&path, "%s/index.json", spec->dir) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      else if (oci_write_file_atomic (path, text, len, 0644, err) < 0)
        return oci_error_prefix (err, "--cache-to %s", name);
      fprintf (o->out, "exporting cache index to %s: %s\n", name, digest);
    }
  return 0;
}
