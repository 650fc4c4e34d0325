/* Shared by the libFuzzer targets (tests/fuzz/README.md): a finding is an
 * abort () with a message, so libFuzzer saves the input. */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond, ...)                                    \
  do                                                              \
    {                                                             \
      if (!(cond))                                                \
        {                                                         \
          fprintf (stderr, "fuzz assertion failed: %s: ", #cond); \
          fprintf (stderr, __VA_ARGS__);                          \
          fputc ('\n', stderr);                                   \
          abort ();                                               \
        }                                                         \
    }                                                             \
  while (0)

/* A NUL-terminated copy of the input (the functions that take C strings). */
static inline char *
fuzz_string (const uint8_t *data, size_t size)
{
  char *s = malloc (size + 1);
  if (s == NULL)
    abort ();
  memcpy (s, data, size);
  s[size] = '\0';
  return s;
}

/* An exact-size copy (no terminator: over-reads show up under ASan). */
static inline char *
fuzz_bytes (const void *data, size_t size)
{
  char *s = malloc (size ? size : 1);
  if (s == NULL)
    abort ();
  memcpy (s, data, size);
  return s;
}

/* A document type's parse -> emit -> parse -> emit: the two emitted texts
 * are equal (prefix##_parse_text, _emit, _free as in oci-spec). */
#define FUZZ_ROUND_TRIP(prefix, T, text, size)                                                                      \
  do                                                                                                                \
    {                                                                                                               \
      struct oci_error err_ = OCI_ERROR_INIT;                                                                       \
      T *a_ = NULL, *b_ = NULL;                                                                                     \
      cleanup_free char *once_ = NULL;                                                                              \
      cleanup_free char *twice_ = NULL;                                                                             \
      size_t l1_, l2_;                                                                                              \
      if (prefix##_parse_text ("fuzz", text, size, &a_, &err_) < 0)                                                 \
        {                                                                                                           \
          FUZZ_ASSERT (oci_error_msg (&err_)[0], "an error without a message");                                     \
          oci_error_clear (&err_);                                                                                  \
          break;                                                                                                    \
        }                                                                                                           \
      FUZZ_ASSERT (prefix##_emit (a_, false, &once_, &l1_, &err_) == 0, "emit: %s", oci_error_msg (&err_));         \
      FUZZ_ASSERT (prefix##_parse_text ("again", once_, l1_, &b_, &err_) == 0, "our output does not parse: %s: %s", \
                   oci_error_msg (&err_), once_);                                                                   \
      FUZZ_ASSERT (prefix##_emit (b_, false, &twice_, &l2_, &err_) == 0, "emit again: %s", oci_error_msg (&err_));  \
      FUZZ_ASSERT (l1_ == l2_ && memcmp (once_, twice_, l1_) == 0, "round trip differs:\n%s\n%s", once_, twice_);   \
      prefix##_free (a_);                                                                                           \
      prefix##_free (b_);                                                                                           \
    }                                                                                                               \
  while (0)

#endif
