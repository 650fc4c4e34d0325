/* Test helper: a canonical text listing of a directory tree, one line per
 * entry sorted by path, with what a layer must carry (type, mode, owner,
 * whole-second mtime, size and content digest, symlink target, device
 * number, xattrs except overlayfs' own, hardlink groups).  Two trees are
 * the same for our purposes when their listings are equal. */
#ifndef TESTS_TREE_WALK_H
#define TESTS_TREE_WALK_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "digest.h"

struct tw_item
{
  char *path;
  struct stat st;
  char *line;
};

static struct tw_item *tw_items;
static size_t tw_len, tw_cap, tw_root_len;

static int
tw_visit (const char *path, const struct stat *st, int type, struct FTW *f)
{
  (void) type;
  (void) f;
  if (strlen (path) == tw_root_len)
    return 0; /* the root itself */
  if (tw_len == tw_cap)
    {
      tw_cap = tw_cap ? tw_cap * 2 : 256;
      tw_items = realloc (tw_items, tw_cap * sizeof *tw_items);
    }
  tw_items[tw_len].path = strdup (path);
  tw_items[tw_len].st = *st;
  tw_items[tw_len].line = NULL;
  tw_len++;
  return 0;
}

static int
tw_cmp (const void *a, const void *b)
{
  return strcmp (((const struct tw_item *) a)->path, ((const struct tw_item *) b)->path);
}

static int
tw_cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* "name=hex;..." of the xattrs of path, overlayfs' left out. */
static char *
tw_xattrs (const char *path)
{
  char list[8192], *names[256];
  ssize_t n = llistxattr (path, list, sizeof list);
  size_t count = 0;
  char *out = strdup ("");
  if (n <= 0)
    return out;
  for (ssize_t i = 0; i < n && count < 256; i += (ssize_t) strlen (list + i) + 1)
    if (strncmp (list + i, "trusted.overlay.", 16) != 0 && strncmp (list + i, "user.overlay.", 13) != 0)
      names[count++] = list + i;
  qsort (names, count, sizeof *names, tw_cmp_str);
  for (size_t i = 0; i < count; i++)
    {
      unsigned char v[4096];
      ssize_t m = lgetxattr (path, names[i], v, sizeof v);
      char *hex = calloc (2 * (m > 0 ? (size_t) m : 0) + 1, 1), *next;
      for (ssize_t j = 0; j < m; j++)
        sprintf (hex + 2 * j, "%02x", v[j]);
      if (asprintf (&next, "%s%s=%s;", out, names[i], hex) < 0)
        abort ();
      free (hex);
      free (out);
      out = next;
    }
  return out;
}

/* The listing of root (newly allocated), or NULL. */
__attribute__ ((unused)) static char *
tree_listing (const char *root)
{
  char *out = strdup ("");
  tw_len = 0;
  tw_root_len = strlen (root);
  if (nftw (root, tw_visit, 64, FTW_PHYS) < 0)
    return NULL;
  qsort (tw_items, tw_len, sizeof *tw_items, tw_cmp);
  for (size_t i = 0; i < tw_len; i++)
    {
      struct tw_item *it = &tw_items[i];
      const char *rel = it->path + tw_root_len + 1;
      char type = '?', extra[8192] = "", *x = tw_xattrs (it->path), *line, *next;
      const char *hl = "";

      if (!S_ISDIR (it->st.st_mode))
        for (size_t j = 0; j < i; j++)
          if (tw_items[j].st.st_ino == it->st.st_ino && tw_items[j].st.st_dev == it->st.st_dev)
            {
              hl = tw_items[j].path + tw_root_len + 1;
              break;
            }
      switch (it->st.st_mode & S_IFMT)
        {
        case S_IFREG:
          {
            char d[OCI_DIGEST_STRING_MAX] = "";
            int fd = open (it->path, O_RDONLY | O_CLOEXEC);
            if (fd >= 0)
              {
                oci_digest_fd (fd, d, NULL, NULL);
                close (fd);
              }
            type = 'f';
            snprintf (extra, sizeof extra, "size=%lld %s", (long long) it->st.st_size, d);
            break;
          }
        case S_IFDIR:
          type = 'd';
          break;
        case S_IFLNK:
          {
            char target[4096];
            ssize_t n = readlink (it->path, target, sizeof target - 1);
            target[n > 0 ? n : 0] = '\0';
            type = 'l';
            snprintf (extra, sizeof extra, "-> %s", target);
            break;
          }
        case S_IFCHR:
        case S_IFBLK:
          type = S_ISCHR (it->st.st_mode) ? 'c' : 'b';
          snprintf (extra, sizeof extra, "rdev=%u:%u", major (it->st.st_rdev), minor (it->st.st_rdev));
          break;
        case S_IFIFO:
          type = 'p';
          break;
        }
      /* Symlink permissions mean nothing on Linux. */
      if (asprintf (&line, "%s %c %04o %u:%u mtime=%lld %s%s%s xattrs=%s\n", rel, type,
                    type == 'l' ? 0777 : (unsigned) (it->st.st_mode & 07777), it->st.st_uid, it->st.st_gid,
                    (long long) it->st.st_mtim.tv_sec, extra, *hl ? " hardlink=" : "", hl, x)
          < 0)
        abort ();
      if (asprintf (&next, "%s%s", out, line) < 0)
        abort ();
      free (line);
      free (out);
      free (x);
      out = next;
    }
  for (size_t i = 0; i < tw_len; i++)
    free (tw_items[i].path);
  free (tw_items);
  tw_items = NULL;
  tw_cap = tw_len = 0;
  return out;
}

/* rm -rf, for the tests' temporary directories. */
static int
tw_rm (const char *path, const struct stat *st, int type, struct FTW *f)
{
  (void) st;
  (void) f;
  if (type == FTW_DP || type == FTW_D)
    return rmdir (path) < 0 && errno != ENOENT ? 0 : 0;
  unlink (path);
  return 0;
}

__attribute__ ((unused)) static void
tree_remove (const char *root)
{
  nftw (root, tw_rm, 64, FTW_PHYS | FTW_DEPTH);
}

/* A path under the test's temporary directory `tmp` (each test defines
 * `static char *tmp` before using this), formatted; the last 16 results
 * stay valid, so several can be used in one call. */
#define P(...) tw_path (tmp, __VA_ARGS__)

static char *__attribute__ ((format (printf, 2, 3), unused)) tw_path (const char *base, const char *fmt, ...)
{
  static char *ring[16];
  static int next;
  char *rel, *p;
  va_list ap;
  va_start (ap, fmt);
  if (vasprintf (&rel, fmt, ap) < 0)
    abort ();
  va_end (ap);
  if (asprintf (&p, "%s/%s", base, rel) < 0)
    abort ();
  free (rel);
  free (ring[next]);
  ring[next] = p;
  next = (next + 1) % 16;
  return p;
}

#endif
