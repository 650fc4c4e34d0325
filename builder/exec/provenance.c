/* build --provenance: what the image was built from, as an OCI artifact
 * that refers to it (image-spec 1.1: a manifest whose subject is the
 * image's manifest).  The record (media type BLD_PROVENANCE_MEDIA_TYPE):
 *   {"builder":{"version":V},"created":RFC3339,
 *    "recipe":{"path":P,"digest":D},"context":{"digest":D},
 *    "bases":["REF@DIGEST",...],"buildArgs":["K=V",...],
 *    "image":{"digest":MANIFEST}}
 * The context digest is the sha256 of a walk of the context in name order:
 * for each entry its path, type, mode and (files) content digest or
 * (links) target, one line each; what the context's ignore file excludes
 * is left out, as the build leaves it out (a directory with what is in
 * it).
 * The artifact's manifest gets an unnamed index.json entry with its
 * artifactType: `prune` keeps it while it keeps the subject
 * (store_prune.c), `images` does not list it. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "digest.h"
#include "json.h"
#include "exec/provenance.h"
#include "common/fs.h"
#include "frontend/ignore.h"
#include "distribution/reference.h"
#include "distribution/registry.h"
#include "image/store.h"

static int
digest_fd (int fd, char out[OCI_DIGEST_STRING_MAX], struct oci_error *err)
{
  struct oci_digester *d = NULL;
  char buf[65536];
  ssize_t n;
  int ret = oci_digester_new (OCI_DIGEST_SHA256, &d, err);
  while (ret == 0 && (n = read (fd, buf, sizeof buf)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        ret = oci_error_set (err, errno, "read");
      else
        ret = oci_digester_update (d, buf, (size_t) n, err);
    }
  if (ret == 0)
    ret = oci_digester_final (d, out, err);
  oci_digester_free (d);
  return ret;
}

int
bld_file_digest (const char *path, char out[OCI_DIGEST_STRING_MAX], struct oci_error *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return oci_error_set (err, errno, "open %s", path);
  if (digest_fd (fd, out, err) < 0)
    return oci_error_prefix (err, "%s", path);
  return 0;
}

/* The directory name of dirfd, rel its path from the context's top. */
static int
walk (struct oci_digester *d, const struct ignore *ig, int dirfd, const char *name_in, const char *rel,
      struct oci_error *err)
{
  struct dirent **names = NULL;
  int n, ret = 0;
  cleanup_close int fd = openat (dirfd, name_in, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return oci_error_set (err, errno, "open %s", rel);
  if ((n = scandirat (fd, ".", &names, NULL, alphasort)) < 0)
    return oci_error_set (err, errno, "read the directory %s", rel);
  for (int i = 0; i < n; i++)
    {
      const char *name = names[i]->d_name;
      cleanup_free char *path = NULL, *line = NULL, *target = NULL;
      char what[OCI_DIGEST_STRING_MAX] = "";
      struct stat st;
      bool ex = false;
      if (ret < 0 || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
        continue;
      if (asprintf (&path, "%s/%s", rel, name) < 0)
        path = NULL;
      if (path != NULL && ignore_match (ig, path, &ex) < 0)
        {
          ret = oci_error_set (err, ENOMEM, "out of memory");
          continue;
        }
      if (ex)
        continue;
      if (path == NULL || fstatat (fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          ret = oci_error_set (err, path ? errno : ENOMEM, "stat %s", path ? path : name);
          continue;
        }
      if (S_ISREG (st.st_mode))
        {
          cleanup_close int f = openat (fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
          if (f < 0 || digest_fd (f, what, err) < 0)
            ret = f < 0 ? oci_error_set (err, errno, "open %s", path) : oci_error_prefix (err, "%s", path);
        }
      else if (S_ISLNK (st.st_mode) && (target = cmn_readlinkat (fd, name)) == NULL)
        ret = oci_error_set (err, errno, "readlink %s", path);
      if (ret == 0 && asprintf (&line, "%s %o %s\n", path, (unsigned) st.st_mode, target ? target : what) < 0)
        {
          line = NULL;
          ret = oci_error_set (err, ENOMEM, "out of memory");
        }
      if (ret == 0)
        ret = oci_digester_update (d, line, strlen (line), err);
      if (ret == 0 && S_ISDIR (st.st_mode))
        ret = walk (d, ig, fd, name, path, err);
    }
  for (int i = 0; i < n; i++)
    free (names[i]);
  free (names);
  return ret;
}

int
bld_context_digest (const char *context, char out[OCI_DIGEST_STRING_MAX], struct oci_error *err)
{
  struct oci_digester *d = NULL;
  cleanup_ignore struct ignore *ig = NULL;
  cleanup_close int fd = open (context, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return oci_error_set (err, errno, "open the context %s", context);
  int ret = ignore_load_context (context, &ig, err);
  if (ret == 0)
    ret = oci_digester_new (OCI_DIGEST_SHA256, &d, err);
  if (ret == 0)
    ret = walk (d, ig, fd, ".", ".", err);
  if (ret == 0)
    ret = oci_digester_final (d, out, err);
  oci_digester_free (d);
  return ret < 0 ? oci_error_prefix (err, "the context's digest") : 0;
}

void
bld_json_gen_strv (struct json_gen *g, const char *key, char *const *v, size_t n)
{
  json_gen_key (g, key);
  json_gen_begin_array (g);
  for (size_t i = 0; i < n; i++)
    json_gen_string (g, v[i]);
  json_gen_end_array (g);
}

static void
gen_digest_object (struct json_gen *g, const char *key, const char *path, const char *digest)
{
  json_gen_key (g, key);
  json_gen_begin_object (g);
  if (path)
    {
      json_gen_key (g, "path");
      json_gen_string (g, path);
    }
  json_gen_key (g, "digest");
  json_gen_string (g, digest);
  json_gen_end_object (g);
}

int
bld_provenance_doc (const struct bld_provenance *p, char **out, size_t *len, struct oci_error *err)
{
  cleanup_json_gen struct json_gen *g = json_gen_new (false);
  if (g == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  json_gen_begin_object (g);
  json_gen_key (g, "builder");
  json_gen_begin_object (g);
  json_gen_key (g, "version");
  json_gen_string (g, p->builder_version);
  json_gen_end_object (g);
  json_gen_key (g, "created");
  json_gen_string (g, p->created);
  gen_digest_object (g, "recipe", p->recipe_path, p->recipe_digest);
  gen_digest_object (g, "context", NULL, p->context_digest);
  bld_json_gen_strv (g, "bases", p->bases, p->bases_len);
  bld_json_gen_strv (g, "buildArgs", p->build_args, p->build_args_len);
  gen_digest_object (g, "image", NULL, p->image_digest);
  json_gen_end_object (g);
  return json_gen_finish (g, out, len, err);
}

/* A descriptor, as the value of key (NULL: in an array). */
static void
gen_descriptor (struct json_gen *g, const char *key, const char *media_type, const char *digest, int64_t size,
                const char *artifact_type)
{
  if (key)
    json_gen_key (g, key);
  json_gen_begin_object (g);
  json_gen_key (g, "mediaType");
  json_gen_string (g, media_type);
  json_gen_key (g, "digest");
  json_gen_string (g, digest);
  json_gen_key (g, "size");
  json_gen_int64 (g, size);
  if (artifact_type)
    {
      json_gen_key (g, "artifactType");
      json_gen_string (g, artifact_type);
    }
  json_gen_end_object (g);
}

int
bld_provenance_manifest (const struct oci_image_descriptor *subject, const char *doc_digest, int64_t doc_size,
                         char **out, size_t *len, struct oci_error *err)
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
  json_gen_string (g, BLD_PROVENANCE_MEDIA_TYPE);
  gen_descriptor (g, "config", OCI_MEDIA_TYPE_EMPTY_JSON, BLD_EMPTY_JSON_DIGEST, 2, NULL);
  json_gen_key (g, "layers");
  json_gen_begin_array (g);
  gen_descriptor (g, NULL, BLD_PROVENANCE_MEDIA_TYPE, doc_digest, doc_size, NULL);
  json_gen_end_array (g);
  gen_descriptor (g, "subject", subject->media_type, subject->digest, subject->size, NULL);
  json_gen_end_object (g);
  return json_gen_finish (g, out, len, err);
}

/* The referrers fallback (distribution spec): an index under the tag
 * sha256-HEX of the subject listing the artifact. */
static int
fallback_index (const char *manifest_digest, size_t manifest_size, char **out, size_t *len, struct oci_error *err)
{
  cleanup_json_gen struct json_gen *g = json_gen_new (false);
  if (g == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  json_gen_begin_object (g);
  json_gen_key (g, "schemaVersion");
  json_gen_int64 (g, 2);
  json_gen_key (g, "mediaType");
  json_gen_string (g, OCI_MEDIA_TYPE_IMAGE_INDEX);
  json_gen_key (g, "manifests");
  json_gen_begin_array (g);
  gen_descriptor (g, NULL, OCI_MEDIA_TYPE_IMAGE_MANIFEST, manifest_digest, (int64_t) manifest_size,
                  BLD_PROVENANCE_MEDIA_TYPE);
  json_gen_end_array (g);
  json_gen_end_object (g);
  return json_gen_finish (g, out, len, err);
}

/* host/repo + sep + what, from ref. */
static int
repo_ref (const char *ref, const char *sep, const char *what, char **out, struct oci_error *err)
{
  struct bld_reference r = { 0 };
  if (bld_reference_parse (ref, &r, err) < 0)
    return -1;
  int n = asprintf (out, "%s/%s%s%s", r.host, r.repo, sep, what);
  bld_reference_clear (&r);
  if (n < 0)
    {
      *out = NULL;
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

static int
push_one (struct bld_store *s, const char *ref, const struct oci_image_descriptor *blobs, size_t n_blobs,
          const char *manifest, size_t manifest_len, const char *manifest_digest, const char *subject_digest,
          bool tls_verify, struct oci_error *err)
{
  struct reg_options o = { .tls_verify = tls_verify };
  cleanup_free char *by_digest = NULL, *by_tag = NULL, *tag = NULL, *index = NULL;
  cleanup_reg_repo struct reg_repo *rp = NULL;
  cleanup_reg_repo struct reg_repo *tp = NULL;
  size_t index_len;

  if (asprintf (&tag, "sha256-%s", subject_digest + strlen ("sha256:")) < 0)
    {
      tag = NULL;
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  if (repo_ref (ref, "@", manifest_digest, &by_digest, err) < 0 || repo_ref (ref, ":", tag, &by_tag, err) < 0
      || reg_repo_open (by_digest, &o, &rp, err) < 0)
    return -1;
  for (size_t i = 0; i < n_blobs; i++)
    if (reg_repo_push_blob (rp, s, &blobs[i], err) < 0)
      return -1;
  if (reg_repo_put_manifest (rp, OCI_MEDIA_TYPE_IMAGE_MANIFEST, manifest, manifest_len, err) < 0)
    return -1;
  if (fallback_index (manifest_digest, manifest_len, &index, &index_len, err) < 0
      || reg_repo_open (by_tag, &o, &tp, err) < 0
      || reg_repo_put_manifest (tp, OCI_MEDIA_TYPE_IMAGE_INDEX, index, index_len, err) < 0)
    return -1;
  return 0;
}

int
bld_provenance_attach (struct bld_store *s, const struct bld_provenance *p,
                       const struct oci_image_descriptor *subject, char *const *push_refs, size_t n_push,
                       bool tls_verify, char digest[OCI_DIGEST_STRING_MAX], struct oci_error *err)
{
  cleanup_free char *doc = NULL, *manifest = NULL;
  size_t doc_len, manifest_len;
  char doc_digest[OCI_DIGEST_STRING_MAX], empty_digest[OCI_DIGEST_STRING_MAX];
  struct oci_image_descriptor blobs[2] = { { .media_type = (char *) OCI_MEDIA_TYPE_EMPTY_JSON, .size = 2 },
                                           { .media_type = (char *) BLD_PROVENANCE_MEDIA_TYPE } };

  if (bld_provenance_doc (p, &doc, &doc_len, err) < 0
      || bld_store_put_buffer (s, "{}", 2, empty_digest, NULL, err) < 0
      || bld_store_put_buffer (s, doc, doc_len, doc_digest, NULL, err) < 0
      || bld_provenance_manifest (subject, doc_digest, (int64_t) doc_len, &manifest, &manifest_len, err) < 0
      || bld_store_put_buffer (s, manifest, manifest_len, digest, NULL, err) < 0)
    return oci_error_prefix (err, "provenance");
  /* Unnamed, found by its artifactType: prune keeps it with its subject. */
  struct oci_image_descriptor entry = { .media_type = (char *) OCI_MEDIA_TYPE_IMAGE_MANIFEST,
                                        .digest = digest,
                                        .size = (int64_t) manifest_len,
                                        .has_size = true,
                                        .artifact_type = (char *) BLD_PROVENANCE_MEDIA_TYPE };
  if (bld_store_index_put (s, &entry, NULL, err) < 0)
    return oci_error_prefix (err, "provenance");
  blobs[0].digest = empty_digest;
  blobs[1].digest = doc_digest;
  blobs[1].size = (int64_t) doc_len;
  for (size_t i = 0; i < n_push; i++)
    if (push_one (s, push_refs[i], blobs, 2, manifest, manifest_len, digest, subject->digest, tls_verify, err) < 0)
      return oci_error_prefix (err, "provenance: push to %s", push_refs[i]);
  return 0;
}
