/* Recipe text into logical instructions; see recipe_lexer.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/array.h"
#include "cleanup.h"
#include "frontend/recipe_lexer.h"
#include "common/strbuf.h"

struct phys
{
  const char *s; /* without the line ending */
  size_t len;
};

/* A string being built together with the source position of each byte. */
struct posbuf
{
  struct strbuf b;
  unsigned *line, *column;
  size_t cap;
};

static bool
posbuf_add (struct posbuf *p, const char *s, size_t n, unsigned line, unsigned column)
{
  if (p->b.len + n + 1 > p->cap)
    {
      size_t cap = p->cap ? p->cap : 64;
      while (cap < p->b.len + n + 1)
        cap *= 2;
      unsigned *l = realloc (p->line, cap * sizeof (unsigned));
      if (l == NULL)
        return false;
      p->line = l;
      unsigned *c = realloc (p->column, cap * sizeof (unsigned));
      if (c == NULL)
        return false;
      p->column = c;
      p->cap = cap;
    }
  for (size_t i = 0; i < n; i++)
    {
      p->line[p->b.len + i] = line;
      p->column[p->b.len + i] = column + i;
    }
  strbuf_add (&p->b, s, n);
  return !p->b.failed;
}

static void
posbuf_release (struct posbuf *p)
{
  strbuf_release (&p->b);
  free (p->line);
  free (p->column);
  p->line = p->column = NULL;
}

