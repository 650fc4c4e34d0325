/* Scope-bound resources: declare with one of these and every return path
 * releases it.  Hand ownership on with steal_pointer / steal_fd. */
#ifndef OCI_CLEANUP_H
#define OCI_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "error.h"

static inline void
oci_freep (void *p)
{
  free (*(void **) p);
}

static inline void
oci_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}

static inline void
oci_fclosep (FILE **f)
{
  if (*f != NULL)
    fclose (*f);
}

static inline void
oci_closedirp (DIR **d)
{
  if (*d != NULL)
    closedir (*d);
}

/* A NULL-terminated array of strings. */
static inline void
oci_strvfreep (char ***v)
{
  if (*v == NULL)
    return;
  for (char **p = *v; *p; p++)
    free (*p);
  free (*v);
}

static inline void
oci_error_clearp (struct oci_error *e)
{
  oci_error_clear (e);
}

#define cleanup_free __attribute__ ((cleanup (oci_freep)))
#define cleanup_close __attribute__ ((cleanup (oci_closep)))
#define cleanup_fclose __attribute__ ((cleanup (oci_fclosep)))
#define cleanup_closedir __attribute__ ((cleanup (oci_closedirp)))
#define cleanup_strv __attribute__ ((cleanup (oci_strvfreep)))
#define cleanup_error __attribute__ ((cleanup (oci_error_clearp)))

static inline void *
oci_steal_pointer (void *pp)
{
  void **p = pp;
  void *v = *p;
  *p = NULL;
  return v;
}

static inline int
oci_steal_fd (int *fd)
{
  int v = *fd;
  *fd = -1;
  return v;
}

#define steal_pointer(pp) oci_steal_pointer (pp)
#define steal_fd(fdp) oci_steal_fd (fdp)

#endif
