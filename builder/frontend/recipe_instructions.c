/* One parser per instruction, and the dispatch to them; see
 * recipe_parse.h for what each fills in. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "frontend/recipe_parse_internal.h"

static int
no_args_error (const struct recipe_view *v, const char *what, struct oci_error *err)
{
  return recipe_perr (err, v, v->kwpos, "%s", what);
}

static int
parse_from (const struct recipe_view *v, const struct recipe_flags *fl, size_t at, struct recipe_instruction *in,
            struct oci_error *err)
{
  cleanup_recipe_words struct recipe_words w = { NULL, 0 };
  if (recipe_flag_string (fl, "platform", &in->from.platform, err) < 0
      || recipe_split_plain (v, v->rest + at, at, &w, err) < 0)
    return -1;
  if (w.len == 0)
    return no_args_error (v, "requires either one or three arguments", err);
  if (w.len != 1 && w.len != 3)
    return recipe_perr (err, v, w.v[1].pos, "requires either one or three arguments (image [AS name])");
  if (w.len == 3)
    {
      if (strcasecmp (w.v[1].text, "AS") != 0)
        return recipe_perr (err, v, w.v[1].pos, "expected \"AS <name>\" after the image, got \"%s\"", w.v[1].text);
      char *name = w.v[2].text;
      for (char *p = name; *p; p++)
        *p = tolower ((unsigned char) *p);
      bool valid = islower ((unsigned char) name[0]);
      for (char *p = name; *p && valid; p++)
        valid = islower ((unsigned char) *p) || isdigit ((unsigned char) *p) || *p == '-' || *p == '_' || *p == '.';
      if (!valid)
        return recipe_perr (err, v, w.v[2].pos,
                            "invalid name for build stage: \"%s\", name can't start with a number "
                            "or contain symbols",
                            name);
      in->from.stage_name = steal_pointer (&w.v[2].text);
      in->from.stage_name_pos = w.v[2].pos;
    }
  in->from.image = w.v[0];
  w.v[0].text = NULL;
  return 0;
}

static int
parse_run (const struct recipe_view *v, const struct recipe_flags *fl, size_t at, size_t nhd,
           struct recipe_instruction *in, struct oci_error *err)
{
  for (size_t i = 0; i < fl->len; i++)
    {
      const struct recipe_flag *f = &fl->v[i];
      if (strcmp (f->name, "mount") == 0)
        {
          struct recipe_mount *m = realloc (in->run.mounts, (in->run.mounts_len + 1) * sizeof (*m));
          if (m == NULL)
            return recipe_oom (err);
          in->run.mounts = m;
          memset (&m[in->run.mounts_len], 0, sizeof (*m));
          if (recipe_parse_mount (v, f, &m[in->run.mounts_len++], err) < 0)
            return -1;
        }
      else if (strcmp (f->name, "network") == 0)
        {
          if (strcmp (f->value, "default") != 0 && strcmp (f->value, "private") != 0 && strcmp (f->value, "none") != 0
              && strcmp (f->value, "host") != 0)
            return recipe_perr (err, v, f->pos, "--network must be default, private, none or host, not \"%s\"",
                                f->value);
          if (recipe_flag_string (fl, "network", &in->run.network, err) < 0)
            return -1;
        }
      else if (strcmp (f->name, "security") == 0)
        {
          if (strcmp (f->value, "sandbox") != 0 && strcmp (f->value, "insecure") != 0)
            return recipe_perr (err, v, f->pos, "--security must be sandbox or insecure, not \"%s\"", f->value);
          if (recipe_flag_string (fl, "security", &in->run.security, err) < 0)
            return -1;
        }
    }
  if (v->rest[at] == '\0' && nhd == 0)
    return no_args_error (v, "requires at least one argument", err);
  return recipe_command_parse (v, v->rest + at, at, &in->run.cmd, err);
}

static int
parse_copy (const struct recipe_view *v, const struct recipe_flags *fl, size_t at, struct recipe_instruction *in,
            struct oci_error *err)
{
  struct recipe_copy *c = &in->copy;
  cleanup_recipe_words struct recipe_words w = { NULL, 0 };
  int r;

  if (recipe_flag_string (fl, "from", &c->from, err) < 0 || recipe_flag_string (fl, "chown", &c->chown, err) < 0
      || recipe_flag_string (fl, "chmod", &c->chmod, err) < 0
      || recipe_flag_string (fl, "checksum", &c->checksum, err) < 0)
    return -1;
  c->link = recipe_flag_bool (fl, "link");
  c->parents = recipe_flag_bool (fl, "parents");
  c->keep_git_dir = recipe_flag_bool (fl, "keep-git-dir");
  for (size_t i = 0; i < fl->len; i++)
    if (strcmp (fl->v[i].name, "exclude") == 0
        && recipe_words_push (&c->excludes, fl->v[i].value, strlen (fl->v[i].value), fl->v[i].pos, err) < 0)
      return -1;
  if (c->chmod && strchr (c->chmod, '$') == NULL)
    {
      struct oci_error e = OCI_ERROR_INIT;
      if (recipe_check_chmod (c->chmod, &c->mode, &e) < 0)
        {
          const struct recipe_flag *f = recipe_flag_get (fl, "chmod");
          recipe_perr (err, v, f->pos, "--chmod: %s", e.msg);
          oci_error_clear (&e);
          return -1;
        }
      c->has_mode = true;
    }
  if (c->from && *c->from == '\0')
    return recipe_perr (err, v, recipe_flag_get (fl, "from")->pos, "--from needs a stage or image name");

  r = recipe_json_array (v, v->rest + at, at, &w, err);
  if (r < 0)
    return -1;
  c->json_form = r > 0;
  if (r == 0 && recipe_split_plain (v, v->rest + at, at, &w, err) < 0)
    return -1;
  if (w.len < 2)
    return no_args_error (v, "requires at least two arguments", err);
  c->dest = w.v[--w.len];
  c->sources = w;
  w = (struct recipe_words) { NULL, 0 };
  return 0;
}

/* ENV, LABEL and ARG: the words, quotes grouping; at least one. */
static int
split_args (const struct recipe_view *v, size_t at, struct recipe_words *w, struct oci_error *err)
{
  if (recipe_split_quoted (v, v->rest + at, at, v->escape, w, err) < 0)
    return -1;
  if (w->len == 0)
    return no_args_error (v, "requires at least one argument", err);
  return 0;
}

