#include "config.h"
#include "exec/runtime_path.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

char *
bld_default_runtime (void)
{
  cleanup_free char *self = realpath ("/proc/self/exe", NULL);
  cleanup_free char *copy = NULL;
  const char *path = getenv ("PATH");

  if (self)
    {
      /* installed side by side, or the build tree's runc-lite/runc-lite */
      static const char *const beside[] = { "runc-lite", "../runc-lite/runc-lite" };
      const char *dir = dirname (self);
      for (size_t i = 0; i < 2; i++)
        {
          char *p = NULL;
          if (asprintf (&p, "%s/%s", dir, beside[i]) >= 0 && access (p, X_OK) == 0)
            return p;
          free (p);
        }
    }
  copy = strdup (path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (char *save = NULL, *d = copy ? strtok_r (copy, ":", &save) : NULL; d; d = strtok_r (NULL, ":", &save))
    {
      char *p = NULL;
      if (asprintf (&p, "%s/runc-lite", d) >= 0 && access (p, X_OK) == 0)
        return p;
      free (p);
    }
  return strdup ("runc-lite");
}
