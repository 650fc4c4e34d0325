/* Logical instructions into typed instructions; see recipe_parse.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/array.h"
#include "cleanup.h"
#include "fileutil.h"
#include "json.h"
#include "frontend/recipe_parse.h"
#include "frontend/recipe_parse_internal.h"

/* Recipes are text written by people; this bounds a mistake. */
#define RECIPE_FILE_MAX (16u * 1024 * 1024)

static const struct
{
  const char *name;
  enum recipe_kind kind;
} kinds[] = {
  { "ADD", RECIPE_ADD },
  { "ARG", RECIPE_ARG },
  { "CMD", RECIPE_CMD },
  { "COPY", RECIPE_COPY },
  { "ENTRYPOINT", RECIPE_ENTRYPOINT },
  { "ENV", RECIPE_ENV },
  { "EXPOSE", RECIPE_EXPOSE },
  { "FROM", RECIPE_FROM },
  { "HEALTHCHECK", RECIPE_HEALTHCHECK },
  { "LABEL", RECIPE_LABEL },
  { "MAINTAINER", RECIPE_MAINTAINER },
  { "ONBUILD", RECIPE_ONBUILD },
  { "RUN", RECIPE_RUN },
  { "SHELL", RECIPE_SHELL },
  { "STOPSIGNAL", RECIPE_STOPSIGNAL },
  { "USER", RECIPE_USER },
  { "VOLUME", RECIPE_VOLUME },
  { "WORKDIR", RECIPE_WORKDIR },
};

const char *
recipe_kind_name (enum recipe_kind kind)
{
  for (size_t i = 0; i < sizeof (kinds) / sizeof (kinds[0]); i++)
    if (kinds[i].kind == kind)
      return kinds[i].name;
  return "?";
}

bool
recipe_kind_lookup (const char *keyword, enum recipe_kind *kind)
{
  for (size_t i = 0; i < sizeof (kinds) / sizeof (kinds[0]); i++)
    if (strcasecmp (kinds[i].name, keyword) == 0)
      {
        *kind = kinds[i].kind;
        return true;
      }
  return false;
}

int
recipe_oom (struct oci_error *err)
{
  return oci_error_set (err, ENOMEM, "out of memory");
}

struct recipe_pos
recipe_view_pos (const struct recipe_view *v, size_t off)
{
  return recipe_line_pos (v->line, v->base + off);
}

int
recipe_perr (struct oci_error *err, const struct recipe_view *v, struct recipe_pos pos, const char *fmt, ...)
{
  va_list ap;
  cleanup_free char *msg = NULL;
  va_start (ap, fmt);
  int r = vasprintf (&msg, fmt, ap);
  va_end (ap);
  if (r < 0)
    return recipe_oom (err);
  return oci_error_set (err, 0, "%s:%u:%u: %s: %s", pos.file, pos.line, pos.column, recipe_kind_name (v->kind), msg);
}

/* ---- small containers ---- */

int
recipe_words_push (struct recipe_words *w, const char *text, size_t n, struct recipe_pos pos, struct oci_error *err)
{
  if (array_reserve (&w->v, w->len + 1, sizeof *w->v) < 0)
    return recipe_oom (err);
  struct recipe_word *v = w->v;
  v[w->len].text = strndup (text, n);
  if (v[w->len].text == NULL)
    return recipe_oom (err);
  v[w->len++].pos = pos;
  return 0;
}

void
recipe_words_clear (struct recipe_words *w)
{
  for (size_t i = 0; i < w->len; i++)
    free (w->v[i].text);
  free (w->v);
  w->v = NULL;
  w->len = 0;
}

int
recipe_kvs_push (struct recipe_kvs *kv, const char *key, size_t klen, const char *value, size_t vlen,
                 struct recipe_pos pos, struct oci_error *err)
{
  if (array_reserve (&kv->v, kv->len + 1, sizeof *kv->v) < 0)
    return recipe_oom (err);
  struct recipe_kv *v = kv->v;
  struct recipe_kv *e = &v[kv->len++];
  e->pos = pos;
  e->key = strndup (key, klen);
  e->value = value ? strndup (value, vlen) : NULL;
  if (e->key == NULL || (value && e->value == NULL))
    return recipe_oom (err);
  return 0;
}

static void
kvs_clear (struct recipe_kvs *kv)
{
  for (size_t i = 0; i < kv->len; i++)
    {
      free (kv->v[i].key);
      free (kv->v[i].value);
    }
  free (kv->v);
}

