/* The project's JSON module: the only code that calls yajl.
 *
 * Parsing builds a small tree (json_value) with the hard edges decided here
 * rather than left to yajl: numbers keep their text (so uint64 values above
 * INT64_MAX survive), duplicate keys, NUL bytes and nesting deeper than
 * JSON_MAX_DEPTH are errors, strings must be valid UTF-8, and a value must
 * be complete with nothing after it.
 *
 * Generation writes deterministic text: the caller decides key order, no
 * whitespace unless pretty printing is asked for. */
#ifndef OCI_JSON_H
#define OCI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define JSON_MAX_DEPTH 512

enum json_type
{
  JSON_NULL,
  JSON_BOOL,
  JSON_NUMBER,
  JSON_STRING,
  JSON_ARRAY,
  JSON_OBJECT,
};

struct json_value
{
  enum json_type type;
  union
  {
    bool boolean;
    char *number; /* the literal text, e.g. "-1" or "1.5e3" */
    char *string; /* NUL-terminated, valid UTF-8, no embedded NUL */
    struct
    {
      struct json_value **items;
      size_t len;
    } array;
    struct
    {
      char **keys; /* unique */
      struct json_value **values;
      size_t len;
    } object;
  } u;
};

/* Parses one JSON document.  On error the message says where (line and
 * column, or the JSON path for semantic errors such as duplicate keys). */
int json_parse (const char *text, size_t len, struct json_value **out, struct oci_error *err);
void json_free (struct json_value *v);
void json_freep (struct json_value **v);
#define cleanup_json __attribute__ ((cleanup (json_freep)))

const char *json_type_name (enum json_type t);
/* Looks up a member of an object; NULL when absent or when v is no object. */
struct json_value *json_object_get (const struct json_value *v, const char *key);
/* A string member's text; NULL when absent or not a string. */
const char *json_object_get_string (const struct json_value *v, const char *key);
struct json_value *json_value_dup (const struct json_value *v);

/* Integer conversions of a number's text: 0 on success, -EINVAL when the
 * text is not an integer (fraction or exponent), -ERANGE when out of range. */
int json_number_to_int64 (const char *text, int64_t *out);
int json_number_to_uint64 (const char *text, uint64_t *out);

/* A JSON path under construction, e.g. "linux.resources.memory.limit" or
 * "mounts[2].options[0]"; push returns the previous length for pop. */
struct json_path
{
  char *buf;
  size_t len, cap;
};
size_t json_path_push_key (struct json_path *p, const char *key);
size_t json_path_push_index (struct json_path *p, size_t index);
void json_path_pop (struct json_path *p, size_t saved_len);
const char *json_path_str (const struct json_path *p); /* "" at the root */
void json_path_free (struct json_path *p);

/* Generation. */
struct json_gen;
struct json_gen *json_gen_new (bool pretty);
void json_gen_free (struct json_gen *g);
void json_gen_freep (struct json_gen **g);
#define cleanup_json_gen __attribute__ ((cleanup (json_gen_freep)))

/* These record the first failure in the generator; json_gen_finish reports
 * it, so callers need not check every call. */
void json_gen_begin_object (struct json_gen *g);
void json_gen_end_object (struct json_gen *g);
void json_gen_begin_array (struct json_gen *g);
void json_gen_end_array (struct json_gen *g);
void json_gen_key (struct json_gen *g, const char *key);
void json_gen_string (struct json_gen *g, const char *s);
void json_gen_int64 (struct json_gen *g, int64_t v);
void json_gen_uint64 (struct json_gen *g, uint64_t v);
void json_gen_bool (struct json_gen *g, bool v);
void json_gen_null (struct json_gen *g);
void json_gen_value (struct json_gen *g, const struct json_value *v);

/* Hands over the text (NUL-terminated, *len excludes the NUL). Pretty output
 * ends with a newline. */
int json_gen_finish (struct json_gen *g, char **out, size_t *len, struct oci_error *err);

#endif
