/* Image lookup (store.c, bld_store_lookup): names, manifest digests and
 * image ids (docker's: the config digest) in full, as bare hex and as
 * prefixes of 12+ hex digits; ambiguous prefixes; removal by id.  Needs no
 * root. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "common/strv.h"
#include "image.h"
#include "image/store.h"
#include "tap.h"
#include "tree-walk.h"

static void
test_id_form (void)
{
  const char *hex = NULL;
  static const char full[] = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  ok (bld_image_id_form (full, &hex) == BLD_IMAGE_ID_FULL && hex == full + 7, "sha256:HEX is a full id");
  ok (bld_image_id_form (full + 7, &hex) == BLD_IMAGE_ID_FULL && hex == full + 7, "64 bare hex digits are a full id");
  ok (bld_image_id_form ("0123456789ab", &hex) == BLD_IMAGE_ID_PREFIX, "12 hex digits are a prefix");
  ok (bld_image_id_form ("sha256:0123456789ab", &hex) == BLD_IMAGE_ID_PREFIX && strcmp (hex, "0123456789ab") == 0,
      "sha256: and 12 hex digits are a prefix");
  ok (bld_image_id_form ("0123456789a", NULL) == BLD_IMAGE_ID_NONE, "11 digits are not");
  ok (bld_image_id_form ("0123456789AB", NULL) == BLD_IMAGE_ID_NONE, "upper case is not");
  ok (bld_image_id_form ("0123456789abg", NULL) == BLD_IMAGE_ID_NONE, "a non-hex character is not");
  ok (bld_image_id_form ("busybox:latest", NULL) == BLD_IMAGE_ID_NONE, "a name is not");
  ok (bld_image_id_form ("sha256:", NULL) == BLD_IMAGE_ID_NONE, "sha256: alone is not");
  ok (bld_image_id_form ("sha512:0123456789ab", NULL) == BLD_IMAGE_ID_NONE, "another algorithm is not");
  {
    char longer[80];
    snprintf (longer, sizeof longer, "%s0", full);
    ok (bld_image_id_form (longer, NULL) == BLD_IMAGE_ID_NONE, "65 digits are not");
  }
}

/* An image with no layers whose config differs by architecture. */
static struct oci_image_descriptor *
write_image (struct bld_store *s, const char *arch, const char *name)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  cleanup_image_config struct oci_image_config *c = calloc (1, sizeof *c);
  struct oci_image_descriptor *m = NULL;

  c->architecture = strdup (arch);
  c->os = strdup ("linux");
  c->rootfs = calloc (1, sizeof *c->rootfs);
  c->rootfs->type = strdup ("layers");
  if (bld_store_write_image (s, c, NULL, 0, NULL, name, &m, &err) < 0)
    diag ("write image %s: %s", arch, err.msg);
  return m;
}

/* An unnamed entry whose manifest's config claims the digest
 * sha256:config_hex (no config blob: ids are compared before any config is
 * read). */
static void
fake_image (struct bld_store *s, const char *config_hex)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *text = NULL;
  char digest[OCI_DIGEST_STRING_MAX];
  int64_t size;

  if (asprintf (&text,
                "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MEDIA_TYPE_IMAGE_MANIFEST
                "\",\"config\":{\"mediaType\":\"" OCI_MEDIA_TYPE_IMAGE_CONFIG
                "\",\"digest\":\"sha256:%s\",\"size\":2},\"layers\":[]}",
                config_hex)
      < 0)
    abort ();
  struct oci_image_descriptor d = { .media_type = (char *) OCI_MEDIA_TYPE_IMAGE_MANIFEST, .digest = digest };
  if (bld_store_put_buffer (s, text, strlen (text), digest, &size, &err) < 0)
    diag ("fake image: %s", err.msg);
  d.size = size;
  d.has_size = true;
  if (bld_store_index_put (s, &d, NULL, &err) < 0)
    diag ("fake image: %s", err.msg);
}

