/* The image spec tables: see image.h.  Field order follows the spec's
 * examples and the reference Go structs, so emitted documents look like the
 * ones other tools write. */
#include "config.h"
#include "image.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "digest.h"

/* Table helpers the generic ones lack. */
#define DIGEST_EXPECT "a digest <algorithm>:<encoded> (sha256: 64 lowercase hex digits)"
#define F_DIGEST_REQ(T, j, m) F_STRING_CHECKED_REQ (T, j, m, oci_digest_is_valid, DIGEST_EXPECT)
/* Read when absent (docker omits an empty rootfs.diff_ids), always
 * written, as [] when empty. */
#define F_DIGESTS_ALWAYS(T, j, m)                                                                    \
  {                                                                                                  \
    .name = j, .kind = BIND_STRINGS, .offset = offsetof (T, m), .aux_offset = offsetof (T, m##_len), \
    .emit_empty = true, .string_ok = oci_digest_is_valid, .string_expect = DIGEST_EXPECT             \
  }
#define MEDIA_TYPE_EXPECT "a media type type/subtype (RFC 6838)"
#define F_MEDIA_TYPE(T, j, m) F_STRING_CHECKED (T, j, m, oci_media_type_is_valid, MEDIA_TYPE_EXPECT)
#define F_MEDIA_TYPE_REQ(T, j, m) F_STRING_CHECKED_REQ (T, j, m, oci_media_type_is_valid, MEDIA_TYPE_EXPECT)

/* "<path>.<member>", or just the member at the root. */
static int
member_error (struct oci_error *err, const char *path, const char *member)
{
  return oci_error_prefix (err, "%s%s%s", path, *path ? "." : "", member);
}

/* ---- media types ---- */

static bool
is_alnum (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 6838 section 4.2 restricted-name: an alphanumeric, then up to 126 of
 * [A-Za-z0-9!#$&^_.+-].  Returns where the name ends, NULL if s starts with
 * none. */
static const char *
restricted_name_end (const char *s)
{
  size_t n;

  if (!is_alnum (*s))
    return NULL;
  for (n = 1; is_alnum (s[n]) || (s[n] != '\0' && strchr ("!#$&^_.+-", s[n]) != NULL); n++)
    if (n > 126)
      return NULL;
  return s + n;
}

bool
oci_media_type_is_valid (const char *s)
{
  const char *end = restricted_name_end (s);
  if (end == NULL || *end != '/')
    return false;
  end = restricted_name_end (end + 1);
  return end != NULL && *end == '\0';
}

/* ---- base64 ---- */

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
b64_value (char c)
{
  const char *p = c ? strchr (b64_alphabet, c) : NULL;
  return p ? (int) (p - b64_alphabet) : -1;
}

int
oci_base64_decode (const char *s, unsigned char **out, size_t *len, struct oci_error *err)
{
  size_t n = strlen (s), pad = 0, o = 0;
  cleanup_free unsigned char *buf = NULL;

  *out = NULL;
  if (n % 4 != 0)
    return oci_error_set (err, 0, "invalid base64: length %zu is not a multiple of 4", n);
  if (n >= 1 && s[n - 1] == '=')
    pad++;
  if (n >= 2 && s[n - 2] == '=')
    pad++;
  buf = malloc (n / 4 * 3 + 1);
  if (buf == NULL)
    return oci_error_set (err, ENOMEM, "base64");
  for (size_t i = 0; i < n; i += 4)
    {
      uint32_t v = 0;
      size_t last = i + 4 == n ? pad : 0;
      for (size_t k = 0; k < 4; k++)
        {
          int d;
          if (k >= 4 - last)
            {
              v <<= 6;
              continue;
            }
          d = b64_value (s[i + k]);
          if (d < 0)
            return oci_error_set (err, 0, "invalid base64: unexpected character at offset %zu", i + k);
          v = (v << 6) | (uint32_t) d;
        }
      if ((last == 1 && (v & 0xff) != 0) || (last == 2 && (v & 0xffff) != 0))
        return oci_error_set (err, 0, "invalid base64: non-zero padding bits");
      buf[o++] = (unsigned char) (v >> 16);
      if (last < 2)
        buf[o++] = (unsigned char) (v >> 8);
      if (last < 1)
        buf[o++] = (unsigned char) v;
    }
  buf[o] = '\0';
  *out = steal_pointer (&buf);
  *len = o;
  return 0;
}

char *
oci_base64_encode (const void *data, size_t len)
{
  const unsigned char *p = data;
  char *out = malloc ((len + 2) / 3 * 4 + 1), *o = out;

  if (out == NULL)
    return NULL;
  for (size_t i = 0; i < len; i += 3)
    {
      uint32_t v = (uint32_t) p[i] << 16;
      if (i + 1 < len)
        v |= (uint32_t) p[i + 1] << 8;
      if (i + 2 < len)
        v |= p[i + 2];
      *o++ = b64_alphabet[(v >> 18) & 63];
      *o++ = b64_alphabet[(v >> 12) & 63];
      *o++ = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
      *o++ = i + 2 < len ? b64_alphabet[v & 63] : '=';
    }
  *o = '\0';
  return out;
}

/* ---- descriptor ---- */

static const struct bind_field platform_fields[] = {
  F_STRING_REQ (struct oci_image_platform, "architecture", architecture),
  F_STRING_REQ (struct oci_image_platform, "os", os),
  F_STRING (struct oci_image_platform, "os.version", os_version),
  F_STRINGS (struct oci_image_platform, "os.features", os_features),
  F_STRING (struct oci_image_platform, "variant", variant),
  F_STRINGS (struct oci_image_platform, "features", features),
};
BIND_TYPE (oci_image_platform_type, struct oci_image_platform, platform_fields, NULL);

/* Embedded data must be the content itself (descriptor.md, "data"). */
static int
check_descriptor (const void *obj, const char *path, struct oci_error *err)
{
  const struct oci_image_descriptor *d = obj;
  cleanup_free unsigned char *data = NULL;
  size_t len;

  if (d->data == NULL)
    return 0;
  if (oci_base64_decode (d->data, &data, &len, err) < 0)
    return member_error (err, path, "data");
  if ((uint64_t) len != (uint64_t) d->size)
    {
      oci_error_set (err, 0, "decodes to %zu bytes, but size is %" PRId64, len, d->size);
      return member_error (err, path, "data");
    }
  if (oci_digest_verify_buffer (d->digest, data, len, err) < 0)
    return member_error (err, path, "data");
  return 0;
}

static const struct bind_field descriptor_fields[] = {
  F_MEDIA_TYPE_REQ (struct oci_image_descriptor, "mediaType", media_type),
  F_DIGEST_REQ (struct oci_image_descriptor, "digest", digest),
  F_INT_RANGE_REQ (struct oci_image_descriptor, "size", size, 0, INT64_MAX),
  F_STRINGS (struct oci_image_descriptor, "urls", urls),
  F_STRING_MAP (struct oci_image_descriptor, "annotations", annotations),
  F_STRING (struct oci_image_descriptor, "data", data),
  F_STRUCT (struct oci_image_descriptor, "platform", platform, oci_image_platform_type),
  F_MEDIA_TYPE (struct oci_image_descriptor, "artifactType", artifact_type),
};
BIND_TYPE (oci_image_descriptor_type, struct oci_image_descriptor, descriptor_fields, check_descriptor);

/* ---- manifest ---- */

/* Docker's schema 2 media types are accepted too: the documents have the
 * same shape (media-types.md, "Compatibility Matrix"). */
static const char *const manifest_media_types[] = { OCI_MEDIA_TYPE_IMAGE_MANIFEST, DOCKER_MEDIA_TYPE_MANIFEST, NULL };
static const char *const index_media_types[] = { OCI_MEDIA_TYPE_IMAGE_INDEX, DOCKER_MEDIA_TYPE_MANIFEST_LIST, NULL };

/* manifest.md: artifactType "MUST be set when config.mediaType is set to
 * the empty value". */
static int
check_manifest (const void *obj, const char *path, struct oci_error *err)
{
  const struct oci_image_manifest *m = obj;

  if (m->artifact_type == NULL && m->config && strcmp (m->config->media_type, OCI_MEDIA_TYPE_EMPTY_JSON) == 0)
    {
      oci_error_set (err, 0, "required when config.mediaType is %s", OCI_MEDIA_TYPE_EMPTY_JSON);
      return member_error (err, path, "artifactType");
    }
  return 0;
}

static const struct bind_field manifest_fields[] = {
  F_INT_RANGE_REQ (struct oci_image_manifest, "schemaVersion", schema_version, 2, 2),
  F_ENUM (struct oci_image_manifest, "mediaType", media_type, manifest_media_types),
  F_MEDIA_TYPE (struct oci_image_manifest, "artifactType", artifact_type),
  F_STRUCT_REQ (struct oci_image_manifest, "config", config, oci_image_descriptor_type),
  F_STRUCTS_REQ (struct oci_image_manifest, "layers", layers, oci_image_descriptor_type),
  F_STRUCT (struct oci_image_manifest, "subject", subject, oci_image_descriptor_type),
  F_STRING_MAP (struct oci_image_manifest, "annotations", annotations),
};
BIND_TYPE (oci_image_manifest_type, struct oci_image_manifest, manifest_fields, check_manifest);

/* ---- index ---- */

static const struct bind_field index_fields[] = {
  F_INT_RANGE_REQ (struct oci_image_index, "schemaVersion", schema_version, 2, 2),
  F_ENUM (struct oci_image_index, "mediaType", media_type, index_media_types),
  F_MEDIA_TYPE (struct oci_image_index, "artifactType", artifact_type),
  F_STRUCTS_REQ (struct oci_image_index, "manifests", manifests, oci_image_descriptor_type),
  F_STRUCT (struct oci_image_index, "subject", subject, oci_image_descriptor_type),
  F_STRING_MAP (struct oci_image_index, "annotations", annotations),
};
BIND_TYPE (oci_image_index_type, struct oci_image_index, index_fields, NULL);

/* ---- image config ---- */

static const struct bind_field healthcheck_fields[] = {
  F_STRINGS (struct oci_image_healthcheck, "Test", test),
  F_INT (struct oci_image_healthcheck, "Interval", interval),
  F_INT (struct oci_image_healthcheck, "Timeout", timeout),
  F_INT (struct oci_image_healthcheck, "StartPeriod", start_period),
  F_INT (struct oci_image_healthcheck, "StartInterval", start_interval),
  F_INT (struct oci_image_healthcheck, "Retries", retries),
};
static BIND_TYPE (healthcheck_type, struct oci_image_healthcheck, healthcheck_fields, NULL);

static const struct bind_field exec_config_fields[] = {
  F_STRING (struct oci_image_exec_config, "User", user),
  F_SET (struct oci_image_exec_config, "ExposedPorts", exposed_ports),
  F_STRINGS (struct oci_image_exec_config, "Env", env),
  F_STRINGS (struct oci_image_exec_config, "Entrypoint", entrypoint),
  F_STRINGS (struct oci_image_exec_config, "Cmd", cmd),
  F_SET (struct oci_image_exec_config, "Volumes", volumes),
  F_STRING (struct oci_image_exec_config, "WorkingDir", working_dir),
  F_STRING_MAP (struct oci_image_exec_config, "Labels", labels),
  F_STRING (struct oci_image_exec_config, "StopSignal", stop_signal),
  F_BOOL (struct oci_image_exec_config, "ArgsEscaped", args_escaped),
  F_STRUCT (struct oci_image_exec_config, "Healthcheck", healthcheck, healthcheck_type),
  F_STRINGS (struct oci_image_exec_config, "OnBuild", on_build),
  F_STRINGS (struct oci_image_exec_config, "Shell", shell),
};
static BIND_TYPE (exec_config_type, struct oci_image_exec_config, exec_config_fields, NULL);

static const char *const rootfs_types[] = { "layers", NULL };

static const struct bind_field rootfs_fields[] = {
  F_ENUM_REQ (struct oci_image_rootfs, "type", type, rootfs_types),
  F_DIGESTS_ALWAYS (struct oci_image_rootfs, "diff_ids", diff_ids),
};
static BIND_TYPE (rootfs_type, struct oci_image_rootfs, rootfs_fields, NULL);

static const struct bind_field history_fields[] = {
  F_STRING (struct oci_image_history, "created", created),
  F_STRING (struct oci_image_history, "created_by", created_by),
  F_STRING (struct oci_image_history, "author", author),
  F_STRING (struct oci_image_history, "comment", comment),
  F_BOOL (struct oci_image_history, "empty_layer", empty_layer),
};
static BIND_TYPE (history_type, struct oci_image_history, history_fields, NULL);

static const struct bind_field config_fields[] = {
  F_STRING (struct oci_image_config, "created", created),
  F_STRING (struct oci_image_config, "author", author),
  F_STRING_REQ (struct oci_image_config, "architecture", architecture),
  F_STRING_REQ (struct oci_image_config, "os", os),
  F_STRING (struct oci_image_config, "os.version", os_version),
  F_STRINGS (struct oci_image_config, "os.features", os_features),
  F_STRING (struct oci_image_config, "variant", variant),
  F_STRUCT (struct oci_image_config, "config", config, exec_config_type),
  F_STRUCT_REQ (struct oci_image_config, "rootfs", rootfs, rootfs_type),
  F_STRUCTS (struct oci_image_config, "history", history, history_type),
};
BIND_TYPE (oci_image_config_type, struct oci_image_config, config_fields, NULL);

/* ---- oci-layout ---- */

static const struct bind_field layout_fields[] = {
  F_STRING_REQ (struct oci_image_layout, "imageLayoutVersion", image_layout_version),
};
BIND_TYPE (oci_image_layout_type, struct oci_image_layout, layout_fields, NULL);

/* ---- document functions ---- */

BIND_DOCUMENT_FUNCTIONS (oci_image_descriptor, struct oci_image_descriptor, oci_image_descriptor_type)
BIND_DOCUMENT_FUNCTIONS (oci_image_manifest, struct oci_image_manifest, oci_image_manifest_type)
BIND_DOCUMENT_FUNCTIONS (oci_image_index, struct oci_image_index, oci_image_index_type)
BIND_DOCUMENT_FUNCTIONS (oci_image_config, struct oci_image_config, oci_image_config_type)
BIND_DOCUMENT_FUNCTIONS (oci_image_layout, struct oci_image_layout, oci_image_layout_type)
