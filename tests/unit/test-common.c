/* The toolbox (common/): each helper on its own, in a scratch directory. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "common/fs.h"
#include "tap.h"

static int scratch = -1;

static void
test_readlinkat (void)
{
  char long_target[1000];
  memset (long_target, 'x', sizeof long_target - 1);
  long_target[sizeof long_target - 1] = '\0';

  ok (symlinkat ("short", scratch, "l1") == 0 && symlinkat (long_target, scratch, "l2") == 0, "symlinks made");
  cleanup_free char *a = cmn_readlinkat (scratch, "l1");
  cleanup_free char *b = cmn_readlinkat (scratch, "l2");
  is_str (a, "short", "readlinkat: a short target");
  ok (b && strcmp (b, long_target) == 0, "readlinkat: a target longer than the first buffer");
  errno = 0;
  ok (cmn_readlinkat (scratch, "missing") == NULL && errno == ENOENT, "readlinkat: ENOENT for a missing name");
  ok (mkdirat (scratch, "d", 0755) == 0, "a directory");
  errno = 0;
  ok (cmn_readlinkat (scratch, "d") == NULL && errno == EINVAL, "readlinkat: EINVAL for a non-symlink");
}

int
main (void)
{
  char dir[] = "/tmp/test-common-XXXXXX";
  if (mkdtemp (dir) == NULL || (scratch = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
    {
      perror ("scratch directory");
      return 1;
    }
  test_readlinkat ();
  close (scratch);
  if (fork () == 0)
    {
      execlp ("rm", "rm", "-rf", "--", dir, (char *) NULL);
      _exit (127);
    }
  wait (NULL);
  return tap_done ();
}
