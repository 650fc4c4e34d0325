/* RUN's private network in a rootless build (build_net_rootless.h).
 * The namespace is bind-mounted on a file rather than held by a process:
 * pasta opens the file without the ptrace check that /proc/PID/ns/net of
 * a process with more capabilities than its own would fail. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "common/spawn.h"
#include "exec/build_net_rootless.h"
#include "fileutil.h"

/* A new network namespace bound on path, made by a child: this process
 * could not setns back into the host's namespace (not ours to enter). */
static int
make_netns (const char *path, struct bld_rootless_net *n, struct oci_error *err)
{
  cleanup_close int f = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  pid_t pid;

  if (f < 0)
    return oci_error_set (err, errno, "create %s", path);
  pid = fork ();
  if (pid < 0)
    return oci_error_set (err, errno, "fork");
  if (pid == 0)
    {
      if (unshare (CLONE_NEWNET) < 0)
        _exit (1);
      if (mount ("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0)
        _exit (2);
      _exit (0);
    }
  int status = cmn_wait (pid);
  if (status != 0)
    return oci_error_set (err, 0, "%s the network namespace on %s",
                          status == 1   ? "unshare"
                          : status == 2 ? "bind"
                                        : "make",
                          path);
  n->mounted = true;
  return 0;
}

/* pasta's (or slirp4netns's) words when it fails: what it wrote before it exited (it has
 * exited, so the pipe holds all of it; read without waiting for a daemon
 * that might keep it open). */
static char *
pasta_output (int fd)
{
  char buf[4096];
  ssize_t len;

  fcntl (fd, F_SETFL, O_NONBLOCK);
  len = read (fd, buf, sizeof buf - 1);
  if (len <= 0)
    return strdup ("");
  buf[len] = '\0';
  /* One line: its lines joined. */
  for (char *p = buf; *p; p++)
    if (*p == '\n')
      *p = *(p + 1) ? ';' : '\0';
  return strdup (buf);
}

static int
start_pasta (const char *work, struct bld_rootless_net *n, struct oci_error *err)
{
  static const struct cmn_spawn_options o = { .in = CMN_STDIO_NULL,
                                              .out = CMN_STDIO_PIPE,
                                              .err = CMN_STDIO_PIPE,
                                              .search_path = true,
                                              .exec_error_prefix = "exec " };
  cleanup_free char *pidfile = NULL, *text = NULL, *out = NULL;
  cleanup_close int out_fd = -1;
  pid_t pid;
  size_t len;

  if (asprintf (&pidfile, "%s/pasta.pid", work) < 0)
    return oci_error_set (err, ENOMEM, "pasta");
  /* pasta daemonizes: its daemon is orphaned, and would stay a zombie
   * where nobody reaps (an init that does not); as subreaper we do. */
  if (prctl (PR_SET_CHILD_SUBREAPER, 1) < 0)
    return oci_error_set (err, errno, "prctl PR_SET_CHILD_SUBREAPER");
  /* --runas 0:0: as root of our namespace (pasta would become nobody,
   * who cannot open the namespace); it daemonizes once configured. */
  const char *argv[] = { "pasta",   "--config-net", "--quiet", "--runas", "0:0",
                         "--netns", n->ns_path,     "--pid",   pidfile,   NULL };
  if (cmn_spawn (argv, &o, &pid, &out_fd, err) < 0)
    return -1;
  int status = cmn_wait (pid);
  if (status == 127)
    return 1; /* not installed */
  if (status != 0)
    {
      out = pasta_output (out_fd);
      return oci_error_set (err, 0, "pasta --netns %s: exit status %d: %s", n->ns_path, status, out ? out : "");
    }
  if (oci_read_file (pidfile, 64, &text, &len, err) < 0)
    return oci_error_prefix (err, "pasta's pid");
  n->pasta = (pid_t) strtol (text, NULL, 10);
  unlink (pidfile);
  if (n->pasta <= 0)
    {
      n->pasta = -1;
      return oci_error_set (err, 0, "pasta's pid file %s: no pid", pidfile);
    }
  return 0;
}

/* slirp4netns where pasta is not installed: it stays in the foreground
 * (our child), says on ready_fd when the interface is configured (10.0.2.100,
 * the gateway 10.0.2.2 reaching the host's loopback), ends on SIGTERM. */
static int
start_slirp4netns (struct bld_rootless_net *n, struct oci_error *err)
{
  static const struct cmn_spawn_options o = { .in = CMN_STDIO_NULL,
                                              .out = CMN_STDIO_PIPE,
                                              .err = CMN_STDIO_PIPE,
                                              .search_path = true,
                                              .exec_error_prefix = "exec " };
  cleanup_close int out_fd = -1, ready_r = -1, ready_w = -1;
  char ready_arg[32], c;
  int fds[2];

  /* The write end without close-on-exec: slirp4netns inherits it. */
  if (pipe (fds) < 0)
    return oci_error_set (err, errno, "pipe");
  ready_r = fds[0];
  ready_w = fds[1];
  fcntl (ready_r, F_SETFD, FD_CLOEXEC);
  snprintf (ready_arg, sizeof ready_arg, "--ready-fd=%d", ready_w);
  const char *argv[] = { "slirp4netns", "--configure", "--mtu=65520", "--netns-type=path",
                         ready_arg,     n->ns_path,    "tap0",        NULL };
  if (cmn_spawn (argv, &o, &n->slirp, &out_fd, err) < 0)
    {
      n->slirp = -1;
      return -1;
    }
  close (steal_fd (&ready_w));
  ssize_t got;
  while ((got = read (ready_r, &c, 1)) < 0 && errno == EINTR)
    ;
  if (got == 1)
    return 0;
  /* It ended before it was ready: its words. */
  int status = cmn_wait (n->slirp);
  n->slirp = -1;
  cleanup_free char *out = pasta_output (out_fd);
  return oci_error_set (err, 0, "slirp4netns %s: exit status %d: %s", n->ns_path, status, out ? out : "");
}

int
bld_rootless_net_start (const char *work, struct bld_rootless_net *n, struct oci_error *err)
{
  if (asprintf (&n->ns_path, "%s/netns", work) < 0)
    {
      n->ns_path = NULL;
      return oci_error_set (err, ENOMEM, "netns path");
    }
  int r = make_netns (n->ns_path, n, err) < 0 ? -1 : start_pasta (work, n, err);
  if (r > 0)
    r = start_slirp4netns (n, err);
  if (r < 0)
    {
      bld_rootless_net_stop (n);
      return oci_error_prefix (err, "RUN's network (rootless)");
    }
  return 0;
}

void
bld_rootless_net_stop (struct bld_rootless_net *n)
{
  if (n->pasta > 0)
    {
      /* Our child again (we are its subreaper): its pidfd tells when it
       * has ended, a second at most, then it is reaped. */
      cleanup_close int pfd = (int) syscall (SYS_pidfd_open, n->pasta, 0);
      if (kill (n->pasta, SIGTERM) == 0 && pfd >= 0)
        {
          struct pollfd p = { .fd = pfd, .events = POLLIN };
          while (poll (&p, 1, 1000) < 0 && errno == EINTR)
            ;
        }
      waitpid (n->pasta, NULL, WNOHANG);
    }
  n->pasta = -1;
  if (n->slirp > 0)
    {
      kill (n->slirp, SIGTERM);
      cmn_wait (n->slirp);
      n->slirp = -1;
    }
  if (n->mounted && umount2 (n->ns_path, MNT_DETACH) == 0)
    n->mounted = false;
  if (n->ns_path && !n->mounted)
    unlink (n->ns_path);
  free (n->ns_path);
  n->ns_path = NULL;
}
