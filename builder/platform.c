/* The host's platform in image-spec terms. */
#include "config.h"

#include <string.h>
#include <sys/utsname.h>

#include "platform.h"

/* The image-spec (Go) names of the host's architecture. */
void
bld_host_platform (const char **arch, const char **variant)
{
  static struct utsname u;
  static const struct
  {
    const char *machine, *arch, *variant;
  } map[] = {
    { "x86_64", "amd64", NULL }, { "aarch64", "arm64", "v8" }, { "armv7l", "arm", "v7" },
    { "armv6l", "arm", "v6" },   { "i386", "386", NULL },     { "i686", "386", NULL },
    { "ppc64le", "ppc64le", NULL }, { "s390x", "s390x", NULL }, { "riscv64", "riscv64", NULL },
    { "mips64", "mips64", NULL }, { "loongarch64", "loong64", NULL },
  };
  *variant = NULL;
  *arch = "unknown";
  if (uname (&u) < 0)
    return;
  *arch = u.machine;
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp (u.machine, map[i].machine) == 0)
      {
        *arch = map[i].arch;
        *variant = map[i].variant;
        return;
      }
}
