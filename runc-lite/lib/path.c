#include "config.h"
#include "path.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "common/fs.h"
#include "common/root_path.h"
#include "syscalls.h"

/* As many as the kernel follows in one lookup. */
#define MAX_SYMLINKS 40

const char *
rl_fd_path (char buf[RL_FD_PATH_MAX], int fd)
{
  snprintf (buf, RL_FD_PATH_MAX, "/proc/self/fd/%d", fd);
  return buf;
}

_Static_assert(RL_RESOLVE_NO_SYMLINKS == CMN_RESOLVE_NO_SYMLINKS, "the kernel's RESOLVE_NO_SYMLINKS");

int
rl_path_open (int root_fd, const char *path, int oflags, uint64_t extra_resolve)
{
  return cmn_open_in_root (root_fd, path, oflags, extra_resolve);
}

/* The next component of *p (skipping slashes and "."), NUL-terminated in
 * place; NULL at the end. */
static char *
next_component (char **p)
{
  char *s = *p, *e;
  for (;;)
    {
      while (*s == '/')
        s++;
      if (*s == '\0')
        {
          *p = s;
          return NULL;
        }
      e = strchrnul (s, '/');
      if (e - s == 1 && s[0] == '.')
        {
          s = e;
          continue;
        }
      *p = *e ? e + 1 : e;
      *e = '\0';
      return s;
    }
}

/* Where the walk may start: the parent of path's last component when it
 * exists (the common case, one lookup instead of one per component), its
 * text copied into prefix and *rest moved to the last component; else the
 * rootfs itself.  Returns the O_PATH fd of the start, -1 with errno. */
static int
walk_start (int root_fd, char *copy, char **rest, char *prefix)
{
  size_t len = strlen (copy);
  char *slash;

  while (len > 1 && copy[len - 1] == '/')
    copy[--len] = '\0';
  slash = strrchr (copy, '/');
  if (slash != NULL && slash != copy && strcmp (slash + 1, ".") != 0 && strcmp (slash + 1, "..") != 0)
    {
      int fd;
      *slash = '\0';
      fd = rl_path_open (root_fd, copy, O_PATH | O_DIRECTORY, 0);
      if (fd >= 0)
        {
          strcpy (prefix, copy);
          *rest = slash + 1;
          return fd;
        }
      *slash = '/';
    }
  return rl_path_open (root_fd, "/", O_PATH | O_DIRECTORY, 0);
}

/* MISSING: path was just looked up whole and found missing (ENOENT), so
 * when the walk starts at its parent the last component is not looked up
 * again before it is made. */
static int
create_walk (int root_fd, const char *path, bool file, bool missing, int depth, struct oci_error *err)
{
  cleanup_free char *copy = strdup (path);
  cleanup_free char *prefix = calloc (1, strlen (path) + 2);
  cleanup_close int cur = -1;
  char *rest = copy, *comp;

  if (copy == NULL || prefix == NULL)
    return oci_error_set (err, ENOMEM, "resolve %s", path);
  if (depth > MAX_SYMLINKS)
    return oci_error_set (err, ELOOP, "resolve %s in the rootfs", path);
  cur = walk_start (root_fd, copy, &rest, prefix);
  if (cur < 0)
    return oci_error_set (err, errno, "open the rootfs");
  missing = missing && prefix[0] != '\0';

  while ((comp = next_component (&rest)) != NULL)
    {
      bool last = *rest == '\0' || rest[strspn (rest, "/")] == '\0';
      size_t plen = strlen (prefix);
      int fd;

      strcat (strcat (prefix, "/"), comp);
      if (missing)
        {
          fd = -1;
          errno = ENOENT;
          missing = false;
        }
      else
        fd = rl_path_open (root_fd, prefix, O_PATH, 0);
      if (fd < 0 && errno == ENOENT)
        {
          struct stat st;
          int r;

          if (last && file)
            {
              r = openat (cur, comp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
              if (r >= 0)
                close (r);
            }
          else
            r = mkdirat (cur, comp, 0755);
          if (r < 0 && errno != EEXIST)
            return oci_error_set (err, errno, "create %s in the rootfs", prefix);
          if (r < 0 && fstatat (cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode))
            {
              /* A dangling symlink: start again from its target, which
               * is resolved inside the rootfs like everything else. */
              cleanup_free char *target = cmn_readlinkat (cur, comp);
              cleanup_free char *again = NULL;

              if (target == NULL)
                return oci_error_set (err, errno, "readlink %s in the rootfs", prefix);
              prefix[plen] = '\0';
              if (asprintf (&again, "%s%s%s/%s", target[0] == '/' ? "" : prefix, target[0] == '/' ? "" : "/", target,
                            rest)
                  < 0)
                return oci_error_set (err, ENOMEM, "resolve %s", path);
              return create_walk (root_fd, again, file, false, depth + 1, err);
            }
          fd = rl_path_open (root_fd, prefix, O_PATH, 0);
        }
      if (fd < 0)
        {
          if (errno == EXDEV)
            return oci_error_set (err, 0, "%s resolves outside the rootfs", prefix);
          return oci_error_set (err, errno, "open %s in the rootfs", prefix);
        }
      close (cur);
      cur = fd;
    }
  return steal_fd (&cur);
}

int
rl_path_create (int root_fd, const char *path, bool file, struct oci_error *err)
{
  /* Most targets exist (an image's /proc, /dev, ...): one lookup. */
  int fd = rl_path_open (root_fd, path, O_PATH, 0);
  if (fd >= 0)
    return fd;
  return create_walk (root_fd, path, file, errno == ENOENT, 0, err);
}
