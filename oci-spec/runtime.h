/* The OCI runtime spec documents as C structs: config.json (config.md,
 * config-linux.md, config-freebsd.json), the state (runtime.md) and the
 * features document (features.md, features-linux.md).
 *
 * Types, ranges, required fields and enums follow the JSON schemas under
 * runtime-spec/schema; the struct conventions are those of bind.h (has_x
 * for optional scalars, x_len for arrays, pointers for nested objects).
 * Enumerated values are kept as the spec's strings ("pid", "SCMP_ACT_ERRNO")
 * after validation against the allowed set.
 *
 * The Linux section is called linux_ because "linux" is a predefined macro
 * in GNU C. */
#ifndef OCI_RUNTIME_H
#define OCI_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bind.h"
#include "error.h"
#include "json.h"

/* ---- common (config.md, defs.json) ---- */

struct oci_id_mapping
{
  uint32_t container_id;
  bool has_container_id;
  uint32_t host_id;
  bool has_host_id;
  uint32_t size;
  bool has_size;
};

struct oci_mount
{
  char *destination; /* required */
  char *type;
  char *source;
  char **options;
  size_t options_len;
  struct oci_id_mapping *uid_mappings;
  size_t uid_mappings_len;
  struct oci_id_mapping *gid_mappings;
  size_t gid_mappings_len;
};

struct oci_hook
{
  char *path; /* required */
  char **args;
  size_t args_len;
  char **env;
  size_t env_len;
  int64_t timeout; /* seconds, >= 1 */
  bool has_timeout;
};

struct oci_hooks
{
  struct oci_hook *prestart; /* deprecated by the spec, still parsed */
  size_t prestart_len;
  struct oci_hook *create_runtime;
  size_t create_runtime_len;
  struct oci_hook *create_container;
  size_t create_container_len;
  struct oci_hook *start_container;
  size_t start_container_len;
  struct oci_hook *poststart;
  size_t poststart_len;
  struct oci_hook *poststop;
  size_t poststop_len;
};

struct oci_root
{
  char *path; /* required */
  bool readonly;
  bool has_readonly;
};

struct oci_console_size
{
  uint64_t height; /* required */
  bool has_height;
  uint64_t width; /* required */
  bool has_width;
};

struct oci_user
{
  uint32_t uid;
  bool has_uid;
  uint32_t gid;
  bool has_gid;
  uint32_t umask;
  bool has_umask;
  uint32_t *additional_gids;
  size_t additional_gids_len;
  char *username; /* Windows */
};

struct oci_capabilities
{
  char **bounding;
  size_t bounding_len;
  char **effective;
  size_t effective_len;
  char **inheritable;
  size_t inheritable_len;
  char **permitted;
  size_t permitted_len;
  char **ambient;
  size_t ambient_len;
};

struct oci_rlimit
{
  char *type;    /* required, RLIMIT_[A-Z]+ */
  uint64_t soft; /* required */
  bool has_soft;
  uint64_t hard; /* required */
  bool has_hard;
};

struct oci_scheduler
{
  char *policy; /* required, SCHED_* */
  int32_t nice;
  bool has_nice;
  int32_t priority;
  bool has_priority;
  char **flags; /* SCHED_FLAG_* */
  size_t flags_len;
  uint64_t runtime;
  bool has_runtime;
  uint64_t deadline;
  bool has_deadline;
  uint64_t period;
  bool has_period;
};

struct oci_io_priority
{
  char *class; /* required, IOPRIO_CLASS_RT, _BE or _IDLE */
  int32_t priority;
  bool has_priority;
};

struct oci_exec_cpu_affinity
{
  char *initial; /* CPU list such as "0-3,7" */
  char *final;
};

struct oci_process
{
  bool terminal;
  bool has_terminal;
  struct oci_console_size *console_size;
  struct oci_user *user;
  char **args;
  size_t args_len;
  char *command_line; /* Windows */
  char **env;
  size_t env_len;
  char *cwd; /* required */
  struct oci_capabilities *capabilities;
  struct oci_rlimit *rlimits;
  size_t rlimits_len;
  bool no_new_privileges;
  bool has_no_new_privileges;
  char *apparmor_profile;
  int64_t oom_score_adj;
  bool has_oom_score_adj;
  struct oci_scheduler *scheduler;
  struct oci_io_priority *io_priority;
  char *selinux_label;
  struct oci_exec_cpu_affinity *exec_cpu_affinity;
};

/* ---- Linux (config-linux.md, config-linux.json, defs-linux.json) ---- */

struct oci_linux_namespace
{
  char *type; /* required: mount, pid, network, uts, ipc, user, cgroup, time */
  char *path;
};

struct oci_linux_time_offset
{
  int64_t secs;
  bool has_secs;
  uint32_t nanosecs;
  bool has_nanosecs;
};

