/* Small process and fd helpers used across the runtime. */
#ifndef RL_UTIL_H
#define RL_UTIL_H

#include <inttypes.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "runclite.h" /* rl_realpath, rl_running_in_userns */

/* pidfd_open(2); -1 with errno on failure. */
int rl_pidfd_open (pid_t pid);
/* Closes every fd >= from (close_range, with a /proc/self/fd walk as the
 * fallback).  For use in a child about to exec. */
void rl_close_fds_from (int from);
/* Marks every fd >= from close-on-exec. */
int rl_cloexec_fds_from (int from);
/* waitpid retrying on EINTR. */
int rl_waitpid (pid_t pid, int *status);
/* mkdir -p with mode for each missing component (common/fs.h's
 * cmn_mkdir_p; kept for the runtime's callers). */
int rl_mkdir_p (const char *path, mode_t mode, struct oci_error *err);
/* The home directory of uid in /etc/passwd of the current root ("/" when
 * there is none), read by hand: glibc's getpwuid could load NSS modules
 * from the container's filesystem. */
char *rl_passwd_home (uid_t uid);
/* A copy of env (NULL-terminated, n entries) with HOME added from
 * /etc/passwd when missing, as runc does; the strings are shared with
 * env except the added one, returned in *added to be freed. */
char **rl_env_with_home (char *const *env, size_t n, uid_t uid, char **added);
/* args[0] as execve needs it: kept when it has a slash, else looked up in
 * the PATH of env (or the default PATH, as runc does). */
int rl_find_executable (const char *name, char *const *env, size_t env_len, char **out, struct oci_error *err);
/* Called by a parent right after it forked a child that will run at once:
 * moves the caller to another of its CPUs when the machine has nothing
 * else runnable, so that the two run side by side (see util.c). */
void rl_step_aside_from_child (void);
/* The runnable tasks in /proc/loadavg's text (its fourth field,
 * "runnable/total"); -1 when it is not there. */
int rl_loadavg_runnable (const char *loadavg);
/* Writes text to an existing file (e.g. under /proc or /sys). */
int rl_write_file (const char *path, const char *text, struct oci_error *err);

#endif
