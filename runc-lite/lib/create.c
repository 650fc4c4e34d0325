/* create and run: from a bundle to a container whose init waits for
 * `start` (runtime-spec runtime.md "Lifecycle" steps 1-5), and the init's
 * own side of it.  See init.h for the order of the init's steps. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/keyctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "console.h"
#include "container.h"
#include "fileutil.h"
#include "freezer.h"
#include "hooks.h"
#include "idmap.h"
#include "init.h"
#include "log.h"
#include "mounts.h"
#include "namespaces.h"
#include "process.h"
#include "seccomp.h"
#include "state.h"
#include "sync.h"
#include "util.h"

extern char **environ;

/* Everything create owns until the container exists. */
struct creation
{
  const struct rl_global *g;
  const struct rl_create_opts *o;
  struct oci_runtime_config *config; /* the caller's */
  char *bundle;
  char *rootfs;
  int rootfd;
  int dirfd;      /* ROOT/ID, flock'ed */
  int fifo_dirfd; /* O_PATH to ROOT/ID, for the init (no lock attached);
                   * -1 for `run`, which starts the init over the sync
                   * socket and makes no exec fifo */
  int console;    /* connected console socket, or our end of an internal pair */
  int console_init_end;
  int sync[2];
  int listener_fd;
  int *mount_fds; /* per mount, see rl_idmap_prepare; NULL when none */
  struct rl_namespaces ns;
  char *mountinfo;                       /* the runtime's, read once for the cgroup's set-up */
  struct rl_cgroup_dirs cgroup_resolved; /* before rl_cgroup_make: not ours to remove */
  struct rl_cgroup_dirs cgroup;
  size_t cgroup_joined;   /* the one the clone put the init in (rl_cgroup_clone) */
  int init_unshares;      /* namespaces the init makes itself, not its clone (spawn_init) */
  bool cgroup_late;       /* the init joins cgroup_resolved's directories, made after its clone */
  unsigned int preserved; /* fds 3 .. 3+preserved-1 go to the container */
  unsigned int listen_fds;
  pid_t pid;
  bool dir_created;
  bool rootless;
};

static void
creation_init (struct creation *c, const struct rl_global *g, struct oci_runtime_config *config,
               const struct rl_create_opts *o)
{
  memset (c, 0, sizeof *c);
  c->g = g;
  c->o = o;
  c->config = config;
  c->rootfd = c->dirfd = c->fifo_dirfd = c->console = c->console_init_end = c->listener_fd = -1;
  c->sync[0] = c->sync[1] = -1;
}

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

/* Undoes a failed create: the init, its cgroup, the state directory. */
static void
creation_abort (struct creation *c)
{
  struct oci_error ignored = OCI_ERROR_INIT;
  if (c->pid > 0)
    {
      kill (c->pid, SIGKILL);
      rl_waitpid (c->pid, NULL);
      c->pid = 0;
    }
  rl_cgroup_remove (&c->cgroup, &ignored);
  oci_error_clear (&ignored);
  if (c->dir_created && c->rootfd >= 0)
    rl_container_dir_remove (c->rootfd, c->o->id, c->dirfd, &ignored);
  oci_error_clear (&ignored);
  c->dir_created = false;
}

static void
creation_release (struct creation *c)
{
  free (c->bundle);
  free (c->rootfs);
  free (c->mountinfo);
  close_fd (&c->rootfd);
  close_fd (&c->dirfd);
  close_fd (&c->fifo_dirfd);
  close_fd (&c->console);
  close_fd (&c->console_init_end);
  close_fd (&c->sync[0]);
  close_fd (&c->sync[1]);
  close_fd (&c->listener_fd);
  /* The config last: the idmap fds are counted by its mounts. */
  rl_idmap_free (&c->mount_fds, c->config ? c->config->mounts_len : 0);
  rl_namespaces_close (&c->ns);
  rl_cgroup_dirs_free (&c->cgroup_resolved);
  rl_cgroup_dirs_free (&c->cgroup);
  c->config = NULL;
}

/* Checks of config.json that go beyond its schema: what create needs. */
static int
validate_config (const struct oci_runtime_config *cfg, struct oci_error *err)
{
  const struct oci_process *p = cfg->process;
  if (cfg->root == NULL)
    return oci_error_set (err, 0, "config.json: root: required to create a container");
  if (p == NULL)
    return oci_error_set (err, 0, "config.json: process: required to create a container");
  if (p->args_len == 0)
    return oci_error_set (err, 0, "config.json: process.args: must not be empty");
  if (p->cwd[0] != '/')
    return oci_error_set (err, 0, "config.json: process.cwd: must be an absolute path, got \"%s\"", p->cwd);
  /* CVE-2024-21626: a cwd through /proc/self/fd would land on whatever fd
   * the runtime holds at that moment. */
  if (strncmp (p->cwd, "/proc/self/fd", 13) == 0 || strncmp (p->cwd, "/proc/thread-self/fd", 20) == 0)
    return oci_error_set (err, 0, "config.json: process.cwd: \"%s\" is not allowed", p->cwd);
  if (cfg->linux_ == NULL)
    return oci_error_set (err, 0, "config.json: linux: required on Linux");
  /* What would change the caller's namespaces is refused, in runc's
   * words: masks in a shared mount namespace, the names of a shared UTS
   * namespace. */
  if (!rl_namespaces_has (cfg->linux_, CLONE_NEWNS)
      && (cfg->linux_->masked_paths_len > 0 || cfg->linux_->readonly_paths_len > 0))
    return oci_error_set (err, 0,
                          "unable to restrict sys entries without a private MNT namespace "
                          "(linux.maskedPaths and linux.readonlyPaths need a mount namespace)");
  if (!rl_namespaces_has (cfg->linux_, CLONE_NEWUTS) && cfg->hostname && *cfg->hostname)
    return oci_error_set (err, 0, "unable to set hostname without a private UTS namespace");
  if (!rl_namespaces_has (cfg->linux_, CLONE_NEWUTS) && cfg->domainname && *cfg->domainname)
    return oci_error_set (err, 0, "unable to set domainname without a private UTS namespace");
  /* Names and values the init would refuse at start, refused now. */
  if (rl_process_check (p, cfg->linux_, err) < 0)
    return oci_error_prefix (err, "config.json");
  return 0;
}

