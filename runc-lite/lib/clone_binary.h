/* CVE-2019-5736: a container must never be able to overwrite the runtime's
 * binary through /proc/<init>/exe.  Commands that start a container process
 * first re-execute the runtime from a sealed memfd copy of itself, so that
 * exe points at an immutable anonymous file; a binary on a read-only
 * mount is run as it is. */
#ifndef RL_CLONE_BINARY_H
#define RL_CLONE_BINARY_H

#include <stdbool.h>

#include "error.h"

/* True when nothing can write through /proc/self/exe: it is a sealed memfd
 * already, or a file on a read-only mount (no copy needed). */
bool rl_running_from_sealed_copy (void);
/* Re-executes argv from a sealed copy; returns only on failure. */
int rl_reexec_from_sealed_copy (char **argv, struct oci_error *err);

#endif
