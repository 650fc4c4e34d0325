/* Small helpers the listing commands share (images, inspect, history, ps). */
#ifndef BUILDER_IMAGE_INFO_H
#define BUILDER_IMAGE_INFO_H

#include <stddef.h>
#include <stdint.h>

/* "3 minutes ago" for an RFC 3339 time; "" when it cannot be parsed. */
void bld_info_ago (const char *rfc3339, char *buf, size_t len);
/* "5 seconds", "3 minutes" (the largest whole unit). */
void bld_info_duration (int64_t secs, char *buf, size_t len);
/* "1.5MB" (decimal units, like docker). */
void bld_info_size (uint64_t n, char *buf, size_t len);

#endif
