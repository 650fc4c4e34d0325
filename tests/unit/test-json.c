/* The JSON module: the edges yajl alone gets wrong or leaves open. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "json.h"
#include "tap.h"

static int
parse (const char *text, struct json_value **v, struct oci_error *err)
{
  oci_error_clear (err);
  return json_parse (text, strlen (text), v, err);
}

/* Expects text to be rejected with a message containing want. */
static void
rejects (const char *label, const char *text, size_t len, const char *want)
{
  struct oci_error err = OCI_ERROR_INIT;
  struct json_value *v = NULL;
  int r = json_parse (text, len, &v, &err);
  ok (r < 0 && v == NULL, "%s: rejected", label);
  ok (err.msg && strstr (err.msg, want) != NULL, "%s: message \"%s\" mentions \"%s\"", label, err.msg ? err.msg : "",
      want);
  ok (err.msg && strchr (err.msg, '\n') == NULL, "%s: message is one line", label);
  oci_error_clear (&err);
}

static char *
roundtrip (const char *text)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_json struct json_value *v = NULL;
  cleanup_json_gen struct json_gen *g = json_gen_new (false);
  char *out = NULL;
  if (parse (text, &v, &err) < 0)
    {
      diag ("parse: %s", err.msg);
      oci_error_clear (&err);
      return NULL;
    }
  json_gen_value (g, v);
  if (json_gen_finish (g, &out, NULL, &err) < 0)
    {
      diag ("gen: %s", err.msg);
      oci_error_clear (&err);
    }
  return out;
}

static void
test_numbers (void)
{
  uint64_t u;
  int64_t i;
  cleanup_free char *big = roundtrip ("[18446744073709551615,-9223372036854775808,0]");

  is_str (big, "[18446744073709551615,-9223372036854775808,0]", "uint64 max and int64 min survive a round trip");
  ok (json_number_to_uint64 ("18446744073709551615", &u) == 0 && u == UINT64_MAX, "uint64 max converts");
  ok (json_number_to_uint64 ("18446744073709551616", &u) == -ERANGE, "uint64 max + 1 is out of range");
  ok (json_number_to_uint64 ("9223372036854775808", &u) == 0 && u == (uint64_t) INT64_MAX + 1,
      "a value above INT64_MAX converts to uint64");
  ok (json_number_to_int64 ("9223372036854775808", &i) == -ERANGE, "the same value is out of int64 range");
  ok (json_number_to_uint64 ("-1", &u) == -ERANGE, "-1 is out of range for an unsigned field (no wrap-around)");
  ok (json_number_to_uint64 ("-0", &u) == 0 && u == 0, "-0 is zero");
  ok (json_number_to_int64 ("-9223372036854775809", &i) == -ERANGE, "int64 min - 1 is out of range");
  ok (json_number_to_int64 ("1.5", &i) == -EINVAL, "a fraction is not an integer");
  ok (json_number_to_int64 ("1e3", &i) == -EINVAL, "an exponent is not an integer");
  ok (json_number_to_int64 ("-42", &i) == 0 && i == -42, "-42 converts");
}

static void
test_rejections (void)
{
  static const char bad_utf8[] = "{\"a\":\"\xff\xfe\"}";
  static const char bad_utf8_key[] = "{\"\xc3\x28\":1}";
  static const char nul[] = "{\"a\":\"x\\u0000y\"}";
  static const char nul_key[] = "{\"a\\u0000\":1}";

  rejects ("duplicate key", "{\"a\":1,\"b\":2,\"a\":3}", 19, "duplicate key \"a\"");
  rejects ("nested duplicate key", "{\"x\":{\"k\":1,\"k\":1}}", 19, "duplicate key \"k\"");
  rejects ("invalid UTF-8 in a string", bad_utf8, sizeof bad_utf8 - 1, "UTF8");
  rejects ("invalid UTF-8 in a key", bad_utf8_key, sizeof bad_utf8_key - 1, "UTF8");
  rejects ("NUL escaped in a string", nul, sizeof nul - 1, "NUL");
  rejects ("NUL escaped in a key", nul_key, sizeof nul_key - 1, "NUL");
  rejects ("truncated", "{\"a\": [1, 2", 11, "line 1");
  rejects ("trailing garbage", "{} x", 4, "invalid JSON");
  rejects ("two values", "{} {}", 5, "invalid JSON");
  rejects ("comment", "/* c */ {}", 10, "invalid JSON");
  rejects ("empty document", "", 0, "empty");
  rejects ("only whitespace", "   \n ", 5, "invalid JSON");
  rejects ("error position", "{\n  \"a\": tru\n}", 14, "line 2");
}

