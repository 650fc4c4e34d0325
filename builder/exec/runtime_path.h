/* Which runtime builder drives by default (build's RUN steps, run). */
#ifndef BUILDER_RUNTIME_PATH_H
#define BUILDER_RUNTIME_PATH_H

/* The runc-lite installed beside builder (or in the build tree's
 * runc-lite/), else the first on PATH, else "runc-lite". */
char *bld_default_runtime (void);

#endif
