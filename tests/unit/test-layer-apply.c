/* Layer extraction: hostile tars crafted here with libarchive (each must
 * be refused with a clear error, or confined to the root, and nothing
 * outside the root may change), the tar-bomb limits, whiteout semantics
 * and input detection.  Needs no root (device creation is tested only
 * when allowed). */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "common/root_path.h"
#include "fileutil.h"
#include "image/layer_apply.h"
#include "tap.h"
#include "tree-walk.h"

static char *tmp, *outside, *outside_listing;

struct spec
{
  char type; /* f d l h c p, or 'S' sparse, 'X' big xattr */
  const char *path;
  const char *target; /* symlink / hardlink target, file content */
  int64_t size;       /* for 'S' */
  mode_t mode;
};

/* Writes a PAX tar of the specs to file (gzip-compressed when gz). */
static void
craft (const char *file, const struct spec *s, size_t n, bool gz)
{
  struct archive *a = archive_write_new ();
  archive_write_set_format_pax (a);
  if (gz)
    archive_write_add_filter_gzip (a);
  if (archive_write_open_filename (a, file) != ARCHIVE_OK)
    abort ();
  for (size_t i = 0; i < n; i++)
    {
      struct archive_entry *e = archive_entry_new ();
      const char *data = NULL;
      size_t len = 0;
      archive_entry_set_pathname (e, s[i].path);
      archive_entry_set_mtime (e, 1000000000, 0);
      archive_entry_set_perm (e, s[i].mode ? s[i].mode : 0644);
      switch (s[i].type)
        {
        case 'f':
          archive_entry_set_filetype (e, AE_IFREG);
          data = s[i].target ? s[i].target : "";
          len = strlen (data);
          archive_entry_set_size (e, (la_int64_t) len);
          break;
        case 'S':
          /* Declared huge, holding one 4 KiB extent. */
          archive_entry_set_filetype (e, AE_IFREG);
          archive_entry_set_size (e, s[i].size);
          archive_entry_sparse_add_entry (e, 0, 4096);
          break;
        case 'X':
          {
            size_t big = (size_t) s[i].size;
            char *v = malloc (big);
            memset (v, 'x', big);
            archive_entry_set_filetype (e, AE_IFREG);
            archive_entry_set_size (e, 0);
            archive_entry_xattr_add_entry (e, "user.big", v, big);
            free (v);
            break;
          }
        case 'd':
          archive_entry_set_filetype (e, AE_IFDIR);
          archive_entry_set_perm (e, s[i].mode ? s[i].mode : 0755);
          break;
        case 'l':
          archive_entry_set_filetype (e, AE_IFLNK);
          archive_entry_set_symlink (e, s[i].target);
          break;
        case 'h':
          archive_entry_set_filetype (e, AE_IFREG);
          archive_entry_set_hardlink (e, s[i].target);
          break;
        case 'c':
          archive_entry_set_filetype (e, AE_IFCHR);
          archive_entry_set_rdev (e, makedev (1, 3));
          break;
        case 'p':
          archive_entry_set_filetype (e, AE_IFIFO);
          break;
        }
      if (archive_write_header (a, e) < ARCHIVE_WARN)
        {
          fprintf (stderr, "craft %s: %s\n", s[i].path, archive_error_string (a));
          abort ();
        }
      if (len > 0)
        archive_write_data (a, data, len);
      if (s[i].type == 'S')
        {
          static char block[4096];
          memset (block, 'A', sizeof block);
          archive_write_data (a, block, sizeof block);
        }
      archive_entry_free (e);
    }
  archive_write_close (a);
  archive_write_free (a);
}

/* A 10 GB entry cut off after its first megabyte of zeros: the header
 * alone must be enough to refuse it. */
struct cut
{
  int fd;
  size_t written;
};

static la_ssize_t
cut_write (struct archive *a, void *ctx, const void *buf, size_t len)
{
  struct cut *c = ctx;
  (void) a;
  if (c->written > (1 << 20))
    return -1;
  oci_write_all (c->fd, buf, len);
  c->written += len;
  return (la_ssize_t) len;
}

