/* Docker's word processing; see recipe_expand.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "frontend/recipe_expand.h"
#include "common/strbuf.h"

struct lex
{
  const char *s;
  size_t i;
  char escape;
  recipe_lookup_fn lookup;
  void *data;
  struct oci_error *err;
  /* Word splitting (recipe_expand_words): finished words, and whether the
   * current one has begun. */
  bool split;
  char **words;
  size_t nwords;
  bool in_word;
  /* ${...} nesting, and bytes added by expansions so far. */
  unsigned depth;
  size_t produced;
};

bool
recipe_kind_expands (enum recipe_kind kind)
{
  switch (kind)
    {
    case RECIPE_ADD:
    case RECIPE_ARG:
    case RECIPE_COPY:
    case RECIPE_ENV:
    case RECIPE_EXPOSE:
    case RECIPE_FROM:
    case RECIPE_LABEL:
    case RECIPE_STOPSIGNAL:
    case RECIPE_USER:
    case RECIPE_VOLUME:
    case RECIPE_WORKDIR:
      return true;
    default:
      return false;
    }
}

static int
oom (struct oci_error *err)
{
  return oci_error_set (err, ENOMEM, "out of memory");
}

static int process (struct lex *x, char stop, struct strbuf *out);
static int too_long (struct oci_error *err);

static int
end_word (struct lex *x, struct strbuf *cur)
{
  if (!x->in_word)
    return 0;
  char **v = realloc (x->words, (x->nwords + 2) * sizeof (char *));
  if (v == NULL)
    return oom (x->err);
  x->words = v;
  v[x->nwords] = strdup (cur->s ? cur->s : "");
  if (v[x->nwords] == NULL)
    return oom (x->err);
  v[++x->nwords] = NULL;
  cur->len = 0;
  if (cur->s)
    cur->s[0] = '\0';
  x->in_word = false;
  return 0;
}

/* Adds expanded text; unquoted when splitting: blanks break words. */
static int
add_value (struct lex *x, struct strbuf *out, const char *v, bool quoted)
{
  size_t n = strlen (v);
  if (n > RECIPE_EXPAND_MAX_BYTES - x->produced)
    return too_long (x->err);
  x->produced += n;
  if (!x->split || quoted)
    {
      strbuf_adds (out, v);
      if (x->split)
        x->in_word = true;
      return 0;
    }
  for (; *v; v++)
    {
      if (isspace ((unsigned char) *v))
        {
          if (end_word (x, out) < 0)
            return -1;
          continue;
        }
      strbuf_addc (out, *v);
      x->in_word = true;
    }
  return 0;
}

static size_t
name_len (const char *s)
{
  size_t n = 0;
  if (isdigit ((unsigned char) s[0]))
    {
      while (isdigit ((unsigned char) s[n]))
        n++;
      return n;
    }
  if (s[0] && strchr ("@*#?-$!0", s[0]))
    return 1;
  while (isalnum ((unsigned char) s[n]) || s[n] == '_')
    n++;
  return n;
}

/* ---- glob patterns for #, %, / ----
 * fnmatch () semantics (no flags; the C locale), matched by an NFA over
 * the pattern's elements: each run is O(length x elements), never
 * exponential as a backtracking matcher can be, and every step counts
 * against RECIPE_EXPAND_MAX_PATTERN_STEPS. */

enum glob_kind
{
  G_CHAR,
  G_ANY,
  G_STAR,
  G_SET,
};

struct glob_elem
{
  enum glob_kind kind;
  unsigned char c;
  unsigned char set[32]; /* G_SET: a bit per byte value */
};

struct glob
{
  struct glob_elem *e;
  size_t n;
  bool *cur, *next; /* n + 1 states each */
  size_t steps;
};

static void
glob_clear (struct glob *g)
{
  free (g->e);
  free (g->cur);
  free (g->next);
}

#define cleanup_glob __attribute__ ((cleanup (glob_clear)))

