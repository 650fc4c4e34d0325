/* transfer.c: the oci:/oci-archive: reference grammar, and a save/load
 * round trip through the library (an archive and a layout).  Needs no
 * root. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "image/store.h"
#include "tap.h"
#include "distribution/transfer.h"
#include "tree-walk.h"

static char *tmp;

/* parse SPEC: kind, path and tag, or the error's text. */
static void
check_parse (const char *spec, bool must_exist, enum bld_transport_kind kind, const char *path, const char *tag)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_transport struct bld_transport t = { 0 };
  int r = bld_transport_parse (spec, must_exist, &t, &err);
  ok (r == 0, "parse %s (%s)", spec, r == 0 ? "ok" : oci_error_msg (&err));
  if (r == 0)
    {
      ok (t.kind == kind, "%s: kind", spec);
      is_str (t.path, path, "%s: path", spec);
      is_str (t.tag ? t.tag : "(none)", tag ? tag : "(none)", "%s: tag", spec);
    }
  oci_error_clear (&err);
}

static void
check_parse_error (const char *spec, bool must_exist, const char *want)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_transport struct bld_transport t = { 0 };
  ok (bld_transport_parse (spec, must_exist, &t, &err) < 0, "%s refused", spec);
  is_str (oci_error_msg (&err), want, "%s: message", spec);
  oci_error_clear (&err);
}

static void
test_parse (void)
{
  const char *dir = P ("lay"), *file = P ("a.tar");
  cleanup_free char *spec = NULL;
  mkdir (dir, 0755);
  fclose (fopen (file, "w"));

  /* destinations: a TAG after the last ':' without '/' */
  check_parse ("oci:/x/y", false, BLD_TRANSPORT_OCI_DIR, "/x/y", NULL);
  check_parse ("oci:/x/y:v1", false, BLD_TRANSPORT_OCI_DIR, "/x/y", "v1");
  check_parse ("oci-archive:/x/a.tar", false, BLD_TRANSPORT_OCI_ARCHIVE, "/x/a.tar", NULL);
  check_parse ("oci:/x:y/z", false, BLD_TRANSPORT_OCI_DIR, "/x:y/z", NULL);
  /* sources: the path is the prefix that exists; the TAG may hold ':' */
  if (asprintf (&spec, "oci:%s:name:1", dir) < 0)
    abort ();
  check_parse (spec, true, BLD_TRANSPORT_OCI_DIR, dir, "name:1");
  free (steal_pointer (&spec));
  if (asprintf (&spec, "oci-archive:%s", file) < 0)
    abort ();
  check_parse (spec, true, BLD_TRANSPORT_OCI_ARCHIVE, file, NULL);
  check_parse_error ("oci-archive:/no/such.tar", true, "/no/such.tar: No such file or directory");
  check_parse_error ("docker-archive:/x.tar", false,
                     "\"docker-archive:/x.tar\": want oci:DIR[:TAG] or oci-archive:FILE[:TAG]");
  check_parse_error ("oci:", false, "\"oci:\": no path");
  check_parse_error ("oci:/x/y:", false, "\"oci:/x/y:\": empty tag");
}

static void
test_round_trip (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_store struct bld_store *a = NULL, *b = NULL;
  char *sa = P ("sa"), *sb = P ("sb"), *file = P ("rt.tar"), *dir = P ("rt-layout");
  struct oci_image_config cfg = { 0 };
  struct oci_image_rootfs rootfs = { .type = (char *) "layers" };
  cleanup_image_descriptor struct oci_image_descriptor *m = NULL;
  struct bld_loaded *l = NULL;
  size_t n = 0;

  cfg.architecture = (char *) "amd64";
  cfg.os = (char *) "linux";
  cfg.rootfs = &rootfs;
  ok (bld_store_open (sa, true, &a, &err) == 0
          && bld_store_write_image (a, &cfg, NULL, 0, NULL, "rt:1", &m, &err) == 0,
      "an image in store a");

  struct bld_transport t = { .kind = BLD_TRANSPORT_OCI_ARCHIVE, .path = file };
  char *refs[] = { (char *) "rt:1" };
  ok (bld_save (a, refs, 1, &t, NULL, &err) == 0, "saved to an archive");
  ok (bld_store_open (sb, true, &b, &err) == 0, "store b");
  struct bld_load_options o = { .tag = true };
  ok (bld_load (b, &t, &o, &l, &n, &err) == 0 && n == 1, "loaded into store b");
  if (n == 1)
    {
      is_str (l[0].name, "rt:1", "named from io.containerd.image.name");
      is_str (l[0].desc->digest, m->digest, "the same manifest");
    }
  bld_loaded_free (l, n);

  struct bld_transport d = { .kind = BLD_TRANSPORT_OCI_DIR, .path = dir, .tag = (char *) "v9" };
  ok (bld_save (a, refs, 1, &d, NULL, &err) == 0, "saved to a layout");
  ok (access (P ("rt-layout/index.json"), F_OK) == 0, "the layout exists");
  ok (access (P ("rt-layout/.store"), F_OK) < 0, "without the store's private directory");
  o.name = "other:2";
  ok (bld_load (b, &d, &o, &l, &n, &err) == 0 && n == 1, "loaded the layout's v9 under a NAME");
  if (n == 1)
    is_str (l[0].name, "other:2", "the NAME given");
  bld_loaded_free (l, n);
  cleanup_image_descriptor struct oci_image_descriptor *r = NULL;
  ok (bld_store_resolve (b, "other:2", &r, &err) == 0 && strcmp (r->digest, m->digest) == 0, "resolves in b");
  if (err.msg)
    diag ("%s", err.msg);
  oci_error_clear (&err);
}

