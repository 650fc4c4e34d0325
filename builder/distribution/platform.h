/* The host's platform in image-spec terms. */
#ifndef BUILDER_PLATFORM_H
#define BUILDER_PLATFORM_H

/* The Go names of the host's architecture and variant (variant may be
 * NULL), e.g. "amd64"; the machine name when unmapped.  Static strings. */
void bld_host_platform (const char **arch, const char **variant);

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "image.h"

/* Whether a media type is an index (OCI image index, Docker manifest list). */
bool bld_is_index_media_type (const char *media_type);

/* *which = the entry of idx for linux on the host's architecture (an
 * entry with the host's variant first, then any variant); not an index
 * itself.  what names idx in the error. */
int bld_platform_pick (const struct oci_image_index *idx, const char *what, size_t *which, struct oci_error *err);

#endif
