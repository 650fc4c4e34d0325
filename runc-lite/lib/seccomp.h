/* The seccomp filter of config-linux.md "Seccomp", built with libseccomp,
 * and the SCMP_ACT_NOTIFY hand-over of the notify fd to a listener. */
#ifndef RL_SECCOMP_H
#define RL_SECCOMP_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "runclite.h"
#include "runtime.h"

/* Names -> libseccomp values; -1 when the name is unknown or this
 * libseccomp lacks it.  An action that takes an errno (SCMP_ACT_ERRNO) or
 * a trace value (SCMP_ACT_TRACE) gets ret, or EPERM when has_ret is false;
 * any other action with has_ret set is -2 (the spec wants an error). */
int rl_seccomp_action_value (const char *name, bool has_ret, uint32_t ret, uint32_t *out);
int rl_seccomp_arch_value (const char *name, uint32_t *out);
int rl_seccomp_op_value (const char *name, int *out); /* enum scmp_compare */


/* Validates the whole profile without loading it: names, errnoRet only
 * with actions that take one, SCMP_ACT_NOTIFY rules.  Errors name the
 * field: seccomp: syscalls[2].action "SCMP_ACT_WHATEVER" unsupported */
int rl_seccomp_check (const struct oci_linux_seccomp *s, struct oci_error *err);

/* Whether the profile uses SCMP_ACT_NOTIFY, so that listenerPath matters. */
bool rl_seccomp_uses_notify (const struct oci_linux_seccomp *s);

/* Connects to the listener's unix socket.  The spec resolves listenerPath
 * in the runtime's mount namespace, so the init calls this before
 * pivot_root and hands the fd to rl_process_apply. */
int rl_seccomp_connect_listener (const char *path, int *fd, struct oci_error *err);

/* Builds and loads the filter.  With SCMP_ACT_NOTIFY, sends the notify fd
 * and the container process state (config-linux.md) to listener_fd, built
 * from state_json (the container's state) and listener_metadata.  Does not
 * close listener_fd. */
int rl_seccomp_apply (const struct oci_linux_seccomp *s, int listener_fd, const char *state_json,
                      struct oci_error *err);

/* The container process state JSON, for the listener (exported for tests). */
int rl_seccomp_process_state (const char *state_json, const char *metadata, char **out, size_t *len,
                              struct oci_error *err);

#endif
