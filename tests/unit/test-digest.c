/* Digests: known vectors, streaming, the digest grammar, the verifying
 * reader and blob verification in an image layout. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "digest.h"
#include "fileutil.h"
#include "tap.h"

#define SHA256_EMPTY "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA256_ABC "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
check_error (int r, struct oci_error *err, const char *want, const char *name)
{
  ok (r < 0 && err->msg && strcmp (err->msg, want) == 0, "%s", name);
  if (err->msg && strcmp (err->msg, want) != 0)
    diag ("got:  %s\n# want: %s", err->msg, want);
  oci_error_clear (err);
}

static void
test_vectors (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  char out[OCI_DIGEST_STRING_MAX];
  cleanup_free char *million = malloc (1000000);
  struct oci_digester *d = NULL;

  ok (oci_digest_buffer ("", 0, out, &err) == 0, "digest of the empty string");
  is_str (out, SHA256_EMPTY, "sha256 of \"\"");
  ok (oci_digest_buffer ("abc", 3, out, &err) == 0, "digest of abc");
  is_str (out, SHA256_ABC, "sha256 of \"abc\"");
  ok (oci_digest_buffer ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, out, &err) == 0,
      "digest of the 448-bit FIPS message");
  is_str (out, "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "sha256 of 448 bits");
  memset (million, 'a', 1000000);
  ok (oci_digest_buffer (million, 1000000, out, &err) == 0, "digest of a million a");
  is_str (out, "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "sha256 of a million a");

  ok (oci_digester_new (OCI_DIGEST_SHA512, &d, &err) == 0 && oci_digester_update (d, "abc", 3, &err) == 0
          && oci_digester_final (d, out, &err) == 0,
      "sha512 digester");
  is_str (out,
          "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
          "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
          "sha512 of \"abc\"");
  ok (oci_digester_size (d) == 3, "digester counts bytes");
  check_error (oci_digester_update (d, "x", 1, &err), &err, "sha512 digester already finished",
               "update after final fails");
  oci_digester_free (d);
  check_error (oci_digester_new (OCI_DIGEST_BLAKE3, &d, &err), &err, "unsupported digest algorithm",
               "no blake3 digester");
  ok (d == NULL, "no digester on failure");
}

static void
test_streaming (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  static const size_t chunks[] = { 1, 2, 3, 7, 13, 63, 64, 65, 127, 1000, 4099 };
  const size_t n = 100003;
  cleanup_free unsigned char *data = malloc (n);
  char one[OCI_DIGEST_STRING_MAX], fd_digest[OCI_DIGEST_STRING_MAX];
  char tmpl[] = "/tmp/test-digest-XXXXXX";
  cleanup_close int fd = -1;
  uint32_t x = 2463534242u;
  uint64_t size = 0;
  bool all_same = true;

  for (size_t i = 0; i < n; i++)
    {
      x ^= x << 13, x ^= x >> 17, x ^= x << 5;
      data[i] = (unsigned char) x;
    }
  ok (oci_digest_buffer (data, n, one, &err) == 0, "one-shot digest of 100003 bytes");
  for (size_t c = 0; c < sizeof (chunks) / sizeof (chunks[0]); c++)
    {
      cleanup_digester struct oci_digester *d = NULL;
      char streamed[OCI_DIGEST_STRING_MAX] = "";
      size_t step = chunks[c], off = 0;
      if (oci_digester_new (OCI_DIGEST_SHA256, &d, &err) < 0)
        break;
      /* Alternate the chunk size with a zero-length update. */
      while (off < n)
        {
          size_t len = off + step > n ? n - off : step;
          oci_digester_update (d, data + off, len, &err);
          oci_digester_update (d, data, 0, &err);
          off += len;
        }
      oci_digester_final (d, streamed, &err);
      if (strcmp (streamed, one) != 0)
        {
          all_same = false;
          diag ("chunk size %zu gives %s", step, streamed);
        }
    }
  ok (all_same, "streaming in odd chunk sizes equals one-shot");

  fd = mkstemp (tmpl);
  ok (fd >= 0 && oci_write_all (fd, data, n) == 0 && lseek (fd, 0, SEEK_SET) == 0, "temporary file");
  ok (oci_digest_fd (fd, fd_digest, &size, &err) == 0, "digest of a file descriptor");
  is_str (fd_digest, one, "fd digest equals buffer digest");
  ok (size == n, "fd digest reports the size");
  unlink (tmpl);
}

static const char *const valid_digests[] = {
  "sha256:" HEX64,
  "sha512:" HEX64 HEX64,
  "blake3:" HEX64,
  "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
  "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564",
  "a.b-c_d+e0:X==",
  "x:y",
};

