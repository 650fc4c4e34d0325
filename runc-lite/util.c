#include "config.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int
rl_pidfd_open (pid_t pid)
{
  return (int) syscall (SYS_pidfd_open, pid, 0);
}

static void
each_fd_from (int from, bool cloexec)
{
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *de;
  if (d == NULL)
    return;
  while ((de = readdir (d)) != NULL)
    {
      int fd = atoi (de->d_name);
      if (fd < from || fd == dirfd (d) || de->d_name[0] == '.')
        continue;
      if (cloexec)
        fcntl (fd, F_SETFD, FD_CLOEXEC);
      else
        close (fd);
    }
  closedir (d);
}

void
rl_close_fds_from (int from)
{
  if (syscall (SYS_close_range, from, ~0U, 0) == 0)
    return;
  each_fd_from (from, false);
}

int
rl_cloexec_fds_from (int from)
{
  if (syscall (SYS_close_range, from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return 0;
  each_fd_from (from, true);
  return 0;
}

int
rl_waitpid (pid_t pid, int *status)
{
  pid_t r;
  do
    r = waitpid (pid, status, 0);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -1 : 0;
}

int
rl_realpath (const char *path, char **out, struct oci_error *err)
{
  *out = realpath (path, NULL);
  if (*out == NULL)
    return oci_error_set (err, errno, "%s", path);
  return 0;
}

int
rl_mkdir_p (const char *path, mode_t mode, struct oci_error *err)
{
  cleanup_free char *copy = strdup (path);
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

int
rl_write_file (const char *path, const char *text, struct oci_error *err)
{
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return oci_error_set (err, errno, "open %s", path);
  if (oci_write_all (fd, text, strlen (text)) < 0)
    return oci_error_set (err, errno, "write %s", path);
  return 0;
}
