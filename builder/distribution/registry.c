/* The distribution API client's push and pull: see registry.h.  The
 * client and its requests are in registry_http.c, credentials in
 * registry_auth.c. */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "digest.h"
#include "fileutil.h"
#include "image.h"
#include "json.h"
#include "distribution/platform.h"
#include "distribution/registry.h"
#include "distribution/registry_client.h"
#include "image/interrupt.h"
#include "image/store.h"
#include "common/strbuf.h"


static const char manifest_accept[] = "Accept: " OCI_MEDIA_TYPE_IMAGE_MANIFEST ", " OCI_MEDIA_TYPE_IMAGE_INDEX
                                      ", " DOCKER_MEDIA_TYPE_MANIFEST ", " DOCKER_MEDIA_TYPE_MANIFEST_LIST;

/* ---- references ---- */

int
reg_ref_parse (const char *s, struct bld_reference *out, struct oci_error *err)
{
  if (bld_reference_parse (s, out, err) < 0)
    return -1;
  if (out->digest)
    {
      free (out->tag);
      out->tag = NULL;
    }
  else if (out->tag == NULL && (out->tag = strdup ("latest")) == NULL)
    {
      bld_reference_clear (out);
      return oci_error_set (err, ENOMEM, "reference %s", s);
    }
  return 0;
}

/* ---- which repositories hold a blob (for cross-repository mounts) ----
 * STORE/.store/registry-blobs: lines "DIGEST HOST/REPO", one for each blob
 * pushed to or pulled from a repository. */

static int
memory_read (struct bld_store *s, char **text, struct oci_error *err)
{
  cleanup_free char *path = NULL;
  size_t len;

  *text = NULL;
  if (bld_store_area_path (bld_store_dir (s), BLD_STORE_REGISTRY_BLOBS, &path, err) < 0)
    return -1;
  if (oci_read_file (path, OCI_JSON_FILE_MAX, text, &len, err) < 0)
    {
      if (err->errnum != ENOENT)
        return -1;
      oci_error_clear (err);
      *text = strdup ("");
      if (*text == NULL)
        return oci_error_set (err, ENOMEM, "registry memory");
    }
  return 0;
}

