/* The container lifecycle (runtime-spec runtime.md): create, start, run,
 * kill, delete, state, list.  The CLI files call these and print. */
#ifndef RL_CONTAINER_H
#define RL_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "state.h"

struct rl_global
{
  const char *root;       /* --root */
  const char *log;        /* --log, or NULL */
  const char *log_format; /* text or json */
  bool debug;
  bool systemd_cgroup;
  const char *rootless; /* auto, true, false */
};

struct rl_create_opts
{
  const char *id;
  const char *bundle; /* NULL: the current directory */
  const char *pid_file;
  const char *console_socket;
  unsigned int preserve_fds;
  bool no_pivot;
  bool no_new_keyring;
  bool detach; /* run -d */
  bool keep;   /* run --keep: leave the stopped container for delete */
};

int rl_create (const struct rl_global *g, const struct rl_create_opts *o, struct oci_error *err);
int rl_start (const struct rl_global *g, const char *id, struct oci_error *err);
/* The container's exit status in *status (128+signal when killed); with
 * detach, 0 once it runs. */
int rl_run (const struct rl_global *g, const struct rl_create_opts *o, int *status, struct oci_error *err);
int rl_kill (const struct rl_global *g, const char *id, int sig, bool all, struct oci_error *err);
int rl_delete (const struct rl_global *g, const char *id, bool force, struct oci_error *err);
/* The state with its live status filled in. */
int rl_state_get (const struct rl_global *g, const char *id, struct rl_state **out, struct oci_error *err);
/* Every container under --root, sorted by id. */
int rl_list (const struct rl_global *g, struct rl_state ***out, size_t *n, struct oci_error *err);

/* "TERM", "SIGTERM", "15", "RTMIN+2" -> signal number. */
int rl_parse_signal (const char *text, int *sig, struct oci_error *err);

#endif
