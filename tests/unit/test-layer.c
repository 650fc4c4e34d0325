/* Layer writing and applying: round trips of a tree with every file type,
 * determinism, the three compressions, overlayfs diffs and whiteouts.
 * The parts that need root (devices, ownership, trusted.* xattrs, overlay
 * mounts) are skipped, with a reason, otherwise. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zlib.h>

#include "cleanup.h"
#include "fileutil.h"
#include "image/layer_apply.h"
#include "image/layer_write.h"
#include "tap.h"
#include "tree-walk.h"

static char *tmp;
static bool is_root, user_xattrs;

static void
write_file (const char *path, const char *content, size_t len, mode_t mode)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || oci_write_all (fd, content, len) < 0)
    abort ();
  fchmod (fd, mode);
  close (fd);
}

static void
set_mtime (const char *path, time_t sec, long nsec)
{
  struct timespec ts[2] = { { sec, nsec }, { sec, nsec } };
  utimensat (AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
}

/* A tree with every kind of entry.  reverse creates the entries in the
 * opposite order (another readdir order on tmpfs); base_time shifts every
 * mtime. */
static void
make_tree (const char *root, bool reverse, time_t base_time)
{
  char big[300000];
  const char *dirs[] = { "bin", "etc", "etc/conf.d", "sticky", "sgid", "usr", "usr/lib", "empty" };
  size_t nd = sizeof dirs / sizeof *dirs;

  for (size_t i = 0; i < sizeof big; i++)
    big[i] = (char) ((i * 7919) % 251);
  mkdir (root, 0755);
  for (size_t k = 0; k < nd; k++)
    mkdir (P ("%s/%s", root + strlen (tmp) + 1, dirs[reverse ? k : k]), 0755);
  chmod (P ("%s/sticky", root + strlen (tmp) + 1), 01777);
  chmod (P ("%s/sgid", root + strlen (tmp) + 1), 02755);
  for (int k = 0; k < 6; k++)
    {
      int i = reverse ? 5 - k : k;
      char name[64], content[64];
      snprintf (name, sizeof name, "%s/etc/file%d", root, i);
      snprintf (content, sizeof content, "content of file %d\n", i);
      write_file (name, content, strlen (content), 0644);
    }
  write_file (P ("%s/bin/suid", root + strlen (tmp) + 1), "#!/bin/sh\n", 10, 04755);
  write_file (P ("%s/bin/sgid", root + strlen (tmp) + 1), "#!/bin/sh\n", 10, 02711);
  write_file (P ("%s/etc/secret", root + strlen (tmp) + 1), "s", 1, 0);
  write_file (P ("%s/etc/empty", root + strlen (tmp) + 1), "", 0, 0644);
  write_file (P ("%s/usr/lib/big", root + strlen (tmp) + 1), big, sizeof big, 0755);
  /* Three names of one inode, across directories. */
  link (P ("%s/usr/lib/big", root + strlen (tmp) + 1), P ("%s/bin/big-link", root + strlen (tmp) + 1));
  link (P ("%s/usr/lib/big", root + strlen (tmp) + 1), P ("%s/usr/big-link2", root + strlen (tmp) + 1));
  symlink ("../usr/lib/big", P ("%s/bin/rel-link", root + strlen (tmp) + 1));
  symlink ("/usr/lib", P ("%s/abs-link", root + strlen (tmp) + 1));
  symlink ("does-not-exist", P ("%s/dangling", root + strlen (tmp) + 1));
  mkfifo (P ("%s/fifo", root + strlen (tmp) + 1), 0640);
  if (user_xattrs)
    {
      setxattr (P ("%s/etc/file1", root + strlen (tmp) + 1), "user.comment", "hello", 5, 0);
      setxattr (P ("%s/etc/file1", root + strlen (tmp) + 1), "user.binary", "\x00\x01\xff", 3, 0);
      setxattr (P ("%s/etc", root + strlen (tmp) + 1), "user.dir", "d", 1, 0);
    }
  if (is_root)
    {
      mknod (P ("%s/null", root + strlen (tmp) + 1), S_IFCHR | 0666, makedev (1, 3));
      mknod (P ("%s/loop9", root + strlen (tmp) + 1), S_IFBLK | 0660, makedev (7, 9));
      lchown (P ("%s/etc/file2", root + strlen (tmp) + 1), 1234, 5678);
      lchown (P ("%s/abs-link", root + strlen (tmp) + 1), 42, 43);
      lchown (P ("%s/sgid", root + strlen (tmp) + 1), 1000, 1000);
      /* chown cleared it. */
      chmod (P ("%s/sgid", root + strlen (tmp) + 1), 02755);
      setxattr (P ("%s/etc/file3", root + strlen (tmp) + 1), "trusted.note", "t", 1, 0);
    }
  /* mtimes last, deepest first, with sub-second parts. */
  {
    const char *all[] = { "etc/file0",   "etc/file1",    "etc/file2",  "etc/file3",  "etc/file4",
                          "etc/file5",   "bin/suid",     "bin/sgid",   "etc/secret", "etc/empty",
                          "usr/lib/big", "bin/rel-link", "abs-link",   "dangling",   "fifo",
                          "null",        "loop9",        "etc/conf.d", "sticky",     "sgid",
                          "usr/lib",     "empty",        "usr",        "etc",        "bin" };
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
      {
        char *p;
        if (asprintf (&p, "%s/%s", root, all[i]) < 0)
          abort ();
        set_mtime (p, base_time + (time_t) i * 1000, 123456789);
        free (p);
      }
  }
}

