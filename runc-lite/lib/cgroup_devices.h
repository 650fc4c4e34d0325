/* linux.resources.devices: the rules every container gets on top of its
 * own, and the eBPF program that enforces a rule list on cgroup v2 (v1
 * takes the rules as text, rl_cgroup_device_rule_text). */
#ifndef RL_CGROUP_DEVICES_H
#define RL_CGROUP_DEVICES_H

#include <linux/bpf.h>
#include <stddef.h>

#include "error.h"
#include "runtime.h"

/* Allowed after the config's rules, as runc does: mknod of any char or
 * block device, and the standard nodes (null, zero, full, tty, random,
 * urandom, ptmx and the pts devices). */
extern const struct oci_linux_device_cgroup rl_cgroup_default_devices[];
extern const size_t rl_cgroup_default_devices_len;

/* A BPF_PROG_TYPE_CGROUP_DEVICE program for rules followed by the default
 * list.  Semantics of the v1 controller's list: the last rule that matches
 * an access decides; an allow rule matches when it grants every access
 * asked for, a deny rule when it denies any; nothing matching is denied. */
int rl_cgroup_device_program (const struct oci_linux_device_cgroup *rules, size_t n, struct bpf_insn **out,
                              size_t *len, struct oci_error *err);

#endif
