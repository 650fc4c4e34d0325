/* start, kill, delete, state and list: operations on an existing container
 * (runtime-spec runtime.md "Operations"). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "container.h"
#include "deadline.h"
#include "fileutil.h"
#include "freezer.h"
#include "hooks.h"
#include "log.h"
#include "runtime.h"
#include "state.h"
#include "util.h"

void
rl_opened_release (struct rl_opened *o)
{
  if (o->dirfd >= 0)
    close (o->dirfd);
  if (o->rootfd >= 0)
    close (o->rootfd);
  rl_state_free (o->state);
  oci_runtime_config_free (o->config);
  memset (o, 0, sizeof *o);
  o->rootfd = o->dirfd = -1;
}

int
rl_container_open (const struct rl_global *g, const char *id, bool lock, bool need_config, struct rl_opened *o,
                   struct oci_error *err)
{
  memset (o, 0, sizeof *o);
  o->rootfd = o->dirfd = -1;
  if (rl_id_validate (id, err) < 0)
    return -1;
  o->rootfd = rl_root_open (g->root, false, err);
  if (o->rootfd < 0)
    {
      if (err->errnum == ENOENT)
        {
          oci_error_clear (err);
          return oci_error_set (err, 0, "container \"%s\" does not exist", id);
        }
      return -1;
    }
  o->dirfd = rl_container_dir_open (o->rootfd, id, lock, err);
  if (o->dirfd < 0 || rl_state_load (o->dirfd, id, &o->state, err) < 0)
    return -1;
  o->status = rl_state_status (o->dirfd, o->state);
  if (need_config && o->state->config != NULL)
    {
      if (oci_runtime_config_parse_text ("config", o->state->config, strlen (o->state->config), &o->config, err) < 0)
        return oci_error_prefix (err, "container %s", id);
    }
  else if (need_config)
    {
      cleanup_free char *path = NULL;
      if (asprintf (&path, "/proc/self/fd/%d/" RL_CONFIG_COPY, o->dirfd) < 0)
        return oci_error_set (err, ENOMEM, "config");
      if (oci_runtime_config_parse_file (path, &o->config, err) < 0)
        return oci_error_prefix (err, "container %s", id);
    }
  return 0;
}

static char *
public_state_json (struct rl_state *s, enum rl_status status, struct oci_error *err)
{
  char *text = NULL;
  free (s->status);
  s->status = strdup (rl_status_name (status));
  if (s->status == NULL || bind_emit (&rl_state_public_type, s, false, &text, NULL, err) < 0)
    return NULL;
  return text;
}

int
rl_open_init (const struct rl_state *s, struct oci_error *err)
{
  uint64_t start;
  int fd = rl_pidfd_open ((pid_t) s->pid);
  if (fd < 0)
    return oci_error_set (err, errno, "container %s: open its init (pid %" PRId64 ")", s->id, s->pid);
  if (rl_proc_start_time ((pid_t) s->pid, &start) < 0 || (s->has_pid_start_time && start != s->pid_start_time))
    {
      close (fd);
      return oci_error_set (err, ESRCH, "container %s: its init (pid %" PRId64 ") has exited", s->id, s->pid);
    }
  return fd;
}

/* Waits until the pidfd reports the process gone. */
static int
wait_gone (int pidfd, const char *id, struct oci_error *err)
{
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  int r;
  do
    r = poll (&p, 1, 10000);
  while (r < 0 && errno == EINTR);
  if (r == 0)
    return oci_error_set (err, 0, "container %s: its init did not exit within 10s of SIGKILL", id);
  return 0;
}

