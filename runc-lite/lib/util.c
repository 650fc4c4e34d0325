#include "config.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "common/fs.h"
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
  return cmn_mkdir_p (path, mode, err);
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

char *
rl_passwd_home (uid_t uid)
{
  cleanup_free char *text = NULL;
  struct oci_error err = OCI_ERROR_INIT;
  size_t len;

  if (oci_read_file ("/etc/passwd", 16 << 20, &text, &len, &err) == 0)
    for (char *save = NULL, *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
      {
        /* name:password:uid:gid:gecos:home:shell */
        char *f[7] = { 0 };
        char *p = line;
        int k = 0;
        for (; k < 7 && p; k++)
          {
            f[k] = p;
            p = strchr (p, ':');
            if (p)
              *p++ = '\0';
          }
        if (k >= 6 && f[2] && f[5] && *f[2] && strtoul (f[2], NULL, 10) == uid && *f[5])
          return strdup (f[5]);
      }
  oci_error_clear (&err);
  return strdup ("/");
}

char **
rl_env_with_home (char *const *env, size_t n, uid_t uid, char **added)
{
  char **out = calloc (n + 2, sizeof (char *));
  bool has_home = false;

  *added = NULL;
  if (out == NULL)
    return NULL;
  for (size_t i = 0; i < n; i++)
    if (strncmp (env[i], "HOME=", 5) == 0)
      has_home = true;
  if (!has_home)
    {
      /* first, where runc and crun put it */
      cleanup_free char *home = rl_passwd_home (uid);
      if (home == NULL || asprintf (added, "HOME=%s", home) < 0)
        {
          free (out);
          return NULL;
        }
      out[0] = *added;
    }
  for (size_t i = 0; i < n; i++)
    out[i + (has_home ? 0 : 1)] = env[i];
  return out;
}

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int
rl_find_executable (const char *name, char *const *env, size_t env_len, char **out, struct oci_error *err)
{
  const char *path = DEFAULT_PATH;
  if (strchr (name, '/'))
    {
      struct stat st;
      /* As Go's exec.LookPath, which runc's words are: a path must name
       * an existing file with an execute bit. */
      if (stat (name, &st) < 0)
        return oci_error_set (err, errno, "exec: \"%s\": stat %s", name, name);
      if (S_ISDIR (st.st_mode) || (st.st_mode & 0111) == 0)
        return oci_error_set (err, EACCES, "exec: \"%s\"", name);
      *out = strdup (name);
      return *out ? 0 : oci_error_set (err, ENOMEM, "exec");
    }
  for (size_t i = 0; i < env_len; i++)
    if (strncmp (env[i], "PATH=", 5) == 0)
      path = env[i] + 5;
  cleanup_free char *copy = strdup (path);
  if (copy == NULL)
    return oci_error_set (err, ENOMEM, "exec");
  for (char *save = NULL, *dir = strtok_r (copy, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
    {
      cleanup_free char *candidate = NULL;
      struct stat st;
      if (asprintf (&candidate, "%s/%s", *dir ? dir : ".", name) < 0)
        return oci_error_set (err, ENOMEM, "exec");
      if (stat (candidate, &st) == 0 && S_ISREG (st.st_mode) && access (candidate, X_OK) == 0)
        {
          *out = steal_pointer (&candidate);
          return 0;
        }
    }
  return oci_error_set (err, 0, "exec: \"%s\": executable file not found in $PATH", name);
}

bool
rl_running_in_userns (void)
{
  cleanup_free char *text = NULL;
  struct oci_error err = OCI_ERROR_INIT;
  unsigned long inside, outside, len;
  size_t n;

  if (oci_read_file ("/proc/self/uid_map", 1 << 16, &text, &n, &err) < 0)
    {
      oci_error_clear (&err);
      return false; /* no user namespaces in this kernel */
    }
  if (sscanf (text, "%lu %lu %lu", &inside, &outside, &len) != 3)
    return true; /* an empty map: a fresh user namespace */
  return !(inside == 0 && outside == 0 && len == 4294967295UL && strchr (text, '\n') == text + n - 1);
}

int
rl_loadavg_runnable (const char *loadavg)
{
  const char *field = loadavg;
  char *end;
  long n;

  for (int i = 0; i < 3 && field != NULL; i++)
    field = (field = strchr (field, ' ')) != NULL ? field + 1 : NULL;
  if (field == NULL)
    return -1;
  errno = 0;
  n = strtol (field, &end, 10);
  return errno == 0 && end != field && *end == '/' && n >= 0 && n <= INT_MAX ? (int) n : -1;
}

static int
runnable_tasks (void)
{
  char buf[128];
  cleanup_close int fd = open ("/proc/loadavg", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read (fd, buf, sizeof buf - 1) : -1;

  if (n <= 0)
    return -1;
  buf[n] = '\0';
  return rl_loadavg_runnable (buf);
}

/* The kernel starts a child on its parent's CPU, and there the two take
 * turns: the child waits while the parent works (create makes the cgroups
 * while the init makes its namespaces), even with the other CPUs idle,
 * until a scheduler tick balances them.  When only these two are runnable,
 * the parent hops to another CPU (pinned for a moment, then its own mask
 * back, so it stays there only by choice).  On a loaded machine the hop
 * would queue the parent behind other work: measured, it cost 2-4 ms per
 * container, so then nothing moves (bench/README.md). */
void
rl_step_aside_from_child (void)
{
  cpu_set_t mask, other;
  int self = sched_getcpu ();

  if (self < 0 || sched_getaffinity (0, sizeof mask, &mask) < 0 || CPU_COUNT (&mask) < 2)
    return;
  int runnable = runnable_tasks ();
  if (runnable < 0 || runnable > 2)
    return;
  CPU_ZERO (&other);
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
    if (cpu != self && CPU_ISSET (cpu, &mask))
      {
        CPU_SET (cpu, &other);
        break;
      }
  if (sched_setaffinity (0, sizeof other, &other) == 0)
    sched_setaffinity (0, sizeof mask, &mask);
}
