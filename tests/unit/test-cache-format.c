/* The exported cache's documents (builder/exec/cache_format.c): the
 * records document and the cache manifest, both read from outside (a
 * registry, a directory), and the --cache-to/--cache-from specs. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "exec/build.h"
#include "exec/cache_format.h"

#define K1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define K2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static bool
doc_parses (const char *text)
{
  struct bld_cache_doc d;
  struct oci_error e = OCI_ERROR_INIT;
  int r = bld_cache_doc_parse (text, strlen (text), &d, &e);
  if (r == 0)
    bld_cache_doc_clear (&d);
  else
    diag ("%s", oci_error_msg (&e));
  oci_error_clear (&e);
  return r == 0;
}

static void
test_doc_round_trip (void)
{
  struct bld_cache_doc d = { 0 }, back;
  struct oci_error e = OCI_ERROR_INIT;
  char *steps[] = { K1 "=2024-01-01T00:00:00Z", K2 "=2024-01-02T00:00:00Z", NULL };
  struct bld_cache_record layer = { .key = K1, .layer = true };
  struct bld_cache_record run = { .key = K2, .steps = steps, .n_steps = 2 };
  char *text = NULL;
  size_t len;

  layer.l = (struct step_cache_layer) { .media_type = "application/vnd.oci.image.layer.v1.tar+gzip",
                                        .digest = D1,
                                        .diff_id = D2,
                                        .size = 42,
                                        .created = "T" };
  ok (bld_cache_doc_add (&d, &layer, &e) == 0 && bld_cache_doc_add (&d, &run, &e) == 0, "records added");
  ok (bld_cache_doc_add (&d, &layer, &e) == 0 && d.n_records == 2, "a key already there is kept once");
  d.os = strdup ("linux");
  d.architecture = strdup ("amd64");
  ok (bld_cache_doc_emit (&d, &text, &len, &e) == 0, "emitted");
  ok (bld_cache_doc_parse (text, len, &back, &e) == 0, "parsed back");
  ok (back.n_records == 2, "two records");
  const struct bld_cache_record *l = bld_cache_doc_find (&back, K1), *m = bld_cache_doc_find (&back, K2);
  ok (l && l->layer && l->l.size == 42, "the layer record");
  is_str (l ? l->l.digest : NULL, D1, "its digest");
  is_str (l ? l->l.diff_id : NULL, D2, "its diff_id");
  ok (m && !m->layer && m->n_steps == 2, "the metadata run");
  is_str (m ? m->steps[1] : NULL, K2 "=2024-01-02T00:00:00Z", "its second step");
  is_str (back.architecture, "amd64", "the platform");
  ok (bld_cache_doc_find (&back, "nope") == NULL, "no record for another key");
  bld_cache_doc_clear (&back);
  bld_cache_doc_clear (&d);
  free (text);
  oci_error_clear (&e);
}

static void
test_doc_bad (void)
{
  const char *pf = "\"schemaVersion\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}";
  char buf[1024];

  ok (!doc_parses ("{"), "not JSON");
  ok (!doc_parses ("[]"), "not an object");
  ok (!doc_parses ("{\"schemaVersion\":2,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"},\"records\":[]}"),
      "another schemaVersion");
  ok (!doc_parses ("{\"schemaVersion\":1,\"records\":[]}"), "no platform");
  snprintf (buf, sizeof buf, "{%s}", pf);
  ok (!doc_parses (buf), "no records");
  snprintf (buf, sizeof buf, "{%s,\"records\":[]}", pf);
  ok (doc_parses (buf), "no records at all is a (useless) cache");
  snprintf (buf, sizeof buf, "{%s,\"records\":[{\"key\":\"%s\",\"kind\":\"future\"}]}", pf, K1);
  ok (doc_parses (buf), "a kind not known is skipped");
  snprintf (buf, sizeof buf, "{%s,\"records\":[{\"key\":\"../x\",\"kind\":\"layer\"}]}", pf);
  ok (!doc_parses (buf), "a key that is no step key (a path)");
  snprintf (buf, sizeof buf,
            "{%s,\"records\":[{\"key\":\"%s\",\"kind\":\"layer\",\"mediaType\":\"m\",\"size\":1,\"digest\":\"sha256:"
            "zz\",\"diffID\":\"%s\"}]}",
            pf, K1, D2);
  ok (!doc_parses (buf), "a layer record with a bad digest");
  snprintf (buf, sizeof buf,
            "{%s,\"records\":[{\"key\":\"%s\",\"kind\":\"layer\",\"mediaType\":\"m\",\"size\":-1,\"digest\":\"%s\","
            "\"diffID\":\"%s\"}]}",
            pf, K1, D1, D2);
  ok (!doc_parses (buf), "a negative size");
  snprintf (buf, sizeof buf, "{%s,\"records\":[{\"key\":\"%s\",\"kind\":\"layer\",\"mediaType\":\"m\",\"size\":1}]}",
            pf, K1);
  ok (!doc_parses (buf), "a layer record without digests");
  snprintf (buf, sizeof buf, "{%s,\"records\":[{\"key\":\"%s\",\"kind\":\"metadata-run\",\"steps\":[{\"key\":1}]}]}",
            pf, K1);
  ok (!doc_parses (buf), "a metadata step without a key");
  /* Deep nesting stops at json.c's depth limit, with an error. */
  size_t depth = 100000;
  char *deep = malloc (2 * depth + 1);
  memset (deep, '[', depth);
  memset (deep + depth, ']', depth);
  deep[2 * depth] = '\0';
  ok (!doc_parses (deep), "nesting deeper than the JSON limit");
  free (deep);
}

