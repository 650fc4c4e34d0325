/* Layer tarballs from directory trees (image-spec layer.md).
 *
 * The tar is PAX (libarchive), written reproducibly:
 *   - entries in path order, component by component (each directory's
 *     children sorted by name, bytewise; a directory comes right before
 *     its contents), paths relative to the root without "./", the root
 *     itself not included;
 *   - numeric uid/gid only (no uname/gname), mode with setuid, setgid and
 *     sticky bits, mtime in whole seconds (clamped to clamp_epoch when
 *     set: SOURCE_DATE_EPOCH semantics), no atime/ctime;
 *   - xattrs as SCHILY.xattr records, names sorted, overlayfs' own
 *     (trusted.overlay.*, user.overlay.*) left out;
 *   - every name of a multiply-linked inode: the first in entry order is a
 *     file, the later ones hardlinks to it;
 *   - sockets are skipped (tar cannot hold them).
 *
 * Diff mode reads an overlayfs upper directory: a whiteout (a character
 * device 0:0) becomes an empty regular file ".wh.<name>", a directory with
 * trusted.overlay.opaque=y (or user.overlay.opaque=y) gets a
 * ".wh..wh..opq" entry right after it.  Upper dirs using redirect_dir or
 * metacopy are refused: their content is not self-contained.
 *
 * Compression is done here, not by libarchive, so one pass sees both the
 * tar stream (its SHA-256 is the diff_id) and the compressed stream (the
 * blob digest and size):
 *   - gzip: pigz-style.  The tar stream is cut into 128 KiB blocks, each
 *     deflated on its own by a pool of threads with the previous block's
 *     last 32 KiB as dictionary and ended with Z_SYNC_FLUSH (the last with
 *     Z_FINISH); the raw deflate pieces are concatenated inside ONE gzip
 *     member (header mtime 0, OS 255) whose CRC is combined with
 *     crc32_combine.  The output depends on the input and level only, not
 *     on the thread count (one thread produces the same bytes).
 *   - zstd: one frame with a content checksum; ZSTD_c_nbWorkers = threads
 *     when threads > 1 (zstd's multithreaded output does not depend on the
 *     worker count, but differs from single-threaded mode: threads = 1 and
 *     threads > 1 give different, equally valid, bytes).
 *   - none. */
#ifndef BUILDER_LAYER_WRITE_H
#define BUILDER_LAYER_WRITE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "error.h"
#include "image.h"

struct bld_store;

enum bld_compression
{
  BLD_COMPRESSION_NONE,
  BLD_COMPRESSION_GZIP,
  BLD_COMPRESSION_ZSTD,
};

enum bld_layer_mode
{
  BLD_LAYER_TREE,         /* the whole tree under root */
  BLD_LAYER_OVERLAY_DIFF, /* root is an overlayfs upper directory */
};

struct bld_layer_write_options
{
  enum bld_layer_mode mode;
  enum bld_compression compression;
  int level;   /* 0: the codec's default (gzip 6, zstd 3) */
  int threads; /* 0: the number of online CPUs */
  bool has_clamp_epoch;
  int64_t clamp_epoch; /* mtimes later than this become this */
};

struct bld_layer_result
{
  char digest[OCI_DIGEST_STRING_MAX];  /* of the compressed stream */
  char diff_id[OCI_DIGEST_STRING_MAX]; /* of the tar stream */
  int64_t size;                        /* compressed bytes */
  uint64_t tar_size;                   /* tar bytes */
  uint64_t entries;                    /* tar entries written */
};

/* "none", "gzip", "zstd" -> the enum; -1 with err otherwise. */
int bld_compression_parse (const char *s, enum bld_compression *out, struct oci_error *err);
/* The OCI layer media type for the compression. */
const char *bld_compression_media_type (enum bld_compression c);

/* A sink for the compressed stream. */
typedef int (*bld_layer_sink_fn) (void *ctx, const void *buf, size_t len, struct oci_error *err);

/* Writes the layer of root to sink.  opts may be NULL (tree mode, gzip,
 * defaults). */
int bld_layer_write (const char *root, const struct bld_layer_write_options *opts, bld_layer_sink_fn sink,
                     void *sink_ctx, struct bld_layer_result *result, struct oci_error *err);
/* The same into a file descriptor. */
int bld_layer_write_fd (const char *root, const struct bld_layer_write_options *opts, int fd,
                        struct bld_layer_result *result, struct oci_error *err);
/* The same into a blob of the store; *desc (may be NULL) receives the
 * layer's descriptor (media type, digest, size). */
int bld_layer_write_to_store (struct bld_store *store, const char *root, const struct bld_layer_write_options *opts,
                              struct bld_layer_result *result, struct oci_image_descriptor **desc,
                              struct oci_error *err);

/* ---- the compressing writer on its own (also used by the tests) ---- */

struct bld_compressor;
int bld_compressor_new (enum bld_compression c, int level, int threads, bld_layer_sink_fn sink, void *sink_ctx,
                        struct bld_compressor **out, struct oci_error *err);
int bld_compressor_write (struct bld_compressor *z, const void *buf, size_t len, struct oci_error *err);
/* Flushes the end of the stream.  No writes afterwards. */
int bld_compressor_finish (struct bld_compressor *z, struct oci_error *err);
void bld_compressor_free (struct bld_compressor *z);

/* pthread_create with SIGINT, SIGTERM and SIGHUP blocked in the new
 * thread: they are for the main thread (a build's interruption). */
int bld_thread_start (pthread_t *t, void *(*fn) (void *), void *arg);

#endif
