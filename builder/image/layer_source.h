/* The input of layer extraction (layer_apply.c's, internal): the layer
 * read from an fd, decompressed by its magic (gzip, zstd, none), both
 * digests computed as it goes, the tar headers watched for their limits
 * before libarchive buffers them, and the expansion limits held. */
#ifndef BUILDER_LAYER_SOURCE_H
#define BUILDER_LAYER_SOURCE_H

#include <archive.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <zlib.h>
#include <zstd.h>

#include "digest.h"
#include "error.h"
#include "image/layer_write.h"
#include "image/size_limits.h"

struct bld_layer_source
{
  int fd;
  enum bld_compression c;
  bool eof_in, eof_out;
  unsigned char *in;
  size_t in_len, in_pos;
  unsigned char *out;
  z_stream zs;
  bool zs_ready, gz_member_done;
  ZSTD_DCtx *zd;
  struct oci_digester *in_digest, *tar_digest;
  uint64_t in_size;

  /* The tar header watch: PAX and GNU long-name headers are checked
   * against their limits before libarchive buffers them. */
  uint64_t pos, next_header;
  unsigned char hdr[512];
  size_t hdr_fill;
  bool sparse_ext, ended;
  int zero_blocks;
  uint64_t max_pax, max_path;

  /* Expansion limits: the output against the input's whole size when
   * known (a regular file), else against what was read so far. */
  struct bld_size_limits lim;
  uint64_t in_total, out_size;

  struct oci_error err;
};

/* Starts reading fd: buffers, digesters, the compression from the first
 * bytes. */
int bld_layer_source_init (struct bld_layer_source *s, int fd, struct oci_error *err);
void bld_layer_source_clear (struct bld_layer_source *s);
/* Produces up to a chunk of tar stream in s->out; 0 at its end, -1 with
 * s->err. */
ssize_t bld_layer_source_read (struct bld_layer_source *s);
/* libarchive's read callback over bld_layer_source_read. */
la_ssize_t bld_layer_source_archive_cb (struct archive *a, void *ctx, const void **buf);
/* The input's size: all of it when known (a regular file), else what was
 * read so far. */
uint64_t bld_layer_source_input_size (const struct bld_layer_source *s);

#endif
