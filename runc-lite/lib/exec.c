/* exec: a new process inside a running container.  It joins every
 * namespace of the container's init and its cgroup, then gets the same
 * treatment as the init's user process (rl_process_apply: rlimits, user,
 * capabilities, no_new_privs, seccomp...).  One fork: the runtime enters
 * the pid and time namespaces for its children only, the child joins the
 * others itself. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "cleanup.h"
#include "common/strv.h"
#include "console.h"
#include "container.h"
#include "fileutil.h"
#include "log.h"
#include "namespaces.h"
#include "process.h"
#include "seccomp.h"
#include "state.h"
#include "sync.h"
#include "util.h"

/* The init's namespaces, opened through /proc, in the order they must be
 * joined: the user namespace first (it owns the others). */
static const struct
{
  const char *file;
  int flag;
} ns_files[] = {
  { "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS },        { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
  { "net", CLONE_NEWNET },   { "cgroup", CLONE_NEWCGROUP }, { "pid", CLONE_NEWPID }, { "time", CLONE_NEWTIME },
};
#define N_NS (sizeof ns_files / sizeof ns_files[0])

struct exec_ns
{
  int fd[N_NS]; /* -1 where the init shares our namespace */
  int root;     /* the init's root, when it has no mount namespace of its own (chroot) */
};

static void
exec_ns_close (struct exec_ns *n)
{
  for (size_t i = 0; i < N_NS; i++)
    if (n->fd[i] >= 0)
      close (n->fd[i]);
  if (n->root >= 0)
    close (n->root);
}

static int
exec_ns_open (pid_t pid, bool chrooted, struct exec_ns *n, struct oci_error *err)
{
  n->root = -1;
  if (chrooted)
    {
      cleanup_free char *root = NULL;
      if (asprintf (&root, "/proc/%d/root", pid) < 0)
        return oci_error_set (err, ENOMEM, "exec");
      n->root = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (n->root < 0)
        return oci_error_set (err, errno, "open %s", root);
    }
  for (size_t i = 0; i < N_NS; i++)
    {
      cleanup_free char *theirs = NULL, *ours = NULL;
      struct stat a, b;
      n->fd[i] = -1;
      if (asprintf (&theirs, "/proc/%d/ns/%s", pid, ns_files[i].file) < 0
          || asprintf (&ours, "/proc/self/ns/%s", ns_files[i].file) < 0)
        return oci_error_set (err, ENOMEM, "exec");
      if (stat (theirs, &a) < 0)
        {
          if (errno == ENOENT)
            continue; /* a namespace kind this kernel lacks */
          return oci_error_set (err, errno, "stat %s", theirs);
        }
      if (stat (ours, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
        continue; /* shared with the host: nothing to join */
      n->fd[i] = open (theirs, O_RDONLY | O_CLOEXEC);
      if (n->fd[i] < 0)
        return oci_error_set (err, errno, "open %s", theirs);
    }
  return 0;
}

/* A deep copy of the container's process, the template of exec's. */
static int
copy_process (const struct oci_process *p, struct oci_process **out, struct oci_error *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  void *copy = NULL;
  if (bind_emit (oci_runtime_process_type (), p, false, &text, &len, err) < 0
      || bind_parse_text (oci_runtime_process_type (), "process", text, len, &copy, err) < 0)
    return -1;
  *out = copy;
  return 0;
}

static int
set_env (struct oci_process *p, const char *kv)
{
  size_t klen = strcspn (kv, "=");
  for (size_t i = 0; i < p->env_len; i++)
    if (strncmp (p->env[i], kv, klen) == 0 && p->env[i][klen] == '=')
      {
        char *c = strdup (kv);
        if (c == NULL)
          return -1;
        free (p->env[i]);
        p->env[i] = c;
        return 0;
      }
  return cmn_strv_push (&p->env, &p->env_len, kv);
}

static int
parse_id (const char *text, uint32_t *out)
{
  char *end;
  unsigned long v = strtoul (text, &end, 10);
  if (*text == '\0' || *end != '\0' || text[0] == '-' || v > UINT32_MAX)
    return -1;
  *out = (uint32_t) v;
  return 0;
}

/* --user and --additional-gids. */
static int
set_user (const struct rl_exec_opts *o, struct oci_process *p, struct oci_error *err)
{
  if (o->user || o->additional_gids_len)
    {
      if (p->user == NULL && (p->user = calloc (1, sizeof *p->user)) == NULL)
        goto oom;
    }
  if (o->user)
    {
      cleanup_free char *u = strdup (o->user);
      char *colon;
      if (u == NULL)
        goto oom;
      colon = strchr (u, ':');
      if (colon)
        *colon = '\0';
      if (parse_id (u, &p->user->uid) < 0 || (colon && parse_id (colon + 1, &p->user->gid) < 0))
        return oci_error_set (err, 0, "exec: --user: expected UID[:GID] (numbers), got \"%s\"", o->user);
      p->user->has_uid = true;
      if (colon)
        p->user->has_gid = true;
    }
  if (o->additional_gids_len)
    {
      uint32_t *g = calloc (o->additional_gids_len, sizeof (uint32_t));
      if (g == NULL)
        goto oom;
      for (size_t i = 0; i < o->additional_gids_len; i++)
        if (parse_id (o->additional_gids[i], &g[i]) < 0)
          {
            free (g);
            return oci_error_set (err, 0, "exec: --additional-gids: expected a number, got \"%s\"",
                                  o->additional_gids[i]);
          }
      free (p->user->additional_gids);
      p->user->additional_gids = g;
      p->user->additional_gids_len = o->additional_gids_len;
    }
  return 0;
oom:
  return oci_error_set (err, ENOMEM, "exec");
}

/* The process exec runs: --process, or the container's process with the
 * command line's changes (runc's rules). */
static int
build_process (const struct rl_exec_opts *o, const struct oci_runtime_config *cfg, struct oci_process **out,
               struct oci_error *err)
{
  struct oci_process *p = NULL;

  *out = NULL;
  if (o->process_file)
    {
      void *doc = NULL;
      if (bind_parse_file (oci_runtime_process_type (), o->process_file, &doc, err) < 0)
        return -1;
      p = doc;
    }
  else
    {
      if (o->args_len == 0)
        return oci_error_set (err, 0, "exec: a command to run is required (or --process)");
      if (cfg->process == NULL)
        return oci_error_set (err, 0, "exec: the container's config.json has no process to start from");
      if (copy_process (cfg->process, &p, err) < 0)
        return -1;
      if (cmn_strv_replace (&p->args, &p->args_len, o->args, o->args_len) < 0)
        goto oom;
      /* runc exec gets no terminal unless asked for one. */
      p->terminal = false;
      p->has_terminal = true;
    }
  *out = p;
  if (o->tty >= 0)
    {
      p->terminal = o->tty == 1;
      p->has_terminal = true;
    }
  if (o->cwd)
    {
      free (p->cwd);
      if ((p->cwd = strdup (o->cwd)) == NULL)
        goto oom;
    }
  for (size_t i = 0; i < o->env_len; i++)
    {
      if (strchr (o->env[i], '=') == NULL)
        return oci_error_set (err, 0, "exec: --env: expected KEY=VALUE, got \"%s\"", o->env[i]);
      if (set_env (p, o->env[i]) < 0)
        goto oom;
    }
  if (set_user (o, p, err) < 0)
    return -1;
  if (o->caps_len)
    {
      struct oci_capabilities *c = p->capabilities;
      if (c == NULL && (c = p->capabilities = calloc (1, sizeof *c)) == NULL)
        goto oom;
      for (size_t i = 0; i < o->caps_len; i++)
        {
          if (rl_cap_from_name (o->caps[i]) < 0)
            return oci_error_set (err, 0, "exec: --cap: unknown capability \"%s\"", o->caps[i]);
          if (cmn_strv_push (&c->bounding, &c->bounding_len, o->caps[i]) < 0
              || cmn_strv_push (&c->effective, &c->effective_len, o->caps[i]) < 0
              || cmn_strv_push (&c->permitted, &c->permitted_len, o->caps[i]) < 0
              || cmn_strv_push (&c->ambient, &c->ambient_len, o->caps[i]) < 0)
            goto oom;
        }
    }
  if (o->no_new_privs)
    {
      p->no_new_privileges = true;
      p->has_no_new_privileges = true;
    }
  if (o->apparmor)
    {
      free (p->apparmor_profile);
      if ((p->apparmor_profile = strdup (o->apparmor)) == NULL)
        goto oom;
    }
  if (o->process_label)
    {
      free (p->selinux_label);
      if ((p->selinux_label = strdup (o->process_label)) == NULL)
        goto oom;
    }
  if (p->args_len == 0)
    return oci_error_set (err, 0, "exec: process.args must not be empty");
  if (p->cwd == NULL || p->cwd[0] != '/')
    return oci_error_set (err, 0, "exec: the working directory must be an absolute path");
  return 0;
oom:
  return oci_error_set (err, ENOMEM, "exec");
}

struct child_ctx
{
  const struct oci_process *p;
  const struct oci_runtime_config *cfg;
  const struct rl_state *state;
  const struct rl_cgroup_dirs *cgroup; /* the container's, or --cgroup's sub-cgroups */
  struct exec_ns *ns;
  int sync_fd;
  int console_fd;
  unsigned int preserve_fds;
  size_t cgroup_joined; /* the cgroup the clone put us in (rl_cgroup_clone) */
  int listener_fd;      /* linux.seccomp.listenerPath, connected, or -1 */
};

/* The child: cgroup, namespaces, terminal, cwd, process attributes, exec.
 * Errors go back over sync_fd; a successful execve closes it (CLOEXEC). */
static int
child_run (struct child_ctx *c, struct oci_error *err)
{
  const struct oci_process *p = c->p;
  cleanup_free char *path = NULL, *home = NULL;
  cleanup_free char *state_json = NULL;
  cleanup_free char **env = NULL;

  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  /* The cgroup first, through the host's /sys/fs/cgroup. */
  if (rl_cgroup_join_self (c->cgroup->dirs, c->cgroup->len, c->cgroup_joined, RL_CGROUP_SKIP_MISSING, err) < 0)
    return oci_error_prefix (err, "join the container's cgroup");
  for (size_t i = 0; i < N_NS; i++)
    {
      if (c->ns->fd[i] < 0 || ns_files[i].flag == CLONE_NEWPID || ns_files[i].flag == CLONE_NEWTIME)
        continue;
      if (setns (c->ns->fd[i], ns_files[i].flag) < 0)
        return oci_error_set (err, errno, "join the container's %s namespace", ns_files[i].file);
    }
  /* Joining the mount namespace put us at its root: the container's.
   * Without one of its own the init chrooted: so do we. */
  if (c->ns->root >= 0 && (fchdir (c->ns->root) < 0 || chroot (".") < 0))
    return oci_error_set (err, errno, "exec: enter the container's root");
  if (c->console_fd >= 0)
    {
      if (rl_console_setup (c->console_fd, p->console_size, false, err) < 0)
        return -1;
      close (c->console_fd);
    }
  if (chdir (p->cwd) < 0)
    return oci_error_set (err, errno, "exec: chdir to %s", p->cwd);
  if (rl_find_executable (p->args[0], p->env, p->env_len, &path, err) < 0)
    return -1;
  env = rl_env_with_home (p->env, p->env_len, p->user ? p->user->uid : 0, &home);
  if (env == NULL)
    return oci_error_set (err, ENOMEM, "exec");
  rl_cloexec_fds_from (3 + (int) c->preserve_fds);
  for (unsigned int i = 0; i < c->preserve_fds; i++)
    fcntl (3 + (int) i, F_SETFD, 0);
  if (bind_emit (&rl_state_public_type, c->state, false, &state_json, NULL, err) < 0)
    return -1;
  /* rl_process_apply closes the listener connection. */
  if (rl_process_apply (p, c->cfg->linux_, state_json, c->listener_fd, err) < 0)
    return -1;
  execve (path, p->args, env);
  return oci_error_set (err, errno, "exec %s", path);
}

static int
enter_for_children (struct exec_ns *ns, int saved[2], struct oci_error *err)
{
  static const char *const self[2] = { "/proc/self/ns/pid", "/proc/self/ns/time" };
  static const int flags[2] = { CLONE_NEWPID, CLONE_NEWTIME };
  saved[0] = saved[1] = -1;
  for (int k = 0; k < 2; k++)
    for (size_t i = 0; i < N_NS; i++)
      if (ns_files[i].flag == flags[k] && ns->fd[i] >= 0)
        {
          saved[k] = open (self[k], O_RDONLY | O_CLOEXEC);
          if (saved[k] < 0 || setns (ns->fd[i], flags[k]) < 0)
            return oci_error_set (err, errno, "enter the container's %s namespace", ns_files[i].file);
        }
  return 0;
}

static void
leave_for_children (int saved[2])
{
  static const int flags[2] = { CLONE_NEWPID, CLONE_NEWTIME };
  for (int k = 0; k < 2; k++)
    if (saved[k] >= 0)
      {
        setns (saved[k], flags[k]);
        close (saved[k]);
      }
}

/* Everything exec owns while it runs, released by exec_run_release. */
struct exec_run
{
  struct rl_opened c;
  struct oci_process *p;
  struct exec_ns ns;
  struct rl_cgroup_dirs cgroup;
  int sync[2];
  int console[2];   /* an internal pair for the pty's master, without --console-socket */
  int console_init; /* the child's end: console[1] or the --console-socket connection */
  int master;
  int listener_fd;
  pid_t pid;
};

static void
exec_run_init (struct exec_run *r)
{
  memset (r, 0, sizeof *r);
  for (size_t i = 0; i < N_NS; i++)
    r->ns.fd[i] = -1;
  r->ns.root = -1;
  r->c.rootfd = r->c.dirfd = -1;
  r->sync[0] = r->sync[1] = r->console[0] = r->console[1] = -1;
  r->console_init = r->master = r->listener_fd = -1;
  r->pid = -1;
}

/* ret < 0: a process already started is killed (unless detached). */
static void
exec_run_release (struct exec_run *r, bool detach, int ret)
{
  rl_cgroup_dirs_free (&r->cgroup);
  if (ret < 0 && r->pid > 0 && !detach)
    {
      kill (r->pid, SIGKILL);
      rl_waitpid (r->pid, NULL);
    }
  for (int i = 0; i < 2; i++)
    {
      if (r->sync[i] >= 0)
        close (r->sync[i]);
      if (r->console[i] >= 0)
        close (r->console[i]);
    }
  if (r->console_init >= 0 && r->console_init != r->console[1])
    close (r->console_init);
  if (r->master >= 0)
    close (r->master);
  if (r->listener_fd >= 0)
    close (r->listener_fd);
  exec_ns_close (&r->ns);
  if (r->p)
    bind_free (oci_runtime_process_type (), r->p);
  rl_opened_release (&r->c);
}

/* The container, the process, its cgroup: what exec checks before it
 * makes anything. */
static int
exec_open (struct exec_run *r, const struct rl_global *g, const struct rl_exec_opts *o, struct oci_error *err)
{
  if (rl_container_open (g, o->id, false, true, &r->c, err) < 0)
    return -1;
  if (r->c.status == RL_STOPPED || r->c.status == RL_CREATING)
    return oci_error_set (err, 0, "container %s: cannot exec in a %s container", o->id, rl_status_name (r->c.status));
  if (r->c.status == RL_PAUSED && !o->ignore_paused)
    return oci_error_set (err, 0, "cannot exec in a paused container (use --ignore-paused to override)");
  if (build_process (o, r->c.config, &r->p, err) < 0 || rl_process_check (r->p, r->c.config->linux_, err) < 0)
    return -1;
  if (rl_cgroup_sub_dirs (r->c.state->cgroup_dirs, r->c.state->cgroup_dirs_len, o->cgroups, o->cgroups_len,
                          &r->cgroup, err)
      < 0)
    return oci_error_prefix (err, "exec");
  return 0;
}

/* The pty's side: --console-socket, or a pair over which we get the
 * master to proxy. */
static int
exec_terminal (struct exec_run *r, const struct rl_exec_opts *o, struct oci_error *err)
{
  struct oci_process *p = r->p;
  bool terminal = p->has_terminal && p->terminal;
  struct winsize ws;

  if (terminal && !o->console_socket && o->detach)
    return oci_error_set (err, 0, "cannot allocate a terminal without --console-socket when detached");
  if (!terminal && o->console_socket)
    return oci_error_set (err, 0, "--console-socket given but no terminal was asked for (-t)");
  if (!terminal)
    return 0;
  if (o->console_socket)
    {
      r->console_init = rl_console_socket_connect (o->console_socket, err);
      return r->console_init < 0 ? -1 : 0;
    }
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, r->console) < 0)
    return oci_error_set (err, errno, "socketpair for the terminal");
  r->console_init = r->console[1];
  /* The pty starts with our terminal's size, before the process runs
   * (later changes come with SIGWINCH). */
  if (p->console_size == NULL && isatty (0) && ioctl (0, TIOCGWINSZ, &ws) == 0
      && (p->console_size = calloc (1, sizeof *p->console_size)) != NULL)
    {
      p->console_size->height = ws.ws_row;
      p->console_size->width = ws.ws_col;
      p->console_size->has_height = p->console_size->has_width = true;
    }
  return 0;
}

/* What the child needs opened beforehand: the seccomp listener, the
 * init's namespaces, the sync pair; and the init still the one looked at. */
static int
exec_open_fds (struct exec_run *r, struct oci_error *err)
{
  const struct oci_runtime_config *cfg = r->c.config;
  int pidfd;

  /* As for the init: the exec'd process's notify fd goes to the
   * listener, whose path is resolved in our mount namespace. */
  if (cfg->linux_ && rl_seccomp_uses_notify (cfg->linux_->seccomp) && cfg->linux_->seccomp->listener_path
      && rl_seccomp_connect_listener (cfg->linux_->seccomp->listener_path, &r->listener_fd, err) < 0)
    return -1;
  if (exec_ns_open ((pid_t) r->c.state->pid, !rl_namespaces_has (cfg->linux_, CLONE_NEWNS), &r->ns, err) < 0
      || sync_socketpair (r->sync, err) < 0)
    return -1;
  pidfd = rl_open_init (r->c.state, err);
  if (pidfd < 0)
    return -1;
  close (pidfd);
  return 0;
}

/* The child, in the container's pid and time namespaces and cgroup;
 * it joins the rest itself (child_run). */
static int
exec_spawn (struct exec_run *r, const struct rl_exec_opts *o, struct oci_error *err)
{
  int saved[2] = { -1, -1 };
  size_t joined;

  /* A non-root runtime may enter the container's pid namespace only from
   * inside the user namespace that owns it (which it created, so it has
   * every capability there): join it first, for good.  Root joins it in
   * the child, like the others. */
  if (geteuid () != 0 && r->ns.fd[0] >= 0)
    {
      if (setns (r->ns.fd[0], CLONE_NEWUSER) < 0)
        return oci_error_set (err, errno, "join the container's user namespace");
      close (r->ns.fd[0]);
      r->ns.fd[0] = -1;
    }
  if (enter_for_children (&r->ns, saved, err) < 0)
    {
      leave_for_children (saved);
      return -1;
    }
  r->pid = rl_cgroup_clone (0, r->cgroup.dirs, r->cgroup.len, &joined);
  if (r->pid == 0)
    {
      struct child_ctx cc = { .p = r->p,
                              .cfg = r->c.config,
                              .state = r->c.state,
                              .cgroup = &r->cgroup,
                              .ns = &r->ns,
                              .sync_fd = r->sync[1],
                              .console_fd = r->console_init,
                              .preserve_fds = o->preserve_fds,
                              .cgroup_joined = joined,
                              .listener_fd = r->listener_fd };
      sigset_t none;
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      close (r->sync[0]);
      if (r->console[0] >= 0)
        close (r->console[0]);
      if (child_run (&cc, err) < 0)
        sync_send_error (r->sync[1], err);
      _exit (127);
    }
  leave_for_children (saved);
  /* The listener reads the hand-over to EOF: only the child may hold it. */
  if (r->listener_fd >= 0)
    close (steal_fd (&r->listener_fd));
  if (r->pid < 0)
    return oci_error_set (err, errno, "fork");
  return 0;
}

/* Waits until the child has exec'd: EOF on the sync socket (its exec
 * closed its end); a message instead: it failed. */
static int
exec_wait_execve (struct exec_run *r, const char *id, struct oci_error *err)
{
  char buf[4096];
  ssize_t n;

  close (steal_fd (&r->sync[1]));
  if (r->console_init >= 0)
    {
      close (steal_fd (&r->console_init));
      r->console[1] = -1;
    }
  do
    n = recv (r->sync[0], buf, sizeof buf - 1, 0);
  while (n < 0 && errno == EINTR);
  if (n > 0)
    {
      buf[n] = '\0';
      rl_waitpid (r->pid, NULL);
      return oci_error_set (err, 0, "exec in container %s: %s", id, buf + 1);
    }
  return 0;
}

static int
do_exec (struct exec_run *r, const struct rl_global *g, const struct rl_exec_opts *o, int *status,
         struct oci_error *err)
{
  if (exec_open (r, g, o, err) < 0 || exec_terminal (r, o, err) < 0 || exec_open_fds (r, err) < 0
      || exec_spawn (r, o, err) < 0)
    return -1;
  rl_log_debug (g, "container %s: exec'd process pid %d", o->id, (int) r->pid);
  if (exec_wait_execve (r, o->id, err) < 0)
    return -1;
  if (o->started && o->started (o->started_arg, r->pid, err) < 0)
    return -1;
  if (r->console[0] >= 0 && rl_console_receive_fd (r->console[0], &r->master, err) < 0)
    return -1;
  if (o->detach)
    return 0;
  /* The proxy closes the master. */
  return rl_wait_foreground (r->pid, steal_fd (&r->master), status, err);
}

int
rl_exec (const struct rl_global *g, const struct rl_exec_opts *o, int *status, struct oci_error *err)
{
  struct exec_run r;
  int ret;

  *status = 0;
  if (!o->detach)
    {
      sigset_t set;
      rl_forwarded_signals (&set);
      sigprocmask (SIG_BLOCK, &set, NULL);
    }
  exec_run_init (&r);
  ret = do_exec (&r, g, o, status, err);
  exec_run_release (&r, o->detach, ret);
  return ret;
}
