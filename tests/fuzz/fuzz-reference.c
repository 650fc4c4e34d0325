/* Image references (distribution/reference.c, the one parser behind the
 * store's NAME[:TAG|@DIGEST] and the registry's host/repo) and digests.
 * Canonical names are fixed points: normalizing a normalized name gives
 * it back. */
#include "config.h"

#include "cleanup.h"
#include "digest.h"
#include "distribution/reference.h"
#include "distribution/registry.h"
#include "image/store.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cleanup_free char *s = fuzz_string (data, size);
  struct oci_error err = OCI_ERROR_INIT;

  if (size > 4096)
    return 0;
  {
    cleanup_free char *name = NULL;
    cleanup_free char *tag = NULL;
    cleanup_free char *digest = NULL;
    if (bld_ref_parse (s, &name, &tag, &digest, &err) == 0)
      FUZZ_ASSERT (name && (tag || digest), "a parsed reference without a tag or digest");
    oci_error_clear (&err);
  }
  {
    cleanup_free char *norm = NULL;
    if (bld_ref_normalize (s, &norm, &err) == 0)
      {
        cleanup_free char *again = NULL;
        FUZZ_ASSERT (bld_ref_normalize (norm, &again, &err) == 0, "%s -> %s does not normalize: %s", s, norm,
                     oci_error_msg (&err));
        FUZZ_ASSERT (strcmp (norm, again) == 0, "not idempotent: %s -> %s -> %s", s, norm, again);
      }
    oci_error_clear (&err);
  }
  {
    /* The one parser: the short name and the qualified form name the same
     * repository again. */
    cleanup_reference struct bld_reference r = { 0 };
    if (bld_reference_parse (s, &r, &err) == 0)
      {
        cleanup_reference struct bld_reference again = { 0 };
        cleanup_reference struct bld_reference full = { 0 };
        cleanup_free char *q = NULL;
        FUZZ_ASSERT (r.host && r.repo && r.name, "a parsed reference with a part missing");
        FUZZ_ASSERT (bld_reference_parse (r.name, &again, &err) == 0 && strcmp (again.host, r.host) == 0
                         && strcmp (again.repo, r.repo) == 0 && strcmp (again.name, r.name) == 0,
                     "%s: its short name %s reads as another repository", s, r.name);
        FUZZ_ASSERT (bld_ref_qualified (s, &q, &err) == 0 && bld_reference_parse (q, &full, &err) == 0
                         && strcmp (full.host, r.host) == 0 && strcmp (full.repo, r.repo) == 0,
                     "%s: its qualified form %s reads as another repository", s, q ? q : "");
      }
    oci_error_clear (&err);
  }
  {
    cleanup_reference struct bld_reference r = { 0 };
    if (reg_ref_parse (s, &r, &err) == 0)
      FUZZ_ASSERT (r.host && r.repo && (r.tag || r.digest), "a parsed registry reference with a part missing");
    oci_error_clear (&err);
  }
  {
    struct oci_digest d = { 0 };
    bool valid = oci_digest_is_valid (s);
    int rc = oci_digest_parse (s, &d, &err);
    FUZZ_ASSERT (valid == (rc == 0), "oci_digest_is_valid and oci_digest_parse disagree on %s", s);
    oci_digest_clear (&d);
    oci_error_clear (&err);
    cleanup_free char *path = NULL;
    if (oci_layout_blob_path ("/layout", s, &path, &err) == 0)
      FUZZ_ASSERT (strstr (path, "/../") == NULL && strncmp (path, "/layout/blobs/", 14) == 0,
                   "blob path escapes: %s", path);
    oci_error_clear (&err);
  }
  return 0;
}