static bool
memory_has (const char *text, const char *line)
{
  size_t n = strlen (line);
  for (const char *p = text; p && *p; p = strchr (p, '\n'), p = p ? p + 1 : NULL)
    if (strncmp (p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
      return true;
  return false;
}

/* Records that HOST/REPO holds each of the digests. */
static int
memory_add (struct bld_store *s, const char *host, const char *repo, char *const *digests, size_t n,
            struct oci_error *err)
{
  cleanup_free char *text = NULL;
  cleanup_free char *path = NULL;
  struct strbuf b = STRBUF_INIT;
  int ret = -1;

  if (bld_store_lock (s, err) < 0)
    return -1;
  if (memory_read (s, &text, err) < 0)
    goto out;
  strbuf_adds (&b, text);
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *line = NULL;
      if (asprintf (&line, "%s %s/%s", digests[i], host, repo) < 0)
        {
          oci_error_set (err, ENOMEM, "registry memory");
          goto out;
        }
      if (!memory_has (b.s ? b.s : "", line))
        {
          strbuf_adds (&b, line);
          strbuf_addc (&b, '\n');
        }
    }
  if (b.failed)
    {
      oci_error_set (err, ENOMEM, "registry memory");
      goto out;
    }
  if (bld_store_area_path (bld_store_dir (s), BLD_STORE_REGISTRY_BLOBS, &path, err) < 0)
    goto out;
  ret = oci_write_file_atomic (path, b.s ? b.s : "", b.len, 0644, err);
out:
  free (b.s);
  bld_store_unlock (s);
  return ret;
}

/* ---- push ---- */

struct push
{
  struct reg_client *c;
  struct bld_store *s;
  const char *repo;
  const char *from;
  char *memory;
  reg_progress_fn progress;
  void *ctx;
  char **done; /* the digests now in repo, for the memory */
  size_t n_done;
};

static int
push_note (struct push *p, const char *digest, enum reg_blob_outcome outcome, const char *detail,
           struct oci_error *err)
{
  char **v = realloc (p->done, (p->n_done + 1) * sizeof *v);
  if (v == NULL)
    return oci_error_set (err, ENOMEM, "push");
  p->done = v;
  if ((v[p->n_done] = strdup (digest)) == NULL)
    return oci_error_set (err, ENOMEM, "push");
  p->n_done++;
  if (p->progress)
    p->progress (p->ctx, digest, outcome, detail);
  return 0;
}

/* loc with "&name=value" or "?name=value" appended. */
static int
url_with_query (struct reg_client *c, const char *loc, const char *query, char **out, struct oci_error *err)
{
  cleanup_free char *abs = NULL;
  if (reg_absolute_url (c, loc, &abs, err) < 0)
    return -1;
  if (asprintf (out, "%s%c%s", abs, strchr (abs, '?') ? '&' : '?', query) < 0)
    return oci_error_set (err, ENOMEM, "url");
  return 0;
}

static int
take_location (struct reg_client *c, const char *what, struct response *r, char **loc, struct oci_error *err)
{
  free (*loc);
  *loc = NULL;
  if (r->location == NULL || r->location[0] == '\0')
    return oci_error_set (err, 0, "registry %s: %s: answer %ld without a Location", c->host, what, r->status);
  return reg_absolute_url (c, r->location, loc, err);
}

/* Sends the blob into the upload session at *loc: in one PUT, or in
 * PATCH chunks and a closing PUT when it is larger than a chunk. */
static int
upload_blob (struct push *p, char **loc, const char *digest, uint64_t size, int fd, bool *chunked,
             struct oci_error *err)
{
  cleanup_response struct response r = { .body_max = REG_SMALL_BODY_MAX };
  cleanup_free char *query = NULL;
  cleanup_free char *put_url = NULL;
  char *escaped = curl_easy_escape (p->c->curl, digest, 0);
  struct req_body body = { .fd = fd };

  if (escaped == NULL || asprintf (&query, "digest=%s", escaped) < 0)
    {
      curl_free (escaped);
      return oci_error_set (err, ENOMEM, "upload %s", digest);
    }
  curl_free (escaped);
  *chunked = size > p->c->chunk_size;
  if (*chunked)
    {
      static const char octet[] = "Content-Type: application/octet-stream";
      for (uint64_t off = 0; off < size;)
        {
          uint64_t n = size - off < p->c->chunk_size ? size - off : p->c->chunk_size;
          char range[80];
          const char *headers[] = { octet, range, NULL };
          snprintf (range, sizeof range, "Content-Range: %" PRIu64 "-%" PRIu64, off, off + n - 1);
          body = (struct req_body) { .fd = fd, .off = off, .len = n };
          if (reg_request (p->c, "PATCH", *loc, headers, &body, &r, err) < 0)
            return oci_error_prefix (err, "upload %s", digest);
          if (r.status != 202)
            {
              reg_http_failure (p->c, "PATCH", *loc, &r, err);
              return oci_error_prefix (err, "upload %s", digest);
            }
          if (take_location (p->c, "PATCH", &r, loc, err) < 0)
            return -1;
          off += n;
        }
      body = (struct req_body) { .buf = "", .len = 0 };
    }
  else
    body = (struct req_body) { .fd = fd, .len = size };
  if (url_with_query (p->c, *loc, query, &put_url, err) < 0)
    return -1;
  {
    static const char octet[] = "Content-Type: application/octet-stream";
    const char *headers[] = { octet, NULL };
    if (reg_request (p->c, "PUT", put_url, headers, &body, &r, err) < 0)
      return oci_error_prefix (err, "upload %s", digest);
  }
  if (r.status != 201)
    {
      reg_http_failure (p->c, "PUT", put_url, &r, err);
      return oci_error_prefix (err, "upload %s", digest);
    }
  return 0;
}

/* Repositories of this registry that hold digest: --from, then the
 * memory's. */
static char **
mount_sources (struct push *p, const char *digest)
{
  size_t n = 0, hlen = strlen (p->c->host), dlen = strlen (digest);
  char **v = calloc (2, sizeof *v);

  if (v == NULL)
    return NULL;
  if (p->from && strcmp (p->from, p->repo) != 0 && (v[n++] = strdup (p->from)) == NULL)
    return v;
  for (const char *l = p->memory; l && *l; l = strchr (l, '\n'), l = l ? l + 1 : NULL)
    {
      const char *end = strchr (l, '\n');
      size_t len = end ? (size_t) (end - l) : strlen (l);
      if (len > dlen + hlen + 2 && strncmp (l, digest, dlen) == 0 && l[dlen] == ' '
          && strncmp (l + dlen + 1, p->c->host, hlen) == 0 && l[dlen + 1 + hlen] == '/')
        {
          char *repo = strndup (l + dlen + hlen + 2, len - dlen - hlen - 2);
          char **nv;
          if (repo == NULL)
            return v;
          if (strcmp (repo, p->repo) == 0 || (p->from && strcmp (repo, p->from) == 0)
              || (nv = realloc (v, (n + 2) * sizeof *v)) == NULL)
            {
              free (repo);
              continue;
            }
          v = nv;
          v[n++] = repo;
          v[n] = NULL;
        }
    }
  return v;
}

static int
push_blob (struct push *p, const struct oci_image_descriptor *d, struct oci_error *err)
{
  cleanup_response struct response r = { .body_max = REG_SMALL_BODY_MAX };
  cleanup_free char *path = NULL;
  cleanup_free char *blob_path = NULL;
  cleanup_free char *loc = NULL;
  cleanup_strv char **sources = NULL;
  cleanup_close int fd = -1;
  struct stat st;
  bool chunked = false;

  if (asprintf (&path, "/v2/%s/blobs/%s", p->repo, d->digest) < 0)
    return oci_error_set (err, ENOMEM, "push %s", d->digest);
  if (reg_request (p->c, "HEAD", path, NULL, NULL, &r, err) < 0)
    return -1;
  if (r.status == 200)
    return push_note (p, d->digest, REG_BLOB_PRESENT, NULL, err);
  if (r.status != 404)
    return reg_http_failure (p->c, "HEAD", path, &r, err);

  sources = mount_sources (p, d->digest);
  if (sources == NULL)
    return oci_error_set (err, ENOMEM, "push %s", d->digest);
  for (size_t i = 0; sources[i] && loc == NULL; i++)
    {
      cleanup_free char *mount = NULL;
      char *e1 = curl_easy_escape (p->c->curl, d->digest, 0), *e2 = curl_easy_escape (p->c->curl, sources[i], 0);
      int n = e1 && e2 ? asprintf (&mount, "/v2/%s/blobs/uploads/?mount=%s&from=%s", p->repo, e1, e2) : -1;
      curl_free (e1);
      curl_free (e2);
      if (n < 0)
        return oci_error_set (err, ENOMEM, "push %s", d->digest);
      if (reg_request (p->c, "POST", mount, NULL, NULL, &r, err) < 0)
        return -1;
      if (r.status == 201)
        return push_note (p, d->digest, REG_BLOB_MOUNTED, sources[i], err);
      /* 202: not mounted, but an upload session was opened. */
      if (r.status == 202 && take_location (p->c, "POST", &r, &loc, err) < 0)
        return -1;
    }
  if (loc == NULL)
    {
      cleanup_free char *start = NULL;
      if (asprintf (&start, "/v2/%s/blobs/uploads/", p->repo) < 0)
        return oci_error_set (err, ENOMEM, "push %s", d->digest);
      if (reg_request (p->c, "POST", start, NULL, NULL, &r, err) < 0)
        return -1;
      if (r.status != 202)
        return reg_http_failure (p->c, "POST", start, &r, err);
      if (take_location (p->c, "POST", &r, &loc, err) < 0)
        return -1;
    }
  if (bld_store_blob_path (p->s, d->digest, d->size, false, &blob_path, err) < 0)
    return -1;
  fd = open (blob_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &st) < 0)
    return oci_error_set (err, errno, "open %s", blob_path);
  if (d->has_size && st.st_size != d->size)
    return oci_error_set (err, 0, "blob %s: %lld bytes in the store, the descriptor says %lld", d->digest,
                          (long long) st.st_size, (long long) d->size);
  if (upload_blob (p, &loc, d->digest, st.st_size, fd, &chunked, err) < 0)
    return -1;
  return push_note (p, d->digest, chunked ? REG_BLOB_UPLOADED_CHUNKED : REG_BLOB_UPLOADED, NULL, err);
}

