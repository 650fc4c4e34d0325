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
  { "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS },      { "ipc", CLONE_NEWIPC },  { "uts", CLONE_NEWUTS },
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
  int listener_fd; /* linux.seccomp.listenerPath, connected, or -1 */
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

int
rl_exec (const struct rl_global *g, const struct rl_exec_opts *o, int *status, struct oci_error *err)
{
  struct rl_opened c;
  struct oci_process *p = NULL;
  struct exec_ns ns;
  struct rl_cgroup_dirs cgroup = { 0 };
  int sync[2] = { -1, -1 }, console[2] = { -1, -1 }, saved[2] = { -1, -1 };
  int console_init = -1, master = -1, ret = -1;
  cleanup_close int listener_fd = -1;
  pid_t pid = -1;
  size_t joined;
  bool terminal;

  *status = 0;
  for (size_t i = 0; i < N_NS; i++)
    ns.fd[i] = -1;
  ns.root = -1;
  if (!o->detach)
    {
      sigset_t set;
      rl_forwarded_signals (&set);
      sigprocmask (SIG_BLOCK, &set, NULL);
    }
  if (rl_container_open (g, o->id, false, true, &c, err) < 0)
    goto out;
  if (c.status == RL_STOPPED || c.status == RL_CREATING)
    {
      oci_error_set (err, 0, "container %s: cannot exec in a %s container", o->id, rl_status_name (c.status));
      goto out;
    }
  if (c.status == RL_PAUSED && !o->ignore_paused)
    {
      oci_error_set (err, 0, "cannot exec in a paused container (use --ignore-paused to override)");
      goto out;
    }
  if (build_process (o, c.config, &p, err) < 0 || rl_process_check (p, c.config->linux_, err) < 0)
    goto out;
  if (rl_cgroup_sub_dirs (c.state->cgroup_dirs, c.state->cgroup_dirs_len, o->cgroups, o->cgroups_len, &cgroup, err)
      < 0)
    {
      oci_error_prefix (err, "exec");
      goto out;
    }
  terminal = p->has_terminal && p->terminal;
  if (terminal && !o->console_socket && o->detach)
    {
      oci_error_set (err, 0, "cannot allocate a terminal without --console-socket when detached");
      goto out;
    }
  if (!terminal && o->console_socket)
    {
      oci_error_set (err, 0, "--console-socket given but no terminal was asked for (-t)");
      goto out;
    }
  if (terminal)
    {
      if (o->console_socket)
        {
          console_init = rl_console_socket_connect (o->console_socket, err);
          if (console_init < 0)
            goto out;
        }
      else
        {
          if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) < 0)
            {
              oci_error_set (err, errno, "socketpair for the terminal");
              goto out;
            }
          console_init = console[1];
          /* The pty starts with our terminal's size, before the process
           * runs (later changes come with SIGWINCH). */
          struct winsize ws;
          if (p->console_size == NULL && isatty (0) && ioctl (0, TIOCGWINSZ, &ws) == 0
              && (p->console_size = calloc (1, sizeof *p->console_size)) != NULL)
            {
              p->console_size->height = ws.ws_row;
              p->console_size->width = ws.ws_col;
              p->console_size->has_height = p->console_size->has_width = true;
            }
        }
    }
  /* As for the init: the exec'd process's notify fd goes to the
   * listener, whose path is resolved in our mount namespace. */
  if (c.config->linux_ && rl_seccomp_uses_notify (c.config->linux_->seccomp)
      && c.config->linux_->seccomp->listener_path
      && rl_seccomp_connect_listener (c.config->linux_->seccomp->listener_path, &listener_fd, err) < 0)
    goto out;
  if (exec_ns_open ((pid_t) c.state->pid, !rl_namespaces_has (c.config->linux_, CLONE_NEWNS), &ns, err) < 0
      || sync_socketpair (sync, err) < 0)
    goto out;
  /* The init must still be the one we looked at. */
  {
    int pidfd = rl_open_init (c.state, err);
    if (pidfd < 0)
      goto out;
    close (pidfd);
  }
  /* A non-root runtime may enter the container's pid namespace only from
   * inside the user namespace that owns it (which it created, so it has
   * every capability there): join it first, for good.  Root joins it in
   * the child, like the others. */
  if (geteuid () != 0 && ns.fd[0] >= 0)
    {
      if (setns (ns.fd[0], CLONE_NEWUSER) < 0)
        {
          oci_error_set (err, errno, "join the container's user namespace");
          goto out;
        }
      close (ns.fd[0]);
      ns.fd[0] = -1;
    }
  if (enter_for_children (&ns, saved, err) < 0)
    {
      leave_for_children (saved);
      goto out;
    }
  pid = rl_cgroup_clone (0, cgroup.dirs, cgroup.len, &joined);
  if (pid == 0)
    {
      struct child_ctx cc = { .p = p,
                              .cfg = c.config,
                              .state = c.state,
                              .cgroup = &cgroup,
                              .ns = &ns,
                              .sync_fd = sync[1],
                              .console_fd = console_init,
                              .preserve_fds = o->preserve_fds,
                              .cgroup_joined = joined,
                              .listener_fd = listener_fd };
      sigset_t none;
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      close (sync[0]);
      if (console[0] >= 0)
        close (console[0]);
      if (child_run (&cc, err) < 0)
        sync_send_error (sync[1], err);
      _exit (127);
    }
  leave_for_children (saved);
  /* The listener reads the hand-over to EOF: only the child may hold it. */
  if (listener_fd >= 0)
    close (steal_fd (&listener_fd));
  if (pid < 0)
    {
      oci_error_set (err, errno, "fork");
      goto out;
    }
  rl_log_debug (g, "container %s: exec'd process pid %d", o->id, (int) pid);
  close (sync[1]);
  sync[1] = -1;
  if (console_init >= 0)
    {
      close (console_init);
      console_init = -1;
      console[1] = -1;
    }
  /* EOF: the child's exec closed its end; a message: it failed. */
  {
    char buf[4096];
    ssize_t n;
    do
      n = recv (sync[0], buf, sizeof buf - 1, 0);
    while (n < 0 && errno == EINTR);
    if (n > 0)
      {
        buf[n] = '\0';
        rl_waitpid (pid, NULL);
        oci_error_set (err, 0, "exec in container %s: %s", o->id, buf + 1);
        goto out;
      }
  }
  if (o->pid_file)
    {
      char text[32];
      int len = snprintf (text, sizeof text, "%d", pid);
      if (oci_replace_file (o->pid_file, text, (size_t) len, 0644, err) < 0)
        goto out;
    }
  if (console[0] >= 0 && rl_console_receive_fd (console[0], &master, err) < 0)
    goto out;
  if (o->detach)
    {
      ret = 0;
      goto out;
    }
  ret = rl_wait_foreground (pid, master, status, err);
  master = -1; /* closed by the proxy */
out:
  rl_cgroup_dirs_free (&cgroup);
  if (ret < 0 && pid > 0 && !o->detach)
    {
      kill (pid, SIGKILL);
      rl_waitpid (pid, NULL);
    }
  for (int i = 0; i < 2; i++)
    {
      if (sync[i] >= 0)
        close (sync[i]);
      if (console[i] >= 0)
        close (console[i]);
    }
  if (console_init >= 0 && console_init != console[1])
    close (console_init);
  if (master >= 0)
    close (master);
  exec_ns_close (&ns);
  if (p)
    bind_free (oci_runtime_process_type (), p);
  rl_opened_release (&c);
  return ret;
}
