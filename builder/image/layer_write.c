/* Layer tarballs from directory trees; see layer_write.h for the format
 * decisions. */
#include "config.h"
#include "image/layer_write.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "cleanup.h"
#include "common/fs.h"
#include "common/inode_names.h"
#include "common/strv.h"
#include "fileutil.h"
#include "image/interrupt.h"
#include "image/store.h"

int
bld_thread_start (pthread_t *t, void *(*fn) (void *), void *arg)
{
  sigset_t block, old;
  int rc;

  sigemptyset (&block);
  sigaddset (&block, SIGINT);
  sigaddset (&block, SIGTERM);
  sigaddset (&block, SIGHUP);
  pthread_sigmask (SIG_BLOCK, &block, &old);
  rc = pthread_create (t, NULL, fn, arg);
  pthread_sigmask (SIG_SETMASK, &old, NULL);
  return rc;
}

#define GZ_BLOCK (128 * 1024)
#define GZ_DICT (32 * 1024)
#define IO_CHUNK (128 * 1024)

int
bld_compression_parse (const char *s, enum bld_compression *out, struct oci_error *err)
{
  if (strcmp (s, "none") == 0)
    *out = BLD_COMPRESSION_NONE;
  else if (strcmp (s, "gzip") == 0)
    *out = BLD_COMPRESSION_GZIP;
  else if (strcmp (s, "zstd") == 0)
    *out = BLD_COMPRESSION_ZSTD;
  else
    return oci_error_set (err, EINVAL, "unknown compression \"%s\" (none, gzip or zstd)", s);
  return 0;
}

const char *
bld_compression_media_type (enum bld_compression c)
{
  switch (c)
    {
    case BLD_COMPRESSION_GZIP:
      return OCI_MEDIA_TYPE_IMAGE_LAYER_GZIP;
    case BLD_COMPRESSION_ZSTD:
      return OCI_MEDIA_TYPE_IMAGE_LAYER_ZSTD;
    case BLD_COMPRESSION_NONE:
    default:
      return OCI_MEDIA_TYPE_IMAGE_LAYER;
    }
}

static int
online_cpus (void)
{
  long n = sysconf (_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int) n : 1;
}

/* ---- the compressor ---- */

enum job_state
{
  JOB_FREE,
  JOB_QUEUED,
  JOB_RUNNING,
  JOB_DONE,
};

struct gz_job
{
  size_t seq;
  enum job_state state;
  bool last;
  unsigned char *in;
  size_t in_len;
  unsigned char dict[GZ_DICT];
  size_t dict_len;
  unsigned char *out;
  size_t out_len, out_cap;
  uLong crc;
  int zerr; /* zlib error, 0 when fine */
};

struct bld_compressor
{
  enum bld_compression c;
  int level;
  bld_layer_sink_fn sink;
  void *sink_ctx;
  bool finished;

  /* gzip */
  struct gz_job *jobs;
  size_t njobs;
  size_t next_submit, next_write;
  unsigned char tail[GZ_DICT]; /* the last GZ_DICT bytes of the stream so far */
  size_t tail_len;
  uLong crc;
  uint64_t total_in;
  z_stream inline_stream; /* for threads == 1 */
  bool inline_ready;
  pthread_t *workers;
  size_t nworkers;
  pthread_mutex_t mu;
  pthread_cond_t cv_work, cv_done;
  bool stop, sync_ready;

  /* zstd */
  ZSTD_CCtx *zc;
  unsigned char *zout;
  size_t zout_cap;
};

