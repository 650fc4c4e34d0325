/* linux.resources on cgroup v2: one directory, the files of
 * Documentation/admin-guide/cgroup-v2.rst, and an eBPF program for the
 * device rules (v2 has no devices files). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_devices.h"
#include "cgroup_values.h"
#include "cleanup.h"
#include "fileutil.h"

/* Enables in dir's cgroup.subtree_control every controller it has. */
static void
enable_in (const char *dir)
{
  cleanup_free char *ctl = NULL, *avail = NULL;
  struct oci_error e = OCI_ERROR_INIT;
  size_t len;

  if (asprintf (&ctl, "%s/cgroup.controllers", dir) < 0 || oci_read_file (ctl, 4096, &avail, &len, &e) < 0)
    {
      oci_error_clear (&e);
      return;
    }
  for (char *sv = NULL, *c = strtok_r (avail, " \n", &sv); c; c = strtok_r (NULL, " \n", &sv))
    {
      rl_cgroup_writef (dir, "cgroup.subtree_control", &e, "+%s", c);
      oci_error_clear (&e);
    }
}

/* Enables the available controllers in each directory from the hierarchy's
 * root down to dir's parent, so that dir gets their files.  Refusals (a
 * parent with processes of its own, a delegation boundary) are left for the
 * writes of the values to report. */
static void
enable_controllers (const char *root, const char *dir)
{
  size_t rlen = strlen (root);
  cleanup_free char *path = strdup (dir);
  char *last;

  if (path == NULL || strncmp (dir, root, rlen) != 0 || path[rlen] != '/')
    return;
  last = strrchr (path, '/');
  for (char *p = path + rlen; p != NULL && p <= last; p = strchr (p + 1, '/'))
    {
      char save = *p;
      *p = '\0';
      enable_in (path);
      *p = save;
    }
}

static int
v2_memory (const char *dir, const struct oci_linux_resources_memory *m, struct oci_error *err)
{
  cleanup_free char *swap = NULL, *limit = NULL, *low = NULL;

  if (rl_cgroup_swap_v2 (m, &swap, err) < 0)
    return -1;
  if (m->has_limit && m->limit >= 0 && m->has_check_before_update && m->check_before_update)
    {
      uint64_t usage;
      if (rl_cgroup_read_u64 (dir, "memory.current", &usage, err) < 0)
        return -1;
      if ((uint64_t) m->limit < usage)
        return oci_error_set (err, EBUSY,
                              "linux.resources.memory.limit %" PRId64 " is below the current usage %" PRIu64 " of %s",
                              m->limit, usage, dir);
    }
  if (m->has_limit
      && ((limit = rl_cgroup_v2_limit (m->limit)) == NULL || rl_cgroup_write (dir, "memory.max", limit, err) < 0))
    return limit ? -1 : oci_error_set (err, ENOMEM, "cgroup");
  /* without swap accounting the file is absent: as on v1, nothing to bound */
  if (swap && rl_cgroup_has_file (dir, "memory.swap.max") && rl_cgroup_write (dir, "memory.swap.max", swap, err) < 0)
    return -1;
  if (m->has_reservation
      && ((low = rl_cgroup_v2_limit (m->reservation)) == NULL || rl_cgroup_write (dir, "memory.low", low, err) < 0))
    return low ? -1 : oci_error_set (err, ENOMEM, "cgroup");
  /* kernel, kernelTCP, swappiness, disableOOMKiller and useHierarchy have
   * no v2 files (kmem is always accounted, the hierarchy always is one):
   * ignored, as runc does */
  return 0;
}

