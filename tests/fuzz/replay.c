/* A fuzz target's corpus replayed without libFuzzer, as a TAP test of
 * `make check` (gcc, and ASan under scripts/sanitize.sh): linked with
 * tests/fuzz/fuzz-NAME.c as tests/fuzz/replay-NAME, it runs every file of
 * $TESTS_DIR/fuzz/corpus/NAME once, one test point each.  A finding
 * aborts (fuzz.h), so the test ends without its plan and fails. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileutil.h"
#include "fuzz.h"

#define REPLAY_INPUT_MAX (16u << 20)

static int
replay_one (const char *dir, const char *name)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *path = NULL;
  cleanup_free char *data = NULL;
  size_t len = 0;

  if (asprintf (&path, "%s/%s", dir, name) < 0)
    abort ();
  if (oci_read_file (path, REPLAY_INPUT_MAX, &data, &len, &err) < 0)
    {
      printf ("not ok - %s\n# %s\n", name, oci_error_msg (&err));
      oci_error_clear (&err);
      return -1;
    }
  {
    /* an exact-size copy, as libFuzzer passes it */
    cleanup_free char *input = fuzz_bytes (data, len);
    LLVMFuzzerTestOneInput ((const uint8_t *) input, len);
  }
  printf ("ok - %s\n", name);
  fflush (stdout);
  return 0;
}

static int
regular_file (const struct dirent *d)
{
  return d->d_name[0] != '.';
}

int
main (int argc, char **argv)
{
  const char *tests = getenv ("TESTS_DIR");
  const char *base = strrchr (argv[0], '/');
  const char *target;
  cleanup_free char *dir = NULL;
  struct dirent **names = NULL;
  int n, failed = 0;

  (void) argc;
  base = base ? base + 1 : argv[0];
  if (strncmp (base, "replay-", 7) != 0 || tests == NULL)
    {
      printf ("Bail out! run as replay-NAME with TESTS_DIR set (make check)\n");
      return 1;
    }
  target = base + 7;
  if (asprintf (&dir, "%s/fuzz/corpus/%s", tests, target) < 0)
    abort ();
  n = scandir (dir, &names, regular_file, alphasort);
  if (n <= 0)
    {
      printf ("Bail out! %s: no corpus\n", dir);
      return 1;
    }
  for (int i = 0; i < n; i++)
    {
      if (replay_one (dir, names[i]->d_name) < 0)
        failed++;
      free (names[i]);
    }
  free (names);
  printf ("1..%d\n", n);
  return failed ? 1 : 0;
}
