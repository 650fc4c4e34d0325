/* Runs a command as on a kernel without openat2 (before 5.6): a seccomp
 * filter makes openat2 fail with ENOSYS for the command and everything it
 * starts, so that the fallback walk of common/root_path.c is what the
 * suites exercise (tests/bats/no-openat2.bats).
 *
 *   no-openat2 COMMAND [ARG...]
 *
 * The filter does not set no_new_privs (the caller is root), so the
 * runtime's behaviour is otherwise what it is without it. */
#include "config.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

int
main (int argc, char **argv)
{
  scmp_filter_ctx ctx;
  int r;

  if (argc < 2)
    {
      fprintf (stderr, "usage: no-openat2 COMMAND [ARG...]\n");
      return 2;
    }
  ctx = seccomp_init (SCMP_ACT_ALLOW);
  if (ctx == NULL)
    {
      fprintf (stderr, "no-openat2: seccomp_init failed\n");
      return 1;
    }
  if ((r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0
      || (r = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (ENOSYS), SCMP_SYS (openat2), 0)) < 0
      || (r = seccomp_load (ctx)) < 0)
    {
      fprintf (stderr, "no-openat2: install the filter: %s\n", strerror (-r));
      return 1;
    }
  seccomp_release (ctx);
  /* The filter is in place: openat2 answers ENOSYS whatever its
   * arguments. */
  errno = 0;
  if (syscall (SYS_openat2, -1, "", NULL, 0) != -1 || errno != ENOSYS)
    {
      fprintf (stderr, "no-openat2: openat2 still answers (%s)\n", strerror (errno));
      return 1;
    }
  execvp (argv[1], argv + 1);
  fprintf (stderr, "no-openat2: exec %s: %s\n", argv[1], strerror (errno));
  return 127;
}
