/* The image-spec documents: every fixture under $FIXTURES/image-spec, good
 * ones round-tripping and bad ones refused with exact messages, plus
 * deterministic emission and the base64 / media type helpers. */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "digest.h"
#include "fileutil.h"
#include "image.h"
#include "tap.h"

enum kind
{
  K_DESCRIPTOR,
  K_MANIFEST,
  K_INDEX,
  K_CONFIG,
  K_LAYOUT,
  K_COUNT
};

static const char *const kind_names[K_COUNT] = { "descriptor", "manifest", "index", "config", "layout" };

/* The typed API, reached by kind. */
#define BY_KIND(k, DO)                                        \
  switch (k)                                                  \
    {                                                         \
    case K_DESCRIPTOR:                                        \
      DO (oci_image_descriptor, struct oci_image_descriptor); \
    case K_MANIFEST:                                          \
      DO (oci_image_manifest, struct oci_image_manifest);     \
    case K_INDEX:                                             \
      DO (oci_image_index, struct oci_image_index);           \
    case K_CONFIG:                                            \
      DO (oci_image_config, struct oci_image_config);         \
    case K_LAYOUT:                                            \
    default:                                                  \
      DO (oci_image_layout, struct oci_image_layout);         \
    }

static int
parse_kind (enum kind k, const char *what, const char *text, size_t len, void **out, struct oci_error *err)
{
#define PARSE(prefix, T)                                      \
  {                                                           \
    T *obj = NULL;                                            \
    int r = prefix##_parse_text (what, text, len, &obj, err); \
    *out = obj;                                               \
    return r;                                                 \
  }
  BY_KIND (k, PARSE);
#undef PARSE
}

static int
emit_kind (enum kind k, const void *obj, bool pretty, char **out, struct oci_error *err)
{
#define EMIT(prefix, T) return prefix##_emit ((const T *) obj, pretty, out, NULL, err)
  BY_KIND (k, EMIT);
#undef EMIT
}

static void
free_kind (enum kind k, void *obj)
{
#define FREE(prefix, T)      \
  prefix##_free ((T *) obj); \
  return
  BY_KIND (k, FREE);
#undef FREE
}

/* JSON equality with object members in any order and null members taken
 * as absent (as the parser reads them). */
static bool json_equal (const struct json_value *a, const struct json_value *b);

static bool
object_covers (const struct json_value *a, const struct json_value *b)
{
  for (size_t i = 0; i < a->u.object.len; i++)
    {
      const struct json_value *va = a->u.object.values[i];
      const struct json_value *vb = json_object_get (b, a->u.object.keys[i]);
      if (va->type == JSON_NULL && (vb == NULL || vb->type == JSON_NULL))
        continue;
      if (vb == NULL || !json_equal (va, vb))
        return false;
    }
  return true;
}

static bool
json_equal (const struct json_value *a, const struct json_value *b)
{
  if (a->type != b->type)
    return false;
  switch (a->type)
    {
    case JSON_NULL:
      return true;
    case JSON_BOOL:
      return a->u.boolean == b->u.boolean;
    case JSON_NUMBER:
      return strcmp (a->u.number, b->u.number) == 0;
    case JSON_STRING:
      return strcmp (a->u.string, b->u.string) == 0;
    case JSON_ARRAY:
      if (a->u.array.len != b->u.array.len)
        return false;
      for (size_t i = 0; i < a->u.array.len; i++)
        if (!json_equal (a->u.array.items[i], b->u.array.items[i]))
          return false;
      return true;
    case JSON_OBJECT:
      return object_covers (a, b) && object_covers (b, a);
    }
  return false;
}

static bool
same_json (const char *a, const char *b)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_json struct json_value *va = NULL;
  cleanup_json struct json_value *vb = NULL;
  bool same = json_parse (a, strlen (a), &va, &err) == 0 && json_parse (b, strlen (b), &vb, &err) == 0
              && json_equal (va, vb);
  oci_error_clear (&err);
  return same;
}

/* ---- fixtures ---- */

