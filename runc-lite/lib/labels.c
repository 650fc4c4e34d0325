#include "config.h"
#include "labels.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "common/fs.h"
#include "fileutil.h"

int
rl_procfs_write (const char *path, const char *data, size_t len, struct oci_error *err)
{
  struct statfs sfs;
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
  if (fd < 0)
    return oci_error_set (err, errno, "open %s", path);
  if (fstatfs (fd, &sfs) < 0)
    return oci_error_set (err, errno, "fstatfs %s", path);
  if (sfs.f_type != PROC_SUPER_MAGIC)
    return oci_error_set (err, 0, "%s is not on procfs (filesystem type 0x%lx): refusing to write to it", path,
                          (unsigned long) sfs.f_type);
  for (;;)
    {
      /* An attr file takes the whole value in one write. */
      ssize_t n = write (fd, data, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return oci_error_set (err, errno, "write %s", path);
      if ((size_t) n != len)
        return oci_error_set (err, 0, "write %s: short write", path);
      return 0;
    }
}

bool
rl_apparmor_enabled (void)
{
  return cmn_file_starts_with ("/sys/module/apparmor/parameters/enabled", "Y");
}

int
rl_apparmor_exec_profile (const char *profile, struct oci_error *err)
{
  cleanup_free char *cmd = NULL;
  int n;

  if (!rl_apparmor_enabled ())
    return oci_error_set (err, 0, "apparmorProfile \"%s\" is set but AppArmor is not enabled on this host", profile);
  n = asprintf (&cmd, "exec %s", profile);
  if (n < 0)
    return oci_error_set (err, ENOMEM, "apparmorProfile");
  /* The LSM-specific file first (Linux 5.8+, stacking), then the shared one. */
  if (access ("/proc/thread-self/attr/apparmor/exec", F_OK) == 0)
    {
      if (rl_procfs_write ("/proc/thread-self/attr/apparmor/exec", cmd, (size_t) n, err) < 0)
        return oci_error_prefix (err, "apparmorProfile \"%s\"", profile);
      return 0;
    }
  if (rl_procfs_write ("/proc/thread-self/attr/exec", cmd, (size_t) n, err) < 0)
    return oci_error_prefix (err, "apparmorProfile \"%s\"", profile);
  return 0;
}

/* As libselinux's is_selinux_enabled, without loading it (and pcre2) into
 * every run: selinuxfs is mounted where the kernel has SELinux on. */
bool
rl_selinux_enabled (void)
{
  struct statfs sfs;
  return statfs ("/sys/fs/selinux", &sfs) == 0 && sfs.f_type == SELINUX_MAGIC;
}

int
rl_selinux_exec_label (const char *label, struct oci_error *err)
{
  if (!rl_selinux_enabled ())
    return oci_error_set (err, 0, "selinuxLabel \"%s\" is set but SELinux is not enabled on this host", label);
  if (rl_procfs_write ("/proc/thread-self/attr/exec", label, strlen (label), err) < 0)
    return oci_error_prefix (err, "selinuxLabel \"%s\"", label);
  return 0;
}
