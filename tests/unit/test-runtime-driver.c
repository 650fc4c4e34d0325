/* common/spawn.c and builder/exec/runtime_driver.c: the one way a child
 * is spawned, and the runtime's command lines (a stand-in runtime, a
 * shell script, logs what it is asked). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"
#include "common/spawn.h"
#include "exec/runtime_driver.h"
#include "tap.h"

static char *
read_all (int fd)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  char *out = NULL;
  size_t len;
  if (oci_read_fd (fd, "pipe", 1 << 16, &out, &len, &err) < 0)
    return NULL;
  return out;
}

static void
test_spawn (void)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  const struct cmn_spawn_options piped = {
    .in = CMN_STDIO_NULL, .out = CMN_STDIO_PIPE, .err = CMN_STDIO_PIPE, .exec_error_prefix = "exec "
  };
  const struct cmn_spawn_options quiet = { .in = CMN_STDIO_NULL, .out = CMN_STDIO_NULL, .err = CMN_STDIO_NULL };
  pid_t pid;
  int fd = -1;

  {
    const char *argv[] = { "/bin/sh", "-c", "echo out; echo err >&2; read x || echo eof; exit 3", NULL };
    ok (cmn_spawn (argv, &piped, &pid, &fd, &err) == 0, "spawn a shell");
    cleanup_free char *text = read_all (fd);
    close (fd);
    is_str (text, "out\nerr\neof\n", "stdout and stderr in one pipe, stdin empty");
    ok (cmn_wait (pid) == 3, "its exit status");
  }
  {
    const char *argv[] = { "/nonexistent/prog", NULL };
    ok (cmn_spawn (argv, &piped, &pid, &fd, &err) == 0, "spawn a missing program");
    cleanup_free char *text = read_all (fd);
    close (fd);
    ok (text && strncmp (text, "exec /nonexistent/prog: ", 24) == 0, "its exec error in the pipe: %s", text);
    ok (cmn_wait (pid) == 127, "exit 127");
  }
  {
    const char *argv[] = { "sh", "-c", "kill -9 $$", NULL };
    struct cmn_spawn_options o = quiet;
    o.search_path = true;
    ok (cmn_spawn (argv, &o, &pid, NULL, &err) == 0 && cmn_wait (pid) == 128 + 9, "found in $PATH; killed: 137");
  }
}

static char *
make_runtime (const char *dir, const char *log, int spec_status)
{
  char *path = NULL;
  cleanup_free char *text = NULL;
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  if (asprintf (&path, "%s/runtime", dir) < 0
      || asprintf (&text,
                   "#!/bin/sh\necho \"$*\" >> %s\ncase \"$1\" in spec) echo spec says no; exit %d;; esac\n"
                   "echo ran \"$*\"\n",
                   log, spec_status)
             < 0
      || oci_write_file_atomic (path, text, strlen (text), 0755, &err) < 0)
    return NULL;
  return path;
}

static void
test_driver (void)
{
  char dir[] = "/tmp/test-runtime-driver-XXXXXX";
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *log = NULL, *rt = NULL, *bad = NULL, *root = NULL, *logged = NULL;
  size_t len;
  pid_t pid;
  int fd = -1;

  if (mkdtemp (dir) == NULL || asprintf (&log, "%s/log", dir) < 0 || asprintf (&root, "%s/state", dir) < 0)
    return;
  rt = make_runtime (dir, log, 0);
  int rc = rt ? bld_runtime_spec (rt, "/b", &err) : -1;
  ok (rc == 0, "spec: %s", oci_error_msg (&err));
  ok (bld_runtime_run_piped (rt, "/r", "/b", "id1", &fd, &pid, &err) == 0, "run, piped");
  cleanup_free char *out = read_all (fd);
  close (fd);
  is_str (out, "ran --root /r run --bundle /b id1\n", "the run's output");
  ok (bld_runtime_wait (pid) == 0, "the run's status");
  mkdir (root, 0700);
  cleanup_free char *c1 = NULL;
  if (asprintf (&c1, "%s/c1", root) > 0)
    mkdir (c1, 0700);
  bld_run_delete_all (rt, root);
  ok (oci_read_file (log, 1 << 16, &logged, &len, &err) == 0, "the runtime's log");
  cleanup_free char *want = NULL;
  if (asprintf (
          &want,
          "spec --bundle /b\n--root /r run --bundle /b id1\n--root %s kill c1 KILL\n--root %s delete --force c1\n",
          root, root)
      > 0)
    is_str (logged, want, "spec, run, kill and delete command lines");
  free (rt);
  rt = make_runtime (dir, log, 2);
  rc = bld_runtime_spec (rt, "/b", &err);
  ok (rc < 0 && strstr (oci_error_msg (&err), "spec failed: spec says no"), "a failing spec: %s",
      oci_error_msg (&err));
  oci_error_clear (&err);
  unlink (log);
  unlink (rt);
  rmdir (c1);
  rmdir (root);
  rmdir (dir);
}

int
main (void)
{
  test_spawn ();
  test_driver ();
  return tap_done ();
}
