/* The recipe lexer: recipe text (Dockerfile syntax) into logical
 * instructions, with the source position of every byte kept.
 *
 * It follows the Dockerfile reference: parser directives at the top only
 * (escape, syntax, check), comment lines, line continuations with the
 * escape character (whitespace after it allowed), comment and empty lines
 * inside a continuation dropped, heredocs for RUN, COPY, ADD (and ONBUILD
 * of them), CRLF line endings and a UTF-8 byte order mark. */
#ifndef BUILDER_RECIPE_LEXER_H
#define BUILDER_RECIPE_LEXER_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Lines and columns are 1-based; columns count bytes. */
struct recipe_pos
{
  const char *file;
  unsigned line;
  unsigned column;
};

struct recipe_heredoc
{
  char *name;    /* the delimiter word, quotes removed */
  char *content; /* the body, each line ending with \n; tabs stripped for <<- */
  bool expand;   /* false when the delimiter was quoted */
  bool chomp;    /* <<- */
  unsigned fd;   /* N in N<<EOF, 0 when absent */
  unsigned line; /* the first line of the body */
};

struct recipe_line
{
  char *keyword;         /* as written */
  char *rest;            /* everything after it, continuations joined, trimmed */
  struct recipe_pos pos; /* of the keyword */
  unsigned *rest_line;   /* per byte of rest (and one past the end) */
  unsigned *rest_column;
  unsigned end_line; /* the last line the instruction took, heredocs included */
  struct recipe_heredoc *heredocs;
  size_t heredocs_len;
};

struct recipe_source
{
  char *file;
  char escape;  /* '\\' or '`' */
  char *syntax; /* the # syntax= directive, NULL when absent */
  char *check;  /* the # check= directive, NULL when absent */
  struct recipe_line *lines;
  size_t lines_len;
};

/* Splits text (len bytes, NUL bytes refused) into logical instructions.
 * file names the recipe in positions and error messages. */
int recipe_lex (const char *file, const char *text, size_t len, struct recipe_source **out, struct oci_error *err);

void recipe_source_free (struct recipe_source *src);

/* The position of byte offset of line->rest (offset <= strlen (rest)). */
struct recipe_pos recipe_line_pos (const struct recipe_line *line, size_t offset);

/* Whether an instruction keyword (any case) takes heredocs. */
bool recipe_keyword_takes_heredocs (const char *keyword);

static inline void
recipe_source_freep (struct recipe_source **p)
{
  recipe_source_free (*p);
}
#define cleanup_recipe_source __attribute__ ((cleanup (recipe_source_freep)))

#endif