static void
craft_truncated_huge (const char *file)
{
  struct archive *a = archive_write_new ();
  struct archive_entry *e = archive_entry_new ();
  struct cut c = { open (file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), 0 };
  static char zeros[65536];
  archive_write_set_format_pax (a);
  archive_write_set_bytes_in_last_block (a, 1);
  archive_write_open2 (a, &c, NULL, cut_write, NULL, NULL);
  archive_entry_set_pathname (e, "zeros");
  archive_entry_set_filetype (e, AE_IFREG);
  archive_entry_set_perm (e, 0644);
  archive_entry_set_size (e, (la_int64_t) 10 << 30);
  archive_write_header (a, e);
  for (int i = 0; i < 32 && archive_write_data (a, zeros, sizeof zeros) > 0; i++)
    ;
  archive_entry_free (e);
  archive_write_free (a); /* fails to pad the rest: the file stays cut */
  close (c.fd);
}

static bool
outside_unchanged (void)
{
  char *now = tree_listing (outside);
  bool same = now && strcmp (now, outside_listing) == 0;
  struct stat st;
  free (now);
  return same && stat (P ("evil"), &st) < 0 && stat ("/evil", &st) < 0 && stat ("/abs-evil", &st) < 0;
}

static char *
fresh_root (const char *label)
{
  char *r = strdup (P ("root-%s", label));
  tree_remove (r);
  mkdir (r, 0755);
  return r;
}

/* Applies the specs on a fresh root; expect NULL means success. */
static void
attack (const char *label, const struct spec *s, size_t n, const struct bld_layer_apply_options *o,
        const char *expect)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  char *root = fresh_root (label);
  int rc;

  craft (P ("%s.tar", label), s, n, false);
  rc = bld_layer_apply_file (P ("%s.tar", label), root, o, NULL, &err);
  if (expect)
    {
      ok (rc < 0 && err.msg && strstr (err.msg, expect), "%s: refused (%s)", label, err.msg ? err.msg : "no error");
      if (rc == 0 || (err.msg && !strstr (err.msg, expect)))
        diag ("expected an error with \"%s\"", expect);
    }
  else
    ok (rc == 0, "%s: applied, confined to the root (%s)", label, err.msg ? err.msg : "ok");
  ok (outside_unchanged (), "%s: nothing changed outside the root", label);
  free (root);
}

#define N(a) (sizeof (a) / sizeof *(a))

