#include "config.h"
#include "common/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"

char *
cmn_readlinkat (int dirfd, const char *name)
{
  size_t size = 128;
  for (;;)
    {
      char *buf = malloc (size);
      ssize_t n;
      if (buf == NULL)
        return NULL;
      n = readlinkat (dirfd, name, buf, size);
      if (n < 0)
        {
          int saved = errno;
          free (buf);
          errno = saved;
          return NULL;
        }
      if ((size_t) n < size)
        {
          buf[n] = '\0';
          return buf;
        }
      free (buf);
      size *= 2;
    }
}

struct dirent *
cmn_readdir (DIR *d)
{
  for (;;)
    {
      struct dirent *de;
      errno = 0;
      de = readdir (d);
      if (de == NULL || (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0))
        return de;
    }
}

bool
cmn_file_starts_with (const char *path, const char *prefix)
{
  cleanup_free char *text = NULL;

  if (oci_read_file (path, 64, &text, NULL, NULL) < 0)
    return false;
  return strncmp (text, prefix, strlen (prefix)) == 0;
}

/* One llistxattr or lgetxattr (name NULL: the list) into a buffer grown
 * to fit. */
static int
xattr_read (const char *path, const char *name, char **out, size_t *len)
{
  *out = NULL;
  *len = 0;
  for (;;)
    {
      ssize_t n = name ? lgetxattr (path, name, NULL, 0) : llistxattr (path, NULL, 0);
      char *buf;
      if (n < 0)
        return errno == ENODATA || errno == ENOTSUP ? 0 : -1;
      if (n == 0 && name == NULL)
        return 0;
      buf = malloc ((size_t) n + 1);
      if (buf == NULL)
        return -1;
      n = name ? lgetxattr (path, name, buf, (size_t) n) : llistxattr (path, buf, (size_t) n);
      if (n >= 0)
        {
          buf[n] = '\0';
          *out = buf;
          *len = (size_t) n;
          return 0;
        }
      int saved = errno;
      free (buf);
      errno = saved;
      if (errno != ERANGE)
        return errno == ENODATA || errno == ENOTSUP ? 0 : -1;
    }
}

int
cmn_llistxattr (const char *path, char **out, size_t *len)
{
  return xattr_read (path, NULL, out, len);
}

int
cmn_lgetxattr (const char *path, const char *name, char **out, size_t *len)
{
  return xattr_read (path, name, out, len);
}

bool
cmn_xattr_is_overlay (const char *name)
{
  return strncmp (name, "trusted.overlay.", 16) == 0 || strncmp (name, "user.overlay.", 13) == 0;
}

int
cmn_copy_data (int in, int out, off_t size)
{
  char buf[65536];

  while (size > 0)
    {
      ssize_t n = copy_file_range (in, NULL, out, NULL, (size_t) size, 0);
      if (n > 0)
        {
          size -= n;
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
        return -1;
      break; /* the end, or copy_file_range does not apply here */
    }
  for (;;)
    {
      ssize_t n = read (in, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return (int) n;
      if (oci_write_all (out, buf, (size_t) n) < 0)
        return -1;
    }
}

int
cmn_mkdir_p (const char *path, mode_t mode, struct oci_error *err)
{
  cleanup_free char *copy = NULL;
  /* Mostly only the last component is missing: one mkdir then. */
  if (mkdir (path, mode) == 0 || errno == EEXIST)
    return 0;
  if (errno != ENOENT)
    return oci_error_set (err, errno, "mkdir %s", path);
  copy = strdup (path);
  if (copy == NULL)
    return oci_error_set (err, ENOMEM, "mkdir %s", path);
  for (char *p = copy + 1;; p++)
    {
      if (*p == '/' || *p == '\0')
        {
          char saved = *p;
          *p = '\0';
          if (mkdir (copy, mode) < 0 && errno != EEXIST)
            return oci_error_set (err, errno, "mkdir %s", copy);
          *p = saved;
          if (saved == '\0')
            break;
        }
    }
  return 0;
}

/* The entries of the directory fd (taken over), each removed. */
static int
remove_entries (int fd, dev_t dev, bool one_fs)
{
  cleanup_closedir DIR *d = fdopendir (fd);
  struct dirent *de;

  if (d == NULL)
    {
      int e = errno;
      close (fd);
      errno = e;
      return -1;
    }
  while ((de = cmn_readdir (d)) != NULL)
    {
      struct stat st;
      if (one_fs && fstatat (dirfd (d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev != dev)
        continue; /* another filesystem: left, so the rmdir above fails */
      if (cmn_remove_tree_at (dirfd (d), de->d_name, one_fs) < 0)
        return -1;
    }
  return 0;
}

int
cmn_remove_tree_at (int dirfd, const char *name, bool one_fs)
{
  struct stat st;

  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : -1;
  if (S_ISDIR (st.st_mode))
    {
      int fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        return errno == ENOENT ? 0 : -1;
      if (remove_entries (fd, st.st_dev, one_fs) < 0)
        return -1;
      if (unlinkat (dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return -1;
      return 0;
    }
  if (unlinkat (dirfd, name, 0) < 0 && errno != ENOENT)
    return -1;
  return 0;
}
