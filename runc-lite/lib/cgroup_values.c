#include "config.h"
#include "cgroup_values.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

uint64_t
rl_cgroup_shares_to_weight (uint64_t shares)
{
  if (shares == 0)
    return 0;
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t
rl_cgroup_blkio_to_io_weight (uint64_t weight)
{
  if (weight == 0)
    return 0;
  if (weight < 10)
    weight = 10;
  if (weight > 1000)
    weight = 1000;
  return 1 + ((weight - 10) * 9999) / 990;
}

char *
rl_cgroup_cpu_max (const struct oci_linux_resources_cpu *cpu)
{
  char *s = NULL;
  uint64_t period = cpu->has_period && cpu->period > 0 ? cpu->period : 100000;
  if (!cpu->has_quota && !cpu->has_period)
    return NULL;
  if (cpu->has_quota && cpu->quota > 0)
    {
      if (asprintf (&s, "%" PRId64 " %" PRIu64, cpu->quota, period) < 0)
        return NULL;
    }
  else if (asprintf (&s, "max %" PRIu64, period) < 0)
    return NULL;
  return s;
}

char *
rl_cgroup_v2_limit (int64_t v)
{
  char *s = NULL;
  if (v < 0)
    return strdup ("max");
  if (asprintf (&s, "%" PRId64, v) < 0)
    return NULL;
  return s;
}

int
rl_cgroup_swap_v2 (const struct oci_linux_resources_memory *m, char **out, struct oci_error *err)
{
  *out = NULL;
  if (!m->has_swap)
    return 0;
  if (m->swap < 0)
    *out = strdup ("max");
  else if (!m->has_limit || m->limit < 0)
    /* memory+swap bounded while memory is not: nothing to subtract from */
    return oci_error_set (err, EINVAL, "linux.resources.memory.swap (%" PRId64 ") needs a memory limit on cgroup v2",
                          m->swap);
  else if (m->swap < m->limit)
    return oci_error_set (err, EINVAL,
                          "linux.resources.memory.swap (%" PRId64 ") is below memory.limit (%" PRId64
                          "): swap is the limit of memory and swap together",
                          m->swap, m->limit);
  else
    *out = rl_cgroup_v2_limit (m->swap - m->limit);
  if (*out == NULL)
    return oci_error_set (err, ENOMEM, "cgroup");
  return 0;
}

char *
rl_cgroup_hugetlb_size (const char *page_size, struct oci_error *err)
{
  char *end = NULL, *s = NULL;
  uint64_t n, bytes;
  cleanup_free char *unit = NULL;

  errno = 0;
  if (page_size == NULL || !isdigit ((unsigned char) *page_size))
    goto bad;
  n = strtoull (page_size, &end, 10);
  if (errno != 0 || n == 0)
    goto bad;
  unit = strdup (end);
  if (unit == NULL)
    {
      oci_error_set (err, ENOMEM, "cgroup");
      return NULL;
    }
  for (char *p = unit; *p; p++)
    *p = (char) toupper ((unsigned char) *p);
  if (strcmp (unit, "B") == 0 || *unit == '\0')
    bytes = n;
  else if (strcmp (unit, "K") == 0 || strcmp (unit, "KB") == 0 || strcmp (unit, "KIB") == 0)
    bytes = n << 10;
  else if (strcmp (unit, "M") == 0 || strcmp (unit, "MB") == 0 || strcmp (unit, "MIB") == 0)
    bytes = n << 20;
  else if (strcmp (unit, "G") == 0 || strcmp (unit, "GB") == 0 || strcmp (unit, "GIB") == 0)
    bytes = n << 30;
  else
    goto bad;
  /* page sizes are powers of two of at least 4 KiB */
  if (bytes < 4096 || (bytes & (bytes - 1)) != 0 || n > (1ULL << 33))
    goto bad;
  /* the kernel's hugetlb file names (mm/hugetlb_cgroup.c) */
  if (bytes >= (1ULL << 30))
    n = asprintf (&s, "%" PRIu64 "GB", bytes >> 30);
  else if (bytes >= (1ULL << 20))
    n = asprintf (&s, "%" PRIu64 "MB", bytes >> 20);
  else
    n = asprintf (&s, "%" PRIu64 "KB", bytes >> 10);
  if ((int) n < 0)
    {
      oci_error_set (err, ENOMEM, "cgroup");
      return NULL;
    }
  return s;
bad:
  oci_error_set (err, EINVAL, "linux.resources.hugepageLimits: invalid pageSize \"%s\" (expected e.g. \"2MB\")",
                 page_size ? page_size : "");
  return NULL;
}

char *
rl_cgroup_device_rule_text (const struct oci_linux_device_cgroup *d, struct oci_error *err)
{
  char *s = NULL;
  char major[24] = "*", minor[24] = "*";
  const char *type = d->type && *d->type ? d->type : "a";
  const char *access = d->access && *d->access ? d->access : "rwm";

  if (strcmp (type, "a") != 0 && strcmp (type, "b") != 0 && strcmp (type, "c") != 0)
    {
      oci_error_set (err, EINVAL, "linux.resources.devices: invalid type \"%s\"", type);
      return NULL;
    }
  if (strspn (access, "rwm") != strlen (access))
    {
      oci_error_set (err, EINVAL, "linux.resources.devices: invalid access \"%s\"", access);
      return NULL;
    }
  if (d->has_major && d->major >= 0)
    snprintf (major, sizeof major, "%" PRId64, d->major);
  if (d->has_minor && d->minor >= 0)
    snprintf (minor, sizeof minor, "%" PRId64, d->minor);
  if (asprintf (&s, "%s %s:%s %s", type, major, minor, access) < 0)
    {
      oci_error_set (err, ENOMEM, "cgroup");
      return NULL;
    }
  return s;
}