struct oci_linux_time_offsets
{
  struct oci_linux_time_offset *monotonic;
  struct oci_linux_time_offset *boottime;
};

struct oci_linux_device
{
  char *type;    /* required: c, b, u or p */
  char *path;    /* required */
  int64_t major; /* required unless type is p */
  bool has_major;
  int64_t minor; /* required unless type is p */
  bool has_minor;
  uint32_t file_mode; /* 0..0177777 (type bits allowed, unused), in decimal */
  bool has_file_mode;
  uint32_t uid;
  bool has_uid;
  uint32_t gid;
  bool has_gid;
};

struct oci_linux_net_device
{
  char *name;
};

struct oci_linux_device_cgroup
{
  bool allow; /* required */
  bool has_allow;
  char *type; /* a, c or b */
  int64_t major;
  bool has_major;
  int64_t minor;
  bool has_minor;
  char *access; /* rwm */
};

struct oci_linux_resources_memory
{
  int64_t limit;
  bool has_limit;
  int64_t reservation;
  bool has_reservation;
  int64_t swap;
  bool has_swap;
  int64_t kernel;
  bool has_kernel;
  int64_t kernel_tcp;
  bool has_kernel_tcp;
  uint64_t swappiness;
  bool has_swappiness;
  bool disable_oom_killer;
  bool has_disable_oom_killer;
  bool use_hierarchy;
  bool has_use_hierarchy;
  bool check_before_update;
  bool has_check_before_update;
};

struct oci_linux_resources_cpu
{
  uint64_t shares;
  bool has_shares;
  int64_t quota;
  bool has_quota;
  uint64_t burst;
  bool has_burst;
  uint64_t period;
  bool has_period;
  int64_t realtime_runtime;
  bool has_realtime_runtime;
  uint64_t realtime_period;
  bool has_realtime_period;
  char *cpus;
  char *mems;
  int64_t idle;
  bool has_idle;
};

struct oci_linux_resources_pids
{
  int64_t limit; /* required; -1 means no limit */
  bool has_limit;
};

struct oci_linux_weight_device
{
  int64_t major; /* required */
  bool has_major;
  int64_t minor; /* required */
  bool has_minor;
  uint16_t weight; /* at least one of weight, leafWeight */
  bool has_weight;
  uint16_t leaf_weight;
  bool has_leaf_weight;
};

struct oci_linux_throttle_device
{
  int64_t major; /* required */
  bool has_major;
  int64_t minor; /* required */
  bool has_minor;
  uint64_t rate;
  bool has_rate;
};

struct oci_linux_resources_block_io
{
  uint16_t weight;
  bool has_weight;
  uint16_t leaf_weight;
  bool has_leaf_weight;
  struct oci_linux_weight_device *weight_device;
  size_t weight_device_len;
  struct oci_linux_throttle_device *throttle_read_bps_device;
  size_t throttle_read_bps_device_len;
  struct oci_linux_throttle_device *throttle_write_bps_device;
  size_t throttle_write_bps_device_len;
  struct oci_linux_throttle_device *throttle_read_iops_device;
  size_t throttle_read_iops_device_len;
  struct oci_linux_throttle_device *throttle_write_iops_device;
  size_t throttle_write_iops_device_len;
};

struct oci_linux_hugepage_limit
{
  char *page_size; /* required, e.g. "2MB" */
  uint64_t limit;  /* required */
  bool has_limit;
};

struct oci_linux_interface_priority
{
  char *name;        /* required */
  uint32_t priority; /* required */
  bool has_priority;
};

struct oci_linux_resources_network
{
  uint32_t class_id;
  bool has_class_id;
  struct oci_linux_interface_priority *priorities;
  size_t priorities_len;
};

struct oci_linux_rdma
{
  uint32_t hca_handles; /* at least one of the two */
  bool has_hca_handles;
  uint32_t hca_objects;
  bool has_hca_objects;
};

struct oci_linux_resources
{
  struct oci_linux_device_cgroup *devices;
  size_t devices_len;
  struct oci_linux_resources_memory *memory;
  struct oci_linux_resources_cpu *cpu;
  struct oci_linux_resources_pids *pids;
  struct oci_linux_resources_block_io *block_io;
  struct oci_linux_hugepage_limit *hugepage_limits;
  size_t hugepage_limits_len;
  struct oci_linux_resources_network *network;
  OCI_MAP_OF (struct oci_linux_rdma) rdma; /* device name -> limits */
  struct oci_string_map unified;           /* cgroup v2 file -> value */
};

struct oci_linux_intel_rdt
{
  char *clos_id;
  char *l3_cache_schema;
  char *mem_bw_schema; /* "MB:...", one line */
  char **schemata;
  size_t schemata_len;
  bool enable_monitoring;
  bool has_enable_monitoring;
};