static void
command_clear (struct recipe_command *c)
{
  recipe_words_clear (&c->argv);
  free (c->shell);
}

static void
mount_clear (struct recipe_mount *m)
{
  free (m->target);
  free (m->source);
  free (m->from);
  free (m->id);
  free (m->env);
  kvs_clear (&m->options);
}

static void
instruction_clear (struct recipe_instruction *in)
{
  free (in->keyword);
  free (in->args);
  for (size_t i = 0; i < in->heredocs_len; i++)
    {
      free (in->heredocs[i].name);
      free (in->heredocs[i].content);
    }
  free (in->heredocs);
  free (in->from.image.text);
  free (in->from.platform);
  free (in->from.stage_name);
  command_clear (&in->run.cmd);
  for (size_t i = 0; i < in->run.mounts_len; i++)
    mount_clear (&in->run.mounts[i]);
  free (in->run.mounts);
  free (in->run.network);
  free (in->run.security);
  recipe_words_clear (&in->copy.sources);
  free (in->copy.dest.text);
  free (in->copy.from);
  free (in->copy.chown);
  free (in->copy.chmod);
  free (in->copy.checksum);
  recipe_words_clear (&in->copy.excludes);
  kvs_clear (&in->kvs);
  command_clear (&in->cmd);
  free (in->arg.text);
  free (in->user);
  free (in->group);
  recipe_words_clear (&in->expose.ports);
  for (size_t i = 0; i < in->expose.parsed_len; i++)
    free (in->expose.parsed[i].proto);
  free (in->expose.parsed);
  recipe_words_clear (&in->volumes);
  command_clear (&in->healthcheck.cmd);
  if (in->trigger)
    {
      instruction_clear (in->trigger);
      free (in->trigger);
    }
}

void
recipe_free (struct recipe *r)
{
  if (r == NULL)
    return;
  for (size_t i = 0; i < r->len; i++)
    instruction_clear (&r->v[i]);
  free (r->v);
  free (r->file);
  free (r->syntax);
  free (r);
}

/* ---- word splitting ---- */