static void
test_attacks (void)
{
  char *abs_outside = outside, *victim, *rel_outside;
  struct bld_layer_apply_options o = { 0 };
  struct stat st;

  if (asprintf (&victim, "%s/victim", outside) < 0)
    abort ();
  rel_outside = abs_outside + 1;

  {
    const struct spec s[] = { { 'f', "../evil", "x", 0, 0 } };
    attack ("dotdot", s, N (s), &o, "\"..\" component");
  }
  {
    const struct spec s[] = { { 'f', "a/../../evil", "x", 0, 0 } };
    attack ("dotdot-inner", s, N (s), &o, "\"..\" component");
  }
  {
    const struct spec s[] = { { 'f', "/abs-evil", "x", 0, 0 } };
    attack ("absolute", s, N (s), &o, "is absolute");
  }
  {
    /* A symlink out of the root, then a file under it. */
    const struct spec s[] = { { 'l', "link", abs_outside, 0, 0 }, { 'f', "link/victim", "pwned", 0, 0 } };
    attack ("symlink-parent", s, N (s), &o, "symlink to a missing target");
  }
  {
    /* Through "/": resolved in the root, so it lands inside. */
    char *path;
    if (asprintf (&path, "rootlink/%s/evil", rel_outside) < 0)
      abort ();
    const struct spec s[] = { { 'l', "rootlink", "/", 0, 0 }, { 'f', path, "x", 0, 0 } };
    attack ("symlink-to-slash", s, N (s), &o, NULL);
    ok (stat (P ("root-symlink-to-slash/%s/evil", rel_outside), &st) == 0, "symlink-to-slash: file inside the root");
    free (path);
  }
  {
    const struct spec s[] = { { 'h', "hl", "/etc/passwd", 0, 0 } };
    attack ("hardlink-absolute", s, N (s), &o, "is absolute");
  }
  {
    const struct spec s[] = { { 'h', "hl", "../outside/victim", 0, 0 } };
    attack ("hardlink-dotdot", s, N (s), &o, "\"..\" component");
  }
  {
    char *t;
    if (asprintf (&t, "sl/victim") < 0)
      abort ();
    const struct spec s[] = { { 'l', "sl", abs_outside, 0, 0 }, { 'h', "hl", t, 0, 0 } };
    attack ("hardlink-via-symlink", s, N (s), &o, "hardlink target");
    ok (stat (victim, &st) == 0 && st.st_nlink == 1, "hardlink-via-symlink: the victim has one name");
    free (t);
  }
  {
    /* ".." chains stay at the root. */
    const struct spec s[] = { { 'l', "up", "..", 0, 0 },
                              { 'l', "up2", "up/../..", 0, 0 },
                              { 'f', "up/evil1", "1", 0, 0 },
                              { 'f', "up2/evil2", "2", 0, 0 },
                              { 'f', "up/up2/up/evil3", "3", 0, 0 } };
    attack ("dotdot-chain", s, N (s), &o, NULL);
    ok (stat (P ("root-dotdot-chain/evil1"), &st) == 0 && stat (P ("root-dotdot-chain/evil2"), &st) == 0
            && stat (P ("root-dotdot-chain/evil3"), &st) == 0,
        "dotdot-chain: the files are at the root");
    ok (stat (P ("evil1"), &st) < 0 && stat (P ("evil2"), &st) < 0 && stat (P ("evil3"), &st) < 0,
        "dotdot-chain: none above it");
  }
  {
    /* chmod/chown/utimes must not reach through a symlink: the name is
     * replaced, and a directory replaced by a symlink later keeps the
     * symlink's target untouched when modes are applied at the end. */
    const struct spec s[] = { { 'l', "vl", victim, 0, 0 },
                              { 'f', "vl", "replaced", 0, 04777 },
                              { 'd', "dir", NULL, 0, 0777 },
                              { 'l', "dir", abs_outside, 0, 0 },
                              { 'l', "v2", victim, 0, 0777 } };
    attack ("chmod-through-symlink", s, N (s), &o, NULL);
    ok (stat (victim, &st) == 0 && (st.st_mode & 07777) == 0600, "chmod-through-symlink: victim still 0600");
    ok (stat (outside, &st) == 0 && (st.st_mode & 07777) == 0700, "chmod-through-symlink: outside dir still 0700");
    ok (lstat (P ("root-chmod-through-symlink/vl"), &st) == 0 && S_ISREG (st.st_mode)
            && (st.st_mode & 07777) == 04777,
        "chmod-through-symlink: vl is a setuid file in the root");
  }
  {
    const struct spec s[] = { { 'f', ".wh.", "", 0, 0 } };
    attack ("whiteout-empty", s, N (s), &o, "whiteout without a name");
  }
  {
    const struct spec s[] = { { 'd', "d", NULL, 0, 0 }, { 'f', "d/.wh..wh..opqx", "", 0, 0 } };
    attack ("whiteout-reserved", s, N (s), &o, "reserved whiteout name");
  }
  {
    const struct spec s[] = { { 'f', ".wh...", "", 0, 0 } };
    attack ("whiteout-dotdot", s, N (s), &o, "whiteout of \"..\"");
  }
  {
    const struct spec s[] = { { 'f', "d/.wh..", "", 0, 0 } };
    attack ("whiteout-dot", s, N (s), &o, "whiteout of \".\"");
  }
  {
    const struct spec s[] = { { 'f', ".wh.x/y", "", 0, 0 } };
    attack ("whiteout-children", s, N (s), &o, "cannot have children");
  }
  free (victim);
}

