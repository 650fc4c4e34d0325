/* The image store: blobs, names, images, and crash safety (a writer
 * killed in the middle leaves a valid layout).  Needs no root. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"
#include "image.h"
#include "image/layer_write.h"
#include "image/store.h"
#include "tap.h"
#include "tree-walk.h"

#define HELLO_DIGEST "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

static char *tmp;

static size_t
count_dir (const char *path)
{
  DIR *d = opendir (path);
  struct dirent *de;
  size_t n = 0;
  if (d == NULL)
    return 0;
  while ((de = readdir (d)) != NULL)
    if (de->d_name[0] != '.')
      n++;
  closedir (d);
  return n;
}

/* Every file under blobs/sha256 has the content its name says; index.json
 * parses and everything it references (manifests, configs, layers) is
 * present and verifies.  Returns the number of problems. */
static int
validate_layout (const char *dir, bool print)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  cleanup_image_index struct oci_image_index *index = NULL;
  cleanup_image_layout struct oci_image_layout *layout = NULL;
  char *path;
  int bad = 0;
  DIR *d;
  struct dirent *de;

  if (asprintf (&path, "%s/oci-layout", dir) < 0)
    abort ();
  if (oci_image_layout_parse_file (path, &layout, &err) < 0)
    bad++;
  free (path);
  if (asprintf (&path, "%s/blobs/sha256", dir) < 0)
    abort ();
  d = opendir (path);
  while (d && (de = readdir (d)) != NULL)
    {
      char *digest;
      if (de->d_name[0] == '.')
        continue;
      if (asprintf (&digest, "sha256:%s", de->d_name) < 0)
        abort ();
      if (oci_verify_layout_blob (dir, digest, -1, &err) < 0)
        {
          if (print)
            diag ("bad blob: %s", oci_error_msg (&err));
          bad++;
          oci_error_clear (&err);
        }
      free (digest);
    }
  if (d)
    closedir (d);
  free (path);
  if (asprintf (&path, "%s/index.json", dir) < 0)
    abort ();
  if (oci_image_index_parse_file (path, &index, &err) < 0)
    {
      if (print)
        diag ("index.json: %s", oci_error_msg (&err));
      free (path);
      return bad + 1;
    }
  free (path);
  for (size_t i = 0; i < index->manifests_len; i++)
    {
      cleanup_free char *text = NULL;
      cleanup_image_manifest struct oci_image_manifest *m = NULL;
      const struct oci_image_descriptor *md = &index->manifests[i];
      size_t len;
      if (oci_verify_layout_blob (dir, md->digest, md->size, &err) < 0
          || asprintf (&path, "%s/blobs/sha256/%s", dir, md->digest + 7) < 0)
        {
          bad++;
          oci_error_clear (&err);
          continue;
        }
      if (oci_read_file (path, 1 << 20, &text, &len, &err) < 0
          || oci_image_manifest_parse_text (md->digest, text, len, &m, &err) < 0)
        bad++;
      free (path);
      if (m == NULL)
        continue;
      if (oci_verify_layout_blob (dir, m->config->digest, m->config->size, &err) < 0)
        bad++;
      for (size_t j = 0; j < m->layers_len; j++)
        if (oci_verify_layout_blob (dir, m->layers[j].digest, m->layers[j].size, &err) < 0)
          bad++;
      oci_error_clear (&err);
    }
  return bad;
}

static void
test_open (void)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  cleanup_store struct bld_store *s = NULL;
  int rc;

  rc = bld_store_open (P ("missing"), false, &s, &err);
  ok (rc < 0 && strstr (err.msg, "No such file"), "open of a missing directory fails (%s)", err.msg);
  oci_error_clear (&err);
  mkdir (P ("nope"), 0755);
  rc = bld_store_open (P ("nope"), false, &s, &err);
  ok (rc < 0 && strstr (err.msg, "not an OCI image layout"), "open without create refuses a non-layout (%s)",
      err.msg);
  oci_error_clear (&err);
  rc = bld_store_open (P ("deep/store"), true, &s, &err);
  ok (rc == 0, "create a store (and its parent)");
  ok (access (P ("deep/store/oci-layout"), F_OK) == 0 && access (P ("deep/store/index.json"), F_OK) == 0
          && access (P ("deep/store/blobs/sha256"), F_OK) == 0,
      "layout files made");
  ok (validate_layout (P ("deep/store"), true) == 0, "an empty store is a valid layout");
  bld_store_free (steal_pointer (&s));
  rc = bld_store_open (P ("deep/store"), false, &s, &err);
  ok (rc == 0, "reopen without create");
}