static size_t
hooks_len (const struct oci_hooks *h, size_t offset)
{
  return h ? *(const size_t *) ((const char *) h + offset) : 0;
}

#define HOOKS(cfg, kind) \
  ((cfg)->hooks ? (cfg)->hooks->kind : NULL), hooks_len ((cfg)->hooks, offsetof (struct oci_hooks, kind##_len))

/* The state a hook or the seccomp listener sees. */
static char *
state_json_for (const struct creation *c, char *status, struct oci_error *err)
{
  cleanup_free char *id = strdup (c->o->id);
  struct rl_state s = {
    .oci_version = c->config->oci_version,
    .id = id,
    .pid = c->pid,
    .has_pid = c->pid > 0,
    .status = status,
    .bundle = c->bundle,
    .annotations = c->config->annotations,
  };
  char *text = NULL;
  if (id == NULL)
    {
      oci_error_set (err, ENOMEM, "container state");
      return NULL;
    }
  if (bind_emit (&rl_state_public_type, &s, false, &text, NULL, err) < 0)
    return NULL;
  return text;
}

/* The host id that a user namespace maps to the container's root: the
 * init opens the exec fifo as that user. */
static unsigned int
host_id_of_root (const struct oci_id_mapping *m, size_t n, unsigned int fallback)
{
  for (size_t i = 0; i < n; i++)
    if (m[i].container_id == 0 && m[i].size > 0)
      return m[i].host_id;
  return fallback;
}

/* ---- the init ---- */

/* The environment for the user's process: process.env, HOME from the
 * container's /etc/passwd when missing (as runc does), plus LISTEN_FDS
 * when socket activation fds are passed on.  The init execs or exits right
 * after: the added strings are not freed. */
static char **
build_env (const struct oci_process *p, unsigned int listen_fds)
{
  char *home = NULL;
  char **with_home = rl_env_with_home (p->env, p->env_len, p->user ? p->user->uid : 0, &home);
  size_t n = p->env_len + (home ? 1 : 0);
  char **env = with_home ? realloc (with_home, (n + 3) * sizeof (char *)) : NULL;
  if (env == NULL)
    return NULL;
  env[n] = NULL;
  if (listen_fds > 0)
    {
      if (asprintf (&env[n++], "LISTEN_FDS=%u", listen_fds) < 0)
        return NULL;
      env[n++] = (char *) "LISTEN_PID=1";
      env[n] = NULL;
    }
  return env;
}

static int
init_chdir (const char *cwd, struct oci_error *err)
{
  cleanup_free char *where = NULL;
  if (chdir (cwd) < 0)
    {
      if (errno != ENOENT)
        return oci_error_set (err, errno, "chdir to %s", cwd);
      if (rl_mkdir_p (cwd, 0755, err) < 0)
        return oci_error_prefix (err, "create process.cwd");
      if (chdir (cwd) < 0)
        return oci_error_set (err, errno, "chdir to %s", cwd);
    }
  /* Outside the container's root getcwd reports "(unreachable)": never
   * start the user's process there. */
  where = getcwd (NULL, 0);
  if (where == NULL || where[0] != '/')
    return oci_error_set (err, 0, "process.cwd %s is outside the container's root", cwd);
  return 0;
}

static int
init_set_names (const struct oci_runtime_config *cfg, struct oci_error *err)
{
  if (cfg->hostname && sethostname (cfg->hostname, strlen (cfg->hostname)) < 0)
    return oci_error_set (err, errno, "set hostname \"%s\"", cfg->hostname);
  if (cfg->domainname && setdomainname (cfg->domainname, strlen (cfg->domainname)) < 0)
    return oci_error_set (err, errno, "set domainname \"%s\"", cfg->domainname);
  return 0;
}

/* A session keyring of the container's own, so that keys the runtime's
 * caller holds are not visible inside (unless --no-new-keyring). */
static int
join_session_keyring (const char *id, struct oci_error *err)
{
  cleanup_free char *name = NULL;
  long key;
  if (asprintf (&name, "_ses.%s", id) < 0)
    return oci_error_set (err, ENOMEM, "keyring");
  key = syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0);
  if (key < 0)
    return errno == ENOSYS ? 0 : oci_error_set (err, errno, "join a new session keyring");
  /* possessor: everything; owner: view, read, write, search, link, setattr */
  if (syscall (SYS_keyctl, KEYCTL_SETPERM, key, 0x3f3f0000, 0, 0) < 0)
    return oci_error_set (err, errno, "set the session keyring's permissions");
  return 0;
}

/* Reads the state JSON from the SYNC_GO payload and rewrites its status. */
static char *
restate (const char *json, const char *status)
{
  struct oci_error err = OCI_ERROR_INIT;
  void *s = NULL;
  char *out = NULL;
  if (bind_parse_text (&rl_state_type, "state", json, strlen (json), &s, &err) == 0)
    {
      struct rl_state *st = s;
      free (st->status);
      st->status = strdup (status);
      if (bind_emit (&rl_state_public_type, st, false, &out, NULL, &err) < 0)
        out = NULL;
    }
  rl_state_free (s);
  oci_error_clear (&err);
  return out;
}

/* Set-up up to SYNC_CREATED; errors go back over the sync socket. */
static int
init_setup (struct creation *c, struct rl_init *init, char **state_json, struct oci_error *err)
{
  const struct oci_runtime_config *cfg = c->config;
  const struct rl_cgroup_dirs *cg = c->cgroup_late ? &c->cgroup_resolved : &c->cgroup;
  int sync_fd = c->sync[1];

  /* While create makes our cgroups and writes the state (spawn_init). */
  if (c->init_unshares != 0 && unshare (c->init_unshares) < 0)
    return oci_error_set (err, errno, "create the container's namespaces");
  if (sync_expect_text (sync_fd, SYNC_GO, state_json, err) < 0)
    return -1;
  /* A non-root runtime had to write our uid_map first (see init_main). */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  init->state_json = *state_json;
  /* Into the cgroup with the runtime's own credentials (not yet root of a
   * user namespace: another uid on the host) and before any namespace is
   * joined or made, as the runtime made the directories. */
  if (rl_cgroup_join_self (cg->dirs, cg->len, c->cgroup_joined, c->rootless ? RL_CGROUP_SKIP_DENIED : 0, err) < 0)
    return -1;
  if (init->userns)
    {
      /* Become root of the new user namespace, where 0 is mapped. */
      if (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0)
        return oci_error_set (err, errno, "become root in the user namespace (is 0 mapped?)");
    }
  if (rl_namespaces_join (&c->ns, 0, CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWTIME, err) < 0)
    return -1;
  /* Only a network namespace we made: one joined by path is its owner's. */
  if ((c->ns.new_flags & CLONE_NEWNET) && rl_netns_loopback_up (err) < 0)
    return -1;
  if ((c->ns.new_flags & CLONE_NEWCGROUP) && unshare (CLONE_NEWCGROUP) < 0)
    return oci_error_set (err, errno, "create the cgroup namespace");
  if (rl_rootfs_prepare (init, err) < 0)
    return -1;
  rl_idmap_free (&c->mount_fds, cfg->mounts_len); /* attached now */
  init->mount_fds = NULL;
  if (hooks_len (cfg->hooks, offsetof (struct oci_hooks, prestart_len))
          + hooks_len (cfg->hooks, offsetof (struct oci_hooks, create_runtime_len))
      > 0)
    {
      if (sync_send (sync_fd, SYNC_RUNTIME_HOOKS, NULL, err) < 0 || sync_expect (sync_fd, SYNC_HOOKS_DONE, err) < 0)
        return -1;
    }
  if (hooks_len (cfg->hooks, offsetof (struct oci_hooks, create_container_len)) > 0)
    {
      /* createContainer hooks start in the rootfs, as runc's do. */
      cleanup_close int here = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (here < 0 || chdir (init->rootfs) < 0)
        return oci_error_set (err, errno, "createContainer hooks: change to the rootfs %s", init->rootfs);
      if (rl_hooks_run (HOOKS (cfg, create_container), "createContainer", *state_json, err) < 0)
        return -1;
      if (fchdir (here) < 0)
        return oci_error_set (err, errno, "createContainer hooks: change back from the rootfs");
    }
  if (rl_seccomp_uses_notify (cfg->linux_->seccomp) && cfg->linux_->seccomp->listener_path
      && rl_seccomp_connect_listener (cfg->linux_->seccomp->listener_path, &c->listener_fd, err) < 0)
    return -1;
  if (rl_rootfs_enter (init, err) < 0)
    return -1;
  /* process.cwd is made while the root may still be written to: a
   * read-only root (root.readonly) comes with rl_rootfs_finish. */
  if (access (cfg->process->cwd, F_OK) < 0 && rl_mkdir_p (cfg->process->cwd, 0755, err) < 0)
    return oci_error_prefix (err, "create process.cwd");
  if (rl_rootfs_finish (init, err) < 0)
    return -1;
  if (init_set_names (cfg, err) < 0 || (!init->no_new_keyring && join_session_keyring (init->id, err) < 0))
    return -1;
  if (cfg->process->has_terminal && cfg->process->terminal)
    {
      if (rl_console_setup (c->console_init_end, cfg->process->console_size, true, err) < 0)
        return -1;
      close_fd (&c->console_init_end);
    }
  if (rl_rootfs_dev_readonly (init, err) < 0 || init_chdir (cfg->process->cwd, err) < 0)
    return -1;
  /* As runc: a process that cannot be found fails create (exit 1), not
   * start; init_exec looks again after the startContainer hooks. */
  cleanup_free char *exe = NULL;
  return rl_find_executable (cfg->process->args[0], cfg->process->env, cfg->process->env_len, &exe, err);
}

/* After start: process attributes, hooks, exec.  Errors are written to
 * the fifo, where `start` reads them. */
static int
init_exec (struct creation *c, const char *state_json, struct oci_error *err)
{
  const struct oci_process *p = c->config->process;
  cleanup_free char *path = NULL, *started = restate (state_json, "created");
  cleanup_free char **env = build_env (p, c->listen_fds);

  if (env == NULL)
    return oci_error_set (err, ENOMEM, "environment");
  if (rl_find_executable (p->args[0], p->env, p->env_len, &path, err) < 0)
    return -1;
  /* Only stdio and the preserved fds reach the user's process. */
  rl_cloexec_fds_from (3 + (int) c->preserved);
  for (unsigned int i = 0; i < c->preserved; i++)
    fcntl (3 + (int) i, F_SETFD, 0);
  /* rl_process_apply closes the listener connection. */
  if (rl_process_apply (p, c->config->linux_, state_json, steal_fd (&c->listener_fd), err) < 0)
    return -1;
  /* startContainer hooks run as the process will: its user, capabilities,
   * no_new_privs and seccomp filter (runc runs them there too). */
  if (rl_hooks_run (HOOKS (c->config, start_container), "startContainer", started ? started : state_json, err) < 0)
    return -1;
  execve (path, p->args, env);
  return oci_error_set (err, errno, "exec %s", path);
}

static void __attribute__ ((noreturn)) init_main (struct creation *c)
{
  struct oci_error err = OCI_ERROR_INIT;
  struct rl_init init = {
    .config = c->config,
    .id = c->o->id,
    .bundle = c->bundle,
    .rootfs = c->rootfs,
    .no_pivot = c->o->no_pivot,
    .no_new_keyring = c->o->no_new_keyring,
    .userns = rl_namespaces_has (c->config->linux_, CLONE_NEWUSER),
    .new_mountns = rl_namespaces_has (c->config->linux_, CLONE_NEWNS),
    .cgroupns = rl_namespaces_has (c->config->linux_, CLONE_NEWCGROUP),
    .console_socket = c->console_init_end,
    .sync_fd = c->sync[1],
    .mount_fds = c->mount_fds,
  };
  char *state_json = NULL;
  int fifo;

  /* Nothing in the container may ptrace us or open our /proc files while
   * we still hold the runtime's fds and privileges (CVE-2016-9962);
   * execve restores dumpability for the user's process.  A non-root
   * runtime must still write our uid_map, which the /proc files of a
   * non-dumpable process (owned by root) forbid: then it waits for GO, and
   * new namespaces of a non-root runtime hold nothing else before it. */
  if (geteuid () == 0)
    prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  {
    /* run blocks its signals to forward them: not ours to inherit. */
    sigset_t none;
    sigemptyset (&none);
    sigprocmask (SIG_SETMASK, &none, NULL);
  }
  /* If create dies during set-up, so do we. */
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  close_fd (&c->sync[0]);
  close_fd (&c->dirfd); /* carries the flock: must not outlive create */
  close_fd (&c->rootfd);
  close_fd (&c->console);

  if (init_setup (c, &init, &state_json, &err) < 0)
    {
      sync_send_error (c->sync[1], &err);
      _exit (1);
    }
  /* From here create may exit: we must survive it. */
  prctl (PR_SET_PDEATHSIG, 0, 0, 0, 0);
  if (sync_send (c->sync[1], SYNC_CREATED, NULL, &err) < 0)
    _exit (1);
  if (c->fifo_dirfd < 0)
    {
      /* run: started over the sync socket, whose end the execve closes */
      if (sync_expect (c->sync[1], SYNC_START, &err) < 0)
        _exit (1);
      init_exec (c, state_json, &err);
      sync_send_error (c->sync[1], &err);
      _exit (127);
    }
  close_fd (&c->sync[1]);

  /* Blocks until `start` opens the fifo for reading. */
  do
    fifo = openat (c->fifo_dirfd, RL_EXEC_FIFO, O_WRONLY | O_CLOEXEC);
  while (fifo < 0 && errno == EINTR);
  if (fifo < 0)
    _exit (1);
  close_fd (&c->fifo_dirfd);
  if (write (fifo, "0", 1) != 1)
    _exit (1);
  init_exec (c, state_json, &err);
  /* The fifo's reader (start) reports what went wrong. */
  oci_write_all (fifo, oci_error_msg (&err), strlen (oci_error_msg (&err)));
  _exit (127);
}

/* ---- the parent ---- */

/* A cgroup that exists before the container (as runc's factory checks it):
 * frozen, the init would freeze on joining it and create would wait for
 * ever, so it is an error; holding processes is a warning. */
static int
check_existing_cgroup (struct creation *c, struct oci_error *err)
{
  struct oci_error ignored = OCI_ERROR_INIT;
  cleanup_free pid_t *pids = NULL;
  cleanup_free char **existing = NULL;
  struct rl_cgroup_dirs d = { 0 }; /* borrows from cgroup_resolved */
  size_t n = 0;

  if (rl_cgroup_read_mountinfo (&c->mountinfo, err) < 0
      || rl_cgroup_resolve_in (c->mountinfo, c->config->linux_->cgroups_path, c->o->id, &c->cgroup_resolved, err) < 0)
    return -1;
  /* Usually none exists: one look-up each, not three files each. */
  existing = calloc (c->cgroup_resolved.len + 1, sizeof *existing);
  if (existing == NULL)
    return oci_error_set (err, ENOMEM, "cgroup");
  for (size_t i = 0; i < c->cgroup_resolved.len; i++)
    if (access (c->cgroup_resolved.dirs[i], F_OK) == 0)
      existing[d.len++] = c->cgroup_resolved.dirs[i];
  if (d.len == 0)
    return 0;
  d.dirs = existing;
  if (rl_cgroup_pids (&d, &pids, &n, &ignored) == 0 && n > 0)
    {
      cleanup_free char *msg = NULL;
      if (asprintf (&msg, "container's cgroup is not empty: %zu process(es) found", n) >= 0)
        rl_log_warning (c->g, msg);
    }
  oci_error_clear (&ignored);
  if (rl_freezer_is_frozen (d.dirs, d.len))
    return oci_error_set (err, 0, "container's cgroup unexpectedly frozen");
  return 0;
}

/* The config as it was at create (the bundle's text when given), kept
 * in state.json for the operations on the container (hooks, process,
 * cgroup): one file made in the state directory, not two (a new inode
 * on the state directory's file system is the dearest single call of a
 * `run` where --root is on ext4). */
static char *
config_copy (struct creation *c, struct oci_error *err)
{
  char *copy = NULL;
  size_t len;
  if (c->o->config_text == NULL)
    {
      if (oci_runtime_config_emit (c->config, false, &copy, &len, err) < 0)
        oci_error_prefix (err, "config copy");
      return copy;
    }
  copy = strndup (c->o->config_text, c->o->config_len);
  if (copy == NULL)
    oci_error_set (err, ENOMEM, "config copy");
  return copy;
}

/* create's half of the create/start handshake: the init opens the fifo
 * for writing and blocks there until `start` opens it for reading.  While
 * it exists the container is `created` (rl_state_status). */
static int
make_exec_fifo (struct creation *c, struct oci_error *err)
{
  if (mkfifoat (c->dirfd, RL_EXEC_FIFO, 0600) < 0)
    return oci_error_set (err, errno, "create the exec fifo");
  if (fchownat (c->dirfd, RL_EXEC_FIFO,
                host_id_of_root (c->config->linux_->uid_mappings, c->config->linux_->uid_mappings_len, getuid ()),
                host_id_of_root (c->config->linux_->gid_mappings, c->config->linux_->gid_mappings_len, getgid ()),
                AT_SYMLINK_NOFOLLOW)
      < 0)
    return oci_error_set (err, errno, "chown the exec fifo");
  c->fifo_dirfd = openat (c->dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (c->fifo_dirfd < 0)
    return oci_error_set (err, errno, "open the state directory");
  return 0;
}

/* FOREGROUND: for `run`, which starts the init itself (start_in_process):
 * no exec fifo. */
static int
prepare (struct creation *c, const char *bundle, bool foreground, struct oci_error *err)
{
  const struct rl_create_opts *o = c->o;
  bool terminal;

  if (rl_id_validate (o->id, err) < 0)
    return -1;
  if (rl_realpath (bundle, &c->bundle, err) < 0)
    return oci_error_prefix (err, "bundle");
  if (validate_config (c->config, err) < 0)
    return -1;
  if (rl_realpath (c->config->root->path, &c->rootfs, err) < 0)
    return oci_error_prefix (err, "config.json: root.path");

  terminal = c->config->process->has_terminal && c->config->process->terminal;
  if (terminal && !o->console_socket && (!foreground || o->detach))
    return oci_error_set (err, 0,
                          "cannot allocate a terminal without --console-socket when the container is detached");
  if (!terminal && o->console_socket)
    return oci_error_set (err, 0, "--console-socket given but process.terminal is false");
  if (strcmp (c->g->rootless, "true") == 0)
    c->rootless = true;
  else if (strcmp (c->g->rootless, "auto") == 0)
    c->rootless = geteuid () != 0 || rl_running_in_userns (); /* cgroups best effort, as runc */
  if (c->g->systemd_cgroup)
    return oci_error_set (err, 0, "--systemd-cgroup: %s",
                          access ("/run/systemd/system", F_OK) == 0
                              ? "the systemd cgroup driver is not supported by this build"
                              : "systemd is not running on this host");

  c->listen_fds = o->listen_fds;
  c->preserved = c->listen_fds + o->preserve_fds;

  c->rootfd = rl_root_open (c->g->root, true, err);
  if (c->rootfd < 0)
    return -1;
  c->dirfd = rl_container_dir_create (c->rootfd, o->id, err);
  if (c->dirfd < 0)
    return -1;
  c->dir_created = true;
  if (check_existing_cgroup (c, err) < 0)
    return -1;
  if (!foreground && make_exec_fifo (c, err) < 0)
    return -1;

  if (terminal)
    {
      if (o->console_socket)
        {
          c->console_init_end = rl_console_socket_connect (o->console_socket, err);
          if (c->console_init_end < 0)
            return -1;
        }
      else
        {
          int pair[2];
          if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
            return oci_error_set (err, errno, "socketpair for the terminal");
          c->console = pair[0];
          c->console_init_end = pair[1];
        }
    }
  if (sync_socketpair (c->sync, err) < 0)
    return -1;
  if (rl_namespaces_open (c->config->linux_, &c->ns, err) < 0)
    return -1;
  if (c->g->debug)
    {
      cleanup_free char *ns = rl_namespaces_describe (&c->ns);
      rl_log_debug (c->g, "container %s: namespaces %s", o->id, ns ? ns : "?");
    }
  return rl_idmap_prepare (c->config, c->bundle, &c->mount_fds, err);
}

/* A new time namespace, for the children of this process, with its
 * offsets (written before any process is in it). */
static int
new_time_namespace (struct creation *c, int *saved_time, struct oci_error *err)
{
  const struct oci_linux *l = c->config->linux_;
  if (c->ns.new_flags & CLONE_NEWTIME)
    {
      if (saved_time)
        {
          *saved_time = open ("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
          if (*saved_time < 0)
            return oci_error_set (err, errno, "open our own time namespace");
        }
      if (unshare (CLONE_NEWTIME) < 0)
        return oci_error_set (err, errno, "create the time namespace");
      if (rl_timens_write_offsets (l->time_offsets, err) < 0)
        return -1;
    }
  else if (l->time_offsets)
    return oci_error_set (err, 0, "config.json: linux.timeOffsets: requires a new time namespace");
  return 0;
}

/* pid and time namespaces apply to the children of the process that
 * enters them: the runtime joins (or makes) them around the clone and
 * goes back to its own afterwards. */
static int
enter_children_namespaces (struct creation *c, int *saved_pid, int *saved_time, struct oci_error *err)
{
  *saved_pid = *saved_time = -1;
  for (size_t i = 0; i < c->ns.n_join; i++)
    {
      int flag = c->ns.join[i].flag;
      if (flag != CLONE_NEWPID && flag != CLONE_NEWTIME)
        continue;
      int *saved = flag == CLONE_NEWPID ? saved_pid : saved_time;
      *saved = open (flag == CLONE_NEWPID ? "/proc/self/ns/pid" : "/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
      if (*saved < 0)
        return oci_error_set (err, errno, "open our own namespace");
      if (rl_namespaces_join (&c->ns, flag, 0, err) < 0)
        return -1;
    }
  return new_time_namespace (c, saved_time, err);
}

static void
leave_children_namespaces (int saved_pid, int saved_time)
{
  if (saved_pid >= 0)
    {
      setns (saved_pid, CLONE_NEWPID);
      close (saved_pid);
    }
  if (saved_time >= 0)
    {
      setns (saved_time, CLONE_NEWTIME);
      close (saved_time);
    }
}

/* The clone flags of the init: the cgroup namespace is made by the init
 * once it sits in its cgroup, the time namespace beforehand. */
static int
init_clone_flags (const struct creation *c)
{
  return c->ns.new_flags & ~(CLONE_NEWCGROUP | CLONE_NEWTIME);
}

static bool
joins_user_namespace (const struct creation *c)
{
  for (size_t i = 0; i < c->ns.n_join; i++)
    if (c->ns.join[i].flag == CLONE_NEWUSER)
      return true;
  return false;
}

/* The helper of spawn_in_user_namespace: joins every namespace given by
 * path and the user namespace (as root the others first, while we are
 * still root of the runtime's user namespace), so that the namespaces
 * the clone makes belong to it; clones the init as a sibling
 * (CLONE_PARENT: it stays create's child) and reports its pid, or -1 and
 * the error, on out. */
static void __attribute__ ((noreturn)) user_namespace_helper (struct creation *c, int out)
{
  struct oci_error err = OCI_ERROR_INIT;
  pid_t pid = -1;

  /* A non-root runtime has privileges over the others only from inside
   * the user namespace (which it owns): then that one first. */
  bool user_first = geteuid () != 0;
  if ((!user_first || rl_namespaces_join (&c->ns, CLONE_NEWUSER, 0, &err) == 0)
      && rl_namespaces_join (&c->ns, 0, CLONE_NEWUSER, &err) == 0
      && (user_first || rl_namespaces_join (&c->ns, CLONE_NEWUSER, 0, &err) == 0)
      && new_time_namespace (c, NULL, &err) == 0)
    {
      /* Joined: the init must not join them again. */
      c->ns.n_join = 0;
      pid = (pid_t) syscall (SYS_clone, init_clone_flags (c) | CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
      if (pid == 0)
        init_main (c);
      if (pid < 0)
        oci_error_set (&err, errno, "clone the container's init in the user namespace");
    }
  if (oci_write_all (out, &pid, sizeof pid) == 0 && pid < 0)
    oci_write_all (out, oci_error_msg (&err), strlen (oci_error_msg (&err)));
  _exit (pid < 0);
}

/* A user namespace joined by path owns the namespaces the container
 * makes: they are made after joining it, which create itself cannot do
 * (setns into a user namespace is for good), so a helper does. */
static pid_t
spawn_in_user_namespace (struct creation *c, struct oci_error *err)
{
  cleanup_close int rd = -1;
  cleanup_free char *msg = NULL;
  int p[2];
  pid_t helper, pid = -1;
  size_t len = 0;

  if (pipe2 (p, O_CLOEXEC) < 0)
    return oci_error_set (err, errno, "pipe");
  rd = p[0];
  helper = fork ();
  if (helper == 0)
    {
      close (rd);
      user_namespace_helper (c, p[1]);
    }
  close (p[1]);
  if (helper < 0)
    return oci_error_set (err, errno, "fork");
  if (read (rd, &pid, sizeof pid) != (ssize_t) sizeof pid)
    pid = -1;
  else if (pid < 0)
    {
      struct oci_error ignored = OCI_ERROR_INIT;
      oci_read_fd (rd, "the helper's error", 4096, &msg, &len, &ignored);
      oci_error_clear (&ignored);
    }
  rl_waitpid (helper, NULL);
  if (pid < 0)
    return oci_error_set (err, 0, "%s", msg && *msg ? msg : "the user namespace helper failed");
  return pid;
}

/* Making a network namespace is the dearest step of a create (about a
 * millisecond), the cgroup directories the next: on two cores they can
 * overlap.  So when no user or time namespace is involved (their order
 * matters) and create runs as root, the init is cloned with its pid
 * namespace only and unshares the others itself, while create makes the
 * cgroups (after the clone when no directory is on cgroup2, where clone3
 * needs it first) and writes the state.  Namespaces and cgroup end up as
 * before: the init joins its cgroups after GO either way. */
static void
plan_overlap (struct creation *c)
{
  int flags = init_clone_flags (c);
  c->init_unshares = 0;
  c->cgroup_late = false;
  if (geteuid () != 0 || c->rootless || joins_user_namespace (c)
      || (c->ns.new_flags & (CLONE_NEWUSER | CLONE_NEWTIME)) != 0)
    return;
  c->init_unshares = flags & ~CLONE_NEWPID;
  c->cgroup_late = !c->cgroup_resolved.has_v2;
}

static int
make_cgroup (struct creation *c, struct oci_error *err)
{
  /* The init moves itself in (init_setup): cheaper than our moving it. */
  if (rl_cgroup_make (&c->cgroup_resolved, c->rootless, &c->cgroup, err) < 0)
    return -1;
  for (size_t i = 0; i < c->cgroup.len; i++)
    rl_log_debug (c->g, "container %s: the init goes into cgroup %s", c->o->id, c->cgroup.dirs[i]);
  return 0;
}

static int
spawn_init (struct creation *c, struct oci_error *err)
{
  int saved_pid = -1, saved_time = -1, r = 0;
  pid_t pid = -1;

  plan_overlap (c);
  if (!c->cgroup_late && make_cgroup (c, err) < 0)
    return -1;
  /* none joined yet */
  c->cgroup_joined = c->cgroup_late ? c->cgroup_resolved.len : c->cgroup.len;
  if (joins_user_namespace (c))
    {
      pid = spawn_in_user_namespace (c, err);
      if (pid < 0)
        return -1;
    }
  else
    {
      r = enter_children_namespaces (c, &saved_pid, &saved_time, err);
      if (r == 0)
        {
          pid = rl_cgroup_clone ((unsigned long) (init_clone_flags (c) & ~c->init_unshares), c->cgroup.dirs,
                                 c->cgroup.len, &c->cgroup_joined);
          if (pid == 0)
            init_main (c);
        }
      int saved_errno = errno;
      leave_children_namespaces (saved_pid, saved_time);
      if (r < 0)
        return -1;
      if (pid < 0)
        return oci_error_set (err, saved_errno, "clone the container's init");
    }
  c->pid = pid;
  rl_log_debug (c->g, "container %s: init started, pid %d", c->o->id, (int) pid);
  close_fd (&c->sync[1]);
  close_fd (&c->console_init_end);
  rl_idmap_free (&c->mount_fds, c->config->mounts_len); /* the init's now */
  /* A failure kills the init (creation_abort). */
  if (c->init_unshares != 0)
    rl_step_aside_from_child ();
  return c->cgroup_late ? make_cgroup (c, err) : 0;
}

/* state.json, atomically (temporary file, rename): written while the init
 * sets itself up, before the container can run; a failed create removes
 * the directory with it (creation_abort). */
static int
save_state (struct creation *c, struct oci_error *err)
{
  const struct oci_runtime_config *cfg = c->config;
  cleanup_free char *id = NULL, *config = NULL;
  struct rl_state s = { 0 };
  uint64_t start_time;

  if (rl_proc_start_time (c->pid, &start_time) < 0)
    return oci_error_set (err, 0, "the container's init exited during set-up");
  s.oci_version = cfg->oci_version;
  if ((s.id = id = strdup (c->o->id)) == NULL)
    return oci_error_set (err, ENOMEM, "container state");
  s.pid = c->pid;
  s.has_pid = true;
  s.bundle = c->bundle;
  s.rootfs = c->rootfs;
  s.created = rl_now_rfc3339 ();
  s.owner = geteuid ();
  s.has_owner = true;
  s.annotations = cfg->annotations;
  s.pid_start_time = start_time;
  s.has_pid_start_time = true;
  s.cgroup_dirs = c->cgroup.dirs;
  s.cgroup_dirs_len = c->cgroup.len;
  if ((s.config = config = config_copy (c, err)) == NULL)
    {
      free (s.created);
      return -1;
    }
  int r = rl_state_save (c->dirfd, &s, err);
  free (s.created);
  return r;
}

static int
finish_create (struct creation *c, struct oci_error *err)
{
  const struct oci_runtime_config *cfg = c->config;
  cleanup_free char *creating = NULL;

  if (rl_namespaces_has (cfg->linux_, CLONE_NEWUSER) && (c->ns.new_flags & CLONE_NEWUSER)
      && rl_userns_write_maps (c->pid, cfg->linux_, err) < 0)
    return -1;
  /* The init opens the exec fifo as the root of the user namespace it
   * joined: the host ids that namespace maps 0 to. */
  if (joins_user_namespace (c) && c->fifo_dirfd >= 0)
    {
      uid_t uid;
      gid_t gid;
      if (rl_userns_root_ids (c->pid, &uid, &gid, err) < 0)
        return oci_error_prefix (err, "linux.namespaces: the user namespace joined");
      if (fchownat (c->dirfd, RL_EXEC_FIFO, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
        return oci_error_set (err, errno, "chown the exec fifo");
    }
  if (rl_cgroup_apply_resources_in (c->mountinfo, &c->cgroup, cfg->linux_->resources, err) < 0)
    return -1;
  creating = state_json_for (c, "creating", err);
  if (creating == NULL || sync_send (c->sync[0], SYNC_GO, creating, err) < 0 || save_state (c, err) < 0)
    return -1;
  if (hooks_len (cfg->hooks, offsetof (struct oci_hooks, prestart_len))
          + hooks_len (cfg->hooks, offsetof (struct oci_hooks, create_runtime_len))
      > 0)
    {
      if (sync_expect (c->sync[0], SYNC_RUNTIME_HOOKS, err) < 0)
        return -1;
      if (rl_hooks_run (HOOKS (cfg, prestart), "prestart", creating, err) < 0
          || rl_hooks_run (HOOKS (cfg, create_runtime), "createRuntime", creating, err) < 0)
        {
          sync_send_error (c->sync[0], err);
          /* runtime.md: a failed create hook stops the container and
           * continues at step 12 (destroy, then poststop). */
          kill (c->pid, SIGKILL);
          rl_hooks_run_all (HOOKS (cfg, poststop), "poststop", creating, NULL, NULL);
          return -1;
        }
      if (sync_send (c->sync[0], SYNC_HOOKS_DONE, NULL, err) < 0)
        return -1;
    }
  if (sync_expect (c->sync[0], SYNC_CREATED, err) < 0)
    return -1;
  if (c->o->created && c->o->created (c->o->created_arg, c->pid, err) < 0)
    return -1;
  return 0;
}

static int
do_create (struct creation *c, const char *bundle, bool foreground, struct oci_error *err)
{
  if (prepare (c, bundle, foreground, err) < 0 || spawn_init (c, err) < 0 || finish_create (c, err) < 0)
    {
      creation_abort (c);
      return oci_error_prefix (err, "create container %s", c->o->id ? c->o->id : "");
    }
  rl_log_debug (c->g, "container %s: created, init pid %d waits for start", c->o->id, (int) c->pid);
  return 0;
}

int
rl_create (const struct rl_global *g, const char *bundle, struct oci_runtime_config *config,
           const struct rl_create_opts *o, struct oci_error *err)
{
  struct creation c;
  int r;
  creation_init (&c, g, config, o);
  r = do_create (&c, bundle, false, err);
  creation_release (&c);
  return r;
}

/* What `run` forwards to the container: everything but the signals of
 * our own faults. */
void
rl_forwarded_signals (sigset_t *set)
{
  sigfillset (set);
  sigdelset (set, SIGSEGV);
  sigdelset (set, SIGBUS);
  sigdelset (set, SIGILL);
  sigdelset (set, SIGFPE);
}

/* How long the pty may stay silent after the process exited before we
 * stop waiting for its EOF: only a process outside the container's pid
 * namespace (or with none) can still hold it then. */
#define DRAIN_GRACE_MS 200

/* Forwards signals to the process and waits for it, proxying its pty
 * (MASTER, or -1) meanwhile; SIGWINCH resizes the pty instead of being
 * forwarded, as in runc.  The pty is read to its EOF before returning, so
 * nothing the process wrote just before exiting is lost.  The exit status
 * is the process's (128+signal when it was killed).  The signals were
 * blocked since the start of run, so none sent meanwhile is lost; MASTER
 * is closed. */
int
rl_wait_foreground (pid_t pid, int master, int *status, struct oci_error *err)
{
  struct rl_console_proxy px;
  sigset_t all;
  cleanup_close int sfd = -1;
  int wstatus = 0;
  bool exited = false;

  rl_console_proxy_begin (&px, master);
  rl_forwarded_signals (&all);
  sfd = signalfd (-1, &all, SFD_CLOEXEC);
  if (sfd < 0)
    {
      rl_console_proxy_end (&px);
      return oci_error_set (err, errno, "signalfd");
    }
  for (;;)
    {
      struct pollfd p[3] = { { .fd = sfd, .events = POLLIN },
                             { .fd = px.master, .events = POLLIN },
                             { .fd = px.in_open ? 0 : -1, .events = POLLIN } };
      struct signalfd_siginfo si;
      int r;

      if (!exited && waitpid (pid, &wstatus, WNOHANG) == pid)
        exited = true;
      if (exited && px.master < 0)
        break;
      r = poll (p, 3, exited ? DRAIN_GRACE_MS : -1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          int e = errno;
          rl_console_proxy_end (&px);
          return oci_error_set (err, e, "poll");
        }
      if (r == 0)
        break;
      if ((p[0].revents & POLLIN) && read (sfd, &si, sizeof si) == sizeof si)
        {
          if (si.ssi_signo == SIGWINCH)
            rl_console_resize (px.master);
          else if (si.ssi_signo != SIGCHLD && !exited)
            kill (pid, (int) si.ssi_signo);
        }
      rl_console_proxy_pump (&px, p[1].revents, p[2].revents);
    }
  rl_console_proxy_end (&px);
  if (WIFSIGNALED (wstatus))
    *status = 128 + WTERMSIG (wstatus);
  else
    *status = WEXITSTATUS (wstatus);
  return 0;
}

/* run's start, still holding the lock create took: what rl_start does
 * through the exec fifo, over the sync socket instead (as crun's run, which
 * makes no fifo either).  The container reads as running from the saved
 * state on. */
static int
start_in_process (struct creation *c, struct oci_error *err)
{
  const struct oci_runtime_config *cfg = c->config;

  rl_log_debug (c->g, "container %s: starting the process of init pid %d", c->o->id, (int) c->pid);
  if (sync_send (c->sync[0], SYNC_START, NULL, err) < 0 || sync_expect_exec (c->sync[0], err) < 0)
    return oci_error_prefix (err, "container %s", c->o->id);
  if (hooks_len (cfg->hooks, offsetof (struct oci_hooks, poststart_len)) > 0)
    {
      cleanup_free char *running = state_json_for (c, "running", err);
      if (running == NULL || rl_hooks_run (HOOKS (cfg, poststart), "poststart", running, err) < 0)
        {
          /* runtime.md step 9: stop the container; delete does the rest. */
          kill (c->pid, SIGKILL);
          return oci_error_prefix (err, "container %s", c->o->id);
        }
    }
  rl_log_debug (c->g, "container %s: started", c->o->id);
  return 0;
}

int
rl_run (const struct rl_global *g, const char *bundle, struct oci_runtime_config *config,
        const struct rl_create_opts *o, int *status, struct oci_error *err)
{
  struct creation c;
  int master = -1, r;
  pid_t pid;

  *status = 0;
  if (!o->detach)
    {
      sigset_t set;
      rl_forwarded_signals (&set);
      sigprocmask (SIG_BLOCK, &set, NULL);
    }
  creation_init (&c, g, config, o);
  if (do_create (&c, bundle, true, err) < 0)
    {
      creation_release (&c);
      return -1;
    }
  pid = c.pid;
  if (c.console >= 0 && rl_console_receive_fd (c.console, &master, err) < 0)
    {
      creation_abort (&c);
      creation_release (&c);
      return -1;
    }
  /* Sized before the process starts, not after. */
  rl_console_resize (master);
  r = start_in_process (&c, err);
  creation_release (&c); /* and with it the lock */
  if (r < 0 || o->detach)
    {
      struct oci_error ignored = OCI_ERROR_INIT;
      if (master >= 0)
        close (master);
      if (r < 0)
        {
          rl_delete_with_config (g, o->id, true, config, &ignored);
          oci_error_clear (&ignored);
          return -1;
        }
      return 0;
    }
  r = rl_wait_foreground (pid, master, status, err);
  if (o->keep)
    return r;
  {
    struct oci_error derr = OCI_ERROR_INIT;
    if (rl_delete_with_config (g, o->id, true, config, &derr) < 0 && r == 0)
      {
        *err = derr;
        return -1;
      }
    oci_error_clear (&derr);
  }
  return r;
}