static void
test_deep_nesting (void)
{
  /* 10 MB of '[': must fail cleanly at the depth limit, without recursion
   * blowing the stack or memory growing with the input. */
  size_t n = 10 * 1024 * 1024;
  char *text = malloc (n);
  memset (text, '[', n);
  rejects ("10 MB of nesting", text, n, "nesting deeper than 512");
  memset (text, '{', 1);
  for (size_t k = 1; k + 5 < n; k += 5)
    memcpy (text + k, "\"a\":{", 5);
  rejects ("deeply nested objects", text, n - (n - 1) % 5, "nesting deeper than 512");
  free (text);

  /* Exactly at the limit still parses. */
  char *ok_text = malloc (2 * JSON_MAX_DEPTH + 1);
  memset (ok_text, '[', JSON_MAX_DEPTH);
  memset (ok_text + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
  ok_text[2 * JSON_MAX_DEPTH] = '\0';
  struct oci_error err = OCI_ERROR_INIT;
  struct json_value *v = NULL;
  ok (parse (ok_text, &v, &err) == 0, "nesting of exactly %d levels parses", JSON_MAX_DEPTH);
  json_free (v);
  oci_error_clear (&err);
  free (ok_text);
}

static void
test_tree_and_gen (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_json struct json_value *v = NULL;
  cleanup_free char *rt = NULL, *pretty = NULL;

  ok (parse ("{\"s\":\"h\\u00e9\\n\",\"b\":true,\"n\":null,\"a\":[1,\"x\"]}", &v, &err) == 0, "parse a mixed object");
  ok (v && v->type == JSON_OBJECT && v->u.object.len == 4, "four members");
  is_str (json_object_get (v, "s") ? json_object_get (v, "s")->u.string : NULL, "h\xc3\xa9\n", "escapes decoded");
  ok (json_object_get (v, "missing") == NULL, "absent key gives NULL");
  rt = roundtrip ("{\"z\":1,\"a\":\"\\u00e9\\\"\",\"m\":[]}");
  is_str (rt, "{\"z\":1,\"a\":\"\xc3\xa9\\\"\",\"m\":[]}", "compact output keeps key order, no whitespace");

  cleanup_json_gen struct json_gen *g = json_gen_new (true);
  json_gen_begin_object (g);
  json_gen_key (g, "k");
  json_gen_uint64 (g, UINT64_MAX);
  json_gen_end_object (g);
  ok (json_gen_finish (g, &pretty, NULL, &err) == 0, "pretty generation");
  is_str (pretty, "{\n\t\"k\": 18446744073709551615\n}\n", "pretty output is tab-indented with a final newline");

  cleanup_json_gen struct json_gen *bad = json_gen_new (false);
  char *out = NULL;
  json_gen_string (bad, "\xff");
  ok (json_gen_finish (bad, &out, NULL, &err) < 0 && out == NULL, "generating invalid UTF-8 fails");
  ok (err.msg && strstr (err.msg, "UTF-8"), "and says why: %s", err.msg ? err.msg : "");
  oci_error_clear (&err);
}

static void
test_paths (void)
{
  struct json_path p = { 0 };
  size_t a = json_path_push_key (&p, "linux");
  json_path_push_key (&p, "sysctl");
  size_t b = json_path_push_key (&p, "net.ipv4.ip_forward");
  is_str (json_path_str (&p), "linux.sysctl[\"net.ipv4.ip_forward\"]", "keys with dots are bracketed");
  json_path_pop (&p, b);
  json_path_push_index (&p, 3);
  is_str (json_path_str (&p), "linux.sysctl[3]", "indexes are bracketed");
  json_path_pop (&p, a);
  is_str (json_path_str (&p), "", "popping to the root gives an empty path");
  json_path_free (&p);
}

int
main (void)
{
  test_numbers ();
  test_rejections ();
  test_deep_nesting ();
  test_tree_and_gen ();
  test_paths ();
  return tap_done ();
}
