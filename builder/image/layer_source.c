/* The input of layer extraction: decompression, digests, tar header
 * watch (layer_source.h). */
#include "config.h"
#include "image/layer_source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/layer_apply.h"

#define IN_CHUNK (128 * 1024)
#define OUT_CHUNK (256 * 1024)

uint64_t
bld_layer_source_input_size (const struct bld_layer_source *s)
{
  return s->in_total > s->in_size ? s->in_total : s->in_size;
}

static int
source_fill (struct bld_layer_source *s)
{
  if (s->in_pos < s->in_len || s->eof_in)
    return 0;
  for (;;)
    {
      ssize_t n = read (s->fd, s->in, IN_CHUNK);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return oci_error_set (&s->err, errno, "read layer");
      if (n == 0)
        s->eof_in = true;
      else if (oci_digester_update (s->in_digest, s->in, (size_t) n, &s->err) < 0)
        return -1;
      s->in_len = (size_t) n;
      s->in_pos = 0;
      s->in_size += (uint64_t) n;
      return 0;
    }
}

static int
parse_tar_number (const unsigned char *f, size_t n, uint64_t *out)
{
  uint64_t v = 0;
  size_t i = 0;
  if (f[0] & 0x80)
    {
      /* base-256 */
      if (f[0] & 0x40)
        return -1;
      v = f[0] & 0x3f;
      for (i = 1; i < n; i++)
        {
          if (v >> 55)
            return -1;
          v = (v << 8) | f[i];
        }
      *out = v;
      return 0;
    }
  while (i < n && (f[i] == ' ' || f[i] == '\0'))
    i++;
  for (; i < n && f[i] >= '0' && f[i] <= '7'; i++)
    v = (v << 3) | (uint64_t) (f[i] - '0');
  for (; i < n; i++)
    if (f[i] != ' ' && f[i] != '\0')
      return -1;
  *out = v;
  return 0;
}

static int
watch_header (struct bld_layer_source *s)
{
  const unsigned char *h = s->hdr;
  uint64_t size;
  bool zero = true;

  for (size_t i = 0; i < 512 && zero; i++)
    zero = h[i] == 0;
  if (s->sparse_ext)
    {
      s->sparse_ext = h[504] != 0;
      s->next_header = s->pos;
      return 0;
    }
  if (zero)
    {
      if (++s->zero_blocks == 2)
        s->ended = true;
      s->next_header = s->pos;
      return 0;
    }
  s->zero_blocks = 0;
  if (parse_tar_number (h + 124, 12, &size) < 0)
    return oci_error_set (&s->err, 0, "malformed tar header at offset %llu: bad size field",
                          (unsigned long long) (s->pos - 512));
  switch (h[156])
    {
    case 'x':
    case 'g':
      if (size > s->max_pax)
        return oci_error_set (&s->err, 0, "PAX header of %llu bytes exceeds the limit (%llu)",
                              (unsigned long long) size, (unsigned long long) s->max_pax);
      break;
    case 'L':
    case 'K':
      if (size > s->max_path + 1)
        return oci_error_set (&s->err, 0, "GNU long name of %llu bytes exceeds the path limit (%llu)",
                              (unsigned long long) size, (unsigned long long) s->max_path);
      break;
    case 'S':
      s->sparse_ext = h[482] != 0;
      break;
    default:
      break;
    }
  /* Hardlinks and directories carry no data whatever the size says. */
  if (h[156] == '1' || h[156] == '5')
    size = 0;
  if (size > UINT64_MAX - 1024)
    return oci_error_set (&s->err, 0, "tar entry size out of range");
  s->next_header = s->pos + ((size + 511) & ~(uint64_t) 511);
  return 0;
}

static int
watch (struct bld_layer_source *s, const unsigned char *p, size_t n)
{
  while (n > 0 && !s->ended)
    {
      if (s->pos < s->next_header)
        {
          uint64_t skip = s->next_header - s->pos;
          size_t k = skip < n ? (size_t) skip : n;
          s->pos += k;
          p += k;
          n -= k;
          continue;
        }
      size_t k = 512 - s->hdr_fill < n ? 512 - s->hdr_fill : n;
      memcpy (s->hdr + s->hdr_fill, p, k);
      s->hdr_fill += k;
      s->pos += k;
      p += k;
      n -= k;
      if (s->hdr_fill == 512)
        {
          s->hdr_fill = 0;
          if (watch_header (s) < 0)
            return -1;
        }
    }
  return 0;
}

