/* Content digests (image-spec descriptor.md, "Digests"): computing them,
 * parsing and validating digest strings, and reading content while checking
 * it against an expected digest and size.
 *
 * A digest string is "<algorithm>:<encoded>".  Registered algorithms add
 * rules to the encoded part (sha256 and blake3: 64 lowercase hex digits,
 * sha512: 128); any other well-formed algorithm parses, but cannot be
 * verified.  SHA-256 and SHA-512 are computed (OpenSSL); BLAKE3 is not. */
#ifndef OCI_DIGEST_H
#define OCI_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

enum oci_digest_algorithm
{
  OCI_DIGEST_OTHER, /* well-formed, not registered by the spec */
  OCI_DIGEST_SHA256,
  OCI_DIGEST_SHA512,
  OCI_DIGEST_BLAKE3, /* registered, not implemented here */
};

/* Room for the longest digest this module computes: "sha512:" + 128 hex
 * digits + NUL. */
#define OCI_DIGEST_STRING_MAX 136

/* A parsed digest string. */
struct oci_digest
{
  enum oci_digest_algorithm alg;
  char *algorithm; /* e.g. "sha256"; owns the storage of both strings */
  char *encoded;   /* the part after ':' */
};

/* Parses s per the grammar and the registered algorithms' encoding rules.
 * Fills out (release with oci_digest_clear). */
int oci_digest_parse (const char *s, struct oci_digest *out, struct oci_error *err);
void oci_digest_clear (struct oci_digest *d);
#define cleanup_digest __attribute__ ((cleanup (oci_digest_clear)))

/* The same checks without keeping the parts. */
int oci_digest_validate (const char *s, struct oci_error *err);
bool oci_digest_is_valid (const char *s);

/* Whether content can be verified against digests of this algorithm. */
bool oci_digest_algorithm_supported (enum oci_digest_algorithm alg);

/* ---- computing ---- */

/* A streaming hash: new, any number of updates, final. */
struct oci_digester;
int oci_digester_new (enum oci_digest_algorithm alg, struct oci_digester **out, struct oci_error *err);
int oci_digester_update (struct oci_digester *d, const void *buf, size_t len, struct oci_error *err);
/* Writes "<algorithm>:<lowercase hex>" to out.  The digester cannot be
 * updated afterwards. */
int oci_digester_final (struct oci_digester *d, char out[OCI_DIGEST_STRING_MAX], struct oci_error *err);
/* Bytes hashed so far. */
uint64_t oci_digester_size (const struct oci_digester *d);
void oci_digester_free (struct oci_digester *d);
void oci_digester_freep (struct oci_digester **d);
#define cleanup_digester __attribute__ ((cleanup (oci_digester_freep)))

/* SHA-256 of a buffer, or of everything left to read on fd (its length in
 * *size when size is not NULL). */
int oci_digest_buffer (const void *buf, size_t len, char out[OCI_DIGEST_STRING_MAX], struct oci_error *err);
int oci_digest_fd (int fd, char out[OCI_DIGEST_STRING_MAX], uint64_t *size, struct oci_error *err);

/* Checks that buf has the expected digest (any supported algorithm). */
int oci_digest_verify_buffer (const char *expected, const void *buf, size_t len, struct oci_error *err);

/* ---- verifying reader ---- */

/* A source of bytes: returns the count read, 0 at end of input, or -1 after
 * filling err. */
typedef ssize_t (*oci_read_fn) (void *ctx, void *buf, size_t n, struct oci_error *err);

/* Passes content through while checking it.  It never asks its source for
 * more than one byte beyond the expected size, so an overlong input fails
 * as soon as the extra byte arrives, without reading the rest.  At end of
 * input it fails when the size is short or the digest differs.  Bytes handed
 * out before the end are not yet verified: consumers must discard them when
 * a later read fails. */
struct oci_verify_reader;

/* expected_size < 0 means "unknown": only the digest is checked.  "what"
 * names the content in error messages (a path, a digest). */
int oci_verify_reader_new (oci_read_fn fn, void *ctx, const char *what, const char *expected_digest,
                           int64_t expected_size, struct oci_verify_reader **out, struct oci_error *err);
/* Reads from fd (not closed by the reader). */
int oci_verify_reader_new_fd (int fd, const char *what, const char *expected_digest, int64_t expected_size,
                              struct oci_verify_reader **out, struct oci_error *err);
/* Returns bytes read (> 0), 0 at the end of verified content (or when n is
 * 0, without reading), -1 on a read error or a mismatch.  After -1 every
 * further call fails. */
ssize_t oci_verify_reader_read (struct oci_verify_reader *r, void *buf, size_t n, struct oci_error *err);
/* Bytes handed out so far. */
uint64_t oci_verify_reader_offset (const struct oci_verify_reader *r);
void oci_verify_reader_free (struct oci_verify_reader *r);
void oci_verify_reader_freep (struct oci_verify_reader **r);
#define cleanup_verify_reader __attribute__ ((cleanup (oci_verify_reader_freep)))

/* Reads the whole of fd / path through a verifying reader. */
int oci_verify_fd (int fd, const char *what, const char *expected_digest, int64_t expected_size,
                   struct oci_error *err);
int oci_verify_file (const char *path, const char *expected_digest, int64_t expected_size, struct oci_error *err);

/* The path of a blob in an OCI image layout: <layout>/blobs/<alg>/<encoded>. */
int oci_layout_blob_path (const char *layout_dir, const char *digest, char **out, struct oci_error *err);
/* Verifies the blob of that digest in an image layout (image-layout.md,
 * "Blobs": the content of blobs/<alg>/<encoded> MUST match the digest). */
int oci_verify_layout_blob (const char *layout_dir, const char *digest, int64_t expected_size, struct oci_error *err);

#endif
