/* RUN: the command in a container of the OCI runtime, on a bundle whose
 * rootfs is the step's overlay.  The config is the runtime's own default
 * (`RUNTIME spec`), made writable and non-interactive; the network
 * namespace is the one build_net.c made (private), the runtime's empty
 * one (none) or the host's. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/build_ops.h"
#include "cleanup.h"
#include "common/strv.h"
#include "fileutil.h"
#include "runtime.h"
#include "exec/runtime_driver.h"
#include "exec/rootless.h"

/* The capabilities of a RUN step: Docker's default set (a RUN must be
 * able to chown, setuid for package managers, mknod), not the runtime's
 * minimal one.  A non-root USER keeps them only in the bounding set, as
 * with docker build: gaining them takes a setuid binary. */
static char *const run_capabilities[] = {
  "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
  "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
  "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
  "CAP_KILL",    "CAP_AUDIT_WRITE",
};
#define N_RUN_CAPABILITIES (sizeof run_capabilities / sizeof run_capabilities[0])

static int
set_run_capabilities (struct oci_process *p, bool root, struct oci_error *err)
{
  struct oci_capabilities *c = p->capabilities;

  if (c == NULL && (c = p->capabilities = calloc (1, sizeof *c)) == NULL)
    return oci_error_set (err, ENOMEM, "capabilities");
  char *const *caps = run_capabilities;
  size_t held = root ? N_RUN_CAPABILITIES : 0;

  cmn_strv_clear (&c->inheritable, &c->inheritable_len);
  cmn_strv_clear (&c->ambient, &c->ambient_len);
  if (cmn_strv_replace (&c->bounding, &c->bounding_len, caps, N_RUN_CAPABILITIES) < 0
      || cmn_strv_replace (&c->effective, &c->effective_len, caps, held) < 0
      || cmn_strv_replace (&c->permitted, &c->permitted_len, caps, held) < 0)
    return oci_error_set (err, ENOMEM, "capabilities");
  return 0;
}

/* The network namespace: none for the host's, the one made for the step
 * (a path) for a private network, the runtime's own empty one for none. */
static int
set_network (struct oci_linux *l, const struct bld_run_request *r, struct oci_error *err)
{
  size_t j = 0;
  for (size_t i = 0; i < l->namespaces_len; i++)
    {
      struct oci_linux_namespace *ns = &l->namespaces[i];
      if (strcmp (ns->type, "network") != 0)
        {
          l->namespaces[j++] = *ns;
          continue;
        }
      free (ns->type);
      free (ns->path);
    }
  l->namespaces_len = j;
  if (r->network == BLD_NETWORK_HOST)
    return 0;
  struct oci_linux_namespace *v = realloc (l->namespaces, (j + 1) * sizeof *v);
  if (v == NULL)
    return oci_error_set (err, ENOMEM, "config");
  l->namespaces = v;
  v[j].type = strdup ("network");
  v[j].path = r->netns_path ? strdup (r->netns_path) : NULL;
  l->namespaces_len++;
  if (v[j].type == NULL || (r->netns_path && v[j].path == NULL))
    return oci_error_set (err, ENOMEM, "config");
  return 0;
}

/* devpts's gid=5 (tty) names a group a namespace of the user's own ids
 * alone does not have: its pty's get the user's group instead. */
static void
drop_tty_group (struct oci_runtime_config *c)
{
  for (size_t i = 0; i < c->mounts_len; i++)
    {
      struct oci_mount *m = &c->mounts[i];
      size_t j = 0;
      if (m->type == NULL || strcmp (m->type, "devpts") != 0)
        continue;
      for (size_t k = 0; k < m->options_len; k++)
        if (strcmp (m->options[k], "gid=5") == 0)
          free (m->options[k]);
        else
          m->options[j++] = m->options[k];
      if (j < m->options_len)
        m->options[j] = NULL; /* as a strv, in case */
      m->options_len = j;
    }
}

