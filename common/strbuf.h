/* A growable string (the recipe front end, overlay options, request
 * bodies).  Allocation failure is sticky: appends after it do nothing
 * and the `failed` member (strbuf_steal's NULL) reports it, so a caller
 * checks once, at the end. */
#ifndef COMMON_STRBUF_H
#define COMMON_STRBUF_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct strbuf
{
  char *s;
  size_t len, cap;
  bool failed;
};

#define STRBUF_INIT   \
  {                   \
    NULL, 0, 0, false \
  }

static inline bool
strbuf_grow (struct strbuf *b, size_t more)
{
  if (b->failed)
    return false;
  if (b->len + more + 1 <= b->cap)
    return true;
  size_t cap = b->cap ? b->cap : 32;
  while (cap < b->len + more + 1)
    cap *= 2;
  char *s = realloc (b->s, cap);
  if (s == NULL)
    {
      b->failed = true;
      return false;
    }
  b->s = s;
  b->cap = cap;
  return true;
}

static inline void
strbuf_add (struct strbuf *b, const char *s, size_t n)
{
  if (!strbuf_grow (b, n))
    return;
  memcpy (b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static inline void
strbuf_addc (struct strbuf *b, char c)
{
  strbuf_add (b, &c, 1);
}

static inline void
strbuf_adds (struct strbuf *b, const char *s)
{
  strbuf_add (b, s, strlen (s));
}

static inline void
strbuf_release (struct strbuf *b)
{
  free (b->s);
  b->s = NULL;
  b->len = b->cap = 0;
}

/* Hands the string over (an empty string, never NULL, unless allocation
 * failed). */
static inline char *
strbuf_steal (struct strbuf *b)
{
  if (!strbuf_grow (b, 0))
    {
      strbuf_release (b);
      return NULL;
    }
  /* The first allocation happens here when nothing was appended. */
  b->s[b->len] = '\0';
  char *s = b->s;
  b->s = NULL;
  b->len = b->cap = 0;
  return s;
}

static inline void
strbuf_releasep (struct strbuf *b)
{
  free (b->s);
}

#define cleanup_strbuf __attribute__ ((cleanup (strbuf_releasep)))

#endif