static void
test_lookup (struct bld_store *s)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  cleanup_image_descriptor struct oci_image_descriptor *m1 = write_image (s, "amd64", "one:1");
  cleanup_image_descriptor struct oci_image_descriptor *m2 = write_image (s, "arm64", "two:1");
  cleanup_image_match struct bld_image_match m = { 0 };
  char id1[OCI_DIGEST_STRING_MAX], id2[OCI_DIGEST_STRING_MAX], ref[80];

  ok (m1 && m2 && bld_store_image_id (s, m1, id1, &err) == 0 && bld_store_image_id (s, m2, id2, &err) == 0
          && strncmp (id1, "sha256:", 7) == 0 && strcmp (id1, id2) != 0,
      "two images, two ids");

  ok (bld_store_lookup (s, "one:1", &m, &err) == 0 && m.by_name && strcmp (m.desc->digest, m1->digest) == 0
          && strcmp (m.id, id1) == 0,
      "by name: the entry and its id");
  bld_image_match_clear (&m);
  ok (bld_store_lookup (s, id2, &m, &err) == 0 && !m.by_name && strcmp (m.desc->digest, m2->digest) == 0,
      "by full id");
  bld_image_match_clear (&m);
  ok (bld_store_lookup (s, id2 + 7, &m, &err) == 0 && strcmp (m.desc->digest, m2->digest) == 0, "by bare hex id");
  bld_image_match_clear (&m);
  snprintf (ref, sizeof ref, "%.12s", id1 + 7);
  ok (bld_store_lookup (s, ref, &m, &err) == 0 && !m.by_name && strcmp (m.desc->digest, m1->digest) == 0,
      "by a 12-digit prefix");
  bld_image_match_clear (&m);
  snprintf (ref, sizeof ref, "%.19s", id1);
  ok (bld_store_lookup (s, ref, &m, &err) == 0 && strcmp (m.desc->digest, m1->digest) == 0,
      "by sha256: and a prefix");
  bld_image_match_clear (&m);
  ok (bld_store_lookup (s, m1->digest, &m, &err) == 0 && strcmp (m.desc->digest, m1->digest) == 0
          && strcmp (m.id, id1) == 0,
      "by manifest digest, still");
  bld_image_match_clear (&m);
  snprintf (ref, sizeof ref, "%.11s", id1 + 7);
  ok (bld_store_lookup (s, ref, &m, &err) < 0 && strstr (err.msg, "not found"), "11 digits: a name, not found");
  oci_error_clear (&err);
  ok (bld_store_resolve (s, "sha256:000000000000", &m.desc, &err) < 0 && strstr (err.msg, "not found"),
      "an unknown prefix");
  oci_error_clear (&err);

  /* A name made of hex digits wins over an id prefix, as docker's. */
  snprintf (ref, sizeof ref, "%.12s", id1 + 7);
  ok (bld_store_tag (s, ref, m2, &err) == 0, "tag two as %s", ref);
  ok (bld_store_lookup (s, ref, &m, &err) == 0 && m.by_name && strcmp (m.desc->digest, m2->digest) == 0,
      "a bare prefix that is also a name is the name");
  bld_image_match_clear (&m);
  snprintf (ref, sizeof ref, "%.19s", id1);
  ok (bld_store_lookup (s, ref, &m, &err) == 0 && strcmp (m.desc->digest, m1->digest) == 0,
      "with sha256: it is the id");
  bld_image_match_clear (&m);

  /* Ambiguous prefixes name the candidates' count. */
  fake_image (s, "feedfacecafe1111111111111111111111111111111111111111111111111111");
  fake_image (s, "feedfacecafe2222222222222222222222222222222222222222222222222222");
  ok (bld_store_lookup (s, "feedfacecafe", &m, &err) < 0 && strstr (err.msg, "ambiguous")
          && strstr (err.msg, "2 images match"),
      "an ambiguous prefix");
  oci_error_clear (&err);
  ok (bld_store_lookup (s, "feedfacecafe2", &m, &err) == 0
          && strcmp (m.id, "sha256:feedfacecafe2222222222222222222222222222222222222222222222222222") == 0,
      "one more digit is unique");
  bld_image_match_clear (&m);

  /* Removal by id: every entry of the image, named or not. */
  {
    char **names = NULL;
    size_t n = 0;
    ok (bld_store_tag (s, "one:2", m1, &err) == 0, "one:2");
    ok (bld_store_remove_image (s, id1, &names, &n, &err) == 0 && n == 2 && strcmp (names[0], "one:1") == 0
            && strcmp (names[1], "one:2") == 0,
        "remove by id: its names one:1 and one:2 go");
    cmn_strv_clear (&names, &n);
    ok (bld_store_lookup (s, id1, &m, &err) < 0, "the image is gone");
    oci_error_clear (&err);
    ok (bld_store_remove_image (s, id1, &names, &n, &err) < 0 && strstr (err.msg, "not in"), "twice: an error");
    oci_error_clear (&err);
    ok (bld_store_remove_image (s, "sha256:feedfacecafe1111111111111111111111111111111111111111111111111111", &names,
                                &n, &err)
                == 0
            && n == 0,
        "an unnamed image goes by id");
    ok (bld_store_remove_image (s, id2, &names, &n, &err) < 0 && strstr (err.msg, "several repositories") && n == 0,
        "two repositories: refused");
    oci_error_clear (&err);
    ok (bld_store_lookup (s, "two:1", &m, &err) == 0, "and nothing removed");
    bld_image_match_clear (&m);
  }
}

int
main (void)
{
  char tmpl[] = "/tmp/test-image-lookup-XXXXXX";
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  cleanup_store struct bld_store *s = NULL;
  char *tmp = mkdtemp (tmpl);

  if (tmp == NULL)
    return 1;
  test_id_form ();
  if (bld_store_open (tw_path (tmp, "store"), true, &s, &err) < 0)
    {
      printf ("Bail out! %s\n", err.msg);
      return 1;
    }
  test_lookup (s);
  bld_store_free (steal_pointer (&s));
  tree_remove (tmp);
  return tap_done ();
}
