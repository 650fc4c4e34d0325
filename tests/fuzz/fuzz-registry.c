/* The registry client's parsing of what a server sends: header lines as
 * curl hands them over (not NUL-terminated), WWW-Authenticate challenges,
 * JSON error bodies and token answers, through the client's internal
 * header (builder/distribution/registry_client.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "json.h"
#include "distribution/registry_client.h"

#include "fuzz.h"

static void
fuzz_headers (const uint8_t *data, size_t size)
{
  cleanup_response struct response r = { .body_max = REG_SMALL_BODY_MAX };
  size_t start = 0;

  /* One call per line, the '\n' included, each its own allocation. */
  while (start < size)
    {
      const uint8_t *nl = memchr (data + start, '\n', size - start);
      size_t len = nl ? (size_t) (nl - (data + start)) + 1 : size - start;
      char *line = fuzz_bytes (data + start, len);
      size_t taken = reg_on_header (line, 1, len, &r);
      FUZZ_ASSERT (taken == len || taken == 0, "on_header took %zu of %zu", taken, len);
      free (line);
      start += len;
    }
  if (r.www_authenticate)
    {
      free (reg_challenge_param (r.www_authenticate, "realm"));
      free (reg_challenge_param (r.www_authenticate, "scope"));
    }
}

static void
fuzz_challenge (const uint8_t *data, size_t size)
{
  cleanup_free char *s = fuzz_string (data, size);
  static const char *const keys[] = { "realm", "service", "scope", "" };
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
    {
      cleanup_free char *v = reg_challenge_param (s, keys[i]);
      FUZZ_ASSERT (v == NULL || strlen (v) <= size, "a parameter longer than the challenge");
    }
}

static void
fuzz_error_body (const uint8_t *data, size_t size)
{
  cleanup_response struct response r = { .body_max = REG_SMALL_BODY_MAX, .status = 404 };
  cleanup_free char *body = fuzz_bytes (data, size); /* curl's buffer: writable, unterminated */
  reg_on_body (body, 1, size, &r);
  cleanup_free char *what = reg_describe_failure (&r);
  FUZZ_ASSERT (what != NULL, "describe_failure");
  for (const char *p = what; *p; p++)
    FUZZ_ASSERT ((unsigned char) *p >= 0x20 && *p != 0x7f, "a control character in the message");
}

/* What authenticate () does with the token server's answer. */
static void
fuzz_token (const uint8_t *data, size_t size)
{
  cleanup_response struct response r = { .body_max = REG_SMALL_BODY_MAX, .status = 200 };
  cleanup_json struct json_value *root = NULL;
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *body = fuzz_bytes (data, size);
  reg_on_body (body, 1, size, &r);
  if (!r.body_too_large && json_parse (r.body.s ? r.body.s : "", r.body.len, &root, &err) == 0)
    {
      struct json_value *tok = json_object_get (root, "token");
      if (tok == NULL)
        tok = json_object_get (root, "access_token");
      if (tok && tok->type == JSON_STRING)
        FUZZ_ASSERT (strlen (tok->u.string) <= size, "token");
    }
  oci_error_clear (&err);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  switch (data[0] % 4)
    {
    case 0:
      fuzz_headers (data + 1, size - 1);
      break;
    case 1:
      fuzz_challenge (data + 1, size - 1);
      break;
    case 2:
      fuzz_error_body (data + 1, size - 1);
      break;
    default:
      fuzz_token (data + 1, size - 1);
      break;
    }
  return 0;
}
