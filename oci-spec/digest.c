/* Content digests: see digest.h. */
#include "config.h"
#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cleanup.h"

/* ---- parsing ---- */

static bool
is_lower_alnum (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
is_lower_hex (char c)
{
  return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9');
}

static bool
is_encoded_char (char c)
{
  return is_lower_alnum (c) || (c >= 'A' && c <= 'Z') || c == '=' || c == '_' || c == '-';
}

static const struct
{
  const char *name;
  enum oci_digest_algorithm alg;
  size_t hex_len;
} registered[] = {
  { "sha256", OCI_DIGEST_SHA256, 64 },
  { "sha512", OCI_DIGEST_SHA512, 128 },
  { "blake3", OCI_DIGEST_BLAKE3, 64 },
};

/* Checks s; on success *colon is the offset of the ':' and *alg the
 * algorithm.  The message names what is wrong, without the digest itself. */
static int
check_digest (const char *s, size_t *colon, enum oci_digest_algorithm *alg, struct oci_error *err)
{
  const char *sep = strchr (s, ':');
  size_t alg_len, enc_len;
  const char *enc;

  if (sep == NULL)
    return oci_error_set (err, 0, "missing ':' between algorithm and encoded part");
  alg_len = (size_t) (sep - s);
  if (alg_len == 0)
    return oci_error_set (err, 0, "empty algorithm");
  /* algorithm ::= component (separator component)*; component ::= [a-z0-9]+ */
  for (size_t i = 0; i < alg_len; i++)
    {
      char c = s[i];
      if (is_lower_alnum (c))
        continue;
      if (c != '+' && c != '.' && c != '_' && c != '-')
        return oci_error_set (err, 0, "invalid character '%c' in algorithm", c);
      if (i == 0 || i == alg_len - 1 || !is_lower_alnum (s[i - 1]))
        return oci_error_set (err, 0, "algorithm separator '%c' must sit between two components", c);
    }
  enc = sep + 1;
  enc_len = strlen (enc);
  if (enc_len == 0)
    return oci_error_set (err, 0, "empty encoded part");
  for (size_t i = 0; i < enc_len; i++)
    if (!is_encoded_char (enc[i]))
      return oci_error_set (err, 0, "invalid character '%c' in encoded part", enc[i]);

  *alg = OCI_DIGEST_OTHER;
  for (size_t r = 0; r < sizeof (registered) / sizeof (registered[0]); r++)
    {
      if (strlen (registered[r].name) != alg_len || memcmp (s, registered[r].name, alg_len) != 0)
        continue;
      if (enc_len != registered[r].hex_len)
        return oci_error_set (err, 0, "%s wants %zu lowercase hex digits, got %zu characters", registered[r].name,
                              registered[r].hex_len, enc_len);
      for (size_t i = 0; i < enc_len; i++)
        if (!is_lower_hex (enc[i]))
          return oci_error_set (err, 0, "%s wants lowercase hex digits, got '%c'", registered[r].name, enc[i]);
      *alg = registered[r].alg;
    }
  *colon = alg_len;
  return 0;
}

int
oci_digest_parse (const char *s, struct oci_digest *out, struct oci_error *err)
{
  enum oci_digest_algorithm alg;
  size_t colon;
  char *buf;

  memset (out, 0, sizeof (*out));
  if (check_digest (s, &colon, &alg, err) < 0)
    return oci_error_prefix (err, "invalid digest \"%s\"", s);
  buf = strdup (s);
  if (buf == NULL)
    return oci_error_set (err, ENOMEM, "parse digest");
  buf[colon] = '\0';
  out->alg = alg;
  out->algorithm = buf;
  out->encoded = buf + colon + 1;
  return 0;
}

void
oci_digest_clear (struct oci_digest *d)
{
  free (d->algorithm);
  d->algorithm = NULL;
  d->encoded = NULL;
  d->alg = OCI_DIGEST_OTHER;
}

int
oci_digest_validate (const char *s, struct oci_error *err)
{
  enum oci_digest_algorithm alg;
  size_t colon;

  if (check_digest (s, &colon, &alg, err) < 0)
    return oci_error_prefix (err, "invalid digest \"%s\"", s);
  return 0;
}

bool
oci_digest_is_valid (const char *s)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  return oci_digest_validate (s, &err) == 0;
}

