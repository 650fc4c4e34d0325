/* Spawning a child process: see spawn.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/spawn.h"

/* In the child: fd becomes /dev/null or the pipe's write end, or stays. */
static void
child_stdio (int fd, enum cmn_stdio how, int pipe_w)
{
  if (how == CMN_STDIO_PIPE)
    dup2 (pipe_w, fd);
  else if (how == CMN_STDIO_NULL)
    {
      int null = open ("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
      if (null >= 0 && null != fd)
        {
          dup2 (null, fd);
          close (null);
        }
    }
}

static _Noreturn void
child_exec (char *const argv[], const struct cmn_spawn_options *o, int pipe_w)
{
  child_stdio (0, o->in == CMN_STDIO_PIPE ? CMN_STDIO_NULL : o->in, pipe_w);
  child_stdio (1, o->out, pipe_w);
  child_stdio (2, o->err, pipe_w);
  if (o->sigint)
    sigaction (SIGINT, o->sigint, NULL);
  if (o->sigquit)
    sigaction (SIGQUIT, o->sigquit, NULL);
  if (o->search_path)
    execvp (argv[0], argv);
  else
    execv (argv[0], argv);
  dprintf (2, "%s%s: %s\n", o->exec_error_prefix ? o->exec_error_prefix : "", argv[0], strerror (errno));
  _exit (127);
}

static void
strv_free (char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free (v[i]);
  free (v);
}

/* exec wants char *const[]: a copy of argv, made before the fork. */
static char **
strv_dup (const char *const argv[])
{
  size_t n = 0;
  while (argv[n])
    n++;
  char **v = calloc (n + 1, sizeof *v);
  for (size_t i = 0; v && i < n; i++)
    if ((v[i] = strdup (argv[i])) == NULL)
      {
        strv_free (v);
        return NULL;
      }
  return v;
}

int
cmn_spawn (const char *const argv[], const struct cmn_spawn_options *o, pid_t *pid, int *pipe_fd,
           struct oci_error *err)
{
  bool piped = o->out == CMN_STDIO_PIPE || o->err == CMN_STDIO_PIPE;
  int fds[2] = { -1, -1 };
  char **args = strv_dup (argv);
  pid_t p;

  if (args == NULL)
    return oci_error_set (err, ENOMEM, "spawn %s", argv[0]);
  if (piped && pipe2 (fds, O_CLOEXEC) < 0)
    {
      int saved = errno;
      strv_free (args);
      return oci_error_set (err, saved, "pipe");
    }
  /* Our own output first.  Not fflush (NULL): that waits for the lock of
   * every stream, a stream another thread is blocked reading too (a
   * parallel build's RUN output), while the child (exec or _exit) never
   * writes a copied buffer. */
  fflush (stdout);
  fflush (stderr);
  p = fork ();
  if (p < 0)
    {
      int saved = errno;
      strv_free (args);
      if (piped)
        {
          close (fds[0]);
          close (fds[1]);
        }
      return oci_error_set (err, saved, "fork");
    }
  if (p == 0)
    child_exec (args, o, fds[1]);
  strv_free (args);
  if (piped)
    {
      close (fds[1]);
      *pipe_fd = fds[0];
    }
  *pid = p;
  return 0;
}

int
cmn_wait (pid_t pid)
{
  int st;
  while (waitpid (pid, &st, 0) < 0)
    if (errno != EINTR)
      return -1;
  if (WIFEXITED (st))
    return WEXITSTATUS (st);
  return 128 + WTERMSIG (st);
}
