#include "config.h"
#include "common/fs.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

char *
cmn_readlinkat (int dirfd, const char *name)
{
  size_t size = 128;
  for (;;)
    {
      char *buf = malloc (size);
      ssize_t n;
      if (buf == NULL)
        return NULL;
      n = readlinkat (dirfd, name, buf, size);
      if (n < 0)
        {
          int saved = errno;
          free (buf);
          errno = saved;
          return NULL;
        }
      if ((size_t) n < size)
        {
          buf[n] = '\0';
          return buf;
        }
      free (buf);
      size *= 2;
    }
}