bool
oci_digest_algorithm_supported (enum oci_digest_algorithm alg)
{
  return alg == OCI_DIGEST_SHA256 || alg == OCI_DIGEST_SHA512;
}

/* ---- computing ---- */

struct oci_digester
{
  EVP_MD_CTX *ctx;
  const char *name;
  uint64_t size;
  bool finished;
};

int
oci_digester_new (enum oci_digest_algorithm alg, struct oci_digester **out, struct oci_error *err)
{
  struct oci_digester *d;
  const EVP_MD *md;
  const char *name;

  *out = NULL;
  switch (alg)
    {
    case OCI_DIGEST_SHA256:
      md = EVP_sha256 ();
      name = "sha256";
      break;
    case OCI_DIGEST_SHA512:
      md = EVP_sha512 ();
      name = "sha512";
      break;
    default:
      return oci_error_set (err, 0, "unsupported digest algorithm");
    }
  d = calloc (1, sizeof (*d));
  if (d == NULL)
    return oci_error_set (err, ENOMEM, "new digester");
  d->name = name;
  d->ctx = EVP_MD_CTX_new ();
  if (d->ctx == NULL || EVP_DigestInit_ex (d->ctx, md, NULL) != 1)
    {
      oci_digester_free (d);
      return oci_error_set (err, 0, "cannot initialize %s", name);
    }
  *out = d;
  return 0;
}

int
oci_digester_update (struct oci_digester *d, const void *buf, size_t len, struct oci_error *err)
{
  if (d->finished)
    return oci_error_set (err, 0, "%s digester already finished", d->name);
  if (len > 0 && EVP_DigestUpdate (d->ctx, buf, len) != 1)
    return oci_error_set (err, 0, "%s update failed", d->name);
  d->size += len;
  return 0;
}

int
oci_digester_final (struct oci_digester *d, char out[OCI_DIGEST_STRING_MAX], struct oci_error *err)
{
  static const char hex[] = "0123456789abcdef";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  size_t pos;

  if (d->finished)
    return oci_error_set (err, 0, "%s digester already finished", d->name);
  d->finished = true;
  if (EVP_DigestFinal_ex (d->ctx, md, &md_len) != 1)
    return oci_error_set (err, 0, "%s final failed", d->name);
  pos = strlen (d->name);
  if (pos + 1 + 2 * (size_t) md_len + 1 > OCI_DIGEST_STRING_MAX)
    return oci_error_set (err, 0, "%s: digest too long", d->name);
  memcpy (out, d->name, pos);
  out[pos++] = ':';
  for (unsigned int i = 0; i < md_len; i++)
    {
      out[pos++] = hex[md[i] >> 4];
      out[pos++] = hex[md[i] & 0xf];
    }
  out[pos] = '\0';
  return 0;
}

uint64_t
oci_digester_size (const struct oci_digester *d)
{
  return d->size;
}

void
oci_digester_free (struct oci_digester *d)
{
  if (d == NULL)
    return;
  EVP_MD_CTX_free (d->ctx);
  free (d);
}

void
oci_digester_freep (struct oci_digester **d)
{
  oci_digester_free (*d);
}

int
oci_digest_buffer (const void *buf, size_t len, char out[OCI_DIGEST_STRING_MAX], struct oci_error *err)
{
  cleanup_digester struct oci_digester *d = NULL;

  if (oci_digester_new (OCI_DIGEST_SHA256, &d, err) < 0 || oci_digester_update (d, buf, len, err) < 0)
    return -1;
  return oci_digester_final (d, out, err);
}

static ssize_t
read_fd (void *ctx, void *buf, size_t n, struct oci_error *err)
{
  int fd = *(int *) ctx;
  for (;;)
    {
      ssize_t got = read (fd, buf, n);
      if (got >= 0)
        return got;
      if (errno != EINTR)
        return oci_error_set (err, errno, "read");
    }
}

