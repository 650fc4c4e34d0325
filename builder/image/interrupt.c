/* Interruption: a flag set by the signal handler (see interrupt.h). */
#include "config.h"

#include <string.h>

#include "image/interrupt.h"

volatile sig_atomic_t bld_interrupted;

static void
on_signal (int sig)
{
  bld_interrupted = sig;
}

void
bld_catch_signals (void)
{
  struct sigaction sa;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset (&sa.sa_mask);
  /* No SA_RESTART: a blocking read of RUN's output returns EINTR. */
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
}

int
bld_check_interrupted (struct oci_error *err)
{
  int sig = bld_interrupted;
  if (sig == 0)
    return 0;
  return oci_error_set (err, 0, "interrupted by signal %d (%s)", sig, strsignal (sig));
}
