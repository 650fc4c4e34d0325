/* distribution/reference.c: the one image-reference parser behind the
 * store, the registry client and the image transports. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "distribution/reference.h"
#include "distribution/registry.h"
#include "tap.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* One parse and every spelling that comes out of it; tag and digest NULL
 * when not written. */
static void
parse_ok (const char *in, const char *host, const char *repo, const char *name, const char *tag, const char *digest)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  cleanup_reference struct bld_reference r = { 0 };
  if (bld_reference_parse (in, &r, &err) < 0)
    {
      ok (false, "%s parses: %s", in, oci_error_msg (&err));
      return;
    }
  ok (strcmp (r.host, host) == 0 && strcmp (r.repo, repo) == 0 && strcmp (r.name, name) == 0,
      "%s: host %s, repository %s, short name %s (got %s %s %s)", in, host, repo, name, r.host, r.repo, r.name);
  ok (tag ? r.tag && strcmp (r.tag, tag) == 0 : r.tag == NULL, "%s: tag %s", in, tag ? tag : "none");
  ok (digest ? r.digest && strcmp (r.digest, digest) == 0 : r.digest == NULL, "%s: digest", in);
}

static void
parse_bad (const char *in, const char *want)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  cleanup_reference struct bld_reference r = { 0 };
  int rc = bld_reference_parse (in, &r, &err);
  ok (rc < 0 && err.msg && strstr (err.msg, want) && r.name == NULL, "%s refused (%s): %s", in, want,
      oci_error_msg (&err));
}

/* The store and the registry read a reference the same way: where one
 * takes it, so does the other, and they agree on the repository. */
static void
agree (const char *in, bool valid)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  cleanup_reference struct bld_reference reg = { 0 };
  cleanup_free char *norm = NULL;
  cleanup_free char *q = NULL;
  bool store_ok = bld_ref_normalize (in, &norm, &err) == 0;
  oci_error_clear (&err);
  bool reg_ok = reg_ref_parse (in, &reg, &err) == 0;
  oci_error_clear (&err);
  ok (store_ok == valid && reg_ok == valid, "%s: %s by the store (%s) and the registry (%s)", in,
      valid ? "taken" : "refused", store_ok ? "taken" : "refused", reg_ok ? "taken" : "refused");
  if (valid && store_ok && reg_ok)
    {
      cleanup_reference struct bld_reference back = { 0 };
      ok (bld_ref_qualified (norm, &q, &err) == 0 && reg_ref_parse (q, &back, &err) == 0
              && strcmp (back.host, reg.host) == 0 && strcmp (back.repo, reg.repo) == 0,
          "%s: the store's %s is the registry's %s/%s", in, norm, reg.host, reg.repo);
    }
}

static void
qualified (const char *in, const char *want)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *got = NULL;
  if (bld_ref_qualified (in, &got, &err) < 0)
    ok (false, "qualify %s: %s", in, oci_error_msg (&err));
  else
    is_str (got, want, "qualify %s", in);
}

int
main (void)
{
  parse_ok ("busybox", "docker.io", "library/busybox", "busybox", NULL, NULL);
  parse_ok ("library/busybox:1", "docker.io", "library/busybox", "library/busybox", "1", NULL);
  parse_ok ("docker.io/library/busybox:1", "docker.io", "library/busybox", "busybox", "1", NULL);
  parse_ok ("index.docker.io/u/app", "docker.io", "u/app", "u/app", NULL, NULL);
  parse_ok ("docker.io/localhost/a", "docker.io", "localhost/a", "docker.io/localhost/a", NULL, NULL);
  parse_ok ("localhost:5000/a/b:v1@sha256:" D64, "localhost:5000", "a/b", "localhost:5000/a/b", "v1", "sha256:" D64);
  parse_ok ("[::1]:5000/app", "[::1]:5000", "app", "[::1]:5000/app", NULL, NULL);
  parse_ok ("Reg-1.Example.COM/a__b/c---d/e.f", "Reg-1.Example.COM", "a__b/c---d/e.f",
            "Reg-1.Example.COM/a__b/c---d/e.f", NULL, NULL);
  parse_ok ("x:Tag_1.0-A", "docker.io", "library/x", "x", "Tag_1.0-A", NULL);

  parse_bad ("", "invalid repository name");
  parse_bad ("Busybox", "must be lowercase");
  parse_bad ("reg.example.com/a._b", "invalid repository name");
  parse_bad ("reg.example.com/a.-b", "invalid repository name");
  parse_bad ("a..b.com/x", "invalid registry host");
  parse_bad ("a-.com/x", "invalid registry host");
  parse_bad ("-a.com/x", "invalid registry host");
  parse_bad ("a.com./x", "invalid registry host");
  parse_bad ("a.com:123456/x", "invalid registry host");
  parse_bad ("[::1/x", "invalid registry host");
  parse_bad ("x:.t", "invalid tag");
  parse_bad ("x:-t", "invalid tag");
  parse_bad ("x@sha256:12", "reference x@sha256:12");
  {
    char tag[140];
    memset (tag, 'a', sizeof tag - 1);
    tag[0] = 'x';
    tag[1] = ':';
    tag[130] = '\0';
    parse_ok (tag, "docker.io", "library/x", "x", tag + 2, NULL);
    tag[130] = 'a';
    tag[131] = '\0';
    parse_bad (tag, "invalid tag");
  }

  /* Cases the store's and the registry's parsers used to read apart. */
  agree ("reg.example.com/a._b", false);
  agree ("reg.example.com/a_.b", false);
  agree ("a..b.com/x", false);
  agree ("a-.example.com/x", false);
  agree ("[::1]:5000/app", true);
  agree ("docker.io/library/a", true);
  agree ("library/a", true);
  agree ("docker.io/docker.io/a", true);
  agree ("localhost:5000/a/b:v1", true);

  qualified ("busybox:1", "docker.io/library/busybox:1");
  qualified ("library/busybox", "docker.io/library/busybox");
  qualified ("u/app:v", "docker.io/u/app:v");
  qualified ("docker.io/localhost/a:latest", "docker.io/localhost/a:latest");
  qualified ("localhost:5000/a:v", "localhost:5000/a:v");

  {
    const char *n = "localhost:5000/a:v1";
    ok (bld_ref_tag_colon (n) == n + 16, "the tag's ':' of %s", n);
    ok (bld_ref_tag_colon ("localhost:5000/a") == NULL, "no tag after the last '/'");
  }
  return tap_done ();
}
