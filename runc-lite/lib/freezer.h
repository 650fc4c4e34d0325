/* pause and resume: the freezer of the container's cgroup (v1
 * freezer.state, or v2 cgroup.freeze where no v1 freezer is mounted). */
#ifndef RL_FREEZER_H
#define RL_FREEZER_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Freezes or thaws, and waits until the kernel reports it done. */
int rl_freezer_set (char *const *dirs, size_t n, bool frozen, struct oci_error *err);
bool rl_freezer_is_frozen (char *const *dirs, size_t n);

#endif
