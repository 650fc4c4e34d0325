/* A client of the OCI distribution API (the Docker Registry HTTP API v2),
 * over libcurl: references, authentication (basic, bearer tokens from the
 * challenge's realm), blob and manifest operations, and the push and pull
 * of a store image.
 *
 * Transport: https with certificate verification; with tls_verify false,
 * certificates are not verified and plain http is tried when https fails
 * (skopeo's --tls-verify=false).  A loopback registry (localhost,
 * 127.0.0.0/8, ::1) is insecure so unless tls_verify was given, as docker
 * has them.  The scheme is chosen once, by the first request (GET /v2/);
 * when https fails where plain http answers, the error says so. */
#ifndef BUILDER_REGISTRY_H
#define BUILDER_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "digest.h"
#include "distribution/reference.h"
#include "image.h"
#include "image/layer_compress.h"

struct bld_store;
struct bld_platform;

/* A reference as the registry reads it (reference.h): the tag defaults to
 * "latest", and a digest, when there is one, wins over a tag (NULL then). */
int reg_ref_parse (const char *s, struct bld_reference *out, struct oci_error *err);

struct reg_options
{
  bool tls_verify;
  bool tls_verify_set;  /* tls_verify was asked for: loopback hosts verify too */
  const char *creds;    /* "USER:PASS" or NULL */
  const char *authfile; /* auth.json; NULL: the one in $XDG_RUNTIME_DIR/containers, if any */
  uint64_t chunk_size;  /* blobs above this go up in PATCH chunks; 0: a default */
  const char *from;     /* push: a repository of the same registry that may hold the blobs */
  /* push: how uncompressed layers go up (layer_compress.h) */
  struct bld_compress_options compress;
  /* pull: an index's entry for this platform (NULL: the host's) */
  const struct bld_platform *platform;
};

/* Credentials for host from an auth.json ({"auths":{"host":{"auth":
 * base64("user:pass")}}}): *user and *pass newly allocated, both NULL when the
 * file has none for host. */
int reg_authfile_lookup (const char *path, const char *host, char **user, char **pass, struct oci_error *err);

/* Whether the header line (len bytes, not NUL-terminated, as curl gives
 * it) is an HTTP status line; *status is its three-digit code, or 0 when
 * that is malformed. */
bool reg_status_line (const char *line, size_t len, long *status);

struct reg_client;
/* Whether host ("HOST[:PORT]", "[V6]:PORT") names the loopback: localhost,
 * an IPv4 address in 127.0.0.0/8, ::1. */
bool reg_host_is_loopback (const char *host);

int reg_client_new (const char *host, const struct reg_options *o, struct reg_client **out, struct oci_error *err);
void reg_client_free (struct reg_client *c);
void reg_client_freep (struct reg_client **c);
#define cleanup_reg_client __attribute__ ((cleanup (reg_client_freep)))

/* What happened to one blob of a push or pull, for the caller's progress
 * lines.  PRESENT: already at the destination (the registry's repository,
 * or the store). */
enum reg_blob_outcome
{
  REG_BLOB_PRESENT,
  REG_BLOB_MOUNTED,
  REG_BLOB_UPLOADED,
  REG_BLOB_UPLOADED_CHUNKED,
  REG_BLOB_DOWNLOADED,
};
typedef void (*reg_progress_fn) (void *ctx, const char *digest, enum reg_blob_outcome outcome, const char *detail);

/* Pushes the image store_ref names (a manifest, or an index with the
 * manifests of it that are in the store) to ref; *digest receives the
 * pushed manifest's digest. */
int reg_push (struct bld_store *s, const char *store_ref, const char *ref, const struct reg_options *o,
              reg_progress_fn progress, void *ctx, char **digest, struct oci_error *err);

/* Pulls ref (an index picks o->platform, default the host's) into the
 * store and names it name (NULL: the reference's own host/repo:tag; a pull by
 * digest then needs a name).  Docker schema2 manifests are kept as they
 * are.  *digest receives the stored manifest's digest. */
int reg_pull (struct bld_store *s, const char *ref, const char *name, const struct reg_options *o,
              reg_progress_fn progress, void *ctx, char **digest, struct oci_error *err);

/* One repository of a registry, for documents other than images (the
 * build's exported cache, exec/cache_remote.c): ref's host/repo, and its
 * tag or digest as the manifest's reference. */
struct reg_repo;
int reg_repo_open (const char *ref, const struct reg_options *o, struct reg_repo **out, struct oci_error *err);
void reg_repo_free (struct reg_repo *rp);
void reg_repo_freep (struct reg_repo **rp);
#define cleanup_reg_repo __attribute__ ((cleanup (reg_repo_freep)))
/* The manifest at the reference (an index: its entry for want, NULL: the
 * host's platform), verified against its digest when the reference is one. */
int reg_repo_get_manifest (struct reg_repo *rp, const struct bld_platform *want, char **text, size_t *len,
                           char digest[OCI_DIGEST_STRING_MAX], struct oci_error *err);
/* A blob of the repository into the store, verified (none when there). */
int reg_repo_fetch_blob (struct reg_repo *rp, struct bld_store *s, const struct oci_image_descriptor *d,
                         struct oci_error *err);
/* A blob of the store into the repository, unless a HEAD finds it there. */
int reg_repo_push_blob (struct reg_repo *rp, struct bld_store *s, const struct oci_image_descriptor *d,
                        struct oci_error *err);
/* How many blobs reg_repo_push_blob uploaded. */
size_t reg_repo_uploaded (const struct reg_repo *rp);
/* The manifest text under the reference. */
int reg_repo_put_manifest (struct reg_repo *rp, const char *media_type, const char *text, size_t len,
                           struct oci_error *err);
/* The manifest text under another reference of the repository (a digest). */
int reg_repo_put_manifest_at (struct reg_repo *rp, const char *reference, const char *media_type, const char *text,
                              size_t len, struct oci_error *err);

#endif