static void
test_blobs (struct bld_store *s)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  char digest[OCI_DIGEST_STRING_MAX];
  int64_t size;
  struct stat st1, st2;
  char *path = NULL, *data = NULL;
  size_t len;
  int rc, p[2];

  rc = bld_store_put_buffer (s, "hello", 5, digest, &size, &err);
  ok (rc == 0 && strcmp (digest, HELLO_DIGEST) == 0 && size == 5, "put a buffer");
  ok (bld_store_has_blob (s, HELLO_DIGEST), "has the blob");
  stat (P ("store/blobs/sha256/%s", HELLO_DIGEST + 7), &st1);
  rc = bld_store_put_buffer (s, "hello", 5, digest, &size, &err);
  stat (P ("store/blobs/sha256/%s", HELLO_DIGEST + 7), &st2);
  ok (rc == 0 && st1.st_ino == st2.st_ino, "a present blob is not rewritten");

  /* From a pipe, streaming. */
  if (pipe (p) < 0)
    abort ();
  if (fork () == 0)
    {
      close (p[0]);
      for (int i = 0; i < 1000; i++)
        oci_write_all (p[1], "0123456789abcdef0123456789abcdef", 32);
      _exit (0);
    }
  close (p[1]);
  rc = bld_store_put_fd (s, p[0], NULL, digest, &size, &err);
  close (p[0]);
  wait (NULL);
  ok (rc == 0 && size == 32000, "put from a pipe (%lld bytes)", (long long) size);

  rc = bld_store_put_buffer (s, "hello", 5, NULL, NULL, &err);
  {
    int fd = open (P ("file"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    oci_write_all (fd, "world", 5);
    close (fd);
  }
  rc = bld_store_put_file (s, P ("file"), "sha256:0000000000000000000000000000000000000000000000000000000000000000",
                           digest, &size, &err);
  ok (rc < 0 && strstr (err.msg, "digest mismatch"), "expected digest checked (%s)", err.msg);
  oci_error_clear (&err);
  ok (count_dir (P ("store/.store/tmp")) == 0, "no temporary file left behind");
  ok (validate_layout (P ("store"), true) == 0, "layout valid after the failed put");

  rc = bld_store_blob_path (s, HELLO_DIGEST, 5, true, &path, &err);
  ok (rc == 0 && path && strstr (path, HELLO_DIGEST + 7), "blob path, verified");
  free (path);
  rc = bld_store_read_blob (s, HELLO_DIGEST, 100, &data, &len, &err);
  ok (rc == 0 && len == 5 && memcmp (data, "hello", 5) == 0, "read blob");
  free (data);

  /* Corruption is caught when verification is asked for. */
  rc = bld_store_put_buffer (s, "corrupt me", 10, digest, &size, &err);
  {
    int fd = open (P ("store/blobs/sha256/%s", digest + 7), O_WRONLY);
    oci_write_all (fd, "CORRUPT", 7);
    close (fd);
  }
  rc = bld_store_blob_path (s, digest, size, false, &path, &err);
  ok (rc == 0, "unverified path of a corrupt blob");
  free (path);
  rc = bld_store_blob_path (s, digest, size, true, &path, &err);
  ok (rc < 0, "verified path of a corrupt blob fails (%s)", err.msg);
  oci_error_clear (&err);
  rc = bld_store_read_blob (s, digest, 100, &data, &len, &err);
  ok (rc < 0, "read of a corrupt blob fails");
  oci_error_clear (&err);
  unlink (P ("store/blobs/sha256/%s", digest + 7));
  rc = bld_store_blob_path (s, HELLO_DIGEST "0", -1, false, &path, &err);
  ok (rc < 0, "a bad digest is refused (%s)", err.msg);
}

static void
test_refs (void)
{
  static const struct
  {
    const char *in, *want; /* want NULL: an error */
  } cases[] = {
    { "alpine", "alpine:latest" },
    { "alpine:3.19", "alpine:3.19" },
    { "docker.io/library/alpine:3", "alpine:3" },
    { "docker.io/user/app", "user/app:latest" },
    { "index.docker.io/library/busybox", "busybox:latest" },
    { "localhost:5000/foo", "localhost:5000/foo:latest" },
    { "localhost:5000/foo:v1", "localhost:5000/foo:v1" },
    { "registry.example.com/a/b/c:tag_1.0-x", "registry.example.com/a/b/c:tag_1.0-x" },
    { "a__b/c---d/e.f", "a__b/c---d/e.f:latest" },
    /* the repository docker.io/a on docker.io: its short form would read
     * as the host docker.io, so the host stays */
    { "docker.io/docker.io/a", "docker.io/docker.io/a:latest" },
    { "index.docker.io/docker.io/a:v", "docker.io/docker.io/a:v" },
    { "docker.io/localhost/a", "docker.io/localhost/a:latest" },
    { "docker.io/a:5000/b", NULL },
    { "docker.io/library/docker.io/a", "library/docker.io/a:latest" },
    { "docker.io/library/a.b", "a.b:latest" },
    { "Alpine", NULL },
    { "a//b", NULL },
    { "-foo", NULL },
    { "foo-", NULL },
    { "foo:", NULL },
    { "foo:bad tag", NULL },
    { "foo:.dot", NULL },
    { "a___b", NULL },
    { "", NULL },
    { "foo@sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", NULL },
  };
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  char longname[300];

  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    {
      char *got = NULL;
      int rc = bld_ref_normalize (cases[i].in, &got, &err);
      if (cases[i].want)
        is_str (got, cases[i].want, "normalize \"%s\"", cases[i].in);
      else
        ok (rc < 0 && err.msg, "\"%s\" refused: %s", cases[i].in, err.msg);
      oci_error_clear (&err);
      free (got);
    }
  {
    char *name = NULL, *tag = NULL, *digest = NULL;
    int rc = bld_ref_parse ("foo@" HELLO_DIGEST, &name, &tag, &digest, &err);
    ok (rc == 0 && strcmp (name, "foo") == 0 && tag == NULL && strcmp (digest, HELLO_DIGEST) == 0,
        "NAME@DIGEST parses");
    free (name);
    free (tag);
    free (digest);
  }
  memset (longname, 'a', sizeof longname - 1);
  longname[sizeof longname - 1] = '\0';
  {
    char *got = NULL;
    int rc = bld_ref_normalize (longname, &got, &err);
    ok (rc < 0 && strstr (err.msg, "255"), "a name over 255 characters is refused");
    free (got);
  }
}

/* Canonicalising twice gives what once did, over every combination of
 * hosts, library/ prefixes, names and tags below. */
static void
test_refs_idempotent (void)
{
  static const char *const hosts[] = { "",
                                       "docker.io/",
                                       "index.docker.io/",
                                       "localhost/",
                                       "localhost:5000/",
                                       "registry.example.com/",
                                       "docker.io/docker.io/",
                                       "a.b:1/" };
  static const char *const mids[] = { "",           "library/",         "docker.io/",         "localhost/", "user/",
                                      "library/x/", "index.docker.io/", "docker.io/library/", "x.y/" };
  static const char *const names[] = { "a", "docker.io", "localhost", "a.b", "a-b_c", "library" };
  static const char *const tags[] = { "", ":latest", ":v1.0" };
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  size_t n = 0, valid = 0, bad = 0;

  for (size_t h = 0; h < sizeof hosts / sizeof *hosts; h++)
    for (size_t m = 0; m < sizeof mids / sizeof *mids; m++)
      for (size_t k = 0; k < sizeof names / sizeof *names; k++)
        for (size_t t = 0; t < sizeof tags / sizeof *tags; t++)
          {
            cleanup_free char *ref = NULL, *once = NULL, *twice = NULL;
            n++;
            if (asprintf (&ref, "%s%s%s%s", hosts[h], mids[m], names[k], tags[t]) < 0)
              continue;
            if (bld_ref_normalize (ref, &once, &err) < 0)
              {
                oci_error_clear (&err);
                continue;
              }
            valid++;
            if (bld_ref_normalize (once, &twice, &err) < 0 || strcmp (once, twice) != 0)
              {
                if (bad++ < 5)
                  diag ("%s -> %s -> %s", ref, once, twice ? twice : err.msg);
                oci_error_clear (&err);
              }
          }
  ok (bad == 0 && valid > n / 2, "canonicalising is idempotent over %zu references (%zu valid)", n, valid);
}

static struct oci_image_config *
make_config (const char *diff_id)
{
  struct oci_image_config *c = calloc (1, sizeof *c);
  c->architecture = strdup ("amd64");
  c->os = strdup ("linux");
  c->rootfs = calloc (1, sizeof *c->rootfs);
  c->rootfs->type = strdup ("layers");
  c->rootfs->diff_ids = calloc (1, sizeof (char *));
  c->rootfs->diff_ids[0] = strdup (diff_id);
  c->rootfs->diff_ids_len = 1;
  return c;
}

static void
test_images (struct bld_store *s)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  cleanup_image_config struct oci_image_config *config = NULL;
  cleanup_image_descriptor struct oci_image_descriptor *layer = NULL;
  cleanup_image_descriptor struct oci_image_descriptor *m1 = NULL;
  cleanup_image_descriptor struct oci_image_descriptor *m2 = NULL;
  cleanup_image_descriptor struct oci_image_descriptor *got = NULL;
  cleanup_image_manifest struct oci_image_manifest *manifest = NULL;
  cleanup_image_config struct oci_image_config *config2 = NULL;
  cleanup_image_index struct oci_image_index *index = NULL;
  struct bld_layer_write_options o = { .compression = BLD_COMPRESSION_GZIP, .has_clamp_epoch = true };
  struct bld_layer_result r;
  int rc;

  mkdir (P ("rootfs"), 0755);
  mkdir (P ("rootfs/etc"), 0755);
  {
    int fd = open (P ("rootfs/etc/hostname"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    oci_write_all (fd, "store\n", 6);
    close (fd);
  }
  rc = bld_layer_write_to_store (s, P ("rootfs"), &o, &r, &layer, &err);
  ok (rc == 0 && layer && strcmp (layer->digest, r.digest) == 0 && layer->size == r.size
          && strcmp (layer->media_type, OCI_MEDIA_TYPE_IMAGE_LAYER_GZIP) == 0,
      "layer written into the store (%s)", err.msg ? err.msg : "ok");
  config = make_config (r.diff_id);

  rc = bld_store_write_image (s, config, layer, 1, NULL, "test/img:1", &m1, &err);
  ok (rc == 0 && m1, "write an image named test/img:1 (%s)", err.msg ? err.msg : "ok");
  rc = bld_store_resolve (s, "test/img:1", &got, &err);
  ok (rc == 0 && strcmp (got->digest, m1->digest) == 0, "resolve test/img:1");
  is_str (oci_string_map_get (&got->annotations, OCI_ANNOTATION_REF_NAME), "test/img:1", "ref.name annotation");
  oci_image_descriptor_free (steal_pointer (&got));
  rc = bld_store_resolve (s, "test/img", &got, &err);
  ok (rc < 0 && strstr (err.msg, "test/img:latest") && strstr (err.msg, "not found"),
      "test/img means test/img:latest, not there (%s)", err.msg);
  oci_error_clear (&err);

  rc = bld_store_read_manifest (s, m1, &manifest, &err);
  ok (rc == 0 && manifest->layers_len == 1 && strcmp (manifest->layers[0].digest, r.digest) == 0,
      "manifest read back and verified");
  rc = bld_store_read_config (s, manifest->config, &config2, &err);
  ok (rc == 0 && strcmp (config2->rootfs->diff_ids[0], r.diff_id) == 0, "config read back, diff_id kept");

  /* Same image again: same manifest digest (deterministic emission). */
  rc = bld_store_write_image (s, config, layer, 1, NULL, "other:latest", &m2, &err);
  ok (rc == 0 && strcmp (m1->digest, m2->digest) == 0, "same content, same manifest digest");
  rc = bld_store_tag (s, "docker.io/library/alias", m1, &err);
  ok (rc == 0, "tag an alias");
  rc = bld_store_resolve (s, "alias:latest", &got, &err);
  ok (rc == 0 && strcmp (got->digest, m1->digest) == 0, "resolve the alias by its short name (%s)",
      rc ? err.msg : "ok");
  oci_image_descriptor_free (steal_pointer (&got));
  rc = bld_store_resolve (s, m1->digest, &got, &err);
  ok (rc == 0, "resolve by manifest digest");
  oci_image_descriptor_free (steal_pointer (&got));
  rc = bld_store_resolve (s, "whatever@" HELLO_DIGEST, &got, &err);
  ok (rc < 0, "NAME@DIGEST of an unknown manifest");
  oci_error_clear (&err);

  /* Replace: the name moves to another image. */
  oci_image_descriptor_free (steal_pointer (&m2));
  free (config->architecture);
  config->architecture = strdup ("arm64");
  rc = bld_store_write_image (s, config, layer, 1, NULL, "test/img:1", &m2, &err);
  ok (rc == 0 && strcmp (m1->digest, m2->digest) != 0, "write another image under the same name");
  rc = bld_store_resolve (s, "test/img:1", &got, &err);
  ok (rc == 0 && strcmp (got->digest, m2->digest) == 0, "the name now points at it");
  oci_image_descriptor_free (steal_pointer (&got));
  rc = bld_store_read_index (s, &index, &err);
  {
    size_t named = 0;
    for (size_t i = 0; i < index->manifests_len; i++)
      if (oci_string_map_get (&index->manifests[i].annotations, OCI_ANNOTATION_REF_NAME)
          && strcmp (oci_string_map_get (&index->manifests[i].annotations, OCI_ANNOTATION_REF_NAME), "test/img:1")
                 == 0)
        named++;
    ok (named == 1, "one index entry per name");
  }
  oci_image_index_free (steal_pointer (&index));

  rc = bld_store_untag (s, "other", &err);
  ok (rc == 0, "untag other");
  rc = bld_store_resolve (s, "other", &got, &err);
  ok (rc < 0, "other is gone");
  oci_error_clear (&err);
  rc = bld_store_untag (s, "other", &err);
  ok (rc < 0 && strstr (err.msg, "no such image name"), "untag twice fails (%s)", err.msg);
  oci_error_clear (&err);

  /* Unnamed images stay reachable; naming one drops the unnamed entry. */
  oci_image_descriptor_free (steal_pointer (&m2));
  free (config->os);
  config->os = strdup ("freebsd");
  rc = bld_store_write_image (s, config, layer, 1, NULL, NULL, &m2, &err);
  bld_store_read_index (s, &index, &err);
  {
    size_t unnamed = 0;
    for (size_t i = 0; i < index->manifests_len; i++)
      if (!oci_string_map_get (&index->manifests[i].annotations, OCI_ANNOTATION_REF_NAME)
          && strcmp (index->manifests[i].digest, m2->digest) == 0)
        unnamed++;
    ok (rc == 0 && unnamed == 1, "an unnamed image has an entry without a name");
  }
  oci_image_index_free (steal_pointer (&index));
  rc = bld_store_tag (s, "named", m2, &err);
  bld_store_read_index (s, &index, &err);
  {
    size_t entries = 0;
    for (size_t i = 0; i < index->manifests_len; i++)
      if (strcmp (index->manifests[i].digest, m2->digest) == 0)
        entries++;
    ok (rc == 0 && entries == 1, "tagging it replaced the unnamed entry");
  }

  /* Missing layers and missing manifests are refused. */
  {
    struct oci_image_descriptor bogus = {
      .media_type = (char *) OCI_MEDIA_TYPE_IMAGE_LAYER,
      .digest = (char *) "sha256:1111111111111111111111111111111111111111111111111111111111111111",
      .size = 1,
      .has_size = true
    };
    rc = bld_store_write_image (s, config, &bogus, 1, NULL, "bogus", NULL, &err);
    ok (rc < 0 && strstr (err.msg, "not in the store"), "a missing layer is refused (%s)", err.msg);
    oci_error_clear (&err);
    rc = bld_store_tag (s, "bogus", &bogus, &err);
    ok (rc < 0 && strstr (err.msg, "not in the store"), "tagging a missing manifest is refused");
    oci_error_clear (&err);
  }
  {
    int rc2 = bld_store_tag (s, "BAD", m1, &err);
    ok (rc2 < 0 && strstr (err.msg, "lowercase"), "tag with a bad name refused (%s)", err.msg);
    oci_error_clear (&err);
  }
  ok (validate_layout (P ("store"), true) == 0, "the layout validates: every blob matches its digest");
}

static void
test_lock (struct bld_store *s)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  int fd, rc;

  ok (bld_store_lock (s, &err) == 0 && bld_store_lock (s, &err) == 0, "lock nests");
  fd = open (P ("store/.store/lock"), O_RDWR);
  rc = flock (fd, LOCK_EX | LOCK_NB);
  ok (rc < 0 && errno == EWOULDBLOCK, "another open file cannot take the lock");
  bld_store_unlock (s);
  rc = flock (fd, LOCK_EX | LOCK_NB);
  ok (rc < 0, "still held after the inner unlock");
  bld_store_unlock (s);
  rc = flock (fd, LOCK_EX | LOCK_NB);
  ok (rc == 0, "released by the outer unlock");
  close (fd);
}

/* A writer killed mid-blob, and one killed while writing images in a
 * loop: the layout stays valid, blobs/ holds no partial blob. */
static void
test_interrupted (void)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  cleanup_store struct bld_store *s = NULL;
  int p[2], status;
  pid_t pid;
  char c;

  bld_store_open (P ("crash"), true, &s, &err);
  if (pipe (p) < 0)
    abort ();
  pid = fork ();
  if (pid == 0)
    {
      struct bld_store *cs = NULL;
      struct bld_blob_writer *w = NULL;
      static char mb[1 << 20];
      close (p[0]);
      if (bld_store_open (P ("crash"), false, &cs, &err) < 0 || bld_blob_writer_new (cs, &w, &err) < 0)
        _exit (1);
      for (int i = 0; i < 4; i++)
        bld_blob_writer_write (w, mb, sizeof mb, &err);
      oci_write_all (p[1], "x", 1);
      pause ();
      _exit (0);
    }
  close (p[1]);
  ok (read (p[0], &c, 1) == 1, "child is writing a blob");
  close (p[0]);
  kill (pid, SIGKILL);
  waitpid (pid, &status, 0);
  ok (count_dir (P ("crash/blobs/sha256")) == 0, "killed mid-blob: nothing in blobs/");
  ok (count_dir (P ("crash/.store/tmp")) == 1, "its temporary file is left in .store/tmp");
  ok (validate_layout (P ("crash"), true) == 0, "the layout is valid");
  ok (bld_store_clean_tmp (s, &err) == 0 && count_dir (P ("crash/.store/tmp")) == 0,
      "clean_tmp removes the dead writer's file");

  /* Images in a loop, killed at a random moment, several times. */
  mkdir (P ("crash-rootfs"), 0755);
  for (int round = 0; round < 5; round++)
    {
      if (pipe (p) < 0)
        abort ();
      pid = fork ();
      if (pid == 0)
        {
          struct bld_store *cs = NULL;
          close (p[0]);
          if (bld_store_open (P ("crash"), false, &cs, &err) < 0)
            _exit (1);
          for (int i = 0;; i++)
            {
              struct oci_image_config *cfg;
              struct oci_image_descriptor *layer = NULL;
              struct bld_layer_result r;
              char name[64], file[64];
              int fd;
              snprintf (file, sizeof file, "%s/crash-rootfs/f%d-%d", tmp, round, i);
              fd = open (file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
              oci_write_all (fd, file, strlen (file));
              close (fd);
              if (bld_layer_write_to_store (cs, P ("crash-rootfs"), NULL, &r, &layer, &err) < 0)
                _exit (2);
              cfg = make_config (r.diff_id);
              snprintf (name, sizeof name, "crash/r%d:%d", round, i % 7);
              if (bld_store_write_image (cs, cfg, layer, 1, NULL, name, NULL, &err) < 0)
                _exit (3);
              oci_image_config_free (cfg);
              oci_image_descriptor_free (layer);
              if (i == 3)
                oci_write_all (p[1], "x", 1);
            }
        }
      close (p[1]);
      ok (read (p[0], &c, 1) == 1, "round %d: child writing images", round);
      close (p[0]);
      {
        struct timespec ts = { 0, (long) ((rand () % 20) + 1) * 1000000L };
        nanosleep (&ts, NULL);
      }
      kill (pid, SIGKILL);
      waitpid (pid, &status, 0);
      ok (WIFSIGNALED (status), "round %d: killed mid-write", round);
      ok (validate_layout (P ("crash"), true) == 0, "round %d: layout valid, index.json parses, blobs verify", round);
    }
  {
    cleanup_image_descriptor struct oci_image_descriptor *d = NULL;
    int rc = bld_store_resolve (s, "crash/r0:3", &d, &err);
    ok (rc == 0, "images written before the kill are there");
  }
}

/* A layout only read from (FROM oci:DIR) whose oci-layout or index.json
 * is a FIFO: refused, not waited on (the alarm ends a hang). */
static void
test_fifo_layout (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_store struct bld_store *s = NULL;
  cleanup_image_index struct oci_image_index *idx = NULL;

  ok (bld_store_open (P ("fifo"), true, &s, &err) == 0, "a layout");
  bld_store_free (steal_pointer (&s));
  unlink (P ("fifo/index.json"));
  ok (mkfifo (P ("fifo/index.json"), 0644) == 0, "its index.json a FIFO");
  alarm (10);
  ok (bld_store_open_read_only (P ("fifo"), &s, &err) == 0, "opened read-only");
  ok (s && bld_store_read_index (s, &idx, &err) < 0
          && strstr (oci_error_msg (&err), "index.json: not a regular file"),
      "index.json refused");
  oci_error_clear (&err);
  bld_store_free (steal_pointer (&s));
  unlink (P ("fifo/oci-layout"));
  ok (mkfifo (P ("fifo/oci-layout"), 0644) == 0, "its oci-layout a FIFO");
  ok (bld_store_open_read_only (P ("fifo"), &s, &err) < 0
          && strstr (oci_error_msg (&err), "oci-layout: not a regular file"),
      "oci-layout refused");
  alarm (0);
  oci_error_clear (&err);
}

/* The private paths come from the store's accessors: each area where the
 * store, the builds, prune and `builder run` have always kept it. */
static void
test_private_paths (void)
{
  static const struct
  {
    enum bld_store_area a;
    const char *want;
  } cases[] = {
    { BLD_STORE_PRIVATE, "/s/.store" },
    { BLD_STORE_TMP, "/s/.store/tmp" },
    { BLD_STORE_LOCK, "/s/.store/lock" },
    { BLD_STORE_LAYERS, "/s/.store/layers" },
    { BLD_STORE_EMPTY, "/s/.store/empty" },
    { BLD_STORE_CACHE, "/s/.store/cache" },
    { BLD_STORE_BUILDCACHE, "/s/.store/buildcache" },
    { BLD_STORE_BUILDS_LOCK, "/s/.store/builds.lock" },
    { BLD_STORE_RUN, "/s/.store/run" },
    { BLD_STORE_REGISTRY_BLOBS, "/s/.store/registry-blobs" },
  };
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    {
      cleanup_free char *p = NULL;
      ok (bld_store_area_path ("/s", cases[i].a, &p, &err) == 0 && strcmp (p, cases[i].want) == 0
              && strcmp (bld_store_area_name (cases[i].a), cases[i].want + 3) == 0,
          "area %d is %s", (int) cases[i].a, cases[i].want);
    }
  cleanup_free char *b = NULL, *t = NULL;
  ok (bld_store_build_dir ("/s", 42, &b, &err) == 0 && strcmp (b, "/s/.store/build-42") == 0, "a build's work dir");
  ok (bld_store_private_path ("/s", "import.XXXXXX", &t, &err) == 0 && strcmp (t, "/s/.store/import.XXXXXX") == 0,
      "a private temporary");
}

int
main (void)
{
  char tmpl[] = "/tmp/test-store-XXXXXX";
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  cleanup_store struct bld_store *s = NULL;

  tmp = mkdtemp (tmpl);
  if (tmp == NULL)
    return 1;
  srand ((unsigned) getpid ());
  test_open ();
  if (bld_store_open (P ("store"), true, &s, &err) < 0)
    {
      printf ("Bail out! %s\n", err.msg);
      return 1;
    }
  test_blobs (s);
  test_refs ();
  test_refs_idempotent ();
  test_private_paths ();
  test_images (s);
  test_lock (s);
  test_interrupted ();
  test_fifo_layout ();
  tree_remove (tmp);
  return tap_done ();
}
