/* The .dockerignore matcher; see ignore.h.  Patterns become POSIX
 * extended regular expressions anchored at both ends. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"
#include "frontend/ignore.h"
#include "common/strbuf.h"

#define IGNORE_FILE_MAX (4u * 1024 * 1024)

struct ignore_rule
{
  char *pattern; /* cleaned, without the '!' */
  bool exception;
  regex_t re;
};

struct ignore
{
  struct ignore_rule *rules;
  size_t len;
};

char *
ignore_clean_path (const char *path)
{
  size_t n = strlen (path);
  bool rooted = n > 0 && path[0] == '/';
  cleanup_free char *out = malloc (n + 2);
  size_t w = 0, dotdot = 0, r = 0;
  if (out == NULL)
    return NULL;
  if (rooted)
    {
      out[w++] = '/';
      r = dotdot = 1;
    }
  while (r < n)
    {
      if (path[r] == '/')
        r++;
      else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/'))
        r++;
      else if (path[r] == '.' && path[r + 1] == '.' && (r + 2 == n || path[r + 2] == '/'))
        {
          r += 2;
          if (w > dotdot)
            {
              w--;
              while (w > dotdot && out[w] != '/')
                w--;
            }
          else if (!rooted)
            {
              if (w > 0)
                out[w++] = '/';
              out[w++] = '.';
              out[w++] = '.';
              dotdot = w;
            }
        }
      else
        {
          if ((rooted && w != 1) || (!rooted && w != 0))
            out[w++] = '/';
          for (; r < n && path[r] != '/'; r++)
            out[w++] = path[r];
        }
    }
  if (w == 0)
    out[w++] = '.';
  out[w] = '\0';
  return steal_pointer (&out);
}

/* The regular expression for a cleaned pattern. */
static char *
pattern_regex (const char *p)
{
  struct strbuf b = STRBUF_INIT;
  strbuf_addc (&b, '^');
  for (size_t i = 0; p[i]; i++)
    {
      char c = p[i];
      if (c == '*' && p[i + 1] == '*')
        {
          i++;
          if (p[i + 1] == '/')
            i++;
          if (p[i + 1] == '\0')
            strbuf_adds (&b, ".*");
          else
            strbuf_adds (&b, "(.*/)?");
        }
      else if (c == '*')
        strbuf_adds (&b, "[^/]*");
      else if (c == '?')
        strbuf_adds (&b, "[^/]");
      else if (c == '[')
        {
          /* A class is copied through; "[!" is the glob negation. */
          size_t j = i + 1;
          if (p[j] == '!' || p[j] == '^')
            j++;
          if (p[j] == ']')
            j++;
          while (p[j] && p[j] != ']')
            j++;
          if (!p[j])
            {
              strbuf_release (&b);
              errno = EINVAL;
              return NULL;
            }
          strbuf_addc (&b, '[');
          size_t k = i + 1;
          if (p[k] == '!' || p[k] == '^')
            {
              strbuf_addc (&b, '^');
              k++;
            }
          strbuf_add (&b, p + k, j - k + 1);
          i = j;
        }
      else if (c == '\\' && p[i + 1])
        {
          strbuf_addc (&b, '\\');
          strbuf_addc (&b, p[++i]);
        }
      else if (strchr (".+()|{}^$\\", c))
        {
          strbuf_addc (&b, '\\');
          strbuf_addc (&b, c);
        }
      else
        strbuf_addc (&b, c);
    }
  strbuf_addc (&b, '$');
  char *s = strbuf_steal (&b);
  if (s == NULL)
    errno = ENOMEM;
  return s;
}

void
ignore_free (struct ignore *ig)
{
  if (ig == NULL)
    return;
  for (size_t i = 0; i < ig->len; i++)
    {
      free (ig->rules[i].pattern);
      regfree (&ig->rules[i].re);
    }
  free (ig->rules);
  free (ig);
}

