/* build --annotation and the OCI standard annotations the build sets on
 * its manifest (image-spec annotations.md): org.opencontainers.image.
 * created from --timestamp / SOURCE_DATE_EPOCH, .source and .revision from
 * --source and --revision.  --annotation [TYPE:]KEY=VALUE with TYPE
 * manifest (the default) or index, as docker buildx; the user's win over
 * the standard ones. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "exec/build.h"

int
bld_annotation_parse (const char *spec, enum bld_annotation_target *target, char **key, char **value,
                      struct oci_error *err)
{
  const char *eq = strchr (spec, '='), *k = spec, *colon;
  *key = *value = NULL;
  *target = BLD_ANNOTATION_MANIFEST;
  if (eq == NULL)
    return oci_error_set (err, 0, "--annotation %s: want [manifest:|index:]KEY=VALUE", spec);
  colon = memchr (spec, ':', eq - spec);
  if (colon)
    {
      size_t n = colon - spec;
      if (n == 8 && strncmp (spec, "manifest", 8) == 0)
        *target = BLD_ANNOTATION_MANIFEST;
      else if (n == 5 && strncmp (spec, "index", 5) == 0)
        *target = BLD_ANNOTATION_INDEX;
      else
        return oci_error_set (err, 0, "--annotation %s: \"%.*s\" is not manifest or index", spec, (int) n, spec);
      k = colon + 1;
    }
  if (k == eq)
    return oci_error_set (err, 0, "--annotation %s: empty key", spec);
  *key = strndup (k, eq - k);
  *value = strdup (eq + 1);
  if (*key == NULL || *value == NULL)
    {
      free (*key);
      free (*value);
      *key = *value = NULL;
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

int
bld_rfc3339 (int64_t t, char out[32])
{
  time_t tt = (time_t) t;
  struct tm tm;
  if (gmtime_r (&tt, &tm) == NULL || strftime (out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    return -1;
  return 0;
}

static int
map_set (struct oci_string_map *m, const char *k, const char *v, struct oci_error *err)
{
  if (oci_string_map_set (m, k, v) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  return 0;
}

int
bld_manifest_annotations (const struct bld_build_options *o, enum bld_annotation_target target,
                          struct oci_string_map *m, struct oci_error *err)
{
  char created[32];
  if (target == BLD_ANNOTATION_MANIFEST)
    {
      if (o->has_timestamp && bld_rfc3339 (o->timestamp, created) == 0
          && map_set (m, "org.opencontainers.image.created", created, err) < 0)
        return -1;
      if (o->source && map_set (m, "org.opencontainers.image.source", o->source, err) < 0)
        return -1;
      if (o->revision && map_set (m, "org.opencontainers.image.revision", o->revision, err) < 0)
        return -1;
    }
  for (size_t i = 0; i < o->annotations_len; i++)
    {
      cleanup_free char *k = NULL, *v = NULL;
      enum bld_annotation_target t;
      if (bld_annotation_parse (o->annotations[i], &t, &k, &v, err) < 0)
        return -1;
      if (t == target && map_set (m, k, v, err) < 0)
        return -1;
    }
  return 0;
}
