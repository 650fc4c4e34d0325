/* Table-driven binding between JSON documents and C structs.
 *
 * Each spec type is described once by a table of fields (JSON name, kind,
 * where it lives in the struct, constraints); one generic engine parses,
 * validates, emits and frees every type from those tables, so the same
 * rules and the same error messages hold for the runtime spec and the image
 * spec alike.
 *
 * Conventions for the C structs the tables describe:
 * - strings are char *, NULL when absent;
 * - an optional scalar x has a companion bool has_x;
 * - an array x is T *x with a companion size_t x_len; x == NULL means the
 *   key was absent, a non-NULL x with x_len == 0 an empty array; arrays of
 *   strings parsed from JSON also end with a NULL (execve-ready);
 * - nested objects are pointers, NULL when absent;
 * - maps are struct oci_string_map, or OCI_MAP_OF (T) for maps of objects.
 * JSON null is read as "absent" (as Go's encoding/json does: image configs
 * written by docker carry "Cmd": null and the like).
 * Unknown keys are ignored (runtime-spec config.md, "Extensibility"). */
#ifndef OCI_BIND_H
#define OCI_BIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "json.h"

struct oci_string_map
{
  size_t len;
  char **keys;
  char **values;
};

#define OCI_MAP_OF(T) \
  struct              \
  {                   \
    size_t len;       \
    char **keys;      \
    T *values;        \
  }

enum bind_kind
{
  BIND_STRING,
  BIND_BOOL,
  BIND_INT,        /* signed integer of field size bytes, optional */
  BIND_UINT,       /* unsigned integer of field size bytes, optional */
  BIND_STRINGS,    /* char **, x_len */
  BIND_UINT32S,    /* uint32_t *, x_len */
  BIND_STRING_MAP, /* struct oci_string_map */
  BIND_SET,        /* {"k": {}, ...} read as a char ** list (ExposedPorts) */
  BIND_STRUCT,     /* T * */
  BIND_STRUCTS,    /* T *, x_len: an array of objects */
  BIND_STRUCT_MAP, /* OCI_MAP_OF (T) */
  BIND_RAW,        /* struct json_value *, kept as written */
};

struct bind_type;

struct bind_field
{
  const char *name;
  enum bind_kind kind;
  size_t offset;
  size_t aux_offset; /* x_len for arrays, has_x for optional scalars */
  size_t size;       /* width of an integer field */
  const struct bind_type *type;
  bool required;
  bool emit_empty; /* an absent array is written as [] (rootfs.diff_ids) */
  bool ranged;     /* integer bounds below replace the width's own */
  int64_t min;
  uint64_t max;
  const char *const *one_of; /* NULL-terminated allowed strings */
  bool (*string_ok) (const char *s);
  const char *string_expect; /* what string_ok wants, for messages */
};

struct bind_type
{
  const char *name;
  size_t size;
  const struct bind_field *fields;
  size_t n_fields;
  /* Rules a table cannot say (e.g. one field requires another); path is
   * the object's JSON path. */
  int (*check) (const void *obj, const char *path, struct oci_error *err);
};

#define BIND_MEMBER_SIZE(T, m) sizeof (((T *) 0)->m)

/* Table helpers.  T is the C struct, m the member, j the JSON key. */
#define F_STRING(T, j, m)                                     \
  {                                                           \
    .name = j, .kind = BIND_STRING, .offset = offsetof (T, m) \
  }
#define F_STRING_REQ(T, j, m)                                                   \
  {                                                                             \
    .name = j, .kind = BIND_STRING, .offset = offsetof (T, m), .required = true \
  }
#define F_ENUM(T, j, m, values)                                                 \
  {                                                                             \
    .name = j, .kind = BIND_STRING, .offset = offsetof (T, m), .one_of = values \
  }
#define F_ENUM_REQ(T, j, m, values)                                                               \
  {                                                                                               \
    .name = j, .kind = BIND_STRING, .offset = offsetof (T, m), .required = true, .one_of = values \
  }
#define F_STRING_CHECKED(T, j, m, fn, expect)                                                           \
  {                                                                                                     \
    .name = j, .kind = BIND_STRING, .offset = offsetof (T, m), .string_ok = fn, .string_expect = expect \
  }
