/* Security labels for the process about to exec: the AppArmor profile and
 * the SELinux label (config.md "apparmorProfile", "selinuxLabel"). */
#ifndef RL_LABELS_H
#define RL_LABELS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Writes data to a file that must be on procfs: the file is opened first
 * and its filesystem checked on the descriptor (fstatfs, PROC_SUPER_MAGIC)
 * before a byte is written.  A container that mounted something over
 * /proc (CVE-2019-16884) gets an error instead of a write that silently
 * sets no label. */
int rl_procfs_write (const char *path, const char *data, size_t len, struct oci_error *err);

/* /sys/module/apparmor/parameters/enabled reads "Y". */
bool rl_apparmor_enabled (void);
/* The profile takes effect at the next execve; an error when AppArmor is
 * not enabled. */
int rl_apparmor_exec_profile (const char *profile, struct oci_error *err);

/* selinuxfs is mounted at /sys/fs/selinux (what libselinux checks). */
bool rl_selinux_enabled (void);
/* The label takes effect at the next execve, written to
 * /proc/thread-self/attr/exec as crun does; an error when SELinux is not
 * enabled. */
int rl_selinux_exec_label (const char *label, struct oci_error *err);

#endif
