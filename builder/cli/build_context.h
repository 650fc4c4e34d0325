/* builder build's contexts beyond a directory (build_context.c). */
#ifndef BUILDER_BUILD_CONTEXT_H
#define BUILDER_BUILD_CONTEXT_H

#include "error.h"

struct build_context
{
  char *tmp;     /* STORE/.store/context-PID.XXXXXX, removed by the clear */
  char *context; /* the extracted context (tmp/context) */
  char *recipe;  /* the recipe read from stdin or taken from the archive */
};

/* For *context "-" (stdin) or a regular file (a tar, plain, gzip or zstd),
 * and for *recipe "-": the data into c->tmp, *context and *recipe pointed
 * at the directory and file to build from (c's strings).  Nothing to do
 * for a directory and a recipe file. */
int build_context_prepare (const char *store_dir, const char **context, const char **recipe, struct build_context *c,
                           struct oci_error *err);
void build_context_clear (struct build_context *c);
#define cleanup_build_context __attribute__ ((cleanup (build_context_clear)))

#endif