struct oci_linux_memory_policy
{
  char *mode; /* MPOL_* */
  char *nodes;
  char **flags; /* MPOL_F_* */
  size_t flags_len;
};

struct oci_linux_seccomp_arg
{
  uint32_t index; /* required */
  bool has_index;
  uint64_t value; /* required */
  bool has_value;
  uint64_t value_two;
  bool has_value_two;
  char *op; /* required, SCMP_CMP_* */
};

struct oci_linux_syscall
{
  char **names; /* required, at least one */
  size_t names_len;
  char *action; /* required, SCMP_ACT_* */
  uint32_t errno_ret;
  bool has_errno_ret;
  struct oci_linux_seccomp_arg *args;
  size_t args_len;
};

struct oci_linux_seccomp
{
  char *default_action; /* required, SCMP_ACT_* */
  uint32_t default_errno_ret;
  bool has_default_errno_ret;
  char **architectures; /* SCMP_ARCH_* */
  size_t architectures_len;
  char **flags; /* SECCOMP_FILTER_FLAG_* */
  size_t flags_len;
  char *listener_path;
  char *listener_metadata; /* only with listener_path */
  struct oci_linux_syscall *syscalls;
  size_t syscalls_len;
};

struct oci_linux_personality
{
  char *domain; /* LINUX or LINUX32 */
  char **flags;
  size_t flags_len;
};

struct oci_linux
{
  struct oci_linux_namespace *namespaces;
  size_t namespaces_len;
  struct oci_id_mapping *uid_mappings;
  size_t uid_mappings_len;
  struct oci_id_mapping *gid_mappings;
  size_t gid_mappings_len;
  struct oci_linux_time_offsets *time_offsets;
  struct oci_linux_device *devices;
  size_t devices_len;
  OCI_MAP_OF (struct oci_linux_net_device) net_devices; /* host name -> device */
  char *cgroups_path;
  struct oci_linux_resources *resources;
  char *rootfs_propagation; /* private, shared, slave or unbindable */
  struct oci_linux_seccomp *seccomp;
  struct oci_string_map sysctl;
  char **masked_paths;
  size_t masked_paths_len;
  char **readonly_paths;
  size_t readonly_paths_len;
  char *mount_label;
  struct oci_linux_intel_rdt *intel_rdt;
  struct oci_linux_memory_policy *memory_policy;
  struct oci_linux_personality *personality;
};

/* ---- FreeBSD (config-freebsd.json, defs-freebsd.json) ---- */

struct oci_freebsd_device
{
  char *path;
  uint32_t mode; /* FileMode, 0..0777 */
  bool has_mode;
};

struct oci_freebsd_jail_allow
{
  bool set_hostname;
  bool has_set_hostname;
  bool raw_sockets;
  bool has_raw_sockets;
  bool chflags;
  bool has_chflags;
  char **mount;
  size_t mount_len;
  bool quotas;
  bool has_quotas;
  bool socket_af;
  bool has_socket_af;
  bool mlock;
  bool has_mlock;
  bool reserved_ports;
  bool has_reserved_ports;
  bool suser;
  bool has_suser;
};

/* Sharing modes are "disable", "new" or "inherit"; host and vnet do not
 * allow "disable". */
struct oci_freebsd_jail
{
  char *parent;
  char *host;
  char *ip4;
  char **ip4_addr;
  size_t ip4_addr_len;
  char *ip6;
  char **ip6_addr;
  size_t ip6_addr_len;
  char *vnet;
  char *interface;
  char **vnet_interfaces;
  size_t vnet_interfaces_len;
  char *sysvmsg;
  char *sysvsem;
  char *sysvshm;
  uint8_t enforce_statfs;
  bool has_enforce_statfs;
  struct oci_freebsd_jail_allow *allow;
};

struct oci_freebsd
{
  struct oci_freebsd_device *devices;
  size_t devices_len;
  struct oci_freebsd_jail *jail;
};

/* ---- config.json ---- */

struct oci_runtime_config
{
  char *oci_version; /* required */
  struct oci_process *process;
  struct oci_root *root;
  char *hostname;
  char *domainname;
  struct oci_mount *mounts;
  size_t mounts_len;
  struct oci_hooks *hooks;
  struct oci_string_map annotations;
  struct oci_linux *linux_;
  struct oci_freebsd *freebsd;
  /* Platforms runc-lite does not run on: kept as written. */
  struct json_value *solaris;
  struct json_value *windows;
  struct json_value *vm;
  struct json_value *zos;
};

/* ---- state (runtime.md, state-schema.json) ---- */

