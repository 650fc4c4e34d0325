#include "config.h"
#include "runclite.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"

/* The directory of the hierarchy that has `file`, or NULL. */
static const char *
dir_with (char *const *dirs, size_t n, const char *file)
{
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *p = NULL;
      if (asprintf (&p, "%s/%s", dirs[i], file) >= 0 && access (p, F_OK) == 0)
        return dirs[i];
    }
  return NULL;
}

static char *
read_text (char *const *dirs, size_t n, const char *file)
{
  const char *d = dir_with (dirs, n, file);
  cleanup_free char *p = NULL;
  struct oci_error err = OCI_ERROR_INIT;
  char *text = NULL;
  size_t len;
  if (d == NULL || asprintf (&p, "%s/%s", d, file) < 0)
    return NULL;
  if (oci_read_file (p, 1 << 20, &text, &len, &err) < 0)
    {
      oci_error_clear (&err);
      return NULL;
    }
  return text;
}

/* A single number; "max" reads as 0 (no limit) like runc reports it. */
static bool
read_u64 (char *const *dirs, size_t n, const char *file, uint64_t *v)
{
  cleanup_free char *t = read_text (dirs, n, file);
  if (t == NULL)
    return false;
  *v = strncmp (t, "max", 3) == 0 ? 0 : strtoull (t, NULL, 10);
  return true;
}

static void
key_u64 (struct json_gen *g, const char *key, uint64_t v)
{
  json_gen_key (g, key);
  json_gen_uint64 (g, v);
}

/* "key value" lines (memory.stat, cpu.stat) as an object of numbers. */
static void
flat_keyed (struct json_gen *g, const char *text)
{
  cleanup_free char *copy = strdup (text ? text : "");
  json_gen_begin_object (g);
  for (char *save = NULL, *l = copy ? strtok_r (copy, "\n", &save) : NULL; l; l = strtok_r (NULL, "\n", &save))
    {
      char *sp = strchr (l, ' ');
      if (sp == NULL)
        continue;
      *sp = '\0';
      key_u64 (g, l, strtoull (sp + 1, NULL, 10));
    }
  json_gen_end_object (g);
}

static uint64_t
keyed_value (const char *text, const char *key)
{
  size_t kl = strlen (key);
  for (const char *p = text; p && *p; p = strchr (p, '\n') ? strchr (p, '\n') + 1 : NULL)
    if (strncmp (p, key, kl) == 0 && p[kl] == ' ')
      return strtoull (p + kl + 1, NULL, 10);
  return 0;
}

static void
cpu_stats (char *const *dirs, size_t n, struct json_gen *g)
{
  uint64_t total = 0, v;
  cleanup_free char *stat = read_text (dirs, n, "cpu.stat");
  cleanup_free char *percpu = read_text (dirs, n, "cpuacct.usage_percpu");
  bool v2 = dir_with (dirs, n, "cpu.stat") && !dir_with (dirs, n, "cpuacct.usage") && stat
            && strstr (stat, "usage_usec");

  json_gen_key (g, "cpu");
  json_gen_begin_object (g);
  json_gen_key (g, "usage");
  json_gen_begin_object (g);
  if (v2)
    {
      key_u64 (g, "total", keyed_value (stat, "usage_usec") * 1000);
      key_u64 (g, "kernel", keyed_value (stat, "system_usec") * 1000);
      key_u64 (g, "user", keyed_value (stat, "user_usec") * 1000);
    }
  else
    {
      if (read_u64 (dirs, n, "cpuacct.usage", &total))
        key_u64 (g, "total", total);
      json_gen_key (g, "percpu");
      json_gen_begin_array (g);
      for (char *save = NULL, *t = percpu ? strtok_r (percpu, " \n", &save) : NULL; t;
           t = strtok_r (NULL, " \n", &save))
        json_gen_uint64 (g, strtoull (t, NULL, 10));
      json_gen_end_array (g);
      if (read_u64 (dirs, n, "cpuacct.usage_sys", &v))
        key_u64 (g, "kernel", v);
      if (read_u64 (dirs, n, "cpuacct.usage_user", &v))
        key_u64 (g, "user", v);
    }
  json_gen_end_object (g);
  json_gen_key (g, "throttling");
  json_gen_begin_object (g);
  key_u64 (g, "periods", keyed_value (stat, v2 ? "nr_periods" : "nr_periods"));
  key_u64 (g, "throttledPeriods", keyed_value (stat, "nr_throttled"));
  key_u64 (g, "throttledTime",
           v2 ? keyed_value (stat, "throttled_usec") * 1000 : keyed_value (stat, "throttled_time"));
  json_gen_end_object (g);
  json_gen_end_object (g);
}