static int
put_manifest (struct push *p, const char *reference, const char *media_type, const char *text, size_t len,
              struct oci_error *err)
{
  cleanup_response struct response r = { .body_max = REG_SMALL_BODY_MAX };
  cleanup_free char *path = NULL;
  cleanup_free char *ctype = NULL;
  struct req_body body = { .buf = text, .len = len };

  if (asprintf (&path, "/v2/%s/manifests/%s", p->repo, reference) < 0
      || asprintf (&ctype, "Content-Type: %s", media_type) < 0)
    return oci_error_set (err, ENOMEM, "push manifest");
  const char *headers[] = { ctype, NULL };
  char digest[OCI_DIGEST_STRING_MAX];
  if (oci_digest_buffer (text, len, digest, err) < 0 || reg_request (p->c, "PUT", path, headers, &body, &r, err) < 0)
    return -1;
  if (r.status != 201)
    return reg_http_failure (p->c, "PUT", path, &r, err);
  /* The registry says what it stored; it must be what we sent. */
  if (r.docker_digest && strcmp (r.docker_digest, digest) != 0)
    return oci_error_set (err, 0, "PUT %s: the registry answered Docker-Content-Digest %s for manifest %s", path,
                          r.docker_digest, digest);
  return 0;
}


/* An image manifest's blobs (layers first, then the config), then the
 * manifest itself under reference. */
