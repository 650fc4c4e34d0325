/* The OCI runtime driven as a program: see runtime_driver.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"
#include "common/spawn.h"
#include "exec/runtime_driver.h"
#include "exec/rootless.h"

#define SPEC_OUTPUT_MAX (1 << 20)

int
bld_runtime_spec (const char *runtime, const char *bundle, struct oci_error *err)
{
  static const struct cmn_spawn_options o = {
    .in = CMN_STDIO_NULL, .out = CMN_STDIO_PIPE, .err = CMN_STDIO_PIPE, .exec_error_prefix = "exec "
  };
  const char *argv[] = { runtime, "spec", "--bundle", bundle, NULL };
  cleanup_free char *out = NULL;
  struct oci_error ignored = OCI_ERROR_INIT;
  int out_fd = -1;
  pid_t pid;
  size_t len;

  if (cmn_spawn (argv, &o, &pid, &out_fd, err) < 0)
    return -1;
  if (oci_read_fd (out_fd, "spec output", SPEC_OUTPUT_MAX, &out, &len, &ignored) < 0)
    oci_error_clear (&ignored);
  close (out_fd);
  if (bld_runtime_wait (pid) != 0)
    return oci_error_set (err, 0, "%s spec failed: %s", runtime, out ? out : "");
  return 0;
}

int
bld_runtime_run_piped (const char *runtime, const char *root, const char *bundle, const char *id, int *out_fd,
                       pid_t *pid, struct oci_error *err)
{
  static const struct cmn_spawn_options o = {
    .in = CMN_STDIO_NULL, .out = CMN_STDIO_PIPE, .err = CMN_STDIO_PIPE, .exec_error_prefix = "exec "
  };
  const char *argv[] = { runtime, "--root", root, "run", "--bundle", bundle, id, NULL };
  return cmn_spawn (argv, &o, pid, out_fd, err);
}

int
bld_runtime_wait (pid_t pid)
{
  int st = cmn_wait (pid);
  return st < 0 ? 255 : st;
}

int
bld_runtime_run_attached (const char *runtime, const char *bundle, const char *id, bool interactive, int *status,
                          struct oci_error *err)
{
  struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
  struct cmn_spawn_options o = { .in = interactive ? CMN_STDIO_INHERIT : CMN_STDIO_NULL,
                                 .search_path = true,
                                 .exec_error_prefix = "builder: run ",
                                 .sigint = &old_int,
                                 .sigquit = &old_quit };
  const char *argv[] = { runtime, "run", "--bundle", bundle, id, NULL };
  pid_t pid;
  int st = 0;

  if (bld_rootless_runtime_dir (err) < 0)
    return -1;
  sigemptyset (&ign.sa_mask);
  sigaction (SIGINT, &ign, &old_int);
  sigaction (SIGQUIT, &ign, &old_quit);
  int ret = cmn_spawn (argv, &o, &pid, NULL, err);
  if (ret == 0 && (st = cmn_wait (pid)) < 0)
    ret = oci_error_set (err, errno, "wait for %s", runtime);
  sigaction (SIGINT, &old_int, NULL);
  sigaction (SIGQUIT, &old_quit, NULL);
  if (ret == 0)
    *status = st;
  return ret;
}

/* Runs argv with stdio on /dev/null and waits for it. */
static void
run_quiet (const char *const argv[])
{
  static const struct cmn_spawn_options o = {
    .in = CMN_STDIO_NULL, .out = CMN_STDIO_NULL, .err = CMN_STDIO_NULL, .search_path = true
  };
  struct oci_error ignored = OCI_ERROR_INIT;
  pid_t pid;

  if (cmn_spawn (argv, &o, &pid, NULL, &ignored) < 0)
    oci_error_clear (&ignored);
  else
    cmn_wait (pid);
}

void
bld_runtime_kill_delete (const char *runtime, const char *root, const char *id)
{
  bld_runtime_kill (runtime, root, id);
  bld_runtime_delete (runtime, root, id);
}

/* argv: RUNTIME [--root ROOT] followed by the 4 words in cmd. */
static void
run_quiet_rooted (const char *runtime, const char *root, const char *const cmd[4])
{
  const char *argv[8] = { runtime };
  size_t n = 1;
  if (root)
    {
      argv[n++] = "--root";
      argv[n++] = root;
    }
  for (size_t i = 0; i < 4 && cmd[i]; i++)
    argv[n++] = cmd[i];
  argv[n] = NULL;
  run_quiet (argv);
}

void
bld_runtime_kill (const char *runtime, const char *root, const char *id)
{
  const char *const cmd[4] = { "kill", id, "KILL", NULL };
  run_quiet_rooted (runtime, root, cmd);
}

void
bld_runtime_delete (const char *runtime, const char *root, const char *id)
{
  const char *const cmd[4] = { "delete", "--force", id, NULL };
  run_quiet_rooted (runtime, root, cmd);
}

void
bld_run_delete_all (const char *runtime, const char *root)
{
  cleanup_closedir DIR *d = opendir (root);
  struct dirent *de;
  if (d == NULL)
    return;
  while ((de = readdir (d)) != NULL)
    if (de->d_name[0] != '.')
      bld_runtime_kill_delete (runtime, root, de->d_name);
}
