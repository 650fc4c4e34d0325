/* The image store: an OCI image layout plus .store/ (lock, temporary
 * files).  See store.h for the guarantees. */
#include "config.h"
#include "image/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "common/fs.h"
#include "common/strv.h"
#include "fileutil.h"

#define STORE_PRIVATE ".store"
#define STORE_TMP STORE_PRIVATE "/tmp"
#define STORE_LOCK STORE_PRIVATE "/lock"

struct bld_store
{
  char *dir;
  int dirfd;
  int lock_fd;
  unsigned lock_depth;
  bool docker_format; /* bld_store_set_docker_format */
};

struct bld_blob_writer
{
  struct bld_store *store;
  char *tmp_path; /* absolute-ish: dir/.store/tmp/blob-XXXXXX */
  int fd;
  struct oci_digester *digester;
  bool done;
};

static void
fsync_dir (const char *path)
{
  cleanup_close int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0)
    fsync (fd);
}

static int store_open (const char *dir, bool create, bool read_only, struct bld_store **out, struct oci_error *err);

int
bld_store_open (const char *dir, bool create, struct bld_store **out, struct oci_error *err)
{
  return store_open (dir, create, false, out, err);
}

int
bld_store_open_read_only (const char *dir, struct bld_store **out, struct oci_error *err)
{
  return store_open (dir, false, true, out, err);
}

static int
store_open (const char *dir, bool create, bool read_only, struct bld_store **out, struct oci_error *err)
{
  cleanup_free struct bld_store *s = NULL;
  cleanup_free char *p = NULL;
  struct stat st;

  *out = NULL;
  if (dir == NULL || *dir == '\0')
    return oci_error_set (err, EINVAL, "open store: no directory given");
  if (create && cmn_mkdir_p (dir, 0755, err) < 0)
    return oci_error_prefix (err, "create store %s", dir);

  s = calloc (1, sizeof *s);
  if (s == NULL)
    return oci_error_set (err, ENOMEM, "open store %s", dir);
  /* Absolute: paths under the store go into config.json files (root.path
   * of a RUN step, mount sources), which a runtime reads from elsewhere. */
  s->dir = realpath (dir, NULL);
  if (s->dir == NULL)
    return oci_error_set (err, errno, "open store %s", dir);
  s->lock_fd = -1;
  s->dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->dirfd < 0)
    {
      int saved = errno;
      free (s->dir);
      return oci_error_set (err, saved, "open store %s", dir);
    }
  /* From here on bld_store_free releases everything. */
  struct bld_store *store = steal_pointer (&s);
  cleanup_store struct bld_store *guard = store;

  if (create)
    {
      if (mkdirat (store->dirfd, "blobs", 0755) < 0 && errno != EEXIST)
        return oci_error_set (err, errno, "create %s/blobs", dir);
      if (mkdirat (store->dirfd, "blobs/sha256", 0755) < 0 && errno != EEXIST)
        return oci_error_set (err, errno, "create %s/blobs/sha256", dir);
      if (fstatat (store->dirfd, "oci-layout", &st, 0) < 0)
        {
          static const char layout[] = "{\"imageLayoutVersion\":\"" OCI_IMAGE_LAYOUT_VERSION "\"}";
          if (asprintf (&p, "%s/oci-layout", dir) < 0)
            return oci_error_set (err, ENOMEM, "create store");
          if (oci_write_file_atomic (p, layout, strlen (layout), 0644, err) < 0)
            return oci_error_prefix (err, "create store %s", dir);
          free (steal_pointer (&p));
        }
      if (fstatat (store->dirfd, "index.json", &st, 0) < 0)
        {
          static const char index[] = "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MEDIA_TYPE_IMAGE_INDEX
                                      "\",\"manifests\":[]}";
          if (asprintf (&p, "%s/index.json", dir) < 0)
            return oci_error_set (err, ENOMEM, "create store");
          if (oci_write_file_atomic (p, index, strlen (index), 0644, err) < 0)
            return oci_error_prefix (err, "create store %s", dir);
          free (steal_pointer (&p));
        }
    }

  /* It must be a layout of a version we read. */
  {
    cleanup_image_layout struct oci_image_layout *layout = NULL;
    cleanup_free char *text = NULL;
    size_t len;
    if (asprintf (&p, "%s/oci-layout", dir) < 0)
      return oci_error_set (err, ENOMEM, "open store");
    /* Regular files only: a layout only read from may be anyone's. */
    if (oci_read_regular_file (p, OCI_JSON_FILE_MAX, &text, &len, err) < 0
        || oci_image_layout_parse_text (p, text, len, &layout, err) < 0)
      return oci_error_prefix (err, "open store %s: not an OCI image layout", dir);
    if (strncmp (layout->image_layout_version, "1.", 2) != 0)
      return oci_error_set (err, 0, "open store %s: unsupported imageLayoutVersion %s", dir,
                            layout->image_layout_version);
  }

  /* The private part is made on demand even without create: a layout
   * written by another tool is usable as a store.  A layout only read
   * from (FROM oci:DIR) is left as it is. */
  if (read_only)
    {
      *out = steal_pointer (&guard);
      return 0;
    }
  if (mkdirat (store->dirfd, STORE_PRIVATE, 0700) < 0 && errno != EEXIST)
    return oci_error_set (err, errno, "create %s/" STORE_PRIVATE, dir);
  if (mkdirat (store->dirfd, STORE_TMP, 0700) < 0 && errno != EEXIST)
    return oci_error_set (err, errno, "create %s/" STORE_TMP, dir);
  if (mkdirat (store->dirfd, "blobs", 0755) < 0 && errno != EEXIST)
    return oci_error_set (err, errno, "create %s/blobs", dir);
  if (mkdirat (store->dirfd, "blobs/sha256", 0755) < 0 && errno != EEXIST)
    return oci_error_set (err, errno, "create %s/blobs/sha256", dir);

  *out = steal_pointer (&guard);
  return 0;
}