static int
push_image_manifest (struct push *p, const struct oci_image_descriptor *desc, const char *reference,
                     struct oci_error *err)
{
  cleanup_free char *text = NULL;
  cleanup_image_manifest struct oci_image_manifest *m = NULL;
  size_t len;

  if (bld_store_read_blob (p->s, desc->digest, OCI_JSON_FILE_MAX, &text, &len, err) < 0
      || oci_image_manifest_parse_text (desc->digest, text, len, &m, err) < 0)
    return -1;
  for (size_t i = 0; i < m->layers_len; i++)
    if (bld_check_interrupted (err) < 0 || push_blob (p, &m->layers[i], err) < 0)
      return -1;
  if (push_blob (p, m->config, err) < 0)
    return -1;
  return put_manifest (p, reference, m->media_type ? m->media_type : desc->media_type, text, len, err);
}

int
reg_push (struct bld_store *s, const char *store_ref, const char *ref, const struct reg_options *o,
          reg_progress_fn progress, void *ctx, char **digest, struct oci_error *err)
{
  cleanup_reference struct bld_reference r = { 0 };
  cleanup_reg_client struct reg_client *c = NULL;
  cleanup_image_descriptor struct oci_image_descriptor *stored = NULL, *desc = NULL;
  cleanup_free char *memory = NULL;
  struct push p = { .s = s, .progress = progress, .ctx = ctx, .from = o->from };
  int ret = -1;

  *digest = NULL;
  if (reg_ref_parse (ref, &r, err) < 0 || bld_store_resolve (s, store_ref, &stored, err) < 0)
    return -1;
  /* The layers leave the machine: compressed here (once per layer). */
  if (bld_image_compress (s, stored, &o->compress, &desc, err) < 0)
    return oci_error_prefix (err, "push %s", ref);
  if (r.digest && strcmp (r.digest, desc->digest) != 0)
    return oci_error_set (err, 0, "push %s: the image is %s, not the reference's digest", ref, desc->digest);
  if (memory_read (s, &memory, err) < 0 || reg_client_new (r.host, o, &c, err) < 0)
    return oci_error_prefix (err, "push %s", ref);
  p.c = c;
  p.repo = r.repo;
  p.memory = memory;
  const char *reference = r.tag ? r.tag : r.digest;
  if (bld_is_index_media_type (desc->media_type))
    {
      cleanup_free char *text = NULL;
      cleanup_image_index struct oci_image_index *idx = NULL;
      size_t len;
      if (bld_store_read_blob (s, desc->digest, OCI_JSON_FILE_MAX, &text, &len, err) < 0
          || oci_image_index_parse_text (desc->digest, text, len, &idx, err) < 0)
        goto out;
      for (size_t i = 0; i < idx->manifests_len; i++)
        if (!bld_is_index_media_type (idx->manifests[i].media_type)
            && bld_store_has_blob (s, idx->manifests[i].digest)
            && push_image_manifest (&p, &idx->manifests[i], idx->manifests[i].digest, err) < 0)
          goto out;
      if (put_manifest (&p, reference, idx->media_type ? idx->media_type : desc->media_type, text, len, err) < 0)
        goto out;
    }
  else if (push_image_manifest (&p, desc, reference, err) < 0)
    goto out;
  if (memory_add (s, r.host, r.repo, p.done, p.n_done, err) < 0)
    goto out;
  if ((*digest = strdup (desc->digest)) == NULL)
    {
      oci_error_set (err, ENOMEM, "push");
      goto out;
    }
  ret = 0;
out:
  for (size_t i = 0; i < p.n_done; i++)
    free (p.done[i]);
  free (p.done);
  return ret < 0 ? oci_error_prefix (err, "push %s", ref) : 0;
}