static int
add_rule (struct ignore *ig, const char *what, unsigned lineno, const char *text, size_t n, struct oci_error *err)
{
  bool exception = false;
  while (n && (*text == ' ' || *text == '\t'))
    text++, n--;
  while (n && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r'))
    n--;
  if (n == 0)
    return 0;
  if (*text == '!')
    {
      exception = true;
      text++, n--;
      while (n && (*text == ' ' || *text == '\t'))
        text++, n--;
    }
  cleanup_free char *raw = strndup (text, n);
  if (raw == NULL)
    return oci_error_set (err, ENOMEM, "%s", what);
  cleanup_free char *clean = ignore_clean_path (raw);
  if (clean == NULL)
    return oci_error_set (err, ENOMEM, "%s", what);
  char *p = clean;
  if (p[0] == '/' && p[1])
    p++;
  cleanup_free char *re = pattern_regex (p);
  if (re == NULL)
    return oci_error_set (err, errno == EINVAL ? 0 : errno, "%s:%u: invalid pattern \"%s\"%s", what, lineno, raw,
                          errno == EINVAL ? ": unterminated [" : "");
  struct ignore_rule *v = realloc (ig->rules, (ig->len + 1) * sizeof (*v));
  if (v == NULL)
    return oci_error_set (err, ENOMEM, "%s", what);
  ig->rules = v;
  struct ignore_rule *r = &v[ig->len];
  if (regcomp (&r->re, re, REG_EXTENDED | REG_NOSUB) != 0)
    return oci_error_set (err, 0, "%s:%u: invalid pattern \"%s\"", what, lineno, raw);
  r->exception = exception;
  r->pattern = strdup (p);
  ig->len++;
  if (r->pattern == NULL)
    return oci_error_set (err, ENOMEM, "%s", what);
  return 0;
}

int
ignore_parse (const char *what, const char *text, size_t len, struct ignore **out, struct oci_error *err)
{
  struct ignore *ig = calloc (1, sizeof (*ig));
  unsigned lineno = 0;
  if (ig == NULL)
    return oci_error_set (err, ENOMEM, "%s", what);
  if (len >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0)
    text += 3, len -= 3;
  for (size_t i = 0; i < len;)
    {
      const char *nl = memchr (text + i, '\n', len - i);
      size_t end = nl ? (size_t) (nl - text) : len;
      lineno++;
      /* A comment is a '#' in the first column, as Docker reads it. */
      if (text[i] != '#' && add_rule (ig, what, lineno, text + i, end - i, err) < 0)
        {
          ignore_free (ig);
          return -1;
        }
      i = end + 1;
    }
  *out = ig;
  return 0;
}

int
ignore_load (const char *path, struct ignore **out, struct oci_error *err)
{
  cleanup_free char *text = NULL;
  size_t len = 0;
  if (access (path, F_OK) < 0 && errno == ENOENT)
    return ignore_parse (path, "", 0, out, err);
  if (oci_read_file (path, IGNORE_FILE_MAX, &text, &len, err) < 0)
    return -1;
  return ignore_parse (path, text, len, out, err);
}

int
ignore_load_context (const char *context, struct ignore **out, struct oci_error *err)
{
  static const char *const names[] = { ".builderignore", ".containerignore", ".dockerignore" };
  cleanup_free char *path = NULL;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    {
      free (path);
      if (asprintf (&path, "%s/%s", context, names[i]) < 0)
        {
          path = NULL;
          return oci_error_set (err, ENOMEM, "out of memory");
        }
      if (faccessat (AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        break;
    }
  return ignore_load (path, out, err);
}

size_t
ignore_count (const struct ignore *ig)
{
  return ig->len;
}

const char *
ignore_pattern (const struct ignore *ig, size_t i)
{
  return i < ig->len ? ig->rules[i].pattern : NULL;
}

int
ignore_match (const struct ignore *ig, const char *relpath, bool *excluded)
{
  cleanup_free char *path = ignore_clean_path (relpath);
  bool matched = false;
  if (path == NULL)
    return -1;
  const char *p = path;
  while (*p == '/')
    p++;
  size_t plen = strlen (p);

  for (size_t i = 0; i < ig->len; i++)
    {
      const struct ignore_rule *r = &ig->rules[i];
      /* An exception can only change an excluded path, and the reverse. */
      if (r->exception != matched)
        continue;
      bool m = regexec (&r->re, p, 0, NULL, 0) == 0;
      /* Or one of the parent directories matches. */
      for (size_t k = 0; !m && k < plen; k++)
        if (p[k] == '/')
          {
            cleanup_free char *parent = strndup (p, k);
            if (parent == NULL)
              return -1;
            m = regexec (&r->re, parent, 0, NULL, 0) == 0;
          }
      if (m)
        matched = !r->exception;
    }
  *excluded = matched;
  return 0;
}
