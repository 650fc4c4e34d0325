#include "config.h"
#include "fileutil.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

int
oci_read_fd (int fd, const char *what, size_t max, char **out, size_t *len, struct oci_error *err)
{
  cleanup_free char *buf = NULL;
  size_t used = 0, cap = 0;

  for (;;)
    {
      ssize_t n;
      if (used + 1 >= cap)
        {
          size_t ncap = cap ? cap * 2 : 8192;
          char *b;
          if (ncap > max + 2)
            ncap = max + 2;
          if (ncap <= used + 1)
            return oci_error_set (err, 0, "%s: larger than %zu bytes", what, max);
          b = realloc (buf, ncap);
          if (b == NULL)
            return oci_error_set (err, ENOMEM, "%s", what);
          buf = b;
          cap = ncap;
        }
      n = read (fd, buf + used, cap - used - 1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return oci_error_set (err, errno, "read %s", what);
      if (n == 0)
        break;
      used += (size_t) n;
      if (used > max)
        return oci_error_set (err, 0, "%s: larger than %zu bytes", what, max);
    }
  buf[used] = '\0';
  *out = steal_pointer (&buf);
  if (len)
    *len = used;
  return 0;
}

int
oci_read_file (const char *path, size_t max, char **out, size_t *len, struct oci_error *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return oci_error_set (err, errno, "open %s", path);
  return oci_read_fd (fd, path, max, out, len, err);
}

int
oci_read_regular_file (const char *path, size_t max, char **out, size_t *len, struct oci_error *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  struct stat st;

  if (fd < 0 || fstat (fd, &st) < 0)
    return oci_error_set (err, errno, "open %s", path);
  if (!S_ISREG (st.st_mode))
    return oci_error_set (err, 0, "%s: not a regular file", path);
  return oci_read_fd (fd, path, max, out, len, err);
}

int
oci_write_all (int fd, const void *data, size_t len)
{
  const char *p = data;
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      p += n;
      len -= (size_t) n;
    }
  return 0;
}

static int
write_file_renamed (const char *path, const void *data, size_t len, mode_t mode, bool durable, struct oci_error *err)
{
  cleanup_free char *tmp = NULL;
  cleanup_free char *dircopy = strdup (path);
  cleanup_close int fd = -1;
  cleanup_close int dirfd = -1;

  if (dircopy == NULL || asprintf (&tmp, "%s.tmp-XXXXXX", path) < 0)
    return oci_error_set (err, ENOMEM, "write %s", path);
  fd = mkostemp (tmp, O_CLOEXEC);
  if (fd < 0)
    return oci_error_set (err, errno, "create a temporary file for %s", path);
  if (fchmod (fd, mode) < 0 || oci_write_all (fd, data, len) < 0 || (durable && fsync (fd) < 0))
    {
      int saved = errno;
      unlink (tmp);
      return oci_error_set (err, saved, "write %s", tmp);
    }
  if (rename (tmp, path) < 0)
    {
      int saved = errno;
      unlink (tmp);
      return oci_error_set (err, saved, "rename %s to %s", tmp, path);
    }
  if (!durable)
    return 0;
  /* Make the rename itself durable. */
  dirfd = open (dirname (dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd >= 0)
    fsync (dirfd);
  return 0;
}

int
oci_write_file_atomic (const char *path, const void *data, size_t len, mode_t mode, struct oci_error *err)
{
  return write_file_renamed (path, data, len, mode, true, err);
}

int
oci_replace_file (const char *path, const void *data, size_t len, mode_t mode, struct oci_error *err)
{
  return write_file_renamed (path, data, len, mode, false, err);
}