/* ---- pull ---- */

struct blob_sink
{
  struct bld_blob_writer *w;
  const char *digest;
  int64_t size;
  uint64_t got;
};

static int
blob_sink_write (void *ctx, const void *buf, size_t n, struct oci_error *err)
{
  struct blob_sink *b = ctx;
  b->got += n;
  if (b->size >= 0 && b->got > (uint64_t) b->size)
    return oci_error_set (err, 0, "blob %s: more than the %lld bytes of its descriptor", b->digest,
                          (long long) b->size);
  return bld_blob_writer_write (b->w, buf, n, err);
}

/* Downloads a blob into the store, verified against its digest and size
 * while it streams: a mismatch leaves nothing in blobs/. */
static int
fetch_blob (struct reg_client *c, struct bld_store *s, const char *repo, const struct oci_image_descriptor *d,
            reg_progress_fn progress, void *ctx, struct oci_error *err)
{
  cleanup_blob_writer struct bld_blob_writer *w = NULL;
  cleanup_free char *path = NULL;
  cleanup_response struct response r = { .body_max = REG_SMALL_BODY_MAX };
  struct blob_sink sink = { .digest = d->digest, .size = d->has_size ? d->size : -1 };
  int64_t size;

  if (!oci_digest_is_valid (d->digest))
    return oci_error_set (err, 0, "blob \"%s\": invalid digest", d->digest);
  if (bld_store_has_blob (s, d->digest))
    {
      if (progress)
        progress (ctx, d->digest, REG_BLOB_PRESENT, NULL);
      return 0;
    }
  if (asprintf (&path, "/v2/%s/blobs/%s", repo, d->digest) < 0)
    return oci_error_set (err, ENOMEM, "blob %s", d->digest);
  if (bld_blob_writer_new (s, &w, err) < 0)
    return -1;
  sink.w = w;
  r.sink = blob_sink_write;
  r.sink_ctx = &sink;
  if (reg_request (c, "GET", path, NULL, NULL, &r, err) < 0)
    return oci_error_prefix (err, "blob %s", d->digest);
  if (r.status != 200)
    return reg_http_failure (c, "GET", path, &r, err);
  if (bld_blob_writer_commit (w, d->digest, NULL, &size, err) < 0)
    return oci_error_prefix (err, "blob %s from %s/%s", d->digest, c->host, repo);
  if (d->has_size && size != d->size)
    return oci_error_set (err, 0, "blob %s: %lld bytes, the descriptor says %lld", d->digest, (long long) size,
                          (long long) d->size);
  if (progress)
    progress (ctx, d->digest, REG_BLOB_DOWNLOADED, NULL);
  return 0;
}

