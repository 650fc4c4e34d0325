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
#include <unistd.h>

#include "cleanup.h"
#include "deadline.h"
#include "util.h"

/* Writes the state to the hook's stdin (non-blocking FD) while the hook
 * lives and the deadline allows.  A hook need not read it: when it exits
 * first (EPIPE, with SIGPIPE ignored for the write so that it cannot kill
 * us), or the deadline passes, the rest is abandoned; what the hook
 * itself did decides the outcome. */
static void
feed_state (int fd, int pidfd, const char *data, size_t len, int64_t deadline)
{
  struct sigaction ign = { .sa_handler = SIG_IGN }, old;

  sigemptyset (&ign.sa_mask);
  sigaction (SIGPIPE, &ign, &old);
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);
      if (n > 0)
        {
          data += n;
          len -= (size_t) n;
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        {
          struct pollfd p[2] = { { .fd = fd, .events = POLLOUT }, { .fd = pidfd, .events = POLLIN } };
          int r = poll (p, 2, rl_deadline_left (deadline));
          if (r < 0 && errno == EINTR)
            continue;
          if (r <= 0 || (p[1].revents & POLLIN))
            break; /* deadline passed, or the hook exited */
          continue;
        }
      break; /* EPIPE: the hook closed its stdin */
    }
  sigaction (SIGPIPE, &old, NULL);
}

static int
run_one (const struct oci_hook *h, size_t index, const char *kind, const char *state_json, struct oci_error *err)
{
  cleanup_close int in_r = -1, in_w = -1, pidfd = -1;
  char *default_argv[] = { h->path, NULL };
  char *empty_env[] = { NULL };
  int fds[2], status;
  int64_t deadline = RL_NO_DEADLINE;
  pid_t pid;

  if (pipe2 (fds, O_CLOEXEC) < 0)
    return oci_error_set (err, errno, "%s hook %zu (%s): pipe", kind, index, h->path);
  in_r = fds[0];
  in_w = fds[1];
  if (h->has_timeout)
    deadline = rl_deadline_after_ms (h->timeout > INT64_MAX / 2000 ? INT64_MAX / 2 : h->timeout * 1000);
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
  if (pidfd >= 0 && fcntl (in_w, F_SETFL, O_NONBLOCK) == 0)
    feed_state (in_w, pidfd, state_json, strlen (state_json), deadline);
  else
    feed_state (in_w, -1, state_json, strlen (state_json), -1);
  close (steal_fd (&in_w));

  if (h->has_timeout && pidfd >= 0)
    {
      struct pollfd p = { .fd = pidfd, .events = POLLIN };
      int r;
      do
        r = poll (&p, 1, rl_deadline_left (deadline));
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

int
rl_hooks_run_all (const struct oci_hook *hooks, size_t n, const char *kind, const char *state_json,
                  void (*warn) (const struct oci_error *failure, void *data), void *data)
{
  int failed = 0;
  for (size_t i = 0; i < n; i++)
    {
      struct oci_error e = OCI_ERROR_INIT;
      if (run_one (&hooks[i], i, kind, state_json, &e) < 0)
        {
          failed++;
          if (warn)
            warn (&e, data);
          oci_error_clear (&e);
        }
    }
  return failed;
}
