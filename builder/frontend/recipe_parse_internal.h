/* What the parts of the recipe parser share: the view of one instruction's
 * text, the error and container helpers, word splitting (recipe_parse.c),
 * the --flags (recipe_flags.c), RUN --mount (recipe_mount.c), value
 * parsing (recipe_values.c) and the per-instruction parsers
 * (recipe_instructions.c).  Not for use outside builder/frontend. */
#ifndef BUILDER_RECIPE_PARSE_INTERNAL_H
#define BUILDER_RECIPE_PARSE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "frontend/recipe_parse.h"

/* What one instruction is parsed from: the keyword and the text after
 * it, a window [base, ...) of a lexer line (ONBUILD parses a window). */
struct recipe_view
{
  const struct recipe_line *line;
  const char *keyword;
  struct recipe_pos kwpos;
  enum recipe_kind kind;
  const char *rest; /* line->rest + base */
  size_t base;
  char escape;
};

/* ---- recipe_parse.c ---- */

int recipe_oom (struct oci_error *err);
struct recipe_pos recipe_view_pos (const struct recipe_view *v, size_t off);
/* "file:line:column: INSTRUCTION: message" */
int recipe_perr (struct oci_error *err, const struct recipe_view *v, struct recipe_pos pos, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));
/* The kind of an instruction keyword, case-insensitively; false when
 * there is none. */
bool recipe_kind_lookup (const char *keyword, enum recipe_kind *kind);

int recipe_words_push (struct recipe_words *w, const char *text, size_t n, struct recipe_pos pos,
                       struct oci_error *err);
void recipe_words_clear (struct recipe_words *w);
#define cleanup_recipe_words __attribute__ ((cleanup (recipe_words_clear)))
int recipe_kvs_push (struct recipe_kvs *kv, const char *key, size_t klen, const char *value, size_t vlen,
                     struct recipe_pos pos, struct oci_error *err);

bool recipe_is_ws (char c);
/* Whitespace-separated words with quotes and escapes kept, quotes
 * grouping blanks (Docker's parseWords, used by ENV, LABEL, ARG). */
int recipe_split_quoted (const struct recipe_view *v, const char *s, size_t base, char escape,
                         struct recipe_words *out, struct oci_error *err);
/* Plain whitespace split, quotes not special (Docker's
 * parseStringsWhitespaceDelimited: FROM, EXPOSE, COPY, ADD, VOLUME). */
int recipe_split_plain (const struct recipe_view *v, const char *s, size_t base, struct recipe_words *out,
                        struct oci_error *err);
/* 1 when s is a JSON array of strings (filled into out), 0 when it is not
 * JSON at all (shell form), -1 on error (an array with non-strings). */
int recipe_json_array (const struct recipe_view *v, const char *s, size_t base, struct recipe_words *out,
                       struct oci_error *err);
/* Exec form (a JSON array) or shell form. */
int recipe_command_parse (const struct recipe_view *v, const char *s, size_t base, struct recipe_command *c,
                          struct oci_error *err);

/* ---- recipe_flags.c ---- */

struct recipe_flag
{
  char *name;
  char *value;
  bool has_value;
  struct recipe_pos pos;
};

struct recipe_flags
{
  struct recipe_flag *v;
  size_t len;
};

void recipe_flags_clear (struct recipe_flags *f);
#define cleanup_recipe_flags __attribute__ ((cleanup (recipe_flags_clear)))

/* The --name[=value] words at the start of the arguments, as Docker reads
 * them (quotes group, backslash escapes, "--" ends them).  *end is set to
 * the offset of the first non-flag argument. */
int recipe_flags_extract (const struct recipe_view *v, struct recipe_flags *out, size_t *end, struct oci_error *err);
/* Checks the flags against the table of v's instruction: unknown names,
 * missing values, repeated single flags, booleans. */
int recipe_flags_check (const struct recipe_view *v, const struct recipe_flags *fl, struct oci_error *err);
const struct recipe_flag *recipe_flag_get (const struct recipe_flags *fl, const char *name);
/* A copy of the flag's value into *out; *out untouched when absent. */
int recipe_flag_string (const struct recipe_flags *fl, const char *name, char **out, struct oci_error *err);
bool recipe_flag_bool (const struct recipe_flags *fl, const char *name);

/* ---- recipe_values.c ---- */

/* Go's strconv.ParseBool. */
int recipe_parse_bool (const char *s, bool *b);
/* An unsigned number in base, at most max; no sign, no blanks. */
int recipe_parse_uint (const char *s, int base, uint64_t max, uint64_t *out);
/* "512m", "1.5GiB", "100kb" into bytes. */
int recipe_size_in_bytes (const char *s, uint64_t *out);

/* ---- recipe_mount.c ---- */

/* One RUN --mount=type=...,key=value,... flag into m. */
int recipe_parse_mount (const struct recipe_view *v, const struct recipe_flag *f, struct recipe_mount *m,
                        struct oci_error *err);

/* ---- recipe_instructions.c ---- */

/* The instruction v holds (its kind known) into in, with the heredocs
 * the lexer found on its line. */
int recipe_parse_instruction (const struct recipe_view *v, const struct recipe_heredoc *hd, size_t nhd,
                              struct recipe_instruction *in, struct oci_error *err);

#endif
