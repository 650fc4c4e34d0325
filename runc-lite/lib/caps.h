/* Linux capabilities: the names of capabilities(7) and the five sets of
 * config.md "capabilities", applied with libcap. */
#ifndef RL_CAPS_H
#define RL_CAPS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "runclite.h"
#include "runtime.h"

/* The number of a name ("CAP_KILL" -> 5), or -1 when we do not know it. */
int rl_cap_from_name (const char *name);
/* The name of a number, or NULL. */
const char *rl_cap_to_name (int cap);
/* The highest capability number the running kernel knows (cap_max_bits - 1). */
int rl_cap_kernel_last (void);

/* Checks that every name in every set is a capability we know; the error
 * names the set and the capability:
 *   capabilities.bounding: unknown capability "CAP_FOO" */
int rl_caps_check (const struct oci_capabilities *caps, struct oci_error *err);

/* Sets the process's capabilities to exactly those of caps; NULL means
 * every set empty (as runc does for a config without "capabilities").
 * Called after the uid switch (with PR_SET_KEEPCAPS), while the permitted
 * set still holds what the runtime had.
 *
 * Names the running kernel lacks are skipped (runc warns and goes on).
 * A capability the runtime itself does not hold cannot be granted: it is
 * left out of the bounding set silently (dropping is all one can do), but
 * asking for it in effective, permitted or inheritable is an error naming
 * it, where runc fails with capset's EPERM.  The inheritable set is empty
 * unless the config lists capabilities there (CVE-2022-29162), and the
 * ambient set is cleared before the listed ones are raised. */
int rl_caps_apply (const struct oci_capabilities *caps, struct oci_error *err);

#endif
