/* Layer extraction (builder/image/layer_apply.c): each input a layer (tar,
 * gzip or zstd) applied onto a fresh directory, with a sibling directory
 * that must not change; afterwards the sandbox holds nothing else. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"
#include "image/layer_apply.h"
#include "../unit/tree-walk.h"
#include "fuzz.h"

static char *sandbox, *root, *outside, *layer, *listing;

/* At libFuzzer's exit (the end of -max_total_time or -runs). */
static void
cleanup (void)
{
  tree_remove (sandbox);
  unlink (layer);
}

static void
setup (void)
{
  const char *base = getenv ("TMPDIR");
  char *tmpl;
  int fd;

  if (access ("/dev/shm", W_OK) == 0 && base == NULL)
    base = "/dev/shm";
  if (asprintf (&tmpl, "%s/fuzz-layer-XXXXXX", base ? base : "/tmp") < 0 || (sandbox = mkdtemp (tmpl)) == NULL)
    abort ();
  if (asprintf (&root, "%s/root", sandbox) < 0 || asprintf (&outside, "%s/outside", sandbox) < 0
      || asprintf (&layer, "%s.layer", sandbox) < 0)
    abort ();
  mkdir (outside, 0755);
  mkdir (tw_path (outside, "dir"), 0755);
  fd = open (tw_path (outside, "file"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  oci_write_all (fd, "victim", 6);
  close (fd);
  listing = tree_listing (outside);
  atexit (cleanup);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct bld_layer_apply_options o = {
    .ignore_owners = true,
    .skip_devices = true,
    .max_bytes = 16 << 20,
    .max_entries = 10000,
  };
  struct oci_error err = OCI_ERROR_INIT;
  int fd;

  if (sandbox == NULL)
    setup ();
  tree_remove (root);
  mkdir (root, 0755);
  fd = open (layer, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || oci_write_all (fd, data, size) < 0)
    abort ();
  close (fd);
  if (bld_layer_apply_file (layer, root, &o, NULL, &err) < 0)
    FUZZ_ASSERT (oci_error_msg (&err)[0], "an error without a message");
  oci_error_clear (&err);
  {
    cleanup_free char *now = tree_listing (outside);
    FUZZ_ASSERT (now && strcmp (now, listing) == 0, "the directory beside the root changed:\n%s", now);
  }
  /* Nothing new next to root and outside (a file escaping by "../"
   * would land here). */
  tree_remove (root);
  mkdir (root, 0755);
  {
    cleanup_closedir DIR *d = opendir (sandbox);
    struct dirent *de;
    FUZZ_ASSERT (d != NULL, "open the sandbox");
    while ((de = readdir (d)) != NULL)
      FUZZ_ASSERT (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0 || strcmp (de->d_name, "root") == 0
                       || strcmp (de->d_name, "outside") == 0,
                   "%s appeared beside the root", de->d_name);
  }
  return 0;
}