#define F_STRING_CHECKED_REQ(T, j, m, fn, expect)                                                 \
  {                                                                                               \
    .name = j, .kind = BIND_STRING, .offset = offsetof (T, m), .required = true, .string_ok = fn, \
    .string_expect = expect                                                                       \
  }
#define F_BOOL(T, j, m)                                                                           \
  {                                                                                               \
    .name = j, .kind = BIND_BOOL, .offset = offsetof (T, m), .aux_offset = offsetof (T, has_##m), \
    .size = BIND_MEMBER_SIZE (T, m)                                                               \
  }
#define F_INT(T, j, m)                                                                           \
  {                                                                                              \
    .name = j, .kind = BIND_INT, .offset = offsetof (T, m), .aux_offset = offsetof (T, has_##m), \
    .size = BIND_MEMBER_SIZE (T, m)                                                              \
  }
#define F_UINT(T, j, m)                                                                           \
  {                                                                                               \
    .name = j, .kind = BIND_UINT, .offset = offsetof (T, m), .aux_offset = offsetof (T, has_##m), \
    .size = BIND_MEMBER_SIZE (T, m)                                                               \
  }
#define F_INT_REQ(T, j, m)                                                                       \
  {                                                                                              \
    .name = j, .kind = BIND_INT, .offset = offsetof (T, m), .aux_offset = offsetof (T, has_##m), \
    .size = BIND_MEMBER_SIZE (T, m), .required = true                                            \
  }
#define F_UINT_REQ(T, j, m)                                                                       \
  {                                                                                               \
    .name = j, .kind = BIND_UINT, .offset = offsetof (T, m), .aux_offset = offsetof (T, has_##m), \
    .size = BIND_MEMBER_SIZE (T, m), .required = true                                             \
  }
#define F_INT_RANGE(T, j, m, lo, hi)                                                             \
  {                                                                                              \
    .name = j, .kind = BIND_INT, .offset = offsetof (T, m), .aux_offset = offsetof (T, has_##m), \
    .size = BIND_MEMBER_SIZE (T, m), .ranged = true, .min = lo, .max = hi                        \
  }
#define F_UINT_RANGE(T, j, m, lo, hi)                                                             \
  {                                                                                               \
    .name = j, .kind = BIND_UINT, .offset = offsetof (T, m), .aux_offset = offsetof (T, has_##m), \
    .size = BIND_MEMBER_SIZE (T, m), .ranged = true, .min = lo, .max = hi                         \
  }
#define F_INT_RANGE_REQ(T, j, m, lo, hi)                                                         \
  {                                                                                              \
    .name = j, .kind = BIND_INT, .offset = offsetof (T, m), .aux_offset = offsetof (T, has_##m), \
    .size = BIND_MEMBER_SIZE (T, m), .required = true, .ranged = true, .min = lo, .max = hi      \
  }
#define F_STRINGS(T, j, m)                                                                          \
  {                                                                                                 \
    .name = j, .kind = BIND_STRINGS, .offset = offsetof (T, m), .aux_offset = offsetof (T, m##_len) \
  }
#define F_STRINGS_REQ(T, j, m)                                                                       \
  {                                                                                                  \
    .name = j, .kind = BIND_STRINGS, .offset = offsetof (T, m), .aux_offset = offsetof (T, m##_len), \
    .required = true                                                                                 \
  }
#define F_ENUMS(T, j, m, values)                                                                     \
  {                                                                                                  \
    .name = j, .kind = BIND_STRINGS, .offset = offsetof (T, m), .aux_offset = offsetof (T, m##_len), \
    .one_of = values                                                                                 \
  }
#define F_UINT32S(T, j, m)                                                                          \
  {                                                                                                 \
    .name = j, .kind = BIND_UINT32S, .offset = offsetof (T, m), .aux_offset = offsetof (T, m##_len) \
  }
#define F_STRING_MAP(T, j, m)                                     \
  {                                                               \
    .name = j, .kind = BIND_STRING_MAP, .offset = offsetof (T, m) \
  }
#define F_SET(T, j, m)                                                                          \
  {                                                                                             \
    .name = j, .kind = BIND_SET, .offset = offsetof (T, m), .aux_offset = offsetof (T, m##_len) \
  }
#define F_STRUCT(T, j, m, sub)                                              \
  {                                                                         \
    .name = j, .kind = BIND_STRUCT, .offset = offsetof (T, m), .type = &sub \
  }
#define F_STRUCT_REQ(T, j, m, sub)                                                            \
  {                                                                                           \
    .name = j, .kind = BIND_STRUCT, .offset = offsetof (T, m), .type = &sub, .required = true \
  }
#define F_STRUCTS(T, j, m, sub)                                                                                   \
  {                                                                                                               \
    .name = j, .kind = BIND_STRUCTS, .offset = offsetof (T, m), .aux_offset = offsetof (T, m##_len), .type = &sub \
  }
#define F_STRUCTS_REQ(T, j, m, sub)                                                                                \
  {                                                                                                                \
    .name = j, .kind = BIND_STRUCTS, .offset = offsetof (T, m), .aux_offset = offsetof (T, m##_len), .type = &sub, \
    .required = true                                                                                               \
  }
#define F_STRUCT_MAP(T, j, m, sub)                                              \
  {                                                                             \
    .name = j, .kind = BIND_STRUCT_MAP, .offset = offsetof (T, m), .type = &sub \
  }
#define F_RAW(T, j, m)                                     \
  {                                                        \
    .name = j, .kind = BIND_RAW, .offset = offsetof (T, m) \
  }

#define BIND_TYPE(var, T, table, check_fn) \
  const struct bind_type var = { #T, sizeof (T), table, sizeof (table) / sizeof (table[0]), check_fn }

/* Parses a JSON value into a new struct of type t. */
int bind_parse (const struct bind_type *t, const struct json_value *v, void **out, struct oci_error *err);
/* Parses JSON text; "what" (a file name, or a label like "state") prefixes
 * every error. */
int bind_parse_text (const struct bind_type *t, const char *what, const char *text, size_t len, void **out,
                     struct oci_error *err);
int bind_parse_file (const struct bind_type *t, const char *path, void **out, struct oci_error *err);

/* Writes obj as JSON.  Keys in table order, map keys sorted: the same
 * struct always gives the same bytes. */
void bind_emit_gen (const struct bind_type *t, const void *obj, struct json_gen *g);
int bind_emit (const struct bind_type *t, const void *obj, bool pretty, char **out, size_t *len,
               struct oci_error *err);

void bind_free (const struct bind_type *t, void *obj);

/* Map helpers. */
const char *oci_string_map_get (const struct oci_string_map *m, const char *key);
/* Sets key to value (both copied), replacing an existing value. */
int oci_string_map_set (struct oci_string_map *m, const char *key, const char *value);
/* Removes key and its value; whether it was there. */
bool oci_string_map_remove (struct oci_string_map *m, const char *key);

/* A document's public API over its bind table: PREFIX_parse_text,
 * PREFIX_parse_file, PREFIX_emit, PREFIX_free and PREFIX_freep for the
 * struct T described by TYPE (image.c and runtime.c use it). */
#define BIND_DOCUMENT_FUNCTIONS(prefix, T, type)                                                           \
  int prefix##_parse_text (const char *what, const char *text, size_t len, T **out, struct oci_error *err) \
  {                                                                                                        \
    void *obj = NULL;                                                                                      \
    int r = bind_parse_text (&type, what, text, len, &obj, err);                                           \
    *out = obj;                                                                                            \
    return r;                                                                                              \
  }                                                                                                        \
  int prefix##_parse_file (const char *path, T **out, struct oci_error *err)                               \
  {                                                                                                        \
    void *obj = NULL;                                                                                      \
    int r = bind_parse_file (&type, path, &obj, err);                                                      \
    *out = obj;                                                                                            \
    return r;                                                                                              \
  }                                                                                                        \
  int prefix##_emit (const T *obj, bool pretty, char **out, size_t *len, struct oci_error *err)            \
  {                                                                                                        \
    return bind_emit (&type, obj, pretty, out, len, err);                                                  \
  }                                                                                                        \
  void prefix##_free (T *obj)                                                                              \
  {                                                                                                        \
    bind_free (&type, obj);                                                                                \
  }                                                                                                        \
  void prefix##_freep (T **obj)                                                                            \
  {                                                                                                        \
    bind_free (&type, *obj);                                                                               \
  }

#endif
