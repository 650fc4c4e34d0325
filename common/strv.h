/* String vectors: NULL-terminated arrays of malloc'd strings with their
 * length kept beside them (as oci-spec's types keep them: args/args_len).
 * Failure is -1 or NULL with errno ENOMEM; the caller words the error. */
#ifndef COMMON_STRV_H
#define COMMON_STRV_H

#include <stdbool.h>
#include <stddef.h>

/* Appends a copy of s to *v (NULL or a vector of *len), growing
 * geometrically (common/array.h), and keeps it NULL-terminated. */
int cmn_strv_push (char ***v, size_t *len, const char *s);
/* A NULL-terminated copy of the n strings of v (v may be NULL when n is
 * 0). */
char **cmn_strv_copy (char *const *v, size_t n);
/* A NULL-terminated copy of a followed by b. */
char **cmn_strv_concat (char *const *a, size_t a_len, char *const *b, size_t b_len);
/* *v and *len become a copy of src (the old vector freed); unchanged on
 * failure. */
int cmn_strv_replace (char ***v, size_t *len, char *const *src, size_t src_n);
/* Every word of the comma-separated words is one of the comma-separated
 * list's ("cpu,cpuacct" in "rw,cpu,cpuacct"; empty words ignored). */
bool cmn_csv_has_all (const char *list, const char *words);
/* qsort's comparison for an array of strings (char * or const char *):
 * strcmp's order. */
int cmn_strv_cmp (const void *a, const void *b);
/* Frees the n strings of v and v (NULL is fine). */
void cmn_strv_free_n (char **v, size_t n);
/* Frees the vector and empties *v and *len. */
void cmn_strv_clear (char ***v, size_t *len);

#endif