/* Loads oci:DIR:v1 into a fresh store in a child that an alarm ends:
 * true when the load failed within 10 s with a message containing want. */
static bool
load_fails_with (char *dir, const char *store, const char *want)
{
  pid_t pid = fork ();
  int status;
  if (pid == 0)
    {
      struct oci_error err = OCI_ERROR_INIT;
      struct bld_store *s = NULL;
      struct bld_transport t = { .kind = BLD_TRANSPORT_OCI_DIR, .path = dir, .tag = (char *) "v1" };
      struct bld_load_options o = { .tag = true, .name = "hostile:1" };
      struct bld_loaded *l = NULL;
      size_t n = 0;
      alarm (10);
      if (bld_store_open (store, true, &s, &err) < 0)
        _exit (2);
      if (bld_load (s, &t, &o, &l, &n, &err) == 0)
        _exit (3);
      printf ("# %s\n", oci_error_msg (&err));
      fflush (stdout);
      _exit (strstr (oci_error_msg (&err), want) ? 0 : 4);
    }
  if (pid < 0 || waitpid (pid, &status, 0) != pid)
    return false;
  if (WIFSIGNALED (status))
    diag ("the load was killed by signal %d (hung)", WTERMSIG (status));
  return WIFEXITED (status) && WEXITSTATUS (status) == 0;
}

/* A layout's blob that is a FIFO, or a file larger than its descriptor,
 * is refused before anything is copied. */
static void
test_hostile_layout (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_store struct bld_store *a = NULL;
  cleanup_image_descriptor struct oci_image_descriptor *m = NULL;
  cleanup_image_manifest struct oci_image_manifest *man = NULL;
  cleanup_free char *blob = NULL;
  struct oci_image_config cfg = { 0 };
  struct oci_image_rootfs rootfs = { .type = (char *) "layers" };
  char *refs[] = { (char *) "hl:1" };
  struct bld_transport d = { .kind = BLD_TRANSPORT_OCI_DIR, .path = P ("hl-layout"), .tag = (char *) "v1" };
  FILE *f;

  cfg.architecture = (char *) "amd64";
  cfg.os = (char *) "linux";
  cfg.rootfs = &rootfs;
  if (!ok (bld_store_open (P ("hl-store"), true, &a, &err) == 0
               && bld_store_write_image (a, &cfg, NULL, 0, NULL, "hl:1", &m, &err) == 0
               && bld_save (a, refs, 1, &d, NULL, &err) == 0 && bld_store_read_manifest (a, m, &man, &err) == 0,
           "a layout to spoil"))
    {
      diag ("%s", oci_error_msg (&err));
      oci_error_clear (&err);
      return;
    }
  if (asprintf (&blob, "%s/blobs/sha256/%s", d.path, man->config->digest + 7) < 0)
    abort ();

  unlink (blob);
  ok (mkfifo (blob, 0644) == 0, "the config blob is a FIFO");
  ok (load_fails_with (d.path, P ("hl-b1"), "(config): not a regular file"), "a FIFO blob is refused, not waited on");

  unlink (blob);
  f = fopen (blob, "w");
  if (f == NULL)
    abort ();
  for (int i = 0; i < 1000; i++)
    fputs ("more than the descriptor says\n", f);
  fclose (f);
  ok (load_fails_with (d.path, P ("hl-b2"), "(config): size 30000, descriptor says"),
      "a blob larger than its descriptor is refused before it is copied");

  /* index.json itself a FIFO */
  cleanup_free char *index = NULL;
  if (asprintf (&index, "%s/index.json", d.path) < 0)
    abort ();
  unlink (index);
  ok (mkfifo (index, 0644) == 0, "index.json is a FIFO");
  ok (load_fails_with (d.path, P ("hl-b3"), "index.json: not a regular file"),
      "a FIFO index.json is refused, not waited on");
}

int
main (void)
{
  char tmpl[] = "/tmp/test-transfer-XXXXXX";
  tmp = mkdtemp (tmpl);
  if (tmp == NULL)
    return 99;
  test_parse ();
  test_round_trip ();
  test_hostile_layout ();
  tree_remove (tmp);
  return tap_done ();
}