#define DIGEST_EXPECT "a digest <algorithm>:<encoded> (sha256: 64 lowercase hex digits)"
#define MEDIA_TYPE_EXPECT "a media type type/subtype (RFC 6838)"
#define EMPTY_DIGEST "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

static struct
{
  const char *file;
  const char *error; /* after "<file>: " */
  bool seen;
} bad_fixtures[] = {
  { "descriptor/bad-negative-size.json", "size: value -7682 out of range [0, 9223372036854775807]" },
  { "descriptor/bad-size-fraction.json", "size: expected integer, got 1.5" },
  { "descriptor/bad-digest-no-algorithm.json",
    "digest: expected " DIGEST_EXPECT ", got \"5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270\"" },
  { "descriptor/bad-digest-short.json", "digest: expected " DIGEST_EXPECT ", got \"sha256:5b0bcabd\"" },
  { "descriptor/bad-missing-media-type.json", "mediaType: required field missing" },
  { "descriptor/bad-missing-digest.json", "digest: required field missing" },
  { "descriptor/bad-missing-size.json", "size: required field missing" },
  { "descriptor/bad-data-digest-mismatch.json",
    "data: digest mismatch: expected " EMPTY_DIGEST
    ", got sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945" },
  { "descriptor/bad-data-unsupported-algorithm.json",
    "data: cannot verify \"blake3:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\": "
    "unsupported digest algorithm \"blake3\"" },
  { "descriptor/bad-platform-missing-os.json", "platform.os: required field missing" },
  { "descriptor/bad-urls.json", "urls: expected array, got string" },
  { "manifest/bad-schema-version-1.json", "schemaVersion: value 1 out of range [2, 2]" },
  { "manifest/bad-schema-version-string.json", "schemaVersion: expected integer, got string" },
  { "manifest/bad-missing-schema-version.json", "schemaVersion: required field missing" },
  { "manifest/bad-layer-digest.json",
    "layers[1].digest: expected " DIGEST_EXPECT
    ", got \"sha256:3C3A4604A545CDC127456D94E421CD355BCA5B528F4A9C1905B15DA2EB4A4C6B\"" },
  { "manifest/bad-negative-size.json", "config.size: value -1 out of range [0, 9223372036854775807]" },
  { "manifest/bad-missing-config.json", "config: required field missing" },
  { "manifest/bad-missing-layers.json", "layers: required field missing" },
  { "manifest/bad-media-type.json",
    "mediaType: expected one of \"application/vnd.oci.image.manifest.v1+json\", "
    "\"application/vnd.docker.distribution.manifest.v2+json\", got \"application/vnd.oci.image.index.v1+json\"" },
  { "manifest/bad-data-digest-mismatch.json",
    "config.data: digest mismatch: expected " EMPTY_DIGEST
    ", got sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945" },
  { "manifest/bad-data-size-mismatch.json", "config.data: decodes to 3 bytes, but size is 2" },
  { "manifest/bad-data-not-base64.json", "layers[0].data: invalid base64: length 3 is not a multiple of 4" },
  { "manifest/bad-empty-config-without-artifact-type.json",
    "artifactType: required when config.mediaType is application/vnd.oci.empty.v1+json" },
  { "manifest/bad-subject-media-type.json", "subject.mediaType: expected " MEDIA_TYPE_EXPECT ", got \"manifest\"" },
  { "manifest/bad-annotation-value.json", "annotations[\"com.example.n\"]: expected string, got number" },
  { "index/bad-schema-version-1.json", "schemaVersion: value 1 out of range [2, 2]" },
  { "index/bad-missing-manifests.json", "manifests: required field missing" },
  { "index/bad-manifest-digest.json", "manifests[1].digest: expected " DIGEST_EXPECT ", got \"sha256:\"" },
  { "index/bad-platform-missing-architecture.json", "manifests[0].platform.architecture: required field missing" },
  { "index/bad-manifests-not-array.json", "manifests: expected array, got object" },
  { "config/bad-rootfs-type.json", "rootfs.type: expected one of \"layers\", got \"foo\"" },
  { "config/bad-diff-id.json", "rootfs.diff_ids[1]: expected " DIGEST_EXPECT ", got \"not-a-digest\"" },
  { "config/bad-missing-rootfs.json", "rootfs: required field missing" },
  { "config/bad-missing-architecture.json", "architecture: required field missing" },
  { "config/bad-exposed-ports.json", "config.ExposedPorts.80/tcp: expected object, got boolean" },
  { "config/bad-history-empty-layer.json", "history[1].empty_layer: expected boolean, got string" },
  { "config/bad-healthcheck-retries.json", "config.Healthcheck.Retries: expected integer, got string" },
  { "layout/bad-missing-version.json", "imageLayoutVersion: required field missing" },
  { "layout/bad-version-number.json", "imageLayoutVersion: expected string, got number" },
  { "layout/bad-not-object.json", "expected object, got array" },
};

