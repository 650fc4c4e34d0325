/* The toolbox (common/): each helper on its own, in a scratch directory. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cleanup.h"
#include "common/fs.h"
#include "common/inode_names.h"
#include "common/mountinfo.h"
#include "common/root_path.h"
#include "common/size.h"
#include "common/strv.h"
#include "tap.h"

static int scratch = -1;

static void
test_readlinkat (void)
{
  char long_target[1000];
  memset (long_target, 'x', sizeof long_target - 1);
  long_target[sizeof long_target - 1] = '\0';

  ok (symlinkat ("short", scratch, "l1") == 0 && symlinkat (long_target, scratch, "l2") == 0, "symlinks made");
  cleanup_free char *a = cmn_readlinkat (scratch, "l1");
  cleanup_free char *b = cmn_readlinkat (scratch, "l2");
  is_str (a, "short", "readlinkat: a short target");
  ok (b && strcmp (b, long_target) == 0, "readlinkat: a target longer than the first buffer");
  errno = 0;
  ok (cmn_readlinkat (scratch, "missing") == NULL && errno == ENOENT, "readlinkat: ENOENT for a missing name");
  ok (mkdirat (scratch, "d", 0755) == 0, "a directory");
  errno = 0;
  ok (cmn_readlinkat (scratch, "d") == NULL && errno == EINVAL, "readlinkat: EINVAL for a non-symlink");
}

/* A file of n bytes of a pattern under scratch; its fd (read-only). */
static int
pattern_file (const char *name, size_t n)
{
  int fd = openat (scratch, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  for (size_t i = 0; fd >= 0 && i < n; i++)
    {
      char c = (char) ('a' + i % 23);
      if (write (fd, &c, 1) != 1)
        return -1;
    }
  return fd < 0 || lseek (fd, 0, SEEK_SET) < 0 ? -1 : fd;
}

/* The file at out's fd is pattern bytes from..from+n. */
static bool
has_pattern (int out, size_t from, size_t n)
{
  struct stat st;
  if (fstat (out, &st) < 0 || (size_t) st.st_size != n || lseek (out, 0, SEEK_SET) < 0)
    return false;
  for (size_t i = 0; i < n; i++)
    {
      char c;
      if (read (out, &c, 1) != 1 || c != (char) ('a' + (from + i) % 23))
        return false;
    }
  return true;
}

static void
test_copy_data (void)
{
  const size_t big = 200000;
  int in = pattern_file ("src", big), out = openat (scratch, "dst1", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  int pipefd[2];

  ok (cmn_copy_data (in, out, (off_t) big) == 0 && has_pattern (out, 0, big), "copy_data: a whole file");
  close (out);
  /* The size is a hint: a file that grew past it is copied to its end. */
  out = openat (scratch, "dst2", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ok (lseek (in, 7, SEEK_SET) == 7 && cmn_copy_data (in, out, 10) == 0 && has_pattern (out, 7, big - 7),
      "copy_data: from the offset to the end, past the size given");
  close (out);
  /* A pipe (copy_file_range refuses it): read and write. */
  out = openat (scratch, "dst3", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ok (pipe (pipefd) == 0 && write (pipefd[1], "abcdefg", 7) == 7 && close (pipefd[1]) == 0
          && cmn_copy_data (pipefd[0], out, 7) == 0 && has_pattern (out, 0, 7),
      "copy_data: from a pipe, by read and write");
  close (pipefd[0]);
  close (out);
  out = openat (scratch, "dst1", O_RDONLY | O_CLOEXEC);
  errno = 0;
  ok (lseek (in, 0, SEEK_SET) == 0 && cmn_copy_data (in, out, (off_t) big) < 0 && errno == EBADF,
      "copy_data: EBADF for an output not open for writing");
  close (out);
  close (in);
}

static void
test_readdir (void)
{
  int fd = -1;
  DIR *d = NULL;
  size_t seen = 0;
  bool dots = false;
  struct dirent *de;

  ok (mkdirat (scratch, "rd", 0755) == 0 && mkdirat (scratch, "rd/sub", 0755) == 0
          && symlinkat ("x", scratch, "rd/lnk") == 0 && (fd = openat (scratch, "rd", O_RDONLY | O_DIRECTORY)) >= 0
          && (d = fdopendir (fd)) != NULL,
      "readdir: a directory of two entries");
  while (d && (de = cmn_readdir (d)) != NULL)
    {
      seen++;
      dots = dots || strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0;
    }
  ok (seen == 2 && !dots && errno == 0, "readdir: both entries, no dots, errno 0 at the end");
  if (d)
    closedir (d);
  d = opendir ("/proc/self/fd");
  ok (d != NULL && cmn_readdir (d) != NULL, "readdir: /proc/self/fd has entries");
  if (d)
    closedir (d);
}

static void
test_file_starts_with (void)
{
  char path[64];
  int fd = openat (scratch, "switch", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ok (fd >= 0 && write (fd, "deny\n", 5) == 5 && close (fd) == 0, "a switch file");
  ok (fcntl (scratch, F_GETFD) >= 0 && snprintf (path, sizeof path, "/proc/self/fd/%d/switch", scratch) > 0,
      "its path");
  ok (cmn_file_starts_with (path, "deny") && cmn_file_starts_with (path, ""), "file_starts_with: the prefix");
  ok (!cmn_file_starts_with (path, "deny\nmore") && !cmn_file_starts_with (path, "allow"),
      "file_starts_with: longer than the file, another word");
  ok (!cmn_file_starts_with ("/nonexistent/switch", ""), "file_starts_with: false for a missing file");
}

static void
test_xattrs (const char *dir)
{
  char path[4096];
  char big[3000];
  cleanup_free char *list = NULL, *v = NULL, *none = NULL, *missing = NULL;
  size_t n = 1, vl = 0, nn = 1;
  int fd;

  memset (big, 'v', sizeof big);
  snprintf (path, sizeof path, "%s/xattrs", dir);
  fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ok (fd >= 0 && close (fd) == 0, "xattrs: a file");
  ok (cmn_llistxattr (path, &none, &nn) == 0 && none == NULL && nn == 0, "llistxattr: none: NULL, 0");
  ok (lsetxattr (path, "trusted.overlay.opaque", "y", 1, 0) == 0
          && lsetxattr (path, "user.big", big, sizeof big, 0) == 0,
      "xattrs set (trusted.overlay.opaque, a 3000-byte user.big)");
  ok (cmn_llistxattr (path, &list, &n) == 0 && list && n == sizeof "trusted.overlay.opaque" + sizeof "user.big"
          && cmn_xattr_is_overlay (list) != cmn_xattr_is_overlay (list + strlen (list) + 1),
      "llistxattr: both names, one of them overlayfs's");
  ok (cmn_lgetxattr (path, "user.big", &v, &vl) == 0 && vl == sizeof big && memcmp (v, big, vl) == 0 && v[vl] == '\0',
      "lgetxattr: a 3000-byte value, NUL after it");
  ok (cmn_lgetxattr (path, "user.absent", &missing, &vl) == 0 && missing == NULL && vl == 0,
      "lgetxattr: an absent name: NULL");
  errno = 0;
  ok (cmn_llistxattr ("/nonexistent/x", &missing, &vl) < 0 && errno == ENOENT, "llistxattr: ENOENT");
  ok (cmn_xattr_is_overlay ("user.overlay.redirect") && !cmn_xattr_is_overlay ("user.overlayx")
          && !cmn_xattr_is_overlay ("security.capability"),
      "xattr_is_overlay: trusted.overlay.* and user.overlay.* only");
}

static void
test_strv_cmp (void)
{
  const char *v[] = { "b", "a", "ab", "" };
  const char *c[] = { "z", "y" };
  qsort (v, 4, sizeof *v, cmn_strv_cmp);
  qsort (c, 2, sizeof *c, cmn_strv_cmp);
  ok (strcmp (v[0], "") == 0 && strcmp (v[1], "a") == 0 && strcmp (v[2], "ab") == 0 && strcmp (v[3], "b") == 0
          && strcmp (c[0], "y") == 0,
      "strv_cmp: qsort in strcmp's order");
}

static void
test_inode_names (void)
{
  struct cmn_inode_names m = CMN_INODE_NAMES_INIT;
  char name[32];
  bool all = true;

  ok (cmn_inode_names_find (&m, 1, 1) == NULL, "inode_names: nothing in an empty table");
  /* Enough entries to grow the table several times; two devices share
   * inode numbers. */
  for (int i = 0; i < 5000 && all; i++)
    {
      snprintf (name, sizeof name, "f%d", i);
      all = cmn_inode_names_put (&m, (dev_t) (i % 2), (ino_t) (i / 2), name) != NULL;
    }
  ok (all && m.len == 5000, "inode_names: 5000 entries put");
  all = true;
  for (int i = 0; i < 5000 && all; i++)
    {
      snprintf (name, sizeof name, "f%d", i);
      const struct cmn_inode_name *e = cmn_inode_names_find (&m, (dev_t) (i % 2), (ino_t) (i / 2));
      all = e != NULL && strcmp (e->path, name) == 0 && e->dev == (dev_t) (i % 2) && e->ino == (ino_t) (i / 2);
    }
  ok (all, "inode_names: each found by (device, inode) after growing");
  ok (cmn_inode_names_find (&m, 2, 0) == NULL && cmn_inode_names_find (&m, 0, 2500) == NULL,
      "inode_names: an unknown device or inode is not found");
  struct cmn_inode_name *e = cmn_inode_names_put (&m, 1, 7, "again");
  ok (e != NULL && m.len == 5000 && strcmp (cmn_inode_names_find (&m, 1, 7)->path, "again") == 0,
      "inode_names: a second put replaces the name, no new entry");
  e->made_dev = 9;
  e->made_ino = 10;
  e = cmn_inode_names_find (&m, 1, 7);
  ok (e->made_dev == 9 && e->made_ino == 10, "inode_names: the caller's made_dev/made_ino are kept");
  cmn_inode_names_clear (&m);
  ok (m.len == 0 && m.cap == 0 && cmn_inode_names_find (&m, 1, 7) == NULL, "inode_names: clear empties");
}

static void
test_csv_has_all (void)
{
  ok (cmn_csv_has_all ("rw,cpu,cpuacct", "cpu,cpuacct") && cmn_csv_has_all ("rw,cpu,cpuacct", "cpuacct")
          && cmn_csv_has_all ("rw,cpu", ",cpu,,") && cmn_csv_has_all ("rw", ""),
      "csv_has_all: every word found (empty words ignored)");
  ok (!cmn_csv_has_all ("rw,cpuacct", "cpu") && !cmn_csv_has_all ("rw,cpu", "cpu,memory")
          && !cmn_csv_has_all ("", "cpu") && !cmn_csv_has_all ("rw,xcpu", "cpu")
          && !cmn_csv_has_all ("rw,cpux", "cpu"),
      "csv_has_all: whole words only, every one of them");
}

static void
test_strv (void)
{
  char **v = NULL, **c = NULL;
  size_t n = 0, cn = 0;
  bool pushed = true;
  char name[16];

  for (int i = 0; i < 100; i++)
    {
      snprintf (name, sizeof name, "s%d", i);
      pushed = pushed && cmn_strv_push (&v, &n, name) == 0;
    }
  ok (pushed && n == 100 && strcmp (v[0], "s0") == 0 && strcmp (v[99], "s99") == 0 && v[100] == NULL,
      "strv_push: 100 copies, NULL-terminated");
  char *a[] = { "a", "b" }, *b[] = { "c" };
  c = cmn_strv_concat (a, 2, b, 1);
  ok (c && strcmp (c[0], "a") == 0 && strcmp (c[2], "c") == 0 && c[3] == NULL && c[0] != a[0],
      "strv_concat: copies of both, NULL-terminated");
  cmn_strv_free_n (c, 3);
  c = cmn_strv_copy (NULL, 0);
  ok (c && c[0] == NULL, "strv_copy: an empty vector is {NULL}");
  cmn_strv_free_n (c, 0);
  c = NULL;
  ok (cmn_strv_push (&c, &cn, "old") == 0 && cmn_strv_replace (&c, &cn, a, 2) == 0 && cn == 2
          && strcmp (c[1], "b") == 0 && c[2] == NULL,
      "strv_replace: the old vector replaced by a copy");
  cmn_strv_clear (&c, &cn);
  cmn_strv_clear (&v, &n);
  ok (v == NULL && n == 0 && c == NULL && cn == 0, "strv_clear empties");
  cmn_strv_free_n (NULL, 3);
}

static void
test_mkdir_remove (const char *dir)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *deep = NULL, *file = NULL, *under_file = NULL;
  struct stat st;

  if (asprintf (&deep, "%s/t/a/b/c", dir) < 0 || asprintf (&file, "%s/t/a/f", dir) < 0
      || asprintf (&under_file, "%s/t/a/f/x", dir) < 0)
    return;
  ok (cmn_mkdir_p (deep, 0700, &err) == 0 && stat (deep, &st) == 0 && S_ISDIR (st.st_mode)
          && (st.st_mode & 0777) == 0700,
      "mkdir_p: every missing component, with the mode");
  ok (cmn_mkdir_p (deep, 0700, &err) == 0, "mkdir_p: an existing directory is fine");
  int fd = open (file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  close (fd);
  ok (cmn_mkdir_p (under_file, 0700, &err) < 0 && err.errnum == ENOTDIR, "mkdir_p: a file on the way: ENOTDIR");
  ok (strstr (oci_error_msg (&err), "/t/a/f/x") != NULL, "mkdir_p: the error names the path (%s)",
      oci_error_msg (&err));
  oci_error_clear (&err);

  /* A symlink in the tree pointing outside it: removed, its target kept. */
  ok (symlinkat ("../../root/etc", scratch, "t/a/b/out") == 0, "a symlink out of the tree");
  ok (cmn_remove_tree_at (scratch, "t", false) == 0 && fstatat (scratch, "t", &st, AT_SYMLINK_NOFOLLOW) < 0
          && errno == ENOENT,
      "remove_tree_at: the whole tree");
  ok (fstatat (scratch, "root/etc/passwd", &st, 0) == 0, "remove_tree_at: a symlink's target is not touched");
  ok (cmn_remove_tree_at (scratch, "t", false) == 0, "remove_tree_at: a missing name is success");
  ok (symlinkat ("root", scratch, "lnk") == 0 && cmn_remove_tree_at (scratch, "lnk", true) == 0
          && fstatat (scratch, "root/etc/passwd", &st, 0) == 0,
      "remove_tree_at: a symlink as the top is removed, not followed");
}

static void
test_mountinfo (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  struct cmn_mountinfo_list l = { 0 };
  char path[] = "/tmp/test-common-mi-XXXXXX";
  int fd = mkstemp (path);
  const char *text = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
                     "garbage\n"
                     "23 22 0:5 / /proc rw - proc proc rw\n"
                     "24 22 0:6 /sub /mnt/with\\040space rw shared:2 master:3 - tmpfs tmp\\040fs rw,size=1k\n";
  ok (fd >= 0 && write (fd, text, strlen (text)) == (ssize_t) strlen (text), "a mountinfo file");
  close (fd);
  ok (cmn_mountinfo_read (path, &l, &err) == 0 && l.len == 3, "mountinfo: three entries, the bad line skipped");
  if (l.len == 3)
    {
      is_str (l.v[2].mount_point, "/mnt/with space", "mountinfo: the mount point unescaped");
      is_str (l.v[2].source, "tmp fs", "mountinfo: the source unescaped");
      is_str (l.v[2].root, "/sub", "mountinfo: the root");
      is_str (l.v[2].optional, "shared:2 master:3", "mountinfo: the optional fields");
      is_str (l.v[0].fstype, "ext4", "mountinfo: the type");
      is_str (l.v[2].super_opts, "rw,size=1k", "mountinfo: the super options");
      is_str (cmn_mountinfo_find (&l, "/proc/self")->mount_point, "/proc", "mountinfo: find the topmost");
      is_str (cmn_mountinfo_find (&l, "/procfs")->mount_point, "/", "mountinfo: find by components, not bytes");
    }
  cmn_mountinfo_free (&l);
  unlink (path);
  ok (cmn_mountinfo_read ("/nonexistent/mountinfo", &l, &err) < 0 && err.errnum == ENOENT,
      "mountinfo: a missing file is an error");
  oci_error_clear (&err);
}

/* Whether fd is the same file as name under dir. */
static bool
same_file (int fd, int dir, const char *name)
{
  struct stat a, b;
  return fd >= 0 && fstat (fd, &a) == 0 && fstatat (dir, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev
         && a.st_ino == b.st_ino;
}

/* Opens path in the root and says whether it is name (under the root). */
static bool
opens_as (int root, const char *path, int flags, uint64_t resolve, const char *name)
{
  int fd = cmn_open_in_root (root, path, flags, resolve);
  bool same = same_file (fd, root, name);
  if (fd >= 0)
    close (fd);
  return same;
}

/* Fails with the errno want. */
static bool
fails_with (int root, const char *path, int flags, uint64_t resolve, int want)
{
  errno = 0;
  int fd = cmn_open_in_root (root, path, flags, resolve);
  if (fd >= 0)
    {
      close (fd);
      return false;
    }
  if (errno != want)
    diag ("%s: errno %d (%s), want %d", path, errno, strerror (errno), want);
  return errno == want;
}

static void
test_open_in_root (const char *mode)
{
  cleanup_close int root = openat (scratch, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int host_etc = -1;

  ok (root >= 0, "%s: the root", mode);
  ok (opens_as (root, "", O_PATH, 0, ".") && opens_as (root, "/", O_PATH, 0, "."), "%s: \"\" and / are the root",
      mode);
  ok (opens_as (root, "etc/passwd", O_RDONLY, 0, "etc/passwd"), "%s: a plain path", mode);
  ok (opens_as (root, "/../../etc/./passwd", O_RDONLY, 0, "etc/passwd"), "%s: .. stops at the root", mode);
  ok (opens_as (root, "abs/passwd", O_RDONLY, 0, "etc/passwd"), "%s: an absolute symlink stays inside", mode);
  ok (opens_as (root, "rel/passwd", O_RDONLY, 0, "etc/passwd"), "%s: a relative symlink climbing out stays inside",
      mode);
  ok (opens_as (root, "etc/link", O_RDONLY, 0, "etc/passwd"), "%s: a trailing symlink is followed", mode);
  ok (opens_as (root, "etc/link", O_PATH | O_NOFOLLOW, 0, "etc/link"), "%s: O_PATH|O_NOFOLLOW opens the link", mode);
  ok (fails_with (root, "etc/link", O_RDONLY | O_NOFOLLOW, 0, ELOOP), "%s: O_NOFOLLOW on a link: ELOOP", mode);
  ok (opens_as (root, "abs/", O_PATH, 0, "etc"), "%s: a trailing slash follows the link", mode);
  ok (opens_as (root, "sub/up/etc/../etc/passwd", O_RDONLY, 0, "etc/passwd"),
      "%s: .. after a symlink goes up from its target", mode);
  ok (fails_with (root, "abs/passwd", O_RDONLY, CMN_RESOLVE_NO_SYMLINKS, ELOOP), "%s: NO_SYMLINKS refuses a link",
      mode);
  ok (opens_as (root, "etc/passwd", O_RDONLY, CMN_RESOLVE_NO_SYMLINKS, "etc/passwd"), "%s: NO_SYMLINKS without links",
      mode);
  ok (fails_with (root, "loop", O_RDONLY, 0, ELOOP), "%s: a symlink loop: ELOOP", mode);
  ok (fails_with (root, "etc/missing", O_RDONLY, 0, ENOENT), "%s: missing: ENOENT", mode);
  ok (fails_with (root, "etc/passwd/x", O_RDONLY, 0, ENOTDIR), "%s: a file on the way: ENOTDIR", mode);
  ok (fails_with (root, "etc/passwd/", O_RDONLY, 0, ENOTDIR), "%s: a file with a trailing slash: ENOTDIR", mode);
  ok (fails_with (root, "etc", O_RDONLY | O_DIRECTORY, 0, 0) == false
          && opens_as (root, "etc", O_RDONLY | O_DIRECTORY, 0, "etc"),
      "%s: a directory with O_DIRECTORY", mode);
  ok (fails_with (root, "../etc/passwd", O_RDONLY, CMN_RESOLVE_BENEATH, EXDEV)
          && fails_with (root, "/etc/passwd", O_RDONLY, CMN_RESOLVE_BENEATH, EXDEV)
          && fails_with (root, "abs/passwd", O_RDONLY, CMN_RESOLVE_BENEATH, EXDEV),
      "%s: BENEATH refuses .., absolute paths and absolute links", mode);
  ok (opens_as (root, "etc/../etc/passwd", O_RDONLY, CMN_RESOLVE_BENEATH, "etc/passwd"),
      "%s: BENEATH: .. that stays below", mode);
  {
    cleanup_close int slash = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    ok (fails_with (slash, "proc/self", O_PATH, CMN_RESOLVE_NO_XDEV, EXDEV), "%s: NO_XDEV refuses a mount on the way",
        mode);
    ok (opens_as (slash, "etc", O_PATH, CMN_RESOLVE_NO_XDEV, "etc"), "%s: NO_XDEV within one mount", mode);
  }
  /* The link's target exists outside the root too: it is never what opens. */
  host_etc = openat (scratch, "etc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  int fd = cmn_open_in_root (root, "rel/outside-only", O_RDONLY, 0);
  ok (fd < 0 && errno == ENOENT && host_etc >= 0, "%s: a file only outside the root is not found", mode);
  if (fd >= 0)
    close (fd);
}

static void
make_root (void)
{
  int fd;
  ok (mkdirat (scratch, "root", 0755) == 0 && mkdirat (scratch, "root/etc", 0755) == 0
          && mkdirat (scratch, "root/sub", 0755) == 0 && mkdirat (scratch, "etc", 0755) == 0,
      "root directories");
  fd = openat (scratch, "root/etc/passwd", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  ok (fd >= 0 && write (fd, "root\n", 5) == 5, "root/etc/passwd");
  close (fd);
  fd = openat (scratch, "etc/outside-only", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  close (fd);
  ok (symlinkat ("/etc", scratch, "root/abs") == 0 && symlinkat ("../../../../etc", scratch, "root/rel") == 0
          && symlinkat ("passwd", scratch, "root/etc/link") == 0 && symlinkat ("loop", scratch, "root/loop") == 0
          && symlinkat ("..", scratch, "root/sub/up") == 0,
      "root symlinks");
}

static void
test_parse_size (void)
{
  static const struct
  {
    const char *text;
    int64_t want; /* -1: refused */
  } cases[] = {
    { "0", 0 },          { "4096", 4096 },
    { "1k", 1024 },      { "1KB", 1024 },
    { "1kib", 1024 },    { "512m", 512 << 20 },
    { "1.5g", 3 << 29 }, { "2T", INT64_C (2) << 40 },
    { "3b", 3 },         { "1p", INT64_C (1) << 50 },
    { "", -1 },          { "k", -1 },
    { "-1", -1 },        { "1x", -1 },
    { "1kx", -1 },       { "nan", -1 },
    { "inf", -1 },       { " 1", -1 },
    { "1bb", -1 },       { "9000p", -1 },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      int64_t v = -7;
      int r = cmn_parse_size (cases[i].text, &v);
      if (cases[i].want < 0)
        ok (r < 0 && (errno == EINVAL || errno == ERANGE) && v == -7, "parse_size: \"%s\" refused", cases[i].text);
      else
        ok (r == 0 && v == cases[i].want, "parse_size: \"%s\" is %lld", cases[i].text, (long long) cases[i].want);
    }
}

int
main (void)
{
  char dir[] = "/tmp/test-common-XXXXXX";
  if (mkdtemp (dir) == NULL || (scratch = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
    {
      perror ("scratch directory");
      return 1;
    }
  test_readlinkat ();
  test_strv ();
  test_strv_cmp ();
  test_csv_has_all ();
  test_inode_names ();
  test_copy_data ();
  test_readdir ();
  test_file_starts_with ();
  make_root ();
  test_open_in_root ("openat2");
  cmn_openat2_disabled = true;
  test_open_in_root ("walk");
  cmn_openat2_disabled = false;
  test_mkdir_remove (dir);
  test_xattrs (dir);
  test_mountinfo ();
  test_parse_size ();
  close (scratch);
  ok (cmn_remove_tree_at (AT_FDCWD, dir, true) == 0 && access (dir, F_OK) < 0,
      "remove_tree_at: the scratch directory");
  return tap_done ();
}