static const struct
{
  const char *digest;
  const char *error;
} invalid_digests[] = {
  { "", "invalid digest \"\": missing ':' between algorithm and encoded part" },
  { "sha256", "invalid digest \"sha256\": missing ':' between algorithm and encoded part" },
  { ":" HEX64, "invalid digest \":" HEX64 "\": empty algorithm" },
  { "sha256:", "invalid digest \"sha256:\": empty encoded part" },
  { "SHA256:" HEX64, "invalid digest \"SHA256:" HEX64 "\": invalid character 'S' in algorithm" },
  { "sha256+:abc", "invalid digest \"sha256+:abc\": algorithm separator '+' must sit between two components" },
  { "-sha256:abc", "invalid digest \"-sha256:abc\": algorithm separator '-' must sit between two components" },
  { "a..b:abc", "invalid digest \"a..b:abc\": algorithm separator '.' must sit between two components" },
  { "sha 256:abc", "invalid digest \"sha 256:abc\": invalid character ' ' in algorithm" },
  { "alg:abc/def", "invalid digest \"alg:abc/def\": invalid character '/' in encoded part" },
  { "alg:abc:def", "invalid digest \"alg:abc:def\": invalid character ':' in encoded part" },
  { "alg:a+b", "invalid digest \"alg:a+b\": invalid character '+' in encoded part" },
  { "sha256:abc", "invalid digest \"sha256:abc\": sha256 wants 64 lowercase hex digits, got 3 characters" },
  { "sha256:" HEX64 "0",
    "invalid digest \"sha256:" HEX64 "0\": sha256 wants 64 lowercase hex digits, got 65 characters" },
  { "sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
    "invalid digest \"sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\": "
    "sha256 wants lowercase hex digits, got 'A'" },
  { "sha512:" HEX64,
    "invalid digest \"sha512:" HEX64 "\": sha512 wants 128 lowercase hex digits, got 64 characters" },
  { "blake3:" HEX64 HEX64,
    "invalid digest \"blake3:" HEX64 HEX64 "\": blake3 wants 64 lowercase hex digits, got 128 characters" },
};

static void
test_grammar (void)
{
  struct oci_error err = OCI_ERROR_INIT;

  for (size_t i = 0; i < sizeof (valid_digests) / sizeof (valid_digests[0]); i++)
    {
      bool valid = oci_digest_validate (valid_digests[i], &err) == 0 && oci_digest_is_valid (valid_digests[i]);
      ok (valid, "accepts %.40s", valid_digests[i]);
      if (!valid)
        diag ("%s", oci_error_msg (&err));
      oci_error_clear (&err);
    }
  for (size_t i = 0; i < sizeof (invalid_digests) / sizeof (invalid_digests[0]); i++)
    {
      ok (!oci_digest_is_valid (invalid_digests[i].digest), "is_valid rejects \"%.40s\"", invalid_digests[i].digest);
      check_error (oci_digest_validate (invalid_digests[i].digest, &err), &err, invalid_digests[i].error,
                   invalid_digests[i].error);
    }

  {
    cleanup_digest struct oci_digest d = { 0 };
    ok (oci_digest_parse ("sha256+b64u:LCa0a2j_xo", &d, &err) == 0, "parse an unregistered algorithm");
    is_str (d.algorithm, "sha256+b64u", "algorithm part");
    is_str (d.encoded, "LCa0a2j_xo", "encoded part");
    ok (d.alg == OCI_DIGEST_OTHER && !oci_digest_algorithm_supported (d.alg), "unregistered: not supported");
  }
  {
    cleanup_digest struct oci_digest d = { 0 };
    ok (oci_digest_parse ("sha512:" HEX64 HEX64, &d, &err) == 0 && d.alg == OCI_DIGEST_SHA512
            && oci_digest_algorithm_supported (d.alg),
        "parse sha512");
    oci_digest_clear (&d);
    check_error (oci_digest_parse ("nope", &d, &err), &err,
                 "invalid digest \"nope\": missing ':' between algorithm and encoded part", "parse failure");
    ok (d.algorithm == NULL, "nothing kept on failure");
  }

  ok (oci_digest_verify_buffer (SHA256_ABC, "abc", 3, &err) == 0, "verify a buffer");
  check_error (oci_digest_verify_buffer (SHA256_ABC, "abd", 3, &err), &err,
               "digest mismatch: expected " SHA256_ABC
               ", got sha256:a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9",
               "verify a buffer: mismatch");
  check_error (oci_digest_verify_buffer ("multihash+base58:QmRZ", "abc", 3, &err), &err,
               "cannot verify \"multihash+base58:QmRZ\": unsupported digest algorithm \"multihash+base58\"",
               "verify: unknown algorithm is unsupported");
  check_error (oci_digest_verify_buffer ("blake3:" HEX64, "abc", 3, &err), &err,
               "cannot verify \"blake3:" HEX64 "\": unsupported digest algorithm \"blake3\"",
               "verify: blake3 is unsupported");
}

