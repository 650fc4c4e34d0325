/* The table-driven binding engine, on a small type using every kind. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "cleanup.h"
#include "tap.h"

struct item
{
  char *name;
  uint8_t level;
  bool has_level;
};

struct sample
{
  char *id;
  char *mode;
  bool flag;
  bool has_flag;
  int16_t small;
  bool has_small;
  uint64_t big;
  bool has_big;
  int64_t signed_big;
  bool has_signed_big;
  uint32_t percent;
  bool has_percent;
  char **tags;
  size_t tags_len;
  uint32_t *gids;
  size_t gids_len;
  struct oci_string_map labels;
  char **ports;
  size_t ports_len;
  struct item *child;
  struct item *items;
  size_t items_len;
  OCI_MAP_OF (struct item) named;
  struct json_value *extra;
};

static const struct bind_field item_fields[] = {
  F_STRING_REQ (struct item, "name", name),
  F_UINT (struct item, "level", level),
};
static BIND_TYPE (item_type, struct item, item_fields, NULL);

static const char *const modes[] = { "fast", "slow", NULL };

static bool
no_spaces (const char *s)
{
  return strchr (s, ' ') == NULL;
}

static int
check_sample (const void *obj, const char *path, struct oci_error *err)
{
  const struct sample *s = obj;
  if (s->has_small && s->small == 13)
    return oci_error_set (err, 0, "%s%ssmall: 13 is unlucky", path, *path ? "." : "");
  return 0;
}

static const struct bind_field sample_fields[] = {
  F_STRING_CHECKED (struct sample, "id", id, no_spaces, "a string without spaces"),
  F_ENUM (struct sample, "mode", mode, modes),
  F_BOOL (struct sample, "flag", flag),
  F_INT (struct sample, "small", small),
  F_UINT (struct sample, "big", big),
  F_INT (struct sample, "signedBig", signed_big),
  F_UINT_RANGE (struct sample, "percent", percent, 0, 100),
  F_STRINGS (struct sample, "tags", tags),
  F_UINT32S (struct sample, "gids", gids),
  F_STRING_MAP (struct sample, "labels", labels),
  F_SET (struct sample, "ports", ports),
  F_STRUCT (struct sample, "child", child, item_type),
  F_STRUCTS (struct sample, "items", items, item_type),
  F_STRUCT_MAP (struct sample, "named", named, item_type),
  F_RAW (struct sample, "extra", extra),
};
static BIND_TYPE (sample_type, struct sample, sample_fields, check_sample);

static struct sample *
parse (const char *text, struct oci_error *err)
{
  void *out = NULL;
  oci_error_clear (err);
  if (bind_parse_text (&sample_type, "sample.json", text, strlen (text), &out, err) < 0)
    return NULL;
  return out;
}

static void
rejects (const char *text, const char *want)
{
  struct oci_error err = OCI_ERROR_INIT;
  struct sample *s = parse (text, &err);
  ok (s == NULL && err.msg && strcmp (err.msg, want) == 0, "%s -> %s", text, want);
  if (err.msg && strcmp (err.msg, want) != 0)
    diag ("got: %s", err.msg);
  bind_free (&sample_type, s);
  oci_error_clear (&err);
}

static const char full[] =
    "{\"id\":\"abc\",\"mode\":\"fast\",\"flag\":false,\"small\":-32768,\"big\":18446744073709551615,"
    "\"signedBig\":-9223372036854775808,\"percent\":100,\"tags\":[\"x\",\"y\"],\"gids\":[0,4294967295],"
    "\"labels\":{\"b\":\"2\",\"a\":\"1\"},\"ports\":{\"80/tcp\":{},\"53/udp\":{}},\"child\":{\"name\":\"c\"},"
    "\"items\":[{\"name\":\"i0\",\"level\":255},{\"name\":\"i1\"}],\"named\":{\"z\":{\"name\":\"nz\"},"
    "\"m\":{\"name\":\"nm\",\"level\":1}},\"extra\":{\"q\":[1,{\"r\":null}]},\"unknown\":[1,2,3]}";

/* Map keys come out sorted; unknown keys are dropped. */
static const char full_emitted[] =
    "{\"id\":\"abc\",\"mode\":\"fast\",\"flag\":false,\"small\":-32768,\"big\":18446744073709551615,"
    "\"signedBig\":-9223372036854775808,\"percent\":100,\"tags\":[\"x\",\"y\"],\"gids\":[0,4294967295],"
    "\"labels\":{\"a\":\"1\",\"b\":\"2\"},\"ports\":{\"53/udp\":{},\"80/tcp\":{}},\"child\":{\"name\":\"c\"},"
    "\"items\":[{\"name\":\"i0\",\"level\":255},{\"name\":\"i1\"}],\"named\":{\"m\":{\"name\":\"nm\",\"level\":1},"
    "\"z\":{\"name\":\"nz\"}},\"extra\":{\"q\":[1,{\"r\":null}]}}";