/* Deflates one block with stream s (raw deflate, reset per block). */
static void
gz_compress_job (z_stream *s, struct gz_job *j)
{
  int flush = j->last ? Z_FINISH : Z_SYNC_FLUSH;
  int rc;

  j->zerr = 0;
  j->out_len = 0;
  j->crc = crc32 (0L, j->in, (uInt) j->in_len);
  if (deflateReset (s) != Z_OK)
    {
      j->zerr = Z_STREAM_ERROR;
      return;
    }
  if (j->dict_len > 0 && deflateSetDictionary (s, j->dict, (uInt) j->dict_len) != Z_OK)
    {
      j->zerr = Z_STREAM_ERROR;
      return;
    }
  s->next_in = j->in;
  s->avail_in = (uInt) j->in_len;
  do
    {
      if (j->out_len == j->out_cap)
        {
          size_t ncap = j->out_cap * 2;
          unsigned char *o = realloc (j->out, ncap);
          if (o == NULL)
            {
              j->zerr = Z_MEM_ERROR;
              return;
            }
          j->out = o;
          j->out_cap = ncap;
        }
      s->next_out = j->out + j->out_len;
      s->avail_out = (uInt) (j->out_cap - j->out_len);
      rc = deflate (s, flush);
      if (rc == Z_STREAM_ERROR)
        {
          j->zerr = rc;
          return;
        }
      j->out_len = j->out_cap - s->avail_out;
    }
  while (s->avail_out == 0 || s->avail_in > 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
}

static int
gz_stream_init (z_stream *s, int level)
{
  memset (s, 0, sizeof *s);
  return deflateInit2 (s, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK ? 0 : -1;
}

static void *
gz_worker (void *arg)
{
  struct bld_compressor *z = arg;
  z_stream s;
  bool ready = gz_stream_init (&s, z->level) == 0;

  pthread_mutex_lock (&z->mu);
  for (;;)
    {
      struct gz_job *pick = NULL;
      for (size_t i = 0; i < z->njobs; i++)
        if (z->jobs[i].state == JOB_QUEUED && (pick == NULL || z->jobs[i].seq < pick->seq))
          pick = &z->jobs[i];
      if (pick == NULL)
        {
          if (z->stop)
            break;
          pthread_cond_wait (&z->cv_work, &z->mu);
          continue;
        }
      pick->state = JOB_RUNNING;
      pthread_mutex_unlock (&z->mu);
      if (ready)
        gz_compress_job (&s, pick);
      else
        pick->zerr = Z_MEM_ERROR;
      pthread_mutex_lock (&z->mu);
      pick->state = JOB_DONE;
      pthread_cond_broadcast (&z->cv_done);
    }
  pthread_mutex_unlock (&z->mu);
  if (ready)
    deflateEnd (&s);
  return NULL;
}

static int
gz_emit_header (struct bld_compressor *z, struct oci_error *err)
{
  /* No name, no mtime, OS "unknown": the same bytes everywhere. */
  static const unsigned char header[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff };
  return z->sink (z->sink_ctx, header, sizeof header, err);
}

/* Writes out the oldest submitted job, waiting for it. */
static int
gz_write_one (struct bld_compressor *z, struct oci_error *err)
{
  struct gz_job *j = &z->jobs[z->next_write % z->njobs];

  if (z->nworkers > 0)
    {
      pthread_mutex_lock (&z->mu);
      while (j->state != JOB_DONE)
        pthread_cond_wait (&z->cv_done, &z->mu);
      pthread_mutex_unlock (&z->mu);
    }
  if (j->zerr != 0)
    return oci_error_set (err, j->zerr == Z_MEM_ERROR ? ENOMEM : EIO, "gzip: deflate failed (zlib error %d)",
                          j->zerr);
  if (z->next_write == 0 && gz_emit_header (z, err) < 0)
    return -1;
  if (j->out_len > 0 && z->sink (z->sink_ctx, j->out, j->out_len, err) < 0)
    return -1;
  z->crc = crc32_combine (z->crc, j->crc, (z_off_t) j->in_len);
  j->state = JOB_FREE;
  j->in_len = 0;
  z->next_write++;
  return 0;
}

/* The slot the next block fills; written out first if still busy. */
static int
gz_current (struct bld_compressor *z, struct gz_job **out, struct oci_error *err)
{
  struct gz_job *j = &z->jobs[z->next_submit % z->njobs];
  while (z->next_write + z->njobs <= z->next_submit)
    if (gz_write_one (z, err) < 0)
      return -1;
  *out = j;
  return 0;
}

static int
gz_submit (struct bld_compressor *z, bool last, struct oci_error *err)
{
  struct gz_job *j = &z->jobs[z->next_submit % z->njobs];

  j->seq = z->next_submit;
  j->last = last;
  memcpy (j->dict, z->tail, z->tail_len);
  j->dict_len = z->tail_len;
  /* The dictionary of the next block: this stream's last 32 KiB. */
  if (j->in_len >= GZ_DICT)
    {
      memcpy (z->tail, j->in + j->in_len - GZ_DICT, GZ_DICT);
      z->tail_len = GZ_DICT;
    }
  else if (j->in_len > 0)
    {
      size_t keep = z->tail_len + j->in_len > GZ_DICT ? GZ_DICT - j->in_len : z->tail_len;
      memmove (z->tail, z->tail + z->tail_len - keep, keep);
      memcpy (z->tail + keep, j->in, j->in_len);
      z->tail_len = keep + j->in_len;
    }
  z->next_submit++;
  if (z->nworkers == 0)
    {
      gz_compress_job (&z->inline_stream, j);
      j->state = JOB_DONE;
      return 0;
    }
  pthread_mutex_lock (&z->mu);
  j->state = JOB_QUEUED;
  pthread_cond_signal (&z->cv_work);
  pthread_mutex_unlock (&z->mu);
  (void) err;
  return 0;
}

static int
gz_write (struct bld_compressor *z, const unsigned char *buf, size_t len, struct oci_error *err)
{
  while (len > 0)
    {
      struct gz_job *j;
      size_t n;
      if (gz_current (z, &j, err) < 0)
        return -1;
      n = GZ_BLOCK - j->in_len;
      if (n > len)
        n = len;
      memcpy (j->in + j->in_len, buf, n);
      j->in_len += n;
      buf += n;
      len -= n;
      z->total_in += n;
      if (j->in_len == GZ_BLOCK && gz_submit (z, false, err) < 0)
        return -1;
    }
  return 0;
}

static int
gz_finish (struct bld_compressor *z, struct oci_error *err)
{
  struct gz_job *j;
  unsigned char trailer[8];

  if (gz_current (z, &j, err) < 0 || gz_submit (z, true, err) < 0)
    return -1;
  while (z->next_write < z->next_submit)
    if (gz_write_one (z, err) < 0)
      return -1;
  for (int i = 0; i < 4; i++)
    {
      trailer[i] = (unsigned char) (z->crc >> (8 * i));
      trailer[4 + i] = (unsigned char) (z->total_in >> (8 * i));
    }
  return z->sink (z->sink_ctx, trailer, sizeof trailer, err);
}

static int
gz_init (struct bld_compressor *z, int threads, struct oci_error *err)
{
  z->nworkers = threads > 1 ? (size_t) threads : 0;
  /* Enough slots to keep every worker busy while the oldest is written. */
  z->njobs = z->nworkers > 0 ? 2 * z->nworkers + 2 : 1;
  z->jobs = calloc (z->njobs, sizeof *z->jobs);
  if (z->jobs == NULL)
    return oci_error_set (err, ENOMEM, "gzip");
  for (size_t i = 0; i < z->njobs; i++)
    {
      z->jobs[i].in = malloc (GZ_BLOCK);
      z->jobs[i].out_cap = deflateBound (NULL, GZ_BLOCK) + 64;
      z->jobs[i].out = malloc (z->jobs[i].out_cap);
      if (z->jobs[i].in == NULL || z->jobs[i].out == NULL)
        return oci_error_set (err, ENOMEM, "gzip");
    }
  z->crc = crc32 (0L, Z_NULL, 0);
  if (z->nworkers == 0)
    {
      if (gz_stream_init (&z->inline_stream, z->level) < 0)
        return oci_error_set (err, ENOMEM, "gzip: deflateInit2");
      z->inline_ready = true;
      return 0;
    }
  z->workers = calloc (z->nworkers, sizeof *z->workers);
  if (z->workers == NULL)
    return oci_error_set (err, ENOMEM, "gzip");
  pthread_mutex_init (&z->mu, NULL);
  pthread_cond_init (&z->cv_work, NULL);
  pthread_cond_init (&z->cv_done, NULL);
  z->sync_ready = true;
  for (size_t i = 0; i < z->nworkers; i++)
    {
      int rc = bld_thread_start (&z->workers[i], gz_worker, z);
      if (rc != 0)
        {
          z->nworkers = i; /* the ones started are joined by free */
          return oci_error_set (err, rc, "gzip: start a compression thread");
        }
    }
  return 0;
}

static int
zstd_drain (struct bld_compressor *z, ZSTD_inBuffer *in, ZSTD_EndDirective mode, struct oci_error *err)
{
  for (;;)
    {
      ZSTD_outBuffer out = { z->zout, z->zout_cap, 0 };
      size_t rest = ZSTD_compressStream2 (z->zc, &out, in, mode);
      if (ZSTD_isError (rest))
        return oci_error_set (err, EIO, "zstd: %s", ZSTD_getErrorName (rest));
      if (out.pos > 0 && z->sink (z->sink_ctx, z->zout, out.pos, err) < 0)
        return -1;
      if (mode == ZSTD_e_continue ? in->pos == in->size : rest == 0)
        return 0;
    }
}

int
bld_compressor_new (enum bld_compression c, int level, int threads, bld_layer_sink_fn sink, void *sink_ctx,
                    struct bld_compressor **out, struct oci_error *err)
{
  struct bld_compressor *z = calloc (1, sizeof *z);

  *out = NULL;
  if (z == NULL)
    return oci_error_set (err, ENOMEM, "compressor");
  z->c = c;
  z->sink = sink;
  z->sink_ctx = sink_ctx;
  if (threads <= 0)
    threads = online_cpus ();
  switch (c)
    {
    case BLD_COMPRESSION_GZIP:
      z->level = level ? level : 6;
      if (z->level < 1 || z->level > 9)
        {
          free (z);
          return oci_error_set (err, EINVAL, "gzip level %d: must be 1 to 9", level);
        }
      if (gz_init (z, threads, err) < 0)
        {
          bld_compressor_free (z);
          return -1;
        }
      break;
    case BLD_COMPRESSION_ZSTD:
      z->level = level ? level : 3;
      z->zc = ZSTD_createCCtx ();
      z->zout_cap = ZSTD_CStreamOutSize ();
      z->zout = malloc (z->zout_cap);
      if (z->zc == NULL || z->zout == NULL)
        {
          bld_compressor_free (z);
          return oci_error_set (err, ENOMEM, "zstd");
        }
      if (ZSTD_isError (ZSTD_CCtx_setParameter (z->zc, ZSTD_c_compressionLevel, z->level))
          || ZSTD_isError (ZSTD_CCtx_setParameter (z->zc, ZSTD_c_checksumFlag, 1)))
        {
          bld_compressor_free (z);
          return oci_error_set (err, EINVAL, "zstd level %d: not supported", level);
        }
      if (threads > 1 && ZSTD_isError (ZSTD_CCtx_setParameter (z->zc, ZSTD_c_nbWorkers, threads)))
        {
          bld_compressor_free (z);
          return oci_error_set (err, ENOTSUP, "zstd: this libzstd has no multithreading");
        }
      break;
    case BLD_COMPRESSION_NONE:
      break;
    default:
      free (z);
      return oci_error_set (err, EINVAL, "unknown compression %d", (int) c);
    }
  *out = z;
  return 0;
}

int
bld_compressor_write (struct bld_compressor *z, const void *buf, size_t len, struct oci_error *err)
{
  if (z->finished)
    return oci_error_set (err, EINVAL, "compressor: write after finish");
  /* A signal stops a long layer within a chunk (interrupt.h). */
  if (bld_check_interrupted (err) < 0)
    return -1;
  if (len == 0)
    return 0;
  switch (z->c)
    {
    case BLD_COMPRESSION_GZIP:
      return gz_write (z, buf, len, err);
    case BLD_COMPRESSION_ZSTD:
      {
        ZSTD_inBuffer in = { buf, len, 0 };
        return zstd_drain (z, &in, ZSTD_e_continue, err);
      }
    default:
      return z->sink (z->sink_ctx, buf, len, err);
    }
}

int
bld_compressor_finish (struct bld_compressor *z, struct oci_error *err)
{
  if (z->finished)
    return oci_error_set (err, EINVAL, "compressor: finished twice");
  z->finished = true;
  switch (z->c)
    {
    case BLD_COMPRESSION_GZIP:
      return gz_finish (z, err);
    case BLD_COMPRESSION_ZSTD:
      {
        ZSTD_inBuffer in = { NULL, 0, 0 };
        return zstd_drain (z, &in, ZSTD_e_end, err);
      }
    default:
      return 0;
    }
}

void
bld_compressor_free (struct bld_compressor *z)
{
  if (z == NULL)
    return;
  if (z->sync_ready)
    {
      pthread_mutex_lock (&z->mu);
      z->stop = true;
      pthread_cond_broadcast (&z->cv_work);
      pthread_mutex_unlock (&z->mu);
      /* A worker still compressing an abandoned job finishes it first. */
      for (size_t i = 0; i < z->nworkers; i++)
        pthread_join (z->workers[i], NULL);
      pthread_mutex_destroy (&z->mu);
      pthread_cond_destroy (&z->cv_work);
      pthread_cond_destroy (&z->cv_done);
    }
  free (z->workers);
  for (size_t i = 0; z->jobs && i < z->njobs; i++)
    {
      free (z->jobs[i].in);
      free (z->jobs[i].out);
    }
  free (z->jobs);
  if (z->inline_ready)
    deflateEnd (&z->inline_stream);
  ZSTD_freeCCtx (z->zc);
  free (z->zout);
  free (z);
}

static void
compressor_freep (struct bld_compressor **z)
{
  bld_compressor_free (*z);
}

/* ---- the tar writer ---- */

struct writer
{
  const struct bld_layer_write_options *opts;
  const char *root;
  struct archive *a;
  struct bld_compressor *z;
  struct oci_digester *tar_digest; /* diff_id */
  struct oci_digester *out_digest; /* digest */
  bld_layer_sink_fn sink;
  void *sink_ctx;
  struct oci_error cb_err;      /* an error met inside a libarchive callback */
  struct cmn_inode_names links; /* each linked inode's first name in the layer */
  uint64_t entries;
  char *buf;
};

static int
out_sink (void *ctx, const void *buf, size_t len, struct oci_error *err)
{
  struct writer *w = ctx;
  /* Uncompressed, the digest is the diff_id: one hash, not two. */
  if (w->out_digest && oci_digester_update (w->out_digest, buf, len, err) < 0)
    return -1;
  return w->sink (w->sink_ctx, buf, len, err);
}

static la_ssize_t
archive_write_cb (struct archive *a, void *ctx, const void *buf, size_t len)
{
  struct writer *w = ctx;
  (void) a;
  if (oci_digester_update (w->tar_digest, buf, len, &w->cb_err) < 0
      || bld_compressor_write (w->z, buf, len, &w->cb_err) < 0)
    return -1;
  return (la_ssize_t) len;
}

static int
archive_fail (struct writer *w, const char *what, struct oci_error *err)
{
  if (w->cb_err.msg)
    {
      oci_error_set (err, w->cb_err.errnum, "%s", w->cb_err.msg);
      return oci_error_prefix (err, "%s", what);
    }
  return oci_error_set (err, archive_errno (w->a) > 0 ? archive_errno (w->a) : 0, "%s: %s", what,
                        archive_error_string (w->a) ? archive_error_string (w->a) : "libarchive error");
}

static char *
join_path (const char *a, const char *b)
{
  char *p;
  if (a == NULL || *a == '\0')
    return strdup (b);
  if (asprintf (&p, "%s/%s", a, b) < 0)
    return NULL;
  return p;
}

static int
add_xattrs (struct archive_entry *e, const char *path, struct oci_error *err)
{
  cleanup_free char *list = NULL;
  cleanup_free char **names = NULL;
  size_t n, count = 0;

  if (cmn_llistxattr (path, &list, &n) < 0)
    return oci_error_set (err, errno, "list xattrs of %s", path);
  if (list == NULL)
    return 0;
  for (size_t i = 0; i < n; i += strlen (list + i) + 1)
    count++;
  names = calloc (count + 1, sizeof *names);
  if (names == NULL)
    return oci_error_set (err, ENOMEM, "xattrs");
  count = 0;
  for (size_t i = 0; i < n; i += strlen (list + i) + 1)
    if (!cmn_xattr_is_overlay (list + i))
      names[count++] = list + i;
  qsort (names, count, sizeof *names, cmn_strv_cmp);
  for (size_t i = 0; i < count; i++)
    {
      cleanup_free char *v = NULL;
      size_t len = 0;
      if (cmn_lgetxattr (path, names[i], &v, &len) < 0)
        return oci_error_set (err, errno, "read xattr %s of %s", names[i], path);
      if (v)
        archive_entry_xattr_add_entry (e, names[i], v, len);
    }
  return 0;
}

static void
set_common (struct writer *w, struct archive_entry *e, const struct stat *st)
{
  int64_t mtime = st->st_mtim.tv_sec;
  if (w->opts->has_clamp_epoch && mtime > w->opts->clamp_epoch)
    mtime = w->opts->clamp_epoch;
  archive_entry_set_uid (e, st->st_uid);
  archive_entry_set_gid (e, st->st_gid);
  archive_entry_set_mtime (e, mtime, 0);
}

static int
write_header (struct writer *w, struct archive_entry *e, const char *rel, struct oci_error *err)
{
  int rc = archive_write_header (w->a, e);
  if (rc < ARCHIVE_WARN)
    {
      cleanup_free char *what = NULL;
      if (asprintf (&what, "write tar header of %s", rel) < 0)
        what = NULL;
      return archive_fail (w, what ? what : rel, err);
    }
  w->entries++;
  return 0;
}

/* An empty regular file entry (whiteouts). */
static int
write_marker (struct writer *w, const char *rel, const struct stat *st, struct oci_error *err)
{
  struct archive_entry *e = archive_entry_new ();
  int ret;
  if (e == NULL)
    return oci_error_set (err, ENOMEM, "tar entry");
  archive_entry_set_pathname (e, rel);
  archive_entry_set_filetype (e, AE_IFREG);
  archive_entry_set_perm (e, 0644);
  archive_entry_set_size (e, 0);
  set_common (w, e, st);
  ret = write_header (w, e, rel, err);
  archive_entry_free (e);
  return ret;
}

static int
write_file_data (struct writer *w, int dirfd, const char *name, const char *rel, const struct stat *st,
                 struct oci_error *err)
{
  cleanup_close int fd = openat (dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  off_t done = 0;

  if (fd < 0)
    return oci_error_set (err, errno, "open %s/%s", w->root, rel);
  while (done < st->st_size)
    {
      size_t want = (size_t) (st->st_size - done) < IO_CHUNK ? (size_t) (st->st_size - done) : IO_CHUNK;
      ssize_t n = read (fd, w->buf, want);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return oci_error_set (err, errno, "read %s/%s", w->root, rel);
      if (n == 0)
        return oci_error_set (err, 0, "%s/%s: file shrank while being archived", w->root, rel);
      if (archive_write_data (w->a, w->buf, (size_t) n) != n)
        return archive_fail (w, rel, err);
      done += n;
    }
  return 0;
}

static int walk_dir (struct writer *w, int dirfd, const char *rel, struct oci_error *err);

/* Checks an upper dir's directory for overlay features we cannot
 * represent; *opaque tells whether it hides the lower layers. */
static int
overlay_dir_state (const char *path, bool *opaque, struct oci_error *err)
{
  static const char *const unsupported[] = { "trusted.overlay.redirect", "user.overlay.redirect",
                                             "trusted.overlay.metacopy", "user.overlay.metacopy" };
  static const char *const opaque_names[] = { "trusted.overlay.opaque", "user.overlay.opaque" };

  *opaque = false;
  for (size_t i = 0; i < sizeof unsupported / sizeof *unsupported; i++)
    {
      cleanup_free char *v = NULL;
      size_t len;
      if (cmn_lgetxattr (path, unsupported[i], &v, &len) < 0)
        return oci_error_set (err, errno, "read xattr %s of %s", unsupported[i], path);
      if (v)
        return oci_error_set (err, ENOTSUP, "%s has %s: overlayfs redirect_dir/metacopy upper dirs are not supported",
                              path, unsupported[i]);
    }
  for (size_t i = 0; i < 2; i++)
    {
      cleanup_free char *v = NULL;
      size_t len;
      if (cmn_lgetxattr (path, opaque_names[i], &v, &len) < 0)
        return oci_error_set (err, errno, "read xattr %s of %s", opaque_names[i], path);
      if (v && len == 1 && v[0] == 'y')
        *opaque = true;
      else if (v && len == 1 && v[0] == 'x')
        return oci_error_set (err, ENOTSUP, "%s: overlayfs xattr whiteouts are not supported", path);
    }
  return 0;
}

/* A file with more than one name: a later name of an inode already in
 * the layer is written as a hard link to the first (1), the first is
 * remembered (0). */
static int
hardlink_entry (struct writer *w, struct archive_entry *e, const struct stat *st, const char *rel,
                struct oci_error *err)
{
  const struct cmn_inode_name *first = cmn_inode_names_find (&w->links, st->st_dev, st->st_ino);
  if (first != NULL)
    {
      archive_entry_set_hardlink (e, first->path);
      archive_entry_set_size (e, 0);
      return write_header (w, e, rel, err) < 0 ? -1 : 1;
    }
  if (cmn_inode_names_put (&w->links, st->st_dev, st->st_ino, rel) == NULL)
    return oci_error_set (err, ENOMEM, "tar entry %s", rel);
  return 0;
}

/* After a directory's own entry: its opaque marker, then its entries. */
static int
write_dir_contents (struct writer *w, int dirfd, const char *name, const char *rel, const char *host,
                    const struct stat *st, bool opaque, struct oci_error *err)
{
  if (opaque)
    {
      cleanup_free char *opq = join_path (rel, ".wh..wh..opq");
      if (opq == NULL)
        return oci_error_set (err, ENOMEM, "tar entry %s", rel);
      if (write_marker (w, opq, st, err) < 0)
        return -1;
    }
  cleanup_close int sub = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (sub < 0)
    return oci_error_set (err, errno, "open %s", host);
  return walk_dir (w, sub, rel, err);
}

static int
write_entry (struct writer *w, int dirfd, const char *name, const char *rel, struct oci_error *err)
{
  struct stat st;
  cleanup_free char *host = NULL;
  cleanup_free char *target = NULL;
  struct archive_entry *e = NULL;
  bool diff = w->opts->mode == BLD_LAYER_OVERLAY_DIFF;
  bool opaque = false;
  bool with_data = false;
  int ret = -1;

  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return oci_error_set (err, errno, "stat %s/%s", w->root, rel);
  if (S_ISSOCK (st.st_mode))
    return 0;
  if (diff && S_ISCHR (st.st_mode) && st.st_rdev == makedev (0, 0))
    {
      /* An overlay whiteout. */
      cleanup_free char *wh = NULL;
      const char *slash = strrchr (rel, '/');
      if (asprintf (&wh, "%.*s%s.wh.%s", slash ? (int) (slash - rel) : 0, rel, slash ? "/" : "", name) < 0)
        return oci_error_set (err, ENOMEM, "whiteout");
      return write_marker (w, wh, &st, err);
    }
  host = join_path (w->root, rel);
  if (host == NULL)
    return oci_error_set (err, ENOMEM, "path");
  if (diff && S_ISDIR (st.st_mode) && overlay_dir_state (host, &opaque, err) < 0)
    return -1;

  e = archive_entry_new ();
  if (e == NULL)
    return oci_error_set (err, ENOMEM, "tar entry");
  archive_entry_set_pathname (e, rel);
  archive_entry_set_mode (e, st.st_mode);
  set_common (w, e, &st);

  if (!S_ISDIR (st.st_mode) && st.st_nlink > 1)
    {
      int r = hardlink_entry (w, e, &st, rel, err);
      if (r != 0)
        {
          archive_entry_free (e);
          return r < 0 ? -1 : 0;
        }
    }

  switch (st.st_mode & S_IFMT)
    {
    case S_IFREG:
      archive_entry_set_size (e, st.st_size);
      with_data = st.st_size > 0;
      break;
    case S_IFLNK:
      if ((target = cmn_readlinkat (dirfd, name)) == NULL)
        {
          oci_error_set (err, errno, "readlink %s", host);
          goto out;
        }
      archive_entry_set_symlink (e, target);
      break;
    case S_IFCHR:
    case S_IFBLK:
      archive_entry_set_rdev (e, st.st_rdev);
      break;
    default:
      break;
    }
  if (add_xattrs (e, host, err) < 0)
    goto out;
  if (write_header (w, e, rel, err) < 0)
    goto out;
  if (with_data && write_file_data (w, dirfd, name, rel, &st, err) < 0)
    goto out;
  if (S_ISDIR (st.st_mode) && write_dir_contents (w, dirfd, name, rel, host, &st, opaque, err) < 0)
    goto out;
  ret = 0;
out:
  archive_entry_free (e);
  return ret;
}

static int
walk_dir (struct writer *w, int dirfd, const char *rel, struct oci_error *err)
{
  cleanup_closedir DIR *d = NULL;
  char **names = NULL;
  size_t n = 0;
  struct dirent *de;
  int fd = dup (dirfd);
  int ret = -1;

  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return oci_error_set (err, errno, "read directory %s/%s", w->root, rel ? rel : "");
    }
  while ((de = cmn_readdir (d)) != NULL)
    if (cmn_strv_push (&names, &n, de->d_name) < 0)
      goto nomem;
  if (errno != 0)
    {
      oci_error_set (err, errno, "read directory %s/%s", w->root, rel ? rel : "");
      goto out;
    }
  /* readdir order is the filesystem's: sort for reproducibility. */
  if (n > 1)
    qsort (names, n, sizeof *names, cmn_strv_cmp);
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *child = join_path (rel, names[i]);
      if (child == NULL)
        goto nomem;
      if (write_entry (w, dirfd, names[i], child, err) < 0)
        goto out;
    }
  ret = 0;
  goto out;
nomem:
  oci_error_set (err, ENOMEM, "read directory %s/%s", w->root, rel ? rel : "");
out:
  cmn_strv_free_n (names, n);
  return ret;
}

int
bld_layer_write (const char *root, const struct bld_layer_write_options *opts_in, bld_layer_sink_fn sink,
                 void *sink_ctx, struct bld_layer_result *result, struct oci_error *err)
{
  static const struct bld_layer_write_options defaults = { .compression = BLD_COMPRESSION_GZIP };
  const struct bld_layer_write_options *opts = opts_in ? opts_in : &defaults;
  __attribute__ ((cleanup (compressor_freep))) struct bld_compressor *z = NULL;
  cleanup_digester struct oci_digester *tar_digest = NULL;
  cleanup_digester struct oci_digester *out_digest = NULL;
  cleanup_close int rootfd = -1;
  cleanup_free char *buf = NULL;
  struct writer w = { 0 };
  struct stat st;
  int ret = -1;

  memset (result, 0, sizeof *result);
  rootfd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return oci_error_set (err, errno, "open layer root %s", root);
  if (oci_digester_new (OCI_DIGEST_SHA256, &tar_digest, err) < 0
      || (opts->compression != BLD_COMPRESSION_NONE && oci_digester_new (OCI_DIGEST_SHA256, &out_digest, err) < 0))
    return -1;
  buf = malloc (IO_CHUNK);
  if (buf == NULL)
    return oci_error_set (err, ENOMEM, "layer");

  w.opts = opts;
  w.root = root;
  w.tar_digest = tar_digest;
  w.out_digest = out_digest;
  w.sink = sink;
  w.sink_ctx = sink_ctx;
  w.buf = buf;
  if (bld_compressor_new (opts->compression, opts->level, opts->threads, out_sink, &w, &z, err) < 0)
    return -1;
  w.z = z;

  w.a = archive_write_new ();
  if (w.a == NULL)
    return oci_error_set (err, ENOMEM, "libarchive");
  if (archive_write_set_format_pax (w.a) != ARCHIVE_OK
      || archive_write_set_format_option (w.a, "pax", "xattrheader", "SCHILY") < ARCHIVE_OK
      || archive_write_set_bytes_per_block (w.a, 10240) != ARCHIVE_OK
      || archive_write_set_bytes_in_last_block (w.a, 1) != ARCHIVE_OK)
    {
      archive_fail (&w, "set up the tar writer", err);
      goto out;
    }
  if (archive_write_open2 (w.a, &w, NULL, archive_write_cb, NULL, NULL) != ARCHIVE_OK)
    {
      archive_fail (&w, "open the tar writer", err);
      goto out;
    }

  if (opts->mode == BLD_LAYER_OVERLAY_DIFF)
    {
      bool opaque;
      if (overlay_dir_state (root, &opaque, err) < 0)
        goto out;
      if (opaque && fstat (rootfd, &st) == 0 && write_marker (&w, ".wh..wh..opq", &st, err) < 0)
        goto out;
    }
  if (walk_dir (&w, rootfd, NULL, err) < 0)
    {
      oci_error_prefix (err, "layer of %s", root);
      goto out;
    }
  if (archive_write_close (w.a) != ARCHIVE_OK)
    {
      archive_fail (&w, "finish the tar stream", err);
      goto out;
    }
  if (bld_compressor_finish (z, err) < 0)
    goto out;
  result->tar_size = oci_digester_size (tar_digest);
  result->size = (int64_t) (out_digest ? oci_digester_size (out_digest) : result->tar_size);
  result->entries = w.entries;
  if (oci_digester_final (tar_digest, result->diff_id, err) < 0
      || (out_digest && oci_digester_final (out_digest, result->digest, err) < 0))
    goto out;
  if (out_digest == NULL)
    memcpy (result->digest, result->diff_id, sizeof result->digest);
  ret = 0;
out:
  archive_write_free (w.a);
  cmn_inode_names_clear (&w.links);
  oci_error_clear (&w.cb_err);
  return ret;
}

static int
fd_sink (void *ctx, const void *buf, size_t len, struct oci_error *err)
{
  int fd = *(int *) ctx;
  if (oci_write_all (fd, buf, len) < 0)
    return oci_error_set (err, errno, "write layer");
  return 0;
}

int
bld_layer_write_fd (const char *root, const struct bld_layer_write_options *opts, int fd,
                    struct bld_layer_result *result, struct oci_error *err)
{
  return bld_layer_write (root, opts, fd_sink, &fd, result, err);
}

static int
blob_sink (void *ctx, const void *buf, size_t len, struct oci_error *err)
{
  return bld_blob_writer_write (ctx, buf, len, err);
}

int
bld_layer_write_to_store (struct bld_store *store, const char *root, const struct bld_layer_write_options *opts,
                          struct bld_layer_result *result, struct oci_image_descriptor **desc, struct oci_error *err)
{
  cleanup_blob_writer struct bld_blob_writer *bw = NULL;
  cleanup_image_descriptor struct oci_image_descriptor *d = NULL;
  enum bld_compression c = opts ? opts->compression : BLD_COMPRESSION_GZIP;

  if (desc)
    *desc = NULL;
  if (bld_blob_writer_new (store, &bw, err) < 0)
    return -1;
  if (bld_layer_write (root, opts, blob_sink, bw, result, err) < 0)
    return -1;
  if (bld_blob_writer_commit (bw, result->digest, NULL, NULL, err) < 0)
    return oci_error_prefix (err, "store layer of %s", root);
  if (desc == NULL)
    return 0;
  d = calloc (1, sizeof *d);
  if (d == NULL || (d->media_type = strdup (bld_compression_media_type (c))) == NULL
      || (d->digest = strdup (result->digest)) == NULL)
    return oci_error_set (err, ENOMEM, "layer descriptor");
  d->size = result->size;
  d->has_size = true;
  *desc = steal_pointer (&d);
  return 0;
}
