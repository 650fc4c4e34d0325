/* builder/frontend/ignore.c: the first line-block (up to a NUL byte) is an ignore
 * file, each line after it a path to match; path.Clean is idempotent. */
#include "config.h"

#include "cleanup.h"
#include "frontend/ignore.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const uint8_t *nul = memchr (data, '\0', size);
  size_t plen = nul ? (size_t) (nul - data) : size;
  cleanup_free char *patterns = fuzz_bytes (data, plen);
  cleanup_free char *paths = nul ? fuzz_string (nul + 1, size - plen - 1) : NULL;
  cleanup_ignore struct ignore *ig = NULL;
  struct oci_error err = OCI_ERROR_INIT;

  if (size > 16384)
    return 0;
  if (ignore_parse ("fuzz", patterns, plen, &ig, &err) < 0)
    {
      FUZZ_ASSERT (oci_error_msg (&err)[0], "an error without a message");
      oci_error_clear (&err);
      return 0;
    }
  for (size_t i = 0; i < ignore_count (ig); i++)
    FUZZ_ASSERT (ignore_pattern (ig, i) != NULL, "pattern %zu missing", i);
  for (char *save = NULL, *line = paths ? strtok_r (paths, "\n", &save) : NULL; line;
       line = strtok_r (NULL, "\n", &save))
    {
      bool excluded;
      cleanup_free char *clean = ignore_clean_path (line);
      FUZZ_ASSERT (clean != NULL, "clean");
      cleanup_free char *again = ignore_clean_path (clean);
      FUZZ_ASSERT (again && strcmp (clean, again) == 0, "path.Clean not idempotent: %s -> %s -> %s", line, clean,
                   again);
      FUZZ_ASSERT (ignore_match (ig, line, &excluded) == 0, "match");
    }
  return 0;
}
