/* Expansion limits; see size_limits.h. */
#include "config.h"
#include "image/size_limits.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int
env_size (const char *name, bool suffixes, uint64_t *out, struct oci_error *err)
{
  const char *v = getenv (name);
  char *end;
  unsigned long long n;
  unsigned shift = 0;

  if (v == NULL || *v == '\0')
    return 0;
  errno = 0;
  n = strtoull (v, &end, 10);
  if (end == v || *v == '-' || errno != 0)
    return oci_error_set (err, 0, "%s=%s: not a number", name, v);
  if (suffixes && *end)
    {
      const char *units = "KMGT", *u = strchr (units, *end);
      if (u == NULL || end[1] != '\0')
        return oci_error_set (err, 0, "%s=%s: not a size (bytes, or a number with K, M, G or T)", name, v);
      shift = 10 * (unsigned) (u - units + 1);
      end++;
    }
  if (*end)
    return oci_error_set (err, 0, "%s=%s: not a number", name, v);
  if (shift && n > (UINT64_MAX >> shift))
    return oci_error_set (err, 0, "%s=%s: out of range", name, v);
  *out = (uint64_t) n << shift;
  return 0;
}

int
bld_size_limits_from_env (struct bld_size_limits *l, struct oci_error *err)
{
  l->max_size = BLD_DEFAULT_MAX_LAYER_SIZE;
  l->max_ratio = BLD_DEFAULT_MAX_RATIO;
  l->max_depth = BLD_DEFAULT_MAX_PATH_DEPTH;
  if (env_size ("BUILDER_MAX_LAYER_SIZE", true, &l->max_size, err) < 0
      || env_size ("BUILDER_MAX_RATIO", false, &l->max_ratio, err) < 0
      || env_size ("BUILDER_MAX_PATH_DEPTH", false, &l->max_depth, err) < 0)
    return -1;
  if (l->max_size == 0)
    l->max_size = UINT64_MAX;
  if (l->max_depth == 0)
    return oci_error_set (err, 0, "BUILDER_MAX_PATH_DEPTH=0: must be at least 1");
  return 0;
}

uint64_t
bld_size_limits_allowed (const struct bld_size_limits *l, uint64_t input_size)
{
  uint64_t r = l->max_size;
  if (l->max_ratio)
    {
      uint64_t by_ratio = input_size > UINT64_MAX / l->max_ratio ? UINT64_MAX : input_size * l->max_ratio;
      if (by_ratio < BLD_RATIO_FLOOR)
        by_ratio = BLD_RATIO_FLOOR;
      if (by_ratio < r)
        r = by_ratio;
    }
  return r;
}

int
bld_size_limits_error (const struct bld_size_limits *l, const char *what, uint64_t input_size, struct oci_error *err)
{
  uint64_t allowed = bld_size_limits_allowed (l, input_size);
  if (allowed == l->max_size)
    return oci_error_set (err, 0, "%s expands beyond the limit of %llu bytes (BUILDER_MAX_LAYER_SIZE)", what,
                          (unsigned long long) allowed);
  return oci_error_set (err, 0,
                        "%s expands beyond %llu bytes, %llu times its %llu bytes (a decompression bomb? "
                        "BUILDER_MAX_RATIO raises the ratio)",
                        what, (unsigned long long) allowed, (unsigned long long) l->max_ratio,
                        (unsigned long long) input_size);
}
