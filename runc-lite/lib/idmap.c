/* Bind mount sources opened by the runtime (see idmap.h): id-mapped ones,
 * and with a user namespace every bind's source.
 *
 * A mount's mapping is that of a user namespace, written as to uid_map:
 * "containerID hostID size" makes the id containerID on disk appear as
 * hostID through the mount (the kernel maps the id stored in the
 * filesystem down through the namespace), which is how runc reads
 * mounts[].uidMappings too.  Without mappings of its own a mount takes the
 * container's user namespace: the one joined by path, or one made with
 * linux.uidMappings / gidMappings. */
#include "config.h"
#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "mount_options.h"
#include "namespaces.h"
#include "syscalls.h"
#include "util.h"

bool
rl_idmap_supported (void)
{
  /* Invalid arguments: EBADF/EINVAL where the syscall exists. */
  return rl_mount_setattr (-1, "", 0, NULL) < 0 && errno != ENOSYS;
}

/* A user namespace carrying the mappings, as an fd: a child made in a new
 * user namespace waits on a pipe while we write its maps and open its
 * namespace, then exits when the pipe closes. */
static int
userns_with_maps (const struct oci_id_mapping *uids, size_t n_uids, const struct oci_id_mapping *gids, size_t n_gids,
                  struct oci_error *err)
{
  cleanup_free char *path = NULL;
  int pipefd[2], fd = -1;
  pid_t pid;

  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return oci_error_set (err, errno, "pipe");
  pid = (pid_t) syscall (SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid == 0)
    {
      char c;
      close (pipefd[1]);
      while (read (pipefd[0], &c, 1) < 0 && errno == EINTR)
        ;
      _exit (0);
    }
  close (pipefd[0]);
  if (pid < 0)
    {
      close (pipefd[1]);
      return oci_error_set (err, errno, "create a user namespace for the mapping");
    }
  if (rl_userns_write_id_maps (pid, uids, n_uids, gids, n_gids, err) == 0)
    {
      if (asprintf (&path, "/proc/%d/ns/user", pid) < 0)
        oci_error_set (err, ENOMEM, "user namespace");
      else if ((fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
        oci_error_set (err, errno, "open %s", path);
    }
  close (pipefd[1]);
  rl_waitpid (pid, NULL);
  return fd;
}

/* The container's user namespace, for mounts without mappings. */
static int
container_userns (const struct oci_linux *l, struct oci_error *err)
{
  for (size_t i = 0; i < l->namespaces_len; i++)
    if (strcmp (l->namespaces[i].type, "user") == 0 && l->namespaces[i].path && l->uid_mappings == NULL)
      {
        int fd = open (l->namespaces[i].path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
          return oci_error_set (err, errno, "open the user namespace %s", l->namespaces[i].path);
        return fd;
      }
  if (l->uid_mappings_len == 0 || l->gid_mappings_len == 0)
    return oci_error_set (err, 0, "the container's user namespace has no linux.uidMappings and gidMappings to use");
  return userns_with_maps (l->uid_mappings, l->uid_mappings_len, l->gid_mappings, l->gid_mappings_len, err);
}

/* The detached, id-mapped copy of mounts[idx]'s source. */
static int
idmapped_tree (size_t idx, const char *src, bool rbind, bool recursive, int userns, struct oci_error *err)
{
  cleanup_close int tree = -1;
  struct rl_mount_attr attr = { .attr_set = RL_MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) userns };

  tree = rl_open_tree (AT_FDCWD, src, RL_OPEN_TREE_CLONE | O_CLOEXEC | (rbind ? AT_RECURSIVE : 0));
  if (tree < 0 && errno == ENOSYS)
    return oci_error_set (err, 0, "mounts[%zu]: source \"%s\": id-mapped mounts need open_tree (Linux 5.2) "
                                  "and mount_setattr (Linux 5.12), which this kernel lacks", idx, src);
  if (tree < 0)
    return oci_error_set (err, errno, "mounts[%zu]: source \"%s\": open_tree", idx, src);
  if (rl_mount_setattr (tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr) < 0)
    {
      int e = errno;
      if (e == ENOSYS || e == EINVAL)
        return oci_error_set (err, e,
                              "mounts[%zu]: source \"%s\": cannot id-map it (the kernel lacks MOUNT_ATTR_IDMAP, "
                              "Linux 5.12, or its filesystem does not support id-mapped mounts)",
                              idx, src);
      return oci_error_set (err, e, "mounts[%zu]: source \"%s\": mount_setattr MOUNT_ATTR_IDMAP", idx, src);
    }
  return steal_fd (&tree);
}

void
rl_idmap_free (int **fds, size_t n)
{
  if (*fds == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    if ((*fds)[i] >= 0)
      close ((*fds)[i]);
  free (*fds);
  *fds = NULL;
}

/* mounts[idx].source as a path: relative ones are the bundle's. */
static char *
source_path (const struct oci_mount *m, size_t idx, const char *bundle, struct oci_error *err)
{
  char *src = NULL;
  if (m->source == NULL)
    {
      oci_error_set (err, 0, "mounts[%zu]: a bind mount needs a source", idx);
      return NULL;
    }
  if (m->source[0] == '/')
    src = strdup (m->source);
  else if (asprintf (&src, "%s/%s", bundle, m->source) < 0)
    src = NULL;
  if (src == NULL)
    oci_error_set (err, ENOMEM, "mounts[%zu]", idx);
  return src;
}

/* A plain bind's source, opened by us as a detached copy: the init of a
 * user namespace may no longer reach it (a root-only directory on the
 * way).  *fd stays -1 where the kernel lacks open_tree or refuses us: the
 * init then binds the path itself, as before. */
static int
source_tree (const struct oci_mount *m, size_t idx, const struct rl_mount_opts *o, const char *bundle, int *fd,
             struct oci_error *err)
{
  cleanup_free char *src = source_path (m, idx, bundle, err);

  *fd = -1;
  if (src == NULL)
    return -1;
  *fd = rl_open_tree (AT_FDCWD, src, RL_OPEN_TREE_CLONE | O_CLOEXEC | ((o->flags & MS_REC) ? AT_RECURSIVE : 0));
  if (*fd >= 0 || errno == ENOSYS || errno == EPERM)
    return 0;
  return oci_error_set (err, errno, "mounts[%zu].source \"%s\"", idx, src);
}

static int
prepare_one (const struct oci_mount *m, size_t idx, const struct rl_mount_opts *o, const char *bundle,
             int *shared_userns, const struct oci_linux *l, struct oci_error *err)
{
  cleanup_free char *src = source_path (m, idx, bundle, err);
  cleanup_close int own = -1;
  int userns;

  if (src == NULL)
    return -1;

  if (m->uid_mappings != NULL)
    {
      own = userns_with_maps (m->uid_mappings, m->uid_mappings_len, m->gid_mappings, m->gid_mappings_len, err);
      if (own < 0)
        return oci_error_prefix (err, "mounts[%zu] (%s): uidMappings/gidMappings", idx, m->destination);
      userns = own;
    }
  else
    {
      if (*shared_userns < 0 && (*shared_userns = container_userns (l, err)) < 0)
        return oci_error_prefix (err, "mounts[%zu] (%s): %s", idx, m->destination,
                                 o->idmap_recursive ? "ridmap" : "idmap");
      userns = *shared_userns;
    }
  /* idmap without ridmap maps the top mount only, even of an rbind. */
  return idmapped_tree (idx, src, (o->flags & MS_REC) != 0, o->idmap && o->idmap_recursive, userns, err);
}

int
rl_idmap_prepare (const struct oci_runtime_config *cfg, const char *bundle, int **fds, struct oci_error *err)
{
  const struct oci_linux *l = cfg->linux_;
  bool userns = false;
  cleanup_close int shared_userns = -1;
  int *out = NULL;

  *fds = NULL;
  for (size_t i = 0; l && i < l->namespaces_len; i++)
    userns = userns || strcmp (l->namespaces[i].type, "user") == 0;
  /* Only a privileged runtime sees more than the init will. */
  bool early = userns && geteuid () == 0;
  for (size_t i = 0; i < cfg->mounts_len; i++)
    {
      const struct oci_mount *m = &cfg->mounts[i];
      struct rl_mount_opts o;
      int r;

      if (rl_mount_opts_parse (m->options, m->options_len, &o, err) < 0)
        {
          rl_idmap_free (&out, cfg->mounts_len);
          return oci_error_prefix (err, "mounts[%zu] (%s)", i, m->destination);
        }
      r = rl_mount_idmap_check (m, i, &o, userns, err);
      if (r == 0 && early && rl_mount_opts_is_bind (&o))
        r = 2;
      if (r > 0 && out == NULL)
        {
          out = malloc (cfg->mounts_len * sizeof *out);
          if (out == NULL)
            r = oci_error_set (err, ENOMEM, "mounts");
          for (size_t j = 0; out && j < cfg->mounts_len; j++)
            out[j] = -1;
        }
      if (r == 1 && (out[i] = prepare_one (m, i, &o, bundle, &shared_userns, l, err)) < 0)
        r = -1;
      else if (r == 2 && source_tree (m, i, &o, bundle, &out[i], err) < 0)
        r = -1;
      rl_mount_opts_free (&o);
      if (r < 0)
        {
          rl_idmap_free (&out, cfg->mounts_len);
          return -1;
        }
    }
  *fds = out;
  return 0;
}