/* A memory source that counts how much it was asked for. */
struct mem_source
{
  const char *data;
  size_t len, pos, max_chunk;
  size_t consumed;
};

static ssize_t
mem_read (void *ctx, void *buf, size_t n, struct oci_error *err)
{
  struct mem_source *m = ctx;
  size_t left = m->len - m->pos;
  (void) err;
  if (n > left)
    n = left;
  if (m->max_chunk && n > m->max_chunk)
    n = m->max_chunk;
  memcpy (buf, m->data + m->pos, n);
  m->pos += n;
  m->consumed += n;
  return (ssize_t) n;
}

static ssize_t
failing_read (void *ctx, void *buf, size_t n, struct oci_error *err)
{
  (void) ctx, (void) buf, (void) n;
  return oci_error_set (err, EIO, "read");
}

/* Reads the whole source through a verifying reader in chunks of "chunk";
 * returns 0 or -1 and the bytes handed out. */
static int
read_all (struct mem_source *m, const char *digest, int64_t size, size_t chunk, size_t *total, struct oci_error *err)
{
  cleanup_verify_reader struct oci_verify_reader *r = NULL;
  char buf[4096];

  *total = 0;
  if (oci_verify_reader_new (mem_read, m, "blob", digest, size, &r, err) < 0)
    return -1;
  for (;;)
    {
      ssize_t got = oci_verify_reader_read (r, buf, chunk, err);
      if (got < 0)
        return -1;
      if (got == 0)
        break;
      *total += (size_t) got;
    }
  /* Reads after the end stay at the end. */
  if (oci_verify_reader_read (r, buf, chunk, err) != 0)
    return -1;
  return oci_verify_reader_offset (r) == *total ? 0 : -1;
}

static void
test_reader (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *big = malloc (1 << 20);
  size_t total = 0;

  {
    struct mem_source m = { "abc", 3, 0, 0, 0 };
    ok (read_all (&m, SHA256_ABC, 3, 4096, &total, &err) == 0 && total == 3, "exact size and digest");
  }
  {
    struct mem_source m = { "abc", 3, 0, 1, 0 };
    ok (read_all (&m, SHA256_ABC, 3, 1, &total, &err) == 0 && total == 3, "byte by byte");
  }
  {
    struct mem_source m = { "abc", 3, 0, 0, 0 };
    ok (read_all (&m, SHA256_ABC, -1, 4096, &total, &err) == 0 && total == 3, "unknown size: digest only");
  }
  {
    struct mem_source m = { "", 0, 0, 0, 0 };
    ok (read_all (&m, SHA256_EMPTY, 0, 4096, &total, &err) == 0 && total == 0, "empty content");
  }
  {
    struct mem_source m = { "ab", 2, 0, 0, 0 };
    check_error (read_all (&m, SHA256_ABC, 3, 4096, &total, &err), &err,
                 "blob: size mismatch: expected 3 bytes, got 2", "short content fails at EOF");
  }
  {
    struct mem_source m = { "abcd", 4, 0, 0, 0 };
    check_error (read_all (&m, SHA256_ABC, 3, 4096, &total, &err), &err,
                 "blob: size mismatch: expected 3 bytes, got more", "long content fails");
    ok (m.consumed == 4, "long content: read at most one byte past the size");
  }
  {
    struct mem_source m = { big, 1 << 20, 0, 0, 0 };
    memset (big, 'x', 1 << 20);
    check_error (read_all (&m, SHA256_ABC, 3, 4096, &total, &err), &err,
                 "blob: size mismatch: expected 3 bytes, got more", "1 MiB where 3 bytes are expected fails");
    ok (m.consumed == 4 && total == 0, "fails before reading everything (consumed %zu of 1048576)", m.consumed);
  }
  {
    struct mem_source m = { big, 1 << 20, 0, 0, 0 };
    check_error (read_all (&m, SHA256_ABC, 1000, 4096, &total, &err), &err,
                 "blob: size mismatch: expected 1000 bytes, got more", "long content in big chunks fails");
    ok (m.consumed == 1001, "consumed exactly one byte past the size (%zu)", m.consumed);
  }
  {
    struct mem_source m = { "abd", 3, 0, 0, 0 };
    check_error (read_all (&m, SHA256_ABC, 3, 4096, &total, &err), &err,
                 "blob: digest mismatch: expected " SHA256_ABC
                 ", got sha256:a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9",
                 "wrong digest fails at EOF");
  }
  {
    struct mem_source m = { "abc", 3, 0, 0, 0 };
    check_error (read_all (&m, "blake3:" HEX64, 3, 4096, &total, &err), &err,
                 "blob: cannot verify \"blake3:" HEX64 "\": unsupported digest algorithm \"blake3\"",
                 "unsupported algorithm refused up front");
    check_error (read_all (&m, "sha256:abc", 3, 4096, &total, &err), &err,
                 "blob: invalid digest \"sha256:abc\": sha256 wants 64 lowercase hex digits, got 3 characters",
                 "malformed expected digest refused up front");
  }
  {
    cleanup_verify_reader struct oci_verify_reader *r = NULL;
    char buf[16];
    ok (oci_verify_reader_new (failing_read, NULL, "blob", SHA256_ABC, 3, &r, &err) == 0,
        "reader on a failing source");
    check_error (r ? (int) oci_verify_reader_read (r, buf, sizeof buf, &err) : -1, &err,
                 "blob: read: Input/output error", "source errors pass through");
    check_error (r ? (int) oci_verify_reader_read (r, buf, sizeof buf, &err) : -1, &err,
                 "blob: read after a failed verification", "a failed reader stays failed");
  }
}