int
oci_digest_fd (int fd, char out[OCI_DIGEST_STRING_MAX], uint64_t *size, struct oci_error *err)
{
  cleanup_digester struct oci_digester *d = NULL;
  cleanup_free char *buf = malloc (65536);

  if (buf == NULL)
    return oci_error_set (err, ENOMEM, "digest");
  if (oci_digester_new (OCI_DIGEST_SHA256, &d, err) < 0)
    return -1;
  for (;;)
    {
      ssize_t got = read_fd (&fd, buf, 65536, err);
      if (got < 0)
        return -1;
      if (got == 0)
        break;
      if (oci_digester_update (d, buf, (size_t) got, err) < 0)
        return -1;
    }
  if (size)
    *size = oci_digester_size (d);
  return oci_digester_final (d, out, err);
}

/* A digester for the algorithm of the expected digest, or an error saying
 * why content cannot be checked against it. */
static int
digester_for (const char *expected, struct oci_digester **out, struct oci_error *err)
{
  cleanup_digest struct oci_digest d = { 0 };

  if (oci_digest_parse (expected, &d, err) < 0)
    return -1;
  if (!oci_digest_algorithm_supported (d.alg))
    return oci_error_set (err, 0, "cannot verify \"%s\": unsupported digest algorithm \"%s\"", expected, d.algorithm);
  return oci_digester_new (d.alg, out, err);
}

int
oci_digest_verify_buffer (const char *expected, const void *buf, size_t len, struct oci_error *err)
{
  cleanup_digester struct oci_digester *d = NULL;
  char actual[OCI_DIGEST_STRING_MAX];

  if (digester_for (expected, &d, err) < 0 || oci_digester_update (d, buf, len, err) < 0
      || oci_digester_final (d, actual, err) < 0)
    return -1;
  if (strcmp (actual, expected) != 0)
    return oci_error_set (err, 0, "digest mismatch: expected %s, got %s", expected, actual);
  return 0;
}

/* ---- verifying reader ---- */

struct oci_verify_reader
{
  oci_read_fn fn;
  void *ctx;
  int fd; /* for the fd flavour, ctx points here */
  char *what;
  char *expected;
  int64_t expected_size;
  uint64_t offset;
  struct oci_digester *digester;
  bool failed, done;
};

int
oci_verify_reader_new (oci_read_fn fn, void *ctx, const char *what, const char *expected_digest,
                       int64_t expected_size, struct oci_verify_reader **out, struct oci_error *err)
{
  cleanup_free struct oci_verify_reader *r = calloc (1, sizeof (*r));

  *out = NULL;
  if (r == NULL)
    return oci_error_set (err, ENOMEM, "%s", what);
  r->fn = fn;
  r->ctx = ctx;
  r->fd = -1;
  r->expected_size = expected_size;
  if (digester_for (expected_digest, &r->digester, err) < 0)
    return oci_error_prefix (err, "%s", what);
  r->what = strdup (what);
  r->expected = strdup (expected_digest);
  if (r->what == NULL || r->expected == NULL)
    {
      oci_verify_reader_free (steal_pointer (&r));
      return oci_error_set (err, ENOMEM, "%s", what);
    }
  *out = steal_pointer (&r);
  return 0;
}

int
oci_verify_reader_new_fd (int fd, const char *what, const char *expected_digest, int64_t expected_size,
                          struct oci_verify_reader **out, struct oci_error *err)
{
  if (oci_verify_reader_new (read_fd, NULL, what, expected_digest, expected_size, out, err) < 0)
    return -1;
  (*out)->fd = fd;
  (*out)->ctx = &(*out)->fd;
  return 0;
}

