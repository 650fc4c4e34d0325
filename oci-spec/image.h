/* The OCI image spec documents (image-spec: descriptor.md, manifest.md,
 * image-index.md, config.md, image-layout.md) as C structs, bound to JSON
 * by the tables in image.c (see bind.h for the struct conventions).
 *
 * Emission is deterministic: fields in the spec's (Go struct) order, map
 * keys sorted, compact unless pretty printing is asked for, so the same
 * content always has the same digest. */
#ifndef OCI_IMAGE_H
#define OCI_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bind.h"
#include "error.h"

/* ---- media types (media-types.md) ---- */
#define OCI_MEDIA_TYPE_DESCRIPTOR "application/vnd.oci.descriptor.v1+json"
#define OCI_MEDIA_TYPE_LAYOUT_HEADER "application/vnd.oci.layout.header.v1+json"
#define OCI_MEDIA_TYPE_IMAGE_INDEX "application/vnd.oci.image.index.v1+json"
#define OCI_MEDIA_TYPE_IMAGE_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_MEDIA_TYPE_IMAGE_CONFIG "application/vnd.oci.image.config.v1+json"
#define OCI_MEDIA_TYPE_IMAGE_LAYER "application/vnd.oci.image.layer.v1.tar"
#define OCI_MEDIA_TYPE_IMAGE_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define OCI_MEDIA_TYPE_IMAGE_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define OCI_MEDIA_TYPE_EMPTY_JSON "application/vnd.oci.empty.v1+json"
/* Deprecated: non-distributable layers. */
#define OCI_MEDIA_TYPE_IMAGE_LAYER_NONDISTRIBUTABLE "application/vnd.oci.image.layer.nondistributable.v1.tar"
#define OCI_MEDIA_TYPE_IMAGE_LAYER_NONDISTRIBUTABLE_GZIP \
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define OCI_MEDIA_TYPE_IMAGE_LAYER_NONDISTRIBUTABLE_ZSTD \
  "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"

/* Docker image manifest v2 schema 2, for interoperability. */
#define DOCKER_MEDIA_TYPE_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_MEDIA_TYPE_MANIFEST_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define DOCKER_MEDIA_TYPE_IMAGE_CONFIG "application/vnd.docker.container.image.v1+json"
#define DOCKER_MEDIA_TYPE_LAYER "application/vnd.docker.image.rootfs.diff.tar"
#define DOCKER_MEDIA_TYPE_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define DOCKER_MEDIA_TYPE_LAYER_FOREIGN_GZIP "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

/* The empty JSON blob "{}" (manifest.md, "Guidance for an Empty
 * Descriptor"). */
#define OCI_EMPTY_JSON_DIGEST "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define OCI_EMPTY_JSON_SIZE 2
#define OCI_EMPTY_JSON_DATA "e30="

/* ---- pre-defined annotation keys (annotations.md) ---- */
#define OCI_ANNOTATION_CREATED "org.opencontainers.image.created"
#define OCI_ANNOTATION_AUTHORS "org.opencontainers.image.authors"
#define OCI_ANNOTATION_URL "org.opencontainers.image.url"
#define OCI_ANNOTATION_DOCUMENTATION "org.opencontainers.image.documentation"
#define OCI_ANNOTATION_SOURCE "org.opencontainers.image.source"
#define OCI_ANNOTATION_VERSION "org.opencontainers.image.version"
#define OCI_ANNOTATION_REVISION "org.opencontainers.image.revision"
#define OCI_ANNOTATION_VENDOR "org.opencontainers.image.vendor"
#define OCI_ANNOTATION_LICENSES "org.opencontainers.image.licenses"
#define OCI_ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"
#define OCI_ANNOTATION_TITLE "org.opencontainers.image.title"
#define OCI_ANNOTATION_DESCRIPTION "org.opencontainers.image.description"
#define OCI_ANNOTATION_BASE_DIGEST "org.opencontainers.image.base.digest"
#define OCI_ANNOTATION_BASE_NAME "org.opencontainers.image.base.name"

/* The layout version this code writes (image-layout.md). */
#define OCI_IMAGE_LAYOUT_VERSION "1.0.0"

/* ---- types ---- */

struct oci_image_platform
{
  char *architecture; /* required */
  char *os;           /* required */
  char *os_version;   /* "os.version" */
  char **os_features; /* "os.features" */
  size_t os_features_len;
  char *variant;
  char **features; /* reserved */
  size_t features_len;
};

struct oci_image_descriptor
{
  char *media_type; /* required */
  char *digest;     /* required, a valid digest */
  int64_t size;     /* required, >= 0 */
  bool has_size;
  char **urls;
  size_t urls_len;
  struct oci_string_map annotations;
  char *data; /* base64; when present it must decode to size bytes of digest */
  struct oci_image_platform *platform;
  char *artifact_type;
};

struct oci_image_manifest
{
  int32_t schema_version; /* required, 2 */
  bool has_schema_version;
  char *media_type;
  char *artifact_type;
  struct oci_image_descriptor *config; /* required */
  struct oci_image_descriptor *layers; /* required */
  size_t layers_len;
  struct oci_image_descriptor *subject;
  struct oci_string_map annotations;
};