static void
bits_add (unsigned char *set, unsigned char c)
{
  set[c >> 3] |= (unsigned char) (1u << (c & 7));
}

static bool
bits_has (const unsigned char *set, unsigned char c)
{
  return set[c >> 3] & (1u << (c & 7));
}

static const struct
{
  const char *name;
  int (*fn) (int);
} char_classes[] = {
  { "alnum", isalnum }, { "alpha", isalpha }, { "blank", isblank }, { "cntrl", iscntrl },
  { "digit", isdigit }, { "graph", isgraph }, { "lower", islower }, { "print", isprint },
  { "punct", ispunct }, { "space", isspace }, { "upper", isupper }, { "xdigit", isxdigit },
};

/* A bracket expression starting at p[i] (after the '['): fills e and
 * returns the index after its ']', or 0 when it is not terminated (the '['
 * is then an ordinary character, as for fnmatch). */
static size_t
parse_bracket (const char *p, size_t i, struct glob_elem *e)
{
  bool neg = p[i] == '!' || p[i] == '^';
  memset (e->set, 0, sizeof e->set);
  e->kind = G_SET;
  if (neg)
    i++;
  for (bool first = true; p[i]; first = false)
    {
      unsigned char c = (unsigned char) p[i];
      if (c == ']' && !first)
        {
          if (neg)
            for (size_t k = 0; k < sizeof e->set; k++)
              e->set[k] = (unsigned char) ~e->set[k];
          return i + 1;
        }
      if (c == '[' && p[i + 1] == ':')
        {
          const char *end = strstr (p + i + 2, ":]");
          if (end)
            {
              size_t n = (size_t) (end - (p + i + 2));
              for (size_t k = 0; k < sizeof char_classes / sizeof char_classes[0]; k++)
                if (strlen (char_classes[k].name) == n && strncmp (char_classes[k].name, p + i + 2, n) == 0)
                  for (unsigned v = 1; v < 256; v++)
                    if (char_classes[k].fn ((int) v))
                      bits_add (e->set, (unsigned char) v);
              i = (size_t) (end - p) + 2;
              continue;
            }
        }
      if (c == '\\' && p[i + 1])
        c = (unsigned char) p[++i];
      i++;
      if (p[i] == '-' && p[i + 1] && p[i + 1] != ']')
        {
          size_t at = i + 1;
          if (p[at] == '\\' && p[at + 1])
            at++;
          for (unsigned v = c; v <= (unsigned char) p[at]; v++)
            bits_add (e->set, (unsigned char) v);
          i = at + 1;
          continue;
        }
      bits_add (e->set, c);
    }
  return 0;
}

/* reversed: the elements in reverse order, to match suffixes against the
 * reversed value. */
static int
glob_compile (const char *pat, bool reversed, struct glob *g)
{
  size_t len = strlen (pat);
  g->e = calloc (len + 1, sizeof *g->e);
  g->cur = calloc (len + 2, sizeof (bool));
  g->next = calloc (len + 2, sizeof (bool));
  if (g->e == NULL || g->cur == NULL || g->next == NULL)
    return -1;
  for (size_t i = 0; pat[i];)
    {
      struct glob_elem *e = &g->e[g->n];
      size_t j;
      if (pat[i] == '*')
        {
          i++;
          if (g->n && g->e[g->n - 1].kind == G_STAR)
            continue;
          e->kind = G_STAR;
        }
      else if (pat[i] == '?')
        {
          e->kind = G_ANY;
          i++;
        }
      else if (pat[i] == '[' && (j = parse_bracket (pat, i + 1, e)) != 0)
        i = j;
      else
        {
          if (pat[i] == '\\' && pat[i + 1])
            i++;
          e->kind = G_CHAR;
          e->c = (unsigned char) pat[i++];
        }
      g->n++;
    }
  for (size_t a = 0, b = g->n; reversed && b > a + 1; a++, b--)
    {
      struct glob_elem t = g->e[a];
      g->e[a] = g->e[b - 1];
      g->e[b - 1] = t;
    }
  return 0;
}