/* GETs a manifest or index; verifies it against reference when that is a
 * digest.  *media_type from Content-Type, else from the document. */
static int
get_manifest (struct reg_client *c, const char *repo, const char *reference, char **text, size_t *len,
              char **media_type, char digest[OCI_DIGEST_STRING_MAX], struct oci_error *err)
{
  cleanup_response struct response r = { .body_max = OCI_JSON_FILE_MAX };
  cleanup_free char *path = NULL;
  const char *headers[] = { manifest_accept, NULL };

  *text = *media_type = NULL;
  if (asprintf (&path, "/v2/%s/manifests/%s", repo, reference) < 0)
    return oci_error_set (err, ENOMEM, "manifest");
  if (reg_request (c, "GET", path, headers, NULL, &r, err) < 0)
    return -1;
  if (r.status != 200)
    return reg_http_failure (c, "GET", path, &r, err);
  if (r.body_too_large)
    return oci_error_set (err, 0, "manifest %s: too large", reference);
  if (oci_digest_buffer (r.body.s ? r.body.s : "", r.body.len, digest, err) < 0)
    return -1;
  if (oci_digest_is_valid (reference) && strcmp (reference, digest) != 0)
    return oci_error_set (err, 0, "manifest %s: digest mismatch: the registry sent %s", reference, digest);
  if (r.docker_digest && oci_digest_is_valid (r.docker_digest) && strncmp (r.docker_digest, "sha256:", 7) == 0
      && strcmp (r.docker_digest, digest) != 0)
    return oci_error_set (err, 0, "manifest %s: digest mismatch: Docker-Content-Digest says %s, the content is %s",
                          reference, r.docker_digest, digest);
  if (r.content_type)
    r.content_type[strcspn (r.content_type, "; ")] = '\0';
  if (r.content_type
      && (strcmp (r.content_type, OCI_MEDIA_TYPE_IMAGE_MANIFEST) == 0
          || strcmp (r.content_type, DOCKER_MEDIA_TYPE_MANIFEST) == 0 || bld_is_index_media_type (r.content_type)))
    *media_type = oci_steal_pointer (&r.content_type);
  else
    {
      cleanup_json struct json_value *root = NULL;
      struct json_value *mt;
      if (json_parse (r.body.s ? r.body.s : "", r.body.len, &root, err) < 0)
        return oci_error_prefix (err, "manifest %s", reference);
      mt = json_object_get (root, "mediaType");
      if (mt && mt->type == JSON_STRING)
        *media_type = strdup (mt->u.string);
      else
        *media_type = strdup (json_object_get (root, "manifests") ? OCI_MEDIA_TYPE_IMAGE_INDEX
                                                                  : OCI_MEDIA_TYPE_IMAGE_MANIFEST);
      if (*media_type == NULL)
        return oci_error_set (err, ENOMEM, "manifest");
    }
  *len = r.body.len;
  *text = r.body.s ? oci_steal_pointer (&r.body.s) : strdup ("");
  r.body = (struct strbuf) STRBUF_INIT;
  if (*text == NULL)
    return oci_error_set (err, ENOMEM, "manifest");
  return 0;
}

/* The index's manifest for want (NULL: linux on this host's architecture). */
static int
pick_platform (const char *what, const char *text, size_t len, const struct bld_platform *want, char **digest,
               struct oci_error *err)
{
  cleanup_image_index struct oci_image_index *idx = NULL;
  size_t i;