/* Produces up to OUT_CHUNK bytes of tar stream; 0 at its end. */
ssize_t
bld_layer_source_read (struct bld_layer_source *s)
{
  size_t produced = 0;

  while (produced == 0 && !s->eof_out)
    {
      if (source_fill (s) < 0)
        return -1;
      switch (s->c)
        {
        case BLD_COMPRESSION_NONE:
          produced = s->in_len - s->in_pos;
          memcpy (s->out, s->in + s->in_pos, produced);
          s->in_pos = s->in_len;
          if (s->eof_in)
            s->eof_out = true;
          break;
        case BLD_COMPRESSION_GZIP:
          {
            int rc;
            if (s->in_pos == s->in_len && s->eof_in)
              {
                if (!s->gz_member_done)
                  return oci_error_set (&s->err, 0, "gzip stream truncated");
                s->eof_out = true;
                break;
              }
            if (s->gz_member_done)
              {
                /* Another member follows. */
                if (inflateReset (&s->zs) != Z_OK)
                  return oci_error_set (&s->err, 0, "gzip: inflateReset failed");
                s->gz_member_done = false;
              }
            s->zs.next_in = s->in + s->in_pos;
            s->zs.avail_in = (uInt) (s->in_len - s->in_pos);
            s->zs.next_out = s->out;
            s->zs.avail_out = OUT_CHUNK;
            rc = inflate (&s->zs, Z_NO_FLUSH);
            if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
              return oci_error_set (&s->err, 0, "gzip: %s", s->zs.msg ? s->zs.msg : "corrupt data");
            s->in_pos = s->in_len - s->zs.avail_in;
            produced = OUT_CHUNK - s->zs.avail_out;
            if (rc == Z_STREAM_END)
              s->gz_member_done = true;
            break;
          }
        case BLD_COMPRESSION_ZSTD:
          {
            ZSTD_inBuffer in = { s->in, s->in_len, s->in_pos };
            ZSTD_outBuffer out = { s->out, OUT_CHUNK, 0 };
            size_t rc;
            if (s->in_pos == s->in_len && s->eof_in)
              {
                if (!s->gz_member_done)
                  return oci_error_set (&s->err, 0, "zstd stream truncated");
                s->eof_out = true;
                break;
              }
            rc = ZSTD_decompressStream (s->zd, &out, &in);
            if (ZSTD_isError (rc))
              return oci_error_set (&s->err, 0, "zstd: %s", ZSTD_getErrorName (rc));
            s->in_pos = in.pos;
            produced = out.pos;
            /* 0: a frame just ended (another may follow). */
            s->gz_member_done = rc == 0;
            break;
          }
        }
    }
  if (produced > 0)
    {
      /* The stream against the ratio only: what is written is held to
       * the absolute limit as well (charge). */
      struct bld_size_limits ratio_only = s->lim;
      ratio_only.max_size = UINT64_MAX;
      s->out_size += produced;
      if (s->out_size > bld_size_limits_allowed (&ratio_only, bld_layer_source_input_size (s)))
        return bld_size_limits_error (&ratio_only, "the layer", bld_layer_source_input_size (s), &s->err);
      if (oci_digester_update (s->tar_digest, s->out, produced, &s->err) < 0 || watch (s, s->out, produced) < 0)
        return -1;
    }
  return (ssize_t) produced;
}

la_ssize_t
bld_layer_source_archive_cb (struct archive *a, void *ctx, const void **buf)
{
  struct bld_layer_source *s = ctx;
  ssize_t n = bld_layer_source_read (s);
  *buf = s->out;
  if (n < 0)
    {
      archive_set_error (a, s->err.errnum ? s->err.errnum : EINVAL, "%s", oci_error_msg (&s->err));
      return -1;
    }
  return n;
}

int
bld_layer_source_init (struct bld_layer_source *s, int fd, struct oci_error *err)
{
  struct stat st;

  s->fd = fd;
  if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode))
    {
      off_t at = lseek (fd, 0, SEEK_CUR);
      if (at >= 0 && at < st.st_size)
        s->in_total = (uint64_t) (st.st_size - at);
    }
  s->in = malloc (IN_CHUNK);
  s->out = malloc (OUT_CHUNK);
  if (s->in == NULL || s->out == NULL)
    return oci_error_set (err, ENOMEM, "layer input");
  if (oci_digester_new (OCI_DIGEST_SHA256, &s->in_digest, err) < 0
      || oci_digester_new (OCI_DIGEST_SHA256, &s->tar_digest, err) < 0)
    return -1;
  if (source_fill (s) < 0)
    {
      oci_error_set (err, s->err.errnum, "%s", oci_error_msg (&s->err));
      return -1;
    }
  /* The magic numbers: gzip 1f 8b, zstd 28 b5 2f fd (RFC 1952, 8878). */
  if (s->in_len >= 2 && s->in[0] == 0x1f && s->in[1] == 0x8b)
    {
      s->c = BLD_COMPRESSION_GZIP;
      if (inflateInit2 (&s->zs, 16 + 15) != Z_OK)
        return oci_error_set (err, ENOMEM, "gzip: inflateInit2");
      s->zs_ready = true;
    }
  else if (s->in_len >= 4 && s->in[0] == 0x28 && s->in[1] == 0xb5 && s->in[2] == 0x2f && s->in[3] == 0xfd)
    {
      s->c = BLD_COMPRESSION_ZSTD;
      s->zd = ZSTD_createDCtx ();
      if (s->zd == NULL)
        return oci_error_set (err, ENOMEM, "zstd");
    }
  else
    s->c = BLD_COMPRESSION_NONE;
  return 0;
}

void
bld_layer_source_clear (struct bld_layer_source *s)
{
  free (s->in);
  free (s->out);
  if (s->zs_ready)
    inflateEnd (&s->zs);
  ZSTD_freeDCtx (s->zd);
  oci_digester_free (s->in_digest);
  oci_digester_free (s->tar_digest);
  oci_error_clear (&s->err);
}
