/* oci-spec/json.c: parse; a tree that parsed is generated (compact and
 * pretty), parses again, and generates the same text again. */
#include "config.h"

#include "cleanup.h"
#include "json.h"
#include "fuzz.h"

static char *
generate (const struct json_value *v, bool pretty, size_t *len)
{
  struct json_gen *g = json_gen_new (pretty);
  struct oci_error err = OCI_ERROR_INIT;
  char *out = NULL;
  FUZZ_ASSERT (g != NULL, "json_gen_new");
  json_gen_value (g, v);
  FUZZ_ASSERT (json_gen_finish (g, &out, len, &err) == 0, "generate a parsed tree: %s", oci_error_msg (&err));
  json_gen_free (g);
  return out;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cleanup_free char *text = fuzz_bytes (data, size);
  cleanup_json struct json_value *v = NULL;
  struct oci_error err = OCI_ERROR_INIT;

  if (json_parse (text, size, &v, &err) < 0)
    {
      FUZZ_ASSERT (oci_error_msg (&err)[0] != '\0', "an error without a message");
      oci_error_clear (&err);
      return 0;
    }
  for (int pretty = 0; pretty < 2; pretty++)
    {
      size_t len1, len2;
      cleanup_free char *once = generate (v, pretty, &len1);
      cleanup_json struct json_value *again = NULL;
      FUZZ_ASSERT (json_parse (once, len1, &again, &err) == 0, "our own output does not parse: %s",
                   oci_error_msg (&err));
      cleanup_free char *twice = generate (again, pretty, &len2);
      FUZZ_ASSERT (len1 == len2 && memcmp (once, twice, len1) == 0, "generation is not stable");
    }
  return 0;
}