static void
test_limits (void)
{
  struct bld_layer_apply_options o = { .max_entries = 10 };
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  struct spec many[100];
  char names[100][16];
  struct stat st;
  int rc;

  for (int i = 0; i < 100; i++)
    {
      snprintf (names[i], sizeof names[i], "f%03d", i);
      many[i] = (struct spec) { 'f', names[i], "x", 0, 0 };
    }
  attack ("many-entries", many, 100, &o, "more than 10 entries");

  o = (struct bld_layer_apply_options) { .max_bytes = 1 << 20 };
  {
    const struct spec s[] = { { 'S', "sparse", NULL, (int64_t) 10 << 30, 0 } };
    attack ("sparse-10g", s, N (s), &o, "exceed the layer's content limit");
    ok (stat (P ("root-sparse-10g/sparse"), &st) < 0, "sparse-10g: no file made");
  }
  {
    /* Within the limit, the sparse file is made with its hole. */
    const struct spec s[] = { { 'S', "sparse", NULL, (int64_t) 10 << 30, 0 } };
    o.max_bytes = 0;
    attack ("sparse-ok", s, N (s), &o, NULL);
    ok (stat (P ("root-sparse-ok/sparse"), &st) == 0 && st.st_size == (off_t) 10 << 30 && st.st_blocks < 1024,
        "sparse-ok: 10 GiB apparent, few blocks");
  }
  {
    char *root = fresh_root ("zeros-10g");
    o.max_bytes = 1 << 20;
    craft_truncated_huge (P ("zeros.tar"));
    rc = bld_layer_apply_file (P ("zeros.tar"), root, &o, NULL, &err);
    ok (rc < 0 && strstr (err.msg, "exceed the layer's content limit"), "zeros-10g: refused (%s)", err.msg);
    ok (stat (P ("root-zeros-10g/zeros"), &st) < 0, "zeros-10g: no file made");
    free (root);
  }
  {
    /* The content limit counts real bytes too. */
    const struct spec s[] = { { 'f', "a", "0123456789", 0, 0 }, { 'f', "b", "0123456789", 0, 0 } };
    o.max_bytes = 15;
    attack ("bytes-total", s, N (s), &o, "content limit");
  }
  {
    const struct spec s[] = { { 'X', "bigxattr", NULL, 2 << 20, 0 } };
    o = (struct bld_layer_apply_options) { .max_pax_header = 1 << 20 };
    attack ("pax-header", s, N (s), &o, "PAX header of");
  }
  {
    char longname[300];
    memset (longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    const struct spec s[] = { { 'f', longname, "x", 0, 0 } };
    o = (struct bld_layer_apply_options) { .max_path = 100 };
    attack ("long-path", s, N (s), &o, "exceeds the limit");
  }
  {
    const struct spec s[] = { { 'c', "null", NULL, 0, 0666 }, { 'p', "fifo", NULL, 0, 0600 } };
    struct bld_layer_apply_stats stats;
    o = (struct bld_layer_apply_options) { 0 };
    attack ("device-refused", s, N (s), &o, "device node null: not allowed");
    o.skip_devices = true;
    {
      char *root = fresh_root ("device-skipped");
      craft (P ("dev.tar"), s, N (s), false);
      rc = bld_layer_apply_file (P ("dev.tar"), root, &o, &stats, &err);
      ok (rc == 0 && stats.skipped_devices == 1 && stat (P ("root-device-skipped/null"), &st) < 0
              && stat (P ("root-device-skipped/fifo"), &st) == 0 && S_ISFIFO (st.st_mode),
          "devices skipped when asked, fifos made");
      free (root);
    }
    if (bld_devices_allowed ())
      {
        char *root = fresh_root ("device-made");
        o = (struct bld_layer_apply_options) { .allow_devices = true };
        rc = bld_layer_apply_file (P ("dev.tar"), root, &o, &stats, &err);
        ok (rc == 0 && stat (P ("root-device-made/null"), &st) == 0 && S_ISCHR (st.st_mode)
                && st.st_rdev == makedev (1, 3),
            "devices made when allowed");
        free (root);
      }
    else
      ok (true, "# SKIP device creation needs root in the initial user namespace");
  }
}

/* "PREFIX/a/a/.../a/f", depth components in all. */
static char *
deep_path (const char *prefix, int depth)
{
  size_t len = strlen (prefix) + 2 * (size_t) depth + 2;
  char *p = malloc (len), *q = p;
  q = stpcpy (q, prefix);
  for (int i = 1; i < depth - 1; i++)
    q = stpcpy (q, "/a");
  stpcpy (q, "/f");
  return p;
}

/* Issue 12, defect 5: deep paths are bounded, and the directories they
 * imply count against the size limit; issue 12, defect 9: the ratio. */
static void
test_deep_and_bombs (void)
{
  struct bld_layer_apply_options o = { 0 };
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  char *deep = deep_path ("d", 300);
  int rc;

  {
    const struct spec s[] = { { 'f', deep, "x", 0, 0 } };
    attack ("depth-300", s, N (s), &o, "more than 256 components (the depth limit)");
    o.max_depth = 400;
    attack ("depth-300-allowed", s, N (s), &o, NULL);
    o.max_depth = 0;
    setenv ("BUILDER_MAX_PATH_DEPTH", "1000", 1);
    attack ("depth-300-env", s, N (s), &o, NULL);
    setenv ("BUILDER_MAX_PATH_DEPTH", "ten", 1);
    attack ("depth-env-bad", s, N (s), &o, "BUILDER_MAX_PATH_DEPTH=ten: not a number");
    unsetenv ("BUILDER_MAX_PATH_DEPTH");
  }
  {
    /* 40 distinct chains of 200 directories: 8,000 directories from a
     * tar of ~100 KB. */
    struct spec s[40];
    char *paths[40];
    for (int i = 0; i < 40; i++)
      {
        char prefix[16];
        snprintf (prefix, sizeof prefix, "d%d", i);
        paths[i] = deep_path (prefix, 200);
        s[i] = (struct spec) { 'f', paths[i], "", 0, 0 };
      }
    o.max_bytes = 4 << 20;
    attack ("deep-dirs-counted", s, N (s), &o, "content limit");
    o.max_bytes = 0;
    {
      struct bld_layer_apply_stats stats;
      char *root = fresh_root ("deep-dirs-cost");
      craft (P ("deep-dirs-cost.tar"), s, N (s), false);
      rc = bld_layer_apply_file (P ("deep-dirs-cost.tar"), root, &o, &stats, &err);
      ok (rc == 0 && stats.metadata >= 40 * 199 * 4096, "deep dirs: applied, %llu bytes of metadata counted",
          (unsigned long long) stats.metadata);
      free (root);
    }
    for (int i = 0; i < 40; i++)
      free (paths[i]);
  }
  {
    /* 80 MiB of one byte, gzip'd to ~80 KB: beyond 1000:1 and the 64 MiB
     * floor. */
    size_t big = (size_t) 80 << 20;
    char *data = malloc (big + 1);
    struct spec s[] = { { 'f', "zeros", data, 0, 0 } };
    char *root = fresh_root ("gzip-bomb");
    memset (data, 'A', big);
    data[big] = '\0';
    craft (P ("bomb.tgz"), s, N (s), true);
    free (data);
    rc = bld_layer_apply_file (P ("bomb.tgz"), root, NULL, NULL, &err);
    ok (rc < 0 && strstr (err.msg, "decompression bomb"), "gzip bomb refused (%s)", err.msg);
    oci_error_clear (&err);
    /* Without the ratio, only the absolute limit (small here, so nothing
     * big is written) stops it. */
    o.max_ratio = UINT64_MAX;
    o.max_bytes = 1 << 20;
    rc = bld_layer_apply_file (P ("bomb.tgz"), root, &o, NULL, &err);
    ok (rc < 0 && strstr (err.msg, "content limit (1048576"), "no ratio limit: the absolute one holds (%s)", err.msg);
    oci_error_clear (&err);
    o = (struct bld_layer_apply_options) { 0 };
    setenv ("BUILDER_MAX_RATIO", "0", 1);
    setenv ("BUILDER_MAX_LAYER_SIZE", "1M", 1);
    rc = bld_layer_apply_file (P ("bomb.tgz"), root, &o, NULL, &err);
    ok (rc < 0 && strstr (err.msg, "content limit (1048576"),
        "BUILDER_MAX_RATIO=0 lifts the ratio, BUILDER_MAX_LAYER_SIZE=1M holds (%s)", err.msg);
    oci_error_clear (&err);
    setenv ("BUILDER_MAX_LAYER_SIZE", "1Q", 1);
    rc = bld_layer_apply_file (P ("bomb.tgz"), root, &o, NULL, &err);
    ok (rc < 0 && strstr (err.msg, "BUILDER_MAX_LAYER_SIZE=1Q: not a size"), "a bad size refused (%s)", err.msg);
    oci_error_clear (&err);
    unsetenv ("BUILDER_MAX_RATIO");
    unsetenv ("BUILDER_MAX_LAYER_SIZE");
    free (root);
  }
  free (deep);
}

static void
test_whiteouts (void)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  char *root = fresh_root ("wh");
  struct stat st;
  int rc;
  const struct spec lower[] = { { 'f', "a", "a", 0, 0 },         { 'd', "d", NULL, 0, 0 },
                                { 'f', "d/x", "x", 0, 0 },       { 'd', "d/sub", NULL, 0, 0 },
                                { 'f', "d/sub/y", "y", 0, 0 },   { 'd', "keep", NULL, 0, 0 },
                                { 'f', "keep/k", "k", 0, 0 },    { 'd', "gone", NULL, 0, 0 },
                                { 'f', "gone/deep", "g", 0, 0 }, { 'f', "e", "e", 0, 0 } };
  /* Same-layer entries before the opaque marker survive it; a whiteout
   * never hides its own layer's file. */
  const struct spec upper[] = { { 'f', "d/z", "z", 0, 0 },           { 'f', "d/sub/q", "q", 0, 0 },
                                { 'f', "d/.wh..wh..opq", "", 0, 0 }, { 'f', "d/w", "w", 0, 0 },
                                { 'f', ".wh.a", "", 0, 0 },          { 'f', ".wh.gone", "", 0, 0 },
                                { 'f', ".wh.nothing", "", 0, 0 },    { 'f', "new", "n", 0, 0 },
                                { 'f', ".wh.new", "", 0, 0 } };

  craft (P ("wh-lower.tar"), lower, N (lower), true);
  craft (P ("wh-upper.tar"), upper, N (upper), true);
  rc = bld_layer_apply_file (P ("wh-lower.tar"), root, NULL, NULL, &err);
  ok (rc == 0, "whiteouts: lower applied");
  rc = bld_layer_apply_file (P ("wh-upper.tar"), root, NULL, NULL, &err);
  ok (rc == 0, "whiteouts: upper applied (%s)", err.msg ? err.msg : "ok");
  ok (lstat (P ("root-wh/a"), &st) < 0 && lstat (P ("root-wh/gone"), &st) < 0, ".wh.NAME removes files and trees");
  ok (lstat (P ("root-wh/d/x"), &st) < 0 && lstat (P ("root-wh/d/sub/y"), &st) < 0, "opaque: lower content gone");
  ok (lstat (P ("root-wh/d/z"), &st) == 0 && lstat (P ("root-wh/d/sub/q"), &st) == 0
          && lstat (P ("root-wh/d/w"), &st) == 0,
      "opaque: this layer's entries survive, before and after the marker");
  ok (lstat (P ("root-wh/keep/k"), &st) == 0 && lstat (P ("root-wh/e"), &st) == 0, "untouched entries stay");
  ok (lstat (P ("root-wh/new"), &st) == 0, "a whiteout does not hide its own layer's file");
  ok (lstat (P ("root-wh/.wh.a"), &st) < 0 && lstat (P ("root-wh/d/.wh..wh..opq"), &st) < 0,
      "no whiteout files left");
  free (root);
}

