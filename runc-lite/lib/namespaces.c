#include "config.h"
#include "namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"
#include "util.h"

static const struct
{
  const char *name;
  int flag;
} ns_types[] = {
  { "mount", CLONE_NEWNS },   { "pid", CLONE_NEWPID },       { "network", CLONE_NEWNET },
  { "uts", CLONE_NEWUTS },    { "ipc", CLONE_NEWIPC },       { "user", CLONE_NEWUSER },
  { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

int
rl_namespace_flag (const char *type)
{
  for (size_t i = 0; i < sizeof ns_types / sizeof ns_types[0]; i++)
    if (strcmp (ns_types[i].name, type) == 0)
      return ns_types[i].flag;
  return 0;
}

bool
rl_namespaces_has (const struct oci_linux *l, int flag)
{
  for (size_t i = 0; l && i < l->namespaces_len; i++)
    if (rl_namespace_flag (l->namespaces[i].type) == flag)
      return true;
  return false;
}

static const char *
type_name (int flag)
{
  for (size_t k = 0; k < sizeof ns_types / sizeof ns_types[0]; k++)
    if (ns_types[k].flag == flag)
      return ns_types[k].name;
  return "unknown";
}

/* setns would take a path of another kind (or, for some kinds, fail
 * with a bare EINVAL): say which entry is wrong and what it is. */
static int
check_type (int fd, size_t i, const struct oci_linux_namespace *n, int flag, struct oci_error *err)
{
  int kind = ioctl (fd, NS_GET_NSTYPE);
  if (kind < 0 && errno == ENOTTY)
    return oci_error_set (err, 0, "linux.namespaces[%zu].path: %s is not a namespace file", i, n->path);
  if (kind < 0)
    return oci_error_set (err, errno, "linux.namespaces[%zu].path: %s: NS_GET_NSTYPE", i, n->path);
  if (kind != flag)
    return oci_error_set (err, 0, "linux.namespaces[%zu].path: %s is a %s namespace, not the %s namespace of .type",
                          i, n->path, type_name (kind), n->type);
  return 0;
}

char *
rl_namespaces_describe (const struct rl_namespaces *ns)
{
  char *out = NULL;
  size_t len = 0;
  const char *sep = "";
  FILE *f = open_memstream (&out, &len);
  if (f == NULL)
    return NULL;
  fputs ("new:", f);
  for (size_t i = 0; i < sizeof ns_types / sizeof ns_types[0]; i++)
    if (ns->new_flags & ns_types[i].flag)
      {
        fprintf (f, "%s%s", *sep ? sep : " ", ns_types[i].name);
        sep = ",";
      }
  if (*sep == '\0')
    fputs (" none", f);
  fputs ("; joined:", f);
  sep = "";
  for (size_t i = 0; i < ns->n_join; i++)
    {
      fprintf (f, "%s%s", *sep ? sep : " ", type_name (ns->join[i].flag));
      sep = ",";
    }
  if (*sep == '\0')
    fputs (" none", f);
  if (fclose (f) != 0)
    {
      free (out);
      return NULL;
    }
  return out;
}

int
rl_namespaces_open (const struct oci_linux *l, struct rl_namespaces *ns, struct oci_error *err)
{
  memset (ns, 0, sizeof *ns);
  for (size_t i = 0; l && i < l->namespaces_len; i++)
    {
      const struct oci_linux_namespace *n = &l->namespaces[i];
      int flag = rl_namespace_flag (n->type);
      if (flag == 0)
        return oci_error_set (err, 0, "linux.namespaces[%zu].type: unknown namespace \"%s\"", i, n->type);
      if (n->path == NULL || *n->path == '\0')
        {
          ns->new_flags |= flag;
          continue;
        }
      if (ns->n_join >= sizeof ns->join / sizeof ns->join[0])
        return oci_error_set (err, 0, "linux.namespaces: too many entries");
      int fd = open (n->path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        {
          int e = errno;
          rl_namespaces_close (ns);
          return oci_error_set (err, e, "linux.namespaces[%zu]: open %s namespace %s", i, n->type, n->path);
        }
      ns->join[ns->n_join++] = (struct rl_ns_join){ flag, fd };
      if (check_type (fd, i, n, flag, err) < 0)
        {
          rl_namespaces_close (ns);
          return -1;
        }
    }
  return 0;
}

void
rl_namespaces_close (struct rl_namespaces *ns)
{
  for (size_t i = 0; i < ns->n_join; i++)
    if (ns->join[i].fd >= 0)
      close (ns->join[i].fd);
  ns->n_join = 0;
}

int
rl_namespaces_join (const struct rl_namespaces *ns, int flag, int except, struct oci_error *err)
{
  for (size_t i = 0; i < ns->n_join; i++)
    {
      const struct rl_ns_join *j = &ns->join[i];
      if (flag ? j->flag != flag : (j->flag & except) != 0)
        continue;
      if (setns (j->fd, j->flag) < 0)
        return oci_error_set (err, errno, "join the %s namespace", type_name (j->flag));
    }
  return 0;
}

static int
write_map (pid_t pid, const char *file, const struct oci_id_mapping *m, size_t n, struct oci_error *err)
{
  cleanup_free char *text = NULL, *path = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);

  if (f == NULL)
    return oci_error_set (err, errno, "%s", file);
  for (size_t i = 0; i < n; i++)
    fprintf (f, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", m[i].container_id, m[i].host_id, m[i].size);
  fclose (f);
  if (asprintf (&path, "/proc/%d/%s", pid, file) < 0)
    return oci_error_set (err, ENOMEM, "%s", file);
  if (len > 0 && rl_write_file (path, text, err) < 0)
    return oci_error_prefix (err, "write the user namespace's %s", file);
  return 0;
}

int
rl_userns_write_maps (pid_t pid, const struct oci_linux *l, struct oci_error *err)
{
  return rl_userns_write_id_maps (pid, l->uid_mappings, l->uid_mappings_len, l->gid_mappings, l->gid_mappings_len,
                                  err);
}

int
rl_userns_write_id_maps (pid_t pid, const struct oci_id_mapping *uids, size_t n_uids,
                         const struct oci_id_mapping *gids, size_t n_gids, struct oci_error *err)
{
  if (geteuid () != 0)
    {
      cleanup_free char *path = NULL;
      if (asprintf (&path, "/proc/%d/setgroups", pid) < 0)
        return oci_error_set (err, ENOMEM, "setgroups");
      if (rl_write_file (path, "deny", err) < 0 && err->errnum != ENOENT)
        return -1;
      oci_error_clear (err);
    }
  if (write_map (pid, "uid_map", uids, n_uids, err) < 0 || write_map (pid, "gid_map", gids, n_gids, err) < 0)
    return -1;
  return 0;
}

/* The host id that map (a uid_map or gid_map text) gives id 0. */
static int
host_id_of_zero (pid_t pid, const char *file, unsigned int *out, struct oci_error *err)
{
  cleanup_free char *path = NULL, *line = NULL;
  cleanup_fclose FILE *f = NULL;
  size_t cap = 0;

  if (asprintf (&path, "/proc/%d/%s", pid, file) < 0)
    return oci_error_set (err, ENOMEM, "%s", file);
  f = fopen (path, "re");
  if (f == NULL)
    return oci_error_set (err, errno, "open %s", path);
  while (getline (&line, &cap, f) > 0)
    {
      unsigned int inside, outside, count;
      if (sscanf (line, "%u %u %u", &inside, &outside, &count) == 3 && inside == 0 && count > 0)
        {
          *out = outside;
          return 0;
        }
    }
  return oci_error_set (err, 0, "the user namespace of process %d does not map id 0 (%s)", pid, path);
}

int
rl_userns_root_ids (pid_t pid, uid_t *uid, gid_t *gid, struct oci_error *err)
{
  unsigned int u, g;
  if (host_id_of_zero (pid, "uid_map", &u, err) < 0 || host_id_of_zero (pid, "gid_map", &g, err) < 0)
    return -1;
  *uid = (uid_t) u;
  *gid = (gid_t) g;
  return 0;
}

int
rl_timens_write_offsets (const struct oci_linux_time_offsets *t, struct oci_error *err)
{
  cleanup_free char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  if (f == NULL)
    return oci_error_set (err, errno, "timens_offsets");
  if (t && t->monotonic)
    fprintf (f, "monotonic %" PRId64 " %" PRIu32 "\n", t->monotonic->secs, t->monotonic->nanosecs);
  if (t && t->boottime)
    fprintf (f, "boottime %" PRId64 " %" PRIu32 "\n", t->boottime->secs, t->boottime->nanosecs);
  fclose (f);
  if (len == 0)
    return 0;
  /* One write per line: the kernel parses a single offset per write on
   * some versions. */
  for (char *save = NULL, *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      cleanup_close int fd = open ("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
      if (fd < 0 || oci_write_all (fd, line, strlen (line)) < 0)
        return oci_error_set (err, errno, "write /proc/self/timens_offsets \"%s\"", line);
    }
  return 0;
}

int
rl_netns_loopback_up (struct oci_error *err)
{
  cleanup_close int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr;

  if (s < 0)
    return oci_error_set (err, errno, "bring up lo: socket");
  memset (&ifr, 0, sizeof ifr);
  memcpy (ifr.ifr_name, "lo", sizeof "lo");
  if (ioctl (s, SIOCGIFFLAGS, &ifr) < 0)
    return oci_error_set (err, errno, "bring up lo: read its flags");
  if (ifr.ifr_flags & IFF_UP)
    return 0;
  ifr.ifr_flags |= IFF_UP;
  if (ioctl (s, SIOCSIFFLAGS, &ifr) < 0)
    return oci_error_set (err, errno, "bring up lo in the container's network namespace");
  return 0;
}