bool
recipe_is_ws (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* The end of the word of s starting at i: the first blank outside quotes.
 * With quotes, '...' and "..." group blanks and escape keeps the next
 * character from ending the word (not within '...'); *cut: s ends in a
 * lone escape, which the word leaves out. */
static size_t
word_end (const char *s, size_t i, bool quotes, char escape, bool *cut)
{
  char quote = 0;
  *cut = false;
  for (; s[i] && (quote || !recipe_is_ws (s[i])); i++)
    {
      if (!quotes)
        continue;
      if (quote && s[i] == quote)
        quote = 0;
      else if (!quote && (s[i] == '\'' || s[i] == '"'))
        quote = s[i];
      else if (s[i] == escape && quote != '\'')
        {
          if (!s[i + 1])
            *cut = true;
          else
            i++;
        }
    }
  return i;
}

/* The words of s (blank-separated; see word_end) pushed onto out as they
 * stand, quotes and escapes kept. */
static int
split_words (const struct recipe_view *v, const char *s, size_t base, bool quotes, char escape,
             struct recipe_words *out, struct oci_error *err)
{
  size_t i = 0;
  for (;;)
    {
      bool cut;
      while (s[i] && recipe_is_ws (s[i]))
        i++;
      if (!s[i])
        return 0;
      size_t start = i;
      i = word_end (s, i, quotes, escape, &cut);
      if (recipe_words_push (out, s + start, i - start - cut, recipe_view_pos (v, base + start), err) < 0)
        return -1;
    }
}

int
recipe_split_quoted (const struct recipe_view *v, const char *s, size_t base, char escape, struct recipe_words *out,
                     struct oci_error *err)
{
  return split_words (v, s, base, true, escape, out, err);
}

int
recipe_split_plain (const struct recipe_view *v, const char *s, size_t base, struct recipe_words *out,
                    struct oci_error *err)
{
  return split_words (v, s, base, false, 0, out, err);
}

/* ---- JSON form ---- */

int
recipe_json_array (const struct recipe_view *v, const char *s, size_t base, struct recipe_words *out,
                   struct oci_error *err)
{
  cleanup_json struct json_value *j = NULL;
  struct oci_error jerr = OCI_ERROR_INIT;
  size_t lead = 0;

  while (s[lead] && recipe_is_ws (s[lead]))
    lead++;
  if (s[lead] != '[')
    return 0;
  if (json_parse (s, strlen (s), &j, &jerr) < 0)
    {
      oci_error_clear (&jerr);
      return 0;
    }
  if (j->type != JSON_ARRAY)
    return 0;
  for (size_t i = 0; i < j->u.array.len; i++)
    if (j->u.array.items[i]->type != JSON_STRING)
      return recipe_perr (err, v, recipe_view_pos (v, base + lead),
                          "when using JSON array syntax, arrays must be comprised of strings only");

  /* Where each element starts: the opening quotes at depth one. */
  size_t k = 0, depth = 0;
  for (size_t i = lead; s[i] && k < j->u.array.len; i++)
    {
      if (s[i] == '[')
        depth++;
      else if (s[i] == '"')
        {
          size_t start = i;
          for (i++; s[i] && s[i] != '"'; i++)
            if (s[i] == '\\' && s[i + 1])
              i++;
          if (depth == 1)
            {
              const char *text = j->u.array.items[k++]->u.string;
              if (recipe_words_push (out, text, strlen (text), recipe_view_pos (v, base + start), err) < 0)
                return -1;
            }
        }
    }
  return 1;
}

int
recipe_command_parse (const struct recipe_view *v, const char *s, size_t base, struct recipe_command *c,
                      struct oci_error *err)
{
  int r = recipe_json_array (v, s, base, &c->argv, err);
  if (r < 0)
    return -1;
  if (r > 0)
    {
      c->exec_form = true;
      return 0;
    }
  c->shell = strdup (s);
  return c->shell ? 0 : recipe_oom (err);
}

/* ---- the recipe ---- */

static int
parse_text (const char *file, const char *text, size_t len, bool triggers, struct recipe **out, struct oci_error *err)
{
  cleanup_recipe_source struct recipe_source *src = NULL;
  cleanup_recipe struct recipe *r = NULL;
  bool seen_from = triggers;

  if (recipe_lex (file, text, len, &src, err) < 0)
    return -1;
  r = calloc (1, sizeof (*r));
  if (r == NULL)
    return recipe_oom (err);
  r->escape = src->escape;
  r->file = steal_pointer (&src->file);
  r->syntax = steal_pointer (&src->syntax);
  if (src->lines_len)
    {
      r->v = calloc (src->lines_len, sizeof (*r->v));
      if (r->v == NULL)
        return recipe_oom (err);
    }
  for (size_t i = 0; i < src->lines_len; i++)
    {
      const struct recipe_line *l = &src->lines[i];
      struct recipe_view v = { l, l->keyword, l->pos, 0, l->rest, 0, src->escape };
      /* The lexer's positions point at its copy of the name. */
      v.kwpos.file = r->file;
      if (!recipe_kind_lookup (l->keyword, &v.kind))
        return oci_error_set (err, 0, "%s:%u:%u: unknown instruction \"%s\"", r->file, l->pos.line, l->pos.column,
                              l->keyword);
      r->len++;
      if (triggers && (v.kind == RECIPE_FROM || v.kind == RECIPE_MAINTAINER || v.kind == RECIPE_ONBUILD))
        return recipe_perr (err, &v, v.kwpos,
                            v.kind == RECIPE_ONBUILD ? "chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"
                                                     : "%s isn't allowed as an ONBUILD trigger",
                            recipe_kind_name (v.kind));
      if (recipe_parse_instruction (&v, l->heredocs, l->heredocs_len, &r->v[i], err) < 0)
        return -1;
      if (v.kind == RECIPE_FROM)
        seen_from = true;
      else if (!seen_from && v.kind != RECIPE_ARG)
        return recipe_perr (err, &v, v.kwpos,
                            "no build stage in current context (only ARG may come before the first FROM)");
    }
  if (r->len == 0)
    return oci_error_set (err, 0, "%s: the recipe has no instructions", r->file);
  if (!seen_from)
    return oci_error_set (err, 0, "%s: the recipe has no FROM instruction", r->file);
  *out = steal_pointer (&r);
  return 0;
}

int
recipe_parse (const char *file, const char *text, size_t len, struct recipe **out, struct oci_error *err)
{
  return parse_text (file, text, len, false, out, err);
}

int
recipe_parse_triggers (const char *file, const char *text, size_t len, struct recipe **out, struct oci_error *err)
{
  return parse_text (file, text, len, true, out, err);
}

int
recipe_parse_file (const char *path, struct recipe **out, struct oci_error *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  if (oci_read_file (path, RECIPE_FILE_MAX, &text, &len, err) < 0)
    return -1;
  return recipe_parse (path, text, len, out, err);
}