#define N_BAD (sizeof (bad_fixtures) / sizeof (bad_fixtures[0]))

static const char *fixtures;

static char *
fixture_path (const char *rel)
{
  char *p = NULL;
  if (asprintf (&p, "%s/image-spec/%s", fixtures, rel) < 0)
    return NULL;
  return p;
}

static char *
read_fixture (const char *rel, size_t *len)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *path = fixture_path (rel);
  char *text = NULL;
  if (path == NULL || oci_read_file (path, OCI_JSON_FILE_MAX, &text, len, &err) < 0)
    {
      diag ("%s", oci_error_msg (&err));
      oci_error_clear (&err);
      return NULL;
    }
  return text;
}

/* Parse, emit, parse the emitted text and emit again: the text is stable,
 * keeps every member of the original, and pretty output reads back the same. */
static void
check_good (enum kind k, const char *rel)
{
  struct oci_error err = OCI_ERROR_INIT;
  size_t len = 0;
  cleanup_free char *text = read_fixture (rel, &len);
  cleanup_free char *once = NULL, *twice = NULL, *pretty = NULL, *from_pretty = NULL;
  void *obj = NULL, *again = NULL, *obj_pretty = NULL;

  if (!ok (text && parse_kind (k, rel, text, len, &obj, &err) == 0, "%s parses", rel))
    {
      diag ("%s", oci_error_msg (&err));
      oci_error_clear (&err);
      return;
    }
  ok (emit_kind (k, obj, false, &once, &err) == 0 && parse_kind (k, "emitted", once, strlen (once), &again, &err) == 0
          && emit_kind (k, again, false, &twice, &err) == 0 && strcmp (once, twice) == 0,
      "%s: parse-emit-parse round trip is identical", rel);
  ok (once && same_json (text, once), "%s: emitted JSON equals the original", rel);
  ok (emit_kind (k, obj, true, &pretty, &err) == 0
          && parse_kind (k, "pretty", pretty, strlen (pretty), &obj_pretty, &err) == 0
          && emit_kind (k, obj_pretty, false, &from_pretty, &err) == 0 && once && strcmp (from_pretty, once) == 0,
      "%s: pretty output reads back the same", rel);
  if (err.msg)
    diag ("%s", err.msg);
  oci_error_clear (&err);
  free_kind (k, obj);
  free_kind (k, again);
  free_kind (k, obj_pretty);
}

static void
check_bad (enum kind k, const char *rel)
{
  struct oci_error err = OCI_ERROR_INIT;
  size_t len = 0;
  cleanup_free char *text = read_fixture (rel, &len);
  cleanup_free char *want = NULL;
  void *obj = NULL;
  size_t i;

  for (i = 0; i < N_BAD; i++)
    if (strcmp (bad_fixtures[i].file, rel) == 0)
      break;
  if (!ok (i < N_BAD, "%s has an expected error", rel))
    return;
  bad_fixtures[i].seen = true;
  if (asprintf (&want, "%s: %s", rel, bad_fixtures[i].error) < 0)
    return;
  ok (text && parse_kind (k, rel, text, len, &obj, &err) < 0 && obj == NULL && err.msg && strcmp (err.msg, want) == 0,
      "%s is refused: %s", rel, bad_fixtures[i].error);
  if (err.msg && strcmp (err.msg, want) != 0)
    diag ("got:  %s\n# want: %s", err.msg, want);
  free_kind (k, obj);
  oci_error_clear (&err);
}

