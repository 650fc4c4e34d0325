/* A pod sandbox's pause process for cri.bats: linked statically so its
   image needs nothing else.  As PID 1 of a pod's pid namespace it reaps
   the orphans re-parented to it; SIGTERM and SIGINT end it (exit 0), as
   the CRI runtime expects when it stops the sandbox. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_stop (int sig)
{
  (void) sig;
  stop = 1;
}

static void
on_child (int sig)
{
  int saved = errno;
  (void) sig;
  while (waitpid (-1, NULL, WNOHANG) > 0)
    ;
  errno = saved;
}

int
main (void)
{
  struct sigaction sa = { .sa_handler = on_stop };
  sigemptyset (&sa.sa_mask);
  if (sigaction (SIGTERM, &sa, NULL) < 0 || sigaction (SIGINT, &sa, NULL) < 0)
    return 1;
  sa.sa_handler = on_child;
  sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  if (sigaction (SIGCHLD, &sa, NULL) < 0)
    return 1;
  while (!stop)
    pause ();
  return 0;
}