  if (oci_image_index_parse_text (what, text, len, &idx, err) < 0 || bld_platform_pick (idx, want, what, &i, err) < 0)
    return -1;
  if ((*digest = strdup (idx->manifests[i].digest)) == NULL)
    return oci_error_set (err, ENOMEM, "index");
  return 0;
}

int
reg_pull (struct bld_store *s, const char *ref, const char *name, const struct reg_options *o,
          reg_progress_fn progress, void *ctx, char **digest, struct oci_error *err)
{
  cleanup_reference struct bld_reference r = { 0 };
  cleanup_reg_client struct reg_client *c = NULL;
  cleanup_free char *text = NULL;
  cleanup_free char *media_type = NULL;
  cleanup_free char *target = NULL;
  cleanup_image_manifest struct oci_image_manifest *m = NULL;
  char got[OCI_DIGEST_STRING_MAX], stored[OCI_DIGEST_STRING_MAX];
  struct oci_image_descriptor desc = { 0 };
  size_t len;
  int64_t size;
  cleanup_free char **blobs = NULL;

  *digest = NULL;
  if (reg_ref_parse (ref, &r, err) < 0)
    return -1;
  if (name)
    target = strdup (name);
  else if (r.digest)
    return oci_error_set (err, 0, "pull %s: a pull by digest needs a NAME to store the image under", ref);
  else if (asprintf (&target, "%s/%s:%s", r.host, r.repo, r.tag) < 0)
    target = NULL;
  if (target == NULL)
    return oci_error_set (err, ENOMEM, "pull %s", ref);
  {
    cleanup_free char *canonical = NULL;
    if (bld_ref_normalize (target, &canonical, err) < 0)
      return -1;
  }
  if (reg_client_new (r.host, o, &c, err) < 0
      || get_manifest (c, r.repo, r.tag ? r.tag : r.digest, &text, &len, &media_type, got, err) < 0)
    return oci_error_prefix (err, "pull %s", ref);
  if (bld_is_index_media_type (media_type))
    {
      cleanup_free char *child = NULL;
      if (pick_platform (got, text, len, o->platform, &child, err) < 0)
        return oci_error_prefix (err, "pull %s", ref);
      free (text);
      free (media_type);
      text = media_type = NULL;
      if (get_manifest (c, r.repo, child, &text, &len, &media_type, got, err) < 0)
        return oci_error_prefix (err, "pull %s", ref);
      if (bld_is_index_media_type (media_type))
        return oci_error_set (err, 0, "pull %s: %s: an index inside an index", ref, child);
    }
  if (oci_image_manifest_parse_text (got, text, len, &m, err) < 0)
    return oci_error_prefix (err, "pull %s", ref);
  for (size_t i = 0; i < m->layers_len; i++)
    if (fetch_blob (c, s, r.repo, &m->layers[i], progress, ctx, err) < 0)
      return oci_error_prefix (err, "pull %s", ref);
  if (fetch_blob (c, s, r.repo, m->config, progress, ctx, err) < 0)
    return oci_error_prefix (err, "pull %s", ref);
  if (bld_store_put_buffer (s, text, len, stored, &size, err) < 0)
    return oci_error_prefix (err, "pull %s", ref);
  desc.media_type = media_type;
  desc.digest = stored;
  desc.size = size;
  desc.has_size = true;
  if (bld_store_tag (s, target, &desc, err) < 0)
    return oci_error_prefix (err, "pull %s", ref);
  /* Remember where the blobs are, for later cross-repository mounts. */
  blobs = calloc (m->layers_len + 1, sizeof *blobs);
  if (blobs == NULL)
    return oci_error_set (err, ENOMEM, "pull %s", ref);
  for (size_t i = 0; i < m->layers_len; i++)
    blobs[i] = m->layers[i].digest;
  blobs[m->layers_len] = m->config->digest;
  if (memory_add (s, r.host, r.repo, blobs, m->layers_len + 1, err) < 0)
    return oci_error_prefix (err, "pull %s", ref);
  if ((*digest = strdup (stored)) == NULL)
    return oci_error_set (err, ENOMEM, "pull %s", ref);
  return 0;
}

