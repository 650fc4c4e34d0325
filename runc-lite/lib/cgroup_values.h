/* linux.resources values turned into the text the cgroup files take: pure
 * conversions, shared by cgroup_v1.c and cgroup_v2.c and unit tested. */
#ifndef RL_CGROUP_VALUES_H
#define RL_CGROUP_VALUES_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "runtime.h"

/* cpu.shares (v1, 2..262144) -> cpu.weight (v2, 1..10000): the linear map
 * runc and Kubernetes document, weight = 1 + (shares - 2) * 9999 / 262142,
 * shares clamped to the v1 range first.  0 (unset) gives 0. */
uint64_t rl_cgroup_shares_to_weight (uint64_t shares);

/* blkio.weight (v1, 10..1000) -> io.weight (v2, 1..10000), the same kind of
 * linear map: 1 + (weight - 10) * 9999 / 990. */
uint64_t rl_cgroup_blkio_to_io_weight (uint64_t weight);

/* cpu.max text for v2: "QUOTA PERIOD", or "max PERIOD" for an unset or
 * negative quota; period defaults to 100000.  NULL (and no error) when
 * neither quota nor period is set. */
char *rl_cgroup_cpu_max (const struct oci_linux_resources_cpu *cpu);

/* memory.swap.max for v2 from the spec's v1-style swap (memory+swap):
 * swap - limit, "max" for -1.  *out NULL when swap is unset. */
int rl_cgroup_swap_v2 (const struct oci_linux_resources_memory *m, char **out, struct oci_error *err);

/* A limit as a v2 file takes it: "max" for -1 (any negative), else the number. */
char *rl_cgroup_v2_limit (int64_t v);

/* The kernel's name for a huge page size ("2MB", "1GB", "64KB") from the
 * spec's pageSize, accepting "2MB", "2M", "2MiB", "2048KB", "1GB"... */
char *rl_cgroup_hugetlb_size (const char *page_size, struct oci_error *err);

/* "MAJ:MIN" for a device, '*' for an unset number (v1 devices rules). */
char *rl_cgroup_device_rule_text (const struct oci_linux_device_cgroup *d, struct oci_error *err);

#endif