static int
v2_cpu (const char *dir, const struct oci_linux_resources_cpu *c, struct oci_error *err)
{
  cleanup_free char *max = rl_cgroup_cpu_max (c);

  if ((c->has_realtime_runtime && c->realtime_runtime != 0) || (c->has_realtime_period && c->realtime_period != 0))
    return oci_error_set (err, EOPNOTSUPP,
                          "linux.resources.cpu.realtimeRuntime/realtimePeriod: not supported on cgroup v2");
  if (c->has_shares && c->shares > 0
      && rl_cgroup_writef (dir, "cpu.weight", err, "%" PRIu64, rl_cgroup_shares_to_weight (c->shares)) < 0)
    return -1;
  if (max && rl_cgroup_write (dir, "cpu.max", max, err) < 0)
    return -1;
  if (c->has_burst && rl_cgroup_writef (dir, "cpu.max.burst", err, "%" PRIu64, c->burst) < 0)
    return -1;
  if (c->has_idle && rl_cgroup_writef (dir, "cpu.idle", err, "%" PRId64, c->idle) < 0)
    return -1;
  if ((c->cpus && rl_cgroup_write (dir, "cpuset.cpus", c->cpus, err) < 0)
      || (c->mems && rl_cgroup_write (dir, "cpuset.mems", c->mems, err) < 0))
    return -1;
  return 0;
}

static int
v2_io_max (const char *dir, const char *key, const struct oci_linux_throttle_device *t, size_t n,
           struct oci_error *err)
{
  for (size_t i = 0; i < n; i++)
    if (rl_cgroup_writef (dir, "io.max", err, "%" PRId64 ":%" PRId64 " %s=%" PRIu64, t[i].major, t[i].minor, key,
                          t[i].rate)
        < 0)
      return -1;
  return 0;
}

static int
v2_io (const char *dir, const struct oci_linux_resources_block_io *b, struct oci_error *err)
{
  /* BFQ takes blkio's 1..1000 as is; io.weight (iocost) its own range */
  bool bfq = rl_cgroup_has_file (dir, "io.bfq.weight");

  if (b->has_weight
      && (bfq ? rl_cgroup_writef (dir, "io.bfq.weight", err, "%u", b->weight)
              : rl_cgroup_writef (dir, "io.weight", err, "default %" PRIu64,
                                  rl_cgroup_blkio_to_io_weight (b->weight)))
             < 0)
    return -1;
  for (size_t i = 0; i < b->weight_device_len; i++)
    {
      const struct oci_linux_weight_device *w = &b->weight_device[i];
      if (!w->has_weight)
        continue; /* leaf weights have no v2 counterpart */
      if ((bfq ? rl_cgroup_writef (dir, "io.bfq.weight", err, "%" PRId64 ":%" PRId64 " %u", w->major, w->minor,
                                   w->weight)
               : rl_cgroup_writef (dir, "io.weight", err, "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor,
                                   rl_cgroup_blkio_to_io_weight (w->weight)))
          < 0)
        return -1;
    }
  if (v2_io_max (dir, "rbps", b->throttle_read_bps_device, b->throttle_read_bps_device_len, err) < 0
      || v2_io_max (dir, "wbps", b->throttle_write_bps_device, b->throttle_write_bps_device_len, err) < 0
      || v2_io_max (dir, "riops", b->throttle_read_iops_device, b->throttle_read_iops_device_len, err) < 0
      || v2_io_max (dir, "wiops", b->throttle_write_iops_device, b->throttle_write_iops_device_len, err) < 0)
    return -1;
  return 0;
}

static long
sys_bpf (int cmd, union bpf_attr *attr)
{
  return syscall (SYS_bpf, cmd, attr, sizeof *attr);
}

/* Loads the device program and attaches it to dir (BPF_F_ALLOW_MULTI: the
 * programs of the ancestors still apply, as the v1 hierarchy does). */
static int
v2_devices (const char *dir, const struct oci_linux_device_cgroup *rules, size_t n, bool rootless,
            struct oci_error *err)
{
  cleanup_free struct bpf_insn *insns = NULL;
  cleanup_free char *log = NULL;
  cleanup_close int prog = -1, cg = -1;
  union bpf_attr attr;
  size_t len;

