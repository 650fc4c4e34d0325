/* linux.resources on cgroup v1: one directory per controller, the
 * files of Documentation/admin-guide/cgroup-v1. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_devices.h"
#include "cgroup_values.h"
#include "cleanup.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's internal "not supported", seen by writes */
#endif

static int
missing (const char *what, const char *controller, struct oci_error *err)
{
  return oci_error_set (err, ENOENT, "linux.resources.%s: the %s cgroup controller is not mounted (or not joined)",
                        what, controller);
}

/* Files the kernel dropped (kmem limits): skipped when absent or refused as
 * unsupported. */
static int
write_if_supported (const char *dir, const char *file, int64_t v, struct oci_error *err)
{
  if (!rl_cgroup_has_file (dir, file))
    return 0;
  if (rl_cgroup_writef (dir, file, err, "%" PRId64, v) < 0)
    {
      if (err->errnum == EOPNOTSUPP || err->errnum == ENOTSUPP)
        {
          oci_error_clear (err);
          return 0;
        }
      return -1;
    }
  return 0;
}

static int
v1_memory (const char *dir, const struct oci_linux_resources_memory *m, struct oci_error *err)
{
  bool has_memsw = rl_cgroup_has_file (dir, "memory.memsw.limit_in_bytes");
  /* An unlimited memory limit with the swap left unsaid makes swap
   * unlimited too (as runc): memsw may never be below the memory limit,
   * so a swap limit set earlier would make the kernel refuse -1. */
  bool unlimit_swap = m->has_limit && m->limit == -1 && !m->has_swap && has_memsw;
  bool memsw = (m->has_swap || unlimit_swap) && has_memsw;
  int64_t swap = unlimit_swap ? -1 : m->swap;
  bool swap_first = false;

  if (m->has_limit && m->limit >= 0 && m->has_check_before_update && m->check_before_update)
    {
      uint64_t usage;
      if (rl_cgroup_read_u64 (dir, "memory.usage_in_bytes", &usage, err) < 0)
        return -1;
      if ((uint64_t) m->limit < usage)
        return oci_error_set (err, EBUSY,
                              "linux.resources.memory.limit %" PRId64 " is below the current usage %" PRIu64 " of %s",
                              m->limit, usage, dir);
    }
  /* memsw (memory+swap) may never be below the memory limit: raise it
   * before the limit, lower it after. */
  if (memsw)
    {
      uint64_t cur;
      if (rl_cgroup_read_u64 (dir, "memory.memsw.limit_in_bytes", &cur, err) < 0)
        return -1;
      swap_first = swap < 0 || (uint64_t) swap > cur;
      if (swap_first && rl_cgroup_writef (dir, "memory.memsw.limit_in_bytes", err, "%" PRId64, swap) < 0)
        return -1;
    }
  if (m->has_limit && rl_cgroup_writef (dir, "memory.limit_in_bytes", err, "%" PRId64, m->limit) < 0)
    return -1;
  if (memsw && !swap_first && rl_cgroup_writef (dir, "memory.memsw.limit_in_bytes", err, "%" PRId64, swap) < 0)
    return -1;
  if (m->has_reservation && rl_cgroup_writef (dir, "memory.soft_limit_in_bytes", err, "%" PRId64, m->reservation) < 0)
    return -1;
  if (m->has_kernel && write_if_supported (dir, "memory.kmem.limit_in_bytes", m->kernel, err) < 0)
    return -1;
  if (m->has_kernel_tcp && write_if_supported (dir, "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp, err) < 0)
    return -1;
  if (m->has_swappiness)
    {
      if (m->swappiness > 100)
        return oci_error_set (err, EINVAL, "linux.resources.memory.swappiness %" PRIu64 " is above 100",
                              m->swappiness);
      if (rl_cgroup_writef (dir, "memory.swappiness", err, "%" PRIu64, m->swappiness) < 0)
        return -1;
    }
  if (m->has_disable_oom_killer && m->disable_oom_killer && rl_cgroup_write (dir, "memory.oom_control", "1", err) < 0)
    return -1;
  if (m->has_use_hierarchy && rl_cgroup_write (dir, "memory.use_hierarchy", m->use_hierarchy ? "1" : "0", err) < 0)
    return -1;
  return 0;
}

static int
v1_cpu (const char *dir, const struct oci_linux_resources_cpu *c, struct oci_error *err)
{
  if (c->has_shares && rl_cgroup_writef (dir, "cpu.shares", err, "%" PRIu64, c->shares) < 0)
    return -1;
  /* the kernel checks quota against the period in place: if the period
   * is refused, set the quota first and try again */
  if (c->has_period && rl_cgroup_writef (dir, "cpu.cfs_period_us", err, "%" PRIu64, c->period) < 0)
    {
      if (err->errnum != EINVAL || !c->has_quota)
        return -1;
      oci_error_clear (err);
      if (rl_cgroup_writef (dir, "cpu.cfs_quota_us", err, "%" PRId64, c->quota) < 0
          || rl_cgroup_writef (dir, "cpu.cfs_period_us", err, "%" PRIu64, c->period) < 0)
        return -1;
    }
  if (c->has_quota && rl_cgroup_writef (dir, "cpu.cfs_quota_us", err, "%" PRId64, c->quota) < 0)
    return -1;
  if (c->has_burst && rl_cgroup_writef (dir, "cpu.cfs_burst_us", err, "%" PRIu64, c->burst) < 0)
    return -1;
  if (c->has_realtime_period && rl_cgroup_writef (dir, "cpu.rt_period_us", err, "%" PRIu64, c->realtime_period) < 0)
    return -1;
  if (c->has_realtime_runtime
      && rl_cgroup_writef (dir, "cpu.rt_runtime_us", err, "%" PRId64, c->realtime_runtime) < 0)
    return -1;
  if (c->has_idle && rl_cgroup_writef (dir, "cpu.idle", err, "%" PRId64, c->idle) < 0)
    return -1;
  return 0;
}

static int
v1_throttle (const char *dir, const char *file, const struct oci_linux_throttle_device *t, size_t n,
             struct oci_error *err)
{
  for (size_t i = 0; i < n; i++)
    if (rl_cgroup_writef (dir, file, err, "%" PRId64 ":%" PRId64 " %" PRIu64, t[i].major, t[i].minor, t[i].rate) < 0)
      return -1;
  return 0;
}

static int
v1_blkio (const char *dir, const struct oci_linux_resources_block_io *b, struct oci_error *err)
{
  /* CFQ's files, or BFQ's under their own names */
  bool bfq = !rl_cgroup_has_file (dir, "blkio.weight") && rl_cgroup_has_file (dir, "blkio.bfq.weight");
  const char *weight = bfq ? "blkio.bfq.weight" : "blkio.weight";
  const char *weight_device = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";

  if (b->has_weight && rl_cgroup_writef (dir, weight, err, "%u", b->weight) < 0)
    return -1;
  if (b->has_leaf_weight && rl_cgroup_writef (dir, "blkio.leaf_weight", err, "%u", b->leaf_weight) < 0)
    return -1;
  for (size_t i = 0; i < b->weight_device_len; i++)
    {
      const struct oci_linux_weight_device *w = &b->weight_device[i];
      if (w->has_weight
          && rl_cgroup_writef (dir, weight_device, err, "%" PRId64 ":%" PRId64 " %u", w->major, w->minor, w->weight)
                 < 0)
        return -1;
      if (w->has_leaf_weight
          && rl_cgroup_writef (dir, "blkio.leaf_weight_device", err, "%" PRId64 ":%" PRId64 " %u", w->major, w->minor,
                               w->leaf_weight)
                 < 0)
        return -1;
    }
  if (v1_throttle (dir, "blkio.throttle.read_bps_device", b->throttle_read_bps_device,
                   b->throttle_read_bps_device_len, err)
          < 0
      || v1_throttle (dir, "blkio.throttle.write_bps_device", b->throttle_write_bps_device,
                      b->throttle_write_bps_device_len, err)
             < 0
      || v1_throttle (dir, "blkio.throttle.read_iops_device", b->throttle_read_iops_device,
                      b->throttle_read_iops_device_len, err)
             < 0
      || v1_throttle (dir, "blkio.throttle.write_iops_device", b->throttle_write_iops_device,
                      b->throttle_write_iops_device_len, err)
             < 0)
    return -1;
  return 0;
}

static int
v1_devices (const char *dir, const struct oci_linux_device_cgroup *rules, size_t n, struct oci_error *err)
{
  /* One fd per run of rules to the same file (the defaults are a dozen
   * allows in a row): the kernel takes one rule per write(2). */
  cleanup_close int fd = -1;
  const char *open_file = NULL;

  /* in order, then the defaults: each write edits the list as it stands */
  for (size_t i = 0; i < n + rl_cgroup_default_devices_len; i++)
    {
      const struct oci_linux_device_cgroup *d = i < n ? &rules[i] : &rl_cgroup_default_devices[i - n];
      const char *file = d->allow ? "devices.allow" : "devices.deny";
      cleanup_free char *text = rl_cgroup_device_rule_text (d, err);
      size_t len;
      ssize_t w;

      if (text == NULL)
        return -1;
      if (file != open_file)
        {
          cleanup_free char *path = NULL;
          if (fd >= 0)
            close (fd);
          open_file = file;
          if (asprintf (&path, "%s/%s", dir, file) < 0)
            return oci_error_set (err, ENOMEM, "cgroup");
          fd = open (path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
          if (fd < 0)
            return oci_error_set (err, errno, "write %s = %s in %s", file, text, dir);
        }
      len = strlen (text);
      w = write (fd, text, len);
      if (w < 0 || (size_t) w != len)
        return oci_error_set (err, w < 0 ? errno : EIO, "write %s = %s in %s", file, text, dir);
    }
  return 0;
}

int
rl_cgroup_rdma_write (const char *dir, const char *device, const struct oci_linux_rdma *r, struct oci_error *err)
{
  char handles[24] = "max", objects[24] = "max";
  if (r->has_hca_handles)
    snprintf (handles, sizeof handles, "%" PRIu32, r->hca_handles);
  if (r->has_hca_objects)
    snprintf (objects, sizeof objects, "%" PRIu32, r->hca_objects);
  return rl_cgroup_writef (dir, "rdma.max", err, "%s hca_handle=%s hca_object=%s", device, handles, objects);
}

int
rl_cgroup_v1_apply (const struct rl_cgroup_v1_dirs *d, const struct oci_linux_resources *r, bool rootless,
                    struct oci_error *err)
{
  if (r->devices_len > 0)
    {
      /* runc's default config always has device rules: a rootless
       * container without the devices controller goes on without them */
      if (d->devices == NULL && !rootless)
        return missing ("devices", "devices", err);
      if (d->devices && v1_devices (d->devices, r->devices, r->devices_len, err) < 0)
        return -1;
    }
  if (r->memory)
    {
      if (d->memory == NULL)
        return missing ("memory", "memory", err);
      if (v1_memory (d->memory, r->memory, err) < 0)
        return -1;
    }
  if (r->cpu)
    {
      const struct oci_linux_resources_cpu *c = r->cpu;
      bool cpu = c->has_shares || c->has_quota || c->has_period || c->has_burst || c->has_realtime_runtime
                 || c->has_realtime_period || c->has_idle;
      if (cpu && d->cpu == NULL)
        return missing ("cpu", "cpu", err);
      if (cpu && v1_cpu (d->cpu, c, err) < 0)
        return -1;
      if ((c->cpus || c->mems) && d->cpuset == NULL)
        return missing ("cpu.cpus/mems", "cpuset", err);
      if ((c->cpus && rl_cgroup_write (d->cpuset, "cpuset.cpus", c->cpus, err) < 0)
          || (c->mems && rl_cgroup_write (d->cpuset, "cpuset.mems", c->mems, err) < 0))
        return -1;
    }
  if (r->pids)
    {
      if (d->pids == NULL)
        return missing ("pids", "pids", err);
      if (r->pids->limit > 0 ? rl_cgroup_writef (d->pids, "pids.max", err, "%" PRId64, r->pids->limit) < 0
                             : rl_cgroup_write (d->pids, "pids.max", "max", err) < 0)
        return -1;
    }
  if (r->block_io)
    {
      if (d->blkio == NULL)
        return missing ("blockIO", "blkio", err);
      if (v1_blkio (d->blkio, r->block_io, err) < 0)
        return -1;
    }
  for (size_t i = 0; i < r->hugepage_limits_len; i++)
    {
      cleanup_free char *size = NULL, *file = NULL;
      if (d->hugetlb == NULL)
        return missing ("hugepageLimits", "hugetlb", err);
      size = rl_cgroup_hugetlb_size (r->hugepage_limits[i].page_size, err);
      if (size == NULL)
        return -1;
      if (asprintf (&file, "hugetlb.%s.limit_in_bytes", size) < 0)
        return oci_error_set (err, ENOMEM, "cgroup");
      if (rl_cgroup_writef (d->hugetlb, file, err, "%" PRIu64, r->hugepage_limits[i].limit) < 0)
        return -1;
    }
  if (r->network && r->network->has_class_id)
    {
      if (d->net_cls == NULL)
        return missing ("network.classID", "net_cls", err);
      if (rl_cgroup_writef (d->net_cls, "net_cls.classid", err, "%" PRIu32, r->network->class_id) < 0)
        return -1;
    }
  if (r->network && r->network->priorities_len > 0)
    {
      if (d->net_prio == NULL)
        return missing ("network.priorities", "net_prio", err);
      for (size_t i = 0; i < r->network->priorities_len; i++)
        if (rl_cgroup_writef (d->net_prio, "net_prio.ifpriomap", err, "%s %" PRIu32, r->network->priorities[i].name,
                              r->network->priorities[i].priority)
            < 0)
          return -1;
    }
  for (size_t i = 0; i < r->rdma.len; i++)
    {
      if (d->rdma == NULL)
        return missing ("rdma", "rdma", err);
      if (rl_cgroup_rdma_write (d->rdma, r->rdma.keys[i], &r->rdma.values[i], err) < 0)
        return -1;
    }
  return 0;
}
