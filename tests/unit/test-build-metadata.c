/* Build metadata: --annotation specs and the standard annotations
 * (builder/exec/build_annotations.c), --progress=rawjson's events
 * (build_progress_json.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "exec/build.h"
#include "exec/provenance.h"
#include "json.h"

static bool
parses (const char *spec, enum bld_annotation_target want_t, const char *want_k, const char *want_v)
{
  enum bld_annotation_target t;
  char *k = NULL, *v = NULL;
  struct oci_error e = OCI_ERROR_INIT;
  bool good = bld_annotation_parse (spec, &t, &k, &v, &e) == 0 && t == want_t && strcmp (k, want_k) == 0
              && strcmp (v, want_v) == 0;
  if (!good)
    diag ("%s", oci_error_msg (&e));
  free (k);
  free (v);
  oci_error_clear (&e);
  return good;
}

static bool
refused (const char *spec, const char *want_msg)
{
  enum bld_annotation_target t;
  char *k = NULL, *v = NULL;
  struct oci_error e = OCI_ERROR_INIT;
  bool r = bld_annotation_parse (spec, &t, &k, &v, &e) < 0 && k == NULL && v == NULL
           && strstr (oci_error_msg (&e), want_msg) != NULL;
  if (!r)
    diag ("%s", oci_error_msg (&e));
  oci_error_clear (&e);
  return r;
}

static void
test_parse (void)
{
  ok (parses ("a=b", BLD_ANNOTATION_MANIFEST, "a", "b"), "no prefix: the manifest");
  ok (parses ("manifest:a.b=c", BLD_ANNOTATION_MANIFEST, "a.b", "c"), "manifest:");
  ok (parses ("index:a=b", BLD_ANNOTATION_INDEX, "a", "b"), "index:");
  ok (parses ("a=", BLD_ANNOTATION_MANIFEST, "a", ""), "an empty value");
  ok (parses ("a=b=c:d", BLD_ANNOTATION_MANIFEST, "a", "b=c:d"), "the value runs to the end");
  ok (refused ("ab", "want [manifest:|index:]KEY=VALUE"), "no =");
  ok (refused ("=b", "empty key"), "an empty key");
  ok (refused ("index:=b", "empty key"), "an empty key after index:");
  ok (refused ("manifest-descriptor:a=b", "is not manifest or index"), "another type");
  ok (refused ("x:a=b", "\"x\" is not manifest or index"), "an unknown type");
}

static void
map_clear (struct oci_string_map *m)
{
  for (size_t i = 0; i < m->len; i++)
    {
      free (m->keys[i]);
      free (m->values[i]);
    }
  free (m->keys);
  free (m->values);
  memset (m, 0, sizeof *m);
}

static void
test_standard (void)
{
  struct bld_build_options o = { 0 };
  struct oci_string_map m = { 0 };
  struct oci_error e = OCI_ERROR_INIT;
  char *specs[] = { "index:i=1", "k=v", "org.opencontainers.image.revision=mine", NULL };
  char t[32];

  ok (bld_rfc3339 (1700000000, t) == 0, "rfc3339");
  is_str (t, "2023-11-14T22:13:20Z", "its text");
  ok (bld_manifest_annotations (&o, BLD_ANNOTATION_MANIFEST, &m, &e) == 0 && m.len == 0,
      "nothing given, no annotation (no timestamp, no created)");
  o.has_timestamp = true;
  o.timestamp = 0;
  o.source = "https://example.com/x.git";
  o.revision = "abc";
  o.annotations = specs;
  o.annotations_len = 3;
  ok (bld_manifest_annotations (&o, BLD_ANNOTATION_MANIFEST, &m, &e) == 0, "the manifest's");
  ok (m.len == 4, "created, source, revision, k");
  is_str (oci_string_map_get (&m, "org.opencontainers.image.created"), "1970-01-01T00:00:00Z", "created");
  is_str (oci_string_map_get (&m, "org.opencontainers.image.source"), o.source, "source");
  is_str (oci_string_map_get (&m, "org.opencontainers.image.revision"), "mine", "--annotation wins");
  ok (oci_string_map_get (&m, "i") == NULL, "no index annotation on the manifest");
  map_clear (&m);
  ok (bld_manifest_annotations (&o, BLD_ANNOTATION_INDEX, &m, &e) == 0 && m.len == 1, "the index's");
  is_str (oci_string_map_get (&m, "i"), "1", "only index: ones");
  map_clear (&m);
  specs[1] = "bad";
  ok (bld_manifest_annotations (&o, BLD_ANNOTATION_MANIFEST, &m, &e) < 0, "a bad spec is an error");
  map_clear (&m);
  oci_error_clear (&e);
}

static void
test_event (void)
{
  struct bld_progress_event e = {
    .time = { 86400, 5 }, .event = "start", .step = 2, .total = 3, .name = "RUN a \"b\"", .duration_ms = -1
  };
  struct oci_error err = OCI_ERROR_INIT;
  char *line = NULL;
  size_t len;

  ok (bld_progress_event_json (&e, &line, &len, &err) == 0, "start event");
  is_str (line,
          "{\"time\":\"1970-01-02T00:00:00.000000005Z\",\"event\":\"start\",\"step\":2,\"total\":3,"
          "\"vertex\":\"[2/3]\",\"name\":\"RUN a \\\"b\\\"\"}",
          "its line");
  ok (line && strlen (line) == len && !strchr (line, '\n'), "one line");
  free (line);
  line = NULL;
  e = (struct bld_progress_event) { .time = { 0, 999999999 }, .event = "message", .text = "x\ty", .duration_ms = -1 };
  ok (bld_progress_event_json (&e, &line, &len, &err) == 0, "message event");
  is_str (line, "{\"time\":\"1970-01-01T00:00:00.999999999Z\",\"event\":\"message\",\"text\":\"x\\ty\"}",
          "no step, the text escaped");
  free (line);
  line = NULL;
  e = (struct bld_progress_event) { .event = "done", .step = 1, .total = 1, .duration_ms = 1500 };
  ok (bld_progress_event_json (&e, &line, &len, &err) == 0 && strstr (line, "\"duration_ms\":1500}") != NULL,
      "done: its duration");
  free (line);
  oci_error_clear (&err);
}

#define DA "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DB "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static void
test_provenance (void)
{
  char *bases[] = { "busybox@" DA }, *args[] = { "V=\"7\"" };
  struct bld_provenance p = { .builder_version = "1.0",
                              .created = "1970-01-01T00:00:00Z",
                              .recipe_path = "/c/Recipe",
                              .recipe_digest = DA,
                              .context_digest = DB,
                              .image_digest = DB,
                              .bases = bases,
                              .bases_len = 1,
                              .build_args = args,
                              .build_args_len = 1 };
  struct oci_image_descriptor subject = { .media_type = (char *) OCI_MEDIA_TYPE_IMAGE_MANIFEST,
                                          .digest = DB,
                                          .size = 7 };
  struct oci_error err = OCI_ERROR_INIT;
  char *text = NULL;
  size_t len;

  ok (bld_provenance_doc (&p, &text, &len, &err) == 0, "the record");
  is_str (
      text,
      "{\"builder\":{\"version\":\"1.0\"},\"created\":\"1970-01-01T00:00:00Z\",\"recipe\":{\"path\":\"/c/Recipe\","
      "\"digest\":\"" DA "\"},\"context\":{\"digest\":\"" DB "\"},\"bases\":[\"busybox@" DA "\"],"
      "\"buildArgs\":[\"V=\\\"7\\\"\"],\"image\":{\"digest\":\"" DB "\"}}",
      "its text");
  free (text);
  text = NULL;
  ok (bld_provenance_manifest (&subject, DA, 42, &text, &len, &err) == 0, "the artifact manifest");
  is_str (text,
          "{\"schemaVersion\":2,\"mediaType\":\"application/"
          "vnd.oci.image.manifest.v1+json\",\"artifactType\":\"" BLD_PROVENANCE_MEDIA_TYPE
          "\",\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"" BLD_EMPTY_JSON_DIGEST
          "\",\"size\":2},\"layers\":[{\"mediaType\":\"" BLD_PROVENANCE_MEDIA_TYPE "\",\"digest\":\"" DA
          "\",\"size\":42}],\"subject\":{\"mediaType\":"
          "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" DB "\",\"size\":7}}",
          "its text: the subject is the image");
  free (text);
  oci_error_clear (&err);
}

int
main (void)
{
  test_provenance ();
  test_parse ();
  test_standard ();
  test_event ();
  return tap_done ();
}