struct oci_runtime_state
{
  char *oci_version; /* required */
  char *id;          /* required */
  char *status;      /* required: creating, created, running, stopped */
  int64_t pid;       /* >= 0 */
  bool has_pid;
  char *bundle; /* required */
  struct oci_string_map annotations;
};

/* ---- features (features.md, features-linux.md) ---- */

struct oci_features_enabled
{
  bool enabled;
  bool has_enabled;
};

struct oci_features_cgroup
{
  bool v1;
  bool has_v1;
  bool v2;
  bool has_v2;
  bool systemd;
  bool has_systemd;
  bool systemd_user;
  bool has_systemd_user;
  bool rdma;
  bool has_rdma;
};

struct oci_features_seccomp
{
  bool enabled;
  bool has_enabled;
  char **actions;
  size_t actions_len;
  char **operators;
  size_t operators_len;
  char **archs;
  size_t archs_len;
  char **known_flags;
  size_t known_flags_len;
  char **supported_flags;
  size_t supported_flags_len;
};

struct oci_features_memory_policy
{
  char **modes;
  size_t modes_len;
  char **flags;
  size_t flags_len;
};

struct oci_features_intel_rdt
{
  bool enabled;
  bool has_enabled;
  bool schemata;
  bool has_schemata;
  bool monitoring;
  bool has_monitoring;
};

struct oci_features_mount_extensions
{
  struct oci_features_enabled *idmap;
};

struct oci_features_linux
{
  char **namespaces;
  size_t namespaces_len;
  char **capabilities;
  size_t capabilities_len;
  struct oci_features_cgroup *cgroup;
  struct oci_features_seccomp *seccomp;
  struct oci_features_enabled *apparmor;
  struct oci_features_enabled *selinux;
  struct oci_features_memory_policy *memory_policy;
  struct oci_features_intel_rdt *intel_rdt;
  struct oci_features_mount_extensions *mount_extensions;
  struct oci_features_enabled *net_devices;
};

struct oci_runtime_features
{
  char *oci_version_min; /* required */
  char *oci_version_max; /* required */
  char **hooks;
  size_t hooks_len;
  char **mount_options;
  size_t mount_options_len;
  struct oci_string_map annotations;
  char **potentially_unsafe_config_annotations;
  size_t potentially_unsafe_config_annotations_len;
  struct oci_features_linux *linux_;
};

/* The tables, for callers that drive the engine directly. */
extern const struct bind_type oci_runtime_config_type;
extern const struct bind_type oci_runtime_state_type;
extern const struct bind_type oci_runtime_features_type;
/* struct oci_process (exec --process) and struct oci_linux_resources
 * (update --resources) as documents of their own. */
const struct bind_type *oci_runtime_process_type (void);
const struct bind_type *oci_runtime_resources_type (void);

/* Parsing: "what" (or the path) prefixes every error, followed by the JSON
 * path of the offending field, e.g.
 * "config.json: linux.resources.memory.limit: expected integer, got string". */
int oci_runtime_config_parse_file (const char *path, struct oci_runtime_config **out, struct oci_error *err);
int oci_runtime_config_parse_text (const char *what, const char *text, size_t len, struct oci_runtime_config **out,
                                   struct oci_error *err);
int oci_runtime_config_emit (const struct oci_runtime_config *c, bool pretty, char **out, size_t *len,
                             struct oci_error *err);
void oci_runtime_config_free (struct oci_runtime_config *c);
void oci_runtime_config_freep (struct oci_runtime_config **c);
#define cleanup_runtime_config __attribute__ ((cleanup (oci_runtime_config_freep)))

int oci_runtime_state_parse_file (const char *path, struct oci_runtime_state **out, struct oci_error *err);
int oci_runtime_state_parse_text (const char *what, const char *text, size_t len, struct oci_runtime_state **out,
                                  struct oci_error *err);
int oci_runtime_state_emit (const struct oci_runtime_state *s, bool pretty, char **out, size_t *len,
                            struct oci_error *err);
void oci_runtime_state_free (struct oci_runtime_state *s);
void oci_runtime_state_freep (struct oci_runtime_state **s);
#define cleanup_runtime_state __attribute__ ((cleanup (oci_runtime_state_freep)))

int oci_runtime_features_parse_file (const char *path, struct oci_runtime_features **out, struct oci_error *err);
int oci_runtime_features_parse_text (const char *what, const char *text, size_t len,
                                     struct oci_runtime_features **out, struct oci_error *err);
int oci_runtime_features_emit (const struct oci_runtime_features *f, bool pretty, char **out, size_t *len,
                               struct oci_error *err);
void oci_runtime_features_free (struct oci_runtime_features *f);
void oci_runtime_features_freep (struct oci_runtime_features **f);
#define cleanup_runtime_features __attribute__ ((cleanup (oci_runtime_features_freep)))

#endif
