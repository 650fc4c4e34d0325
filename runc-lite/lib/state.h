/* A container's record under --root: ROOT/ID/ holds state.json (written
 * atomically, once, with the config as it was at create: later edits of
 * the bundle must not affect the container; earlier runc-lites kept that
 * config in config.json, still read where state.json has none) and
 * exec.fifo while the
 * container is `created` (made by create only: `run` starts its init over
 * the sync socket, as crun's run does, and reads `running` from then
 * on).  Commands that change a container hold an exclusive flock on ROOT/ID
 * for their whole run. */
#ifndef RL_STATE_H
#define RL_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bind.h"
#include "error.h"
#include "runclite.h" /* struct rl_state, enum rl_status */

extern const struct bind_type rl_state_type; /* stored: every field (rl_state_public_type: shown) */

/* Opens ROOT (creating it 0700 when missing). */
int rl_root_open (const char *root, bool create, struct oci_error *err);

/* Creates ROOT/ID exclusively ("container exists" when taken) and returns
 * its fd, flock'ed exclusively. */
int rl_container_dir_create (int rootfd, const char *id, struct oci_error *err);
/* Opens ROOT/ID ("container does not exist" when absent); lock: take an
 * exclusive flock, waiting for any other command on it. */
int rl_container_dir_open (int rootfd, const char *id, bool lock, struct oci_error *err);
/* Removes ROOT/ID and everything in it.  dirfd: the directory as the
 * caller opened and locked it; nothing is done when ROOT/ID is another
 * directory by now. */
int rl_container_dir_remove (int rootfd, const char *id, int dirfd, struct oci_error *err);

int rl_state_load (int dirfd, const char *id, struct rl_state **out, struct oci_error *err);
int rl_state_save (int dirfd, const struct rl_state *s, struct oci_error *err);

/* The live status: stopped when the init is gone (or its pid reused),
 * created while the exec fifo exists, running otherwise. */
enum rl_status rl_state_status (int dirfd, const struct rl_state *s);

/* Field 22 of /proc/PID/stat; -1 when the process does not exist or is a
 * zombie. */
int rl_proc_start_time (pid_t pid, uint64_t *out);

#define RL_EXEC_FIFO "exec.fifo"
#define RL_CONFIG_COPY "config.json" /* earlier runc-lites' containers */

#endif
