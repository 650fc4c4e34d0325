/* The .dockerignore matcher. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "frontend/ignore.h"
#include "tap.h"

static void
put (const char *dir, const char *name, const char *text)
{
  cleanup_free char *path = NULL;
  FILE *f;
  if (asprintf (&path, "%s/%s", dir, name) < 0 || (f = fopen (path, "w")) == NULL)
    abort ();
  fputs (text, f);
  fclose (f);
}

/* The context's ignore file: the first of .builderignore,
 * .containerignore, .dockerignore. */
static void
test_load_context (void)
{
  char dir[] = "/tmp/test-ignore.XXXXXX";
  struct oci_error err = OCI_ERROR_INIT;
  struct ignore *ig = NULL;
  bool ex = false;
  if (mkdtemp (dir) == NULL)
    abort ();
  ok (ignore_load_context (dir, &ig, &err) == 0 && ignore_count (ig) == 0, "no ignore file: nothing excluded");
  ignore_free (ig);
  put (dir, ".dockerignore", "d\n");
  ok (ignore_load_context (dir, &ig, &err) == 0 && ignore_match (ig, "d", &ex) == 0 && ex, ".dockerignore");
  ignore_free (ig);
  put (dir, ".containerignore", "c\n");
  ok (ignore_load_context (dir, &ig, &err) == 0 && ignore_match (ig, "d", &ex) == 0 && !ex
          && ignore_match (ig, "c", &ex) == 0 && ex,
      ".containerignore before .dockerignore");
  ignore_free (ig);
  put (dir, ".builderignore", "b\n");
  ok (ignore_load_context (dir, &ig, &err) == 0 && ignore_match (ig, "b", &ex) == 0 && ex
          && ignore_match (ig, "c", &ex) == 0 && !ex,
      ".builderignore first");
  ignore_free (ig);
  for (const char *const *n = (const char *const[]) { ".builderignore", ".containerignore", ".dockerignore", NULL };
       *n; n++)
    {
      cleanup_free char *path = NULL;
      if (asprintf (&path, "%s/%s", dir, *n) >= 0)
        unlink (path);
    }
  rmdir (dir);
}

static struct ignore *
load (const char *text)
{
  struct oci_error err = OCI_ERROR_INIT;
  struct ignore *ig = NULL;
  if (ignore_parse (".dockerignore", text, strlen (text), &ig, &err) < 0)
    {
      diag ("%s", err.msg);
      oci_error_clear (&err);
    }
  return ig;
}

static void
check (const struct ignore *ig, const char *path, bool want)
{
  bool ex = !want;
  int r = ignore_match (ig, path, &ex);
  ok (r == 0 && ex == want, "%s is %s", path, want ? "excluded" : "kept");
}

static void
clean_is (const char *in, const char *want)
{
  cleanup_free char *c = ignore_clean_path (in);
  is_str (c, want, "clean %s", in);
}

int
main (void)
{
  clean_is ("", ".");
  clean_is ("a//b/./c/", "a/b/c");
  clean_is ("a/../../b", "../b");
  clean_is ("/../a", "/a");
  clean_is ("./x/y/..", "x");
  clean_is ("/", "/");

  struct ignore *ig = load ("# comment\n"
                            "\n"
                            "**/*.o\n"
                            "!important.o\n"
                            "  build/  \n"
                            "/secret.txt\n"
                            "docs/*.md\n"
                            "!docs/README.md\n"
                            "file?.log\n"
                            "[ab]*.tmp\n"
                            "node_modules\n"
                            "cache/**\n"
                            " #not-a-comment\n"
                            "./dotted/../tidy\n");
  ok (ig != NULL, "parses");
  if (!ig)
    return tap_done ();
  ok (ignore_count (ig) == 12, "twelve patterns (comment and blank skipped)");
  is_str (ignore_pattern (ig, 2), "build", "trailing slash cleaned");
  is_str (ignore_pattern (ig, 3), "secret.txt", "leading slash dropped");
  is_str (ignore_pattern (ig, 10), "#not-a-comment", "a # after blanks is a pattern");
  is_str (ignore_pattern (ig, 11), "tidy", "dot-dot resolved");
  check (ig, "main.o", true);
  check (ig, "src/deep/x.o", true);
  check (ig, "important.o", false);
  check (ig, "sub/important.o", true);
  check (ig, "build", true);
  check (ig, "build/out/bin", true);
  check (ig, "src/build", false);
  check (ig, "secret.txt", true);
  check (ig, "/secret.txt", true);
  check (ig, "./secret.txt", true);
  check (ig, "sub/secret.txt", false);
  check (ig, "docs/guide.md", true);
  check (ig, "docs/README.md", false);
  check (ig, "docs/sub/guide.md", false);
  check (ig, "file1.log", true);
  check (ig, "file12.log", false);
  check (ig, "a1.tmp", true);
  check (ig, "c1.tmp", false);
  check (ig, "node_modules/x/index.js", true);
  check (ig, "cache/a/b", true);
  check (ig, "cache", false);
  check (ig, "#not-a-comment", true);
  check (ig, "tidy", true);
  check (ig, "main.c", false);
  ignore_free (ig);

  ig = load ("*\n!src\nsrc/*.tmp\n");
  check (ig, "README", true);
  check (ig, "src/main.c", false);
  check (ig, "src/x.tmp", true);
  ignore_free (ig);

  ig = load ("dir\n!dir/keep\n");
  check (ig, "dir/other", true);
  check (ig, "dir/keep", false);
  check (ig, "dir/keep/inner", false);
  ignore_free (ig);

  ig = load ("**\n!a/**/b\n");
  check (ig, "x/y", true);
  check (ig, "a/b", false);
  check (ig, "a/1/2/b", false);
  ignore_free (ig);

  ig = load ("\xEF\xBB\xBF*.log\r\n[!x]y\r\n");
  check (ig, "a.log", true);
  check (ig, "ay", true);
  check (ig, "xy", false);
  ignore_free (ig);

  ig = load ("");
  check (ig, "anything", false);
  ignore_free (ig);

  struct oci_error err = OCI_ERROR_INIT;
  ig = NULL;
  ok (ignore_parse (".dockerignore", "ok\n[abc\n", 8, &ig, &err) < 0, "unterminated class refused");
  is_str (err.msg, ".dockerignore:2: invalid pattern \"[abc\": unterminated [", "message names the line");
  oci_error_clear (&err);

  ok (ignore_load ("/nonexistent/.dockerignore", &ig, &err) == 0 && ignore_count (ig) == 0,
      "a missing file is an empty list");
  ignore_free (ig);
  test_load_context ();
  return tap_done ();
}
