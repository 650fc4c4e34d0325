/* linux.namespaces: which to create, which to join (by path), and the
 * uid/gid mappings of a new user namespace. */
#ifndef RL_NAMESPACES_H
#define RL_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "runtime.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
/* Sets the loopback interface of this process's network namespace up (a
 * new network namespace starts with lo down; runc brings it up). */
int rl_netns_loopback_up (struct oci_error *err);

#endif

struct rl_ns_join
{
  int flag; /* CLONE_NEW* */
  int fd;   /* opened in the runtime's namespaces, before the clone */
};

struct rl_namespaces
{
  int new_flags; /* namespaces to create */
  struct rl_ns_join join[8];
  size_t n_join;
};

/* CLONE_NEW* for a namespace type name; 0 when unknown. */
int rl_namespace_flag (const char *type);
/* Whether linux.namespaces has an entry of this kind (new or by path). */
bool rl_namespaces_has (const struct oci_linux *l, int flag);
/* "new: mount,pid; joined: network" (for --debug); NULL when out of
 * memory. */
char *rl_namespaces_describe (const struct rl_namespaces *ns);
/* Reads linux.namespaces, opening the paths to join; a path whose
 * namespace is of another kind than .type is refused, naming the entry. */
int rl_namespaces_open (const struct oci_linux *l, struct rl_namespaces *ns, struct oci_error *err);
void rl_namespaces_close (struct rl_namespaces *ns);
/* Joins every namespace of one kind (flag) or, with flag 0, every one not
 * in `except`. */
int rl_namespaces_join (const struct rl_namespaces *ns, int flag, int except, struct oci_error *err);

/* Writes /proc/PID/{uid_map,gid_map} (and setgroups "deny" when we are
 * not privileged on the host, as the kernel then requires). */
int rl_userns_write_maps (pid_t pid, const struct oci_linux *l, struct oci_error *err);
/* The same for mappings given apart from a config. */
int rl_userns_write_id_maps (pid_t pid, const struct oci_id_mapping *uids, size_t n_uids,
                             const struct oci_id_mapping *gids, size_t n_gids, struct oci_error *err);
/* The host uid and gid that process pid's user namespace maps 0 to. */
int rl_userns_root_ids (pid_t pid, uid_t *uid, gid_t *gid, struct oci_error *err);
/* Writes /proc/self/timens_offsets for a new time namespace. */
int rl_timens_write_offsets (const struct oci_linux_time_offsets *t, struct oci_error *err);

/* Sets the loopback interface of this process's network namespace up (a
 * new network namespace starts with lo down; runc brings it up). */
int rl_netns_loopback_up (struct oci_error *err);

#endif