static int
cmp_names (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
test_fixtures (void)
{
  size_t good = 0, bad = 0, missing = 0;

  for (int k = 0; k < K_COUNT; k++)
    {
      cleanup_free char *dir = fixture_path (kind_names[k]);
      cleanup_closedir DIR *d = dir ? opendir (dir) : NULL;
      char **names = NULL;
      size_t n = 0;
      struct dirent *e;

      if (!ok (d != NULL, "fixture directory %s", kind_names[k]))
        continue;
      while ((e = readdir (d)) != NULL)
        {
          char **grown;
          if (strlen (e->d_name) < 6 || strcmp (e->d_name + strlen (e->d_name) - 5, ".json") != 0)
            continue;
          grown = realloc (names, (n + 1) * sizeof (char *));
          if (grown == NULL)
            break;
          names = grown;
          if (asprintf (&names[n], "%s/%s", kind_names[k], e->d_name) < 0)
            break;
          n++;
        }
      qsort (names, n, sizeof (char *), cmp_names);
      for (size_t i = 0; i < n; i++)
        {
          const char *base = strchr (names[i], '/') + 1;
          if (strncmp (base, "good-", 5) == 0)
            check_good ((enum kind) k, names[i]), good++;
          else if (strncmp (base, "bad-", 4) == 0)
            check_bad ((enum kind) k, names[i]), bad++;
          else
            ok (false, "%s is named good-* or bad-*", names[i]);
          free (names[i]);
        }
      free (names);
    }
  for (size_t i = 0; i < N_BAD; i++)
    if (!bad_fixtures[i].seen)
      {
        diag ("no fixture file for %s", bad_fixtures[i].file);
        missing++;
      }
  ok (missing == 0, "every expected error has its fixture");
  ok (good >= 13 + 8 && bad == N_BAD, "%zu good and %zu bad fixtures", good, bad);
}

/* ---- documents in detail ---- */

static const char manifest_compact[] =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
    "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
    "\"digest\":\"sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7\",\"size\":7023},"
    "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
    "\"digest\":\"sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0\",\"size\":32654},"
    "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
    "\"digest\":\"sha256:3c3a4604a545cdc127456d94e421cd355bca5b528f4a9c1905b15da2eb4a4c6b\",\"size\":16724},"
    "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
    "\"digest\":\"sha256:ec4b8955958665577945c89419d1af06b5f7636b4ac3da7f12184802ad867736\",\"size\":73109}],"
    "\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
    "\"digest\":\"sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270\",\"size\":7682},"
    "\"annotations\":{\"com.example.key1\":\"value1\",\"com.example.key2\":\"value2\"}}";

static void
test_manifest (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *path = fixture_path ("manifest/good-manifest.json");
  cleanup_free char *out = NULL, *out2 = NULL, *want_err = NULL;
  cleanup_image_manifest struct oci_image_manifest *m = NULL;
  struct oci_image_manifest *none = NULL;
  char d1[OCI_DIGEST_STRING_MAX], d2[OCI_DIGEST_STRING_MAX];
  size_t len = 0;

  if (!ok (path && oci_image_manifest_parse_file (path, &m, &err) == 0, "parse_file of the spec's manifest"))
    {
      diag ("%s", oci_error_msg (&err));
      return;
    }
  ok (m->schema_version == 2 && m->layers_len == 3 && m->layers[2].size == 73109, "manifest members");
  is_str (m->config->media_type, OCI_MEDIA_TYPE_IMAGE_CONFIG, "config media type");
  is_str (oci_string_map_get (&m->annotations, "com.example.key2"), "value2", "annotation");
  ok (m->subject && m->subject->size == 7682, "subject");

  ok (oci_image_manifest_emit (m, false, &out, &len, &err) == 0 && len == strlen (out), "emit compact");
  is_str (out, manifest_compact, "compact emission: table order, no whitespace");
  ok (oci_image_manifest_emit (m, false, &out2, NULL, &err) == 0 && strcmp (out, out2) == 0, "emitting twice");
  ok (oci_digest_buffer (out, strlen (out), d1, &err) == 0 && oci_digest_buffer (out2, strlen (out2), d2, &err) == 0
          && strcmp (d1, d2) == 0,
      "emitting the same manifest twice gives the same digest (%s)", d1);

  if (asprintf (&want_err, "%s/image-spec/manifest/bad-missing-config.json: config: required field missing", fixtures)
      > 0)
    {
      cleanup_free char *bad = fixture_path ("manifest/bad-missing-config.json");
      ok (oci_image_manifest_parse_file (bad, &none, &err) < 0 && none == NULL, "parse_file of a bad manifest fails");
      is_str (err.msg, want_err, "parse_file errors name the file");
      oci_error_clear (&err);
    }
  ok (oci_image_manifest_parse_file ("/nonexistent/manifest.json", &none, &err) < 0 && none == NULL,
      "parse_file of a missing file fails");
  is_str (err.msg, "open /nonexistent/manifest.json: No such file or directory", "missing file message");
  oci_error_clear (&err);
}

/* Annotations (and members) in a different order, with different
 * whitespace: the same content, so the same bytes and the same digest. */
static void
test_determinism (void)
{
  static const char a[] =
      "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/"
      "vnd.oci.empty.v1+json\",\"digest\":\"" EMPTY_DIGEST
      "\",\"size\":2,\"annotations\":{\"b\":\"2\",\"a\":\"1\",\"c\":\"3\"}},\"layers\":[],"
      "\"artifactType\":\"application/vnd.example+type\","
      "\"annotations\":{\"org.opencontainers.image.title\":\"t\",\"com.example.z\":\"z\",\"com.example.a\":\"a\"}}";
  static const char b[] =
      "{\n  \"annotations\": {\"com.example.a\": \"a\", \"org.opencontainers.image.title\": \"t\",\n"
      "    \"com.example.z\": \"z\"},\n  \"layers\": [],\n  \"artifactType\": \"application/vnd.example+type\",\n"
      "  \"config\": {\"annotations\": {\"c\": \"3\", \"a\": \"1\", \"b\": \"2\"}, \"size\": 2, \"digest\": "
      "\"" EMPTY_DIGEST
      "\",\n    \"mediaType\": \"application/vnd.oci.empty.v1+json\"},\n  \"schemaVersion\": 2\n}\n";
  static const char want[] =
      "{\"schemaVersion\":2,\"artifactType\":\"application/vnd.example+type\","
      "\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"" EMPTY_DIGEST "\",\"size\":2,"
      "\"annotations\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}},\"layers\":[],"
      "\"annotations\":{\"com.example.a\":\"a\",\"com.example.z\":\"z\",\"org.opencontainers.image.title\":\"t\"}}";
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_image_manifest struct oci_image_manifest *ma = NULL;
  cleanup_image_manifest struct oci_image_manifest *mb = NULL;
  cleanup_free char *ea = NULL, *eb = NULL;
  char da[OCI_DIGEST_STRING_MAX] = "", db[OCI_DIGEST_STRING_MAX] = "";

  ok (oci_image_manifest_parse_text ("a", a, strlen (a), &ma, &err) == 0
          && oci_image_manifest_parse_text ("b", b, strlen (b), &mb, &err) == 0,
      "two orderings of one manifest parse");
  if (err.msg)
    diag ("%s", err.msg);
  ok (ma && mb && oci_image_manifest_emit (ma, false, &ea, NULL, &err) == 0
          && oci_image_manifest_emit (mb, false, &eb, NULL, &err) == 0,
      "both emit");
  is_str (ea, want, "keys sorted, members in table order");
  is_str (eb, ea, "annotations in different key orders emit identically");
  ok (ea && eb && oci_digest_buffer (ea, strlen (ea), da, &err) == 0
          && oci_digest_buffer (eb, strlen (eb), db, &err) == 0 && strcmp (da, db) == 0,
      "and hash identically");
  oci_error_clear (&err);
}

/* A manifest built in C, as the builder will. */
static void
test_build (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_image_manifest struct oci_image_manifest *m = calloc (1, sizeof (*m));
  cleanup_image_manifest struct oci_image_manifest *back = NULL;
  cleanup_free char *out = NULL, *pretty = NULL;
  static const char layer[] = "layer bytes";
  char layer_digest[OCI_DIGEST_STRING_MAX];
  static const char want[] =
      "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
      "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" EMPTY_DIGEST "\","
      "\"size\":2,\"data\":\"e30=\"},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
      "\"digest\":\"sha256:%s\",\"size\":11}],\"annotations\":{\"org.opencontainers.image.created\":"
      "\"2024-01-01T00:00:00Z\",\"org.opencontainers.image.title\":\"demo\"}}";
  cleanup_free char *expected = NULL;

  if (m == NULL || oci_digest_buffer (layer, strlen (layer), layer_digest, &err) < 0)
    return;
  m->schema_version = 2;
  m->has_schema_version = true;
  m->media_type = strdup (OCI_MEDIA_TYPE_IMAGE_MANIFEST);
  m->config = calloc (1, sizeof (*m->config));
  m->layers = calloc (1, sizeof (*m->layers));
  if (m->media_type == NULL || m->config == NULL || m->layers == NULL)
    return;
  m->layers_len = 1;
  m->config->media_type = strdup (OCI_MEDIA_TYPE_IMAGE_CONFIG);
  m->config->digest = strdup (OCI_EMPTY_JSON_DIGEST);
  m->config->size = OCI_EMPTY_JSON_SIZE;
  m->config->has_size = true;
  m->config->data = oci_base64_encode ("{}", 2);
  m->layers[0].media_type = strdup (OCI_MEDIA_TYPE_IMAGE_LAYER);
  m->layers[0].digest = strdup (layer_digest);
  m->layers[0].size = (int64_t) strlen (layer);
  m->layers[0].has_size = true;
  ok (oci_string_map_set (&m->annotations, OCI_ANNOTATION_TITLE, "demo") == 0
          && oci_string_map_set (&m->annotations, OCI_ANNOTATION_CREATED, "2024-01-01T00:00:00Z") == 0,
      "annotations set");
  ok (oci_image_manifest_emit (m, false, &out, NULL, &err) == 0, "emit a manifest built in C");
  if (asprintf (&expected, want, layer_digest + 7) < 0)
    return;
  is_str (out, expected, "built manifest text");
  ok (oci_image_manifest_emit (m, true, &pretty, NULL, &err) == 0 && pretty[strlen (pretty) - 1] == '\n'
          && strchr (pretty, ' ') != NULL,
      "pretty emission is indented and ends with a newline");
  ok (out && oci_image_manifest_parse_text ("built", out, strlen (out), &back, &err) == 0,
      "built manifest parses back");
  ok (back && back->config->data && strcmp (back->config->data, OCI_EMPTY_JSON_DATA) == 0,
      "embedded data verified on parse");
  oci_error_clear (&err);
}

static void
test_config (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *path = fixture_path ("config/good-buildkit.json");
  cleanup_free char *spec_path = fixture_path ("config/good-config.json");
  cleanup_image_config struct oci_image_config *c = NULL;
  cleanup_image_config struct oci_image_config *s = NULL;
  const struct oci_image_exec_config *x;

  if (!ok (path && oci_image_config_parse_file (path, &c, &err) == 0, "BuildKit-style config parses"))
    {
      diag ("%s", oci_error_msg (&err));
      return;
    }
  x = c->config;
  ok (x && x->entrypoint == NULL && x->on_build == NULL && x->labels.keys == NULL, "null members read as absent");
  ok (x && x->shell_len == 2 && strcmp (x->shell[1], "-c") == 0, "Shell");
  ok (x && x->healthcheck && x->healthcheck->test_len == 2 && x->healthcheck->interval == 30000000000
          && x->healthcheck->has_start_interval && x->healthcheck->start_interval == 1000000000
          && x->healthcheck->retries == 3,
      "Healthcheck");
  ok (x && x->has_args_escaped && x->args_escaped, "ArgsEscaped");
  ok (x && x->exposed_ports_len == 2 && x->volumes_len == 1, "ExposedPorts and Volumes sets");
  ok (c->history_len == 2 && c->history[1].has_empty_layer && c->history[1].empty_layer
          && !c->history[0].has_empty_layer,
      "history");
  is_str (c->variant, "v2", "variant");
  ok (c->rootfs && c->rootfs->diff_ids_len == 1, "rootfs");

  ok (spec_path && oci_image_config_parse_file (spec_path, &s, &err) == 0, "the spec's config parses");
  ok (s && s->config && s->config->env_len == 3 && s->config->cmd_len == 3 && s->history_len == 3,
      "spec config members");
  is_str (s ? oci_string_map_get (&s->config->labels, "com.example.project.git.commit") : NULL,
          "45a939b2999782a3f005621a8d0f29aa387e1d6b", "spec config label");
  oci_error_clear (&err);
}

/* An image without layers: docker omits rootfs.diff_ids (omitempty), we
 * read that and always write the member, as [] when empty. */
static void
test_config_without_layers (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  static const char text[] = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"}}";
  cleanup_image_config struct oci_image_config *c = NULL;
  cleanup_image_config struct oci_image_config *again = NULL;
  cleanup_free char *out = NULL, *out2 = NULL;

  if (!ok (oci_image_config_parse_text ("config", text, strlen (text), &c, &err) == 0,
           "a config without rootfs.diff_ids parses"))
    diag ("%s", oci_error_msg (&err));
  ok (c && c->rootfs && c->rootfs->diff_ids_len == 0, "no diff_ids: none");
  ok (c && oci_image_config_emit (c, false, &out, NULL, &err) == 0 && strstr (out, "\"diff_ids\":[]") != NULL,
      "emitted with \"diff_ids\": []");
  ok (out && oci_image_config_parse_text ("emitted", out, strlen (out), &again, &err) == 0
          && oci_image_config_emit (again, false, &out2, NULL, &err) == 0 && strcmp (out, out2) == 0,
      "round trip of a config without layers is stable");
  oci_error_clear (&err);
}

static void
test_index_and_platform (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *path = fixture_path ("index/good-layout-index.json");
  cleanup_free char *dpath = fixture_path ("descriptor/good-platform.json");
  cleanup_free char *lpath = fixture_path ("layout/good-oci-layout.json");
  cleanup_image_index struct oci_image_index *idx = NULL;
  cleanup_image_descriptor struct oci_image_descriptor *d = NULL;
  cleanup_image_layout struct oci_image_layout *l = NULL;

  ok (path && oci_image_index_parse_file (path, &idx, &err) == 0 && idx->manifests_len == 3, "layout index.json");
  is_str (idx ? oci_string_map_get (&idx->manifests[1].annotations, OCI_ANNOTATION_REF_NAME) : NULL, "v1.0",
          "ref.name annotation");
  is_str (idx && idx->manifests[1].platform ? idx->manifests[1].platform->architecture : NULL, "ppc64le",
          "platform architecture");
  ok (dpath && oci_image_descriptor_parse_file (dpath, &d, &err) == 0, "descriptor with a full platform");
  is_str (d && d->platform ? d->platform->os_version : NULL, "6.1", "os.version");
  ok (d && d->platform && d->platform->os_features_len == 1, "os.features");
  ok (lpath && oci_image_layout_parse_file (lpath, &l, &err) == 0, "oci-layout");
  is_str (l ? l->image_layout_version : NULL, OCI_IMAGE_LAYOUT_VERSION, "imageLayoutVersion");
  if (err.msg)
    diag ("%s", err.msg);
  oci_error_clear (&err);
}

/* ---- helpers ---- */

static void
test_base64 (void)
{
  static const char *const vectors[][2] = {
    { "", "" },
    { "f", "Zg==" },
    { "fo", "Zm8=" },
    { "foo", "Zm9v" },
    { "foob", "Zm9vYg==" },
    { "fooba", "Zm9vYmE=" },
    { "foobar", "Zm9vYmFy" },
    { "{}", "e30=" },
  };
  static const char *const invalid[][2] = {
    { "Zg=", "invalid base64: length 3 is not a multiple of 4" },
    { "Zh==", "invalid base64: non-zero padding bits" },
    { "Zm9=", "invalid base64: non-zero padding bits" },
    { "Zm9v\nZg==", "invalid base64: length 9 is not a multiple of 4" },
    { "Zm=v", "invalid base64: unexpected character at offset 2" },
    { "Z===", "invalid base64: unexpected character at offset 1" },
    { "====", "invalid base64: unexpected character at offset 0" },
    { "Zm9v-_==", "invalid base64: unexpected character at offset 4" },
  };
  struct oci_error err = OCI_ERROR_INIT;
  unsigned char bytes[256];
  bool all = true;

  for (size_t i = 0; i < sizeof (vectors) / sizeof (vectors[0]); i++)
    {
      cleanup_free char *enc = oci_base64_encode (vectors[i][0], strlen (vectors[i][0]));
      cleanup_free unsigned char *dec = NULL;
      size_t len = 0;
      is_str (enc, vectors[i][1], "base64 encode \"%s\"", vectors[i][0]);
      ok (oci_base64_decode (vectors[i][1], &dec, &len, &err) == 0 && len == strlen (vectors[i][0])
              && memcmp (dec, vectors[i][0], len) == 0,
          "base64 decode \"%s\"", vectors[i][1]);
    }
  for (size_t i = 0; i < sizeof (invalid) / sizeof (invalid[0]); i++)
    {
      unsigned char *dec = NULL;
      size_t len = 0;
      int r = oci_base64_decode (invalid[i][0], &dec, &len, &err);
      ok (r < 0 && dec == NULL && err.msg && strcmp (err.msg, invalid[i][1]) == 0, "base64 rejects case %zu: %s", i,
          invalid[i][1]);
      if (err.msg && strcmp (err.msg, invalid[i][1]) != 0)
        diag ("got: %s", err.msg);
      free (dec);
      oci_error_clear (&err);
    }
  for (size_t i = 0; i < sizeof (bytes); i++)
    bytes[i] = (unsigned char) (255 - i);
  for (size_t n = 0; n <= sizeof (bytes); n++)
    {
      cleanup_free char *enc = oci_base64_encode (bytes, n);
      cleanup_free unsigned char *dec = NULL;
      size_t len = 0;
      if (enc == NULL || oci_base64_decode (enc, &dec, &len, &err) < 0 || len != n || memcmp (dec, bytes, n) != 0)
        all = false;
      oci_error_clear (&err);
    }
  ok (all, "base64 round trip of every length 0..256");
}

static void
test_media_types (void)
{
  static const char *const valid[] = {
    OCI_MEDIA_TYPE_IMAGE_MANIFEST,
    OCI_MEDIA_TYPE_IMAGE_LAYER_NONDISTRIBUTABLE_ZSTD,
    DOCKER_MEDIA_TYPE_LAYER_GZIP,
    "application/vnd.example+type",
    "text/plain",
    "a/b",
  };
  static const char *const invalid[] = {
    "", "application", "/json", "application/", "a/b/c", "-x/y", "x/.y", "a b/c"
  };

  for (size_t i = 0; i < sizeof (valid) / sizeof (valid[0]); i++)
    ok (oci_media_type_is_valid (valid[i]), "media type %s", valid[i]);
  char long_type[2 + 128 + 1] = "a/";

  for (size_t i = 0; i < sizeof (invalid) / sizeof (invalid[0]); i++)
    ok (!oci_media_type_is_valid (invalid[i]), "not a media type: \"%s\"", invalid[i]);
  memset (long_type + 2, 'x', 127);
  ok (oci_media_type_is_valid (long_type), "a 127-character subtype is a media type");
  long_type[2 + 127] = 'x';
  ok (!oci_media_type_is_valid (long_type), "a 128-character subtype is not");
}

int
main (void)
{
  fixtures = getenv ("FIXTURES");
  if (fixtures == NULL)
    fixtures = "tests/fixtures";
  test_fixtures ();
  test_manifest ();
  test_determinism ();
  test_build ();
  test_config ();
  test_config_without_layers ();
  test_index_and_platform ();
  test_base64 ();
  test_media_types ();
  return tap_done ();
}
