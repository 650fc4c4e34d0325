#include "config.h"
#include "spec.h"

#include "runtime_default.h"

/* The text lives in oci-spec (runtime_default.c), shared with the builder. */
int
rl_default_spec (bool rootless, struct oci_runtime_config **out, struct oci_error *err)
{
  return oci_runtime_default_config (rootless, out, err);
}
