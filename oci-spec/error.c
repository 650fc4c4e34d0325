#include "config.h"
#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Allocation failure while building an error message leaves a static text:
 * there is nothing better to report and no memory to report it with. */
static char oom_msg[] = "out of memory while formatting an error";

/* An error is one line whatever went into it (a file name with a
 * newline, a tool's output): trailing line ends go, other control
 * characters become C escapes.  Takes msg; NULL on allocation failure. */
static char *
one_line (char *msg)
{
  size_t len, extra = 0;
  char *out, *o;

  if (msg == NULL)
    return NULL;
  len = strlen (msg);
  while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
    msg[--len] = '\0';
  for (const unsigned char *c = (const unsigned char *) msg; *c; c++)
    if (*c == '\n' || *c == '\r')
      extra += 1;
    else if ((*c < 0x20 && *c != '\t') || *c == 0x7f)
      extra += 3;
  if (extra == 0)
    return msg;
  out = malloc (len + extra + 1);
  if (out == NULL)
    {
      free (msg);
      return NULL;
    }
  o = out;
  for (const unsigned char *c = (const unsigned char *) msg; *c; c++)
    if (*c == '\n' || *c == '\r')
      {
        *o++ = '\\';
        *o++ = *c == '\n' ? 'n' : 'r';
      }
    else if ((*c < 0x20 && *c != '\t') || *c == 0x7f)
      o += sprintf (o, "\\x%02x", *c);
    else
      *o++ = (char) *c;
  *o = '\0';
  free (msg);
  return out;
}

static void
error_replace (struct oci_error *err, char *msg)
{
  msg = one_line (msg);
  if (err->msg != oom_msg)
    free (err->msg);
  err->msg = msg ? msg : oom_msg;
}

int
oci_error_vset (struct oci_error *err, int errnum, const char *fmt, va_list ap)
{
  char *body = NULL, *full = NULL;

  if (err == NULL)
    return -1;
  if (vasprintf (&body, fmt, ap) < 0)
    body = NULL;
  if (body != NULL && errnum != 0)
    {
      if (asprintf (&full, "%s: %s", body, strerror (errnum)) < 0)
        full = NULL;
      free (body);
    }
  else
    full = body;
  err->errnum = errnum;
  error_replace (err, full);
  return -1;
}

int
oci_error_set (struct oci_error *err, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  oci_error_vset (err, errnum, fmt, ap);
  va_end (ap);
  return -1;
}

int
oci_error_prefix (struct oci_error *err, const char *fmt, ...)
{
  va_list ap;
  char *ctx = NULL, *full = NULL;

  if (err == NULL)
    return -1;
  va_start (ap, fmt);
  if (vasprintf (&ctx, fmt, ap) < 0)
    ctx = NULL;
  va_end (ap);
  if (ctx != NULL && asprintf (&full, "%s: %s", ctx, oci_error_msg (err)) < 0)
    full = NULL;
  free (ctx);
  if (full != NULL)
    error_replace (err, full);
  return -1;
}

void
oci_error_clear (struct oci_error *err)
{
  if (err == NULL)
    return;
  if (err->msg != oom_msg)
    free (err->msg);
  err->msg = NULL;
  err->errnum = 0;
}
