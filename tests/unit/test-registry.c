/* registry.c's pure parts: references and auth.json lookups. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"
#include "distribution/registry.h"
#include "tap.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
ref_ok (const char *in, const char *host, const char *repo, const char *tag, const char *digest)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_reference struct bld_reference r = { 0 };
  if (reg_ref_parse (in, &r, &err) < 0)
    {
      ok (false, "%s parses: %s", in, oci_error_msg (&err));
      oci_error_clear (&err);
      return;
    }
  is_str (r.host, host, "%s: host", in);
  is_str (r.repo, repo, "%s: repo", in);
  ok (tag ? r.tag && strcmp (r.tag, tag) == 0 : r.tag == NULL, "%s: tag", in);
  ok (digest ? r.digest && strcmp (r.digest, digest) == 0 : r.digest == NULL, "%s: digest", in);
}

static void
ref_bad (const char *in, const char *want)
{
  struct oci_error err = OCI_ERROR_INIT;
  struct bld_reference r = { 0 };
  int rc = reg_ref_parse (in, &r, &err);
  ok (rc < 0 && err.msg && strstr (err.msg, want), "%s refused (%s): %s", in, want, oci_error_msg (&err));
  bld_reference_clear (&r);
  oci_error_clear (&err);
}

static void
auth_case (const char *json, const char *host, const char *user, const char *pass)
{
  struct oci_error err = OCI_ERROR_INIT;
  char path[] = "/tmp/test-registry-XXXXXX";
  int fd = mkstemp (path);
  cleanup_free char *u = NULL;
  cleanup_free char *p = NULL;

  if (fd < 0 || oci_write_all (fd, json, strlen (json)) < 0)
    {
      ok (false, "temporary auth file");
      return;
    }
  close (fd);
  int rc = reg_authfile_lookup (path, host, &u, &p, &err);
  unlink (path);
  if (user == NULL)
    ok (rc < 0 || u == NULL, "%s in %s: no credentials", host, json);
  else
    {
      ok (rc == 0, "%s in %s: %s", host, json, oci_error_msg (&err));
      ok (u && p && strcmp (u, user) == 0 && strcmp (p, pass) == 0, "%s: %s:%s", host, user, pass);
    }
  oci_error_clear (&err);
}

/* A header line as curl hands it over: len bytes, no NUL, here right
 * before an unreadable page, so that reading past it crashes. */
static long
status_of (const char *text, bool *is_status)
{
  long page = sysconf (_SC_PAGESIZE), status = -1;
  size_t len = strlen (text);
  char *map = mmap (NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED || mprotect (map + page, page, PROT_NONE) < 0)
    return -2;
  char *line = map + page - len;
  memcpy (line, text, len);
  *is_status = reg_status_line (line, len, &status);
  munmap (map, 2 * page);
  return status;
}

static void
status_cases (void)
{
  static const struct
  {
    const char *line;
    bool is_status;
    long status;
  } cases[] = {
    { "HTTP/1.1 200 OK\r\n", true, 200 },
    { "HTTP/2 401\r\n", true, 401 },
    { "HTTP/1.1 307", true, 307 },      /* the code at the very end */
    { "HTTP/1.1 2000000000", true, 0 }, /* digits running to the end */
    { "HTTP/1.1 99", true, 0 },
    { "HTTP/1.1 ", true, 0 },
    { "HTTP/1.1", true, 0 },
    { "HTTP/1.1 -20", true, 0 },
    { "HTTP/1.1 +200", true, 0 },
    { "HTTP/1.1 2x0", true, 0 },
    { "HTTP/", true, 0 },
    { "HTTP", false, 0 },
    { "Location: /v2/", false, 0 },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      bool is = !cases[i].is_status;
      long st = status_of (cases[i].line, &is);
      ok (is == cases[i].is_status && st == cases[i].status, "status line \"%.*s\": %ld",
          (int) strcspn (cases[i].line, "\r\n"), cases[i].line, st);
    }
}

int
main (void)
{
  status_cases ();
  ref_ok ("busybox", "docker.io", "library/busybox", "latest", NULL);
  ref_ok ("docker.io/busybox:1.36", "docker.io", "library/busybox", "1.36", NULL);
  ref_ok ("index.docker.io/user/app", "docker.io", "user/app", "latest", NULL);
  ref_ok ("user/app:v2", "docker.io", "user/app", "v2", NULL);
  ref_ok ("localhost/app", "localhost", "app", "latest", NULL);
  ref_ok ("127.0.0.1:5000/a/b/c:t_1.x-y", "127.0.0.1:5000", "a/b/c", "t_1.x-y", NULL);
  ref_ok ("quay.io/team/app@sha256:" D64, "quay.io", "team/app", NULL, "sha256:" D64);
  ref_ok ("host:5000/app:tag@sha256:" D64, "host:5000", "app", NULL, "sha256:" D64);
  ref_ok ("registry.example.com/a.b_c--d", "registry.example.com", "a.b_c--d", "latest", NULL);

  ref_bad ("Host/App", "invalid repository name");
  ref_bad ("host:5000/app:-x", "invalid tag");
  ref_bad ("host:5000/app:", "invalid tag");
  ref_bad ("host:5000/app@sha256:123", "reference host:5000/app@sha256:123");
  ref_bad ("host:5000//app", "invalid repository name");
  ref_bad ("host:5000/app-", "invalid repository name");
  ref_bad ("", "invalid repository name");
  ref_bad ("evil.example#x:5000/app", "invalid registry host");
  ref_bad ("user@evil.example:5000/app", "reference user@evil.example:5000/app");
  ref_bad ("a.b:50x/app", "invalid registry host");
  ref_bad ("a.b:/app", "invalid registry host");
  ref_bad (".a.b/app", "invalid registry host");
  ref_bad ("[zz]:5000/app", "invalid registry host");
  ref_ok ("[::1]:5000/app", "[::1]:5000", "app", "latest", NULL);
  ref_ok ("Registry.Example.COM/app", "Registry.Example.COM", "app", "latest", NULL);

  /* "alice:s3:cret" base64 */
  auth_case ("{\"auths\":{\"h:1\":{\"auth\":\"YWxpY2U6czM6Y3JldA==\"}}}", "h:1", "alice", "s3:cret");
  auth_case ("{\"auths\":{\"https://h:1\":{\"auth\":\"YWxpY2U6czM6Y3JldA==\"}}}", "h:1", "alice", "s3:cret");
  auth_case ("{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"YWxpY2U6czM6Y3JldA==\"}}}", "docker.io",
             "alice", "s3:cret");
  auth_case ("{\"auths\":{\"other\":{\"auth\":\"YWxpY2U6czM6Y3JldA==\"}}}", "h:1", NULL, NULL);
  auth_case ("{}", "h:1", NULL, NULL);
  /* base64 of "nocolon", and not base64 at all */
  auth_case ("{\"auths\":{\"h:1\":{\"auth\":\"bm9jb2xvbg==\"}}}", "h:1", NULL, NULL);
  auth_case ("{\"auths\":{\"h:1\":{\"auth\":\"!!\"}}}", "h:1", NULL, NULL);
  auth_case ("not json", "h:1", NULL, NULL);
  return tap_done ();
}
