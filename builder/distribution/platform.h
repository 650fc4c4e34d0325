/* Platforms in image-spec (Go) terms: the host's, parsed from the command
 * line ("linux/arm64", "linux/arm/v7"), picked from an index. */
#ifndef BUILDER_PLATFORM_H
#define BUILDER_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "image.h"

struct bld_store;

/* The Go names of the host's architecture and variant (variant may be
 * NULL), e.g. "amd64"; the machine name when unmapped.  Static strings. */
void bld_host_platform (const char **arch, const char **variant);

/* A platform: os, architecture, variant (NULL when none), and the three
 * as one string ("linux/arm/v7"). */
struct bld_platform
{
  char *os, *arch, *variant, *text;
};
void bld_platform_clear (struct bld_platform *p);
/* "OS/ARCH[/VARIANT]", as docker takes it: "x86_64" and "aarch64" become
 * amd64 and arm64, arm without a variant is arm/v7, arm64's v8 is
 * dropped (containerd's normalization). */
int bld_platform_parse (const char *s, struct bld_platform *out, struct oci_error *err);
/* The host's platform (text "linux/amd64"). */
int bld_platform_host (struct bld_platform *out, struct oci_error *err);
/* Whether p is the host's os and architecture (any variant of it). */
bool bld_platform_is_host (const struct bld_platform *p);
/* Whether os/arch/variant (an image config's, an index entry's) is p;
 * a variant missing on either side matches. */
bool bld_platform_matches (const struct bld_platform *p, const char *os, const char *arch, const char *variant);

/* Whether a media type is an index (OCI image index, Docker manifest list). */
bool bld_is_index_media_type (const char *media_type);

/* *which = the entry of idx for want (NULL: the host's platform), an
 * entry with want's variant first, then any variant; not an index
 * itself.  what names idx in the error. */
int bld_platform_pick (const struct oci_image_index *idx, const struct bld_platform *want, const char *what,
                       size_t *which, struct oci_error *err);

/* bld_store_resolve, then an index's entry for want (NULL: the host's);
 * with want, an image manifest must be of that platform (its config's
 * os and architecture).  *out is a new descriptor. */
int bld_platform_resolve (struct bld_store *s, const char *ref, const struct bld_platform *want,
                          struct oci_image_descriptor **out, struct oci_error *err);
/* The same from a descriptor of the store (ref names it in errors). */
int bld_platform_manifest (struct bld_store *s, const struct oci_image_descriptor *desc, const char *ref,
                           const struct bld_platform *want, struct oci_image_descriptor **out, struct oci_error *err);

#endif
