/* The exported build cache's parsers (builder/exec/cache_format.c), which
 * read what a registry or a directory hands over: the first byte picks
 * the records document (0), the cache manifest (1) or a --cache-to /
 * --cache-from spec (2, 3); the rest is the input.  Parsed documents
 * emit and parse again to the same text. */
#include "config.h"

#include "cleanup.h"
#include "exec/build.h"
#include "exec/cache_format.h"
#include "fuzz.h"

/* Documents above this are refused before parsing (OCI_JSON_FILE_MAX is
 * the real bound; this keeps the fuzzer fast). */
#define FUZZ_CACHE_MAX (256u * 1024)

static void
records (const char *s, size_t len)
{
  struct bld_cache_doc d, again;
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *t1 = NULL;
  cleanup_free char *t2 = NULL;
  size_t l1, l2;

  if (bld_cache_doc_parse (s, len, &d, &err) < 0)
    {
      FUZZ_ASSERT (oci_error_msg (&err)[0] != '\0', "an error without a message");
      oci_error_clear (&err);
      return;
    }
  FUZZ_ASSERT (bld_cache_doc_emit (&d, &t1, &l1, &err) == 0, "emit: %s", oci_error_msg (&err));
  FUZZ_ASSERT (bld_cache_doc_parse (t1, l1, &again, &err) == 0, "emitted text does not parse: %s",
               oci_error_msg (&err));
  FUZZ_ASSERT (again.n_records == d.n_records, "%zu records, then %zu", d.n_records, again.n_records);
  FUZZ_ASSERT (bld_cache_doc_emit (&again, &t2, &l2, &err) == 0, "emit again");
  FUZZ_ASSERT (l1 == l2 && memcmp (t1, t2, l1) == 0, "not a fixed point: %s / %s", t1, t2);
  bld_cache_doc_clear (&again);
  bld_cache_doc_clear (&d);
}

static void
manifest (const char *s, size_t len)
{
  struct bld_cache_manifest m, again;
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *t = NULL;
  size_t l;

  if (bld_cache_manifest_parse (s, len, &m, &err) < 0)
    {
      FUZZ_ASSERT (oci_error_msg (&err)[0] != '\0', "an error without a message");
      oci_error_clear (&err);
      return;
    }
  FUZZ_ASSERT (bld_cache_manifest_emit (&m.config, m.layers, m.n_layers, &t, &l, &err) == 0, "emit");
  FUZZ_ASSERT (bld_cache_manifest_parse (t, l, &again, &err) == 0, "emitted manifest does not parse: %s",
               oci_error_msg (&err));
  FUZZ_ASSERT (again.is_cache && again.n_layers == m.n_layers && strcmp (again.config.digest, m.config.digest) == 0,
               "the emitted manifest differs");
  bld_cache_manifest_clear (&again);
  bld_cache_manifest_clear (&m);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1 || size > FUZZ_CACHE_MAX)
    return 0;
  cleanup_free char *s = fuzz_string (data + 1, size - 1);
  switch (data[0] % 4)
    {
    case 0:
      records (s, size - 1);
      break;
    case 1:
      manifest (s, size - 1);
      break;
    default:
      {
        struct bld_cache_spec spec;
        struct oci_error err = OCI_ERROR_INIT;
        if (bld_cache_spec_parse (s, data[0] % 4 == 2, &spec, &err) == 0)
          {
            FUZZ_ASSERT (spec.type == BLD_CACHE_INLINE || spec.ref || spec.dir, "a spec naming nothing");
            bld_cache_spec_clear (&spec);
          }
        oci_error_clear (&err);
      }
    }
  return 0;
}
