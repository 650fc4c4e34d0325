/* A container's record under --root: ROOT/ID/ holds state.json (written
 * atomically), config.json (the config as it was at create: later edits of
 * the bundle must not affect the container) and exec.fifo while the
 * container is `created`.  Commands that change a container hold an
 * exclusive flock on ROOT/ID for their whole run. */
#ifndef RL_STATE_H
#define RL_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bind.h"
#include "error.h"

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
};

extern const struct bind_type rl_state_type;        /* stored: every field */
extern const struct bind_type rl_state_public_type; /* shown by `state` and `list` */

void rl_state_free (struct rl_state *s);
void rl_state_freep (struct rl_state **s);
#define cleanup_state __attribute__ ((cleanup (rl_state_freep)))

const char *rl_status_name (enum rl_status s);

/* Container ids are [A-Za-z0-9_.+-]+, not "." or "..": they name a
 * directory under --root, so "/" and ".." must never get through. */
int rl_id_validate (const char *id, struct oci_error *err);

/* Opens ROOT (creating it 0700 when missing). */
int rl_root_open (const char *root, bool create, struct oci_error *err);

/* Creates ROOT/ID exclusively ("container exists" when taken) and returns
 * its fd, flock'ed exclusively. */
int rl_container_dir_create (int rootfd, const char *id, struct oci_error *err);
/* Opens ROOT/ID ("container does not exist" when absent); lock: take an
 * exclusive flock, waiting for any other command on it. */
int rl_container_dir_open (int rootfd, const char *id, bool lock, struct oci_error *err);
/* Removes ROOT/ID and everything in it. */
int rl_container_dir_remove (int rootfd, const char *id, struct oci_error *err);

int rl_state_load (int dirfd, const char *id, struct rl_state **out, struct oci_error *err);
int rl_state_save (int dirfd, const struct rl_state *s, struct oci_error *err);

/* The live status: stopped when the init is gone (or its pid reused),
 * created while the exec fifo exists, running otherwise. */
enum rl_status rl_state_status (int dirfd, const struct rl_state *s);

/* Field 22 of /proc/PID/stat; -1 when the process does not exist or is a
 * zombie. */
int rl_proc_start_time (pid_t pid, uint64_t *out);

/* The current time as RFC 3339 with nanoseconds, UTC. */
char *rl_now_rfc3339 (void);

#define RL_EXEC_FIFO "exec.fifo"
#define RL_CONFIG_COPY "config.json"

#endif