/* ENV and LABEL: "k=v k2=v2" or the legacy "k value with spaces". */
static int
parse_name_values (const struct recipe_view *v, size_t at, struct recipe_instruction *in, struct oci_error *err)
{
  cleanup_recipe_words struct recipe_words w = { NULL, 0 };
  const char *rest = v->rest + at;

  if (split_args (v, at, &w, err) < 0)
    return -1;
  if (strchr (w.v[0].text, '=') == NULL)
    {
      size_t k = 0;
      while (rest[k] && !recipe_is_ws (rest[k]))
        k++;
      size_t vstart = k;
      while (rest[vstart] && recipe_is_ws (rest[vstart]))
        vstart++;
      if (rest[vstart] == '\0')
        return recipe_perr (err, v, w.v[0].pos, "must have two arguments (name value) or name=value");
      return recipe_kvs_push (&in->kvs, rest, k, rest + vstart, strlen (rest + vstart), w.v[0].pos, err);
    }
  for (size_t i = 0; i < w.len; i++)
    {
      const char *t = w.v[i].text, *eq = strchr (t, '=');
      if (eq == NULL)
        return recipe_perr (err, v, w.v[i].pos,
                            "syntax error - can't find = in \"%s\"; must be of the form name=value", t);
      if (eq == t)
        return recipe_perr (err, v, w.v[i].pos, "names can not be blank");
      if (recipe_kvs_push (&in->kvs, t, eq - t, eq + 1, strlen (eq + 1), w.v[i].pos, err) < 0)
        return -1;
    }
  return 0;
}

