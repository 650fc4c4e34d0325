/* Limits against decompression bombs and metadata floods, shared by layer
 * extraction and archive loading (docs/limits.md).
 *
 * What an input may expand to: at most max_size bytes, and at most
 * max_ratio times its own size once past BLD_RATIO_FLOOR (so small layers
 * of zeros stay fine).  The environment overrides the defaults:
 *   BUILDER_MAX_LAYER_SIZE   bytes, with an optional K, M, G or T suffix
 *                            (powers of 1024); 0 means no limit
 *   BUILDER_MAX_RATIO        expanded:compressed; 0 means no ratio limit
 *   BUILDER_MAX_PATH_DEPTH   components of a layer entry's path */
#ifndef BUILDER_SIZE_LIMITS_H
#define BUILDER_SIZE_LIMITS_H

#include <stdint.h>

#include "error.h"

#define BLD_DEFAULT_MAX_LAYER_SIZE (UINT64_C (32) << 30) /* 32 GiB */
#define BLD_DEFAULT_MAX_RATIO UINT64_C (1000)
#define BLD_RATIO_FLOOR (UINT64_C (64) << 20) /* 64 MiB */
#define BLD_DEFAULT_MAX_PATH_DEPTH UINT64_C (256)
/* What an entry costs beyond its content: its header, and a block for
 * each directory made (the ones its path implies too). */
#define BLD_ENTRY_COST UINT64_C (512)
#define BLD_DIRECTORY_COST UINT64_C (4096)

struct bld_size_limits
{
  uint64_t max_size;  /* UINT64_MAX: none */
  uint64_t max_ratio; /* 0: none */
  uint64_t max_depth;
};

/* The defaults, overridden by the environment; a malformed variable is an
 * error naming it. */
int bld_size_limits_from_env (struct bld_size_limits *l, struct oci_error *err);

/* The most that input_size bytes of compressed input may expand to. */
uint64_t bld_size_limits_allowed (const struct bld_size_limits *l, uint64_t input_size);

/* "expands beyond the limit of N bytes (ratio R:1 of its S bytes; raise
 * with BUILDER_MAX_RATIO / BUILDER_MAX_LAYER_SIZE)": the error for what
 * went past bld_size_limits_allowed. */
int bld_size_limits_error (const struct bld_size_limits *l, const char *what, uint64_t input_size,
                           struct oci_error *err);

#endif
