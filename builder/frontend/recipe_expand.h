/* Docker's variable expansion ("word processing") for recipe values.
 *
 * $NAME, ${NAME}, ${NAME:-word}, ${NAME:+word}, ${NAME:?message} and the
 * forms without the colon (-, +, ? test "set" rather than "set and not
 * empty"), ${NAME#pattern}, ${NAME##pattern}, ${NAME%pattern},
 * ${NAME%%pattern}, ${NAME/pattern/repl}, ${NAME//pattern/repl}; the word
 * may itself hold expansions.  Single quotes keep everything literal,
 * double quotes keep blanks, the escape character makes the next one
 * literal.  Quotes are removed.  An unset variable expands to nothing. */
#ifndef BUILDER_RECIPE_EXPAND_H
#define BUILDER_RECIPE_EXPAND_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "frontend/recipe_parse.h"

/* Bounds on hostile recipes (docs/limits.md): ${...} nested deeper than
 * RECIPE_EXPAND_MAX_DEPTH, an expansion producing more than
 * RECIPE_EXPAND_MAX_BYTES, and a pattern operator (#, %, /) needing more
 * than RECIPE_EXPAND_MAX_PATTERN_STEPS matcher steps are errors. */
#define RECIPE_EXPAND_MAX_DEPTH 64
#define RECIPE_EXPAND_MAX_BYTES (1024u * 1024)
#define RECIPE_EXPAND_MAX_PATTERN_STEPS (64u * 1024 * 1024)

/* The value of name, or NULL when it is not set. */
typedef const char *(*recipe_lookup_fn) (const char *name, void *data);

/* Expands word into one string (blanks kept): what Docker does for ENV,
 * LABEL, WORKDIR, USER, COPY and ADD arguments, FROM... */
int recipe_expand_word (const char *word, char escape, recipe_lookup_fn lookup, void *data, char **out,
                        struct oci_error *err);

/* Expands text and splits it into words at unquoted blanks, including
 * blanks that come from unquoted expansions (EXPOSE "$PORTS").  *out is a
 * NULL-terminated array of *n words. */
int recipe_expand_words (const char *text, char escape, recipe_lookup_fn lookup, void *data, char ***out, size_t *n,
                         struct oci_error *err);

/* Whether the builder expands variables in an instruction's arguments
 * (ADD COPY ENV EXPOSE FROM LABEL STOPSIGNAL USER VOLUME WORKDIR, and
 * ARG defaults, and the flags of RUN --mount, COPY/ADD); RUN, CMD,
 * ENTRYPOINT, SHELL, HEALTHCHECK and MAINTAINER are left to the shell or
 * taken literally.  ONBUILD itself is not expanded: its trigger is, when
 * it runs in the child build. */
bool recipe_kind_expands (enum recipe_kind kind);

#endif
