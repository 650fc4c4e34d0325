/* Docker's word processing; see recipe_expand.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "recipe_expand.h"
#include "strbuf.h"

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

/* ${NAME#pat} and friends: removes the shortest/longest matching prefix
 * or suffix. */
static char *
remove_pattern (const char *value, const char *pat, bool suffix, bool longest)
{
  size_t len = strlen (value);
  cleanup_free char *tmp = strdup (value);
  if (tmp == NULL)
    return NULL;
  for (size_t step = 0; step <= len; step++)
    {
      size_t k = longest ? len - step : step;
      if (!suffix)
        {
          char c = tmp[k];
          tmp[k] = '\0';
          bool m = fnmatch (pat, tmp, 0) == 0;
          tmp[k] = c;
          if (m)
            return strdup (value + k);
        }
      else
        {
          size_t start = len - k;
          if (fnmatch (pat, value + start, 0) == 0)
            return strndup (value, start);
        }
    }
  return strdup (value);
}

/* ${NAME/pat/repl}: the longest match at the first position that matches. */
static char *
replace_pattern (const char *value, const char *pat, const char *repl, bool all)
{
  size_t len = strlen (value);
  cleanup_free char *tmp = strdup (value);
  struct strbuf out = STRBUF_INIT;
  size_t i = 0;
  if (tmp == NULL)
    return NULL;
  while (i <= len)
    {
      size_t found = (size_t) -1;
      for (size_t j = len; j > i && found == (size_t) -1; j--)
        {
          char c = tmp[j];
          tmp[j] = '\0';
          if (fnmatch (pat, tmp + i, 0) == 0)
            found = j;
          tmp[j] = c;
        }
      if (found == (size_t) -1)
        {
          if (i < len)
            strbuf_addc (&out, value[i]);
          i++;
          continue;
        }
      strbuf_adds (&out, repl);
      i = found;
      if (!all)
        {
          strbuf_adds (&out, value + i);
          break;
        }
    }
  return strbuf_steal (&out);
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
        if (op == '/')
          r = replace_pattern (v ? v : "", w, repl.s ? repl.s : "", twice);
        else
          r = remove_pattern (v ? v : "", w, op == '%', twice);
        if (r == NULL)
          return oom (x->err);
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
            return oci_error_set (x->err, 0,
                                  "unexpected end of statement while looking for matching single-quote");
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
recipe_expand_word (const char *word, char escape, recipe_lookup_fn lookup, void *data,
                    char **out, struct oci_error *err)
{
  struct lex x = { word, 0, escape, lookup, data, err, false, NULL, 0, false };
  cleanup_strbuf struct strbuf b = STRBUF_INIT;
  if (process (&x, 0, &b) < 0)
    return -1;
  *out = strbuf_steal (&b);
  return *out ? 0 : oom (err);
}

int
recipe_expand_words (const char *text, char escape, recipe_lookup_fn lookup, void *data,
                     char ***out, size_t *n, struct oci_error *err)
{
  struct lex x = { text, 0, escape, lookup, data, err, true, NULL, 0, false };
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
