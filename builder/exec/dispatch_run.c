/* RUN: the command with the runtime on a bundle whose rootfs is the
 * step's overlay (build_run.c), its --mount and --network options, its
 * heredocs, and the layer it leaves. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/build_internal.h"
#include "exec/build_mounts.h"
#include "exec/build_net.h"
#include "exec/user.h"
#include "cleanup.h"
#include "fileutil.h"
#include "image/store.h"
#include "common/strbuf.h"

/* The predefined proxy ARGs reach RUN from --build-arg without an ARG
 * line, and then stay out of the history and the cache key (Dockerfile
 * reference, "Predefined ARGs"); a declared one is an ordinary ARG. */
static int
add_proxy_env (struct build *b, struct stage_st *s, char ***env, size_t *envc, struct oci_error *err)
{
  static const char *const proxy_args[] = {
    "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY",
    "ftp_proxy",  "NO_PROXY",   "no_proxy",    "ALL_PROXY",   "all_proxy",
  };
  for (size_t i = 0; i < sizeof proxy_args / sizeof proxy_args[0]; i++)
    {
      bool given, declared;
      const char *v = build_arg_value (b->o, proxy_args[i], &given);
      cleanup_free char *kv = NULL;

      stage_arg_get (s, proxy_args[i], &declared);
      if (!given || v == NULL || declared || stage_env_get (s, proxy_args[i]) != NULL)
        continue;
      if (asprintf (&kv, "%s=%s", proxy_args[i], v) < 0)
        return oci_error_set (err, ENOMEM, "RUN");
      if (build_strv_push (env, envc, kv, err) < 0)
        return -1;
    }
  return 0;
}

/* A RUN step on its way: what decides it and what it runs. */
struct run_step
{
  const struct recipe_instruction *in;
  const char *prefix, *cwd;
  char **argv, **env;
  size_t argc, envc;
  const struct recipe_heredoc *script; /* a body run as a file */
  struct bld_mount_context mc;
  struct bld_mounts ms;
  enum bld_network network;
  char *created_by;
  char key[OCI_DIGEST_STRING_MAX];
};

static void
run_step_clear (struct run_step *r)
{
  bld_mounts_clear (&r->ms);
  build_strv_clear (&r->argv, &r->argc);
  build_strv_clear (&r->env, &r->envc);
  free (r->created_by);
}

static int
run_fail_pos (const struct run_step *r, struct oci_error *err)
{
  return oci_error_prefix (err, "%s:%u: RUN", r->in->pos.file, r->in->pos.line);
}

/* The command: with heredocs, RUN <<EOF alone runs the body as the
 * script; otherwise the shell gets the command line followed by the
 * bodies and delimiters, and does the here-documents itself. */
static int
run_argv (struct stage_st *s, struct run_step *r, struct oci_error *err)
{
  const struct recipe_instruction *in = r->in;
  if (!in->heredocs_len || in->run.cmd.exec_form)
    return build_shell_argv (s, &in->run.cmd, &r->argv, &r->argc, err);
  struct recipe_command hc = in->run.cmd;
  cleanup_strbuf struct strbuf sb = STRBUF_INIT;
  const char *t = hc.shell;
  while (*t == ' ' || *t == '\t')
    t++;
  bool alone = in->heredocs_len == 1 && strncmp (t, "<<", 2) == 0 && strpbrk (t, " \t") == NULL;
  /* A body with a shebang is run as a file by its interpreter. */
  if (alone && strncmp (in->heredocs[0].content, "#!", 2) == 0)
    r->script = &in->heredocs[0];
  if (alone)
    strbuf_adds (&sb, in->heredocs[0].content);
  else
    {
      strbuf_adds (&sb, hc.shell);
      strbuf_addc (&sb, '\n');
      for (size_t i = 0; i < in->heredocs_len; i++)
        {
          strbuf_adds (&sb, in->heredocs[i].content);
          strbuf_adds (&sb, in->heredocs[i].name);
          strbuf_addc (&sb, '\n');
        }
    }
  if (sb.failed)
    return oci_error_set (err, ENOMEM, "out of memory");
  hc.shell = sb.s;
  return build_shell_argv (s, &hc, &r->argv, &r->argc, err);
}

