#include "config.h"
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"
#include "util.h"

static int
run_one (const struct oci_hook *h, size_t index, const char *kind, const char *state_json, struct oci_error *err)
{
  cleanup_close int in_r = -1, in_w = -1, pidfd = -1;
  char *default_argv[] = { h->path, NULL };
  char *empty_env[] = { NULL };
  int fds[2], status;
  pid_t pid;

  if (pipe2 (fds, O_CLOEXEC) < 0)
    return oci_error_set (err, errno, "%s hook %zu (%s): pipe", kind, index, h->path);
  in_r = fds[0];
  in_w = fds[1];
  pid = fork ();
  if (pid < 0)
    return oci_error_set (err, errno, "%s hook %zu (%s): fork", kind, index, h->path);
  if (pid == 0)
    {
      /* The hook gets the state on stdin and our stdout/stderr, nothing else. */
      if (dup2 (in_r, 0) < 0)
        _exit (127);
      sigset_t none;
      rl_close_fds_from (3);
      signal (SIGPIPE, SIG_DFL);
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      execve (h->path, h->args ? h->args : default_argv, h->env ? h->env : empty_env);
      _exit (127);
    }
  close (steal_fd (&in_r));
  pidfd = rl_pidfd_open (pid);
  /* A hook that does not read its stdin must not block us: the state is
   * small (far below the pipe's buffer), and EPIPE is not an error. */
  oci_write_all (in_w, state_json, strlen (state_json));
  close (steal_fd (&in_w));

  if (h->has_timeout && pidfd >= 0)
    {
      struct pollfd p = { .fd = pidfd, .events = POLLIN };
      int64_t ms = h->timeout > INT32_MAX / 1000 ? INT32_MAX : h->timeout * 1000;
      int r;
      do
        r = poll (&p, 1, (int) ms);
      while (r < 0 && errno == EINTR);
      if (r == 0)
        {
          kill (pid, SIGKILL);
          waitpid (pid, NULL, 0);
          return oci_error_set (err, 0, "%s hook %zu (%s) timed out after %" PRId64 "s", kind, index, h->path,
                                h->timeout);
        }
    }
  if (rl_waitpid (pid, &status) < 0)
    return oci_error_set (err, errno, "%s hook %zu (%s): wait", kind, index, h->path);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  if (WIFEXITED (status) && WEXITSTATUS (status) == 127)
    return oci_error_set (err, 0, "%s hook %zu (%s) could not be executed (exit status 127)", kind, index, h->path);
  if (WIFEXITED (status))
    return oci_error_set (err, 0, "%s hook %zu (%s) failed with exit status %d", kind, index, h->path,
                          WEXITSTATUS (status));
  return oci_error_set (err, 0, "%s hook %zu (%s) killed by signal %d", kind, index, h->path, WTERMSIG (status));
}

int
rl_hooks_run (const struct oci_hook *hooks, size_t n, const char *kind, const char *state_json,
              struct oci_error *err)
{
  for (size_t i = 0; i < n; i++)
    if (run_one (&hooks[i], i, kind, state_json, err) < 0)
      return -1;
  return 0;
}