/* A star also lets the state after it in without consuming anything. */
static void
glob_close (const struct glob *g, bool *st)
{
  for (size_t p = 0; p < g->n; p++)
    if (st[p] && g->e[p].kind == G_STAR)
      st[p + 1] = true;
}

/* The shortest (or longest) k >= min_len such that s[0..k) matches, -1 if
 * none, -2 past the step budget. */
static ssize_t
glob_prefix (struct glob *g, const char *s, size_t len, size_t min_len, bool longest)
{
  size_t m = g->n;
  bool *cur = g->cur, *next = g->next;
  ssize_t best = -1;
  memset (cur, 0, m + 1);
  cur[0] = true;
  glob_close (g, cur);
  for (size_t k = 0;; k++)
    {
      if (cur[m] && k >= min_len)
        {
          best = (ssize_t) k;
          if (!longest)
            break;
        }
      if (k == len)
        break;
      g->steps += m + 1;
      if (g->steps > RECIPE_EXPAND_MAX_PATTERN_STEPS)
        return -2;
      unsigned char c = (unsigned char) s[k];
      bool alive = false;
      memset (next, 0, m + 1);
      for (size_t p = 0; p < m; p++)
        {
          if (!cur[p])
            continue;
          const struct glob_elem *e = &g->e[p];
          if (e->kind == G_STAR)
            next[p] = true;
          else if (e->kind == G_ANY || (e->kind == G_CHAR && e->c == c) || (e->kind == G_SET && bits_has (e->set, c)))
            next[p + 1] = true;
          else
            continue;
          alive = true;
        }
      if (!alive)
        break;
      glob_close (g, next);
      bool *t = cur;
      cur = next;
      next = t;
    }
  return best;
}

static int
pattern_too_costly (struct oci_error *err, const char *pat, size_t len)
{
  return oci_error_set (err, 0, "pattern \"%s\" on a value of %zu bytes needs more than %u matching steps", pat, len,
                        RECIPE_EXPAND_MAX_PATTERN_STEPS);
}

static int
too_long (struct oci_error *err)
{
  return oci_error_set (err, 0, "the expansion gives more than %u bytes", RECIPE_EXPAND_MAX_BYTES);
}

/* ${NAME#pat} and friends: removes the shortest/longest matching prefix
 * or suffix. */
static int
remove_pattern (const char *value, const char *pat, bool suffix, bool longest, char **out, struct oci_error *err)
{
  size_t len = strlen (value);
  cleanup_glob struct glob g = { 0 };
  cleanup_free char *rev = NULL;
  if (glob_compile (pat, suffix, &g) < 0)
    return oom (err);
  if (suffix)
    {
      if ((rev = malloc (len + 1)) == NULL)
        return oom (err);
      for (size_t i = 0; i < len; i++)
        rev[i] = value[len - 1 - i];
      rev[len] = '\0';
    }
  ssize_t k = glob_prefix (&g, suffix ? rev : value, len, 0, longest);
  if (k == -2)
    return pattern_too_costly (err, pat, len);
  if (k < 0)
    *out = strdup (value);
  else
    *out = suffix ? strndup (value, len - (size_t) k) : strdup (value + k);
  return *out ? 0 : oom (err);
}