/* created_by: RUN and the command (the exec form as JSON). */
static int
run_created_by (struct run_step *r, struct oci_error *err)
{
  cleanup_strbuf struct strbuf sb = STRBUF_INIT;
  cleanup_free char *joined = NULL;
  if (r->in->run.cmd.exec_form)
    joined = build_json_strv (r->argv, r->argc);
  else
    {
      for (size_t i = 0; i < r->argc; i++)
        {
          if (i)
            strbuf_addc (&sb, ' ');
          strbuf_adds (&sb, r->argv[i]);
        }
      joined = sb.failed ? NULL : strbuf_steal (&sb);
    }
  if (joined == NULL || asprintf (&r->created_by, "RUN %s # buildkit", joined) < 0)
    {
      r->created_by = NULL;
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

/* The process's environment: ENV, then the ARGs not shadowed by it, then
 * the predefined proxy ARGs. */
static int
run_env (struct build *b, struct stage_st *s, struct run_step *r, struct oci_error *err)
{
  struct oci_image_exec_config *c = s->cfg->config;
  for (size_t i = 0; c && i < c->env_len; i++)
    if (build_strv_push (&r->env, &r->envc, c->env[i], err) < 0)
      return -1;
  for (size_t i = 0; i < s->n_args; i++)
    {
      bool shadowed = stage_env_get (s, s->arg_keys[i]) != NULL;
      for (size_t j = i + 1; j < s->n_args; j++)
        if (strcmp (s->arg_keys[j], s->arg_keys[i]) == 0)
          shadowed = true;
      if (shadowed || s->arg_values[i] == NULL)
        continue;
      cleanup_free char *kv = NULL;
      if (asprintf (&kv, "%s=%s", s->arg_keys[i], s->arg_values[i]) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      if (build_strv_push (&r->env, &r->envc, kv, err) < 0)
        return -1;
    }
  return add_proxy_env (b, s, &r->env, &r->envc, err);
}

/* A heredoc script at /dev/pipes/NAME, as BuildKit puts it: the
 * runtime's /dev is a tmpfs, so nothing of it reaches the layer. */
static int
run_script (const struct step_fs *f, struct run_step *r, struct oci_error *err)
{
  cleanup_free char *file = NULL, *dest = NULL;
  if (asprintf (&file, "%s/script", f->dir) < 0 || asprintf (&dest, "/dev/pipes/%s", r->script->name) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  cleanup_close int sfd = open (file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
  if (sfd < 0 || oci_write_all (sfd, r->script->content, strlen (r->script->content)) < 0 || fchmod (sfd, 0755) < 0)
    return oci_error_set (err, errno, "write %s", file);
  if (bld_mounts_add_bind (&r->ms, file, dest, true, err) < 0)
    return -1;
  build_strv_clear (&r->argv, &r->argc);
  return build_strv_push (&r->argv, &r->argc, dest, err);
}

/* Runs the command on the mounted step rootfs f (its root rootfd). */
static int
run_in_rootfs (struct build *b, struct stage_st *s, struct run_step *r, struct step_fs *f, int rootfd,
               struct oci_error *err)
{
  struct oci_image_exec_config *c = s->cfg->config;
  struct bld_user user = { 0 };
  struct bld_net net = BLD_NET_INIT;
  struct oci_error e2 = OCI_ERROR_INIT;
  cleanup_free char *runwork = NULL;
  int status = 0, ret = -1;

  /* The process user as the runtime will see it: the same resolution as
   * `builder unpack` (supplementary groups included). */
  if (c && c->user && *c->user && bld_user_resolve (rootfd, c->user, &user, err) < 0)
    return run_fail_pos (r, err);
  r->mc.work = f->dir;
  if (bld_mounts_prepare (&r->mc, &r->ms, rootfd, &r->env, &r->envc, err) < 0)
    {
      run_fail_pos (r, err);
      goto out;
    }
  if (r->script && run_script (f, r, err) < 0)
    goto out;
  if (asprintf (&runwork, "%s/run", f->dir) < 0)
    {
      runwork = NULL;
      oci_error_set (err, ENOMEM, "out of memory");
      goto out;
    }
  if (mkdir (runwork, 0700) < 0)
    {
      oci_error_set (err, errno, "mkdir %s", runwork);
      goto out;
    }
  /* After the --mount binds: theirs may hold /etc. */
  if (bld_net_prepare (&net, r->network, runwork, BLD_RUN_HOSTNAME, err) < 0
      || build_hosts_append (net.hosts, b->o->add_hosts, b->o->add_hosts_len, err) < 0
      || bld_mounts_add_file (&r->ms, rootfd, net.resolv_conf, "/etc/resolv.conf", err) < 0
      || bld_mounts_add_file (&r->ms, rootfd, net.hosts, "/etc/hosts", err) < 0)
    {
      run_fail_pos (r, err);
      goto out;
    }
  if (net.warning)
    fprintf (b->o->out, "%swarning: %s\n", r->prefix, net.warning);
  struct bld_run_request rr = {
    .runtime = b->o->runtime,
    .work = runwork,
    .rootfs = f->merged,
    .argv = r->argv,
    .argc = r->argc,
    .env = r->env,
    .env_len = r->envc,
    .cwd = r->cwd,
    .uid = user.uid,
    .gid = user.gid,
    .additional_gids = user.additional_gids,
    .additional_gids_len = user.additional_gids_len,
    .network = r->network,
    .netns_path = net.netns_path,
    .mounts = r->ms.v,
    .mounts_len = r->ms.len,
    .prefix = r->prefix,
    .out = b->o->out,
    .ulimits = b->o->ulimits,
    .ulimits_len = b->o->ulimits_len,
    .shm_size = b->o->shm_size,
  };
  if (bld_run (&rr, &status, err) < 0 || bld_mounts_finish (&r->ms, rootfd, err) < 0)
    goto out;
  if (status != 0)
    {
      oci_error_set (err, 0, "%s:%u: RUN: exit status %d", r->in->pos.file, r->in->pos.line, status);
      goto out;
    }
  ret = 0;
out:
  /* Also after a failure or a signal: nothing of the network stays. */
  if (bld_net_teardown (&net, ret < 0 ? &e2 : err) < 0 && ret == 0)
    ret = run_fail_pos (r, err);
  oci_error_clear (&e2);
  free (user.additional_gids);
  return ret;
}

/* The step's options: --mount, --network, and their part of the key. */
static int
run_options (struct build *b, struct run_step *r, struct strbuf *mkey, struct oci_error *err)
{
  const struct recipe_instruction *in = r->in;
  if (bld_mounts_expand (&r->mc, in->run.mounts, in->run.mounts_len, r->cwd, &r->ms, err) < 0
      || bld_mounts_key (&r->mc, &r->ms, mkey, err) < 0)
    return run_fail_pos (r, err);
  r->network = b->o->network;
  if (in->run.network && bld_network_parse (in->run.network, &r->network) < 0)
    return oci_error_set (err, 0, "%s:%u: RUN: --network=%s: want private, none, host or default", in->pos.file,
                          in->pos.line, in->run.network);
  /* The host's network gives other results: a key of its own. */
  if (r->network == BLD_NETWORK_HOST)
    strbuf_adds (mkey, "\nnetwork=host");
  build_run_key_habits (b, mkey);
  return mkey->failed ? oci_error_set (err, ENOMEM, "out of memory") : 0;
}

int
dispatch_run (struct build *b, struct stage_st *s, const struct recipe_instruction *in, const char *prefix,
              struct oci_error *err)
{
  struct step_fs f = { 0 };
  cleanup_strbuf struct strbuf mkey = STRBUF_INIT;
  struct oci_image_exec_config *c = s->cfg->config;
  struct run_step r = {
    .in = in, .prefix = prefix, .cwd = c && c->working_dir && *c->working_dir ? c->working_dir : "/",
    .mc = {
      .store_dir = bld_store_dir (b->store), .ctxfd = b->ctxfd, .ignore = b->ig, .secrets = b->o->secrets,
      .secrets_len = b->o->secrets_len, .ssh = b->o->ssh, .ssh_len = b->o->ssh_len, .escape = b->r->escape,
      .lookup = stage_lookup, .lookup_data = s, .from_root = build_mount_from_root, .from_data = b,
      .snapshotter = &b->sn,
    },
  };
  bool hit;
  int ret = -1;

  if (run_options (b, &r, &mkey, err) < 0 || run_argv (s, &r, err) < 0 || run_created_by (&r, err) < 0
      || step_cache_key (b, s, r.created_by, mkey.len ? mkey.s : NULL, r.key, err) < 0
      || step_cache_lookup (b, s, r.key, &hit, err) < 0)
    goto out;
  if (hit)
    {
      fprintf (b->o->out, "%sCACHED\n", prefix);
      ret = stage_history_add (s, b->created, r.created_by, false, err);
      goto out;
    }
  if (run_env (b, s, &r, err) < 0 || step_fs_mount (b, s, &f, err) < 0)
    goto out;
  {
    cleanup_close int rootfd = open (f.merged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
      {
        oci_error_set (err, errno, "open %s", f.merged);
        goto out;
      }
    if (run_in_rootfs (b, s, &r, &f, rootfd, err) < 0)
      goto out;
  }
  /* overlayfs copied up the directories of the mount points made (its
   * diff is done twice harmlessly); the copying snapshotter sees none. */
  if (f.snap->ops == &bld_snapshot_overlay)
    {
      if (bld_snapshot_diff (f.snap, err) < 0)
        goto out;
      bld_mounts_forget_copy_ups (&r.ms, f.snap->upper);
    }
  if (step_fs_commit (b, s, &f, r.key, err) < 0)
    goto out;
  ret = stage_history_add (s, b->created, r.created_by, false, err);
out:
  run_step_clear (&r);
  step_fs_clear (&f);
  return ret;
}