struct oci_image_index
{
  int32_t schema_version; /* required, 2 */
  bool has_schema_version;
  char *media_type;
  char *artifact_type;
  struct oci_image_descriptor *manifests; /* required, may be empty */
  size_t manifests_len;
  struct oci_image_descriptor *subject;
  struct oci_string_map annotations;
};

/* Docker's HEALTHCHECK, as docker and BuildKit write it; durations in
 * nanoseconds. */
struct oci_image_healthcheck
{
  char **test;
  size_t test_len;
  int64_t interval;
  bool has_interval;
  int64_t timeout;
  bool has_timeout;
  int64_t start_period;
  bool has_start_period;
  int64_t start_interval;
  bool has_start_interval;
  int64_t retries;
  bool has_retries;
};

/* The execution parameters: the "config" member of an image config. */
struct oci_image_exec_config
{
  char *user;
  char **exposed_ports; /* a set: {"80/tcp": {}} */
  size_t exposed_ports_len;
  char **env;
  size_t env_len;
  char **entrypoint;
  size_t entrypoint_len;
  char **cmd;
  size_t cmd_len;
  char **volumes; /* a set */
  size_t volumes_len;
  char *working_dir;
  struct oci_string_map labels;
  char *stop_signal;
  bool args_escaped;
  bool has_args_escaped;
  /* Docker extensions. */
  struct oci_image_healthcheck *healthcheck;
  char **on_build;
  size_t on_build_len;
  char **shell;
  size_t shell_len;
};

struct oci_image_rootfs
{
  char *type;      /* required, "layers" */
  char **diff_ids; /* each a valid digest; read when absent, always written */
  size_t diff_ids_len;
};

struct oci_image_history
{
  char *created;
  char *author;
  char *created_by;
  char *comment;
  bool empty_layer;
  bool has_empty_layer;
};

/* The image configuration (config.md). */
struct oci_image_config
{
  char *created;
  char *author;
  char *architecture; /* required */
  char *os;           /* required */
  char *os_version;
  char **os_features;
  size_t os_features_len;
  char *variant;
  struct oci_image_exec_config *config;
  struct oci_image_rootfs *rootfs; /* required */
  struct oci_image_history *history;
  size_t history_len;
};

/* The oci-layout file (image-layout.md). */
struct oci_image_layout
{
  char *image_layout_version; /* required */
};

/* The tables, for use with the bind_* functions directly. */
extern const struct bind_type oci_image_platform_type;
extern const struct bind_type oci_image_descriptor_type;
extern const struct bind_type oci_image_manifest_type;
extern const struct bind_type oci_image_index_type;
extern const struct bind_type oci_image_config_type;
extern const struct bind_type oci_image_layout_type;

/* ---- documents ----
 * For each: parse_text ("what" prefixes every error, e.g. a file name),
 * parse_file, emit (compact unless pretty; *len may be NULL), free. */
#define OCI_IMAGE_DOCUMENT_API(prefix, T)                                                                   \
  int prefix##_parse_text (const char *what, const char *text, size_t len, T **out, struct oci_error *err); \
  int prefix##_parse_file (const char *path, T **out, struct oci_error *err);                               \
  int prefix##_emit (const T *obj, bool pretty, char **out, size_t *len, struct oci_error *err);            \
  void prefix##_free (T *obj);                                                                              \
  void prefix##_freep (T **obj)

OCI_IMAGE_DOCUMENT_API (oci_image_descriptor, struct oci_image_descriptor);
OCI_IMAGE_DOCUMENT_API (oci_image_manifest, struct oci_image_manifest);
OCI_IMAGE_DOCUMENT_API (oci_image_index, struct oci_image_index);
OCI_IMAGE_DOCUMENT_API (oci_image_config, struct oci_image_config);
OCI_IMAGE_DOCUMENT_API (oci_image_layout, struct oci_image_layout);

#define cleanup_image_descriptor __attribute__ ((cleanup (oci_image_descriptor_freep)))
#define cleanup_image_manifest __attribute__ ((cleanup (oci_image_manifest_freep)))
#define cleanup_image_index __attribute__ ((cleanup (oci_image_index_freep)))
#define cleanup_image_config __attribute__ ((cleanup (oci_image_config_freep)))
#define cleanup_image_layout __attribute__ ((cleanup (oci_image_layout_freep)))

/* ---- helpers ---- */

/* Whether s is a media type per RFC 6838 section 4.2, "type/subtype"
 * (the pattern of the spec's JSON schema). */
bool oci_media_type_is_valid (const char *s);

/* Strict base64 (RFC 4648 section 4, padded, no whitespace, zero pad
 * bits).  decode fills a new buffer (NUL-terminated for convenience, *len
 * excludes the NUL); -1 with err on invalid input. */
int oci_base64_decode (const char *s, unsigned char **out, size_t *len, struct oci_error *err);
char *oci_base64_encode (const void *data, size_t len);

#endif