/* ${NAME/pat/repl}: the longest match at the first position that matches. */
static int
replace_pattern (const char *value, const char *pat, const char *repl, bool all, char **out, struct oci_error *err)
{
  size_t len = strlen (value);
  cleanup_glob struct glob g = { 0 };
  cleanup_strbuf struct strbuf b = STRBUF_INIT;
  size_t i = 0;
  if (glob_compile (pat, false, &g) < 0)
    return oom (err);
  while (i <= len)
    {
      ssize_t k = glob_prefix (&g, value + i, len - i, 1, true);
      if (k == -2)
        return pattern_too_costly (err, pat, len);
      if (k < 0 && g.n && g.e[0].kind == G_STAR)
        {
          /* a match from a later position would be one from here too */
          strbuf_adds (&b, value + i);
          break;
        }
      if (k < 0)
        {
          if (i < len)
            strbuf_addc (&b, value[i]);
          i++;
          continue;
        }
      strbuf_adds (&b, repl);
      i += (size_t) k;
      if (b.len > RECIPE_EXPAND_MAX_BYTES)
        return too_long (err);
      if (!all)
        {
          strbuf_adds (&b, value + i);
          break;
        }
    }
  if ((*out = strbuf_steal (&b)) == NULL)
    return oom (err);
  return 0;
}

static int
dollar (struct lex *x, struct strbuf *out, bool quoted)
{
  const char *s = x->s;
  x->i++; /* the $ */
  if (s[x->i] != '{')
    {
      size_t n = name_len (s + x->i);
      if (n == 0)
        return add_value (x, out, "$", true);
      cleanup_free char *name = strndup (s + x->i, n);
      if (name == NULL)
        return oom (x->err);
      x->i += n;
      const char *v = x->lookup (name, x->data);
      return add_value (x, out, v ? v : "", quoted);
    }
  x->i++;
  if (s[x->i] == '\0')
    return oci_error_set (x->err, 0, "syntax error: missing '}'");
  if (s[x->i] == '{' || s[x->i] == '}' || s[x->i] == ':')
    return oci_error_set (x->err, 0, "syntax error: bad substitution");
  size_t n = name_len (s + x->i);
  cleanup_free char *name = strndup (s + x->i, n);
  if (name == NULL)
    return oom (x->err);
  x->i += n;
  char op = s[x->i];
  if (op == '\0')
    return oci_error_set (x->err, 0, "syntax error: missing '}'");
  x->i++;
  const char *v = x->lookup (name, x->data);
  if (op == '}')
    return add_value (x, out, v ? v : "", quoted);

  bool colon = op == ':';
  if (colon)
    {
      op = s[x->i];
      if (op == '\0')
        return oci_error_set (x->err, 0, "syntax error: missing '}'");
      x->i++;
      if (op != '-' && op != '+' && op != '?')
        return oci_error_set (x->err, 0, "unsupported modifier (%c) in substitution", op);
    }
  bool twice = false;
  if ((op == '#' || op == '%' || op == '/') && s[x->i] == op)
    {
      twice = true;
      x->i++;
    }
  if (!strchr ("-+?#%/", op))
    return oci_error_set (x->err, 0, "unsupported modifier (%c) in substitution", op);

  /* The word after the operator, expanded, never split. */
  struct lex sub = *x;
  sub.split = false;
  if (++sub.depth > RECIPE_EXPAND_MAX_DEPTH)
    return oci_error_set (x->err, 0, "variable expansions nested deeper than %u levels", RECIPE_EXPAND_MAX_DEPTH);
  cleanup_strbuf struct strbuf word = STRBUF_INIT;
  cleanup_strbuf struct strbuf repl = STRBUF_INIT;
  if (process (&sub, op == '/' ? '/' : '}', &word) < 0)
    return -1;
  if (op == '/' && s[sub.i - 1] == '/' && process (&sub, '}', &repl) < 0)
    return -1;
  x->i = sub.i;
  if (word.failed || repl.failed)
    return oom (x->err);
  const char *w = word.s ? word.s : "";
  bool set = v != NULL, nonempty = v && *v;
  bool test = colon ? nonempty : set;

  switch (op)
    {
    case '-':
      return add_value (x, out, test ? v : w, quoted);
    case '+':
      return add_value (x, out, test ? w : "", quoted);
    case '?':
      if (!set)
        return oci_error_set (x->err, 0, "%s: %s", name, *w ? w : "is not allowed to be unset");
      if (colon && !nonempty)
        return oci_error_set (x->err, 0, "%s: %s", name, *w ? w : "is not allowed to be empty");
      return add_value (x, out, v, quoted);
    default:
      {
        cleanup_free char *r = NULL;
        if ((op == '/' ? replace_pattern (v ? v : "", w, repl.s ? repl.s : "", twice, &r, x->err)
                       : remove_pattern (v ? v : "", w, op == '%', twice, &r, x->err))
            < 0)
          return -1;
        return add_value (x, out, r, quoted);
      }
    }
}

