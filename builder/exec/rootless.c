/* Rootless builds: the user namespace an unprivileged builder works in
 * (rootless.h).  A child is forked so that the parent, still the user in
 * the host's namespace, can run the setuid newuidmap/newgidmap on it (a
 * process cannot map itself beyond its own id); the child goes on with
 * the command, the parent waits and hands on its exit status. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "common/spawn.h"
#include "exec/rootless.h"
#include "fileutil.h"

static bool entered, own_ids_only;
static uid_t outside_uid;
static volatile sig_atomic_t child_pid;

bool
bld_rootless_active (void)
{
  return entered;
}

bool
bld_rootless_own_ids_only (void)
{
  return own_ids_only;
}

int
bld_subid_find (const char *text, const char *name, unsigned long id, struct bld_subid_range *out)
{
  char idtext[32];
  snprintf (idtext, sizeof idtext, "%lu", id);
  for (const char *line = text; line && *line; line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL)
    {
      const char *colon = strchr (line, ':');
      const char *end = strchr (line, '\n');
      if (colon == NULL || (end && colon > end) || *line == '#')
        continue;
      size_t n = (size_t) (colon - line);
      bool match = (name && strlen (name) == n && strncmp (line, name, n) == 0)
                   || (strlen (idtext) == n && strncmp (line, idtext, n) == 0);
      unsigned long start, count;
      char *p;
      if (!match)
        continue;
      errno = 0;
      start = strtoul (colon + 1, &p, 10);
      if (errno || p == colon + 1 || *p != ':')
        continue;
      const char *c = p + 1;
      count = strtoul (c, &p, 10);
      if (errno || p == c || (*p != '\n' && *p != '\0') || count == 0)
        continue;
      out->start = start;
      out->count = count;
      return 1;
    }
  return 0;
}

/* The range of file (/etc/subuid or /etc/subgid) for the user; 0 when
 * none (no file, no line). */
static int
subid_range (const char *file, const char *name, unsigned long id, struct bld_subid_range *out)
{
  cleanup_free char *text = NULL;
  struct oci_error err = OCI_ERROR_INIT;
  size_t len;

  if (oci_read_file (file, 1 << 24, &text, &len, &err) < 0)
    {
      oci_error_clear (&err);
      return 0;
    }
  return bld_subid_find (text, name, id, out);
}

/* `newuidmap PID 0 ID 1 1 START COUNT` (or newgidmap). */
static int
run_newidmap (const char *prog, pid_t pid, unsigned long id, const struct bld_subid_range *r, struct oci_error *err)
{
  char spid[32], sid[32], sstart[32], scount[32];
  snprintf (spid, sizeof spid, "%ld", (long) pid);
  snprintf (sid, sizeof sid, "%lu", id);
  snprintf (sstart, sizeof sstart, "%lu", r->start);
  snprintf (scount, sizeof scount, "%lu", r->count);
  const char *argv[] = { prog, spid, "0", sid, "1", "1", sstart, scount, NULL };
  struct cmn_spawn_options o = { .in = CMN_STDIO_NULL,
                                 .out = CMN_STDIO_INHERIT,
                                 .err = CMN_STDIO_INHERIT,
                                 .search_path = true,
                                 .exec_error_prefix = "builder: rootless: " };
  pid_t child;

  if (cmn_spawn (argv, &o, &child, NULL, err) < 0)
    return oci_error_prefix (err, "rootless: %s", prog);
  int status = cmn_wait (child);
  if (status != 0)
    return oci_error_set (err, 0, "rootless: %s %s 0 %s 1 1 %s %s failed (exit status %d)", prog, spid, sid, sstart,
                          scount, status);
  return 0;
}

static int
write_proc (pid_t pid, const char *file, const char *text, struct oci_error *err)
{
  cleanup_free char *path = NULL;
  if (asprintf (&path, "/proc/%ld/%s", (long) pid, file) < 0)
    return oci_error_set (err, ENOMEM, "rootless");
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || oci_write_all (fd, text, strlen (text)) < 0)
    return oci_error_set (err, errno, "rootless: write %s", path);
  return 0;
}

/* The user's subordinate ranges: 1 when it has both. */
static int
find_ranges (struct bld_subid_range *ur, struct bld_subid_range *gr)
{
  uid_t uid = getuid ();
  struct passwd *pw = getpwuid (uid);
  const char *name = pw ? pw->pw_name : NULL;

  return subid_range ("/etc/subuid", name, uid, ur) && subid_range ("/etc/subgid", name, uid, gr);
}

/* The child's maps: the subordinate ranges through newuidmap/newgidmap,
 * or (no range for the user) only its own ids, written directly. */
static int
write_maps (pid_t pid, const struct bld_subid_range *ur, const struct bld_subid_range *gr, struct oci_error *err)
{
  uid_t uid = getuid ();
  gid_t gid = getgid ();
  char map[64];

  if (!own_ids_only)
    {
      if (run_newidmap ("newuidmap", pid, uid, ur, err) < 0 || run_newidmap ("newgidmap", pid, gid, gr, err) < 0)
        return -1;
      return 0;
    }
  if (write_proc (pid, "setgroups", "deny", err) < 0)
    return -1;
  snprintf (map, sizeof map, "0 %lu 1\n", (unsigned long) uid);
  if (write_proc (pid, "uid_map", map, err) < 0)
    return -1;
  snprintf (map, sizeof map, "0 %lu 1\n", (unsigned long) gid);
  return write_proc (pid, "gid_map", map, err);
}