static int
write_config (const struct bld_run_request *r, const char *bundle, struct oci_error *err)
{
  cleanup_free char *path = NULL, *text = NULL;
  cleanup_runtime_config struct oci_runtime_config *c = NULL;
  size_t len;

  if (bld_runtime_spec (r->runtime, bundle, err) < 0)
    return -1;
  if (asprintf (&path, "%s/config.json", bundle) < 0)
    return oci_error_set (err, ENOMEM, "config path");
  if (oci_runtime_config_parse_file (path, &c, err) < 0)
    return -1;

  free (c->root->path);
  /* Absolute: a relative root.path is taken from the bundle dir. */
  c->root->path = realpath (r->rootfs, NULL);
  c->root->readonly = false;
  c->root->has_readonly = true;
  c->process->terminal = false;
  c->process->has_terminal = true;
  if (cmn_strv_replace (&c->process->args, &c->process->args_len, r->argv, r->argc) < 0
      || cmn_strv_replace (&c->process->env, &c->process->env_len, r->env, r->env_len) < 0)
    return oci_error_set (err, ENOMEM, "config");
  free (c->process->cwd);
  c->process->cwd = strdup (r->cwd);
  if (c->process->user == NULL)
    c->process->user = calloc (1, sizeof *c->process->user);
  if (c->root->path == NULL || c->process->cwd == NULL || c->process->user == NULL)
    return oci_error_set (err, ENOMEM, "config");
  c->process->user->uid = r->uid;
  c->process->user->has_uid = true;
  c->process->user->gid = r->gid;
  c->process->user->has_gid = true;
  free (c->process->user->additional_gids);
  c->process->user->additional_gids = NULL;
  c->process->user->additional_gids_len = 0;
  if (r->additional_gids_len)
    {
      c->process->user->additional_gids = calloc (r->additional_gids_len, sizeof (uint32_t));
      if (c->process->user->additional_gids == NULL)
        return oci_error_set (err, ENOMEM, "config");
      memcpy (c->process->user->additional_gids, r->additional_gids, r->additional_gids_len * sizeof (uint32_t));
      c->process->user->additional_gids_len = r->additional_gids_len;
    }
  if (set_run_capabilities (c->process, r->uid == 0, err) < 0)
    return -1;
  free (c->hostname);
  c->hostname = strdup (BLD_RUN_HOSTNAME);
  if (c->linux_ && set_network (c->linux_, r, err) < 0)
    return -1;
  if (bld_rootless_own_ids_only ())
    drop_tty_group (c);
  if (r->mounts_len)
    {
      struct oci_mount *m = realloc (c->mounts, (c->mounts_len + r->mounts_len) * sizeof *m);
      if (m == NULL)
        return oci_error_set (err, ENOMEM, "config");
      c->mounts = m;
      for (size_t i = 0; i < r->mounts_len; i++)
        {
          const struct bld_run_mount *rm = &r->mounts[i];
          m = &c->mounts[c->mounts_len++];
          memset (m, 0, sizeof *m);
          m->type = strdup (rm->type);
          m->source = strdup (rm->source);
          m->destination = strdup (rm->destination);
          m->options = cmn_strv_copy (rm->options, rm->options_len);
          m->options_len = rm->options_len;
          if (m->type == NULL || m->source == NULL || m->destination == NULL || m->options == NULL)
            return oci_error_set (err, ENOMEM, "config");
        }
    }
  if (bld_run_config_habits (c, r, err) < 0)
    return -1;
  if (oci_runtime_config_emit (c, true, &text, &len, err) < 0)
    return -1;
  return oci_write_file_atomic (path, text, len, 0600, err);
}

int
bld_run (const struct bld_run_request *r, int *status, struct oci_error *err)
{
  cleanup_free char *bundle = NULL, *state = NULL, *id = NULL;
  int out_fd = -1;
  pid_t pid = -1;

  if (asprintf (&bundle, "%s/bundle", r->work) < 0 || asprintf (&state, "%s/state", r->work) < 0
      || asprintf (&id, "build-%ld", (long) getpid ()) < 0)
    return oci_error_set (err, ENOMEM, "run");
  if ((mkdir (bundle, 0700) < 0 && errno != EEXIST) || (mkdir (state, 0700) < 0 && errno != EEXIST))
    return oci_error_set (err, errno, "mkdir %s", bundle);
  if (write_config (r, bundle, err) < 0)
    return oci_error_prefix (err, "RUN");

  if (bld_runtime_run_piped (r->runtime, state, bundle, id, &out_fd, &pid, err) < 0)
    return -1;
  cleanup_fclose FILE *in = fdopen (out_fd, "r");
  if (in == NULL)
    {
      close (out_fd);
      *status = bld_runtime_wait (pid);
      return oci_error_set (err, errno, "fdopen");
    }
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  for (;;)
    {
      errno = 0;
      n = getline (&line, &cap, in);
      if (n <= 0 && errno == EINTR && !bld_interrupted)
        {
          clearerr (in);
          continue;
        }
      if (n <= 0)
        break;
      fprintf (r->out, "%s%s", r->prefix, line);
      if (line[n - 1] != '\n')
        fputc ('\n', r->out);
      fflush (r->out);
    }
  free (line);
  if (bld_interrupted)
    {
      /* The container's init ignores what it has no handler for: kill
       * it through the runtime, then reap `run`. */
      bld_run_delete_all (r->runtime, state);
      *status = bld_runtime_wait (pid);
      return bld_check_interrupted (err);
    }
  *status = bld_runtime_wait (pid);
  return 0;
}