/* ARG name[=default] ... */
static int
parse_arg (const struct recipe_view *v, size_t at, struct recipe_instruction *in, struct oci_error *err)
{
  cleanup_recipe_words struct recipe_words w = { NULL, 0 };
  if (split_args (v, at, &w, err) < 0)
    return -1;
  for (size_t i = 0; i < w.len; i++)
    {
      const char *t = w.v[i].text, *eq = strchr (t, '=');
      if (eq == t || *t == '\0')
        return recipe_perr (err, v, w.v[i].pos, "names can not be blank");
      if (recipe_kvs_push (&in->kvs, t, eq ? (size_t) (eq - t) : strlen (t), eq ? eq + 1 : NULL,
                           eq ? strlen (eq + 1) : 0, w.v[i].pos, err)
          < 0)
        return -1;
    }
  return 0;
}

static int
parse_single (const struct recipe_view *v, size_t at, struct recipe_instruction *in, struct oci_error *err)
{
  if (v->rest[at] == '\0')
    return no_args_error (v, "requires exactly one argument", err);
  in->arg.text = strdup (v->rest + at);
  in->arg.pos = recipe_view_pos (v, at);
  if (in->arg.text == NULL)
    return recipe_oom (err);
  if (in->kind == RECIPE_USER)
    {
      const char *colon = strchr (in->arg.text, ':');
      in->user = strndup (in->arg.text, colon ? (size_t) (colon - in->arg.text) : strlen (in->arg.text));
      if (in->user == NULL || (colon && (in->group = strdup (colon + 1)) == NULL))
        return recipe_oom (err);
    }
  return 0;
}

static int
parse_expose (const struct recipe_view *v, size_t at, struct recipe_instruction *in, struct oci_error *err)
{
  struct recipe_expose *e = &in->expose;
  bool vars = false;
  if (recipe_split_plain (v, v->rest + at, at, &e->ports, err) < 0)
    return -1;
  if (e->ports.len == 0)
    return no_args_error (v, "requires at least one argument", err);
  for (size_t i = 0; i < e->ports.len; i++)
    vars |= strchr (e->ports.v[i].text, '$') != NULL;
  if (vars)
    return 0;
  e->parsed = calloc (e->ports.len, sizeof (*e->parsed));
  if (e->parsed == NULL)
    return recipe_oom (err);
  for (size_t i = 0; i < e->ports.len; i++)
    {
      struct oci_error pe = OCI_ERROR_INIT;
      if (recipe_check_port (e->ports.v[i].text, &e->parsed[i], &pe) < 0)
        {
          recipe_perr (err, v, e->ports.v[i].pos, "%s", pe.msg);
          oci_error_clear (&pe);
          return -1;
        }
      e->parsed_len++;
    }
  return 0;
}

static int
parse_volume (const struct recipe_view *v, size_t at, struct recipe_instruction *in, struct oci_error *err)
{
  int r = recipe_json_array (v, v->rest + at, at, &in->volumes, err);
  if (r < 0)
    return -1;
  in->volumes_json = r > 0;
  if (r == 0 && recipe_split_plain (v, v->rest + at, at, &in->volumes, err) < 0)
    return -1;
  if (in->volumes.len == 0)
    return no_args_error (v, "requires at least one argument", err);
  for (size_t i = 0; i < in->volumes.len; i++)
    if (in->volumes.v[i].text[0] == '\0')
      return recipe_perr (err, v, in->volumes.v[i].pos, "a volume can not be an empty string");
  return 0;
}