void
bld_store_free (struct bld_store *s)
{
  if (s == NULL)
    return;
  if (s->lock_fd >= 0)
    close (s->lock_fd);
  if (s->dirfd >= 0)
    close (s->dirfd);
  free (s->dir);
  free (s);
}

void
bld_store_freep (struct bld_store **s)
{
  bld_store_free (*s);
}

const char *
bld_store_dir (const struct bld_store *s)
{
  return s->dir;
}

int
bld_store_lock (struct bld_store *s, struct oci_error *err)
{
  if (s->lock_depth > 0)
    {
      s->lock_depth++;
      return 0;
    }
  s->lock_fd = openat (s->dirfd, STORE_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (s->lock_fd < 0)
    return oci_error_set (err, errno, "open %s/" STORE_LOCK, s->dir);
  while (flock (s->lock_fd, LOCK_EX) < 0)
    if (errno != EINTR)
      {
        int saved = errno;
        close (s->lock_fd);
        s->lock_fd = -1;
        return oci_error_set (err, saved, "lock %s/" STORE_LOCK, s->dir);
      }
  s->lock_depth = 1;
  return 0;
}

void
bld_store_unlock (struct bld_store *s)
{
  if (s->lock_depth == 0 || --s->lock_depth > 0)
    return;
  close (s->lock_fd); /* releases the flock */
  s->lock_fd = -1;
}

int
bld_store_clean_tmp (struct bld_store *s, struct oci_error *err)
{
  cleanup_close int fd = openat (s->dirfd, STORE_TMP, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_closedir DIR *d = NULL;
  struct dirent *de;

  if (fd < 0)
    return oci_error_set (err, errno, "open %s/" STORE_TMP, s->dir);
  d = fdopendir (fd);
  if (d == NULL)
    return oci_error_set (err, errno, "open %s/" STORE_TMP, s->dir);
  fd = -1; /* owned by d */
  while ((de = readdir (d)) != NULL)
    {
      cleanup_close int f = -1;
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      f = openat (dirfd (d), de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
      if (f < 0)
        continue;
      /* A writer holds its file's lock until commit or free. */
      if (flock (f, LOCK_EX | LOCK_NB) < 0)
        continue;
      if (unlinkat (dirfd (d), de->d_name, 0) < 0 && errno != ENOENT)
        return oci_error_set (err, errno, "remove %s/" STORE_TMP "/%s", s->dir, de->d_name);
    }
  return 0;
}

/* ---- private paths ---- */

static const char *const area_names[] = {
  [BLD_STORE_PRIVATE] = STORE_PRIVATE,
  [BLD_STORE_TMP] = STORE_TMP,
  [BLD_STORE_LOCK] = STORE_LOCK,
  [BLD_STORE_LAYERS] = STORE_PRIVATE "/layers",
  [BLD_STORE_EMPTY] = STORE_PRIVATE "/empty",
  [BLD_STORE_CACHE] = STORE_PRIVATE "/cache",
  [BLD_STORE_BUILDCACHE] = STORE_PRIVATE "/buildcache",
  [BLD_STORE_BUILDS_LOCK] = STORE_PRIVATE "/builds.lock",
  [BLD_STORE_RUN] = STORE_PRIVATE "/run",
  [BLD_STORE_REGISTRY_BLOBS] = STORE_PRIVATE "/registry-blobs",
  [BLD_STORE_COMPRESSED] = STORE_PRIVATE "/compressed",
  [BLD_STORE_LAYER_SIZES] = STORE_PRIVATE "/layer-sizes",
};

const char *
bld_store_area_name (enum bld_store_area a)
{
  return (size_t) a < sizeof area_names / sizeof *area_names ? area_names[a] : STORE_PRIVATE;
}

int
bld_store_area_path (const char *store_dir, enum bld_store_area a, char **out, struct oci_error *err)
{
  if (asprintf (out, "%s/%s", store_dir, bld_store_area_name (a)) < 0)
    {
      *out = NULL;
      return oci_error_set (err, ENOMEM, "%s/%s", store_dir, bld_store_area_name (a));
    }
  return 0;
}

int
bld_store_private_path (const char *store_dir, const char *leaf, char **out, struct oci_error *err)
{
  if (asprintf (out, "%s/" STORE_PRIVATE "/%s", store_dir, leaf) < 0)
    {
      *out = NULL;
      return oci_error_set (err, ENOMEM, "%s/" STORE_PRIVATE "/%s", store_dir, leaf);
    }
  return 0;
}

int
bld_store_build_dir (const char *store_dir, long pid, char **out, struct oci_error *err)
{
  if (asprintf (out, "%s/" STORE_PRIVATE "/" BLD_STORE_BUILD_PREFIX "%ld", store_dir, pid) < 0)
    {
      *out = NULL;
      return oci_error_set (err, ENOMEM, "%s/" STORE_PRIVATE "/" BLD_STORE_BUILD_PREFIX "%ld", store_dir, pid);
    }
  return 0;
}

/* ---- blobs ---- */

int
bld_blob_writer_new (struct bld_store *s, struct bld_blob_writer **out, struct oci_error *err)
{
  struct bld_blob_writer *w = calloc (1, sizeof *w);
  cleanup_blob_writer struct bld_blob_writer *guard = w;

  *out = NULL;
  if (w == NULL)
    return oci_error_set (err, ENOMEM, "new blob");
  w->store = s;
  w->fd = -1;
  if (asprintf (&w->tmp_path, "%s/" STORE_TMP "/blob-XXXXXX", s->dir) < 0)
    {
      w->tmp_path = NULL;
      return oci_error_set (err, ENOMEM, "new blob");
    }
  w->fd = mkostemp (w->tmp_path, O_CLOEXEC);
  if (w->fd < 0)
    {
      int saved = errno;
      free (w->tmp_path);
      w->tmp_path = NULL;
      return oci_error_set (err, saved, "create a temporary blob in %s/" STORE_TMP, s->dir);
    }
  if (fchmod (w->fd, 0644) < 0 || flock (w->fd, LOCK_EX) < 0)
    return oci_error_set (err, errno, "temporary blob %s", w->tmp_path);
  if (oci_digester_new (OCI_DIGEST_SHA256, &w->digester, err) < 0)
    return -1;
  *out = steal_pointer (&guard);
  return 0;
}

int
bld_blob_writer_write (struct bld_blob_writer *w, const void *buf, size_t len, struct oci_error *err)
{
  if (w->done)
    return oci_error_set (err, EINVAL, "write to a committed blob");
  if (oci_digester_update (w->digester, buf, len, err) < 0)
    return -1;
  if (oci_write_all (w->fd, buf, len) < 0)
    return oci_error_set (err, errno, "write %s", w->tmp_path);
  return 0;
}

int
bld_blob_writer_commit (struct bld_blob_writer *w, const char *expected_digest, char digest[OCI_DIGEST_STRING_MAX],
                        int64_t *size, struct oci_error *err)
{
  char got[OCI_DIGEST_STRING_MAX];
  cleanup_free char *final = NULL;
  cleanup_free char *dir = NULL;
  struct stat st;
  uint64_t n = oci_digester_size (w->digester);

  if (w->done)
    return oci_error_set (err, EINVAL, "blob already committed");
  w->done = true;
  if (oci_digester_final (w->digester, got, err) < 0)
    return -1;
  if (expected_digest && strcmp (expected_digest, got) != 0)
    return oci_error_set (err, 0, "blob: digest mismatch: expected %s, got %s", expected_digest, got);
  if (oci_layout_blob_path (w->store->dir, got, &final, err) < 0)
    return -1;
  /* Content addressed: a present blob has this content already (and a
   * reader may be using it), so it is not rewritten. */
  if (stat (final, &st) == 0 && S_ISREG (st.st_mode) && (uint64_t) st.st_size == n)
    {
      unlink (w->tmp_path);
    }
  else
    {
      if (fsync (w->fd) < 0)
        return oci_error_set (err, errno, "fsync %s", w->tmp_path);
      if (rename (w->tmp_path, final) < 0)
        return oci_error_set (err, errno, "rename %s to %s", w->tmp_path, final);
      if (asprintf (&dir, "%s/blobs/sha256", w->store->dir) >= 0)
        fsync_dir (dir);
    }
  free (w->tmp_path);
  w->tmp_path = NULL;
  if (digest)
    memcpy (digest, got, sizeof got);
  if (size)
    *size = (int64_t) n;
  return 0;
}

void
bld_blob_writer_free (struct bld_blob_writer *w)
{
  if (w == NULL)
    return;
  if (w->tmp_path)
    {
      unlink (w->tmp_path);
      free (w->tmp_path);
    }
  if (w->fd >= 0)
    close (w->fd);
  oci_digester_free (w->digester);
  free (w);
}

void
bld_blob_writer_freep (struct bld_blob_writer **w)
{
  bld_blob_writer_free (*w);
}

int
bld_store_put_fd (struct bld_store *s, int fd, const char *expected_digest, char digest[OCI_DIGEST_STRING_MAX],
                  int64_t *size, struct oci_error *err)
{
  cleanup_blob_writer struct bld_blob_writer *w = NULL;
  cleanup_free char *buf = malloc (1 << 17);

  if (buf == NULL)
    return oci_error_set (err, ENOMEM, "put blob");
  if (bld_blob_writer_new (s, &w, err) < 0)
    return -1;
  for (;;)
    {
      ssize_t n = read (fd, buf, 1 << 17);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return oci_error_set (err, errno, "put blob: read");
      if (n == 0)
        break;
      if (bld_blob_writer_write (w, buf, (size_t) n, err) < 0)
        return -1;
    }
  return bld_blob_writer_commit (w, expected_digest, digest, size, err);
}

int
bld_store_put_file (struct bld_store *s, const char *path, const char *expected_digest,
                    char digest[OCI_DIGEST_STRING_MAX], int64_t *size, struct oci_error *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return oci_error_set (err, errno, "open %s", path);
  if (bld_store_put_fd (s, fd, expected_digest, digest, size, err) < 0)
    return oci_error_prefix (err, "put %s", path);
  return 0;
}

int
bld_store_put_buffer (struct bld_store *s, const void *buf, size_t len, char digest[OCI_DIGEST_STRING_MAX],
                      int64_t *size, struct oci_error *err)
{
  cleanup_blob_writer struct bld_blob_writer *w = NULL;
  if (bld_blob_writer_new (s, &w, err) < 0 || bld_blob_writer_write (w, buf, len, err) < 0)
    return -1;
  return bld_blob_writer_commit (w, NULL, digest, size, err);
}

bool
bld_store_has_blob (struct bld_store *s, const char *digest)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *path = NULL;
  struct stat st;
  if (oci_layout_blob_path (s->dir, digest, &path, &err) < 0)
    return false;
  return stat (path, &st) == 0 && S_ISREG (st.st_mode);
}

int
bld_store_blob_path (struct bld_store *s, const char *digest, int64_t expected_size, bool verify, char **out,
                     struct oci_error *err)
{
  cleanup_free char *path = NULL;
  struct stat st;

  *out = NULL;
  if (oci_layout_blob_path (s->dir, digest, &path, err) < 0)
    return -1;
  if (stat (path, &st) < 0)
    return oci_error_set (err, errno, "blob %s", digest);
  if (!S_ISREG (st.st_mode))
    return oci_error_set (err, 0, "blob %s: not a regular file", digest);
  if (expected_size >= 0 && st.st_size != expected_size)
    return oci_error_set (err, 0, "blob %s: size %lld, expected %lld", digest, (long long) st.st_size,
                          (long long) expected_size);
  if (verify && oci_verify_file (path, digest, expected_size, err) < 0)
    return oci_error_prefix (err, "blob %s", digest);
  *out = steal_pointer (&path);
  return 0;
}

int
bld_store_read_blob (struct bld_store *s, const char *digest, size_t max, char **out, size_t *len,
                     struct oci_error *err)
{
  cleanup_free char *path = NULL;
  cleanup_free char *data = NULL;
  size_t n;

  if (bld_store_blob_path (s, digest, -1, false, &path, err) < 0)
    return -1;
  if (oci_read_file (path, max, &data, &n, err) < 0)
    return oci_error_prefix (err, "blob %s", digest);
  if (oci_digest_verify_buffer (digest, data, n, err) < 0)
    return oci_error_prefix (err, "blob %s", digest);
  *out = steal_pointer (&data);
  if (len)
    *len = n;
  return 0;
}

/* ---- index.json ---- */

static int
index_path (struct bld_store *s, char **out, struct oci_error *err)
{
  if (asprintf (out, "%s/index.json", s->dir) < 0)
    {
      *out = NULL;
      return oci_error_set (err, ENOMEM, "index.json");
    }
  return 0;
}

int
bld_store_read_index (struct bld_store *s, struct oci_image_index **out, struct oci_error *err)
{
  cleanup_free char *path = NULL;
  cleanup_free char *text = NULL;
  size_t len;
  if (index_path (s, &path, err) < 0 || oci_read_regular_file (path, OCI_JSON_FILE_MAX, &text, &len, err) < 0)
    return -1;
  return oci_image_index_parse_text (path, text, len, out, err);
}

static int
write_index (struct bld_store *s, const struct oci_image_index *index, struct oci_error *err)
{
  cleanup_free char *path = NULL;
  cleanup_free char *text = NULL;
  size_t len;

  if (index_path (s, &path, err) < 0)
    return -1;
  if (oci_image_index_emit (index, false, &text, &len, err) < 0)
    return oci_error_prefix (err, "write %s", path);
  return oci_write_file_atomic (path, text, len, 0644, err);
}

int
bld_store_write_index (struct bld_store *s, const struct oci_image_index *index, struct oci_error *err)
{
  if (bld_store_lock (s, err) < 0)
    return -1;
  int ret = write_index (s, index, err);
  bld_store_unlock (s);
  return ret;
}

/* A deep copy of a descriptor, by value (members owned by dst). */
static int
descriptor_copy (const struct oci_image_descriptor *src, struct oci_image_descriptor *dst, struct oci_error *err)
{
  cleanup_free char *text = NULL;
  struct oci_image_descriptor *copy = NULL;
  size_t len;

  if (oci_image_descriptor_emit (src, false, &text, &len, err) < 0
      || oci_image_descriptor_parse_text ("descriptor", text, len, &copy, err) < 0)
    return -1;
  *dst = *copy;
  free (copy);
  return 0;
}

static void
descriptor_clear (struct oci_image_descriptor *d)
{
  struct oci_image_descriptor *shell = malloc (sizeof *shell);
  if (shell == NULL)
    return; /* leaks on ENOMEM only */
  *shell = *d;
  oci_image_descriptor_free (shell);
  memset (d, 0, sizeof *d);
}

static const char *
ref_name_of (const struct oci_image_descriptor *d)
{
  return oci_string_map_get (&d->annotations, OCI_ANNOTATION_REF_NAME);
}

/* Which entries index_update drops: those named name, the unnamed ones
 * of manifest unnamed_digest, and every one (named or not) of the
 * manifests in digests.  With keep_renamed, an entry whose name moves to
 * another manifest (build -t, tag, pull) stays without it, dangling
 * (`<none>`, as docker leaves it), unless another entry keeps its
 * manifest. */
struct index_drop
{
  const char *name;
  const char *unnamed_digest;
  char *const *digests;
  size_t n_digests;
  bool keep_renamed;
};

static bool
index_drops (const struct index_drop *drop, const struct oci_image_descriptor *d, const char *name)
{
  if (drop->name && name && strcmp (name, drop->name) == 0)
    return true;
  if (drop->unnamed_digest && name == NULL && strcmp (d->digest, drop->unnamed_digest) == 0)
    return true;
  for (size_t i = 0; i < drop->n_digests; i++)
    if (strcmp (d->digest, drop->digests[i]) == 0)
      return true;
  return false;
}

/* Whether an entry of index other than the i-th holds manifest digest
 * (then a name moving off the i-th leaves nothing dangling). */
static bool
manifest_kept_elsewhere (const struct oci_image_index *index, size_t i, const char *digest)
{
  for (size_t j = 0; j < index->manifests_len; j++)
    if (j != i && index->manifests[j].digest && strcmp (index->manifests[j].digest, digest) == 0)
      return true;
  return false;
}

/* Rewrites index.json's entries under the lock: drops the entries drop
 * says, then appends add (a copy) when not NULL, named add_name when not
 * NULL.  *removed counts dropped entries. */
static int
index_update (struct bld_store *s, const struct index_drop *drop, const struct oci_image_descriptor *add,
              const char *add_name, size_t *removed, struct oci_error *err)
{
  cleanup_image_index struct oci_image_index *index = NULL;
  struct oci_image_descriptor *kept;
  size_t n = 0, dropped = 0;
  int ret = -1;

  if (bld_store_lock (s, err) < 0)
    return -1;
  if (bld_store_read_index (s, &index, err) < 0)
    goto out;
  kept = calloc (index->manifests_len + 1, sizeof *kept);
  if (kept == NULL)
    {
      oci_error_set (err, ENOMEM, "update index.json");
      goto out;
    }
  for (size_t i = 0; i < index->manifests_len; i++)
    {
      struct oci_image_descriptor *d = &index->manifests[i];
      if (index_drops (drop, d, ref_name_of (d)))
        {
          if (drop->keep_renamed && add && strcmp (d->digest, add->digest) != 0
              && !manifest_kept_elsewhere (index, i, d->digest))
            {
              oci_string_map_remove (&d->annotations, OCI_ANNOTATION_REF_NAME);
              kept[n++] = *d;
              continue;
            }
          descriptor_clear (d);
          dropped++;
        }
      else
        kept[n++] = *d;
    }
  free (index->manifests);
  index->manifests = kept;
  index->manifests_len = n;
  if (add)
    {
      if (descriptor_copy (add, &kept[n], err) < 0)
        goto out;
      index->manifests_len++;
      /* The ref name is ours to set; other annotations are kept. */
      if (add_name && oci_string_map_set (&kept[n].annotations, OCI_ANNOTATION_REF_NAME, add_name) < 0)
        {
          oci_error_set (err, ENOMEM, "update index.json");
          goto out;
        }
    }
  if (removed)
    *removed = dropped;
  ret = write_index (s, index, err);
out:
  bld_store_unlock (s);
  return ret;
}

static bool
looks_like_digest (const char *ref)
{
  cleanup_digest struct oci_digest d = { 0 };
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  return oci_digest_parse (ref, &d, &err) == 0 && d.alg != OCI_DIGEST_OTHER;
}

enum bld_image_id_form
bld_image_id_form (const char *ref, const char **hex)
{
  const char *h = strncmp (ref, "sha256:", 7) == 0 ? ref + 7 : ref;
  size_t n = strspn (h, "0123456789abcdef");

  if (h[n] != '\0' || n < BLD_IMAGE_ID_PREFIX_MIN || n > 64)
    return BLD_IMAGE_ID_NONE;
  if (hex)
    *hex = h;
  return n == 64 ? BLD_IMAGE_ID_FULL : BLD_IMAGE_ID_PREFIX;
}

/* The image id of an index entry: its manifest's config digest; "" for
 * an entry that is not an image manifest (an index, an artifact). */
static int
entry_id (struct bld_store *s, const struct oci_image_descriptor *d, char id[OCI_DIGEST_STRING_MAX],
          struct oci_error *err)
{
  cleanup_image_manifest struct oci_image_manifest *m = NULL;

  id[0] = '\0';
  if (d->artifact_type)
    return 0;
  if (d->media_type && strcmp (d->media_type, OCI_MEDIA_TYPE_IMAGE_MANIFEST) != 0
      && strcmp (d->media_type, DOCKER_MEDIA_TYPE_MANIFEST) != 0)
    return 0;
  if (bld_store_read_manifest (s, d, &m, err) < 0)
    return -1;
  if (m->config == NULL || m->config->digest == NULL)
    return oci_error_set (err, 0, "manifest %s has no config", d->digest);
  snprintf (id, OCI_DIGEST_STRING_MAX, "%s", m->config->digest);
  return 0;
}

int
bld_store_image_id (struct bld_store *s, const struct oci_image_descriptor *desc, char id[OCI_DIGEST_STRING_MAX],
                    struct oci_error *err)
{
  return entry_id (s, desc, id, err);
}

/* The first index entry whose id starts with the hex digits (all 64: is
 * the id, or the manifest digest is sha256:HEX).  *pos is -1 when none
 * does; *n_ids counts the distinct ids that match. */
static int
find_by_id (struct bld_store *s, const struct oci_image_index *index, const char *hex, long *pos, size_t *n_ids,
            struct oci_error *err)
{
  size_t len = strlen (hex);
  char **seen = NULL;
  size_t n_seen = 0;
  int ret = 0;

  *pos = -1;
  for (size_t i = 0; i < index->manifests_len && ret == 0; i++)
    {
      const struct oci_image_descriptor *d = &index->manifests[i];
      char id[OCI_DIGEST_STRING_MAX];
      struct oci_error ignored = OCI_ERROR_INIT;
      bool known = false;

      if (len == 64 && strncmp (d->digest, "sha256:", 7) == 0 && strcmp (d->digest + 7, hex) == 0)
        {
          /* The manifest digest: the entry itself, whatever its id. */
          if (*pos < 0)
            *pos = (long) i;
          continue;
        }
      /* An entry whose manifest cannot be read has no id to match. */
      if (entry_id (s, d, id, &ignored) < 0)
        {
          oci_error_clear (&ignored);
          continue;
        }
      if (strncmp (id, "sha256:", 7) != 0 || strncmp (id + 7, hex, len) != 0)
        continue;
      if (*pos < 0)
        *pos = (long) i;
      for (size_t k = 0; k < n_seen; k++)
        known = known || strcmp (seen[k], id) == 0;
      if (!known && cmn_strv_push (&seen, &n_seen, id) < 0)
        ret = oci_error_set (err, ENOMEM, "look up image id %s", hex);
    }
  *n_ids = n_seen;
  cmn_strv_free_n (seen, n_seen);
  return ret;
}

/* The entry named ref ("NAME[:TAG]", or "NAME@DIGEST" / a digest: by
 * manifest digest); *pos -1 when none is. */
static int
find_by_name (const struct oci_image_index *index, const char *ref, long *pos, char **want, struct oci_error *err)
{
  cleanup_free char *name = NULL;
  cleanup_free char *tag = NULL;
  cleanup_free char *digest = NULL;

  *pos = -1;
  *want = NULL;
  /* "alias:latest" is a well-formed digest string too: only registered
   * algorithms make a bare digest. */
  if (looks_like_digest (ref))
    {
      digest = strdup (ref);
      if (digest == NULL)
        return oci_error_set (err, ENOMEM, "resolve %s", ref);
    }
  else
    {
      if (bld_ref_parse (ref, &name, &tag, &digest, err) < 0)
        return -1;
      if (tag && asprintf (want, "%s:%s", name, tag) < 0)
        {
          *want = NULL;
          return oci_error_set (err, ENOMEM, "resolve %s", ref);
        }
    }
  for (size_t i = 0; i < index->manifests_len && *pos < 0; i++)
    {
      const struct oci_image_descriptor *d = &index->manifests[i];
      const char *n = ref_name_of (d);
      if (*want ? (n && strcmp (n, *want) == 0) : strcmp (d->digest, digest) == 0)
        *pos = (long) i;
    }
  return 0;
}

int
bld_store_lookup (struct bld_store *s, const char *ref, struct bld_image_match *out, struct oci_error *err)
{
  cleanup_image_index struct oci_image_index *index = NULL;
  cleanup_free char *want = NULL;
  const char *hex = NULL;
  enum bld_image_id_form form = bld_image_id_form (ref, &hex);
  long pos = -1;
  size_t n_ids = 0;

  memset (out, 0, sizeof *out);
  if (bld_store_read_index (s, &index, err) < 0)
    return oci_error_prefix (err, "resolve %s", ref);
  /* As docker: a full id (or "sha256:" and a prefix) is an id; a bare
   * prefix is a name first (tags may be hex), then an id prefix. */
  if (form == BLD_IMAGE_ID_NONE || (form == BLD_IMAGE_ID_PREFIX && hex == ref))
    {
      if (find_by_name (index, ref, &pos, &want, err) < 0)
        return -1;
      out->by_name = pos >= 0 && want != NULL;
    }
  if (pos < 0 && form != BLD_IMAGE_ID_NONE)
    {
      if (find_by_id (s, index, hex, &pos, &n_ids, err) < 0)
        return -1;
      if (n_ids > 1)
        return oci_error_set (err, 0, "image id prefix %s is ambiguous in %s: %zu images match", ref, s->dir, n_ids);
    }
  if (pos < 0)
    return oci_error_set (err, 0, "image %s not found in %s", want && form == BLD_IMAGE_ID_NONE ? want : ref, s->dir);
  out->desc = calloc (1, sizeof *out->desc);
  if (out->desc == NULL)
    return oci_error_set (err, ENOMEM, "resolve %s", ref);
  if (descriptor_copy (&index->manifests[pos], out->desc, err) < 0)
    {
      free (steal_pointer (&out->desc));
      return -1;
    }
  /* A manifest that cannot be read leaves the id empty: the caller that
   * reads it says what is wrong. */
  struct oci_error ignored = OCI_ERROR_INIT;
  if (entry_id (s, out->desc, out->id, &ignored) < 0)
    oci_error_clear (&ignored);
  return 0;
}

void
bld_image_match_clear (struct bld_image_match *m)
{
  oci_image_descriptor_free (m->desc);
  memset (m, 0, sizeof *m);
}

int
bld_store_resolve (struct bld_store *s, const char *ref, struct oci_image_descriptor **out, struct oci_error *err)
{
  struct bld_image_match m;

  *out = NULL;
  if (bld_store_lookup (s, ref, &m, err) < 0)
    return -1;
  *out = steal_pointer (&m.desc);
  return 0;
}

int
bld_store_tag (struct bld_store *s, const char *ref, const struct oci_image_descriptor *desc, struct oci_error *err)
{
  cleanup_free char *name = NULL;

  if (bld_ref_normalize (ref, &name, err) < 0)
    return -1;
  if (desc == NULL || desc->digest == NULL || !bld_store_has_blob (s, desc->digest))
    return oci_error_set (err, ENOENT, "tag %s: manifest %s is not in the store", name,
                          desc && desc->digest ? desc->digest : "(none)");
  /* The unnamed entry of the same manifest, if any, is now redundant. */
  if (index_update (s, &(struct index_drop) { .name = name, .unnamed_digest = desc->digest, .keep_renamed = true },
                    desc, name, NULL, err)
      < 0)
    return oci_error_prefix (err, "tag %s", name);
  return 0;
}

int
bld_store_index_put (struct bld_store *s, const struct oci_image_descriptor *desc, const char *ref_name,
                     struct oci_error *err)
{
  const char *what = ref_name ? ref_name : desc->digest ? desc->digest : "(none)";
  if (desc->digest == NULL || !bld_store_has_blob (s, desc->digest))
    return oci_error_set (err, ENOENT, "index %s: manifest %s is not in %s", what,
                          desc->digest ? desc->digest : "(none)", s->dir);
  if (index_update (s, &(struct index_drop) { .name = ref_name, .unnamed_digest = desc->digest }, desc, ref_name,
                    NULL, err)
      < 0)
    return oci_error_prefix (err, "index %s in %s", what, s->dir);
  return 0;
}

int
bld_store_untag (struct bld_store *s, const char *ref, struct oci_error *err)
{
  cleanup_free char *name = NULL;
  size_t removed = 0;

  if (bld_ref_normalize (ref, &name, err) < 0)
    return -1;
  if (bld_store_lock (s, err) < 0)
    return -1;
  if (index_update (s, &(struct index_drop) { .name = name }, NULL, NULL, &removed, err) < 0)
    {
      bld_store_unlock (s);
      return oci_error_prefix (err, "untag %s", name);
    }
  bld_store_unlock (s);
  if (removed == 0)
    return oci_error_set (err, ENOENT, "untag %s: no such image name", name);
  return 0;
}

/* Whether the names (NAME:TAG) are all of one repository. */
static bool
one_repository (char *const *names, size_t n)
{
  for (size_t i = 1; i < n; i++)
    {
      const char *a = bld_ref_tag_colon (names[0]), *b = bld_ref_tag_colon (names[i]);
      size_t la = a ? (size_t) (a - names[0]) : strlen (names[0]);
      size_t lb = b ? (size_t) (b - names[i]) : strlen (names[i]);
      if (la != lb || strncmp (names[0], names[i], la) != 0)
        return false;
    }
  return true;
}

int
bld_store_remove_image (struct bld_store *s, const char *id, char ***names, size_t *n_names, struct oci_error *err)
{
  cleanup_image_index struct oci_image_index *index = NULL;
  char **digests = NULL;
  size_t n_digests = 0, removed = 0;
  int ret = -1;

  *names = NULL;
  *n_names = 0;
  if (bld_store_lock (s, err) < 0)
    return -1;
  if (bld_store_read_index (s, &index, err) < 0)
    goto out;
  for (size_t i = 0; i < index->manifests_len; i++)
    {
      const struct oci_image_descriptor *d = &index->manifests[i];
      const char *name = ref_name_of (d);
      char eid[OCI_DIGEST_STRING_MAX];
      struct oci_error ignored = OCI_ERROR_INIT;

      if (entry_id (s, d, eid, &ignored) < 0)
        {
          oci_error_clear (&ignored);
          continue;
        }
      if (strcmp (eid, id) != 0)
        continue;
      if (cmn_strv_push (&digests, &n_digests, d->digest) < 0 || (name && cmn_strv_push (names, n_names, name) < 0))
        {
          oci_error_set (err, ENOMEM, "remove image %s", id);
          goto out;
        }
    }
  if (n_digests == 0)
    {
      oci_error_set (err, ENOENT, "remove image %s: not in %s", id, s->dir);
      goto out;
    }
  /* As docker: names of several repositories are removed one by one. */
  if (!one_repository (*names, *n_names))
    {
      oci_error_set (err, 0, "remove image %s: it is named in several repositories (%s, %s...): remove the names", id,
                     (*names)[0], (*names)[1]);
      goto out;
    }
  ret = index_update (s, &(struct index_drop) { .digests = digests, .n_digests = n_digests }, NULL, NULL, &removed,
                      err);
  if (ret < 0)
    oci_error_prefix (err, "remove image %s", id);
out:
  bld_store_unlock (s);
  cmn_strv_free_n (digests, n_digests);
  if (ret < 0)
    cmn_strv_clear (names, n_names);
  return ret;
}

/* ---- images ---- */

static int
put_json (struct bld_store *s, const char *media_type, const char *text, size_t len,
          struct oci_image_descriptor *desc, struct oci_error *err)
{
  char digest[OCI_DIGEST_STRING_MAX];
  int64_t size;

  if (bld_store_put_buffer (s, text, len, digest, &size, err) < 0)
    return -1;
  desc->media_type = strdup (media_type);
  desc->digest = strdup (digest);
  desc->size = size;
  desc->has_size = true;
  if (desc->media_type == NULL || desc->digest == NULL)
    return oci_error_set (err, ENOMEM, "put %s", media_type);
  return 0;
}

void
bld_store_set_docker_format (struct bld_store *s, bool docker)
{
  s->docker_format = docker;
}

int
bld_store_write_image (struct bld_store *s, const struct oci_image_config *config,
                       const struct oci_image_descriptor *layers, size_t n_layers,
                       const struct oci_string_map *annotations, const char *ref,
                       struct oci_image_descriptor **manifest_desc, struct oci_error *err)
{
  cleanup_free char *config_text = NULL;
  cleanup_free char *manifest_text = NULL;
  cleanup_free char *name = NULL;
  cleanup_image_manifest struct oci_image_manifest *m = NULL;
  cleanup_image_descriptor struct oci_image_descriptor *mdesc = NULL;
  size_t len;
  int ret;

  if (manifest_desc)
    *manifest_desc = NULL;
  if (ref && bld_ref_normalize (ref, &name, err) < 0)
    return -1;
  for (size_t i = 0; i < n_layers; i++)
    if (layers[i].digest == NULL || !bld_store_has_blob (s, layers[i].digest))
      return oci_error_set (err, ENOENT, "write image: layer %zu (%s) is not in the store", i,
                            layers[i].digest ? layers[i].digest : "no digest");

  m = calloc (1, sizeof *m);
  mdesc = calloc (1, sizeof *mdesc);
  if (m == NULL || mdesc == NULL)
    return oci_error_set (err, ENOMEM, "write image");
  m->schema_version = 2;
  m->has_schema_version = true;
  m->media_type = strdup (s->docker_format ? DOCKER_MEDIA_TYPE_MANIFEST : OCI_MEDIA_TYPE_IMAGE_MANIFEST);
  m->config = calloc (1, sizeof *m->config);
  m->layers = calloc (n_layers + 1, sizeof *m->layers);
  if (m->media_type == NULL || m->config == NULL || m->layers == NULL)
    return oci_error_set (err, ENOMEM, "write image");

  if (oci_image_config_emit (config, false, &config_text, &len, err) < 0)
    return oci_error_prefix (err, "write image config");
  if (put_json (s, s->docker_format ? DOCKER_MEDIA_TYPE_IMAGE_CONFIG : OCI_MEDIA_TYPE_IMAGE_CONFIG, config_text, len,
                m->config, err)
      < 0)
    return oci_error_prefix (err, "write image config");
  for (size_t i = 0; i < n_layers; i++)
    {
      if (descriptor_copy (&layers[i], &m->layers[i], err) < 0)
        return oci_error_prefix (err, "write image");
      m->layers_len++;
    }
  for (size_t i = 0; annotations && i < annotations->len; i++)
    if (oci_string_map_set (&m->annotations, annotations->keys[i], annotations->values[i]) < 0)
      return oci_error_set (err, ENOMEM, "write image");
  if (oci_image_manifest_emit (m, false, &manifest_text, &len, err) < 0)
    return oci_error_prefix (err, "write image manifest");
  if (put_json (s, m->media_type, manifest_text, len, mdesc, err) < 0)
    return oci_error_prefix (err, "write image manifest");

  /* Last: the index entry, which makes the image visible. */
  if (bld_store_lock (s, err) < 0)
    return -1;
  if (name)
    ret = index_update (s,
                        &(struct index_drop) { .name = name, .unnamed_digest = mdesc->digest, .keep_renamed = true },
                        mdesc, name, NULL, err);
  else
    {
      cleanup_image_index struct oci_image_index *index = NULL;
      bool present = false;
      ret = bld_store_read_index (s, &index, err);
      for (size_t i = 0; ret == 0 && i < index->manifests_len; i++)
        if (strcmp (index->manifests[i].digest, mdesc->digest) == 0)
          present = true;
      if (ret == 0 && !present)
        ret = index_update (s, &(struct index_drop) { 0 }, mdesc, NULL, NULL, err);
    }
  bld_store_unlock (s);
  if (ret < 0)
    return oci_error_prefix (err, "write image");
  if (manifest_desc)
    *manifest_desc = steal_pointer (&mdesc);
  return 0;
}

int
bld_store_read_manifest (struct bld_store *s, const struct oci_image_descriptor *desc,
                         struct oci_image_manifest **out, struct oci_error *err)
{
  cleanup_free char *text = NULL;
  size_t len;

  *out = NULL;
  if (desc->has_size && desc->size > (int64_t) OCI_JSON_FILE_MAX)
    return oci_error_set (err, 0, "manifest %s: too large", desc->digest);
  if (bld_store_read_blob (s, desc->digest, OCI_JSON_FILE_MAX, &text, &len, err) < 0)
    return -1;
  if (desc->has_size && (int64_t) len != desc->size)
    return oci_error_set (err, 0, "manifest %s: size %zu, descriptor says %lld", desc->digest, len,
                          (long long) desc->size);
  return oci_image_manifest_parse_text (desc->digest, text, len, out, err);
}

int
bld_store_read_config (struct bld_store *s, const struct oci_image_descriptor *desc, struct oci_image_config **out,
                       struct oci_error *err)
{
  cleanup_free char *text = NULL;
  size_t len;

  *out = NULL;
  if (bld_store_read_blob (s, desc->digest, OCI_JSON_FILE_MAX, &text, &len, err) < 0)
    return -1;
  if (desc->has_size && (int64_t) len != desc->size)
    return oci_error_set (err, 0, "config %s: size %zu, descriptor says %lld", desc->digest, len,
                          (long long) desc->size);
  return oci_image_config_parse_text (desc->digest, text, len, out, err);
}
