/* librunclite's one public header: what a program (runc-lite's CLI)
 * needs to create and run containers and operate on them.  The library
 * returns errors as values (struct oci_error) and never prints: its
 * warnings and --debug lines go to the caller's log_sink; the output of
 * state, list, ps, events and spec is the caller's to write.  The other
 * headers in this directory are the library's own. */
#ifndef RL_RUNCLITE_H
#define RL_RUNCLITE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bind.h"
#include "error.h"
#include "json.h"
#include "runtime.h"

/* ---- the caller's settings and log ---- */

enum rl_log_level
{
  RL_LOG_ERROR,
  RL_LOG_WARNING,
  RL_LOG_DEBUG, /* only with debug set */
};

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
  /* Where the library's warnings and debug lines go; NULL: nowhere. */
  void (*log_sink) (const struct rl_global *g, enum rl_log_level level, const char *msg);
};

/* A printf-style debug line to log_sink, only with debug set. */
void rl_log_debug (const struct rl_global *g, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* ---- a container's record ---- */

enum rl_status
{
  RL_CREATING,
  RL_CREATED,
  RL_RUNNING,
  RL_PAUSED,
  RL_STOPPED,
};

struct rl_state
{
  char *oci_version;
  char *id;
  int64_t pid;
  bool has_pid;
  char *status; /* filled in when the state is shown, never stored */
  char *bundle;
  char *rootfs;
  char *created; /* RFC 3339, UTC, nanoseconds */
  uint32_t owner;
  bool has_owner;
  struct oci_string_map annotations;
  /* Private to the runtime (not shown by `state`): */
  uint64_t pid_start_time; /* /proc/PID/stat starttime: guards against pid reuse */
  bool has_pid_start_time;
  char **cgroup_dirs; /* the container's cgroup directory on each hierarchy */
  size_t cgroup_dirs_len;
  char *config; /* the config as it was at create (its text); NULL in the
                 * state of a container an earlier runc-lite made: its
                 * ROOT/ID/config.json */
};

extern const struct bind_type rl_state_public_type; /* shown by `state` and `list` */

void rl_state_free (struct rl_state *s);
void rl_state_freep (struct rl_state **s);
#define cleanup_state __attribute__ ((cleanup (rl_state_freep)))

const char *rl_status_name (enum rl_status s);

/* Container ids are [A-Za-z0-9_.+-]+, not "." or "..": they name a
 * directory under --root, so "/" and ".." must never get through. */
int rl_id_validate (const char *id, struct oci_error *err);

/* The current time as RFC 3339 with nanoseconds, UTC. */
char *rl_now_rfc3339 (void);

/* ---- the lifecycle (runtime-spec runtime.md) ---- */

struct rl_create_opts
{
  const char *id;
  const char *console_socket;
  unsigned int preserve_fds;
  unsigned int listen_fds; /* socket activation: fds 3.. passed on before the preserved ones, LISTEN_FDS set */
  /* The config's text as read from the bundle, kept as the container's
   * copy of it byte for byte; NULL: the loaded config is written out. */
  const char *config_text;
  size_t config_len;
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
struct rl_exec_opts
{
  const char *id;
  const char *process_file; /* --process: a process.json; else config.json's process ... */
  char **args;              /* ... with these args */
  size_t args_len;
  int tty; /* -t: 1, --tty=false: 0, unset: -1 (the process's own) */
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

/* The state with its live status filled in. */
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

/* "TERM", "SIGTERM", "15", "RTMIN+2" -> signal number. */
int rl_parse_signal (const char *text, int *sig, struct oci_error *err);

/* ---- events: statistics and OOM notifications of the cgroup ---- */

/* Writes the "data" object of a stats event from the cgroup directories. */
void rl_cgroup_stats_emit (char *const *dirs, size_t n, struct json_gen *g);

/* An fd that becomes readable when the cgroup has an OOM kill (v1:
 * memory.oom_control through cgroup.event_control; v2: memory.events,
 * polled for POLLPRI); -1 when neither is available. *v2 tells which. */
int rl_cgroup_oom_fd (char *const *dirs, size_t n, bool *v2, struct oci_error *err);
/* v2: the oom_kill count in memory.events (to tell a change). */
long rl_cgroup_oom_kills (char *const *dirs, size_t n);

/* ---- features: what this build and kernel support ---- */

/* Every capability the kernel headers we were built with know, in number
 * order ("CAP_CHOWN" is 0).  rl_cap_names_len () entries. */
const char *const *rl_cap_names (void);
size_t rl_cap_names_len (void);
/* NULL-terminated lists of the names this build supports, for `features`. */
const char *const *rl_seccomp_actions (void);
const char *const *rl_seccomp_operators (void);
const char *const *rl_seccomp_archs (void);
const char *const *rl_seccomp_known_flags (void);
/* A known flag that both libseccomp and the running kernel support. */
bool rl_seccomp_flag_supported (const char *flag);
/* Whether the kernel has mount_setattr and so MOUNT_ATTR_IDMAP (both
 * came with Linux 5.12); whether a filesystem takes it is known only when
 * trying. */
bool rl_idmap_supported (void);
/* Every option name the parser knows (for `features`); returns the count
 * written to out (at most max). */
size_t rl_mount_option_names (const char **out, size_t max);
/* True on a cgroup2-only host: /sys/fs/cgroup itself is cgroup2 (runc's
 * IsCgroup2UnifiedMode). */
bool rl_cgroup_unified_mode (void);

/* ---- spec: the default config.json ---- */

/* rootless: a user namespace mapping the caller's ids to 0, no network
 * namespace, /sys bound from the host, no cgroup mount, no resources. */
int rl_default_spec (bool rootless, struct oci_runtime_config **out, struct oci_error *err);

/* ---- the runtime process ---- */

/* True when nothing can write through /proc/self/exe: it is a sealed memfd
 * already, or a file on a read-only mount (no copy needed). */
bool rl_running_from_sealed_copy (void);
/* Re-executes argv from a sealed copy; returns only on failure. */
int rl_reexec_from_sealed_copy (char **argv, struct oci_error *err);

/* Makes path absolute against the current directory and resolves it. */
int rl_realpath (const char *path, char **out, struct oci_error *err);
/* True inside a user namespace other than the initial one: /proc/self/uid_map
 * is not the identity "0 0 4294967295" (runc's userns.RunningInUserNS), as
 * for rootless podman, which calls the runtime as root of such a namespace. */
bool rl_running_in_userns (void);

#endif
