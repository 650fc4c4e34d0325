/* The .dockerignore matcher: which context paths a build leaves out.
 *
 * One pattern a line; '#' lines and blank lines are skipped; patterns are
 * cleaned like paths (a leading '/' and a trailing '/' do not matter, "."
 * and ".." are resolved); '*' and '?' never match '/', '[...]' is a class,
 * '**' matches any number of directories; '!' makes an exception.  The last
 * pattern that matches a path decides, and a path is also excluded when a
 * pattern matches one of its parent directories. */
#ifndef BUILDER_IGNORE_H
#define BUILDER_IGNORE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct ignore;

/* Parses the text of an ignore file; what names it in messages. */
int ignore_parse (const char *what, const char *text, size_t len, struct ignore **out, struct oci_error *err);
/* Reads path; a missing file is an empty list. */
int ignore_load (const char *path, struct ignore **out, struct oci_error *err);
/* The context directory's ignore file: the first that exists of
 * .builderignore, .containerignore (buildah's) and .dockerignore; none:
 * nothing is excluded.  What a build and its provenance record see. */
int ignore_load_context (const char *context, struct ignore **out, struct oci_error *err);
void ignore_free (struct ignore *ig);

/* relpath is relative to the context ("a/b.o"; a leading "/" or "./" is
 * allowed).  Returns -1 with errno set only when out of memory. */
int ignore_match (const struct ignore *ig, const char *relpath, bool *excluded);

/* The cleaned patterns in order, "!" kept: what Docker sends as excludes. */
size_t ignore_count (const struct ignore *ig);
const char *ignore_pattern (const struct ignore *ig, size_t i);

/* Go's path.Clean: the shortest equivalent path ("." when empty). */
char *ignore_clean_path (const char *path);

static inline void
ignore_freep (struct ignore **p)
{
  ignore_free (*p);
}
#define cleanup_ignore __attribute__ ((cleanup (ignore_freep)))

#endif