int
rl_start (const struct rl_global *g, const char *id, struct oci_error *err)
{
  struct rl_opened o;
  cleanup_close int fifo = -1, pidfd = -1;
  cleanup_free char *state_json = NULL, *message = NULL;
  size_t len = 0;
  int ret = -1;

  if (rl_container_open (g, id, true, true, &o, err) < 0)
    goto out;
  if (o.status != RL_CREATED)
    {
      /* runc's words, which scripts and clients compare. */
      if (o.status == RL_STOPPED)
        oci_error_set (err, 0, "container %s: cannot start a container that has stopped", id);
      else if (o.status == RL_RUNNING)
        oci_error_set (err, 0, "container %s: cannot start an already running container", id);
      else
        oci_error_set (err, 0, "container %s: cannot start a container in the %s state", id,
                       rl_status_name (o.status));
      goto out;
    }
  if (o.config->process == NULL)
    {
      oci_error_set (err, 0, "cannot start container %s: config.json has no process", id);
      goto out;
    }
  pidfd = rl_open_init (o.state, err);
  if (pidfd < 0)
    goto out;
  rl_log_debug (g, "container %s: starting the process of init pid %" PRId64, id, o.state->pid);
  /* Non-blocking, so that an init that died cannot hang us: wait for its
   * first byte or its death instead. */
  fifo = openat (o.dirfd, RL_EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fifo < 0)
    {
      oci_error_set (err, errno, "cannot start container %s: open the exec fifo", id);
      goto out;
    }
  for (;;)
    {
      struct pollfd p[2] = { { .fd = fifo, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
      char c;
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          oci_error_set (err, errno, "poll");
          goto out;
        }
      if (p[0].revents & POLLIN)
        {
          if (read (fifo, &c, 1) == 1)
            break;
        }
      else if (p[1].revents & POLLIN)
        {
          oci_error_set (err, 0, "cannot start container %s: its init exited", id);
          goto out;
        }
    }
  /* The rest of the fifo, until the init's exec closes it: empty on
   * success, the reason otherwise. */
  fcntl (fifo, F_SETFL, 0);
  if (oci_read_fd (fifo, "exec fifo", 65536, &message, &len, err) < 0)
    goto out;
  unlinkat (o.dirfd, RL_EXEC_FIFO, 0);
  if (len > 0)
    {
      oci_error_set (err, 0, "container %s: %s", id, message);
      goto out;
    }
  state_json = public_state_json (o.state, RL_RUNNING, err);
  if (state_json == NULL)
    goto out;
  if (o.config->hooks
      && rl_hooks_run (o.config->hooks->poststart, o.config->hooks->poststart_len, "poststart", state_json, err) < 0)
    {
      /* runtime.md step 9: stop the container; delete does the rest. */
      kill ((pid_t) o.state->pid, SIGKILL);
      oci_error_prefix (err, "container %s", id);
      goto out;
    }
  rl_log_debug (g, "container %s: started", id);
  ret = 0;
out:
  rl_opened_release (&o);
  return ret;
}

static int
signal_all (const struct rl_state *s, int sig, struct oci_error *err)
{
  struct rl_cgroup_dirs d = { s->cgroup_dirs, s->cgroup_dirs_len };
  cleanup_free pid_t *pids = NULL;
  size_t n;
  if (rl_cgroup_pids (&d, &pids, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (kill (pids[i], sig) < 0 && errno != ESRCH)
      return oci_error_set (err, errno, "signal process %d of container %s", pids[i], s->id);
  return 0;
}

/* Kills every process in the container's cgroup and waits, through a
 * pidfd each, until they have exited: then the cgroup is empty and its
 * removal succeeds at the first try.  Rounds until the cgroup lists no
 * one (a process forking while we kill adds one more). */
static int
kill_all_and_wait (const struct rl_state *s, struct oci_error *err)
{
  struct rl_cgroup_dirs d = { s->cgroup_dirs, s->cgroup_dirs_len };
  int64_t deadline = rl_deadline_after_ms (10000);

  for (;;)
    {
      cleanup_free pid_t *pids = NULL;
      cleanup_free struct pollfd *p = NULL;
      size_t n, live = 0;
      if (rl_cgroup_pids (&d, &pids, &n, err) < 0)
        return -1;
      if (n == 0)
        return 0;
      p = calloc (n, sizeof *p);
      if (p == NULL)
        return oci_error_set (err, ENOMEM, "container %s: kill its processes", s->id);
      for (size_t i = 0; i < n; i++)
        {
          int fd = rl_pidfd_open (pids[i]);
          if (fd < 0)
            continue; /* gone already */
          syscall (SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
          p[live].fd = fd;
          p[live++].events = POLLIN;
        }
      for (size_t done = 0; done < live;)
        {
          int left = rl_deadline_left (deadline);
          int r = left > 0 ? poll (p, (nfds_t) live, left) : 0;
          if (r < 0 && errno == EINTR)
            continue;
          if (r <= 0)
            {
              for (size_t i = 0; i < live; i++)
                if (p[i].fd >= 0)
                  close (p[i].fd);
              return oci_error_set (err, r < 0 ? errno : 0,
                                    "container %s: its processes did not exit within 10s of SIGKILL", s->id);
            }
          for (size_t i = 0; i < live; i++)
            if (p[i].fd >= 0 && p[i].revents)
              {
                close (p[i].fd);
                p[i].fd = -1; /* poll skips negative fds */
                done++;
              }
        }
    }
}

int
rl_kill (const struct rl_global *g, const char *id, int sig, bool all, struct oci_error *err)
{
  struct rl_opened o;
  int ret = -1, pidfd = -1;

  if (rl_container_open (g, id, true, false, &o, err) < 0)
    goto out;
  /* As runc: --all signals whatever the cgroup still holds, even once the
   * init has exited (nothing left: success).  Without --all a stopped
   * container is an error worded as runc's "container not running", the
   * text containerd's shim maps to NotFound (CRI's exit handler sends
   * `kill --all ID 9` to containers that already exited). */
  rl_log_debug (g, "container %s (%s): sending signal %d to %s", id, rl_status_name (o.status), sig,
                all ? "every process in its cgroup" : "its init");
  if (all)
    ret = signal_all (o.state, sig, err);
  else if (o.status == RL_STOPPED)
    oci_error_set (err, 0, "signal container %s: container not running", id);
  else
    {
      pidfd = rl_open_init (o.state, err);
      if (pidfd < 0)
        goto out;
      if (syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
        oci_error_set (err, errno, "signal container %s", id);
      else
        ret = 0;
      close (pidfd);
    }
out:
  rl_opened_release (&o);
  return ret;
}

static bool
has_private_pid_ns (const struct oci_runtime_config *c)
{
  for (size_t i = 0; c && c->linux_ && i < c->linux_->namespaces_len; i++)
    if (strcmp (c->linux_->namespaces[i].type, "pid") == 0)
      return c->linux_->namespaces[i].path == NULL || *c->linux_->namespaces[i].path == '\0';
  return false;
}

struct poststop_warn
{
  const struct rl_global *g;
  const char *id;
};

/* A failing poststop hook: a warning on stderr and in --log, as others. */
static void
warn_poststop (const struct oci_error *failure, void *arg)
{
  const struct poststop_warn *w = arg;
  cleanup_free char *msg = NULL;
  if (asprintf (&msg, "container %s: %s", w->id, oci_error_msg (failure)) >= 0)
    rl_log_warning (w->g, msg);
}

/* runtime.md step 12-13: kill what is left, remove the cgroup, poststop
 * hooks (their failures are warnings), then the state. */
static int
destroy (const struct rl_global *g, struct rl_opened *o, const char *id, struct oci_error *err)
{
  struct rl_cgroup_dirs d = { o->state->cgroup_dirs, o->state->cgroup_dirs_len };
  cleanup_free char *state_json = public_state_json (o->state, RL_STOPPED, err);

  if (state_json == NULL)
    return -1;
  /* Without a pid namespace of its own, the container's other processes
   * outlive its init: kill them through the cgroup.  With one, they died
   * with the init, and the cgroup may be shared with other containers
   * whose processes are not ours to kill. */
  if (!has_private_pid_ns (o->config) && kill_all_and_wait (o->state, err) < 0)
    return oci_error_prefix (err, "delete container %s", id);
  if (rl_cgroup_remove (&d, err) < 0)
    return oci_error_prefix (err, "delete container %s", id);
  /* runtime.md: a failing poststop hook is a warning; the rest still run. */
  if (o->config && o->config->hooks)
    {
      struct poststop_warn w = { g, id };
      rl_hooks_run_all (o->config->hooks->poststop, o->config->hooks->poststop_len, "poststop", state_json,
                        warn_poststop, &w);
    }
  return rl_container_dir_remove (o->rootfd, id, o->dirfd, err);
}

/* Whether a valid id has no state directory (nor the root one). */
static bool
container_missing (const struct rl_global *g, int rootfd, const char *id)
{
  struct oci_error ignored = OCI_ERROR_INIT;
  struct stat st;
  if (rl_id_validate (id, &ignored) < 0)
    {
      oci_error_clear (&ignored);
      return false;
    }
  if (rootfd >= 0)
    return fstatat (rootfd, id, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
  return stat (g->root, &st) < 0 && errno == ENOENT;
}

int
rl_delete (const struct rl_global *g, const char *id, bool force, struct oci_error *err)
{
  return rl_delete_with_config (g, id, force, NULL, err);
}

int
rl_delete_with_config (const struct rl_global *g, const char *id, bool force, struct oci_runtime_config *config,
                       struct oci_error *err)
{
  struct rl_opened o;
  int ret = -1;

  if (rl_container_open (g, id, true, config == NULL, &o, err) < 0)
    {
      /* A state directory without state.json is a create that died before
       * finishing: nothing but the directory to remove. */
      if (o.dirfd >= 0 && o.state == NULL && err->errnum == ENOENT)
        {
          oci_error_clear (err);
          ret = rl_container_dir_remove (o.rootfd, id, o.dirfd, err);
        }
      /* As runc: --force of a container that does not exist succeeds;
       * conmon and the shims clean up with it after a failed create. */
      else if (force && o.dirfd < 0 && container_missing (g, o.rootfd, id))
        {
          oci_error_clear (err);
          ret = 0;
        }
      goto out;
    }
  if (config != NULL)
    o.config = config; /* borrowed: given back before rl_opened_release */
  rl_log_debug (g, "container %s: deleting it (%s%s)", id, rl_status_name (o.status), force ? ", --force" : "");
  if (o.status == RL_RUNNING || o.status == RL_PAUSED)
    {
      if (!force)
        {
          oci_error_set (err, 0, "cannot delete container %s that is not stopped: %s", id, rl_status_name (o.status));
          goto out;
        }
    }
  if (o.status != RL_STOPPED)
    {
      int pidfd = rl_open_init (o.state, err);
      if (pidfd >= 0)
        {
          syscall (SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
          if (o.status == RL_PAUSED)
            {
              /* A frozen task (v1) dies only once thawed: kill first, so
               * that nothing runs again, then thaw. */
              struct oci_error ignored = OCI_ERROR_INIT;
              signal_all (o.state, SIGKILL, &ignored);
              rl_freezer_set (o.state->cgroup_dirs, o.state->cgroup_dirs_len, false, &ignored);
              oci_error_clear (&ignored);
            }
          int r = wait_gone (pidfd, id, err);
          close (pidfd);
          if (r < 0)
            goto out;
        }
      oci_error_clear (err);
    }
  ret = destroy (g, &o, id, err);
  if (ret == 0)
    rl_log_debug (g, "container %s: deleted (cgroup and state removed)", id);
out:
  if (o.config == config)
    o.config = NULL;
  rl_opened_release (&o);
  return ret;
}

int
rl_state_get (const struct rl_global *g, const char *id, struct rl_state **out, struct oci_error *err)
{
  struct rl_opened o;
  int ret = -1;

  *out = NULL;
  if (rl_container_open (g, id, false, false, &o, err) == 0)
    {
      free (o.state->status);
      o.state->status = strdup (rl_status_name (o.status));
      if (o.status == RL_STOPPED)
        o.state->pid = 0;
      *out = steal_pointer (&o.state);
      ret = 0;
    }
  rl_opened_release (&o);
  return ret;
}

static int
cmp_state (const void *a, const void *b)
{
  return strcmp ((*(struct rl_state *const *) a)->id, (*(struct rl_state *const *) b)->id);
}

int
rl_list (const struct rl_global *g, struct rl_state ***out, size_t *n, struct oci_error *err)
{
  cleanup_closedir DIR *d = opendir (g->root);
  struct dirent *de;
  size_t cap = 0;

  *out = NULL;
  *n = 0;
  if (d == NULL)
    return errno == ENOENT ? 0 : oci_error_set (err, errno, "open %s", g->root);
  while ((de = readdir (d)) != NULL)
    {
      struct rl_state *s = NULL;
      struct oci_error skip = OCI_ERROR_INIT;
      if (de->d_name[0] == '.' || rl_id_validate (de->d_name, &skip) < 0
          || rl_state_get (g, de->d_name, &s, &skip) < 0)
        {
          oci_error_clear (&skip);
          continue; /* being created, or not ours */
        }
      if (*n == cap)
        {
          struct rl_state **ns = realloc (*out, (cap = cap ? cap * 2 : 16) * sizeof (*ns));
          if (ns == NULL)
            {
              rl_state_free (s);
              return oci_error_set (err, ENOMEM, "list");
            }
          *out = ns;
        }
      (*out)[(*n)++] = s;
    }
  if (*n > 1)
    qsort (*out, *n, sizeof (**out), cmp_state);
  return 0;
}

int
rl_parse_signal (const char *text, int *sig, struct oci_error *err)
{
  const char *name = text;
  char *end;
  long v = strtol (text, &end, 10);

  if (*text && *end == '\0')
    {
      /* 0 asks only whether the container's init is alive (kill(2)). */
      if (v < 0 || v > SIGRTMAX)
        return oci_error_set (err, 0, "invalid signal %s", text);
      *sig = (int) v;
      return 0;
    }
  if (strncasecmp (name, "SIG", 3) == 0)
    name += 3;
  if (strncasecmp (name, "RTMIN", 5) == 0 || strncasecmp (name, "RTMAX", 5) == 0)
    {
      bool min = strncasecmp (name, "RTMIN", 5) == 0;
      long off = name[5] == '\0' ? 0 : strtol (name + 5, &end, 10);
      if (name[5] != '\0' && (*end != '\0' || (min ? off < 0 : off > 0)))
        return oci_error_set (err, 0, "invalid signal %s", text);
      *sig = (min ? SIGRTMIN : SIGRTMAX) + (int) off;
      if (*sig < SIGRTMIN || *sig > SIGRTMAX)
        return oci_error_set (err, 0, "invalid signal %s", text);
      return 0;
    }
  for (int s = 1; s < SIGRTMIN; s++)
    {
      const char *abbrev = sigabbrev_np (s);
      if (abbrev && strcasecmp (abbrev, name) == 0)
        {
          *sig = s;
          return 0;
        }
    }
  return oci_error_set (err, 0, "unknown signal \"%s\"", text);
}

int
rl_pause (const struct rl_global *g, const char *id, bool pause, struct oci_error *err)
{
  struct rl_opened o;
  int ret = -1;

  if (rl_container_open (g, id, true, false, &o, err) < 0)
    goto out;
  if (pause && o.status != RL_RUNNING && o.status != RL_CREATED)
    oci_error_set (err, 0, "cannot pause container %s: it is %s", id, rl_status_name (o.status));
  else if (!pause && o.status != RL_PAUSED)
    oci_error_set (err, 0, "cannot resume container %s: it is %s, not paused", id, rl_status_name (o.status));
  else if (rl_freezer_set (o.state->cgroup_dirs, o.state->cgroup_dirs_len, pause, err) < 0)
    oci_error_prefix (err, "%s container %s", pause ? "pause" : "resume", id);
  else
    ret = 0;
out:
  rl_opened_release (&o);
  return ret;
}

int
rl_container_pids (const struct rl_global *g, const char *id, pid_t **pids, size_t *n, struct oci_error *err)
{
  struct rl_opened o;
  int ret = -1;

  *pids = NULL;
  *n = 0;
  if (rl_container_open (g, id, false, false, &o, err) == 0)
    {
      struct rl_cgroup_dirs d = { o.state->cgroup_dirs, o.state->cgroup_dirs_len };
      if (o.status == RL_STOPPED)
        ret = 0; /* nothing runs */
      else
        ret = rl_cgroup_pids (&d, pids, n, err);
    }
  rl_opened_release (&o);
  return ret;
}

int
rl_update (const struct rl_global *g, const char *id, const struct oci_linux_resources *r, struct oci_error *err)
{
  struct rl_opened o;
  int ret = -1;

  if (rl_container_open (g, id, true, false, &o, err) < 0)
    goto out;
  if (o.status == RL_STOPPED)
    oci_error_set (err, 0, "cannot update container %s: it is stopped", id);
  else
    {
      struct rl_cgroup_dirs d = { .dirs = o.state->cgroup_dirs, .len = o.state->cgroup_dirs_len };
      if (rl_cgroup_apply_resources (&d, r, err) < 0)
        oci_error_prefix (err, "update container %s", id);
      else
        ret = 0;
    }
out:
  rl_opened_release (&o);
  return ret;
}
