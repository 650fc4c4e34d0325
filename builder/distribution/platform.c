/* Platforms in image-spec terms: the host's, the command line's, an
 * index's entries. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "cleanup.h"
#include "fileutil.h"
#include "distribution/platform.h"
#include "image/store.h"

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

void
bld_platform_clear (struct bld_platform *p)
{
  free (p->os);
  free (p->arch);
  free (p->variant);
  free (p->text);
  memset (p, 0, sizeof *p);
}

static int
platform_set (struct bld_platform *p, const char *os, const char *arch, const char *variant, struct oci_error *err)
{
  memset (p, 0, sizeof *p);
  if ((p->os = strdup (os)) == NULL || (p->arch = strdup (arch)) == NULL
      || (variant && (p->variant = strdup (variant)) == NULL)
      || asprintf (&p->text, "%s/%s%s%s", os, arch, variant ? "/" : "", variant ? variant : "") < 0)
    {
      p->text = NULL;
      bld_platform_clear (p);
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

int
bld_platform_parse (const char *s, struct bld_platform *out, struct oci_error *err)
{
  cleanup_free char *copy = strdup (s);
  if (copy == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  char *arch = strchr (copy, '/');
  char *variant = arch ? strchr (arch + 1, '/') : NULL;
  if (arch)
    *arch++ = '\0';
  if (variant)
    *variant++ = '\0';
  if (arch == NULL || *copy == '\0' || *arch == '\0' || (variant && (*variant == '\0' || strchr (variant, '/'))))
    return oci_error_set (err, 0, "platform \"%s\": want OS/ARCH[/VARIANT], as linux/arm64", s);
  const char *a = arch, *v = variant;
  if (strcmp (a, "x86_64") == 0 || strcmp (a, "x86-64") == 0)
    a = "amd64";
  else if (strcmp (a, "aarch64") == 0)
    a = "arm64";
  if (strcmp (a, "arm64") == 0 && v && strcmp (v, "v8") == 0)
    v = NULL;
  if (v == NULL && strcmp (a, "arm") == 0)
    v = "v7";
  return platform_set (out, copy, a, v, err);
}

int
bld_platform_host (struct bld_platform *out, struct oci_error *err)
{
  const char *arch, *variant;
  bld_host_platform (&arch, &variant);
  /* arm64's v8 is no variant on the command line either */
  return platform_set (out, "linux", arch, strcmp (arch, "arm64") == 0 ? NULL : variant, err);
}

bool
bld_platform_is_host (const struct bld_platform *p)
{
  const char *arch, *variant;
  bld_host_platform (&arch, &variant);
  return strcmp (p->os, "linux") == 0 && strcmp (p->arch, arch) == 0;
}

bool
bld_platform_matches (const struct bld_platform *p, const char *os, const char *arch, const char *variant)
{
  return os && arch && strcmp (os, p->os) == 0 && strcmp (arch, p->arch) == 0
         && (variant == NULL || p->variant == NULL || strcmp (variant, p->variant) == 0);
}

bool
bld_is_index_media_type (const char *mt)
{
  return mt && (strcmp (mt, OCI_MEDIA_TYPE_IMAGE_INDEX) == 0 || strcmp (mt, DOCKER_MEDIA_TYPE_MANIFEST_LIST) == 0);
}

int
bld_platform_pick (const struct oci_image_index *idx, const struct bld_platform *want, const char *what,
                   size_t *which, struct oci_error *err)
{
  struct bld_platform host = { 0 };
  if (want == NULL)
    {
      const char *arch, *variant;
      bld_host_platform (&arch, &variant);
      if (platform_set (&host, "linux", arch, variant, err) < 0)
        return -1;
      want = &host;
    }
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < idx->manifests_len; i++)
      {
        const struct oci_image_platform *pl = idx->manifests[i].platform;
        if (pl == NULL || !bld_platform_matches (want, pl->os, pl->architecture, NULL)
            || bld_is_index_media_type (idx->manifests[i].media_type))
          continue;
        /* First pass: the variant must match when both have one. */
        if (pass == 0 && !bld_platform_matches (want, pl->os, pl->architecture, pl->variant))
          continue;
        *which = i;
        bld_platform_clear (&host);
        return 0;
      }
  oci_error_set (err, 0, "%s: no manifest for %s in the index", what, want->text);
  bld_platform_clear (&host);
  return -1;
}

static int
descriptor_dup (const struct oci_image_descriptor *d, struct oci_image_descriptor **out, struct oci_error *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  if (oci_image_descriptor_emit (d, false, &text, &len, err) < 0)
    return -1;
  return oci_image_descriptor_parse_text ("descriptor", text, len, out, err);
}

/* An image manifest of another platform than want is refused. */
static int
check_manifest_platform (struct bld_store *s, const struct oci_image_descriptor *d, const struct bld_platform *want,
                         const char *ref, struct oci_error *err)
{
  cleanup_image_manifest struct oci_image_manifest *m = NULL;
  cleanup_image_config struct oci_image_config *c = NULL;
  if (bld_store_read_manifest (s, d, &m, err) < 0 || bld_store_read_config (s, m->config, &c, err) < 0)
    return -1;
  if (bld_platform_matches (want, c->os, c->architecture, c->variant))
    return 0;
  return oci_error_set (err, 0, "%s: the image is %s/%s%s%s, not %s (and not an index of platforms)", ref,
                        c->os ? c->os : "?", c->architecture ? c->architecture : "?", c->variant ? "/" : "",
                        c->variant ? c->variant : "", want->text);
}

int
bld_platform_resolve (struct bld_store *s, const char *ref, const struct bld_platform *want,
                      struct oci_image_descriptor **out, struct oci_error *err)
{
  cleanup_image_descriptor struct oci_image_descriptor *d = NULL;
  if (bld_store_resolve (s, ref, &d, err) < 0)
    return -1;
  return bld_platform_manifest (s, d, ref, want, out, err);
}

int
bld_platform_manifest (struct bld_store *s, const struct oci_image_descriptor *desc, const char *ref,
                       const struct bld_platform *want, struct oci_image_descriptor **out, struct oci_error *err)
{
  cleanup_image_descriptor struct oci_image_descriptor *d = NULL;
  if (descriptor_dup (desc, &d, err) < 0)
    return -1;
  for (int depth = 0; bld_is_index_media_type (d->media_type); depth++)
    {
      cleanup_free char *text = NULL;
      cleanup_image_index struct oci_image_index *idx = NULL;
      struct oci_image_descriptor *child = NULL;
      size_t len, i;
      if (depth == 8)
        return oci_error_set (err, 0, "%s: indexes nested too deep", ref);
      if (bld_store_read_blob (s, d->digest, OCI_JSON_FILE_MAX, &text, &len, err) < 0
          || oci_image_index_parse_text (d->digest, text, len, &idx, err) < 0
          || bld_platform_pick (idx, want, ref, &i, err) < 0 || descriptor_dup (&idx->manifests[i], &child, err) < 0)
        return -1;
      oci_image_descriptor_free (d);
      d = child;
    }
  if (want && check_manifest_platform (s, d, want, ref, err) < 0)
    return -1;
  *out = steal_pointer (&d);
  return 0;
}