static int
parse_shell (const struct recipe_view *v, size_t at, struct recipe_instruction *in, struct oci_error *err)
{
  int r = recipe_json_array (v, v->rest + at, at, &in->cmd.argv, err);
  if (r < 0)
    return -1;
  if (r == 0)
    return recipe_perr (err, v, recipe_view_pos (v, at), "requires the arguments to be in JSON form");
  in->cmd.exec_form = true;
  if (in->cmd.argv.len == 0)
    return no_args_error (v, "requires at least one argument", err);
  return 0;
}

static int
healthcheck_duration (const struct recipe_view *v, const struct recipe_flags *fl, const char *name, int64_t *out,
                      struct oci_error *err)
{
  const struct recipe_flag *f = recipe_flag_get (fl, name);
  struct oci_error e = OCI_ERROR_INIT;
  if (f == NULL)
    return 0;
  if (recipe_parse_duration (f->value, out, &e) < 0)
    {
      recipe_perr (err, v, f->pos, "--%s: %s", name, e.msg);
      oci_error_clear (&e);
      return -1;
    }
  if (*out != 0 && *out < 1000000)
    return recipe_perr (err, v, f->pos, "--%s: \"%s\" cannot be less than 1ms", name, f->value);
  return 0;
}

static int
parse_healthcheck (const struct recipe_view *v, const struct recipe_flags *fl, size_t at,
                   struct recipe_instruction *in, struct oci_error *err)
{
  struct recipe_healthcheck *h = &in->healthcheck;
  const char *rest = v->rest + at;
  size_t n = 0;

  while (rest[n] && !recipe_is_ws (rest[n]))
    n++;
  if (n == 0)
    return no_args_error (v, "requires an argument (NONE or CMD ...)", err);
  if (n == 4 && strncasecmp (rest, "NONE", 4) == 0)
    {
      if (rest[n] != '\0')
        return recipe_perr (err, v, recipe_view_pos (v, at), "HEALTHCHECK NONE takes no arguments");
      h->none = true;
      return 0;
    }
  if (!(n == 3 && strncasecmp (rest, "CMD", 3) == 0))
    return recipe_perr (err, v, recipe_view_pos (v, at), "unknown type \"%.*s\" (try CMD)", (int) n, rest);
  size_t c = n;
  while (rest[c] && recipe_is_ws (rest[c]))
    c++;
  if (rest[c] == '\0')
    return recipe_perr (err, v, recipe_view_pos (v, at), "missing command after HEALTHCHECK CMD");
  if (healthcheck_duration (v, fl, "interval", &h->interval, err) < 0
      || healthcheck_duration (v, fl, "timeout", &h->timeout, err) < 0
      || healthcheck_duration (v, fl, "start-period", &h->start_period, err) < 0
      || healthcheck_duration (v, fl, "start-interval", &h->start_interval, err) < 0)
    return -1;
  const struct recipe_flag *f = recipe_flag_get (fl, "retries");
  if (f)
    {
      char *end;
      errno = 0;
      long r = strtol (f->value, &end, 10);
      if (errno || *end || end == f->value || r > INT32_MAX || r < INT32_MIN)
        return recipe_perr (err, v, f->pos, "--retries: invalid number \"%s\"", f->value);
      if (r < 0)
        return recipe_perr (err, v, f->pos, "--retries cannot be negative");
      h->retries = r;
      h->has_retries = true;
    }
  return recipe_command_parse (v, rest + c, at + c, &h->cmd, err);
}