static int
write_layer (const char *root, const struct bld_layer_write_options *o, const char *out, struct bld_layer_result *r,
             struct oci_error *err)
{
  int fd = open (out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int ret;
  if (fd < 0)
    return oci_error_set (err, errno, "open %s", out);
  ret = bld_layer_write_fd (root, o, fd, r, err);
  close (fd);
  return ret;
}

/* The tar entries (paths, in order) of a layer file; also checks that no
 * entry has a uname/gname. */
static char *
tar_paths (const char *file, bool *has_names, bool *dups)
{
  struct archive *a = archive_read_new ();
  struct archive_entry *e;
  char *out = strdup (""), *next;
  char *seen[4096];
  size_t n = 0;
  archive_read_support_format_tar (a);
  archive_read_support_filter_all (a);
  *has_names = false;
  *dups = false;
  if (archive_read_open_filename (a, file, 10240) != ARCHIVE_OK)
    return NULL;
  while (archive_read_next_header (a, &e) == ARCHIVE_OK)
    {
      const char *p = archive_entry_pathname (e);
      if ((archive_entry_uname (e) && *archive_entry_uname (e))
          || (archive_entry_gname (e) && *archive_entry_gname (e)))
        *has_names = true;
      for (size_t i = 0; i < n; i++)
        if (strcmp (seen[i], p) == 0)
          *dups = true;
      if (n < 4096)
        seen[n++] = strdup (p);
      if (asprintf (&next, "%s%s%s%s\n", out, p, archive_entry_hardlink (e) ? " => " : "",
                    archive_entry_hardlink (e) ? archive_entry_hardlink (e) : "")
          < 0)
        abort ();
      free (out);
      out = next;
    }
  for (size_t i = 0; i < n; i++)
    free (seen[i]);
  archive_read_free (a);
  return out;
}

static void
test_round_trip (const char *src, enum bld_compression c, const char *label)
{
  struct bld_layer_write_options o = { .compression = c, .threads = 2 };
  struct bld_layer_apply_options ao = { .allow_devices = is_root };
  struct bld_layer_result r;
  struct bld_layer_apply_stats st;
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  char *file = strdup (P ("rt-%s.tar", label)), *dst = strdup (P ("rt-%s", label));
  char *want, *got;
  int rc;

  mkdir (dst, 0755);
  rc = write_layer (src, &o, file, &r, &err);
  ok (rc == 0, "%s: write layer (%s)", label, rc ? oci_error_msg (&err) : "ok");
  ok (r.entries > 20, "%s: %llu entries", label, (unsigned long long) r.entries);
  ok (c != BLD_COMPRESSION_NONE || strcmp (r.digest, r.diff_id) == 0, "%s: digest and diff_id", label);
  rc = bld_layer_apply_file (file, dst, &ao, &st, &err);
  ok (rc == 0, "%s: apply (%s)", label, rc ? oci_error_msg (&err) : "ok");
  ok (st.compression == c, "%s: compression detected", label);
  is_str (st.digest, r.digest, "%s: digest seen by apply", label);
  is_str (st.diff_id, r.diff_id, "%s: diff_id seen by apply", label);
  ok ((int64_t) st.size == r.size && st.tar_size == r.tar_size, "%s: sizes", label);
  want = tree_listing (src);
  got = tree_listing (dst);
  if (!ok (want && got && strcmp (want, got) == 0, "%s: extracted tree equals the source", label))
    printf ("# want:\n%s# got:\n%s", want, got);
  free (want);
  free (got);
  free (file);
  free (dst);
}

static void
test_tar_shape (const char *src)
{
  struct bld_layer_write_options o = { .compression = BLD_COMPRESSION_NONE };
  struct bld_layer_result r;
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  bool names, dups;
  char *paths;

  write_layer (src, &o, P ("shape.tar"), &r, &err);
  paths = tar_paths (P ("shape.tar"), &names, &dups);
  ok (paths != NULL, "tar readable");
  ok (!names, "no uname/gname");
  ok (!dups, "no duplicate paths");
  ok (strncmp (paths, "abs-link\nbin/\nbin/big-link\nbin/rel-link\nbin/sgid\nbin/suid\n", 57) == 0,
      "entries in path order, parents first");
  ok (strstr (paths, "usr/big-link2 => bin/big-link\n") && strstr (paths, "usr/lib/big => bin/big-link\n"),
      "later names of an inode are hardlinks to the first");
  free (paths);
  ok (r.tar_size % 512 == 0, "tar size a multiple of 512");
}

static void
test_determinism (void)
{
  struct bld_layer_write_options o = { .compression = BLD_COMPRESSION_GZIP,
                                       .has_clamp_epoch = true,
                                       .clamp_epoch = 1000000000 };
  struct bld_layer_result r1, r2, r3, r4;
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  char *a = strdup (P ("det-a")), *b = strdup (P ("det-b"));

  /* Same content, other creation order, other mtimes (all after the
   * epoch). */
  make_tree (a, false, 1600000000);
  make_tree (b, true, 1700000000);
  o.threads = 1;
  ok (write_layer (a, &o, P ("det-a.tgz"), &r1, &err) == 0, "write a");
  o.threads = 4;
  ok (write_layer (b, &o, P ("det-b.tgz"), &r2, &err) == 0, "write b");
  is_str (r1.diff_id, r2.diff_id, "clamped: same diff_id");
  is_str (r1.digest, r2.digest, "clamped: same gzip digest (1 and 4 threads)");
  o.has_clamp_epoch = false;
  write_layer (a, &o, P ("det-c.tgz"), &r3, &err);
  ok (strcmp (r3.diff_id, r1.diff_id) != 0, "unclamped: the mtimes show");
  o.has_clamp_epoch = true;
  o.compression = BLD_COMPRESSION_ZSTD;
  o.threads = 2;
  write_layer (a, &o, P ("det-a.zst"), &r3, &err);
  o.threads = 4;
  write_layer (b, &o, P ("det-b.zst"), &r4, &err);
  is_str (r3.digest, r4.digest, "zstd: same digest with 2 and 4 workers");
  is_str (r3.diff_id, r1.diff_id, "zstd: same diff_id as gzip");

  /* The clamp applies: every mtime in the tar is <= the epoch. */
  {
    struct archive *ar = archive_read_new ();
    struct archive_entry *e;
    bool all = true;
    archive_read_support_format_tar (ar);
    archive_read_support_filter_all (ar);
    archive_read_open_filename (ar, P ("det-a.tgz"), 10240);
    while (archive_read_next_header (ar, &e) == ARCHIVE_OK)
      all = all && archive_entry_mtime (e) <= 1000000000 && archive_entry_mtime_nsec (e) == 0;
    archive_read_free (ar);
    ok (all, "every mtime clamped, whole seconds");
  }
  tree_remove (a);
  tree_remove (b);
  free (a);
  free (b);
}

/* The gzip stream is one standard member: zlib's gz reader agrees. */
static void
test_gzip_interop (const char *src)
{
  struct bld_layer_write_options o = { .compression = BLD_COMPRESSION_GZIP, .threads = 3, .level = 1 };
  struct bld_layer_result r;
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  cleanup_digester struct oci_digester *d = NULL;
  char got[OCI_DIGEST_STRING_MAX], buf[65536];
  gzFile g;
  int n;

  write_layer (src, &o, P ("interop.tgz"), &r, &err);
  oci_digester_new (OCI_DIGEST_SHA256, &d, &err);
  g = gzopen (P ("interop.tgz"), "rb");
  while ((n = gzread (g, buf, sizeof buf)) > 0)
    oci_digester_update (d, buf, (size_t) n, &err);
  ok (n == 0 && gzclose (g) == Z_OK, "zlib reads the parallel gzip stream to its end (CRC and size check)");
  oci_digester_final (d, got, &err);
  is_str (got, r.diff_id, "zlib's decompression has the diff_id");

  /* Every compressor on a larger input, several blocks. */
  for (int c = 0; c < 3; c++)
    for (int threads = 1; threads <= 3; threads += 2)
      {
        struct bld_layer_write_options oo = { .compression = (enum bld_compression) c, .threads = threads };
        struct bld_layer_result rr;
        int rc = write_layer (src, &oo, P ("multi.tar"), &rr, &err);
        ok (rc == 0 && rr.size > 0, "compression %d, %d threads: %lld bytes", c, threads, (long long) rr.size);
      }
}

static void
test_unknown_compression (void)
{
  enum bld_compression c;
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  ok (bld_compression_parse ("zstd", &c, &err) == 0 && c == BLD_COMPRESSION_ZSTD, "parse zstd");
  int rc = bld_compression_parse ("bz2", &c, &err);
  ok (rc < 0 && strstr (err.msg, "bz2"), "bz2 refused: %s", err.msg);
  is_str (bld_compression_media_type (BLD_COMPRESSION_GZIP), "application/vnd.oci.image.layer.v1.tar+gzip",
          "gzip media type");
}

/* ---- overlayfs ---- */

static void
test_overlay_diff (void)
{
  char *lower = strdup (P ("ovl/lower")), *upper = strdup (P ("ovl/upper")), *work = strdup (P ("ovl/work")),
       *merged = strdup (P ("ovl/merged")), *opts;
  struct bld_layer_write_options o = { .compression = BLD_COMPRESSION_ZSTD, .mode = BLD_LAYER_OVERLAY_DIFF };
  struct bld_layer_write_options full = { .compression = BLD_COMPRESSION_GZIP };
  struct bld_layer_result r, rl;
  struct bld_layer_apply_options ao = { .allow_devices = true };
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  bool names, dups;
  char *paths, *want, *got;

  mkdir (P ("ovl"), 0755);
  mkdir (lower, 0755);
  mkdir (upper, 0755);
  mkdir (work, 0755);
  mkdir (merged, 0755);
  mkdir (P ("ovl/lower/d"), 0755);
  mkdir (P ("ovl/lower/d/sub"), 0755);
  mkdir (P ("ovl/lower/keep"), 0755);
  write_file (P ("ovl/lower/a"), "a", 1, 0644);
  write_file (P ("ovl/lower/d/x"), "x", 1, 0644);
  write_file (P ("ovl/lower/d/sub/y"), "y", 1, 0644);
  write_file (P ("ovl/lower/keep/z"), "z", 1, 0644);
  write_file (P ("ovl/lower/keep/gone"), "g", 1, 0644);
  if (asprintf (&opts, "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work) < 0)
    abort ();
  if (mount ("overlay", merged, "overlay", 0, opts) < 0)
    {
      ok (true, "# SKIP overlay mount failed: %s", strerror (errno));
      free (opts);
      return;
    }
  /* Changes through the merged view. */
  unlink (P ("ovl/merged/a"));
  unlink (P ("ovl/merged/keep/gone"));
  tree_remove (P ("ovl/merged/d"));
  mkdir (P ("ovl/merged/d"), 0750);
  write_file (P ("ovl/merged/d/new"), "new", 3, 0600);
  write_file (P ("ovl/merged/keep/z"), "zz", 2, 0644);
  write_file (P ("ovl/merged/top"), "top", 3, 0644);
  {
    /* The lower's layer, then the upper's diff. */
    ok (write_layer (lower, &full, P ("ovl/lower.tgz"), &rl, &err) == 0, "lower layer");
    int rc = write_layer (upper, &o, P ("ovl/upper.tzst"), &r, &err);
    ok (rc == 0, "upper diff layer (%s)", rc ? oci_error_msg (&err) : "ok");
    paths = tar_paths (P ("ovl/upper.tzst"), &names, &dups);
    is_str (paths, ".wh.a\nd/\nd/.wh..wh..opq\nd/new\nkeep/\nkeep/.wh.gone\nkeep/z\ntop\n",
            "diff: whiteouts and the opaque marker");
    free (paths);

    /* lower + diff applied = the merged view. */
    mkdir (P ("ovl/applied"), 0755);
    ok (bld_layer_apply_file (P ("ovl/lower.tgz"), P ("ovl/applied"), &ao, NULL, &err) == 0, "apply lower");
    rc = bld_layer_apply_file (P ("ovl/upper.tzst"), P ("ovl/applied"), &ao, NULL, &err);
    ok (rc == 0, "apply diff (%s)", rc ? oci_error_msg (&err) : "ok");
    want = tree_listing (merged);
    got = tree_listing (P ("ovl/applied"));
    if (!ok (want && got && strcmp (want, got) == 0, "lower + diff equals the merged view"))
      printf ("# want:\n%s# got:\n%s", want, got);
    free (want);
    free (got);

    /* Overlay mode: the diff extracted as a lowerdir; lower + it mounted
     * read-only also equals the merged view. */
    {
      struct bld_layer_apply_options oo = { .allow_devices = true, .overlay = true };
      struct stat st;
      char v[8] = "";
      char *opts2;
      mkdir (P ("ovl/as-lower"), 0755);
      mkdir (P ("ovl/merged2"), 0755);
      rc = bld_layer_apply_file (P ("ovl/upper.tzst"), P ("ovl/as-lower"), &oo, NULL, &err);
      ok (rc == 0, "apply diff in overlay mode (%s)", rc ? oci_error_msg (&err) : "ok");
      ok (lstat (P ("ovl/as-lower/a"), &st) == 0 && S_ISCHR (st.st_mode) && st.st_rdev == makedev (0, 0),
          "overlay mode: whiteout is a 0:0 character device");
      ok (getxattr (P ("ovl/as-lower/d"), "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y',
          "overlay mode: opaque xattr set");
      ok (lstat (P ("ovl/as-lower/d/x"), &st) < 0, "overlay mode: nothing else made");
      if (asprintf (&opts2, "lowerdir=%s:%s", P ("ovl/as-lower"), lower) < 0)
        abort ();
      if (ok (mount ("overlay", P ("ovl/merged2"), "overlay", MS_RDONLY, opts2) == 0, "mount the layer dirs"))
        {
          want = tree_listing (merged);
          got = tree_listing (P ("ovl/merged2"));
          if (!ok (want && got && strcmp (want, got) == 0, "overlay of the extracted layers equals the merged view"))
            printf ("# want:\n%s# got:\n%s", want, got);
          free (want);
          free (got);
          umount (P ("ovl/merged2"));
        }
      free (opts2);
    }
  }
  umount (merged);
  free (opts);
  free (lower);
  free (upper);
  free (work);
  free (merged);
}

int
main (void)
{
  char tmpl[] = "/tmp/test-layer-XXXXXX";
  char *src;

  tmp = mkdtemp (tmpl);
  if (tmp == NULL)
    return 1;
  is_root = bld_devices_allowed ();
  {
    int fd;
    write_file (P ("xattr-probe"), "", 0, 0644);
    fd = setxattr (P ("xattr-probe"), "user.probe", "1", 1, 0);
    user_xattrs = fd == 0;
  }
  if (!is_root)
    diag ("not root in the initial user namespace: devices, owners, trusted xattrs and overlayfs untested");
  if (!user_xattrs)
    diag ("user.* xattrs not supported on %s: xattrs untested", tmp);

  src = strdup (P ("src"));
  make_tree (src, false, 1500000000);
  test_round_trip (src, BLD_COMPRESSION_NONE, "none");
  test_round_trip (src, BLD_COMPRESSION_GZIP, "gzip");
  test_round_trip (src, BLD_COMPRESSION_ZSTD, "zstd");
  test_tar_shape (src);
  test_determinism ();
  test_gzip_interop (src);
  test_unknown_compression ();
  if (is_root)
    test_overlay_diff ();
  else
    ok (true, "# SKIP overlayfs diff: needs root");

  tree_remove (tmp);
  free (src);
  return tap_done ();
}
