/* runc-lite/lib/state.c: the state directory's life, and that a delete
 * which waited on a directory that is gone never removes a newer one
 * made with the same id. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/state.h"
#include "tap.h"

static bool
exists (int rootfd, const char *name)
{
  struct stat st;
  return fstatat (rootfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int
main (void)
{
  char tmpl[] = "/tmp/test-state-dir.XXXXXX";
  struct oci_error err = OCI_ERROR_INIT;
  int rootfd, old, fresh, other;

  if (mkdtemp (tmpl) == NULL)
    return 1;
  rootfd = rl_root_open (tmpl, false, &err);
  ok (rootfd >= 0, "open the root");

  old = rl_container_dir_create (rootfd, "c1", &err);
  ok (old >= 0, "create c1");
  ok (rl_container_dir_create (rootfd, "c1", &err) < 0, "c1 twice: refused");
  ok (strstr (oci_error_msg (&err), "already exists") != NULL, "as existing (%s)", oci_error_msg (&err));
  oci_error_clear (&err);
  ok (openat (old, "state.json", O_CREAT | O_WRONLY | O_CLOEXEC, 0600) >= 0, "a file in it");

  /* Another delete removed c1 while this one waited, and a create made
   * c1 again: the old fd is stale. */
  ok (renameat (rootfd, "c1", rootfd, "gone") == 0, "the old c1 moves away (as if removed)");
  fresh = rl_container_dir_create (rootfd, "c1", &err);
  ok (fresh >= 0, "a new c1");
  ok (rl_container_dir_remove (rootfd, "c1", old, &err) == 0, "remove through the stale fd: no error");
  ok (exists (rootfd, "c1"), "the new c1 is still there");
  ok (exists (old, "state.json"), "and the stale one was not emptied either");

  ok (rl_container_dir_remove (rootfd, "c1", fresh, &err) == 0, "remove through its own fd");
  ok (!exists (rootfd, "c1"), "c1 is gone");
  ok (rl_container_dir_remove (rootfd, "c1", fresh, &err) == 0, "again: nothing to do, no error");

  other = rl_container_dir_create (rootfd, "c2", &err);
  ok (other >= 0 && openat (other, "exec.fifo", O_CREAT | O_WRONLY | O_CLOEXEC, 0600) >= 0, "c2 with a file");
  ok (rl_container_dir_remove (rootfd, "c2", other, &err) == 0 && !exists (rootfd, "c2"), "c2 removed with its file");

  unlinkat (old, "state.json", 0);
  unlinkat (rootfd, "gone", AT_REMOVEDIR);
  rmdir (tmpl);
  return tap_done ();
}
