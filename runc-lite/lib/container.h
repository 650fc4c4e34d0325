/* The container lifecycle (runtime-spec runtime.md): create, start, run,
 * kill, delete, state, list.  The CLI files call these and print. */
#ifndef RL_CONTAINER_H
#define RL_CONTAINER_H

#include <stdbool.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "runtime.h"
#include "state.h"

struct rl_global
{
  const char *root;       /* --root */
  const char *log;        /* --log, or NULL */
  const char *log_format; /* text or json */
  bool debug;
  bool systemd_cgroup;
  const char *rootless; /* auto, true, false */
  /* The exit status main gives a failed command: 1, but 255 once exec
   * has read its command line (runc's "exec failed"). */
  int failure_status;
};

struct rl_create_opts
{
  const char *id;
  const char *console_socket;
  unsigned int preserve_fds;
  unsigned int listen_fds; /* socket activation: fds 3.. passed on before the preserved ones, LISTEN_FDS set */
  bool no_pivot;
  bool no_new_keyring;
  bool detach; /* run -d */
  bool keep;   /* run --keep: leave the stopped container for delete */
  /* Called with the init's pid once the container is created, before
   * its start (the CLI writes --pid-file); when it fails, create fails
   * with its error and removes the container. */
  int (*created) (void *arg, pid_t pid, struct oci_error *err);
  void *created_arg;
};

/* A container from a bundle (its absolute path) and its loaded config.
 * Relative paths in the config (root.path, mount sources) are taken from
 * the current directory, and hooks start there: the caller has made the
 * bundle the current directory.  The config stays the caller's. */
int rl_create (const struct rl_global *g, const char *bundle, struct oci_runtime_config *config,
               const struct rl_create_opts *o, struct oci_error *err);
int rl_start (const struct rl_global *g, const char *id, struct oci_error *err);
/* The container's exit status in *status (128+signal when killed); with
 * detach, 0 once it runs. */
int rl_run (const struct rl_global *g, const char *bundle, struct oci_runtime_config *config,
            const struct rl_create_opts *o, int *status, struct oci_error *err);
int rl_kill (const struct rl_global *g, const char *id, int sig, bool all, struct oci_error *err);
int rl_delete (const struct rl_global *g, const char *id, bool force, struct oci_error *err);
/* The state with its live status filled in. */
struct rl_exec_opts
{
  const char *id;
  const char *process_file; /* --process: a process.json; else config.json's process ... */
  char **args;              /* ... with these args */
  size_t args_len;
  int tty;                  /* -t: 1, --tty=false: 0, unset: -1 (the process's own) */
  const char *cwd;
  char **env; /* K=V, added to or replacing the process's */
  size_t env_len;
  const char *user; /* uid[:gid] */
  char **additional_gids;
  size_t additional_gids_len;
  char **caps; /* added to every capability set */
  size_t caps_len;
  bool no_new_privs;
  const char *apparmor;
  const char *process_label;
  const char *console_socket;
  unsigned int preserve_fds;
  bool detach;
  bool ignore_paused;
  /* Called with the process's pid once it runs, before exec waits for
   * it (the CLI writes --pid-file); when it fails, exec fails with its
   * error (and kills the process unless detached). */
  int (*started) (void *arg, pid_t pid, struct oci_error *err);
  void *started_arg;
  char **cgroups; /* --cgroup [CONTROLLER[,...]:]PATH, see rl_cgroup_sub_dirs */
  size_t cgroups_len;
};

/* Runs a new process in every namespace and the cgroup of a running
 * container; *status as for rl_run. */
int rl_exec (const struct rl_global *g, const struct rl_exec_opts *o, int *status, struct oci_error *err);

/* pause (true) or resume (false). */
int rl_pause (const struct rl_global *g, const char *id, bool pause, struct oci_error *err);
/* The pids in the container's cgroup (none once it has stopped). */
int rl_container_pids (const struct rl_global *g, const char *id, pid_t **pids, size_t *n, struct oci_error *err);

/* New linux.resources for the container's cgroup. */
int rl_update (const struct rl_global *g, const char *id, const struct oci_linux_resources *r, struct oci_error *err);

int rl_state_get (const struct rl_global *g, const char *id, struct rl_state **out, struct oci_error *err);
/* Every container under --root, sorted by id. */
int rl_list (const struct rl_global *g, struct rl_state ***out, size_t *n, struct oci_error *err);

/* An existing container, for the operations on it: its state directory
 * (flock'ed when asked), its state and the config it was created with. */
struct rl_opened
{
  int rootfd;
  int dirfd;
  struct rl_state *state;
  struct oci_runtime_config *config;
  enum rl_status status;
};

int rl_container_open (const struct rl_global *g, const char *id, bool lock, bool need_config, struct rl_opened *o,
                       struct oci_error *err);
void rl_opened_release (struct rl_opened *o);
/* A pidfd on the container's init, after checking that its pid still
 * names it (not a reused pid). */
int rl_open_init (const struct rl_state *s, struct oci_error *err);

/* The signals run and exec forward to the container's process (blocked in
 * the runtime from its start, so none is lost). */
void rl_forwarded_signals (sigset_t *set);
/* Proxies the terminal (master >= 0) and forwards signals until pid
 * exits; *status is its exit status, 128+signal when killed. */
int rl_wait_foreground (pid_t pid, int master, int *status, struct oci_error *err);

/* "TERM", "SIGTERM", "15", "RTMIN+2" -> signal number. */
int rl_parse_signal (const char *text, int *sig, struct oci_error *err);

#endif