/* Many records: each found by key (through the index), added once. */
static void
test_doc_many (void)
{
  struct bld_cache_doc d = { 0 };
  struct oci_error e = OCI_ERROR_INIT;
  char key[65];
  size_t n = 20000, found = 0, failed = 0;
  for (size_t i = 0; i < 2 * n; i++)
    {
      snprintf (key, sizeof key, "%064zx", i % n);
      struct bld_cache_record r = { .key = key };
      if (bld_cache_doc_add (&d, &r, &e) < 0)
        failed++;
    }
  ok (failed == 0 && d.n_records == n, "%zu records added twice are there once", n);
  for (size_t i = 0; i < n; i++)
    {
      snprintf (key, sizeof key, "%064zx", i);
      const struct bld_cache_record *r = bld_cache_doc_find (&d, key);
      found += r && strcmp (r->key, key) == 0;
    }
  ok (found == n, "each is found by its key");
  snprintf (key, sizeof key, "%064zx", n);
  ok (bld_cache_doc_find (&d, key) == NULL, "a key not there is not found");
  bld_cache_doc_clear (&d);
  oci_error_clear (&e);
}

static bool
manifest (const char *text, struct bld_cache_manifest *m)
{
  struct oci_error e = OCI_ERROR_INIT;
  int r = bld_cache_manifest_parse (text, strlen (text), m, &e);
  if (r < 0)
    diag ("%s", oci_error_msg (&e));
  oci_error_clear (&e);
  return r == 0;
}

