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
#include "common/strbuf.h"

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

static int
oom (struct oci_error *err)
{
  return oci_error_set (err, ENOMEM, "out of memory");
}

/* What one instruction is parsed from: the keyword and the text after
 * it, a window [base, ...) of a lexer line (ONBUILD parses a window). */
struct view
{
  const struct recipe_line *line;
  const char *keyword;
  struct recipe_pos kwpos;
  enum recipe_kind kind;
  const char *rest;  /* line->rest + base */
  size_t base;
  char escape;
};

static struct recipe_pos
view_pos (const struct view *v, size_t off)
{
  return recipe_line_pos (v->line, v->base + off);
}

static int __attribute__ ((format (printf, 4, 5)))
perr (struct oci_error *err, const struct view *v, struct recipe_pos pos, const char *fmt, ...)
{
  va_list ap;
  cleanup_free char *msg = NULL;
  va_start (ap, fmt);
  int r = vasprintf (&msg, fmt, ap);
  va_end (ap);
  if (r < 0)
    return oom (err);
  return oci_error_set (err, 0, "%s:%u:%u: %s: %s", pos.file, pos.line, pos.column,
                        recipe_kind_name (v->kind), msg);
}

/* ---- small containers ---- */

static int
words_push (struct recipe_words *w, const char *text, size_t n, struct recipe_pos pos,
            struct oci_error *err)
{
  if (array_reserve (&w->v, w->len + 1, sizeof *w->v) < 0)
    return oom (err);
  struct recipe_word *v = w->v;
  v[w->len].text = strndup (text, n);
  if (v[w->len].text == NULL)
    return oom (err);
  v[w->len++].pos = pos;
  return 0;
}

static void
words_clear (struct recipe_words *w)
{
  for (size_t i = 0; i < w->len; i++)
    free (w->v[i].text);
  free (w->v);
  w->v = NULL;
  w->len = 0;
}

