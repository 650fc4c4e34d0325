#include "config.h"
#include "common/root_path.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/fs.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* struct open_how (linux/openat2.h), spelled out: the build does not need
 * the header. */
struct cmn_open_how
{
  uint64_t flags;
  uint64_t mode;
  uint64_t resolve;
};

#define RESOLVE_NO_MAGICLINKS_ 0x02
#define RESOLVE_IN_ROOT_ 0x10
/* As many as the kernel follows in one lookup. */
#define MAX_SYMLINKS 40

bool cmn_openat2_disabled;

/* The walk: the directories from the root down to where it is (a ".."
 * closes the top one, never the root's), and the path still to go. */
struct walk
{
  int *dirs;
  size_t depth, cap;
  char *rest;
  int links;
  uint64_t resolve;
  dev_t dev; /* the root's, for NO_XDEV */
};

static int
walk_push (struct walk *w, int fd)
{
  if (w->depth == w->cap)
    {
      size_t cap = w->cap ? w->cap * 2 : 16;
      int *d = realloc (w->dirs, cap * sizeof *d);
      if (d == NULL)
        {
          close (fd);
          errno = ENOMEM;
          return -1;
        }
      w->dirs = d;
      w->cap = cap;
    }
  w->dirs[w->depth++] = fd;
  return 0;
}

static void
walk_pop_to (struct walk *w, size_t depth)
{
  while (w->depth > depth)
    close (w->dirs[--w->depth]);
}

/* The next component of w->rest, NUL-terminated in place (NULL at the
 * end); *last tells whether only slashes follow it, *slash whether one
 * does. */
static char *
walk_next (struct walk *w, char **after, bool *last, bool *slash)
{
  char *p = w->rest, *comp;
  while (*p == '/')
    p++;
  if (*p == '\0')
    return NULL;
  comp = p;
  p = strchrnul (p, '/');
  *slash = *p == '/';
  if (*p)
    *p++ = '\0';
  *after = p;
  *last = p[strspn (p, "/")] == '\0';
  return comp;
}

/* The symlink comp (under the top directory) replaces itself in the
 * path: its target, then what came after it. */
static int
walk_follow (struct walk *w, const char *comp, const char *after, bool slash)
{
  char *target, *next;
  int r;

  if ((w->resolve & CMN_RESOLVE_NO_SYMLINKS) || ++w->links > MAX_SYMLINKS)
    {
      errno = ELOOP;
      return -1;
    }
  target = cmn_readlinkat (w->dirs[w->depth - 1], comp);
  if (target == NULL)
    return -1;
  if (target[0] == '/' && (w->resolve & CMN_RESOLVE_BENEATH))
    {
      free (target);
      errno = EXDEV;
      return -1;
    }
  if (target[0] == '/')
    walk_pop_to (w, 1);
  r = asprintf (&next, "%s%s%s", target, slash ? "/" : "", after);
  free (target);
  if (r < 0)
    {
      errno = ENOMEM;
      return -1;
    }
  free (w->rest);
  w->rest = next;
  return 0;
}

/* One component: "." stays, ".." goes up (not above the root), a
 * directory is entered, a symlink followed; the last one is opened with
 * flags and returned.  -2: go on; -1: failed (errno). */
static int
walk_step (struct walk *w, int flags)
{
  char *after, *comp;
  bool last, slash;
  struct stat st;
  int top, fd;

  comp = walk_next (w, &after, &last, &slash);
  if (comp == NULL)
    return openat (w->dirs[w->depth - 1], ".", flags);
  top = w->dirs[w->depth - 1];
  if (strcmp (comp, "..") == 0 && w->depth == 1 && (w->resolve & CMN_RESOLVE_BENEATH))
    {
      errno = EXDEV;
      return -1;
    }
  if (strcmp (comp, "..") == 0)
    walk_pop_to (w, w->depth > 1 ? w->depth - 1 : 1);
  if (strcmp (comp, ".") == 0 || strcmp (comp, "..") == 0)
    {
      memmove (w->rest, after, strlen (after) + 1);
      return -2;
    }
  fd = openat (top, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &st) < 0)
    {
      int e = errno;
      if (fd >= 0)
        close (fd);
      errno = e;
      return -1;
    }
  if ((w->resolve & CMN_RESOLVE_NO_XDEV) && st.st_dev != w->dev)
    {
      close (fd);
      errno = EXDEV;
      return -1;
    }
  if (S_ISLNK (st.st_mode) && !(last && !slash && (flags & O_NOFOLLOW)))
    {
      close (fd);
      return walk_follow (w, comp, after, slash) < 0 ? -1 : -2;
    }
  if (last)
    {
      close (fd);
      return openat (top, comp, flags | O_NOFOLLOW | (slash ? O_DIRECTORY : 0));
    }
  if (!S_ISDIR (st.st_mode))
    {
      close (fd);
      errno = ENOTDIR;
      return -1;
    }
  memmove (w->rest, after, strlen (after) + 1);
  return walk_push (w, fd) < 0 ? -1 : -2;
}

/* RESOLVE_IN_ROOT by hand. */
static int
walk_in_root (int rootfd, const char *path, int flags, uint64_t resolve)
{
  struct walk w = { .resolve = resolve };
  struct stat st;
  int fd, saved;

  if ((resolve & CMN_RESOLVE_BENEATH) && path[0] == '/')
    {
      errno = EXDEV;
      return -1;
    }
  w.rest = strdup (path);
  fd = w.rest ? openat (rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
  if (fd >= 0 && fstat (fd, &st) < 0)
    {
      saved = errno;
      close (fd);
      errno = saved;
      fd = -1;
    }
  if (fd >= 0)
    {
      w.dev = st.st_dev;
      if (walk_push (&w, fd) < 0)
        fd = -1;
      else
        do
          fd = walk_step (&w, flags);
        while (fd == -2);
    }
  saved = w.rest ? errno : ENOMEM;
  walk_pop_to (&w, 0);
  free (w.dirs);
  free (w.rest);
  errno = saved;
  return fd;
}

int
cmn_open_in_root (int rootfd, const char *path, int flags, uint64_t extra_resolve)
{
  static bool no_openat2;
  int fd;

  flags |= O_CLOEXEC;
  if (!no_openat2 && !cmn_openat2_disabled)
    {
      /* BENEATH stands instead of IN_ROOT. */
      uint64_t in_root = (extra_resolve & CMN_RESOLVE_BENEATH) ? 0 : RESOLVE_IN_ROOT_;
      struct cmn_open_how how = { .flags = (uint64_t) flags,
                                  .resolve = in_root | RESOLVE_NO_MAGICLINKS_ | extra_resolve };
      do
        fd = (int) syscall (SYS_openat2, rootfd, *path ? path : ".", &how, sizeof how);
      while (fd < 0 && (errno == EAGAIN || errno == EINTR));
      if (fd >= 0 || errno != ENOSYS)
        return fd;
      no_openat2 = true;
    }
  return walk_in_root (rootfd, path, flags, extra_resolve);
}