static bool
is_hspace (char c)
{
  return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

static size_t
skip_hspace (const char *s, size_t len)
{
  size_t i = 0;
  while (i < len && is_hspace (s[i]))
    i++;
  return i;
}

static bool
is_comment (const struct phys *l)
{
  size_t i = skip_hspace (l->s, l->len);
  return i < l->len && l->s[i] == '#';
}

static bool
is_blank (const struct phys *l)
{
  return skip_hspace (l->s, l->len) == l->len;
}

/* Length of l without a trailing continuation (the escape character and
 * blanks after it), or (size_t) -1 when the line does not continue. */
static size_t
continuation_cut (const char *s, size_t len, char escape)
{
  size_t end = len;
  while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t'))
    end--;
  if (end > 0 && s[end - 1] == escape)
    return end - 1;
  return (size_t) -1;
}

/* "# key = value": the form of a parser directive.  key and value point
 * into s; false when the line is not one. */
static bool
match_directive (const char *s, size_t len, const char **key, size_t *klen, const char **value, size_t *vlen)
{
  size_t i = skip_hspace (s, len);
  if (i >= len || s[i] != '#')
    return false;
  i++;
  while (i < len && (s[i] == ' ' || s[i] == '\t'))
    i++;
  if (i >= len || !isalpha ((unsigned char) s[i]))
    return false;
  *key = s + i;
  while (i < len && isalnum ((unsigned char) s[i]))
    i++;
  *klen = s + i - *key;
  while (i < len && (s[i] == ' ' || s[i] == '\t'))
    i++;
  if (i >= len || s[i] != '=')
    return false;
  i++;
  while (i < len && (s[i] == ' ' || s[i] == '\t'))
    i++;
  size_t end = len;
  while (end > i && (s[end - 1] == ' ' || s[end - 1] == '\t'))
    end--;
  if (end == i)
    return false;
  *value = s + i;
  *vlen = end - i;
  return true;
}

bool
recipe_keyword_takes_heredocs (const char *keyword)
{
  return strcasecmp (keyword, "RUN") == 0 || strcasecmp (keyword, "COPY") == 0 || strcasecmp (keyword, "ADD") == 0;
}

struct recipe_pos
recipe_line_pos (const struct recipe_line *line, size_t offset)
{
  struct recipe_pos p = { line->pos.file, line->rest_line[offset], line->rest_column[offset] };
  return p;
}

static void
heredoc_clear (struct recipe_heredoc *h)
{
  free (h->name);
  free (h->content);
}

static void
line_clear (struct recipe_line *l)
{
  free (l->keyword);
  free (l->rest);
  free (l->rest_line);
  free (l->rest_column);
  for (size_t i = 0; i < l->heredocs_len; i++)
    heredoc_clear (&l->heredocs[i]);
  free (l->heredocs);
}

void
recipe_source_free (struct recipe_source *src)
{
  if (src == NULL)
    return;
  for (size_t i = 0; i < src->lines_len; i++)
    line_clear (&src->lines[i]);
  free (src->lines);
  free (src->file);
  free (src->syntax);
  free (src->check);
  free (src);
}

/* One raw word of s starting at *i (quotes and escapes kept), the way
 * Docker scans a line for heredoc markers.  Returns its length. */
static size_t
raw_word (const char *s, size_t *i)
{
  size_t start, j = *i;
  while (s[j] && isspace ((unsigned char) s[j]))
    j++;
  start = j;
  while (s[j] && !isspace ((unsigned char) s[j]))
    {
      if (s[j] == '\\' && s[j + 1])
        j += 2;
      else if (s[j] == '\'' || s[j] == '"')
        {
          char q = s[j++];
          while (s[j] && s[j] != q)
            j += (q == '"' && s[j] == '\\' && s[j + 1]) ? 2 : 1;
          if (s[j])
            j++;
        }
      else
        j++;
    }
  *i = start;
  return j - start;
}

static size_t
count_quotes (const char *s, size_t n)
{
  size_t c = 0;
  for (size_t i = 0; i < n; i++)
    c += s[i] == '\'' || s[i] == '"';
  return c;
}

/* If word is a heredoc marker ([N]<<[-]WORD), fills h (name allocated). */
static int
heredoc_marker (const char *w, size_t n, struct recipe_heredoc *h, bool *found)
{
  size_t i = 0;
  unsigned fd = 0;
  *found = false;
  while (i < n && isdigit ((unsigned char) w[i]))
    {
      fd = fd * 10 + (w[i] - '0');
      if (fd > 1000000)
        return 0;
      i++;
    }
  if (i + 2 > n || w[i] != '<' || w[i + 1] != '<')
    return 0;
  i += 2;
  bool chomp = i < n && w[i] == '-';
  if (chomp)
    i++;
  if (i == n || memchr (w + i, '<', n - i) != NULL)
    return 0;

  /* The name: quotes removed, backslash escapes applied. */
  cleanup_strbuf struct strbuf name = STRBUF_INIT;
  for (size_t j = i; j < n; j++)
    {
      char c = w[j];
      if (c == '\'')
        {
          for (j++; j < n && w[j] != '\''; j++)
            strbuf_addc (&name, w[j]);
        }
      else if (c == '"')
        {
          for (j++; j < n && w[j] != '"'; j++)
            {
              if (w[j] == '\\' && j + 1 < n && strchr ("\"$\\", w[j + 1]))
                j++;
              strbuf_addc (&name, w[j]);
            }
        }
      else if (c == '\\' && j + 1 < n)
        strbuf_addc (&name, w[++j]);
      else
        strbuf_addc (&name, c);
    }
  if (name.failed)
    return -1;
  if (name.len == 0)
    return 0;
  h->expand = count_quotes (name.s, name.len) == count_quotes (w + i, n - i);
  h->chomp = chomp;
  h->fd = fd;
  h->name = strbuf_steal (&name);
  if (h->name == NULL)
    return -1;
  *found = true;
  return 0;
}

static int
oom (struct oci_error *err)
{
  return oci_error_set (err, ENOMEM, "out of memory");
}

/* Reads the bodies of the heredocs named on line l from lines[*next...]. */
static int
read_heredocs (struct recipe_line *l, const struct phys *lines, size_t nlines, size_t *next, struct oci_error *err)
{
  const char *rest = l->rest;
  size_t i = 0, n;
  bool check = recipe_keyword_takes_heredocs (l->keyword);

  if (!check && strcasecmp (l->keyword, "ONBUILD") == 0)
    {
      /* ONBUILD RUN <<EOF: the trigger's keyword decides. */
      n = raw_word (rest, &i);
      cleanup_free char *kw = strndup (rest + i, n);
      if (kw == NULL)
        return oom (err);
      check = recipe_keyword_takes_heredocs (kw);
      i += n;
    }
  if (!check || strstr (rest, "<<") == NULL)
    return 0;

  while ((n = raw_word (rest, &i)) > 0)
    {
      struct recipe_heredoc h = { 0 };
      bool found;
      size_t at = i;
      if (heredoc_marker (rest + i, n, &h, &found) < 0)
        return oom (err);
      i += n;
      if (!found)
        continue;

      struct recipe_heredoc *v = realloc (l->heredocs, (l->heredocs_len + 1) * sizeof (*v));
      if (v == NULL)
        {
          heredoc_clear (&h);
          return oom (err);
        }
      l->heredocs = v;
      struct recipe_heredoc *hd = &l->heredocs[l->heredocs_len++];
      *hd = h;
      hd->line = *next + 1;

      cleanup_strbuf struct strbuf body = STRBUF_INIT;
      bool terminated = false;
      size_t name_len = strlen (hd->name);
      while (*next < nlines)
        {
          const struct phys *p = &lines[(*next)++];
          const char *s = p->s;
          size_t len = p->len;
          if (hd->chomp)
            while (len > 0 && *s == '\t')
              s++, len--;
          if (len == name_len && memcmp (s, hd->name, len) == 0)
            {
              terminated = true;
              break;
            }
          strbuf_add (&body, s, len);
          strbuf_addc (&body, '\n');
        }
      if (body.failed)
        return oom (err);
      if (!terminated)
        {
          struct recipe_pos pos = recipe_line_pos (l, at);
          return oci_error_set (err, 0, "%s:%u:%u: unterminated heredoc \"%s\"", pos.file, pos.line, pos.column,
                                hd->name);
        }
      hd->content = strbuf_steal (&body);
      if (hd->content == NULL)
        return oom (err);
      l->end_line = *next;
    }
  return 0;
}

static int
handle_directive (struct recipe_source *src, const char *key, size_t klen, const char *value, size_t vlen,
                  unsigned lineno, bool *seen_escape, bool *is_directive, struct oci_error *err)
{
  char **slot = NULL;
  *is_directive = true;
  if (klen == 6 && strncasecmp (key, "escape", 6) == 0)
    {
      if (*seen_escape)
        return oci_error_set (err, 0, "%s:%u:1: only one escape parser directive can be used", src->file, lineno);
      *seen_escape = true;
      if (vlen != 1 || (value[0] != '\\' && value[0] != '`'))
        return oci_error_set (err, 0, "%s:%u:1: invalid escape token '%.*s' (must be \\ or `)", src->file, lineno,
                              (int) vlen, value);
      src->escape = value[0];
      return 0;
    }
  if (klen == 6 && strncasecmp (key, "syntax", 6) == 0)
    slot = &src->syntax;
  else if (klen == 5 && strncasecmp (key, "check", 5) == 0)
    slot = &src->check;
  else
    {
      /* An unknown directive is a comment, and ends the directives. */
      *is_directive = false;
      return 0;
    }
  if (*slot)
    return oci_error_set (err, 0, "%s:%u:1: only one %.*s parser directive can be used", src->file, lineno,
                          (int) klen, key);
  *slot = strndup (value, vlen);
  return *slot ? 0 : oom (err);
}

#define cleanup_posbuf __attribute__ ((cleanup (posbuf_release)))

/* Physical lines, line endings (\n or \r\n) removed. */
static int
split_lines (const char *text, size_t len, size_t bom, struct phys **lines, size_t *nlines, struct oci_error *err)
{
  for (size_t i = bom; i < len;)
    {
      const char *nl = memchr (text + i, '\n', len - i);
      size_t end = nl ? (size_t) (nl - text) : len;
      size_t l = end - i;
      if (l > 0 && text[i + l - 1] == '\r')
        l--;
      if (array_reserve (lines, *nlines + 1, sizeof **lines) < 0)
        return oom (err);
      (*lines)[*nlines].s = text + i;
      (*lines)[(*nlines)++].len = l;
      i = end + 1;
    }
  return 0;
}

/* The parser directives at the top; *next is set to the first line
 * after them. */
static int
lex_directives (struct recipe_source *s, const struct phys *lines, size_t nlines, size_t *next, struct oci_error *err)
{
  bool seen_escape = false;
  while (*next < nlines)
    {
      const char *key, *value;
      size_t klen, vlen;
      bool is_directive;
      if (!match_directive (lines[*next].s, lines[*next].len, &key, &klen, &value, &vlen))
        break;
      if (handle_directive (s, key, klen, value, vlen, *next + 1, &seen_escape, &is_directive, err) < 0)
        return -1;
      if (!is_directive)
        break;
      (*next)++;
    }
  return 0;
}

/* The physical lines of one instruction from lines[*next] on, joined at
 * its continuations into pb with every byte's position, plus a position
 * one past the end (*endl, *endc) for messages about missing words. */
static int
join_instruction (const struct phys *lines, size_t nlines, size_t *next, char escape, struct posbuf *pb,
                  unsigned *endl, unsigned *endc, struct oci_error *err)
{
  const struct phys *first = &lines[*next];
  size_t lead = skip_hspace (first->s, first->len);
  const char *seg = first->s + lead;
  size_t seglen = first->len - lead;
  unsigned segline = *next + 1, segcol = lead + 1;
  (*next)++;
  for (;;)
    {
      size_t cut = continuation_cut (seg, seglen, escape);
      bool more = cut != (size_t) -1;
      if (!posbuf_add (pb, seg, more ? cut : seglen, segline, segcol))
        return oom (err);
      if (!more)
        break;
      /* Comment lines and empty lines inside a continuation vanish. */
      while (*next < nlines && (is_comment (&lines[*next]) || is_blank (&lines[*next])))
        (*next)++;
      if (*next >= nlines)
        break;
      seg = lines[*next].s;
      seglen = lines[*next].len;
      segline = *next + 1;
      segcol = 1;
      (*next)++;
    }
  *endl = pb->b.len ? pb->line[pb->b.len - 1] : segline;
  *endc = pb->b.len ? pb->column[pb->b.len - 1] + 1 : segcol;
  if (!posbuf_add (pb, "", 0, *endl, *endc))
    return oom (err);
  pb->line[pb->b.len] = *endl;
  pb->column[pb->b.len] = *endc;
  return 0;
}

/* A logical line of s from the joined text: the keyword, then the rest
 * trimmed of blanks on both sides, with their positions. */
static int
add_line (struct recipe_source *s, const struct posbuf *pb, unsigned endl, unsigned endc, struct recipe_line **out,
          struct oci_error *err)
{
  const char *j = pb->b.s;
  size_t kw = 0;
  while (kw < pb->b.len && !is_hspace (j[kw]))
    kw++;
  size_t rs = kw + skip_hspace (j + kw, pb->b.len - kw);
  size_t re = pb->b.len;
  while (re > rs && is_hspace (j[re - 1]))
    re--;

  if (array_reserve (&s->lines, s->lines_len + 1, sizeof *s->lines) < 0)
    return oom (err);
  struct recipe_line *l = &s->lines[s->lines_len++];
  memset (l, 0, sizeof (*l));
  l->keyword = strndup (j, kw);
  l->rest = strndup (j + rs, re - rs);
  l->rest_line = malloc ((re - rs + 1) * sizeof (unsigned));
  l->rest_column = malloc ((re - rs + 1) * sizeof (unsigned));
  l->pos.file = s->file;
  l->pos.line = pb->line[0];
  l->pos.column = pb->column[0];
  if (!l->keyword || !l->rest || !l->rest_line || !l->rest_column)
    return oom (err);
  memcpy (l->rest_line, pb->line + rs, (re - rs) * sizeof (unsigned));
  memcpy (l->rest_column, pb->column + rs, (re - rs) * sizeof (unsigned));
  /* One past the end: right after the last byte. */
  l->rest_line[re - rs] = re > rs ? pb->line[re - 1] : endl;
  l->rest_column[re - rs] = re > rs ? pb->column[re - 1] + 1 : endc;
  *out = l;
  return 0;
}

int
recipe_lex (const char *file, const char *text, size_t len, struct recipe_source **out, struct oci_error *err)
{
  cleanup_free struct phys *lines = NULL;
  size_t nlines = 0, next = 0;

  if (memchr (text, '\0', len))
    return oci_error_set (err, 0, "%s: NUL byte in recipe", file);
  size_t bom = len >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
  if (split_lines (text, len, bom, &lines, &nlines, err) < 0)
    return -1;

  cleanup_recipe_source struct recipe_source *s = calloc (1, sizeof (*s));
  if (s == NULL)
    return oom (err);
  s->escape = '\\';
  s->file = strdup (file);
  if (s->file == NULL)
    return oom (err);
  if (lex_directives (s, lines, nlines, &next, err) < 0)
    return -1;

  while (next < nlines)
    {
      if (is_blank (&lines[next]) || is_comment (&lines[next]))
        {
          next++;
          continue;
        }
      cleanup_posbuf struct posbuf pb = { STRBUF_INIT, NULL, NULL, 0 };
      struct recipe_line *l = NULL;
      unsigned endl = 0, endc = 0;
      if (join_instruction (lines, nlines, &next, s->escape, &pb, &endl, &endc, err) < 0
          || add_line (s, &pb, endl, endc, &l, err) < 0)
        return -1;
      l->end_line = next;
      if (read_heredocs (l, lines, nlines, &next, err) < 0)
        return -1;
    }

  *out = steal_pointer (&s);
  return 0;
}