/* ---- one repository, for other documents than images (the build cache) ---- */

struct reg_repo
{
  struct bld_reference r;
  struct reg_client *c;
  struct push p;
  size_t uploaded;
};

static void
repo_count (void *ctx, const char *digest, enum reg_blob_outcome outcome, const char *detail)
{
  struct reg_repo *rp = ctx;
  (void) digest;
  (void) detail;
  if (outcome == REG_BLOB_UPLOADED || outcome == REG_BLOB_UPLOADED_CHUNKED)
    rp->uploaded++;
}

int
reg_repo_open (const char *ref, const struct reg_options *o, struct reg_repo **out, struct oci_error *err)
{
  struct reg_repo *rp = calloc (1, sizeof *rp);
  if (rp == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (reg_ref_parse (ref, &rp->r, err) < 0 || reg_client_new (rp->r.host, o, &rp->c, err) < 0)
    {
      reg_repo_free (rp);
      return -1;
    }
  rp->p.c = rp->c;
  rp->p.repo = rp->r.repo;
  rp->p.progress = repo_count;
  rp->p.ctx = rp;
  *out = rp;
  return 0;
}

void
reg_repo_free (struct reg_repo *rp)
{
  if (rp == NULL)
    return;
  for (size_t i = 0; i < rp->p.n_done; i++)
    free (rp->p.done[i]);
  free (rp->p.done);
  reg_client_free (rp->c);
  bld_reference_clear (&rp->r);
  free (rp);
}

void
reg_repo_freep (struct reg_repo **rp)
{
  reg_repo_free (*rp);
}

int
reg_repo_get_manifest (struct reg_repo *rp, const struct bld_platform *want, char **text, size_t *len,
                       char digest[OCI_DIGEST_STRING_MAX], struct oci_error *err)
{
  cleanup_free char *media_type = NULL;
  if (get_manifest (rp->c, rp->r.repo, rp->r.tag ? rp->r.tag : rp->r.digest, text, len, &media_type, digest, err) < 0)
    return -1;
  if (!bld_is_index_media_type (media_type))
    return 0;
  cleanup_free char *child = NULL;
  cleanup_free char *index = steal_pointer (text);
  free (steal_pointer (&media_type));
  if (pick_platform (digest, index, *len, want, &child, err) < 0
      || get_manifest (rp->c, rp->r.repo, child, text, len, &media_type, digest, err) < 0)
    return -1;
  if (bld_is_index_media_type (media_type))
    {
      free (steal_pointer (text));
      return oci_error_set (err, 0, "%s: an index inside an index", child);
    }
  return 0;
}

int
reg_repo_fetch_blob (struct reg_repo *rp, struct bld_store *s, const struct oci_image_descriptor *d,
                     struct oci_error *err)
{
  return fetch_blob (rp->c, s, rp->r.repo, d, NULL, NULL, err);
}

int
reg_repo_push_blob (struct reg_repo *rp, struct bld_store *s, const struct oci_image_descriptor *d,
                    struct oci_error *err)
{
  rp->p.s = s;
  return push_blob (&rp->p, d, err);
}

size_t
reg_repo_uploaded (const struct reg_repo *rp)
{
  return rp->uploaded;
}

int
reg_repo_put_manifest (struct reg_repo *rp, const char *media_type, const char *text, size_t len,
                       struct oci_error *err)
{
  return put_manifest (&rp->p, rp->r.tag ? rp->r.tag : rp->r.digest, media_type, text, len, err);
}

int
reg_repo_put_manifest_at (struct reg_repo *rp, const char *reference, const char *media_type, const char *text,
                          size_t len, struct oci_error *err)
{
  return put_manifest (&rp->p, reference, media_type, text, len, err);
}
