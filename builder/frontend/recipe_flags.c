/* Instruction flags (--name[=value] before the arguments): how Docker
 * reads them, each instruction's table, the checks, the accessors. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "common/strbuf.h"
#include "frontend/recipe_parse_internal.h"

void
recipe_flags_clear (struct recipe_flags *f)
{
  for (size_t i = 0; i < f->len; i++)
    {
      free (f->v[i].name);
      free (f->v[i].value);
    }
  free (f->v);
}

int
recipe_flags_extract (const struct recipe_view *v, struct recipe_flags *out, size_t *end, struct oci_error *err)
{
  const char *s = v->rest;
  size_t i = 0;
  for (;;)
    {
      while (s[i] && recipe_is_ws (s[i]))
        i++;
      if (!(s[i] == '-' && s[i + 1] == '-'))
        break;
      size_t start = i;
      cleanup_strbuf struct strbuf w = STRBUF_INIT;
      char quote = 0;
      i += 2;
      for (; s[i] && (quote || !recipe_is_ws (s[i])); i++)
        {
          char c = s[i];
          if (quote && c == quote)
            {
              quote = 0;
              continue;
            }
          if (!quote && (c == '\'' || c == '"'))
            {
              quote = c;
              continue;
            }
          if (c == '\\')
            {
              if (!s[i + 1])
                continue;
              c = s[++i];
            }
          strbuf_addc (&w, c);
        }
      if (w.failed)
        return recipe_oom (err);
      if (w.len == 0)
        break; /* "--" alone ends the flags */
      struct recipe_flag *nv = realloc (out->v, (out->len + 1) * sizeof (*nv));
      if (nv == NULL)
        return recipe_oom (err);
      out->v = nv;
      struct recipe_flag *f = &nv[out->len++];
      memset (f, 0, sizeof (*f));
      f->pos = recipe_view_pos (v, start);
      char *eq = strchr (w.s, '=');
      f->has_value = eq != NULL;
      f->name = strndup (w.s, eq ? (size_t) (eq - w.s) : w.len);
      if (eq)
        f->value = strdup (eq + 1);
      if (f->name == NULL || (eq && f->value == NULL))
        return recipe_oom (err);
    }
  while (s[i] && recipe_is_ws (s[i]))
    i++;
  *end = i;
  return 0;
}

enum flag_type
{
  FLAG_STRING,
  FLAG_BOOL,
  FLAG_LIST,
};

struct flag_spec
{
  const char *name;
  enum flag_type type;
};

static const struct flag_spec from_flags[] = { { "platform", FLAG_STRING }, { NULL, 0 } };
static const struct flag_spec run_flags[] = {
  { "mount", FLAG_LIST },
  { "network", FLAG_STRING },
  { "security", FLAG_STRING },
  { NULL, 0 },
};
static const struct flag_spec copy_flags[] = {
  { "from", FLAG_STRING },
  { "chown", FLAG_STRING },
  { "chmod", FLAG_STRING },
  { "link", FLAG_BOOL },
  { "exclude", FLAG_LIST },
  { "parents", FLAG_BOOL },
  { NULL, 0 },
};
static const struct flag_spec add_flags[] = {
  { "chown", FLAG_STRING },      { "chmod", FLAG_STRING },    { "link", FLAG_BOOL }, { "exclude", FLAG_LIST },
  { "keep-git-dir", FLAG_BOOL }, { "checksum", FLAG_STRING }, { NULL, 0 },
};
static const struct flag_spec healthcheck_flags[] = {
  { "interval", FLAG_STRING },       { "timeout", FLAG_STRING }, { "start-period", FLAG_STRING },
  { "start-interval", FLAG_STRING }, { "retries", FLAG_STRING }, { NULL, 0 },
};
static const struct flag_spec no_flags[] = { { NULL, 0 } };

/* Every instruction reads leading --words as flags, so a flag where
 * none is known is an error rather than an argument, as in Docker. */
static const struct flag_spec *
flags_of (enum recipe_kind kind)
{
  switch (kind)
    {
    case RECIPE_FROM:
      return from_flags;
    case RECIPE_RUN:
      return run_flags;
    case RECIPE_COPY:
      return copy_flags;
    case RECIPE_ADD:
      return add_flags;
    case RECIPE_HEALTHCHECK:
      return healthcheck_flags;
    default:
      return no_flags;
    }
}

int
recipe_flags_check (const struct recipe_view *v, const struct recipe_flags *fl, struct oci_error *err)
{
  const struct flag_spec *spec = flags_of (v->kind);
  for (size_t i = 0; i < fl->len; i++)
    {
      const struct recipe_flag *f = &fl->v[i];
      const struct flag_spec *sp = spec;
      while (sp->name && strcmp (sp->name, f->name) != 0)
        sp++;
      if (sp->name == NULL)
        return recipe_perr (err, v, f->pos, "unknown flag: --%s", f->name);
      if (sp->type != FLAG_BOOL && !f->has_value)
        return recipe_perr (err, v, f->pos, "missing a value on flag: --%s", f->name);
      if (sp->type == FLAG_BOOL && f->has_value)
        {
          bool b;
          if (recipe_parse_bool (f->value, &b) < 0)
            return recipe_perr (err, v, f->pos, "expecting boolean value for flag --%s, not: %s", f->name, f->value);
        }
      if (sp->type != FLAG_LIST)
        for (size_t j = 0; j < i; j++)
          if (strcmp (fl->v[j].name, f->name) == 0)
            return recipe_perr (err, v, f->pos, "duplicate flag specified: --%s", f->name);
    }
  return 0;
}

const struct recipe_flag *
recipe_flag_get (const struct recipe_flags *fl, const char *name)
{
  for (size_t i = 0; i < fl->len; i++)
    if (strcmp (fl->v[i].name, name) == 0)
      return &fl->v[i];
  return NULL;
}

int
recipe_flag_string (const struct recipe_flags *fl, const char *name, char **out, struct oci_error *err)
{
  const struct recipe_flag *f = recipe_flag_get (fl, name);
  if (f == NULL)
    return 0;
  *out = strdup (f->value);
  return *out ? 0 : recipe_oom (err);
}

bool
recipe_flag_bool (const struct recipe_flags *fl, const char *name)
{
  const struct recipe_flag *f = recipe_flag_get (fl, name);
  bool b = true;
  if (f == NULL)
    return false;
  if (f->has_value)
    recipe_parse_bool (f->value, &b);
  return b;
}

/* ---- value checks ---- */