static ssize_t reader_fail (struct oci_verify_reader *r, struct oci_error *err, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

static ssize_t
reader_fail (struct oci_verify_reader *r, struct oci_error *err, const char *fmt, ...)
{
  va_list ap;
  r->failed = true;
  va_start (ap, fmt);
  oci_error_vset (err, 0, fmt, ap);
  va_end (ap);
  return oci_error_prefix (err, "%s", r->what);
}

static ssize_t
reader_finish (struct oci_verify_reader *r, struct oci_error *err)
{
  char actual[OCI_DIGEST_STRING_MAX];

  if (r->expected_size >= 0 && r->offset < (uint64_t) r->expected_size)
    return reader_fail (r, err, "size mismatch: expected %" PRId64 " bytes, got %" PRIu64, r->expected_size,
                        r->offset);
  if (oci_digester_final (r->digester, actual, err) < 0)
    {
      r->failed = true;
      return oci_error_prefix (err, "%s", r->what);
    }
  if (strcmp (actual, r->expected) != 0)
    return reader_fail (r, err, "digest mismatch: expected %s, got %s", r->expected, actual);
  r->done = true;
  return 0;
}

ssize_t
oci_verify_reader_read (struct oci_verify_reader *r, void *buf, size_t n, struct oci_error *err)
{
  size_t want = n;
  ssize_t got;

  if (r->failed)
    return oci_error_set (err, 0, "%s: read after a failed verification", r->what);
  if (r->done || n == 0)
    return 0;
  if (r->expected_size >= 0)
    {
      /* At most one byte past the end: enough to see an overlong input. */
      uint64_t left = (uint64_t) r->expected_size - r->offset;
      if (want > left + 1)
        want = (size_t) (left + 1);
    }
  got = r->fn (r->ctx, buf, want, err);
  if (got < 0)
    {
      r->failed = true;
      return oci_error_prefix (err, "%s", r->what);
    }
  if (got == 0)
    return reader_finish (r, err);
  if (r->expected_size >= 0 && r->offset + (uint64_t) got > (uint64_t) r->expected_size)
    return reader_fail (r, err, "size mismatch: expected %" PRId64 " bytes, got more", r->expected_size);
  if (oci_digester_update (r->digester, buf, (size_t) got, err) < 0)
    {
      r->failed = true;
      return oci_error_prefix (err, "%s", r->what);
    }
  r->offset += (uint64_t) got;
  return got;
}

uint64_t
oci_verify_reader_offset (const struct oci_verify_reader *r)
{
  return r->offset;
}

void
oci_verify_reader_free (struct oci_verify_reader *r)
{
  if (r == NULL)
    return;
  oci_digester_free (r->digester);
  free (r->what);
  free (r->expected);
  free (r);
}

void
oci_verify_reader_freep (struct oci_verify_reader **r)
{
  oci_verify_reader_free (*r);
}

int
oci_verify_fd (int fd, const char *what, const char *expected_digest, int64_t expected_size, struct oci_error *err)
{
  cleanup_verify_reader struct oci_verify_reader *r = NULL;
  cleanup_free char *buf = malloc (65536);

  if (buf == NULL)
    return oci_error_set (err, ENOMEM, "%s", what);
  if (oci_verify_reader_new_fd (fd, what, expected_digest, expected_size, &r, err) < 0)
    return -1;
  for (;;)
    {
      ssize_t got = oci_verify_reader_read (r, buf, 65536, err);
      if (got < 0)
        return -1;
      if (got == 0)
        return 0;
    }
}

int
oci_verify_file (const char *path, const char *expected_digest, int64_t expected_size, struct oci_error *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

  if (fd < 0)
    return oci_error_set (err, errno, "open %s", path);
  return oci_verify_fd (fd, path, expected_digest, expected_size, err);
}

int
oci_layout_blob_path (const char *layout_dir, const char *digest, char **out, struct oci_error *err)
{
  cleanup_digest struct oci_digest d = { 0 };

  *out = NULL;
  /* The grammar keeps '/' and ".." out of both parts: the path cannot
   * leave blobs/. */
  if (oci_digest_parse (digest, &d, err) < 0)
    return -1;
  if (asprintf (out, "%s/blobs/%s/%s", layout_dir, d.algorithm, d.encoded) < 0)
    {
      *out = NULL;
      return oci_error_set (err, ENOMEM, "blob path");
    }
  return 0;
}

int
oci_verify_layout_blob (const char *layout_dir, const char *digest, int64_t expected_size, struct oci_error *err)
{
  cleanup_free char *path = NULL;

  if (oci_layout_blob_path (layout_dir, digest, &path, err) < 0)
    return -1;
  return oci_verify_file (path, digest, expected_size, err);
}
