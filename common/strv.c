#include "config.h"
#include "common/strv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"

int
cmn_strv_push (char ***v, size_t *len, const char *s)
{
  if (array_reserve (v, *len + 2, sizeof **v) < 0)
    {
      errno = ENOMEM;
      return -1;
    }
  (*v)[*len] = strdup (s);
  if ((*v)[*len] == NULL)
    {
      errno = ENOMEM;
      return -1;
    }
  (*v)[++*len] = NULL;
  return 0;
}

char **
cmn_strv_concat (char *const *a, size_t a_len, char *const *b, size_t b_len)
{
  char **v = calloc (a_len + b_len + 1, sizeof *v);
  if (v == NULL)
    return NULL;
  for (size_t i = 0; i < a_len + b_len; i++)
    {
      v[i] = strdup (i < a_len ? a[i] : b[i - a_len]);
      if (v[i] == NULL)
        {
          cmn_strv_free_n (v, i);
          errno = ENOMEM;
          return NULL;
        }
    }
  return v;
}

char **
cmn_strv_copy (char *const *v, size_t n)
{
  return cmn_strv_concat (v, n, NULL, 0);
}

int
cmn_strv_replace (char ***v, size_t *len, char *const *src, size_t src_n)
{
  char **copy = cmn_strv_copy (src, src_n);
  if (copy == NULL)
    return -1;
  cmn_strv_clear (v, len);
  *v = copy;
  *len = src_n;
  return 0;
}

/* The comma-separated word at *p (its length in *n), *p moved past it;
 * NULL after the last one. */
static const char *
csv_next (const char **p, size_t *n)
{
  const char *w = *p;
  if (w == NULL)
    return NULL;
  *n = strcspn (w, ",");
  *p = w[*n] ? w + *n + 1 : NULL;
  return w;
}

bool
cmn_csv_has_all (const char *list, const char *words)
{
  const char *wp = words, *w;
  size_t wn;
  while ((w = csv_next (&wp, &wn)) != NULL)
    {
      const char *lp = list, *l;
      size_t ln;
      bool found = wn == 0;
      while (!found && (l = csv_next (&lp, &ln)) != NULL)
        found = ln == wn && strncmp (l, w, wn) == 0;
      if (!found)
        return false;
    }
  return true;
}

int
cmn_strv_cmp (const void *a, const void *b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

void
cmn_strv_free_n (char **v, size_t n)
{
  if (v == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    free (v[i]);
  free (v);
}

void
cmn_strv_clear (char ***v, size_t *len)
{
  cmn_strv_free_n (*v, *len);
  *v = NULL;
  *len = 0;
}