static int
process (struct lex *x, char stop, struct strbuf *out)
{
  const char *s = x->s;
  while (s[x->i])
    {
      char c = s[x->i];
      if (stop && c == stop)
        {
          x->i++;
          return 0;
        }
      if (c == '\'')
        {
          size_t j = x->i + 1;
          while (s[j] && s[j] != '\'')
            j++;
          if (!s[j])
            return oci_error_set (x->err, 0, "unexpected end of statement while looking for matching single-quote");
          strbuf_add (out, s + x->i + 1, j - x->i - 1);
          x->in_word = true;
          x->i = j + 1;
        }
      else if (c == '"')
        {
          x->i++;
          x->in_word = true;
          for (;;)
            {
              char d = s[x->i];
              if (d == '\0')
                return oci_error_set (x->err, 0,
                                      "unexpected end of statement while looking for matching double-quote");
              if (d == '"')
                {
                  x->i++;
                  break;
                }
              if (d == '$')
                {
                  if (dollar (x, out, true) < 0)
                    return -1;
                  continue;
                }
              if (d == x->escape)
                {
                  char e = s[x->i + 1];
                  if (e == '\0')
                    {
                      x->i++;
                      continue;
                    }
                  if (e == '"' || e == '$' || e == x->escape)
                    {
                      strbuf_addc (out, e);
                      x->i += 2;
                      continue;
                    }
                }
              strbuf_addc (out, d);
              x->i++;
            }
        }
      else if (c == '$')
        {
          if (dollar (x, out, false) < 0)
            return -1;
        }
      else if (c == x->escape)
        {
          if (s[x->i + 1])
            {
              strbuf_addc (out, s[x->i + 1]);
              x->in_word = true;
            }
          x->i += s[x->i + 1] ? 2 : 1;
        }
      else if (x->split && isspace ((unsigned char) c))
        {
          if (end_word (x, out) < 0)
            return -1;
          x->i++;
        }
      else
        {
          strbuf_addc (out, c);
          x->in_word = true;
          x->i++;
        }
    }
  if (stop)
    return oci_error_set (x->err, 0, "syntax error: missing '%c'", stop);
  return 0;
}

int
recipe_expand_word (const char *word, char escape, recipe_lookup_fn lookup, void *data, char **out,
                    struct oci_error *err)
{
  struct lex x = { word, 0, escape, lookup, data, err, false, NULL, 0, false, 0, 0 };
  cleanup_strbuf struct strbuf b = STRBUF_INIT;
  if (process (&x, 0, &b) < 0)
    return -1;
  *out = strbuf_steal (&b);
  return *out ? 0 : oom (err);
}

int
recipe_expand_words (const char *text, char escape, recipe_lookup_fn lookup, void *data, char ***out, size_t *n,
                     struct oci_error *err)
{
  struct lex x = { text, 0, escape, lookup, data, err, true, NULL, 0, false, 0, 0 };
  cleanup_strbuf struct strbuf b = STRBUF_INIT;
  int r = process (&x, 0, &b);
  if (r == 0 && b.failed)
    r = oom (err);
  if (r == 0)
    r = end_word (&x, &b);
  if (r == 0 && x.words == NULL)
    {
      x.words = calloc (1, sizeof (char *));
      if (x.words == NULL)
        r = oom (err);
    }
  if (r < 0)
    {
      for (size_t i = 0; i < x.nwords; i++)
        free (x.words[i]);
      free (x.words);
      return -1;
    }
  *out = x.words;
  *n = x.nwords;
  return 0;
}
