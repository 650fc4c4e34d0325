#include "config.h"
#include "runclite.h"

#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "runtime_default.h"

/* The text lives in oci-spec (runtime_default.c), shared with the builder.
 * As runc's `spec`, the cgroup namespace is only asked for on a cgroup2-only
 * host: on v1 (and hybrid) the container sees the host's cgroup paths. */
int
rl_default_spec (bool rootless, struct oci_runtime_config **out, struct oci_error *err)
{
  struct oci_linux *lx;

  if (oci_runtime_default_config (rootless, out, err) < 0)
    return -1;
  lx = (*out)->linux_;
  if (lx == NULL || rl_cgroup_unified_mode ())
    return 0;
  for (size_t i = 0; i < lx->namespaces_len; i++)
    if (strcmp (lx->namespaces[i].type, "cgroup") == 0)
      {
        free (lx->namespaces[i].type);
        free (lx->namespaces[i].path);
        memmove (&lx->namespaces[i], &lx->namespaces[i + 1], (lx->namespaces_len - i - 1) * sizeof lx->namespaces[i]);
        lx->namespaces_len--;
        break;
      }
  return 0;
}