static void
memory_entry (struct json_gen *g, const char *key, char *const *dirs, size_t n, const char *usage, const char *max,
              const char *limit, const char *failcnt)
{
  uint64_t v;
  json_gen_key (g, key);
  json_gen_begin_object (g);
  if (limit && read_u64 (dirs, n, limit, &v))
    key_u64 (g, "limit", v);
  if (usage && read_u64 (dirs, n, usage, &v))
    key_u64 (g, "usage", v);
  if (max && read_u64 (dirs, n, max, &v))
    key_u64 (g, "max", v);
  if (failcnt && read_u64 (dirs, n, failcnt, &v))
    key_u64 (g, "failcnt", v);
  json_gen_end_object (g);
}

static void
memory_stats (char *const *dirs, size_t n, struct json_gen *g)
{
  cleanup_free char *raw = read_text (dirs, n, "memory.stat");
  bool v1 = dir_with (dirs, n, "memory.usage_in_bytes") != NULL;

  json_gen_key (g, "memory");
  json_gen_begin_object (g);
  if (v1)
    {
      memory_entry (g, "usage", dirs, n, "memory.usage_in_bytes", "memory.max_usage_in_bytes",
                    "memory.limit_in_bytes", "memory.failcnt");
      memory_entry (g, "swap", dirs, n, "memory.memsw.usage_in_bytes", "memory.memsw.max_usage_in_bytes",
                    "memory.memsw.limit_in_bytes", "memory.memsw.failcnt");
      memory_entry (g, "kernel", dirs, n, "memory.kmem.usage_in_bytes", "memory.kmem.max_usage_in_bytes",
                    "memory.kmem.limit_in_bytes", "memory.kmem.failcnt");
    }
  else
    {
      memory_entry (g, "usage", dirs, n, "memory.current", "memory.peak", "memory.max", NULL);
      memory_entry (g, "swap", dirs, n, "memory.swap.current", "memory.swap.peak", "memory.swap.max", NULL);
    }
  json_gen_key (g, "raw");
  flat_keyed (g, raw);
  json_gen_end_object (g);
}

void
rl_cgroup_stats_emit (char *const *dirs, size_t n, struct json_gen *g)
{
  uint64_t v;
  json_gen_begin_object (g);
  cpu_stats (dirs, n, g);
  memory_stats (dirs, n, g);
  json_gen_key (g, "pids");
  json_gen_begin_object (g);
  if (read_u64 (dirs, n, "pids.current", &v))
    key_u64 (g, "current", v);
  if (read_u64 (dirs, n, "pids.max", &v))
    key_u64 (g, "limit", v);
  json_gen_end_object (g);
  json_gen_end_object (g);
}

int
rl_cgroup_oom_fd (char *const *dirs, size_t n, bool *v2, struct oci_error *err)
{
  const char *d = dir_with (dirs, n, "memory.oom_control");
  *v2 = false;
  if (d)
    {
      cleanup_free char *ctl = NULL, *oom = NULL, *line = NULL;
      cleanup_close int efd = eventfd (0, EFD_CLOEXEC), ofd = -1, cfd = -1;
      if (asprintf (&ctl, "%s/cgroup.event_control", d) < 0 || asprintf (&oom, "%s/memory.oom_control", d) < 0)
        return oci_error_set (err, ENOMEM, "events");
      ofd = open (oom, O_RDONLY | O_CLOEXEC);
      cfd = open (ctl, O_WRONLY | O_CLOEXEC);
      if (efd < 0 || ofd < 0 || cfd < 0 || asprintf (&line, "%d %d", efd, ofd) < 0
          || oci_write_all (cfd, line, strlen (line)) < 0)
        return oci_error_set (err, errno, "register for OOM notifications in %s", d);
      return steal_fd (&efd);
    }
  d = dir_with (dirs, n, "memory.events");
  if (d)
    {
      cleanup_free char *p = NULL;
      if (asprintf (&p, "%s/memory.events", d) < 0)
        return oci_error_set (err, ENOMEM, "events");
      *v2 = true;
      return open (p, O_RDONLY | O_CLOEXEC);
    }
  return -1;
}

long
rl_cgroup_oom_kills (char *const *dirs, size_t n)
{
  cleanup_free char *t = read_text (dirs, n, "memory.events");
  return t ? (long) keyed_value (t, "oom_kill") : 0;
}
