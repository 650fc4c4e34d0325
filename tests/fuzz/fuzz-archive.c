/* Loading images (builder/distribution/transfer.c): the input as an oci-archive (a
 * tar, gzip or zstd), or (after a first byte 0x01) the index.json of an
 * OCI layout whose blobs are two fixed ones, loaded into a fresh store. */
#include "config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "digest.h"
#include "fileutil.h"
#include "image/store.h"
#include "distribution/transfer.h"
#include "../unit/tree-walk.h"
#include "fuzz.h"

static char *tmp;

static void
write_file (const char *path, const void *data, size_t size)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || oci_write_all (fd, data, size) < 0)
    abort ();
  close (fd);
}

/* At libFuzzer's exit (the end of -max_total_time or -runs). */
static void
cleanup (void)
{
  tree_remove (tmp);
}

/* A layout with a config blob ("{}") and an empty-tar layer, so indexes
 * that name them reach the manifest walk. */
static void
setup (void)
{
  const char *base = getenv ("TMPDIR");
  char *tmpl;
  static const char config[] =
      "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
  char digest[OCI_DIGEST_STRING_MAX];
  struct oci_error err = OCI_ERROR_INIT;

  if (access ("/dev/shm", W_OK) == 0 && base == NULL)
    base = "/dev/shm";
  if (asprintf (&tmpl, "%s/fuzz-archive-XXXXXX", base ? base : "/tmp") < 0 || (tmp = mkdtemp (tmpl)) == NULL)
    abort ();
  mkdir (P ("layout"), 0755);
  mkdir (P ("layout/blobs"), 0755);
  mkdir (P ("layout/blobs/sha256"), 0755);
  write_file (P ("layout/oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
  if (oci_digest_buffer (config, sizeof config - 1, digest, &err) < 0)
    abort ();
  write_file (P ("layout/blobs/sha256/%s", digest + 7), config, sizeof config - 1);
  atexit (cleanup);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_store struct bld_store *s = NULL;
  cleanup_transport struct bld_transport t = { 0 };
  cleanup_free char *spec = NULL;
  struct bld_load_options o = { .name = NULL, .tag = true };
  struct bld_loaded *loaded = NULL;
  size_t n = 0;

  if (size == 0)
    return 0;
  if (tmp == NULL)
    setup ();
  tree_remove (P ("store"));
  if (bld_store_open (P ("store"), true, &s, &err) < 0)
    FUZZ_ASSERT (false, "store: %s", oci_error_msg (&err));
  if (data[0] == 1)
    {
      write_file (P ("layout/index.json"), data + 1, size - 1);
      if (asprintf (&spec, "oci:%s", P ("layout")) < 0)
        abort ();
    }
  else
    {
      write_file (P ("archive"), data, size);
      if (asprintf (&spec, "oci-archive:%s", P ("archive")) < 0)
        abort ();
    }
  if (bld_transport_parse (spec, true, &t, &err) < 0)
    FUZZ_ASSERT (false, "transport %s: %s", spec, oci_error_msg (&err));
  if (bld_load (s, &t, &o, &loaded, &n, &err) == 0)
    bld_loaded_free (loaded, n);
  else
    FUZZ_ASSERT (oci_error_msg (&err)[0], "an error without a message");
  oci_error_clear (&err);
  return 0;
}
