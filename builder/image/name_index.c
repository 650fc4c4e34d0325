/* See name_index.h. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/name_index.h"

static size_t
name_len (const char *e, enum name_index_form form)
{
  if (form == NAME_INDEX_KEY)
    return strlen (e);
  const char *eq = strchr (e, '=');
  return eq ? (size_t) (eq - e) : strlen (e);
}

/* FNV-1a */
static size_t
hash (const char *s, size_t n)
{
  uint64_t h = 14695981039346656037u;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char) s[i]) * 1099511628211u;
  return (size_t) h;
}

static void
insert (struct name_index *ix, char *const *arr, size_t pos, enum name_index_form form)
{
  size_t n = name_len (arr[pos], form);
  size_t i = hash (arr[pos], n) & (ix->cap - 1);
  while (ix->slots[i])
    {
      const char *e = arr[ix->slots[i] - 1];
      if (name_len (e, form) == n && memcmp (e, arr[pos], n) == 0)
        {
          if (ix->last_wins)
            ix->slots[i] = pos + 1;
          return;
        }
      i = (i + 1) & (ix->cap - 1);
    }
  ix->slots[i] = pos + 1;
}

static int
rebuild (struct name_index *ix, char *const *arr, size_t len, enum name_index_form form)
{
  size_t cap = 16;
  while (cap < 2 * len + 2)
    cap *= 2;
  size_t *slots = calloc (cap, sizeof *slots);
  if (slots == NULL)
    return -1;
  free (ix->slots);
  ix->slots = slots;
  ix->cap = cap;
  for (size_t i = 0; i < len; i++)
    insert (ix, arr, i, form);
  ix->arr = arr;
  ix->n = len;
  return 0;
}

int
name_index_update (struct name_index *ix, char *const *arr, size_t len, enum name_index_form form)
{
  if (ix->slots == NULL || len < ix->n || 2 * len + 2 > ix->cap)
    return rebuild (ix, arr, len, form);
  ix->arr = arr;
  for (; ix->n < len; ix->n++)
    insert (ix, arr, ix->n, form);
  return 0;
}

long
name_index_find (struct name_index *ix, char *const *arr, size_t len, enum name_index_form form, const char *name)
{
  if (ix->slots == NULL || ix->arr != arr || len < ix->n)
    {
      if (rebuild (ix, arr, len, form) < 0)
        return -2;
    }
  else if (ix->n < len && name_index_update (ix, arr, len, form) < 0)
    return -2;
  size_t n = strlen (name);
  for (size_t i = hash (name, n) & (ix->cap - 1); ix->slots[i]; i = (i + 1) & (ix->cap - 1))
    {
      const char *e = arr[ix->slots[i] - 1];
      if (name_len (e, form) == n && memcmp (e, name, n) == 0)
        return (long) (ix->slots[i] - 1);
    }
  return -1;
}

void
name_index_clear (struct name_index *ix)
{
  free (ix->slots);
  *ix = (struct name_index) { .last_wins = ix->last_wins };
}