static int
write_file (const char *path, const char *data)
{
  struct oci_error err = OCI_ERROR_INIT;
  int r = oci_write_file_atomic (path, data, strlen (data), 0644, &err);
  oci_error_clear (&err);
  return r;
}

static void
test_layout (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  char dir[] = "/tmp/test-digest-layout-XXXXXX";
  cleanup_free char *blobs = NULL, *sha = NULL, *good = NULL, *bad = NULL, *path = NULL, *other = NULL;
  cleanup_close int fd = -1;
  const char *bad_digest = "sha256:" HEX64;

  if (!ok (mkdtemp (dir) != NULL, "temporary layout"))
    return;
  if (asprintf (&blobs, "%s/blobs", dir) < 0 || asprintf (&sha, "%s/blobs/sha256", dir) < 0
      || asprintf (&good, "%s/blobs/sha256/%s", dir, SHA256_ABC + 7) < 0
      || asprintf (&bad, "%s/blobs/sha256/%s", dir, HEX64) < 0)
    return;
  ok (mkdir (blobs, 0755) == 0 && mkdir (sha, 0755) == 0 && write_file (good, "abc") == 0
          && write_file (bad, "not what the name says") == 0,
      "layout with two blobs");

  ok (oci_layout_blob_path (dir, SHA256_ABC, &path, &err) == 0, "blob path");
  is_str (path, good, "blob path is blobs/<alg>/<encoded>");
  ok (oci_verify_layout_blob (dir, SHA256_ABC, 3, &err) == 0, "good blob verifies");
  ok (oci_verify_layout_blob (dir, SHA256_ABC, -1, &err) == 0, "good blob verifies without a size");
  {
    cleanup_free char *want = NULL;
    if (asprintf (&want, "%s: size mismatch: expected 4 bytes, got 3", good) > 0)
      check_error (oci_verify_layout_blob (dir, SHA256_ABC, 4, &err), &err, want, "blob size mismatch");
    free (want);
    want = NULL;
    {
      char actual[OCI_DIGEST_STRING_MAX];
      const char *content = "not what the name says";
      if (oci_digest_buffer (content, strlen (content), actual, &err) == 0
          && asprintf (&want, "%s: digest mismatch: expected %s, got %s", bad, bad_digest, actual) > 0)
        check_error (oci_verify_layout_blob (dir, bad_digest, -1, &err), &err, want, "blob content mismatch");
    }
    free (want);
    want = NULL;
    if (asprintf (&want, "open %s/blobs/sha256/%s: No such file or directory", dir, SHA256_EMPTY + 7) > 0)
      check_error (oci_verify_layout_blob (dir, SHA256_EMPTY, 0, &err), &err, want, "missing blob");
  }
  fd = open (good, O_RDONLY);
  ok (fd >= 0 && oci_verify_fd (fd, "fd", SHA256_ABC, 3, &err) == 0, "verify an fd");
  check_error (oci_layout_blob_path (dir, "../../etc:passwd", &other, &err), &err,
               "invalid digest \"../../etc:passwd\": algorithm separator '.' must sit between two components",
               "blob path refuses what is not a digest");

  unlink (good);
  unlink (bad);
  rmdir (sha);
  rmdir (blobs);
  rmdir (dir);
}

int
main (void)
{
  test_vectors ();
  test_streaming ();
  test_grammar ();
  test_reader ();
  test_layout ();
  return tap_done ();
}