static int
kvs_push (struct recipe_kvs *kv, const char *key, size_t klen, const char *value,
          size_t vlen, struct recipe_pos pos, struct oci_error *err)
{
  if (array_reserve (&kv->v, kv->len + 1, sizeof *kv->v) < 0)
    return oom (err);
  struct recipe_kv *v = kv->v;
  struct recipe_kv *e = &v[kv->len++];
  e->pos = pos;
  e->key = strndup (key, klen);
  e->value = value ? strndup (value, vlen) : NULL;
  if (e->key == NULL || (value && e->value == NULL))
    return oom (err);
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
  words_clear (&c->argv);
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
  words_clear (&in->copy.sources);
  free (in->copy.dest.text);
  free (in->copy.from);
  free (in->copy.chown);
  free (in->copy.chmod);
  free (in->copy.checksum);
  words_clear (&in->copy.excludes);
  kvs_clear (&in->kvs);
  command_clear (&in->cmd);
  free (in->arg.text);
  free (in->user);
  free (in->group);
  words_clear (&in->expose.ports);
  for (size_t i = 0; i < in->expose.parsed_len; i++)
    free (in->expose.parsed[i].proto);
  free (in->expose.parsed);
  words_clear (&in->volumes);
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

static bool
is_ws (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Whitespace-separated words with quotes and escapes kept, quotes
 * grouping blanks (Docker's parseWords, used by ENV, LABEL, ARG). */
static int
split_words_quoted (const struct view *v, const char *s, size_t base, char escape,
                    struct recipe_words *out, struct oci_error *err)
{
  size_t i = 0;
  for (;;)
    {
      while (s[i] && is_ws (s[i]))
        i++;
      if (!s[i])
        return 0;
      size_t start = i;
      cleanup_strbuf struct strbuf w = STRBUF_INIT;
      char quote = 0;
      while (s[i] && (quote || !is_ws (s[i])))
        {
          char c = s[i];
          if (quote)
            {
              if (c == quote)
                quote = 0;
              else if (c == escape && quote != '\'')
                {
                  if (!s[i + 1])
                    {
                      i++;
                      continue;
                    }
                  strbuf_addc (&w, c);
                  c = s[++i];
                }
            }
          else if (c == '\'' || c == '"')
            quote = c;
          else if (c == escape)
            {
              if (!s[i + 1])
                {
                  i++;
                  continue;
                }
              strbuf_addc (&w, c);
              c = s[++i];
            }
          strbuf_addc (&w, c);
          i++;
        }
      if (w.failed)
        return oom (err);
      if (words_push (out, w.s ? w.s : "", w.len, view_pos (v, base + start), err) < 0)
        return -1;
    }
}

/* Plain whitespace split, quotes not special (Docker's
 * parseStringsWhitespaceDelimited: FROM, EXPOSE, COPY, ADD, VOLUME). */
static int
split_words_plain (const struct view *v, const char *s, size_t base,
                   struct recipe_words *out, struct oci_error *err)
{
  size_t i = 0;
  for (;;)
    {
      while (s[i] && is_ws (s[i]))
        i++;
      if (!s[i])
        return 0;
      size_t start = i;
      while (s[i] && !is_ws (s[i]))
        i++;
      if (words_push (out, s + start, i - start, view_pos (v, base + start), err) < 0)
        return -1;
    }
}

/* ---- JSON form ---- */

/* 1 when s is a JSON array of strings (filled into out), 0 when it is not
 * JSON at all (shell form), -1 on error (an array with non-strings). */
static int
parse_json_array (const struct view *v, const char *s, size_t base,
                  struct recipe_words *out, struct oci_error *err)
{
  cleanup_json struct json_value *j = NULL;
  struct oci_error jerr = OCI_ERROR_INIT;
  size_t lead = 0;

  while (s[lead] && is_ws (s[lead]))
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
      return perr (err, v, view_pos (v, base + lead),
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
              if (words_push (out, text, strlen (text), view_pos (v, base + start), err) < 0)
                return -1;
            }
        }
    }
  return 1;
}

static int
parse_command (const struct view *v, const char *s, size_t base, struct recipe_command *c,
               struct oci_error *err)
{
  int r = parse_json_array (v, s, base, &c->argv, err);
  if (r < 0)
    return -1;
  if (r > 0)
    {
      c->exec_form = true;
      return 0;
    }
  c->shell = strdup (s);
  return c->shell ? 0 : oom (err);
}

/* ---- flags ---- */

struct flag
{
  char *name;
  char *value;
  bool has_value;
  struct recipe_pos pos;
};

struct flags
{
  struct flag *v;
  size_t len;
};

static void
flags_clear (struct flags *f)
{
  for (size_t i = 0; i < f->len; i++)
    {
      free (f->v[i].name);
      free (f->v[i].value);
    }
  free (f->v);
}

#define cleanup_flags __attribute__ ((cleanup (flags_clear)))

/* The --name[=value] words at the start of the arguments, as Docker reads
 * them (quotes group, backslash escapes, "--" ends them).  *end is set to
 * the offset of the first non-flag argument. */
static int
extract_flags (const struct view *v, struct flags *out, size_t *end, struct oci_error *err)
{
  const char *s = v->rest;
  size_t i = 0;
  for (;;)
    {
      while (s[i] && is_ws (s[i]))
        i++;
      if (!(s[i] == '-' && s[i + 1] == '-'))
        break;
      size_t start = i;
      cleanup_strbuf struct strbuf w = STRBUF_INIT;
      char quote = 0;
      i += 2;
      for (; s[i] && (quote || !is_ws (s[i])); i++)
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
        return oom (err);
      if (w.len == 0)
        break; /* "--" alone ends the flags */
      struct flag *nv = realloc (out->v, (out->len + 1) * sizeof (*nv));
      if (nv == NULL)
        return oom (err);
      out->v = nv;
      struct flag *f = &nv[out->len++];
      memset (f, 0, sizeof (*f));
      f->pos = view_pos (v, start);
      char *eq = strchr (w.s, '=');
      f->has_value = eq != NULL;
      f->name = strndup (w.s, eq ? (size_t) (eq - w.s) : w.len);
      if (eq)
        f->value = strdup (eq + 1);
      if (f->name == NULL || (eq && f->value == NULL))
        return oom (err);
    }
  while (s[i] && is_ws (s[i]))
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
  { "mount", FLAG_LIST }, { "network", FLAG_STRING }, { "security", FLAG_STRING }, { NULL, 0 },
};
static const struct flag_spec copy_flags[] = {
  { "from", FLAG_STRING }, { "chown", FLAG_STRING }, { "chmod", FLAG_STRING },
  { "link", FLAG_BOOL },   { "exclude", FLAG_LIST }, { "parents", FLAG_BOOL },
  { NULL, 0 },
};
static const struct flag_spec add_flags[] = {
  { "chown", FLAG_STRING },  { "chmod", FLAG_STRING },        { "link", FLAG_BOOL },
  { "exclude", FLAG_LIST },  { "keep-git-dir", FLAG_BOOL },   { "checksum", FLAG_STRING },
  { NULL, 0 },
};
static const struct flag_spec healthcheck_flags[] = {
  { "interval", FLAG_STRING },       { "timeout", FLAG_STRING }, { "start-period", FLAG_STRING },
  { "start-interval", FLAG_STRING }, { "retries", FLAG_STRING }, { NULL, 0 },
};
static const struct flag_spec no_flags[] = { { NULL, 0 } };

/* Go's strconv.ParseBool. */
static int
parse_bool (const char *s, bool *b)
{
  static const char *const t[] = { "1", "t", "T", "TRUE", "true", "True" };
  static const char *const f[] = { "0", "f", "F", "FALSE", "false", "False" };
  for (size_t i = 0; i < 6; i++)
    {
      if (strcmp (s, t[i]) == 0)
        return *b = true, 0;
      if (strcmp (s, f[i]) == 0)
        return *b = false, 0;
    }
  return -1;
}

/* Checks the flags against the instruction's table: unknown names,
 * missing values, repeated single flags, booleans. */
static int
check_flags (const struct view *v, const struct flags *fl, const struct flag_spec *spec,
             struct oci_error *err)
{
  for (size_t i = 0; i < fl->len; i++)
    {
      const struct flag *f = &fl->v[i];
      const struct flag_spec *sp = spec;
      while (sp->name && strcmp (sp->name, f->name) != 0)
        sp++;
      if (sp->name == NULL)
        return perr (err, v, f->pos, "unknown flag: --%s", f->name);
      if (sp->type != FLAG_BOOL && !f->has_value)
        return perr (err, v, f->pos, "missing a value on flag: --%s", f->name);
      if (sp->type == FLAG_BOOL && f->has_value)
        {
          bool b;
          if (parse_bool (f->value, &b) < 0)
            return perr (err, v, f->pos, "expecting boolean value for flag --%s, not: %s",
                         f->name, f->value);
        }
      if (sp->type != FLAG_LIST)
        for (size_t j = 0; j < i; j++)
          if (strcmp (fl->v[j].name, f->name) == 0)
            return perr (err, v, f->pos, "duplicate flag specified: --%s", f->name);
    }
  return 0;
}

static const struct flag *
flag_get (const struct flags *fl, const char *name)
{
  for (size_t i = 0; i < fl->len; i++)
    if (strcmp (fl->v[i].name, name) == 0)
      return &fl->v[i];
  return NULL;
}

static int
flag_string (const struct flags *fl, const char *name, char **out, struct oci_error *err)
{
  const struct flag *f = flag_get (fl, name);
  if (f == NULL)
    return 0;
  *out = strdup (f->value);
  return *out ? 0 : oom (err);
}

static bool
flag_bool (const struct flags *fl, const char *name)
{
  const struct flag *f = flag_get (fl, name);
  bool b = true;
  if (f == NULL)
    return false;
  if (f->has_value)
    parse_bool (f->value, &b);
  return b;
}

/* ---- value checks ---- */

int
recipe_check_chmod (const char *s, mode_t *mode, struct oci_error *err)
{
  unsigned long m = 0;
  if (*s == '\0' || strlen (s) > 5)
    return oci_error_set (err, 0, "invalid chmod \"%s\": want an octal mode such as 0755", s);
  for (const char *p = s; *p; p++)
    {
      if (*p < '0' || *p > '7')
        return oci_error_set (err, 0, "invalid chmod \"%s\": want an octal mode such as 0755", s);
      m = m * 8 + (*p - '0');
    }
  if (m > 07777)
    return oci_error_set (err, 0, "invalid chmod \"%s\": want an octal mode such as 0755", s);
  *mode = m;
  return 0;
}

static int
parse_uint (const char *s, int base, uint64_t max, uint64_t *out)
{
  char *end;
  if (*s == '\0' || *s == '-' || *s == '+' || isspace ((unsigned char) *s))
    return -1;
  errno = 0;
  unsigned long long v = strtoull (s, &end, base);
  if (errno || *end || v > max)
    return -1;
  *out = v;
  return 0;
}

int
recipe_check_port (const char *s, struct recipe_port *port, struct oci_error *err)
{
  cleanup_free char *copy = strdup (s);
  uint64_t a, b;
  if (copy == NULL)
    return oom (err);
  char *proto = strchr (copy, '/');
  if (proto)
    {
      *proto++ = '\0';
      for (char *p = proto; *p; p++)
        *p = tolower ((unsigned char) *p);
      if (strcmp (proto, "tcp") != 0 && strcmp (proto, "udp") != 0 && strcmp (proto, "sctp") != 0)
        return oci_error_set (err, 0, "invalid port \"%s\": protocol must be tcp, udp or sctp", s);
    }
  char *dash = strchr (copy, '-');
  if (dash)
    *dash++ = '\0';
  if (parse_uint (copy, 10, 65535, &a) < 0 || (dash && parse_uint (dash, 10, 65535, &b) < 0))
    return oci_error_set (err, 0, "invalid port \"%s\": want port[-port][/protocol]", s);
  if (!dash)
    b = a;
  if (b < a)
    return oci_error_set (err, 0, "invalid port range \"%s\": end before start", s);
  port->start = a;
  port->end = b;
  port->proto = strdup (proto ? proto : "tcp");
  return port->proto ? 0 : oom (err);
}

int
recipe_parse_duration (const char *s, int64_t *ns, struct oci_error *err)
{
  static const struct
  {
    const char *unit;
    double scale;
  } units[] = {
    { "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "\xce\xbcs", 1e3 }, { "ms", 1e6 },
    { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
  };
  const char *p = s;
  double total = 0;
  bool neg = false;

  if (*p == '-' || *p == '+')
    neg = *p++ == '-';
  if (strcmp (p, "0") == 0)
    return *ns = 0, 0;
  if (*p == '\0')
    return oci_error_set (err, 0, "invalid duration \"%s\"", s);
  while (*p)
    {
      const char *start = p;
      double v = 0, frac = 0, scale = 1;
      while (isdigit ((unsigned char) *p))
        v = v * 10 + (*p++ - '0');
      if (*p == '.')
        for (p++; isdigit ((unsigned char) *p); p++)
          frac = frac * 10 + (*p - '0'), scale *= 10;
      if (p == start || (p == start + 1 && *start == '.'))
        return oci_error_set (err, 0, "invalid duration \"%s\"", s);
      size_t k, ulen = 0;
      for (k = 0; k < sizeof (units) / sizeof (units[0]); k++)
        {
          ulen = strlen (units[k].unit);
          if (strncmp (p, units[k].unit, ulen) == 0
              && !(units[k].unit[0] == 'm' && ulen == 1 && p[1] == 's'))
            break;
        }
      if (k == sizeof (units) / sizeof (units[0]))
        return oci_error_set (err, 0, "invalid duration \"%s\": %s", s,
                              *p ? "unknown unit" : "missing unit");
      total += (v + frac / scale) * units[k].scale;
      p += ulen;
    }
  if (total > 9.2e18)
    return oci_error_set (err, 0, "invalid duration \"%s\": out of range", s);
  *ns = (int64_t) (neg ? -total : total);
  return 0;
}

/* ---- RUN --mount ---- */

enum
{
  M_BIND = 1 << RECIPE_MOUNT_BIND,
  M_CACHE = 1 << RECIPE_MOUNT_CACHE,
  M_TMPFS = 1 << RECIPE_MOUNT_TMPFS,
  M_SECRET = 1 << RECIPE_MOUNT_SECRET,
  M_SSH = 1 << RECIPE_MOUNT_SSH,
  M_ALL = 0x1f,
};

static const struct
{
  const char *key;
  int types;
} mount_keys[] = {
  { "type", M_ALL },
  { "target", M_ALL },          { "dst", M_ALL },        { "destination", M_ALL },
  { "source", M_BIND | M_CACHE }, { "src", M_BIND | M_CACHE },
  { "from", M_BIND | M_CACHE },
  { "id", M_CACHE | M_SECRET | M_SSH },
  { "sharing", M_CACHE },
  { "mode", M_CACHE | M_SECRET | M_SSH },
  { "uid", M_CACHE | M_SECRET | M_SSH },
  { "gid", M_CACHE | M_SECRET | M_SSH },
  { "readonly", M_BIND | M_CACHE }, { "ro", M_BIND | M_CACHE },
  { "rw", M_BIND | M_CACHE },       { "readwrite", M_BIND | M_CACHE },
  { "size", M_TMPFS },
  { "required", M_SECRET | M_SSH },
  { "env", M_SECRET },
};

static const char *const mount_type_names[] = { "bind", "cache", "tmpfs", "secret", "ssh" };

/* Splits a mount value into comma-separated fields; double quotes group
 * (a CSV field, as Docker reads it). */
static int
mount_fields (const struct view *v, const struct flag *f, struct recipe_kvs *out,
              struct oci_error *err)
{
  const char *s = f->value;
  for (;;)
    {
      cleanup_strbuf struct strbuf fld = STRBUF_INIT;
      bool quoted = false;
      for (; *s && (quoted || *s != ','); s++)
        {
          if (*s == '"')
            {
              if (quoted && s[1] == '"')
                strbuf_addc (&fld, *++s);
              else
                quoted = !quoted;
              continue;
            }
          strbuf_addc (&fld, *s);
        }
      if (quoted)
        return perr (err, v, f->pos, "--mount: unterminated quote in \"%s\"", f->value);
      if (fld.failed)
        return oom (err);
      const char *t = fld.s ? fld.s : "";
      if (*t == '\0')
        return perr (err, v, f->pos, "--mount: empty field in \"%s\"", f->value);
      const char *eq = strchr (t, '=');
      cleanup_free char *key = strndup (t, eq ? (size_t) (eq - t) : strlen (t));
      if (key == NULL)
        return oom (err);
      for (char *p = key; *p; p++)
        *p = tolower ((unsigned char) *p);
      if (kvs_push (out, key, strlen (key), eq ? eq + 1 : NULL, eq ? strlen (eq + 1) : 0,
                    f->pos, err) < 0)
        return -1;
      if (*s != ',')
        return 0;
      s++;
    }
}

static int
size_in_bytes (const char *s, uint64_t *out)
{
  char *end;
  errno = 0;
  if (!isdigit ((unsigned char) *s))
    return -1;
  double v = strtod (s, &end);
  if (errno)
    return -1;
  while (*end == ' ')
    end++;
  double m = 1;
  switch (tolower ((unsigned char) *end))
    {
    case 'k': m = 1024.0; end++; break;
    case 'm': m = 1024.0 * 1024; end++; break;
    case 'g': m = 1024.0 * 1024 * 1024; end++; break;
    case 't': m = 1024.0 * 1024 * 1024 * 1024; end++; break;
    case 'p': m = 1024.0 * 1024 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
  if (m > 1 && tolower ((unsigned char) *end) == 'i')
    end++;
  if (tolower ((unsigned char) *end) == 'b')
    end++;
  if (*end || v * m > 1.8e19)
    return -1;
  *out = (uint64_t) (v * m);
  return 0;
}

static int
parse_mount (const struct view *v, const struct flag *f, struct recipe_mount *m,
             struct oci_error *err)
{
  m->pos = f->pos;
  if (mount_fields (v, f, &m->options, err) < 0)
    return -1;

  /* The type first: it decides which keys are valid. */
  m->type = RECIPE_MOUNT_BIND;
  for (size_t i = 0; i < m->options.len; i++)
    if (strcmp (m->options.v[i].key, "type") == 0)
      {
        const char *t = m->options.v[i].value ? m->options.v[i].value : "";
        size_t k;
        for (k = 0; k < 5; k++)
          if (strcmp (t, mount_type_names[k]) == 0)
            break;
        if (k == 5)
          return perr (err, v, f->pos, "--mount: unsupported mount type \"%s\"", t);
        m->type = k;
      }
  m->readonly = m->type == RECIPE_MOUNT_BIND;
  m->required = false;

  for (size_t i = 0; i < m->options.len; i++)
    {
      const char *key = m->options.v[i].key, *val = m->options.v[i].value;
      size_t k;
      bool b = true;
      uint64_t n;
      for (k = 0; k < sizeof (mount_keys) / sizeof (mount_keys[0]); k++)
        if (strcmp (mount_keys[k].key, key) == 0)
          break;
      if (k == sizeof (mount_keys) / sizeof (mount_keys[0]))
        return perr (err, v, f->pos, "--mount: unexpected key \"%s\"", key);
      if (!(mount_keys[k].types & (1 << m->type)))
        return perr (err, v, f->pos, "--mount: \"%s\" is not valid for type=%s", key,
                     mount_type_names[m->type]);
      bool is_bool = strcmp (key, "readonly") == 0 || strcmp (key, "ro") == 0
                     || strcmp (key, "rw") == 0 || strcmp (key, "readwrite") == 0
                     || strcmp (key, "required") == 0;
      if (is_bool)
        {
          if (val && parse_bool (val, &b) < 0)
            return perr (err, v, f->pos, "--mount: invalid value for %s: \"%s\"", key, val);
          if (strcmp (key, "required") == 0)
            m->required = b;
          else
            m->readonly = (key[0] == 'r' && key[1] == 'w') || strcmp (key, "readwrite") == 0 ? !b : b;
          continue;
        }
      if (val == NULL)
        return perr (err, v, f->pos, "--mount: %s needs a value (%s=...)", key, key);
      bool var = strchr (val, '$') != NULL;
      char **slot = NULL;
      if (strcmp (key, "type") == 0)
        continue;
      else if (strcmp (key, "target") == 0 || strcmp (key, "dst") == 0
               || strcmp (key, "destination") == 0)
        slot = &m->target;
      else if (strcmp (key, "source") == 0 || strcmp (key, "src") == 0)
        slot = &m->source;
      else if (strcmp (key, "from") == 0)
        slot = &m->from;
      else if (strcmp (key, "id") == 0)
        slot = &m->id;
      else if (strcmp (key, "env") == 0)
        slot = &m->env;
      else if (strcmp (key, "sharing") == 0)
        {
          if (strcmp (val, "shared") == 0)
            m->sharing = RECIPE_SHARING_SHARED;
          else if (strcmp (val, "private") == 0)
            m->sharing = RECIPE_SHARING_PRIVATE;
          else if (strcmp (val, "locked") == 0)
            m->sharing = RECIPE_SHARING_LOCKED;
          else if (!var)
            return perr (err, v, f->pos,
                         "--mount: sharing must be shared, private or locked, not \"%s\"", val);
          continue;
        }
      else if (strcmp (key, "mode") == 0)
        {
          if (var)
            continue;
          if (parse_uint (val, 8, 07777, &n) < 0)
            return perr (err, v, f->pos, "--mount: invalid mode \"%s\" (octal)", val);
          m->mode = n;
          m->has_mode = true;
          continue;
        }
      else if (strcmp (key, "uid") == 0 || strcmp (key, "gid") == 0)
        {
          if (var)
            continue;
          if (parse_uint (val, 10, UINT32_MAX, &n) < 0)
            return perr (err, v, f->pos, "--mount: invalid %s \"%s\"", key, val);
          if (key[0] == 'u')
            m->uid = n, m->has_uid = true;
          else
            m->gid = n, m->has_gid = true;
          continue;
        }
      else if (strcmp (key, "size") == 0)
        {
          if (var)
            continue;
          if (size_in_bytes (val, &m->size) < 0)
            return perr (err, v, f->pos, "--mount: invalid size \"%s\"", val);
          m->has_size = true;
          continue;
        }
      free (*slot);
      *slot = strdup (val);
      if (*slot == NULL)
        return oom (err);
    }

  if (m->target == NULL && (m->type == RECIPE_MOUNT_BIND || m->type == RECIPE_MOUNT_CACHE
                            || m->type == RECIPE_MOUNT_TMPFS))
    return perr (err, v, f->pos, "--mount: type=%s requires target", mount_type_names[m->type]);
  if (m->target && *m->target == '\0')
    return perr (err, v, f->pos, "--mount: empty target");
  return 0;
}

/* ---- the instructions ---- */

static int parse_view (const struct view *v, const struct recipe_heredoc *hd, size_t nhd,
                       struct recipe_instruction *in, struct oci_error *err);

static int
no_args_error (const struct view *v, const char *what, struct oci_error *err)
{
  return perr (err, v, v->kwpos, "%s", what);
}

static int
parse_from (const struct view *v, const struct flags *fl, size_t at, struct recipe_instruction *in,
            struct oci_error *err)
{
  struct recipe_words w = { NULL, 0 };
  int r = -1;
  if (flag_string (fl, "platform", &in->from.platform, err) < 0)
    return -1;
  if (split_words_plain (v, v->rest + at, at, &w, err) < 0)
    goto out;
  if (w.len != 1 && w.len != 3)
    {
      r = w.len == 0 ? no_args_error (v, "requires either one or three arguments", err)
                     : perr (err, v, w.v[w.len > 1 ? 1 : 0].pos,
                             "requires either one or three arguments (image [AS name])");
      goto out;
    }
  if (w.len == 3)
    {
      if (strcasecmp (w.v[1].text, "AS") != 0)
        {
          r = perr (err, v, w.v[1].pos, "expected \"AS <name>\" after the image, got \"%s\"",
                    w.v[1].text);
          goto out;
        }
      char *name = w.v[2].text;
      for (char *p = name; *p; p++)
        *p = tolower ((unsigned char) *p);
      bool valid = islower ((unsigned char) name[0]);
      for (char *p = name; *p && valid; p++)
        valid = islower ((unsigned char) *p) || isdigit ((unsigned char) *p) || *p == '-'
                || *p == '_' || *p == '.';
      if (!valid)
        {
          r = perr (err, v, w.v[2].pos,
                    "invalid name for build stage: \"%s\", name can't start with a number "
                    "or contain symbols", name);
          goto out;
        }
      in->from.stage_name = steal_pointer (&w.v[2].text);
      in->from.stage_name_pos = w.v[2].pos;
    }
  in->from.image = w.v[0];
  w.v[0].text = NULL;
  r = 0;
out:
  words_clear (&w);
  return r;
}

static int
parse_run (const struct view *v, const struct flags *fl, size_t at, size_t nhd,
           struct recipe_instruction *in, struct oci_error *err)
{
  for (size_t i = 0; i < fl->len; i++)
    {
      const struct flag *f = &fl->v[i];
      if (strcmp (f->name, "mount") == 0)
        {
          struct recipe_mount *m = realloc (in->run.mounts, (in->run.mounts_len + 1) * sizeof (*m));
          if (m == NULL)
            return oom (err);
          in->run.mounts = m;
          memset (&m[in->run.mounts_len], 0, sizeof (*m));
          if (parse_mount (v, f, &m[in->run.mounts_len++], err) < 0)
            return -1;
        }
      else if (strcmp (f->name, "network") == 0)
        {
          if (strcmp (f->value, "default") != 0 && strcmp (f->value, "none") != 0
              && strcmp (f->value, "host") != 0)
            return perr (err, v, f->pos, "--network must be default, none or host, not \"%s\"",
                         f->value);
          if (flag_string (fl, "network", &in->run.network, err) < 0)
            return -1;
        }
      else if (strcmp (f->name, "security") == 0)
        {
          if (strcmp (f->value, "sandbox") != 0 && strcmp (f->value, "insecure") != 0)
            return perr (err, v, f->pos, "--security must be sandbox or insecure, not \"%s\"",
                         f->value);
          if (flag_string (fl, "security", &in->run.security, err) < 0)
            return -1;
        }
    }
  if (v->rest[at] == '\0' && nhd == 0)
    return no_args_error (v, "requires at least one argument", err);
  return parse_command (v, v->rest + at, at, &in->run.cmd, err);
}

static int
parse_copy (const struct view *v, const struct flags *fl, size_t at,
            struct recipe_instruction *in, struct oci_error *err)
{
  struct recipe_copy *c = &in->copy;
  struct recipe_words w = { NULL, 0 };
  int r;

  if (flag_string (fl, "from", &c->from, err) < 0 || flag_string (fl, "chown", &c->chown, err) < 0
      || flag_string (fl, "chmod", &c->chmod, err) < 0
      || flag_string (fl, "checksum", &c->checksum, err) < 0)
    return -1;
  c->link = flag_bool (fl, "link");
  c->parents = flag_bool (fl, "parents");
  c->keep_git_dir = flag_bool (fl, "keep-git-dir");
  for (size_t i = 0; i < fl->len; i++)
    if (strcmp (fl->v[i].name, "exclude") == 0
        && words_push (&c->excludes, fl->v[i].value, strlen (fl->v[i].value), fl->v[i].pos, err) < 0)
      return -1;
  if (c->chmod && strchr (c->chmod, '$') == NULL)
    {
      struct oci_error e = OCI_ERROR_INIT;
      if (recipe_check_chmod (c->chmod, &c->mode, &e) < 0)
        {
          const struct flag *f = flag_get (fl, "chmod");
          perr (err, v, f->pos, "--chmod: %s", e.msg);
          oci_error_clear (&e);
          return -1;
        }
      c->has_mode = true;
    }
  if (c->from && *c->from == '\0')
    return perr (err, v, flag_get (fl, "from")->pos, "--from needs a stage or image name");

  r = parse_json_array (v, v->rest + at, at, &w, err);
  if (r < 0)
    goto fail;
  c->json_form = r > 0;
  if (r == 0 && split_words_plain (v, v->rest + at, at, &w, err) < 0)
    goto fail;
  if (w.len < 2)
    {
      words_clear (&w);
      return no_args_error (v, "requires at least two arguments", err);
    }
  c->dest = w.v[--w.len];
  c->sources = w;
  return 0;
fail:
  words_clear (&w);
  return -1;
}

/* ENV and LABEL: "k=v k2=v2" or the legacy "k value with spaces". */
static int
parse_name_values (const struct view *v, size_t at, struct recipe_instruction *in, char escape,
                   struct oci_error *err)
{
  struct recipe_words w = { NULL, 0 };
  const char *rest = v->rest + at;
  int r = -1;

  if (split_words_quoted (v, rest, at, escape, &w, err) < 0)
    goto out;
  if (w.len == 0)
    {
      r = no_args_error (v, "requires at least one argument", err);
      goto out;
    }
  if (strchr (w.v[0].text, '=') == NULL)
    {
      size_t k = 0;
      while (rest[k] && !is_ws (rest[k]))
        k++;
      size_t vstart = k;
      while (rest[vstart] && is_ws (rest[vstart]))
        vstart++;
      if (rest[vstart] == '\0')
        {
          r = perr (err, v, w.v[0].pos, "must have two arguments (name value) or name=value");
          goto out;
        }
      r = kvs_push (&in->kvs, rest, k, rest + vstart, strlen (rest + vstart), w.v[0].pos, err);
      goto out;
    }
  for (size_t i = 0; i < w.len; i++)
    {
      const char *eq = strchr (w.v[i].text, '=');
      if (eq == NULL)
        {
          r = perr (err, v, w.v[i].pos,
                    "syntax error - can't find = in \"%s\"; must be of the form name=value",
                    w.v[i].text);
          goto out;
        }
      if (eq == w.v[i].text)
        {
          r = perr (err, v, w.v[i].pos, "names can not be blank");
          goto out;
        }
      if (kvs_push (&in->kvs, w.v[i].text, eq - w.v[i].text, eq + 1, strlen (eq + 1),
                    w.v[i].pos, err) < 0)
        goto out;
    }
  r = 0;
out:
  words_clear (&w);
  return r;
}

static int
parse_arg (const struct view *v, size_t at, struct recipe_instruction *in, char escape,
           struct oci_error *err)
{
  struct recipe_words w = { NULL, 0 };
  int r = -1;
  if (split_words_quoted (v, v->rest + at, at, escape, &w, err) < 0)
    goto out;
  if (w.len == 0)
    {
      r = no_args_error (v, "requires at least one argument", err);
      goto out;
    }
  for (size_t i = 0; i < w.len; i++)
    {
      const char *t = w.v[i].text, *eq = strchr (t, '=');
      if (eq == t || *t == '\0')
        {
          r = perr (err, v, w.v[i].pos, "names can not be blank");
          goto out;
        }
      if (kvs_push (&in->kvs, t, eq ? (size_t) (eq - t) : strlen (t), eq ? eq + 1 : NULL,
                    eq ? strlen (eq + 1) : 0, w.v[i].pos, err) < 0)
        goto out;
    }
  r = 0;
out:
  words_clear (&w);
  return r;
}

static int
parse_single (const struct view *v, size_t at, struct recipe_instruction *in,
              struct oci_error *err)
{
  if (v->rest[at] == '\0')
    return no_args_error (v, "requires exactly one argument", err);
  in->arg.text = strdup (v->rest + at);
  in->arg.pos = view_pos (v, at);
  if (in->arg.text == NULL)
    return oom (err);
  if (in->kind == RECIPE_USER)
    {
      const char *colon = strchr (in->arg.text, ':');
      in->user = strndup (in->arg.text, colon ? (size_t) (colon - in->arg.text) : strlen (in->arg.text));
      if (in->user == NULL || (colon && (in->group = strdup (colon + 1)) == NULL))
        return oom (err);
    }
  return 0;
}

static int
parse_expose (const struct view *v, size_t at, struct recipe_instruction *in,
              struct oci_error *err)
{
  struct recipe_expose *e = &in->expose;
  bool vars = false;
  if (split_words_plain (v, v->rest + at, at, &e->ports, err) < 0)
    return -1;
  if (e->ports.len == 0)
    return no_args_error (v, "requires at least one argument", err);
  for (size_t i = 0; i < e->ports.len; i++)
    vars |= strchr (e->ports.v[i].text, '$') != NULL;
  if (vars)
    return 0;
  e->parsed = calloc (e->ports.len, sizeof (*e->parsed));
  if (e->parsed == NULL)
    return oom (err);
  for (size_t i = 0; i < e->ports.len; i++)
    {
      struct oci_error pe = OCI_ERROR_INIT;
      if (recipe_check_port (e->ports.v[i].text, &e->parsed[i], &pe) < 0)
        {
          perr (err, v, e->ports.v[i].pos, "%s", pe.msg);
          oci_error_clear (&pe);
          return -1;
        }
      e->parsed_len++;
    }
  return 0;
}

static int
parse_volume (const struct view *v, size_t at, struct recipe_instruction *in,
              struct oci_error *err)
{
  int r = parse_json_array (v, v->rest + at, at, &in->volumes, err);
  if (r < 0)
    return -1;
  in->volumes_json = r > 0;
  if (r == 0 && split_words_plain (v, v->rest + at, at, &in->volumes, err) < 0)
    return -1;
  if (in->volumes.len == 0)
    return no_args_error (v, "requires at least one argument", err);
  for (size_t i = 0; i < in->volumes.len; i++)
    if (in->volumes.v[i].text[0] == '\0')
      return perr (err, v, in->volumes.v[i].pos, "a volume can not be an empty string");
  return 0;
}

static int
parse_shell (const struct view *v, size_t at, struct recipe_instruction *in,
             struct oci_error *err)
{
  int r = parse_json_array (v, v->rest + at, at, &in->cmd.argv, err);
  if (r < 0)
    return -1;
  if (r == 0)
    return perr (err, v, view_pos (v, at), "requires the arguments to be in JSON form");
  in->cmd.exec_form = true;
  if (in->cmd.argv.len == 0)
    return no_args_error (v, "requires at least one argument", err);
  return 0;
}

static int
healthcheck_duration (const struct view *v, const struct flags *fl, const char *name,
                      int64_t *out, struct oci_error *err)
{
  const struct flag *f = flag_get (fl, name);
  struct oci_error e = OCI_ERROR_INIT;
  if (f == NULL)
    return 0;
  if (recipe_parse_duration (f->value, out, &e) < 0)
    {
      perr (err, v, f->pos, "--%s: %s", name, e.msg);
      oci_error_clear (&e);
      return -1;
    }
  if (*out != 0 && *out < 1000000)
    return perr (err, v, f->pos, "--%s: \"%s\" cannot be less than 1ms", name, f->value);
  return 0;
}

static int
parse_healthcheck (const struct view *v, const struct flags *fl, size_t at,
                   struct recipe_instruction *in, struct oci_error *err)
{
  struct recipe_healthcheck *h = &in->healthcheck;
  const char *rest = v->rest + at;
  size_t n = 0;

  while (rest[n] && !is_ws (rest[n]))
    n++;
  if (n == 0)
    return no_args_error (v, "requires an argument (NONE or CMD ...)", err);
  if (n == 4 && strncasecmp (rest, "NONE", 4) == 0)
    {
      if (rest[n] != '\0')
        return perr (err, v, view_pos (v, at), "HEALTHCHECK NONE takes no arguments");
      h->none = true;
      return 0;
    }
  if (!(n == 3 && strncasecmp (rest, "CMD", 3) == 0))
    return perr (err, v, view_pos (v, at), "unknown type \"%.*s\" (try CMD)", (int) n, rest);
  size_t c = n;
  while (rest[c] && is_ws (rest[c]))
    c++;
  if (rest[c] == '\0')
    return perr (err, v, view_pos (v, at), "missing command after HEALTHCHECK CMD");
  if (healthcheck_duration (v, fl, "interval", &h->interval, err) < 0
      || healthcheck_duration (v, fl, "timeout", &h->timeout, err) < 0
      || healthcheck_duration (v, fl, "start-period", &h->start_period, err) < 0
      || healthcheck_duration (v, fl, "start-interval", &h->start_interval, err) < 0)
    return -1;
  const struct flag *f = flag_get (fl, "retries");
  if (f)
    {
      char *end;
      errno = 0;
      long r = strtol (f->value, &end, 10);
      if (errno || *end || end == f->value || r > INT32_MAX || r < INT32_MIN)
        return perr (err, v, f->pos, "--retries: invalid number \"%s\"", f->value);
      if (r < 0)
        return perr (err, v, f->pos, "--retries cannot be negative");
      h->retries = r;
      h->has_retries = true;
    }
  return parse_command (v, rest + c, at + c, &h->cmd, err);
}

static int
parse_onbuild (const struct view *v, size_t at, const struct recipe_heredoc *hd, size_t nhd,
               struct recipe_instruction *in, struct oci_error *err)
{
  const char *rest = v->rest + at;
  size_t n = 0;
  while (rest[n] && !is_ws (rest[n]))
    n++;
  if (n == 0)
    return no_args_error (v, "requires at least one argument", err);
  cleanup_free char *kw = strndup (rest, n);
  if (kw == NULL)
    return oom (err);
  struct view sub = *v;
  sub.keyword = kw;
  sub.kwpos = view_pos (v, at);
  size_t r = n;
  while (rest[r] && is_ws (rest[r]))
    r++;
  sub.base = v->base + at + r;
  sub.rest = v->line->rest + sub.base;
  size_t k;
  for (k = 0; k < sizeof (kinds) / sizeof (kinds[0]); k++)
    if (strcasecmp (kinds[k].name, kw) == 0)
      break;
  if (k == sizeof (kinds) / sizeof (kinds[0]))
    return perr (err, v, sub.kwpos, "unknown instruction \"%s\"", kw);
  sub.kind = kinds[k].kind;
  if (sub.kind == RECIPE_ONBUILD)
    return perr (err, v, sub.kwpos, "chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (sub.kind == RECIPE_FROM || sub.kind == RECIPE_MAINTAINER)
    return perr (err, v, sub.kwpos, "%s isn't allowed as an ONBUILD trigger", kinds[k].name);
  in->trigger = calloc (1, sizeof (*in->trigger));
  if (in->trigger == NULL)
    return oom (err);
  return parse_view (&sub, hd, nhd, in->trigger, err);
}

static int
parse_view (const struct view *v, const struct recipe_heredoc *hd, size_t nhd,
            struct recipe_instruction *in, struct oci_error *err)
{
  cleanup_flags struct flags fl = { NULL, 0 };
  const struct flag_spec *spec = no_flags;
  size_t at = 0;

  in->kind = v->kind;
  in->pos = v->kwpos;
  in->end_line = v->line->end_line;
  in->keyword = strdup (v->keyword);
  in->args = strdup (v->rest);
  if (in->keyword == NULL || in->args == NULL)
    return oom (err);

  /* Heredocs belong to the innermost instruction (ONBUILD's trigger). */
  if (nhd && v->kind != RECIPE_ONBUILD)
    {
      in->heredocs = calloc (nhd, sizeof (*hd));
      if (in->heredocs == NULL)
        return oom (err);
      for (size_t i = 0; i < nhd; i++)
        {
          in->heredocs[i] = hd[i];
          in->heredocs[i].name = strdup (hd[i].name);
          in->heredocs[i].content = strdup (hd[i].content);
          in->heredocs_len++;
          if (in->heredocs[i].name == NULL || in->heredocs[i].content == NULL)
            return oom (err);
        }
    }

  if (v->kind == RECIPE_ONBUILD)
    return parse_onbuild (v, 0, hd, nhd, in, err);

  switch (v->kind)
    {
    case RECIPE_FROM: spec = from_flags; break;
    case RECIPE_RUN: spec = run_flags; break;
    case RECIPE_COPY: spec = copy_flags; break;
    case RECIPE_ADD: spec = add_flags; break;
    case RECIPE_HEALTHCHECK: spec = healthcheck_flags; break;
    default: break;
    }
  /* Every instruction reads leading --words as flags, so a flag where
   * none is known is an error rather than an argument, as in Docker. */
  if (extract_flags (v, &fl, &at, err) < 0 || check_flags (v, &fl, spec, err) < 0)
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
      return parse_name_values (v, at, in, v->escape, err);
    case RECIPE_ARG:
      return parse_arg (v, at, in, v->escape, err);
    case RECIPE_CMD:
    case RECIPE_ENTRYPOINT:
      return parse_command (v, v->rest + at, at, &in->cmd, err);
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

static int
parse_text (const char *file, const char *text, size_t len, bool triggers, struct recipe **out,
            struct oci_error *err)
{
  cleanup_recipe_source struct recipe_source *src = NULL;
  cleanup_recipe struct recipe *r = NULL;
  bool seen_from = triggers;

  if (recipe_lex (file, text, len, &src, err) < 0)
    return -1;
  r = calloc (1, sizeof (*r));
  if (r == NULL)
    return oom (err);
  r->escape = src->escape;
  r->file = steal_pointer (&src->file);
  r->syntax = steal_pointer (&src->syntax);
  if (src->lines_len)
    {
      r->v = calloc (src->lines_len, sizeof (*r->v));
      if (r->v == NULL)
        return oom (err);
    }
  for (size_t i = 0; i < src->lines_len; i++)
    {
      const struct recipe_line *l = &src->lines[i];
      struct view v = { l, l->keyword, l->pos, 0, l->rest, 0, src->escape };
      size_t k;
      /* The lexer's positions point at its copy of the name. */
      v.kwpos.file = r->file;
      for (k = 0; k < sizeof (kinds) / sizeof (kinds[0]); k++)
        if (strcasecmp (kinds[k].name, l->keyword) == 0)
          break;
      if (k == sizeof (kinds) / sizeof (kinds[0]))
        return oci_error_set (err, 0, "%s:%u:%u: unknown instruction \"%s\"", r->file,
                              l->pos.line, l->pos.column, l->keyword);
      v.kind = kinds[k].kind;
      r->len++;
      if (triggers && (v.kind == RECIPE_FROM || v.kind == RECIPE_MAINTAINER || v.kind == RECIPE_ONBUILD))
        return perr (err, &v, v.kwpos, v.kind == RECIPE_ONBUILD ? "chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"
                                                                : "%s isn't allowed as an ONBUILD trigger",
                     kinds[k].name);
      if (parse_view (&v, l->heredocs, l->heredocs_len, &r->v[i], err) < 0)
        return -1;
      if (v.kind == RECIPE_FROM)
        seen_from = true;
      else if (!seen_from && v.kind != RECIPE_ARG)
        return perr (err, &v, v.kwpos,
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
recipe_parse (const char *file, const char *text, size_t len, struct recipe **out,
              struct oci_error *err)
{
  return parse_text (file, text, len, false, out, err);
}

int
recipe_parse_triggers (const char *file, const char *text, size_t len, struct recipe **out,
                       struct oci_error *err)
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
