/* CVE-2019-5736: a container must never be able to overwrite the runtime's
 * binary through /proc/<init>/exe.  Commands that start a container process
 * first re-execute the runtime from a sealed memfd copy of itself, so that
 * exe points at an immutable anonymous file; a binary on a read-only
 * mount is run as it is. */
#ifndef RL_CLONE_BINARY_H
#define RL_CLONE_BINARY_H

#include <stdbool.h>

#include "runclite.h"

/* rl_running_from_sealed_copy, rl_reexec_from_sealed_copy: runclite.h */

#endif
