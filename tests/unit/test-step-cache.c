/* The step cache's records (builder/exec/step_cache.h): what is written
 * reads back, and anything else (an older format, damage, another kind,
 * bad digests) is a miss rather than a wrong hit.  Needs no root. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "exec/step_cache.h"
#include "fileutil.h"
#include "tap.h"

#define DIGEST "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
#define DIFF_ID "sha256:486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7"
#define MEDIA "application/vnd.oci.image.layer.v1.tar+gzip"

static char *path;

static void
put (const char *text)
{
  struct oci_error e = OCI_ERROR_INIT;
  if (oci_write_file_atomic (path, text, strlen (text), 0644, &e) < 0)
    diag ("write %s: %s", path, oci_error_msg (&e));
  oci_error_clear (&e);
}

static bool
reads_layer (const char *text)
{
  struct step_cache_layer l;
  put (text);
  bool hit = step_cache_read_layer (path, &l);
  step_cache_layer_clear (&l);
  return hit;
}

static void
test_layer (void)
{
  struct step_cache_layer l;
  char digest[OCI_DIGEST_STRING_MAX] = "";

  step_cache_write_layer (path, MEDIA, 1234, DIGEST, DIFF_ID, "2024-01-02T03:04:05Z");
  ok (step_cache_read_layer (path, &l), "a written layer record reads back");
  is_str (l.media_type, MEDIA, "its media type");
  ok (l.size == 1234, "its size");
  is_str (l.digest, DIGEST, "its digest");
  is_str (l.diff_id, DIFF_ID, "its diff_id");
  is_str (l.created, "2024-01-02T03:04:05Z", "its time");
  step_cache_layer_clear (&l);
  ok (step_cache_record_blob (path, digest), "prune sees its blob");
  is_str (digest, DIGEST, "the blob's digest");

  put ("{\"kind\":\"layer\",\"mediaType\":\"" MEDIA "\",\"size\":1,\"digest\":\"" DIGEST "\",\"diffID\":\"" DIFF_ID
       "\"}");
  ok (step_cache_read_layer (path, &l) && strcmp (l.created, "") == 0, "a record without a time: time unknown");
  step_cache_layer_clear (&l);

  ok (!reads_layer (MEDIA " 1234 " DIGEST " " DIFF_ID " 2024-01-02T03:04:05Z\n"), "the older text format is a miss");
  ok (!reads_layer ("{\"kind\":\"layer\",\"mediaType\":"), "a truncated record is a miss");
  ok (!reads_layer ("{\"kind\":\"metadata-run\",\"steps\":[]}"), "another kind is a miss");
  ok (!reads_layer ("{\"kind\":\"layer\",\"mediaType\":\"" MEDIA "\",\"size\":-1,\"digest\":\"" DIGEST
                    "\",\"diffID\":\"" DIFF_ID "\"}"),
      "a negative size is a miss");
  ok (!reads_layer ("{\"kind\":\"layer\",\"mediaType\":\"" MEDIA "\",\"size\":\"1\",\"digest\":\"" DIGEST
                    "\",\"diffID\":\"" DIFF_ID "\"}"),
      "a size that is no number is a miss");
  ok (!reads_layer ("{\"kind\":\"layer\",\"mediaType\":\"" MEDIA
                    "\",\"size\":1,\"digest\":\"sha256:x\",\"diffID\":\"" DIFF_ID "\"}"),
      "a bad digest is a miss");
  ok (!reads_layer ("{\"kind\":\"layer\",\"mediaType\":\"" MEDIA "\",\"size\":1,\"digest\":\"" DIGEST
                    "\",\"diffID\":\"../x\"}"),
      "a bad diff_id is a miss");
  ok (!reads_layer ("{\"mediaType\":\"" MEDIA "\",\"size\":1,\"digest\":\"" DIGEST "\",\"diffID\":\"" DIFF_ID "\"}"),
      "a record without a kind is a miss");
  unlink (path);
  ok (!step_cache_read_layer (path, &l), "no record: a miss");
  ok (!step_cache_record_blob (path, digest), "no record: no blob for prune");
}

static void
test_meta_run (void)
{
  char *const steps[] = { "k1=2024-01-02T03:04:05Z", "k2=2024-01-02T03:04:06Z" };
  char *const bad[] = { "k1=2024-01-02T03:04:05Z", "k2" };
  cleanup_strv char **got = NULL;
  size_t n = 0;
  char digest[OCI_DIGEST_STRING_MAX];

  step_cache_write_meta_run (path, steps, 2);
  ok (step_cache_read_meta_run (path, &got, &n), "a written metadata run reads back");
  ok (n == 2 && got && got[2] == NULL, "its two steps, NULL-terminated");
  is_str (n == 2 ? got[0] : NULL, steps[0], "the first step");
  is_str (n == 2 ? got[1] : NULL, steps[1], "the second step");
  ok (!step_cache_record_blob (path, digest), "a metadata run keeps no blob alive");
  oci_strvfreep (&got);
  got = NULL;

  put ("metadata-run\nk1=2024-01-02T03:04:05Z\n");
  ok (!step_cache_read_meta_run (path, &got, &n) && got == NULL && n == 0, "the older text format is a miss");
  step_cache_write_layer (path, MEDIA, 1, DIGEST, DIFF_ID, "");
  ok (!step_cache_read_meta_run (path, &got, &n), "a layer record is no metadata run");
  oci_strvfreep (&got);
  got = NULL;

  put (
      "{\"kind\":\"metadata-run\",\"steps\":[{\"key\":\"k1\",\"created\":\"t1\"},{\"key\":\"a=b\",\"created\":\"t\"},"
      "{\"key\":7},\"x\"]}");
  ok (step_cache_read_meta_run (path, &got, &n) && n == 1, "malformed steps are skipped");
  is_str (n == 1 ? got[0] : NULL, "k1=t1", "the well-formed step");

  unlink (path);
  step_cache_write_meta_run (path, bad, 2);
  ok (access (path, F_OK) != 0, "an incomplete list is not written");
}

int
main (void)
{
  char tmpl[] = "/tmp/test-step-cache-XXXXXX";
  char *tmp = mkdtemp (tmpl);
  if (tmp == NULL)
    return 1;
  if (asprintf (&path, "%s/record", tmp) < 0)
    return 1;
  test_layer ();
  test_meta_run ();
  unlink (path);
  rmdir (tmp);
  free (path);
  return tap_done ();
}
