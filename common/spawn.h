/* Spawning a child process and waiting for it: the one place that forks
 * and execs a program (the OCI runtime, for RUN steps, the lease reaper
 * and `builder run`).
 *
 * Each of the child's stdin, stdout and stderr is inherited, /dev/null,
 * or (stdout and stderr only) the write end of one pipe whose read end
 * the caller gets.  When exec fails the child writes "<exec_error_prefix>
 * PROGRAM: strerror" to its stderr (so into the pipe, when stderr goes
 * there) and exits 127. */
#ifndef COMMON_SPAWN_H
#define COMMON_SPAWN_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

enum cmn_stdio
{
  CMN_STDIO_INHERIT,
  CMN_STDIO_NULL,
  CMN_STDIO_PIPE,
};

struct cmn_spawn_options
{
  enum cmn_stdio in, out, err;
  bool search_path;              /* argv[0] looked up in $PATH (execvp) */
  const char *exec_error_prefix; /* NULL: "" */
  /* When not NULL: the child's dispositions of SIGINT and SIGQUIT, set
   * before exec (a parent that ignores them while it waits gives the
   * child back its own). */
  const struct sigaction *sigint, *sigquit;
};

/* Starts argv; *pid is the child.  pipe_fd (when out or err is PIPE) gets
 * the read end (close-on-exec). */
int cmn_spawn (const char *const argv[], const struct cmn_spawn_options *o, pid_t *pid, int *pipe_fd,
               struct oci_error *err);

/* Waits for pid (through EINTR): its exit status, 128 + the signal that
 * killed it, or -1 (errno set) when it cannot be waited for. */
int cmn_wait (pid_t pid);

#endif