/* The runtime keeps its state in $XDG_RUNTIME_DIR when it runs in a user
 * namespace (as runc).  Without one (su, runuser, cron): the login's
 * /run/user/UID when that is the user's, set before the fork. */
static void
login_runtime_dir (void)
{
  const char *x = getenv ("XDG_RUNTIME_DIR");
  cleanup_free char *dir = NULL;
  struct stat st;

  if ((x && *x == '/') || asprintf (&dir, "/run/user/%lu", (unsigned long) outside_uid) < 0)
    return;
  if (lstat (dir, &st) == 0 && S_ISDIR (st.st_mode) && st.st_uid == outside_uid && access (dir, W_OK) == 0)
    setenv ("XDG_RUNTIME_DIR", dir, 1);
}

int
bld_rootless_runtime_dir (struct oci_error *err)
{
  const char *x = getenv ("XDG_RUNTIME_DIR");
  const char *tmp = getenv ("TMPDIR");
  cleanup_free char *dir = NULL;
  struct stat st;

  if (!entered || (x && *x == '/'))
    return 0;
  if (asprintf (&dir, "%s/builder-run-%lu", tmp && *tmp == '/' ? tmp : "/tmp", (unsigned long) outside_uid) < 0)
    return oci_error_set (err, ENOMEM, "rootless");
  if (mkdir (dir, 0700) < 0 && errno != EEXIST)
    return oci_error_set (err, errno, "rootless: mkdir %s", dir);
  if (lstat (dir, &st) < 0)
    return oci_error_set (err, errno, "rootless: stat %s", dir);
  /* Ours is uid 0 in here. */
  if (!S_ISDIR (st.st_mode) || st.st_uid != geteuid () || (st.st_mode & 077))
    return oci_error_set (err, 0, "rootless: %s is not a private directory of ours: set XDG_RUNTIME_DIR", dir);
  if (setenv ("XDG_RUNTIME_DIR", dir, 1) < 0)
    return oci_error_set (err, errno, "rootless: setenv XDG_RUNTIME_DIR");
  return 0;
}

static void
forward_signal (int sig)
{
  if (child_pid > 0)
    kill (child_pid, sig);
}

/* The child: a user namespace, wait for the parent's maps, then a private
 * mount namespace. */
static int
child_enter (int to_parent, int from_parent, pid_t parent, struct oci_error *err)
{
  char c;
  int e = 0;

  prctl (PR_SET_PDEATHSIG, SIGTERM);
  if (getppid () != parent)
    return oci_error_set (err, 0, "rootless: the parent process ended");
  if (unshare (CLONE_NEWUSER) < 0)
    e = errno;
  c = (char) e;
  if (write (to_parent, &c, 1) != 1)
    return oci_error_set (err, errno, "rootless: write to the parent");
  /* No user namespaces here (disabled, or at their limit): on as the
   * user, as before (listings work; what needs root fails on its own). */
  if (e)
    return 0;
  if (read (from_parent, &c, 1) != 1 || c != 0)
    return oci_error_set (err, 0, "rootless: the parent could not map the user namespace");
  entered = true;
  if (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0)
    return oci_error_set (err, errno, "rootless: become root of the user namespace");
  /* setresuid cleared it. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
  if (unshare (CLONE_NEWNS) < 0)
    return oci_error_set (err, errno, "rootless: unshare the mount namespace");
  if (mount ("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
    return oci_error_set (err, errno, "rootless: make / private");
  return 0;
}

static int
parent_wait (pid_t pid, int *exit_status)
{
  struct sigaction sa = { .sa_handler = forward_signal };
  sigemptyset (&sa.sa_mask);
  child_pid = pid;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
  signal (SIGQUIT, SIG_IGN);
  *exit_status = cmn_wait (pid);
  if (*exit_status < 0)
    *exit_status = 255;
  return 1;
}

int
bld_rootless_enter (int *exit_status, struct oci_error *err)
{
  int up[2], down[2];
  pid_t parent = getpid (), pid;
  char c;

  struct bld_subid_range ur = { 0, 0 }, gr = { 0, 0 };

  outside_uid = getuid ();
  login_runtime_dir ();
  /* Known before the fork: the child needs it too. */
  own_ids_only = !find_ranges (&ur, &gr);
  if (pipe2 (up, O_CLOEXEC) < 0)
    return oci_error_set (err, errno, "rootless: pipe");
  if (pipe2 (down, O_CLOEXEC) < 0)
    {
      close (up[0]);
      close (up[1]);
      return oci_error_set (err, errno, "rootless: pipe");
    }
  fflush (NULL);
  pid = fork ();
  if (pid < 0)
    {
      int e = errno;
      close (up[0]), close (up[1]), close (down[0]), close (down[1]);
      return oci_error_set (err, e, "rootless: fork");
    }
  if (pid == 0)
    {
      close (up[0]);
      close (down[1]);
      int r = child_enter (up[1], down[0], parent, err);
      close (up[1]);
      close (down[0]);
      return r;
    }
  close (up[1]);
  close (down[0]);
  ssize_t n = read (up[0], &c, 1);
  close (up[0]);
  if (n == 1 && c == 0)
    {
      if (write_maps (pid, &ur, &gr, err) < 0)
        {
          kill (pid, SIGKILL);
          close (down[1]);
          cmn_wait (pid);
          return -1;
        }
      c = 0;
      if (write (down[1], &c, 1) != 1)
        c = 1;
    }
  /* The child reports its own failures (and exits 1). */
  close (down[1]);
  return parent_wait (pid, exit_status);
}
