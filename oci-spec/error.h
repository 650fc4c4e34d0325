/* Errors as values: a function that can fail returns 0 or -1 and fills an
 * oci_error.  Callers add context on the way up (oci_error_prefix); only a
 * CLI main prints the message, once, and picks the exit code. */
#ifndef OCI_ERROR_H
#define OCI_ERROR_H

#include <stdarg.h>

struct oci_error
{
  int errnum; /* errno of the root cause, 0 when none */
  char *msg;  /* one line, without trailing newline; NULL when no error */
};

#define OCI_ERROR_INIT \
  {                    \
    0, NULL            \
  }

/* Sets the error (replacing any previous one) and returns -1, so that
 * "return oci_error_set (err, ...)" reads naturally.  errnum != 0 appends
 * ": <strerror>". */
int oci_error_set (struct oci_error *err, int errnum, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));
int oci_error_vset (struct oci_error *err, int errnum, const char *fmt, va_list ap)
    __attribute__ ((format (printf, 3, 0)));

/* Prepends "<context>: " to the current message and returns -1. */
int oci_error_prefix (struct oci_error *err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

void oci_error_clear (struct oci_error *err);

static inline const char *
oci_error_msg (const struct oci_error *err)
{
  return err->msg ? err->msg : "unknown error";
}

#endif
