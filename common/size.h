/* Sizes as docker and runc take them on the command line (go-units'
 * RAMInBytes): a number (a fraction allowed) with an optional binary unit
 * b, k, m, g, t, p, case-insensitive, which "b" or "ib" may follow:
 * "512m", "1.5GB", "4096".  Failure is -1 with errno EINVAL (malformed or
 * negative) or ERANGE (beyond INT64_MAX); the caller words the error. */
#ifndef COMMON_SIZE_H
#define COMMON_SIZE_H

#include <stdint.h>

int cmn_parse_size (const char *text, int64_t *out);

#endif
