/* The host's platform in image-spec terms. */
#include "config.h"

#include <string.h>
#include <sys/utsname.h>

#include "distribution/platform.h"

/* The image-spec (Go) names of the host's architecture. */
void
bld_host_platform (const char **arch, const char **variant)
{
  static struct utsname u;
  static const struct
  {
    const char *machine, *arch, *variant;
  } map[] = {
    { "x86_64", "amd64", NULL },
    { "aarch64", "arm64", "v8" },
    { "armv7l", "arm", "v7" },
    { "armv6l", "arm", "v6" },
    { "i386", "386", NULL },
    { "i686", "386", NULL },
    { "ppc64le", "ppc64le", NULL },
    { "s390x", "s390x", NULL },
    { "riscv64", "riscv64", NULL },
    { "mips64", "mips64", NULL },
    { "loongarch64", "loong64", NULL },
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

bool
bld_is_index_media_type (const char *mt)
{
  return mt && (strcmp (mt, OCI_MEDIA_TYPE_IMAGE_INDEX) == 0 || strcmp (mt, DOCKER_MEDIA_TYPE_MANIFEST_LIST) == 0);
}

int
bld_platform_pick (const struct oci_image_index *idx, const char *what, size_t *which, struct oci_error *err)
{
  const char *arch, *variant;

  bld_host_platform (&arch, &variant);
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < idx->manifests_len; i++)
      {
        const struct oci_image_platform *pl = idx->manifests[i].platform;
        if (pl == NULL || pl->os == NULL || pl->architecture == NULL || strcmp (pl->os, "linux") != 0
            || strcmp (pl->architecture, arch) != 0 || bld_is_index_media_type (idx->manifests[i].media_type))
          continue;
        /* First pass: the variant must match when both have one. */
        if (pass == 0 && pl->variant && variant && strcmp (pl->variant, variant) != 0)
          continue;
        *which = i;
        return 0;
      }
  return oci_error_set (err, 0, "%s: no manifest for linux/%s in the index", what, arch);
}
