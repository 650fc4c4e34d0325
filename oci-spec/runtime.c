/* Tables for the runtime spec documents: see runtime.h.  Every type is
 * described once here; bind.c does the parsing, checking, emitting and
 * freeing. */
#include "config.h"
#include "runtime.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Local helpers for kinds bind.h has no shorthand for. */
#define F_BOOL_REQ(T, j, m)                                                                       \
  {                                                                                               \
    .name = j, .kind = BIND_BOOL, .offset = offsetof (T, m), .aux_offset = offsetof (T, has_##m), \
    .size = BIND_MEMBER_SIZE (T, m), .required = true                                             \
  }
#define F_STRINGS_CHECKED(T, j, m, fn, expect)                                                       \
  {                                                                                                  \
    .name = j, .kind = BIND_STRINGS, .offset = offsetof (T, m), .aux_offset = offsetof (T, m##_len), \
    .string_ok = fn, .string_expect = expect                                                         \
  }

/* ---- string patterns of the schemas ---- */

static bool
has_prefix_then (const char *s, const char *prefix, const char *allowed)
{
  size_t n = strlen (prefix);
  if (strncmp (s, prefix, n) != 0 || s[n] == '\0')
    return false;
  return strspn (s + n, allowed) == strlen (s + n);
}

#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

/* ^RLIMIT_[A-Z]+$ */
static bool
is_rlimit_type (const char *s)
{
  return has_prefix_then (s, "RLIMIT_", UPPER);
}

/* ^CAP_[A-Z_]+$ */
static bool
is_capability (const char *s)
{
  return has_prefix_then (s, "CAP_", UPPER "_");
}

/* ^[0-9, -]*$ */
static bool
is_cpu_list (const char *s)
{
  return strspn (s, "0123456789, -") == strlen (s);
}

/* ^[1-9][0-9]*[KMG]B$ */
static bool
is_page_size (const char *s)
{
  size_t digits = strspn (s, "0123456789");
  return digits > 0 && s[0] != '0' && s[digits] != '\0' && strchr ("KMG", s[digits]) != NULL
         && strcmp (s + digits + 1, "B") == 0;
}

/* ^MB:[^\n]*$ */
static bool
is_mem_bw_schema (const char *s)
{
  return strncmp (s, "MB:", 3) == 0 && strchr (s, '\n') == NULL;
}

/* ---- enums ---- */

static const char *const namespace_types[] = {
  "mount", "pid", "network", "uts", "ipc", "user", "cgroup", "time", NULL
};
/* config-linux.md names four modes; runc also takes their recursive forms,
 * and containerd (ctr --rootfs-propagation, CRI) writes "rslave" and
 * "rshared", so a runc-compatible runtime must read them. */
static const char *const rootfs_propagations[] = { "private", "shared", "slave",       "unbindable", "rprivate",
                                                   "rshared", "rslave", "runbindable", NULL };
static const char *const device_types[] = { "c", "b", "u", "p", NULL };
static const char *const seccomp_actions[] = {
  "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",   "SCMP_ACT_ERRNO",
  "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",        "SCMP_ACT_LOG",         "SCMP_ACT_NOTIFY", NULL
};
static const char *const seccomp_archs[] = { "SCMP_ARCH_X86",         "SCMP_ARCH_X86_64",  "SCMP_ARCH_X32",
                                             "SCMP_ARCH_ARM",         "SCMP_ARCH_AARCH64", "SCMP_ARCH_LOONGARCH64",
                                             "SCMP_ARCH_M68K",        "SCMP_ARCH_MIPS",    "SCMP_ARCH_MIPS64",
                                             "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64",
                                             "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",     "SCMP_ARCH_PPC64",
                                             "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_S390",    "SCMP_ARCH_S390X",
                                             "SCMP_ARCH_SH",          "SCMP_ARCH_SHEB",    "SCMP_ARCH_PARISC",
                                             "SCMP_ARCH_PARISC64",    "SCMP_ARCH_RISCV64", NULL };
static const char *const seccomp_flags[] = { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                             "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                                             "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL };
static const char *const seccomp_operators[] = { "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
                                                 "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL };
static const char *const memory_policy_modes[] = { "MPOL_DEFAULT",    "MPOL_BIND",
                                                   "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
                                                   "MPOL_PREFERRED",  "MPOL_PREFERRED_MANY",
                                                   "MPOL_LOCAL",      NULL };
static const char *const memory_policy_flags[] = { "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES",
                                                   "MPOL_F_STATIC_NODES", NULL };
static const char *const personality_domains[] = { "LINUX", "LINUX32", NULL };
static const char *const scheduler_policies[] = { "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR",       "SCHED_BATCH",
                                                  "SCHED_ISO",   "SCHED_IDLE", "SCHED_DEADLINE", NULL };
static const char *const scheduler_flags[] = { "SCHED_FLAG_RESET_ON_FORK",  "SCHED_FLAG_RECLAIM",
                                               "SCHED_FLAG_DL_OVERRUN",     "SCHED_FLAG_KEEP_POLICY",
                                               "SCHED_FLAG_KEEP_PARAMS",    "SCHED_FLAG_UTIL_CLAMP_MIN",
                                               "SCHED_FLAG_UTIL_CLAMP_MAX", NULL };
static const char *const io_priority_classes[] = { "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", NULL };
static const char *const sharing_modes[] = { "disable", "new", "inherit", NULL };
static const char *const sharing_modes_no_disable[] = { "new", "inherit", NULL };
static const char *const container_statuses[] = { "creating", "created", "running", "stopped", NULL };

/* FileMode in defs.json: permission bits only, written in decimal. */
#define FILE_MODE_MAX 0777
/* A device's fileMode may carry the file type bits too: podman writes the
 * host device's st_mode (020644 for a character device), runc takes it
 * and uses the permission bits. */
#define DEVICE_FILE_MODE_MAX 0177777

/* ---- rules a table cannot say ---- */

/* Sets "<path>.<field>: <message>" (path is "" at the document root). */
static int field_error (struct oci_error *err, const char *path, const char *field, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static int
field_error (struct oci_error *err, const char *path, const char *field, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  oci_error_vset (err, 0, fmt, ap);
  va_end (ap);
  if (*path == '\0' && *field == '\0')
    return -1;
  return oci_error_prefix (err, "%s%s%s", path, *path && *field ? "." : "", field);
}

/* config-linux.md: major and minor are "REQUIRED unless type is p". */
static int
check_device (const void *obj, const char *path, struct oci_error *err)
{
  const struct oci_linux_device *d = obj;
  if (strcmp (d->type, "p") == 0)
    return 0;
  if (!d->has_major)
    return field_error (err, path, "major", "required field missing for type \"%s\"", d->type);
  if (!d->has_minor)
    return field_error (err, path, "minor", "required field missing for type \"%s\"", d->type);
  return 0;
}

/* config-linux.md: "You MUST specify at least one of weight or leafWeight". */
static int
check_weight_device (const void *obj, const char *path, struct oci_error *err)
{
  const struct oci_linux_weight_device *d = obj;
  if (!d->has_weight && !d->has_leaf_weight)
    return field_error (err, path, "", "expected at least one of \"weight\", \"leafWeight\"");
  return 0;
}

/* config-linux.md: "You MUST specify at least one of the hcaHandles or
 * hcaObjects in a given entry". */
static int
check_rdma (const void *obj, const char *path, struct oci_error *err)
{
  const struct oci_linux_rdma *r = obj;
  if (!r->has_hca_handles && !r->has_hca_objects)
    return field_error (err, path, "", "expected at least one of \"hcaHandles\", \"hcaObjects\"");
  return 0;
}

/* defs-linux.json: Syscall.names has minItems 1. */
static int
check_syscall (const void *obj, const char *path, struct oci_error *err)
{
  const struct oci_linux_syscall *s = obj;
  if (s->names_len == 0)
    return field_error (err, path, "names", "expected at least one name");
  return 0;
}

/* config-linux.md: listenerMetadata "MUST NOT be set if listenerPath is not
 * set". */
static int
check_seccomp (const void *obj, const char *path, struct oci_error *err)
{
  const struct oci_linux_seccomp *s = obj;
  if (s->listener_metadata && !s->listener_path)
    return field_error (err, path, "listenerMetadata", "set without \"listenerPath\"");
  return 0;
}

/* config-linux.md: duplicated namespace types are an error. */
static int
check_linux (const void *obj, const char *path, struct oci_error *err)
{
  const struct oci_linux *l = obj;
  for (size_t i = 0; i < l->namespaces_len; i++)
    for (size_t j = 0; j < i; j++)
      if (strcmp (l->namespaces[i].type, l->namespaces[j].type) == 0)
        {
          char field[64];
          snprintf (field, sizeof field, "namespaces[%zu].type", i);
          return field_error (err, path, field, "duplicate namespace type \"%s\"", l->namespaces[i].type);
        }
  return 0;
}

/* config.md: duplicated rlimit types are an error. */
static int
check_process (const void *obj, const char *path, struct oci_error *err)
{
  const struct oci_process *p = obj;
  for (size_t i = 0; i < p->rlimits_len; i++)
    for (size_t j = 0; j < i; j++)
      if (strcmp (p->rlimits[i].type, p->rlimits[j].type) == 0)
        {
          char field[64];
          snprintf (field, sizeof field, "rlimits[%zu].type", i);
          return field_error (err, path, field, "duplicate rlimit type \"%s\"", p->rlimits[i].type);
        }
  return 0;
}

/* config.md: annotation keys "MUST NOT be an empty string". */
static int
check_config (const void *obj, const char *path, struct oci_error *err)
{
  const struct oci_runtime_config *c = obj;
  for (size_t i = 0; i < c->annotations.len; i++)
    if (c->annotations.keys[i][0] == '\0')
      return field_error (err, path, "annotations[\"\"]", "empty key");
  return 0;
}

/* ---- common ---- */

static const struct bind_field id_mapping_fields[] = {
  F_UINT_REQ (struct oci_id_mapping, "containerID", container_id),
  F_UINT_REQ (struct oci_id_mapping, "hostID", host_id),
  F_UINT_REQ (struct oci_id_mapping, "size", size),
};
static BIND_TYPE (id_mapping_type, struct oci_id_mapping, id_mapping_fields, NULL);

static const struct bind_field mount_fields[] = {
  F_STRING_REQ (struct oci_mount, "destination", destination),
  F_STRING (struct oci_mount, "type", type),
  F_STRING (struct oci_mount, "source", source),
  F_STRINGS (struct oci_mount, "options", options),
  F_STRUCTS (struct oci_mount, "uidMappings", uid_mappings, id_mapping_type),
  F_STRUCTS (struct oci_mount, "gidMappings", gid_mappings, id_mapping_type),
};
static BIND_TYPE (mount_type, struct oci_mount, mount_fields, NULL);

static const struct bind_field hook_fields[] = {
  F_STRING_REQ (struct oci_hook, "path", path),
  F_STRINGS (struct oci_hook, "args", args),
  F_STRINGS (struct oci_hook, "env", env),
  F_INT_RANGE (struct oci_hook, "timeout", timeout, 1, INT64_MAX),
};
static BIND_TYPE (hook_type, struct oci_hook, hook_fields, NULL);

static const struct bind_field hooks_fields[] = {
  F_STRUCTS (struct oci_hooks, "prestart", prestart, hook_type),
  F_STRUCTS (struct oci_hooks, "createRuntime", create_runtime, hook_type),
  F_STRUCTS (struct oci_hooks, "createContainer", create_container, hook_type),
  F_STRUCTS (struct oci_hooks, "startContainer", start_container, hook_type),
  F_STRUCTS (struct oci_hooks, "poststart", poststart, hook_type),
  F_STRUCTS (struct oci_hooks, "poststop", poststop, hook_type),
};
static BIND_TYPE (hooks_type, struct oci_hooks, hooks_fields, NULL);

static const struct bind_field root_fields[] = {
  F_STRING_REQ (struct oci_root, "path", path),
  F_BOOL (struct oci_root, "readonly", readonly),
};
static BIND_TYPE (root_type, struct oci_root, root_fields, NULL);

static const struct bind_field console_size_fields[] = {
  F_UINT_REQ (struct oci_console_size, "height", height),
  F_UINT_REQ (struct oci_console_size, "width", width),
};
static BIND_TYPE (console_size_type, struct oci_console_size, console_size_fields, NULL);

static const struct bind_field user_fields[] = {
  F_UINT (struct oci_user, "uid", uid),
  F_UINT (struct oci_user, "gid", gid),
  F_UINT (struct oci_user, "umask", umask),
  F_UINT32S (struct oci_user, "additionalGids", additional_gids),
  F_STRING (struct oci_user, "username", username),
};
static BIND_TYPE (user_type, struct oci_user, user_fields, NULL);

static const struct bind_field capabilities_fields[] = {
  F_STRINGS (struct oci_capabilities, "bounding", bounding),
  F_STRINGS (struct oci_capabilities, "effective", effective),
  F_STRINGS (struct oci_capabilities, "inheritable", inheritable),
  F_STRINGS (struct oci_capabilities, "permitted", permitted),
  F_STRINGS (struct oci_capabilities, "ambient", ambient),
};
static BIND_TYPE (capabilities_type, struct oci_capabilities, capabilities_fields, NULL);

static const struct bind_field rlimit_fields[] = {
  F_STRING_CHECKED_REQ (struct oci_rlimit, "type", type, is_rlimit_type, "a name matching RLIMIT_[A-Z]+"),
  F_UINT_REQ (struct oci_rlimit, "soft", soft),
  F_UINT_REQ (struct oci_rlimit, "hard", hard),
};
static BIND_TYPE (rlimit_type, struct oci_rlimit, rlimit_fields, NULL);

static const struct bind_field scheduler_fields[] = {
  F_ENUM_REQ (struct oci_scheduler, "policy", policy, scheduler_policies),
  F_INT (struct oci_scheduler, "nice", nice),
  F_INT (struct oci_scheduler, "priority", priority),
  F_ENUMS (struct oci_scheduler, "flags", flags, scheduler_flags),
  F_UINT (struct oci_scheduler, "runtime", runtime),
  F_UINT (struct oci_scheduler, "deadline", deadline),
  F_UINT (struct oci_scheduler, "period", period),
};
static BIND_TYPE (scheduler_type, struct oci_scheduler, scheduler_fields, NULL);

static const struct bind_field io_priority_fields[] = {
  F_ENUM_REQ (struct oci_io_priority, "class", class, io_priority_classes),
  F_INT (struct oci_io_priority, "priority", priority),
};
static BIND_TYPE (io_priority_type, struct oci_io_priority, io_priority_fields, NULL);

static const struct bind_field exec_cpu_affinity_fields[] = {
  F_STRING_CHECKED (struct oci_exec_cpu_affinity, "initial", initial, is_cpu_list, "a CPU list such as \"0-3,7\""),
  F_STRING_CHECKED (struct oci_exec_cpu_affinity, "final", final, is_cpu_list, "a CPU list such as \"0-3,7\""),
};
static BIND_TYPE (exec_cpu_affinity_type, struct oci_exec_cpu_affinity, exec_cpu_affinity_fields, NULL);

static const struct bind_field process_fields[] = {
  F_BOOL (struct oci_process, "terminal", terminal),
  F_STRUCT (struct oci_process, "consoleSize", console_size, console_size_type),
  F_STRUCT (struct oci_process, "user", user, user_type),
  F_STRINGS (struct oci_process, "args", args),
  F_STRING (struct oci_process, "commandLine", command_line),
  F_STRINGS (struct oci_process, "env", env),
  F_STRING_REQ (struct oci_process, "cwd", cwd),
  F_STRUCT (struct oci_process, "capabilities", capabilities, capabilities_type),
  F_STRUCTS (struct oci_process, "rlimits", rlimits, rlimit_type),
  F_BOOL (struct oci_process, "noNewPrivileges", no_new_privileges),
  F_STRING (struct oci_process, "apparmorProfile", apparmor_profile),
  F_INT (struct oci_process, "oomScoreAdj", oom_score_adj),
  F_STRUCT (struct oci_process, "scheduler", scheduler, scheduler_type),
  F_STRUCT (struct oci_process, "ioPriority", io_priority, io_priority_type),
  F_STRING (struct oci_process, "selinuxLabel", selinux_label),
  F_STRUCT (struct oci_process, "execCPUAffinity", exec_cpu_affinity, exec_cpu_affinity_type),
};
static BIND_TYPE (process_type, struct oci_process, process_fields, check_process);

/* ---- Linux ---- */

static const struct bind_field namespace_fields[] = {
  F_ENUM_REQ (struct oci_linux_namespace, "type", type, namespace_types),
  F_STRING (struct oci_linux_namespace, "path", path),
};
static BIND_TYPE (namespace_type, struct oci_linux_namespace, namespace_fields, NULL);

static const struct bind_field time_offset_fields[] = {
  F_INT (struct oci_linux_time_offset, "secs", secs),
  F_UINT (struct oci_linux_time_offset, "nanosecs", nanosecs),
};
static BIND_TYPE (time_offset_type, struct oci_linux_time_offset, time_offset_fields, NULL);

static const struct bind_field time_offsets_fields[] = {
  F_STRUCT (struct oci_linux_time_offsets, "monotonic", monotonic, time_offset_type),
  F_STRUCT (struct oci_linux_time_offsets, "boottime", boottime, time_offset_type),
};
static BIND_TYPE (time_offsets_type, struct oci_linux_time_offsets, time_offsets_fields, NULL);

static const struct bind_field device_fields[] = {
  F_ENUM_REQ (struct oci_linux_device, "type", type, device_types),
  F_STRING_REQ (struct oci_linux_device, "path", path),
  F_INT (struct oci_linux_device, "major", major),
  F_INT (struct oci_linux_device, "minor", minor),
  F_UINT_RANGE (struct oci_linux_device, "fileMode", file_mode, 0, DEVICE_FILE_MODE_MAX),
  F_UINT (struct oci_linux_device, "uid", uid),
  F_UINT (struct oci_linux_device, "gid", gid),
};
static BIND_TYPE (device_type, struct oci_linux_device, device_fields, check_device);

static const struct bind_field net_device_fields[] = {
  F_STRING (struct oci_linux_net_device, "name", name),
};
static BIND_TYPE (net_device_type, struct oci_linux_net_device, net_device_fields, NULL);

static const struct bind_field device_cgroup_fields[] = {
  F_BOOL_REQ (struct oci_linux_device_cgroup, "allow", allow),
  F_STRING (struct oci_linux_device_cgroup, "type", type),
  F_INT (struct oci_linux_device_cgroup, "major", major),
  F_INT (struct oci_linux_device_cgroup, "minor", minor),
  F_STRING (struct oci_linux_device_cgroup, "access", access),
};
static BIND_TYPE (device_cgroup_type, struct oci_linux_device_cgroup, device_cgroup_fields, NULL);

static const struct bind_field memory_fields[] = {
  F_INT (struct oci_linux_resources_memory, "limit", limit),
  F_INT (struct oci_linux_resources_memory, "reservation", reservation),
  F_INT (struct oci_linux_resources_memory, "swap", swap),
  F_INT (struct oci_linux_resources_memory, "kernel", kernel),
  F_INT (struct oci_linux_resources_memory, "kernelTCP", kernel_tcp),
  F_UINT (struct oci_linux_resources_memory, "swappiness", swappiness),
  F_BOOL (struct oci_linux_resources_memory, "disableOOMKiller", disable_oom_killer),
  F_BOOL (struct oci_linux_resources_memory, "useHierarchy", use_hierarchy),
  F_BOOL (struct oci_linux_resources_memory, "checkBeforeUpdate", check_before_update),
};
static BIND_TYPE (memory_type, struct oci_linux_resources_memory, memory_fields, NULL);

static const struct bind_field cpu_fields[] = {
  F_UINT (struct oci_linux_resources_cpu, "shares", shares),
  F_INT (struct oci_linux_resources_cpu, "quota", quota),
  F_UINT (struct oci_linux_resources_cpu, "burst", burst),
  F_UINT (struct oci_linux_resources_cpu, "period", period),
  F_INT (struct oci_linux_resources_cpu, "realtimeRuntime", realtime_runtime),
  F_UINT (struct oci_linux_resources_cpu, "realtimePeriod", realtime_period),
  F_STRING (struct oci_linux_resources_cpu, "cpus", cpus),
  F_STRING (struct oci_linux_resources_cpu, "mems", mems),
  F_INT (struct oci_linux_resources_cpu, "idle", idle),
};
static BIND_TYPE (cpu_type, struct oci_linux_resources_cpu, cpu_fields, NULL);

static const struct bind_field pids_fields[] = {
  F_INT_REQ (struct oci_linux_resources_pids, "limit", limit),
};
static BIND_TYPE (pids_type, struct oci_linux_resources_pids, pids_fields, NULL);

static const struct bind_field weight_device_fields[] = {
  F_INT_REQ (struct oci_linux_weight_device, "major", major),
  F_INT_REQ (struct oci_linux_weight_device, "minor", minor),
  F_UINT (struct oci_linux_weight_device, "weight", weight),
  F_UINT (struct oci_linux_weight_device, "leafWeight", leaf_weight),
};
static BIND_TYPE (weight_device_type, struct oci_linux_weight_device, weight_device_fields, check_weight_device);

static const struct bind_field throttle_device_fields[] = {
  F_INT_REQ (struct oci_linux_throttle_device, "major", major),
  F_INT_REQ (struct oci_linux_throttle_device, "minor", minor),
  F_UINT (struct oci_linux_throttle_device, "rate", rate),
};
static BIND_TYPE (throttle_device_type, struct oci_linux_throttle_device, throttle_device_fields, NULL);

static const struct bind_field block_io_fields[] = {
  F_UINT (struct oci_linux_resources_block_io, "weight", weight),
  F_UINT (struct oci_linux_resources_block_io, "leafWeight", leaf_weight),
  F_STRUCTS (struct oci_linux_resources_block_io, "weightDevice", weight_device, weight_device_type),
  F_STRUCTS (struct oci_linux_resources_block_io, "throttleReadBpsDevice", throttle_read_bps_device,
             throttle_device_type),
  F_STRUCTS (struct oci_linux_resources_block_io, "throttleWriteBpsDevice", throttle_write_bps_device,
             throttle_device_type),
  F_STRUCTS (struct oci_linux_resources_block_io, "throttleReadIOPSDevice", throttle_read_iops_device,
             throttle_device_type),
  F_STRUCTS (struct oci_linux_resources_block_io, "throttleWriteIOPSDevice", throttle_write_iops_device,
             throttle_device_type),
};
static BIND_TYPE (block_io_type, struct oci_linux_resources_block_io, block_io_fields, NULL);

static const struct bind_field hugepage_limit_fields[] = {
  F_STRING_CHECKED_REQ (struct oci_linux_hugepage_limit, "pageSize", page_size, is_page_size,
                        "a page size matching [1-9][0-9]*[KMG]B"),
  F_UINT_REQ (struct oci_linux_hugepage_limit, "limit", limit),
};
static BIND_TYPE (hugepage_limit_type, struct oci_linux_hugepage_limit, hugepage_limit_fields, NULL);

static const struct bind_field interface_priority_fields[] = {
  F_STRING_REQ (struct oci_linux_interface_priority, "name", name),
  F_UINT_REQ (struct oci_linux_interface_priority, "priority", priority),
};
static BIND_TYPE (interface_priority_type, struct oci_linux_interface_priority, interface_priority_fields, NULL);

static const struct bind_field network_fields[] = {
  F_UINT (struct oci_linux_resources_network, "classID", class_id),
  F_STRUCTS (struct oci_linux_resources_network, "priorities", priorities, interface_priority_type),
};
static BIND_TYPE (network_type, struct oci_linux_resources_network, network_fields, NULL);

static const struct bind_field rdma_fields[] = {
  F_UINT (struct oci_linux_rdma, "hcaHandles", hca_handles),
  F_UINT (struct oci_linux_rdma, "hcaObjects", hca_objects),
};
static BIND_TYPE (rdma_type, struct oci_linux_rdma, rdma_fields, check_rdma);

static const struct bind_field resources_fields[] = {
  F_STRUCTS (struct oci_linux_resources, "devices", devices, device_cgroup_type),
  F_STRUCT (struct oci_linux_resources, "memory", memory, memory_type),
  F_STRUCT (struct oci_linux_resources, "cpu", cpu, cpu_type),
  F_STRUCT (struct oci_linux_resources, "pids", pids, pids_type),
  F_STRUCT (struct oci_linux_resources, "blockIO", block_io, block_io_type),
  F_STRUCTS (struct oci_linux_resources, "hugepageLimits", hugepage_limits, hugepage_limit_type),
  F_STRUCT (struct oci_linux_resources, "network", network, network_type),
  F_STRUCT_MAP (struct oci_linux_resources, "rdma", rdma, rdma_type),
  F_STRING_MAP (struct oci_linux_resources, "unified", unified),
};
static BIND_TYPE (resources_type, struct oci_linux_resources, resources_fields, NULL);

static const struct bind_field intel_rdt_fields[] = {
  F_STRING (struct oci_linux_intel_rdt, "closID", clos_id),
  F_STRING (struct oci_linux_intel_rdt, "l3CacheSchema", l3_cache_schema),
  F_STRING_CHECKED (struct oci_linux_intel_rdt, "memBwSchema", mem_bw_schema, is_mem_bw_schema,
                    "a single line starting with \"MB:\""),
  F_STRINGS (struct oci_linux_intel_rdt, "schemata", schemata),
  F_BOOL (struct oci_linux_intel_rdt, "enableMonitoring", enable_monitoring),
};
static BIND_TYPE (intel_rdt_type, struct oci_linux_intel_rdt, intel_rdt_fields, NULL);

static const struct bind_field memory_policy_fields[] = {
  F_ENUM (struct oci_linux_memory_policy, "mode", mode, memory_policy_modes),
  F_STRING (struct oci_linux_memory_policy, "nodes", nodes),
  F_ENUMS (struct oci_linux_memory_policy, "flags", flags, memory_policy_flags),
};
static BIND_TYPE (memory_policy_type, struct oci_linux_memory_policy, memory_policy_fields, NULL);

static const struct bind_field seccomp_arg_fields[] = {
  F_UINT_REQ (struct oci_linux_seccomp_arg, "index", index),
  F_UINT_REQ (struct oci_linux_seccomp_arg, "value", value),
  F_UINT (struct oci_linux_seccomp_arg, "valueTwo", value_two),
  F_ENUM_REQ (struct oci_linux_seccomp_arg, "op", op, seccomp_operators),
};
static BIND_TYPE (seccomp_arg_type, struct oci_linux_seccomp_arg, seccomp_arg_fields, NULL);

static const struct bind_field syscall_fields[] = {
  F_STRINGS_REQ (struct oci_linux_syscall, "names", names),
  F_ENUM_REQ (struct oci_linux_syscall, "action", action, seccomp_actions),
  F_UINT (struct oci_linux_syscall, "errnoRet", errno_ret),
  F_STRUCTS (struct oci_linux_syscall, "args", args, seccomp_arg_type),
};
static BIND_TYPE (syscall_type, struct oci_linux_syscall, syscall_fields, check_syscall);

static const struct bind_field seccomp_fields[] = {
  F_ENUM_REQ (struct oci_linux_seccomp, "defaultAction", default_action, seccomp_actions),
  F_UINT (struct oci_linux_seccomp, "defaultErrnoRet", default_errno_ret),
  F_ENUMS (struct oci_linux_seccomp, "architectures", architectures, seccomp_archs),
  F_ENUMS (struct oci_linux_seccomp, "flags", flags, seccomp_flags),
  F_STRING (struct oci_linux_seccomp, "listenerPath", listener_path),
  F_STRING (struct oci_linux_seccomp, "listenerMetadata", listener_metadata),
  F_STRUCTS (struct oci_linux_seccomp, "syscalls", syscalls, syscall_type),
};
static BIND_TYPE (seccomp_type, struct oci_linux_seccomp, seccomp_fields, check_seccomp);

static const struct bind_field personality_fields[] = {
  F_ENUM (struct oci_linux_personality, "domain", domain, personality_domains),
  F_STRINGS (struct oci_linux_personality, "flags", flags),
};
static BIND_TYPE (personality_type, struct oci_linux_personality, personality_fields, NULL);

static const struct bind_field linux_fields[] = {
  F_STRUCTS (struct oci_linux, "namespaces", namespaces, namespace_type),
  F_STRUCTS (struct oci_linux, "uidMappings", uid_mappings, id_mapping_type),
  F_STRUCTS (struct oci_linux, "gidMappings", gid_mappings, id_mapping_type),
  F_STRUCT (struct oci_linux, "timeOffsets", time_offsets, time_offsets_type),
  F_STRUCTS (struct oci_linux, "devices", devices, device_type),
  F_STRUCT_MAP (struct oci_linux, "netDevices", net_devices, net_device_type),
  F_STRING (struct oci_linux, "cgroupsPath", cgroups_path),
  F_STRUCT (struct oci_linux, "resources", resources, resources_type),
  F_ENUM (struct oci_linux, "rootfsPropagation", rootfs_propagation, rootfs_propagations),
  F_STRUCT (struct oci_linux, "seccomp", seccomp, seccomp_type),
  F_STRING_MAP (struct oci_linux, "sysctl", sysctl),
  F_STRINGS (struct oci_linux, "maskedPaths", masked_paths),
  F_STRINGS (struct oci_linux, "readonlyPaths", readonly_paths),
  F_STRING (struct oci_linux, "mountLabel", mount_label),
  F_STRUCT (struct oci_linux, "intelRdt", intel_rdt, intel_rdt_type),
  F_STRUCT (struct oci_linux, "memoryPolicy", memory_policy, memory_policy_type),
  F_STRUCT (struct oci_linux, "personality", personality, personality_type),
};
static BIND_TYPE (linux_type, struct oci_linux, linux_fields, check_linux);

/* ---- FreeBSD ---- */

static const struct bind_field freebsd_device_fields[] = {
  F_STRING (struct oci_freebsd_device, "path", path),
  F_UINT_RANGE (struct oci_freebsd_device, "mode", mode, 0, FILE_MODE_MAX),
};
static BIND_TYPE (freebsd_device_type, struct oci_freebsd_device, freebsd_device_fields, NULL);

static const struct bind_field jail_allow_fields[] = {
  F_BOOL (struct oci_freebsd_jail_allow, "setHostname", set_hostname),
  F_BOOL (struct oci_freebsd_jail_allow, "rawSockets", raw_sockets),
  F_BOOL (struct oci_freebsd_jail_allow, "chflags", chflags),
  F_STRINGS (struct oci_freebsd_jail_allow, "mount", mount),
  F_BOOL (struct oci_freebsd_jail_allow, "quotas", quotas),
  F_BOOL (struct oci_freebsd_jail_allow, "socketAf", socket_af),
  F_BOOL (struct oci_freebsd_jail_allow, "mlock", mlock),
  F_BOOL (struct oci_freebsd_jail_allow, "reservedPorts", reserved_ports),
  F_BOOL (struct oci_freebsd_jail_allow, "suser", suser),
};
static BIND_TYPE (jail_allow_type, struct oci_freebsd_jail_allow, jail_allow_fields, NULL);

static const struct bind_field jail_fields[] = {
  F_STRING (struct oci_freebsd_jail, "parent", parent),
  F_ENUM (struct oci_freebsd_jail, "host", host, sharing_modes_no_disable),
  F_ENUM (struct oci_freebsd_jail, "ip4", ip4, sharing_modes),
  F_STRINGS (struct oci_freebsd_jail, "ip4Addr", ip4_addr),
  F_ENUM (struct oci_freebsd_jail, "ip6", ip6, sharing_modes),
  F_STRINGS (struct oci_freebsd_jail, "ip6Addr", ip6_addr),
  F_ENUM (struct oci_freebsd_jail, "vnet", vnet, sharing_modes_no_disable),
  F_STRING (struct oci_freebsd_jail, "interface", interface),
  F_STRINGS (struct oci_freebsd_jail, "vnetInterfaces", vnet_interfaces),
  F_ENUM (struct oci_freebsd_jail, "sysvmsg", sysvmsg, sharing_modes),
  F_ENUM (struct oci_freebsd_jail, "sysvsem", sysvsem, sharing_modes),
  F_ENUM (struct oci_freebsd_jail, "sysvshm", sysvshm, sharing_modes),
  F_UINT (struct oci_freebsd_jail, "enforceStatfs", enforce_statfs),
  F_STRUCT (struct oci_freebsd_jail, "allow", allow, jail_allow_type),
};
static BIND_TYPE (jail_type, struct oci_freebsd_jail, jail_fields, NULL);

static const struct bind_field freebsd_fields[] = {
  F_STRUCTS (struct oci_freebsd, "devices", devices, freebsd_device_type),
  F_STRUCT (struct oci_freebsd, "jail", jail, jail_type),
};
static BIND_TYPE (freebsd_type, struct oci_freebsd, freebsd_fields, NULL);

/* ---- config.json ---- */

static const struct bind_field config_fields[] = {
  F_STRING_REQ (struct oci_runtime_config, "ociVersion", oci_version),
  F_STRUCT (struct oci_runtime_config, "process", process, process_type),
  F_STRUCT (struct oci_runtime_config, "root", root, root_type),
  F_STRING (struct oci_runtime_config, "hostname", hostname),
  F_STRING (struct oci_runtime_config, "domainname", domainname),
  F_STRUCTS (struct oci_runtime_config, "mounts", mounts, mount_type),
  F_STRUCT (struct oci_runtime_config, "hooks", hooks, hooks_type),
  F_STRING_MAP (struct oci_runtime_config, "annotations", annotations),
  F_STRUCT (struct oci_runtime_config, "linux", linux_, linux_type),
  F_STRUCT (struct oci_runtime_config, "freebsd", freebsd, freebsd_type),
  F_RAW (struct oci_runtime_config, "solaris", solaris),
  F_RAW (struct oci_runtime_config, "windows", windows),
  F_RAW (struct oci_runtime_config, "vm", vm),
  F_RAW (struct oci_runtime_config, "zos", zos),
};
BIND_TYPE (oci_runtime_config_type, struct oci_runtime_config, config_fields, check_config);

/* ---- state ---- */

static const struct bind_field state_fields[] = {
  F_STRING_REQ (struct oci_runtime_state, "ociVersion", oci_version),
  F_STRING_REQ (struct oci_runtime_state, "id", id),
  F_ENUM_REQ (struct oci_runtime_state, "status", status, container_statuses),
  F_INT_RANGE (struct oci_runtime_state, "pid", pid, 0, INT64_MAX),
  F_STRING_REQ (struct oci_runtime_state, "bundle", bundle),
  F_STRING_MAP (struct oci_runtime_state, "annotations", annotations),
};
BIND_TYPE (oci_runtime_state_type, struct oci_runtime_state, state_fields, NULL);

/* ---- features ---- */

static const struct bind_field features_enabled_fields[] = {
  F_BOOL (struct oci_features_enabled, "enabled", enabled),
};
static BIND_TYPE (features_enabled_type, struct oci_features_enabled, features_enabled_fields, NULL);

static const struct bind_field features_cgroup_fields[] = {
  F_BOOL (struct oci_features_cgroup, "v1", v1),
  F_BOOL (struct oci_features_cgroup, "v2", v2),
  F_BOOL (struct oci_features_cgroup, "systemd", systemd),
  F_BOOL (struct oci_features_cgroup, "systemdUser", systemd_user),
  F_BOOL (struct oci_features_cgroup, "rdma", rdma),
};
static BIND_TYPE (features_cgroup_type, struct oci_features_cgroup, features_cgroup_fields, NULL);

static const struct bind_field features_seccomp_fields[] = {
  F_BOOL (struct oci_features_seccomp, "enabled", enabled),
  F_ENUMS (struct oci_features_seccomp, "actions", actions, seccomp_actions),
  F_ENUMS (struct oci_features_seccomp, "operators", operators, seccomp_operators),
  F_ENUMS (struct oci_features_seccomp, "archs", archs, seccomp_archs),
  F_ENUMS (struct oci_features_seccomp, "knownFlags", known_flags, seccomp_flags),
  F_ENUMS (struct oci_features_seccomp, "supportedFlags", supported_flags, seccomp_flags),
};
static BIND_TYPE (features_seccomp_type, struct oci_features_seccomp, features_seccomp_fields, NULL);

static const struct bind_field features_memory_policy_fields[] = {
  F_ENUMS (struct oci_features_memory_policy, "modes", modes, memory_policy_modes),
  F_ENUMS (struct oci_features_memory_policy, "flags", flags, memory_policy_flags),
};
static BIND_TYPE (features_memory_policy_type, struct oci_features_memory_policy, features_memory_policy_fields,
                  NULL);

static const struct bind_field features_intel_rdt_fields[] = {
  F_BOOL (struct oci_features_intel_rdt, "enabled", enabled),
  F_BOOL (struct oci_features_intel_rdt, "schemata", schemata),
  F_BOOL (struct oci_features_intel_rdt, "monitoring", monitoring),
};
static BIND_TYPE (features_intel_rdt_type, struct oci_features_intel_rdt, features_intel_rdt_fields, NULL);

static const struct bind_field features_mount_extensions_fields[] = {
  F_STRUCT (struct oci_features_mount_extensions, "idmap", idmap, features_enabled_type),
};
static BIND_TYPE (features_mount_extensions_type, struct oci_features_mount_extensions,
                  features_mount_extensions_fields, NULL);

static const struct bind_field features_linux_fields[] = {
  F_ENUMS (struct oci_features_linux, "namespaces", namespaces, namespace_types),
  F_STRINGS_CHECKED (struct oci_features_linux, "capabilities", capabilities, is_capability,
                     "a name matching CAP_[A-Z_]+"),
  F_STRUCT (struct oci_features_linux, "cgroup", cgroup, features_cgroup_type),
  F_STRUCT (struct oci_features_linux, "seccomp", seccomp, features_seccomp_type),
  F_STRUCT (struct oci_features_linux, "apparmor", apparmor, features_enabled_type),
  F_STRUCT (struct oci_features_linux, "selinux", selinux, features_enabled_type),
  F_STRUCT (struct oci_features_linux, "memoryPolicy", memory_policy, features_memory_policy_type),
  F_STRUCT (struct oci_features_linux, "intelRdt", intel_rdt, features_intel_rdt_type),
  F_STRUCT (struct oci_features_linux, "mountExtensions", mount_extensions, features_mount_extensions_type),
  F_STRUCT (struct oci_features_linux, "netDevices", net_devices, features_enabled_type),
};
static BIND_TYPE (features_linux_type, struct oci_features_linux, features_linux_fields, NULL);

static const struct bind_field features_fields[] = {
  F_STRING_REQ (struct oci_runtime_features, "ociVersionMin", oci_version_min),
  F_STRING_REQ (struct oci_runtime_features, "ociVersionMax", oci_version_max),
  F_STRINGS (struct oci_runtime_features, "hooks", hooks),
  F_STRINGS (struct oci_runtime_features, "mountOptions", mount_options),
  F_STRING_MAP (struct oci_runtime_features, "annotations", annotations),
  F_STRINGS (struct oci_runtime_features, "potentiallyUnsafeConfigAnnotations",
             potentially_unsafe_config_annotations),
  F_STRUCT (struct oci_runtime_features, "linux", linux_, features_linux_type),
};
BIND_TYPE (oci_runtime_features_type, struct oci_runtime_features, features_fields, NULL);

/* ---- public API: the same five functions for each document (bind.h) ---- */

BIND_DOCUMENT_FUNCTIONS (oci_runtime_config, struct oci_runtime_config, oci_runtime_config_type)
BIND_DOCUMENT_FUNCTIONS (oci_runtime_state, struct oci_runtime_state, oci_runtime_state_type)
BIND_DOCUMENT_FUNCTIONS (oci_runtime_features, struct oci_runtime_features, oci_runtime_features_type)

/* The tables of two nested documents that stand alone elsewhere: exec's
 * --process file and update's --resources file. */
const struct bind_type *
oci_runtime_process_type (void)
{
  return &process_type;
}

const struct bind_type *
oci_runtime_resources_type (void)
{
  return &resources_type;
}
