/* The default config.json written by `spec`, like runc's. */
#ifndef RL_SPEC_H
#define RL_SPEC_H

#include <stdbool.h>

#include "error.h"
#include "runtime.h"

/* rootless: a user namespace mapping the caller's ids to 0, no network
 * namespace, /sys bound from the host, no cgroup mount, no resources. */
int rl_default_spec (bool rootless, struct oci_runtime_config **out, struct oci_error *err);

#endif
