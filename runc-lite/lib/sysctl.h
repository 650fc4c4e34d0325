/* linux.sysctl (config-linux.md "Sysctl"): which keys a container may set
 * and where they live under /proc/sys. */
#ifndef RL_SYSCTL_H
#define RL_SYSCTL_H

#include <stdbool.h>

#include "error.h"
#include "runtime.h"

/* The namespaces the container has of its own. */
struct rl_sysctl_ns
{
  bool ipc;
  bool net;
  bool uts;
};

/* Accepts key only when it names a namespaced sysctl the container owns:
 * kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.* with an ipc namespace,
 * net.* with a network namespace, kernel.hostname and kernel.domainname
 * with a uts namespace.  Malformed keys (empty components, "..", "/") are
 * refused. */
int rl_sysctl_check (const char *key, const struct rl_sysctl_ns *ns, struct oci_error *err);

/* "net.ipv4.ip_forward" -> "net/ipv4/ip_forward" (relative to /proc/sys);
 * NULL on ENOMEM. */
char *rl_sysctl_relpath (const char *key);

/* Writes every linux.sysctl entry through the /proc/sys
 * of the container (after pivot_root), checking every key first. */
int rl_sysctl_apply (const struct oci_runtime_config *config, struct oci_error *err);

#endif
