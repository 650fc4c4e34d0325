/* The default config.json, like runc's `spec`: runc-lite's `spec` writes it
 * and the builder's `unpack` starts from it. */
#ifndef OCI_RUNTIME_DEFAULT_H
#define OCI_RUNTIME_DEFAULT_H

#include <stdbool.h>

#include "error.h"
#include "runtime.h"

/* rootless: a user namespace mapping the caller's ids to 0, no network
 * namespace, /sys bound from the host, no cgroup mount, no resources. */
int oci_runtime_default_config (bool rootless, struct oci_runtime_config **out, struct oci_error *err);

#endif
