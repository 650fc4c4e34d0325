/* Makes raw system calls and prints what each returned, for
 * tests/bats/security.bats's seccomp checks: statically linked, so that it
 * runs in a busybox rootfs.
 *
 *   syscall-errno NR...    prints "NR ok" or "NR errno E" per number
 *
 * The calls get all-zero arguments; only pass numbers a filter stops or
 * that are harmless with zeros. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      long nr = strtol (argv[i], NULL, 10);
      errno = 0;
      if (syscall (nr, 0L, 0L, 0L, 0L, 0L, 0L) < 0)
        printf ("%ld errno %d\n", nr, errno);
      else
        printf ("%ld ok\n", nr);
    }
  return 0;
}
