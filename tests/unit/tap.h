/* A minimal TAP producer for the C unit tests (automake's tap-driver.sh
 * reads it).  Each check is one test point; the plan comes last. */
#ifndef TESTS_TAP_H
#define TESTS_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

static inline bool __attribute__ ((format (printf, 4, 5)))
tap_ok (bool cond, const char *file, int line, const char *fmt, ...)
{
  va_list ap;
  printf ("%sok %d - ", cond ? "" : "not ", ++tap_count);
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  printf ("\n");
  if (!cond)
    {
      printf ("#   failed at %s:%d\n", file, line);
      tap_failed++;
    }
  fflush (stdout);
  return cond;
}

#define ok(cond, ...) tap_ok ((cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...)                                                                   \
  do                                                                                             \
    {                                                                                            \
      const char *g_ = (got), *w_ = (want);                                                      \
      if (!ok (g_ && w_ ? strcmp (g_, w_) == 0 : g_ == w_, __VA_ARGS__))                         \
        printf ("#   got:  \"%s\"\n#   want: \"%s\"\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
    }                                                                                            \
  while (0)
#define diag(...) (printf ("# "), printf (__VA_ARGS__), printf ("\n"))

static inline int
tap_done (void)
{
  printf ("1..%d\n", tap_count);
  return tap_failed ? 1 : 0;
}

#endif
