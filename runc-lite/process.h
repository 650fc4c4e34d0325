/* The process attributes the init applies to itself right before execve
 * (runtime-spec config.md "Process", config-linux.md), shared with `exec`. */
#ifndef RL_PROCESS_H
#define RL_PROCESS_H

#include "error.h"
#include "init.h"

/* In an order that keeps each privilege until nothing needs it any more:
 * oomScoreAdj, rlimits, scheduler, ioPriority, execCPUAffinity, personality,
 * apparmorProfile and selinuxLabel (exec labels), additionalGids/gid/uid
 * (keeping capabilities across the switch), the five capability sets,
 * noNewPrivileges, umask, and seccomp last. */
int rl_process_apply (const struct oci_process *process, const struct oci_linux *linux_, const char *state_json,
                      struct oci_error *err);

#endif