static int
parse_onbuild (const struct recipe_view *v, size_t at, const struct recipe_heredoc *hd, size_t nhd,
               struct recipe_instruction *in, struct oci_error *err)
{
  const char *rest = v->rest + at;
  size_t n = 0;
  while (rest[n] && !recipe_is_ws (rest[n]))
    n++;
  if (n == 0)
    return no_args_error (v, "requires at least one argument", err);
  cleanup_free char *kw = strndup (rest, n);
  if (kw == NULL)
    return recipe_oom (err);
  struct recipe_view sub = *v;
  sub.keyword = kw;
  sub.kwpos = recipe_view_pos (v, at);
  size_t r = n;
  while (rest[r] && recipe_is_ws (rest[r]))
    r++;
  sub.base = v->base + at + r;
  sub.rest = v->line->rest + sub.base;
  if (!recipe_kind_lookup (kw, &sub.kind))
    return recipe_perr (err, v, sub.kwpos, "unknown instruction \"%s\"", kw);
  if (sub.kind == RECIPE_ONBUILD)
    return recipe_perr (err, v, sub.kwpos, "chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (sub.kind == RECIPE_FROM || sub.kind == RECIPE_MAINTAINER)
    return recipe_perr (err, v, sub.kwpos, "%s isn't allowed as an ONBUILD trigger", recipe_kind_name (sub.kind));
  in->trigger = calloc (1, sizeof (*in->trigger));
  if (in->trigger == NULL)
    return recipe_oom (err);
  return recipe_parse_instruction (&sub, hd, nhd, in->trigger, err);
}

/* Heredocs belong to the innermost instruction (ONBUILD's trigger). */
static int
copy_heredocs (const struct recipe_heredoc *hd, size_t nhd, struct recipe_instruction *in, struct oci_error *err)
{
  in->heredocs = calloc (nhd, sizeof (*hd));
  if (in->heredocs == NULL)
    return recipe_oom (err);
  for (size_t i = 0; i < nhd; i++)
    {
      in->heredocs[i] = hd[i];
      in->heredocs[i].name = strdup (hd[i].name);
      in->heredocs[i].content = strdup (hd[i].content);
      in->heredocs_len++;
      if (in->heredocs[i].name == NULL || in->heredocs[i].content == NULL)
        return recipe_oom (err);
    }
  return 0;
}

int
recipe_parse_instruction (const struct recipe_view *v, const struct recipe_heredoc *hd, size_t nhd,
                          struct recipe_instruction *in, struct oci_error *err)
{
  cleanup_recipe_flags struct recipe_flags fl = { NULL, 0 };
  size_t at = 0;

  in->kind = v->kind;
  in->pos = v->kwpos;
  in->end_line = v->line->end_line;
  in->keyword = strdup (v->keyword);
  in->args = strdup (v->rest);
  if (in->keyword == NULL || in->args == NULL)
    return recipe_oom (err);

  if (nhd && v->kind != RECIPE_ONBUILD && copy_heredocs (hd, nhd, in, err) < 0)
    return -1;

  if (v->kind == RECIPE_ONBUILD)
    return parse_onbuild (v, 0, hd, nhd, in, err);

  if (recipe_flags_extract (v, &fl, &at, err) < 0 || recipe_flags_check (v, &fl, err) < 0)
    return -1;

  switch (v->kind)
    {
    case RECIPE_FROM:
      return parse_from (v, &fl, at, in, err);
    case RECIPE_RUN:
      return parse_run (v, &fl, at, nhd, in, err);
    case RECIPE_COPY:
    case RECIPE_ADD:
      return parse_copy (v, &fl, at, in, err);
    case RECIPE_ENV:
    case RECIPE_LABEL:
      return parse_name_values (v, at, in, err);
    case RECIPE_ARG:
      return parse_arg (v, at, in, err);
    case RECIPE_CMD:
    case RECIPE_ENTRYPOINT:
      return recipe_command_parse (v, v->rest + at, at, &in->cmd, err);
    case RECIPE_SHELL:
      return parse_shell (v, at, in, err);
    case RECIPE_WORKDIR:
    case RECIPE_USER:
    case RECIPE_STOPSIGNAL:
    case RECIPE_MAINTAINER:
      return parse_single (v, at, in, err);
    case RECIPE_EXPOSE:
      return parse_expose (v, at, in, err);
    case RECIPE_VOLUME:
      return parse_volume (v, at, in, err);
    case RECIPE_HEALTHCHECK:
      return parse_healthcheck (v, &fl, at, in, err);
    case RECIPE_ONBUILD:
      break;
    }
  return 0;
}