static void
test_inputs (void)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  char *root = fresh_root ("inputs");
  struct bld_layer_apply_options o = {
    .expected_digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
  };
  const struct spec s[] = { { 'f', "a", "a", 0, 0 } };
  int rc, fd;

  craft (P ("in.tgz"), s, N (s), true);
  rc = bld_layer_apply_file (P ("in.tgz"), root, &o, NULL, &err);
  ok (rc < 0 && strstr (err.msg, "digest mismatch"), "expected digest checked (%s)", err.msg);
  oci_error_clear (&err);

  fd = open (P ("garbage"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  oci_write_all (fd, "this is not a tar stream at all, not even close......", 52);
  close (fd);
  rc = bld_layer_apply_file (P ("garbage"), root, NULL, NULL, &err);
  ok (rc < 0, "garbage refused (%s)", err.msg);
  oci_error_clear (&err);

  /* A gzip stream cut in the middle. */
  {
    char *data;
    size_t len;
    oci_read_file (P ("in.tgz"), 1 << 20, &data, &len, &err);
    fd = open (P ("cut.tgz"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    oci_write_all (fd, data, len / 2);
    close (fd);
    free (data);
    rc = bld_layer_apply_file (P ("cut.tgz"), root, NULL, NULL, &err);
    ok (rc < 0 && strstr (err.msg, "truncated"), "truncated gzip refused (%s)", err.msg);
  }
  free (root);
}

int
main (void)
{
  char tmpl[] = "/tmp/test-layer-apply-XXXXXX";

  tmp = mkdtemp (tmpl);
  if (tmp == NULL)
    return 1;
  chmod (tmp, 0755);
  outside = strdup (P ("outside"));
  mkdir (outside, 0700);
  {
    int fd = open (P ("outside/victim"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    oci_write_all (fd, "victim", 6);
    close (fd);
  }
  outside_listing = tree_listing (outside);

  test_attacks ();
  test_limits ();
  test_deep_and_bombs ();
  test_whiteouts ();
  test_inputs ();
  /* Again with the component walk that stands in for openat2. */
  cmn_openat2_disabled = true;
  diag ("without openat2");
  test_attacks ();
  test_whiteouts ();

  tree_remove (tmp);
  free (outside);
  free (outside_listing);
  return tap_done ();
}