  if (rl_cgroup_device_program (rules, n, &insns, &len, err) < 0)
    return -1;
  memset (&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t) (uintptr_t) insns;
  attr.insn_cnt = (uint32_t) len;
  attr.license = (uint64_t) (uintptr_t) "Apache-2.0";
  prog = (int) sys_bpf (BPF_PROG_LOAD, &attr);
  if (prog < 0 && errno == EINVAL && (log = calloc (1, 65536)) != NULL)
    {
      /* again with the verifier's log, for the message */
      attr.log_buf = (uint64_t) (uintptr_t) log;
      attr.log_size = 65536;
      attr.log_level = 1;
      prog = (int) sys_bpf (BPF_PROG_LOAD, &attr);
      errno = EINVAL;
    }
  if (prog < 0)
    {
      if (rootless && (errno == EPERM || errno == EACCES))
        return 0;
      return oci_error_set (err, errno, "load the device cgroup program (%zu instructions)%s%s", len,
                            log && *log ? ": " : "", log && *log ? log : "");
    }
  cg = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg < 0)
    return oci_error_set (err, errno, "open %s", dir);
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t) cg;
  attr.attach_bpf_fd = (uint32_t) prog;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (sys_bpf (BPF_PROG_ATTACH, &attr) < 0)
    {
      if (rootless && (errno == EPERM || errno == EACCES))
        return 0;
      return oci_error_set (err, errno, "attach the device cgroup program to %s", dir);
    }
  return 0;
}

/* A unified key names a file in the container's directory, nothing else. */
static int
unified_key_ok (const char *key, struct oci_error *err)
{
  if (*key == '\0' || strchr (key, '/') != NULL || strstr (key, "..") != NULL || *key == '.')
    return oci_error_set (err, EINVAL,
                          "linux.resources.unified: invalid key \"%s\" (a file name of the cgroup is expected)", key);
  return 0;
}

int
rl_cgroup_v2_apply (const char *root, const char *dir, const struct oci_linux_resources *r, bool rootless,
                    struct oci_error *err)
{
  for (size_t i = 0; i < r->unified.len; i++)
    if (unified_key_ok (r->unified.keys[i], err) < 0)
      return -1;
  if (r->network && (r->network->has_class_id || r->network->priorities_len > 0))
    return oci_error_set (err, EOPNOTSUPP,
                          "linux.resources.network: net_cls and net_prio are cgroup v1 controllers, not available on "
                          "cgroup v2");
  if (!rootless)
    enable_controllers (root, dir);
  if (r->devices_len > 0 && v2_devices (dir, r->devices, r->devices_len, rootless, err) < 0)
    return -1;
  if (r->memory && v2_memory (dir, r->memory, err) < 0)
    return -1;
  if (r->cpu && v2_cpu (dir, r->cpu, err) < 0)
    return -1;
  if (r->pids)
    {
      cleanup_free char *v = rl_cgroup_v2_limit (r->pids->limit > 0 ? r->pids->limit : -1);
      if (v == NULL)
        return oci_error_set (err, ENOMEM, "cgroup");
      if (rl_cgroup_write (dir, "pids.max", v, err) < 0)
        return -1;
    }
  if (r->block_io && v2_io (dir, r->block_io, err) < 0)
    return -1;
  for (size_t i = 0; i < r->hugepage_limits_len; i++)
    {
      cleanup_free char *size = rl_cgroup_hugetlb_size (r->hugepage_limits[i].page_size, err), *file = NULL;
      if (size == NULL)
        return -1;
      if (asprintf (&file, "hugetlb.%s.max", size) < 0)
        return oci_error_set (err, ENOMEM, "cgroup");
      if (rl_cgroup_writef (dir, file, err, "%" PRIu64, r->hugepage_limits[i].limit) < 0)
        return -1;
    }
  for (size_t i = 0; i < r->rdma.len; i++)
    if (rl_cgroup_rdma_write (dir, r->rdma.keys[i], &r->rdma.values[i], err) < 0)
      return -1;
  /* last: the unified values override the converted ones */
  for (size_t i = 0; i < r->unified.len; i++)
    if (rl_cgroup_write (dir, r->unified.keys[i], r->unified.values[i], err) < 0)
      return -1;
  return 0;
}
