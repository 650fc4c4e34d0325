/* The process attributes the init applies to itself right before execve
 * (runtime-spec config.md "Process", config-linux.md), shared with `exec`. */
#ifndef RL_PROCESS_H
#define RL_PROCESS_H

#include <sched.h>
#include <stddef.h>

#include "error.h"
#include "init.h"

/* Checks everything rl_process_apply would refuse by name alone, without
 * changing the process: rlimit and capability names, CPU lists, scheduler
 * and I/O priority values, personality, the seccomp profile.  `create`
 * calls it before cloning the init, so a bad config fails early. */
int rl_process_check (const struct oci_process *process, const struct oci_linux *linux_, struct oci_error *err);

/* In an order that keeps each privilege until nothing needs it any more:
 * oomScoreAdj, rlimits, scheduler, ioPriority, execCPUAffinity.initial,
 * personality, apparmorProfile and selinuxLabel (exec labels),
 * additionalGids/gid/uid (keeping capabilities across the switch), the
 * five capability sets, noNewPrivileges, umask, execCPUAffinity.final and
 * seccomp last.
 *
 * Loading a filter needs no_new_privs or CAP_SYS_ADMIN: when the config
 * gives neither, the filter is loaded before the uid switch instead (as
 * runc does), and the profile must then allow the calls that follow
 * (setgroups, setresuid, capset, prctl, umask, sched_setaffinity).
 *
 * listener_fd is the connection to linux.seccomp.listenerPath made with
 * rl_seccomp_connect_listener before pivot_root, or -1; rl_process_apply
 * always closes it (the spec wants one state per connection).  state_json
 * is the container's state, sent to the listener with the notify fd. */
int rl_process_apply (const struct oci_process *process, const struct oci_linux *linux_, const char *state_json,
                      int listener_fd, struct oci_error *err);

/* RLIMIT_* name -> resource number, -1 when unknown. */
int rl_rlimit_from_name (const char *name);
/* NULL-terminated list of the names rl_rlimit_from_name knows. */
const char *const *rl_rlimit_names (void);

/* Parses a CPU list such as "0-3,7" into a CPU_ALLOC'ed set (free with
 * CPU_FREE) of *setsize bytes.  what names the field in errors. */
int rl_cpu_list_parse (const char *list, const char *what, cpu_set_t **set, size_t *setsize, struct oci_error *err);
/* sched_setaffinity of the calling thread to a CPU list; "" changes nothing. */
int rl_cpu_affinity_apply (const char *list, const char *what, struct oci_error *err);

#endif