static void
test_manifest (void)
{
  struct bld_cache_manifest m;
  struct bld_cache_blob cfg = { BLD_CACHE_MEDIA_TYPE, D1, 10 };
  struct bld_cache_blob layers[] = { { "application/vnd.oci.image.layer.v1.tar+gzip", D2, 20 } };
  struct oci_error e = OCI_ERROR_INIT;
  char *text = NULL, buf[1024];
  size_t len;

  ok (bld_cache_manifest_emit (&cfg, layers, 1, &text, &len, &e) == 0, "emitted");
  ok (manifest (text, &m) && m.is_cache && m.n_layers == 1, "a cache manifest");
  is_str (m.config.digest, D1, "its records blob");
  ok (m.layers[0].size == 20, "its layer");
  bld_cache_manifest_clear (&m);
  free (text);

  snprintf (buf, sizeof buf,
            "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
            "\"digest\":\"%s\",\"size\":3},\"layers\":[],\"annotations\":{\"%s\":\"{}\"}}",
            D1, BLD_CACHE_ANNOTATION);
  ok (manifest (buf, &m) && !m.is_cache, "an image manifest is no cache artifact");
  is_str (m.inline_doc, "{}", "its inline records");
  bld_cache_manifest_clear (&m);

  snprintf (buf, sizeof buf, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"%s\",\"size\":3}}",
            D1);
  ok (manifest (buf, &m) && !m.is_cache && m.inline_doc == NULL, "an image without the annotation");
  bld_cache_manifest_clear (&m);

  ok (!manifest ("{\"schemaVersion\":1}", &m), "schemaVersion 1");
  ok (!manifest ("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"size\":1}}", &m),
      "a config without a digest (fuzz-cache found it crashing)");
  ok (!manifest ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\"}", &m),
      "an index is no manifest");
  ok (!manifest ("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"nope\",\"size\":1}}", &m),
      "a config with a bad digest");
  snprintf (buf, sizeof buf,
            "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"%s\",\"size\":3},\"layers\":[{}]}",
            D1);
  ok (!manifest (buf, &m), "a layer that is no descriptor");
  snprintf (buf, sizeof buf,
            "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"%s\",\"size\":3},\"layers\":{}}", D1);
  ok (!manifest (buf, &m), "layers that are no array");
  oci_error_clear (&e);
}

static bool
spec (const char *s, bool to, struct bld_cache_spec *out)
{
  struct oci_error e = OCI_ERROR_INIT;
  int r = bld_cache_spec_parse (s, to, out, &e);
  if (r < 0)
    diag ("%s", oci_error_msg (&e));
  oci_error_clear (&e);
  return r == 0;
}

static void
test_spec (void)
{
  struct bld_cache_spec s;
  ok (spec ("type=registry,ref=r.example/c:1,mode=max", true, &s) && s.type == BLD_CACHE_REGISTRY && s.max,
      "registry, mode=max");
  is_str (s.ref, "r.example/c:1", "its ref");
  bld_cache_spec_clear (&s);
  ok (spec ("r.example/c:1", false, &s) && s.type == BLD_CACHE_REGISTRY && !s.max, "a bare REF is a registry");
  bld_cache_spec_clear (&s);
  ok (spec ("type=local,dest=/d", true, &s) && s.type == BLD_CACHE_LOCAL, "local dest");
  is_str (s.dir, "/d", "its dir");
  bld_cache_spec_clear (&s);
  ok (spec ("type=local,src=/d", false, &s) && s.type == BLD_CACHE_LOCAL, "local src");
  bld_cache_spec_clear (&s);
  ok (spec ("type=inline", true, &s) && s.type == BLD_CACHE_INLINE, "inline");
  bld_cache_spec_clear (&s);
  ok (spec ("type=registry,ref=x,registry.insecure=true", false, &s) && s.insecure, "registry.insecure");
  bld_cache_spec_clear (&s);
  ok (!spec ("type=local,src=/d", true, &s), "--cache-to takes dest, not src");
  ok (!spec ("type=local,dest=/d", false, &s), "--cache-from takes src, not dest");
  ok (!spec ("type=inline", false, &s), "no inline for --cache-from");
  ok (!spec ("type=registry", true, &s), "registry without ref");
  ok (!spec ("type=registry,ref=x,mode=all", true, &s), "a mode that is neither");
  ok (!spec ("type=registry,ref=x,mode=max", false, &s), "no mode for --cache-from");
  ok (!spec ("type=s3,ref=x", true, &s), "another type");
  ok (!spec ("type=registry,ref=", true, &s), "an empty ref");
  ok (!spec ("", true, &s), "empty");
  ok (!spec ("type=registry,junk", true, &s), "a field that is no KEY=VALUE");
}

int
main (void)
{
  test_doc_round_trip ();
  test_doc_bad ();
  test_doc_many ();
  test_manifest ();
  test_spec ();
  return tap_done ();
}
