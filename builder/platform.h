/* The host's platform in image-spec terms. */
#ifndef BUILDER_PLATFORM_H
#define BUILDER_PLATFORM_H

/* The Go names of the host's architecture and variant (variant may be
 * NULL), e.g. "amd64"; the machine name when unmapped.  Static strings. */
void bld_host_platform (const char **arch, const char **variant);

#endif
