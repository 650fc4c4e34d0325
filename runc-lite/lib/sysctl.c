#include "config.h"
#include "sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "common/root_path.h"
#include "runtime.h"
#include "syscalls.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

static bool
has_prefix (const char *s, const char *prefix)
{
  return strncmp (s, prefix, strlen (prefix)) == 0;
}

static bool
key_well_formed (const char *key)
{
  if (*key == '\0' || *key == '.' || key[strlen (key) - 1] == '.')
    return false;
  if (strstr (key, "..") != NULL || strchr (key, '/') != NULL)
    return false;
  return true;
}

int
rl_sysctl_check (const char *key, const struct rl_sysctl_ns *ns, struct oci_error *err)
{
  static const char *const ipc_keys[] = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"
  };

  if (!key_well_formed (key))
    return oci_error_set (err, 0, "sysctl \"%s\": not a valid key", key);
  for (size_t i = 0; i < sizeof ipc_keys / sizeof ipc_keys[0]; i++)
    if (strcmp (key, ipc_keys[i]) == 0)
      goto ipc;
  if (has_prefix (key, "fs.mqueue."))
    goto ipc;
  if (has_prefix (key, "net."))
    {
      if (!ns->net)
        return oci_error_set (err, 0, "sysctl \"%s\" is not allowed in the host's network namespace", key);
      return 0;
    }
  if (strcmp (key, "kernel.hostname") == 0 || strcmp (key, "kernel.domainname") == 0)
    {
      if (!ns->uts)
        return oci_error_set (err, 0, "sysctl \"%s\" is not allowed in the host's uts namespace", key);
      return 0;
    }
  return oci_error_set (err, 0, "sysctl \"%s\" is not in a separate kernel namespace", key);

ipc:
  if (!ns->ipc)
    return oci_error_set (err, 0, "sysctl \"%s\" is not allowed in the host's ipc namespace", key);
  return 0;
}

char *
rl_sysctl_relpath (const char *key)
{
  char *p = strdup (key);
  if (p == NULL)
    return NULL;
  for (char *c = p; *c; c++)
    if (*c == '.')
      *c = '/';
  return p;
}

static bool
config_has_ns (const struct oci_runtime_config *config, const char *type)
{
  if (config->linux_ == NULL)
    return false;
  for (size_t i = 0; i < config->linux_->namespaces_len; i++)
    if (strcmp (config->linux_->namespaces[i].type, type) == 0)
      return true;
  return false;
}

int
rl_sysctl_apply (const struct oci_runtime_config *config, struct oci_error *err)
{
  const struct oci_string_map *m;
  struct rl_sysctl_ns ns;
  cleanup_close int procsys = -1;
  struct statfs sfs;

  if (config->linux_ == NULL || config->linux_->sysctl.len == 0)
    return 0;
  m = &config->linux_->sysctl;
  ns.ipc = config_has_ns (config, "ipc");
  ns.net = config_has_ns (config, "network");
  ns.uts = config_has_ns (config, "uts");
  for (size_t i = 0; i < m->len; i++)
    if (rl_sysctl_check (m->keys[i], &ns, err) < 0)
      return -1;

  procsys = open ("/proc/sys", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (procsys < 0)
    return oci_error_set (err, errno, "sysctl: open /proc/sys in the container");
  if (fstatfs (procsys, &sfs) < 0)
    return oci_error_set (err, errno, "sysctl: statfs /proc/sys");
  if (sfs.f_type != PROC_SUPER_MAGIC)
    return oci_error_set (err, 0, "sysctl: /proc/sys in the container is not procfs");

  for (size_t i = 0; i < m->len; i++)
    {
      cleanup_free char *rel = rl_sysctl_relpath (m->keys[i]);
      cleanup_close int fd = -1;
      const char *v = m->values[i];
      size_t len = strlen (v);
      ssize_t n;

      if (rel == NULL)
        return oci_error_set (err, ENOMEM, "sysctl");
      fd = cmn_open_in_root (procsys, rel, O_WRONLY | O_NOFOLLOW,
                             CMN_RESOLVE_BENEATH | CMN_RESOLVE_NO_SYMLINKS | CMN_RESOLVE_NO_XDEV);
      if (fd < 0)
        return oci_error_set (err, errno, "sysctl \"%s\": open /proc/sys/%s", m->keys[i], rel);
      n = write (fd, v, len);
      if (n < 0)
        return oci_error_set (err, errno, "sysctl \"%s\": write \"%s\"", m->keys[i], v);
      if ((size_t) n != len)
        return oci_error_set (err, 0, "sysctl \"%s\": short write", m->keys[i]);
    }
  return 0;
}