static void
test_full (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  struct sample *s = parse (full, &err);
  cleanup_free char *out = NULL, *out2 = NULL;
  void *again = NULL;

  if (!ok (s != NULL, "a document using every kind parses"))
    diag ("%s", err.msg);
  if (s == NULL)
    return;
  ok (s->has_flag && !s->flag, "false boolean is present");
  ok (s->has_small && s->small == -32768, "int16 minimum");
  ok (s->has_big && s->big == UINT64_MAX, "uint64 maximum");
  ok (s->has_signed_big && s->signed_big == INT64_MIN, "int64 minimum");
  ok (s->tags_len == 2 && strcmp (s->tags[1], "y") == 0, "string array");
  ok (s->tags[2] == NULL, "string array ends with NULL, ready for execve");
  ok (s->ports[s->ports_len] == NULL, "set ends with NULL");
  ok (s->gids_len == 2 && s->gids[1] == UINT32_MAX, "uint32 array");
  is_str (oci_string_map_get (&s->labels, "a"), "1", "string map lookup");
  ok (s->ports_len == 2, "set of two");
  ok (s->child && strcmp (s->child->name, "c") == 0 && !s->child->has_level, "nested object, absent optional");
  ok (s->items_len == 2 && s->items[0].level == 255, "array of objects");
  ok (s->named.len == 2 && strcmp (s->named.values[1].name, "nm") == 0, "map of objects");
  ok (s->extra && s->extra->type == JSON_OBJECT, "raw value kept");

  ok (bind_emit (&sample_type, s, false, &out, NULL, &err) == 0, "emit");
  is_str (out, full_emitted, "emitted text is canonical");
  ok (bind_parse_text (&sample_type, "again", out, strlen (out), &again, &err) == 0, "emitted text parses");
  ok (again && bind_emit (&sample_type, again, false, &out2, NULL, &err) == 0, "emit again");
  is_str (out2, out, "parse-emit-parse round trip is stable");
  bind_free (&sample_type, again);

  ok (oci_string_map_set (&s->labels, "a", "one") == 0 && oci_string_map_set (&s->labels, "c", "3") == 0,
      "map set replaces and appends");
  is_str (oci_string_map_get (&s->labels, "a"), "one", "replaced value");
  ok (s->labels.len == 3, "appended key");
  bind_free (&sample_type, s);
}

static void
test_presence (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  struct sample *s = parse ("{\"tags\":[],\"labels\":{},\"child\":null,\"mode\":null}", &err);
  cleanup_free char *out = NULL;
  ok (s && s->tags != NULL && s->tags_len == 0, "empty array is present");
  ok (s && s->labels.keys != NULL && s->labels.len == 0, "empty map is present");
  ok (s && s->child == NULL && s->mode == NULL, "null reads as absent");
  ok (s && bind_emit (&sample_type, s, false, &out, NULL, &err) == 0, "emit");
  is_str (out, "{\"tags\":[],\"labels\":{}}", "empty containers kept, absent fields omitted");
  bind_free (&sample_type, s);
}

static void
test_errors (void)
{
  rejects ("[]", "sample.json: expected object, got array");
  rejects ("{\"id\":1}", "sample.json: id: expected string, got number");
  rejects ("{\"id\":\"a b\"}", "sample.json: id: expected a string without spaces, got \"a b\"");
  rejects ("{\"mode\":\"medium\"}", "sample.json: mode: expected one of \"fast\", \"slow\", got \"medium\"");
  rejects ("{\"flag\":\"yes\"}", "sample.json: flag: expected boolean, got string");
  rejects ("{\"small\":32768}", "sample.json: small: value 32768 out of range [-32768, 32767]");
  rejects ("{\"small\":1.5}", "sample.json: small: expected integer, got 1.5");
  rejects ("{\"big\":-1}", "sample.json: big: value -1 out of range [0, 18446744073709551615]");
  rejects ("{\"big\":18446744073709551616}",
           "sample.json: big: value 18446744073709551616 out of range [0, 18446744073709551615]");
  rejects (
      "{\"signedBig\":9223372036854775808}",
      "sample.json: signedBig: value 9223372036854775808 out of range [-9223372036854775808, 9223372036854775807]");
  rejects ("{\"percent\":101}", "sample.json: percent: value 101 out of range [0, 100]");
  rejects ("{\"tags\":[\"a\",2]}", "sample.json: tags[1]: expected string, got number");
  rejects ("{\"gids\":[-1]}", "sample.json: gids[0]: value -1 out of range [0, 4294967295]");
  rejects ("{\"labels\":{\"k.x\":false}}", "sample.json: labels[\"k.x\"]: expected string, got boolean");
  rejects ("{\"ports\":{\"80/tcp\":1}}", "sample.json: ports.80/tcp: expected object, got number");
  rejects ("{\"child\":{}}", "sample.json: child.name: required field missing");
  rejects ("{\"items\":[{\"name\":\"a\"},{\"name\":\"b\",\"level\":256}]}",
           "sample.json: items[1].level: value 256 out of range [0, 255]");
  rejects ("{\"named\":{\"x\":{\"name\":[]}}}", "sample.json: named.x.name: expected string, got array");
  rejects ("{\"small\":13}", "sample.json: small: 13 is unlucky");
  rejects ("{\"id\":\"a\",\"id\":\"b\"}", "sample.json: invalid JSON at line 1, column 20: duplicate key \"id\"");
}

/* A struct whose last member is a has_x flag: emitting and freeing must
 * not read past it (the engine once read every aux_offset as a size_t; run
 * under valgrind to see such over-reads). */
struct tail
{
  uint8_t v;
  bool has_v;
};

static const struct bind_field tail_fields[] = {
  F_UINT (struct tail, "v", v),
};
static BIND_TYPE (tail_type, struct tail, tail_fields, NULL);

static void
test_tail_flag (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *out = NULL;
  void *t = NULL;
  ok (sizeof (struct tail) < sizeof (size_t), "a has_x flag ends a struct narrower than size_t");
  ok (bind_parse_text (&tail_type, "tail", "{\"v\":7}", 7, &t, &err) == 0, "parse a struct ending in has_v");
  ok (t && bind_emit (&tail_type, t, false, &out, NULL, &err) == 0, "emit it");
  is_str (out, "{\"v\":7}", "emitted text");
  bind_free (&tail_type, t);
  oci_error_clear (&err);
}

int
main (void)
{
  test_full ();
  test_presence ();
  test_errors ();
  test_tail_flag ();
  return tap_done ();
}
