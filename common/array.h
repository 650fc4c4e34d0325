/* Arrays extended one element at a time (an instruction, a key=value, a
 * step) without a capacity of their own. */
#ifndef COMMON_ARRAY_H
#define COMMON_ARRAY_H

#include <malloc.h>
#include <stddef.h>
#include <stdlib.h>

/* Room for n elements of size sz at *pp (a malloc'd array or NULL),
 * growing by half again: linear whatever realloc does (glibc's often
 * grows in place, ASan's never does).  The room is read from the
 * allocation itself, so arrays others allocated to the exact size work
 * too.  -1 when out of memory (*pp unchanged). */
static inline int
array_reserve (void *pp, size_t n, size_t sz)
{
  void **p = pp;
  if (*p && malloc_usable_size (*p) >= n * sz)
    return 0;
  void *q = realloc (*p, (n < 8 ? 8 : n + n / 2) * sz);
  if (q == NULL)
    return -1;
  *p = q;
  return 0;
}

#endif
