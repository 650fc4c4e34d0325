/* The metadata instructions (ENV, LABEL, ARG, USER, STOPSIGNAL,
 * MAINTAINER, EXPOSE, VOLUME, CMD, ENTRYPOINT, SHELL, HEALTHCHECK,
 * ONBUILD): each changes the stage's image config and adds an empty
 * history entry; and WORKDIR, which also makes the directory (a layer). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/build_internal.h"
#include "cleanup.h"
#include "common/array.h"
#include "frontend/recipe_expand.h"
#include "common/strbuf.h"

/* WORKDIR creates the directory (as a layer), like BuildKit. */
static int
workdir_step (struct build *b, struct stage_st *s, const char *dir, const char *created_by, struct oci_error *err)
{
  struct step_fs f = { 0 };
  int ret = -1;
  char key[OCI_DIGEST_STRING_MAX];
  bool hit;
  if (step_cache_key (b, s, created_by, NULL, key, err) < 0 || step_cache_lookup (b, s, key, &hit, err) < 0)
    return -1;
  if (hit)
    return stage_history_add (s, b->created, created_by, false, err);
  if (step_fs_mount (b, s, &f, err) < 0)
    goto out;
  {
    cleanup_close int rootfd = open (f.merged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cleanup_close int dfd = -1;
    if (rootfd < 0)
      {
        oci_error_set (err, errno, "open %s", f.merged);
        goto out;
      }
    if (bld_mkdir_in_root (rootfd, dir, &dfd, err) < 0)
      goto out;
  }
  if (step_fs_commit (b, s, &f, key, err) < 0)
    goto out;
  ret = stage_history_add (s, b->created, created_by, false, err);
out:
  step_fs_clear (&f);
  return ret;
}

static char *
clean_abs (const char *wd, const char *p)
{
  cleanup_free char *j = NULL;
  if (p[0] == '/')
    j = strdup (p);
  else if (asprintf (&j, "%s/%s", wd ? wd : "/", p) < 0)
    j = NULL;
  if (j == NULL)
    return NULL;
  char *c = ignore_clean_path (j);
  if (c && c[0] != '/')
    {
      char *t = NULL;
      if (asprintf (&t, "/%s", strcmp (c, ".") == 0 ? "" : c) < 0)
        t = NULL;
      free (c);
      c = t;
    }
  return c;
}

static int
set_strv (char ***v, size_t *n, char **src, size_t len, struct oci_error *err)
{
  build_strv_clear (v, n);
  *v = calloc (len + 1, sizeof **v);
  if (*v == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < len; i++)
    if (((*v)[i] = strdup (src[i])) == NULL)
      return oci_error_set (err, ENOMEM, "out of memory");
  *n = len;
  return 0;
}

/* Adds s to the set v (ExposedPorts, Volumes) unless it is there. */
static int
set_add (struct name_index *ix, char ***v, size_t *n, const char *s, struct oci_error *err)
{
  long i = name_index_find (ix, *v, *n, NAME_INDEX_KEY, s);
  if (i == -2)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (i >= 0)
    return 0;
  if (build_strv_push (v, n, s, err) < 0)
    return -1;
  name_index_update (ix, *v, *n, NAME_INDEX_KEY);
  return 0;
}

int
stage_label_set (struct stage_st *s, struct oci_string_map *m, const char *k, const char *v, struct oci_error *err)
{
  long i = name_index_find (&s->label_ix, m->keys, m->len, NAME_INDEX_KEY, k);
  if (i == -2)
    return oci_error_set (err, ENOMEM, "out of memory");
  s->var_bytes += strlen (k) + strlen (v);
  if (i >= 0)
    {
      size_t old = strlen (k) + strlen (m->values[i]);
      s->var_bytes -= s->var_bytes >= old ? old : s->var_bytes;
      free (m->values[i]);
      m->values[i] = strdup (v);
      return m->values[i] ? 0 : oci_error_set (err, ENOMEM, "out of memory");
    }
  if (array_reserve (&m->keys, m->len + 1, sizeof *m->keys) < 0
      || array_reserve (&m->values, m->len + 1, sizeof *m->values) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  m->keys[m->len] = strdup (k);
  m->values[m->len] = strdup (v);
  if (m->keys[m->len] == NULL || m->values[m->len] == NULL)
    {
      free (m->keys[m->len]);
      free (m->values[m->len]);
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  m->len++;
  name_index_update (&s->label_ix, m->keys, m->len, NAME_INDEX_KEY);
  return 0;
}

static int
arg_declare (struct build *b, struct stage_st *s, const struct recipe_kv *kv, struct oci_error *err)
{
  bool given, dummy;
  const char *v = build_or_platform_arg (b->o, kv->key, &given);
  cleanup_free char *expanded = NULL;
  if (!given && kv->value)
    {
      if (recipe_expand_word (kv->value, b->r->escape, stage_lookup, s, &expanded, err) < 0)
        return -1;
      v = expanded;
    }
  else if (!given)
    {
      /* A global ARG redeclared without a value takes its value. */
      for (size_t i = 0; i < b->plan->global_args.len; i++)
        if (strcmp (b->plan->global_args.v[i].key, kv->key) == 0)
          v = b->plan->global_args.v[i].value;
    }
  (void) dummy;
  if (array_reserve (&s->arg_keys, s->n_args + 1, sizeof *s->arg_keys) < 0
      || array_reserve (&s->arg_values, s->n_args + 1, sizeof *s->arg_values) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  s->arg_keys[s->n_args] = strdup (kv->key);
  s->arg_values[s->n_args] = v ? strdup (v) : NULL;
  if (s->arg_keys[s->n_args] == NULL || (v && s->arg_values[s->n_args] == NULL))
    {
      free (s->arg_keys[s->n_args]);
      free (s->arg_values[s->n_args]);
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  s->n_args++;
  s->var_bytes += strlen (kv->key) + (v ? strlen (v) : 0);
  s->arg_ix.last_wins = true;
  name_index_update (&s->arg_ix, s->arg_keys, s->n_args, NAME_INDEX_KEY);
  return 0;
}

/* The error of an instruction's argument, with its position. */
static int
fail_pos (const struct recipe_instruction *in, struct oci_error *err)
{
  return oci_error_prefix (err, "%s:%u: %s", in->pos.file, in->pos.line, recipe_kind_name (in->kind));
}

static int
too_big (const struct recipe_instruction *in, struct oci_error *err)
{
  oci_error_set (err, 0, "the stage's ENV, LABEL and ARG lines hold more than %u bytes", BUILD_MAX_STAGE_VARS);
  return fail_pos (in, err);
}

/* ENV and LABEL: K=V pairs, expanded. */
static int
env_or_label (struct build *b, struct stage_st *s, const struct recipe_instruction *in, char **created_by,
              struct oci_error *err)
{
  struct oci_image_exec_config *c = s->cfg->config;
  char esc = b->r->escape;
  cleanup_strbuf struct strbuf sb = STRBUF_INIT;
  strbuf_adds (&sb, in->kind == RECIPE_ENV ? "ENV" : "LABEL");
  for (size_t i = 0; i < in->kvs.len; i++)
    {
      cleanup_free char *k = NULL, *v = NULL;
      if (recipe_expand_word (in->kvs.v[i].key, esc, stage_lookup, s, &k, err) < 0
          || recipe_expand_word (in->kvs.v[i].value ? in->kvs.v[i].value : "", esc, stage_lookup, s, &v, err) < 0)
        return fail_pos (in, err);
      if (in->kind == RECIPE_ENV ? stage_env_set (s, k, v, err) < 0 : stage_label_set (s, &c->labels, k, v, err) < 0)
        return -1;
      if (s->var_bytes > BUILD_MAX_STAGE_VARS)
        return too_big (in, err);
      strbuf_addc (&sb, ' ');
      strbuf_adds (&sb, k);
      strbuf_addc (&sb, '=');
      strbuf_adds (&sb, v);
    }
  if (sb.failed)
    return oci_error_set (err, ENOMEM, "out of memory");
  *created_by = strbuf_steal (&sb);
  return 0;
}

int
dispatch_env (struct build *b, struct stage_st *s, const struct recipe_instruction *in, char **created_by,
              struct oci_error *err)
{
  return env_or_label (b, s, in, created_by, err);
}

int
dispatch_label (struct build *b, struct stage_st *s, const struct recipe_instruction *in, char **created_by,
                struct oci_error *err)
{
  return env_or_label (b, s, in, created_by, err);
}

int
dispatch_arg (struct build *b, struct stage_st *s, const struct recipe_instruction *in, char **created_by,
              struct oci_error *err)
{
  cleanup_strbuf struct strbuf sb = STRBUF_INIT;
  strbuf_adds (&sb, "ARG");
  for (size_t i = 0; i < in->kvs.len; i++)
    {
      if (arg_declare (b, s, &in->kvs.v[i], err) < 0)
        return fail_pos (in, err);
      if (s->var_bytes > BUILD_MAX_STAGE_VARS)
        return too_big (in, err);
      strbuf_addc (&sb, ' ');
      strbuf_adds (&sb, in->kvs.v[i].key);
      if (s->arg_values[s->n_args - 1])
        {
          strbuf_addc (&sb, '=');
          strbuf_adds (&sb, s->arg_values[s->n_args - 1]);
        }
    }
  if (sb.failed)
    return oci_error_set (err, ENOMEM, "out of memory");
  *created_by = strbuf_steal (&sb);
  return 0;
}

int
dispatch_workdir (struct build *b, struct stage_st *s, const struct recipe_instruction *in, const char *prefix,
                  struct oci_error *err)
{
  struct oci_image_exec_config *c = s->cfg->config;
  cleanup_free char *w = NULL, *created_by = NULL;
  (void) prefix;
  if (recipe_expand_word (in->arg.text, b->r->escape, stage_lookup, s, &w, err) < 0)
    return fail_pos (in, err);
  char *dir = clean_abs (c->working_dir, w);
  if (dir == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  free (c->working_dir);
  c->working_dir = dir;
  if (asprintf (&created_by, "WORKDIR %s", dir) < 0)
    {
      created_by = NULL;
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  return workdir_step (b, s, dir, created_by, err);
}

/* USER and STOPSIGNAL: one expanded word into *field. */
static int
set_word (struct build *b, struct stage_st *s, const struct recipe_instruction *in, char **field, char **created_by,
          struct oci_error *err)
{
  char *w = NULL;
  if (recipe_expand_word (in->arg.text, b->r->escape, stage_lookup, s, &w, err) < 0)
    return fail_pos (in, err);
  free (*field);
  *field = w;
  if (asprintf (created_by, "%s %s", recipe_kind_name (in->kind), w) < 0)
    {
      *created_by = NULL;
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

int
dispatch_user (struct build *b, struct stage_st *s, const struct recipe_instruction *in, char **created_by,
               struct oci_error *err)
{
  return set_word (b, s, in, &s->cfg->config->user, created_by, err);
}

int
dispatch_stopsignal (struct build *b, struct stage_st *s, const struct recipe_instruction *in, char **created_by,
                     struct oci_error *err)
{
  return set_word (b, s, in, &s->cfg->config->stop_signal, created_by, err);
}

int
dispatch_maintainer (struct build *b, struct stage_st *s, const struct recipe_instruction *in, char **created_by,
                     struct oci_error *err)
{
  (void) b;
  free (s->cfg->author);
  if ((s->cfg->author = strdup (in->arg.text)) == NULL || asprintf (created_by, "MAINTAINER %s", in->arg.text) < 0)
    {
      *created_by = NULL;
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

/* An EXPOSE port as the config keeps it: PORT/PROTO (tcp by default). */
static int
expose_item (const char *word, char **item, struct oci_error *err)
{
  struct recipe_port p;
  if (recipe_check_port (word, &p, err) < 0)
    return -1;
  free (p.proto);
  if (strchr (word, '/'))
    *item = strdup (word);
  else if (asprintf (item, "%s/tcp", word) < 0)
    *item = NULL;
  return 0;
}

/* EXPOSE and VOLUME: words added to a set of the config. */
static int
expose_or_volume (struct build *b, struct stage_st *s, const struct recipe_instruction *in, char **created_by,
                  struct oci_error *err)
{
  struct oci_image_exec_config *c = s->cfg->config;
  cleanup_strbuf struct strbuf sb = STRBUF_INIT;
  bool expose = in->kind == RECIPE_EXPOSE;
  const struct recipe_words *src = expose ? &in->expose.ports : &in->volumes;
  strbuf_adds (&sb, expose ? "EXPOSE" : "VOLUME [");
  for (size_t i = 0; i < src->len; i++)
    {
      cleanup_strv char **ws = NULL;
      size_t nw = 0;
      if (expose || !in->volumes_json)
        {
          if (recipe_expand_words (src->v[i].text, b->r->escape, stage_lookup, s, &ws, &nw, err) < 0)
            return fail_pos (in, err);
        }
      else if (build_strv_push (&ws, &nw, src->v[i].text, err) < 0)
        return -1;
      for (size_t j = 0; j < nw; j++)
        {
          cleanup_free char *item = NULL;
          if (!expose)
            item = strdup (ws[j]);
          else if (expose_item (ws[j], &item, err) < 0)
            return fail_pos (in, err);
          if (item == NULL
              || (expose ? set_add (&s->expose_ix, &c->exposed_ports, &c->exposed_ports_len, item, err)
                         : set_add (&s->volume_ix, &c->volumes, &c->volumes_len, item, err))
                     < 0)
            return oci_error_set (err, ENOMEM, "out of memory");
          strbuf_adds (&sb, expose ? " " : (i || j) ? " " : "");
          strbuf_adds (&sb, item);
        }
    }
  if (!expose)
    strbuf_addc (&sb, ']');
  if (sb.failed)
    return oci_error_set (err, ENOMEM, "out of memory");
  *created_by = strbuf_steal (&sb);
  return 0;
}

int
dispatch_expose (struct build *b, struct stage_st *s, const struct recipe_instruction *in, char **created_by,
                 struct oci_error *err)
{
  return expose_or_volume (b, s, in, created_by, err);
}

int
dispatch_volume (struct build *b, struct stage_st *s, const struct recipe_instruction *in, char **created_by,
                 struct oci_error *err)
{
  return expose_or_volume (b, s, in, created_by, err);
}

/* CMD, ENTRYPOINT and SHELL: a command (the shell form through SHELL). */
int
dispatch_cmd (struct build *b, struct stage_st *s, const struct recipe_instruction *in, char **created_by,
              struct oci_error *err)
{
  struct oci_image_exec_config *c = s->cfg->config;
  bool is_cmd = in->kind == RECIPE_CMD, is_ep = in->kind == RECIPE_ENTRYPOINT;
  cleanup_strv char **words = NULL;
  size_t nwords = 0;
  (void) b;
  if (build_shell_argv (s, &in->cmd, &words, &nwords, err) < 0)
    return -1;
  char ***dst = is_cmd ? &c->cmd : is_ep ? &c->entrypoint : &c->shell;
  size_t *dlen = is_cmd ? &c->cmd_len : is_ep ? &c->entrypoint_len : &c->shell_len;
  if (set_strv (dst, dlen, words, nwords, err) < 0)
    return -1;
  /* ENTRYPOINT resets CMD inherited from the base. */
  if (is_ep)
    build_strv_clear (&c->cmd, &c->cmd_len);
  cleanup_free char *j = build_json_strv (words, nwords);
  if (j == NULL || asprintf (created_by, "%s %s", recipe_kind_name (in->kind), j) < 0)
    {
      *created_by = NULL;
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

/* The healthcheck's test: NONE, or CMD ARG... or CMD-SHELL TEXT. */
static int
healthcheck_test (const struct recipe_instruction *in, struct oci_image_healthcheck *h, struct oci_error *err)
{
  const struct recipe_command *cmd = &in->healthcheck.cmd;
  if (in->healthcheck.none)
    return build_strv_push (&h->test, &h->test_len, "NONE", err);
  if (build_strv_push (&h->test, &h->test_len, cmd->exec_form ? "CMD" : "CMD-SHELL", err) < 0)
    return -1;
  if (!cmd->exec_form)
    return build_strv_push (&h->test, &h->test_len, cmd->shell, err);
  for (size_t i = 0; i < cmd->argv.len; i++)
    if (build_strv_push (&h->test, &h->test_len, cmd->argv.v[i].text, err) < 0)
      return -1;
  return 0;
}

int
dispatch_healthcheck (struct build *b, struct stage_st *s, const struct recipe_instruction *in, char **created_by,
                      struct oci_error *err)
{
  struct oci_image_exec_config *c = s->cfg->config;
  struct oci_image_healthcheck *h = calloc (1, sizeof *h);
  (void) b;
  if (h == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (c->healthcheck)
    {
      build_strv_clear (&c->healthcheck->test, &c->healthcheck->test_len);
      free (c->healthcheck);
    }
  c->healthcheck = h;
  if (healthcheck_test (in, h, err) < 0)
    return -1;
  if (!in->healthcheck.none)
    {
      const struct recipe_healthcheck *rh = &in->healthcheck;
      h->interval = rh->interval, h->has_interval = rh->interval != 0;
      h->timeout = rh->timeout, h->has_timeout = rh->timeout != 0;
      h->start_period = rh->start_period, h->has_start_period = rh->start_period != 0;
      h->start_interval = rh->start_interval, h->has_start_interval = rh->start_interval != 0;
      h->retries = rh->retries, h->has_retries = rh->has_retries;
    }
  if (asprintf (created_by, "HEALTHCHECK %s", in->args) < 0)
    {
      *created_by = NULL;
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

int
dispatch_onbuild (struct build *b, struct stage_st *s, const struct recipe_instruction *in, char **created_by,
                  struct oci_error *err)
{
  struct oci_image_exec_config *c = s->cfg->config;
  /* A trigger with heredocs keeps their bodies, so that the child build
   * parses it whole. */
  cleanup_strbuf struct strbuf t = STRBUF_INIT;
  const struct recipe_instruction *tr = in->trigger;
  (void) b;
  strbuf_adds (&t, in->args);
  for (size_t i = 0; tr && i < tr->heredocs_len; i++)
    {
      strbuf_addc (&t, '\n');
      strbuf_adds (&t, tr->heredocs[i].content);
      strbuf_adds (&t, tr->heredocs[i].name);
    }
  if (t.failed)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (build_strv_push (&c->on_build, &c->on_build_len, t.s, err) < 0)
    return -1;
  if (asprintf (created_by, "ONBUILD %s", in->args) < 0)
    {
      *created_by = NULL;
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  return 0;
}
