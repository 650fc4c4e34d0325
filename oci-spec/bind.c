/* The generic engine behind every spec type: see bind.h. */
#include "config.h"
#include "bind.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fileutil.h"

#define AT(obj, off) ((char *) (obj) + (off))
#define AT_CONST(obj, off) ((const char *) (obj) + (off))

static int path_error (struct json_path *path, struct oci_error *err, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

static int
path_error (struct json_path *path, struct oci_error *err, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  oci_error_vset (err, 0, fmt, ap);
  va_end (ap);
  if (path->len > 0)
    oci_error_prefix (err, "%s", json_path_str (path));
  return -1;
}

static int
expect_type (const struct json_value *v, enum json_type want, const char *want_name, struct json_path *path,
             struct oci_error *err)
{
  if (v->type == want)
    return 0;
  return path_error (path, err, "expected %s, got %s", want_name, json_type_name (v->type));
}

/* A zeroed array of n elements; never NULL for n == 0 so that "present but
 * empty" stays distinguishable from "absent". */
static void *
alloc_array (size_t n, size_t size)
{
  return calloc (n ? n : 1, size);
}

static int
check_one_of (const char *s, const char *const *values, struct json_path *path, struct oci_error *err)
{
  cleanup_free char *list = NULL;
  size_t len = 0;
  FILE *f;

  for (const char *const *v = values; *v; v++)
    if (strcmp (s, *v) == 0)
      return 0;
  f = open_memstream (&list, &len);
  if (f == NULL)
    return path_error (path, err, "unexpected value \"%s\"", s);
  for (const char *const *v = values; *v; v++)
    fprintf (f, "%s\"%s\"", v == values ? "" : ", ", *v);
  fclose (f);
  return path_error (path, err, "expected one of %s, got \"%s\"", list, s);
}

static int
parse_string (const struct bind_field *f, const struct json_value *v, struct json_path *path, char **out,
              struct oci_error *err)
{
  if (expect_type (v, JSON_STRING, "string", path, err) < 0)
    return -1;
  if (f->one_of && check_one_of (v->u.string, f->one_of, path, err) < 0)
    return -1;
  if (f->string_ok && !f->string_ok (v->u.string))
    return path_error (path, err, "expected %s, got \"%s\"", f->string_expect, v->u.string);
  *out = strdup (v->u.string);
  if (*out == NULL)
    return oci_error_set (err, ENOMEM, "%s", json_path_str (path));
  return 0;
}

static void
int_bounds (const struct bind_field *f, int64_t *lo, int64_t *hi)
{
  int bits = (int) f->size * 8;
  if (f->ranged)
    {
      *lo = f->min;
      *hi = (int64_t) f->max;
      return;
    }
  *hi = bits >= 64 ? INT64_MAX : (int64_t) ((UINT64_C (1) << (bits - 1)) - 1);
  *lo = -*hi - 1;
}

static uint64_t
uint_max (const struct bind_field *f)
{
  int bits = (int) f->size * 8;
  if (f->ranged)
    return f->max;
  return bits >= 64 ? UINT64_MAX : (UINT64_C (1) << bits) - 1;
}

static void
store_uint (void *dst, size_t size, uint64_t v)
{
  switch (size)
    {
    case 1:
      *(uint8_t *) dst = (uint8_t) v;
      break;
    case 2:
      *(uint16_t *) dst = (uint16_t) v;
      break;
    case 4:
      *(uint32_t *) dst = (uint32_t) v;
      break;
    default:
      *(uint64_t *) dst = v;
      break;
    }
}

static uint64_t
load_uint (const void *src, size_t size)
{
  switch (size)
    {
    case 1:
      return *(const uint8_t *) src;
    case 2:
      return *(const uint16_t *) src;
    case 4:
      return *(const uint32_t *) src;
    default:
      return *(const uint64_t *) src;
    }
}

static int64_t
load_int (const void *src, size_t size)
{
  switch (size)
    {
    case 1:
      return *(const int8_t *) src;
    case 2:
      return *(const int16_t *) src;
    case 4:
      return *(const int32_t *) src;
    default:
      return *(const int64_t *) src;
    }
}

static int
parse_int (const struct bind_field *f, const struct json_value *v, struct json_path *path, void *dst,
           struct oci_error *err)
{
  int64_t lo, hi, val;
  int r;

  if (expect_type (v, JSON_NUMBER, "integer", path, err) < 0)
    return -1;
  int_bounds (f, &lo, &hi);
  r = json_number_to_int64 (v->u.number, &val);
  if (r == -EINVAL)
    return path_error (path, err, "expected integer, got %s", v->u.number);
  if (r == -ERANGE || val < lo || val > hi)
    return path_error (path, err, "value %s out of range [%" PRId64 ", %" PRId64 "]", v->u.number, lo, hi);
  store_uint (dst, f->size, (uint64_t) val); /* two's complement truncation to the width */
  return 0;
}

static int
parse_uint_value (const struct json_value *v, uint64_t lo, uint64_t hi, struct json_path *path, uint64_t *out,
                  struct oci_error *err)
{
  int r;

  if (expect_type (v, JSON_NUMBER, "unsigned integer", path, err) < 0)
    return -1;
  r = json_number_to_uint64 (v->u.number, out);
  if (r == -EINVAL)
    return path_error (path, err, "expected unsigned integer, got %s", v->u.number);
  if (r == -ERANGE || *out < lo || *out > hi)
    return path_error (path, err, "value %s out of range [%" PRIu64 ", %" PRIu64 "]", v->u.number, lo, hi);
  return 0;
}

static int parse_struct_into (const struct bind_type *t, const struct json_value *v, struct json_path *path,
                              void *obj, struct oci_error *err);

static void free_struct_members (const struct bind_type *t, void *obj);

static int
parse_field (const struct bind_field *f, const struct json_value *v, struct json_path *path, void *obj,
             struct oci_error *err)
{
  void *dst = AT (obj, f->offset);
  size_t *len = (size_t *) AT (obj, f->aux_offset);

  switch (f->kind)
    {
    case BIND_STRING:
      return parse_string (f, v, path, (char **) dst, err);

    case BIND_BOOL:
      if (expect_type (v, JSON_BOOL, "boolean", path, err) < 0)
        return -1;
      *(bool *) dst = v->u.boolean;
      *(bool *) AT (obj, f->aux_offset) = true;
      return 0;

    case BIND_INT:
      if (parse_int (f, v, path, dst, err) < 0)
        return -1;
      *(bool *) AT (obj, f->aux_offset) = true;
      return 0;

    case BIND_UINT:
      {
        uint64_t val;
        if (parse_uint_value (v, f->ranged ? (uint64_t) f->min : 0, uint_max (f), path, &val, err) < 0)
          return -1;
        store_uint (dst, f->size, val);
        *(bool *) AT (obj, f->aux_offset) = true;
        return 0;
      }

    case BIND_STRINGS:
    case BIND_UINT32S:
      {
        bool strings = f->kind == BIND_STRINGS;
        size_t n;
        if (expect_type (v, JSON_ARRAY, "array", path, err) < 0)
          return -1;
        n = v->u.array.len;
        /* String arrays get a NULL after the last element, so that args and
         * env can go straight to execve. */
        *(void **) dst = alloc_array (strings ? n + 1 : n, strings ? sizeof (char *) : sizeof (uint32_t));
        if (*(void **) dst == NULL)
          return oci_error_set (err, ENOMEM, "%s", json_path_str (path));
        for (size_t i = 0; i < n; i++)
          {
            size_t saved = json_path_push_index (path, i);
            int r;
            if (strings)
              {
                r = parse_string (f, v->u.array.items[i], path, &(*(char ***) dst)[i], err);
                if (r == 0)
                  *len = i + 1;
              }
            else
              {
                uint64_t val;
                r = parse_uint_value (v->u.array.items[i], 0, UINT32_MAX, path, &val, err);
                if (r == 0)
                  (*(uint32_t **) dst)[(*len)++] = (uint32_t) val;
              }
            json_path_pop (path, saved);
            if (r < 0)
              return -1;
          }
        return 0;
      }

    case BIND_STRING_MAP:
    case BIND_STRUCT_MAP:
      {
        bool structs = f->kind == BIND_STRUCT_MAP;
        size_t elem = structs ? f->type->size : sizeof (char *);
        struct oci_string_map *m = dst; /* same layout as OCI_MAP_OF */
        size_t n;
        if (expect_type (v, JSON_OBJECT, "object", path, err) < 0)
          return -1;
        n = v->u.object.len;
        m->keys = alloc_array (n, sizeof (char *));
        m->values = alloc_array (n, elem);
        if (m->keys == NULL || m->values == NULL)
          return oci_error_set (err, ENOMEM, "%s", json_path_str (path));
        for (size_t i = 0; i < n; i++)
          {
            size_t saved = json_path_push_key (path, v->u.object.keys[i]);
            const struct json_value *item = v->u.object.values[i];
            int r;
            m->keys[i] = strdup (v->u.object.keys[i]);
            m->len = i + 1;
            if (m->keys[i] == NULL)
              r = oci_error_set (err, ENOMEM, "%s", json_path_str (path));
            else if (structs)
              r = parse_struct_into (f->type, item, path, AT (m->values, i * elem), err);
            else
              r = parse_string (f, item, path, &m->values[i], err);
            json_path_pop (path, saved);
            if (r < 0)
              return -1;
          }
        return 0;
      }

    case BIND_SET:
      {
        char ***items = dst;
        if (expect_type (v, JSON_OBJECT, "object", path, err) < 0)
          return -1;
        *items = alloc_array (v->u.object.len + 1, sizeof (char *));
        if (*items == NULL)
          return oci_error_set (err, ENOMEM, "%s", json_path_str (path));
        for (size_t i = 0; i < v->u.object.len; i++)
          {
            size_t saved = json_path_push_key (path, v->u.object.keys[i]);
            int r = expect_type (v->u.object.values[i], JSON_OBJECT, "object", path, err);
            json_path_pop (path, saved);
            if (r < 0)
              return -1;
            if (((*items)[i] = strdup (v->u.object.keys[i])) == NULL)
              return oci_error_set (err, ENOMEM, "%s", json_path_str (path));
            *len = i + 1;
          }
        return 0;
      }

    case BIND_STRUCT:
      *(void **) dst = calloc (1, f->type->size);
      if (*(void **) dst == NULL)
        return oci_error_set (err, ENOMEM, "%s", json_path_str (path));
      return parse_struct_into (f->type, v, path, *(void **) dst, err);

    case BIND_STRUCTS:
      {
        size_t elem = f->type->size;
        if (expect_type (v, JSON_ARRAY, "array", path, err) < 0)
          return -1;
        *(void **) dst = alloc_array (v->u.array.len, elem);
        if (*(void **) dst == NULL)
          return oci_error_set (err, ENOMEM, "%s", json_path_str (path));
        for (size_t i = 0; i < v->u.array.len; i++)
          {
            size_t saved = json_path_push_index (path, i);
            int r;
            *len = i + 1; /* the zeroed element is safe to free if parsing fails */
            r = parse_struct_into (f->type, v->u.array.items[i], path, AT (*(void **) dst, i * elem), err);
            json_path_pop (path, saved);
            if (r < 0)
              return -1;
          }
        return 0;
      }

    case BIND_RAW:
      *(struct json_value **) dst = json_value_dup (v);
      if (*(struct json_value **) dst == NULL)
        return oci_error_set (err, ENOMEM, "%s", json_path_str (path));
      return 0;
    }
  return path_error (path, err, "internal error: unknown field kind");
}

static int
parse_struct_into (const struct bind_type *t, const struct json_value *v, struct json_path *path, void *obj,
                   struct oci_error *err)
{
  if (expect_type (v, JSON_OBJECT, "object", path, err) < 0)
    return -1;
  for (size_t i = 0; i < t->n_fields; i++)
    {
      const struct bind_field *f = &t->fields[i];
      const struct json_value *member = json_object_get (v, f->name);
      size_t saved = json_path_push_key (path, f->name);
      int r = 0;

      if (member == NULL || member->type == JSON_NULL)
        {
          if (f->required)
            r = path_error (path, err, "required field missing");
        }
      else
        r = parse_field (f, member, path, obj, err);
      json_path_pop (path, saved);
      if (r < 0)
        return -1;
    }
  if (t->check)
    return t->check (obj, json_path_str (path), err);
  return 0;
}

int
bind_parse (const struct bind_type *t, const struct json_value *v, void **out, struct oci_error *err)
{
  struct json_path path = { 0 };
  void *obj = calloc (1, t->size);
  int r;

  *out = NULL;
  if (obj == NULL)
    return oci_error_set (err, ENOMEM, "cannot allocate %s", t->name);
  r = parse_struct_into (t, v, &path, obj, err);
  json_path_free (&path);
  if (r < 0)
    {
      bind_free (t, obj);
      return -1;
    }
  *out = obj;
  return 0;
}

int
bind_parse_text (const struct bind_type *t, const char *what, const char *text, size_t len, void **out,
                 struct oci_error *err)
{
  cleanup_json struct json_value *v = NULL;

  if (json_parse (text, len, &v, err) < 0 || bind_parse (t, v, out, err) < 0)
    return oci_error_prefix (err, "%s", what);
  return 0;
}

int
bind_parse_file (const struct bind_type *t, const char *path, void **out, struct oci_error *err)
{
  cleanup_free char *text = NULL;
  size_t len;

  if (oci_read_file (path, OCI_JSON_FILE_MAX, &text, &len, err) < 0)
    return -1;
  return bind_parse_text (t, path, text, len, out, err);
}

/* The element count of an array field.  Only arrays have one: for an
 * optional scalar aux_offset locates a bool, which may be the struct's last
 * byte. */
static size_t
array_len (const struct bind_field *f, const void *obj)
{
  switch (f->kind)
    {
    case BIND_STRINGS:
    case BIND_UINT32S:
    case BIND_SET:
    case BIND_STRUCTS:
      return *(const size_t *) AT_CONST (obj, f->aux_offset);
    default:
      return 0;
    }
}

/* ---- emission ---- */

/* qsort_r's argument is not const: the keys travel in this. */
struct sort_keys
{
  char *const *keys;
};

static int
cmp_index_by_key (const void *a, const void *b, void *arg)
{
  char *const *k = ((const struct sort_keys *) arg)->keys;
  return strcmp (k[*(const size_t *) a], k[*(const size_t *) b]);
}

/* Indices of keys in sorted order (maps are emitted sorted, as Go does). */
static size_t *
sorted_order (char *const *keys, size_t n)
{
  size_t *idx = alloc_array (n, sizeof (size_t));
  if (idx == NULL)
    return NULL;
  for (size_t i = 0; i < n; i++)
    idx[i] = i;
  struct sort_keys sk = { keys };
  qsort_r (idx, n, sizeof (size_t), cmp_index_by_key, &sk);
  return idx;
}

static bool
field_present (const struct bind_field *f, const void *obj)
{
  if (f->emit_empty)
    return true;
  switch (f->kind)
    {
    case BIND_BOOL:
    case BIND_INT:
    case BIND_UINT:
      return *(const bool *) AT_CONST (obj, f->aux_offset);
    case BIND_STRING_MAP:
    case BIND_STRUCT_MAP:
      return ((const struct oci_string_map *) AT_CONST (obj, f->offset))->keys != NULL;
    default:
      return *(void *const *) AT_CONST (obj, f->offset) != NULL;
    }
}

static void emit_struct (const struct bind_type *t, const void *obj, struct json_gen *g);

static void
emit_field (const struct bind_field *f, const void *obj, struct json_gen *g)
{
  const void *src = AT_CONST (obj, f->offset);
  size_t len = array_len (f, obj);

  switch (f->kind)
    {
    case BIND_STRING:
      json_gen_string (g, *(char *const *) src);
      break;
    case BIND_BOOL:
      json_gen_bool (g, *(const bool *) src);
      break;
    case BIND_INT:
      json_gen_int64 (g, load_int (src, f->size));
      break;
    case BIND_UINT:
      json_gen_uint64 (g, load_uint (src, f->size));
      break;
    case BIND_STRINGS:
      json_gen_begin_array (g);
      for (size_t i = 0; i < len; i++)
        json_gen_string (g, (*(char **const *) src)[i]);
      json_gen_end_array (g);
      break;
    case BIND_UINT32S:
      json_gen_begin_array (g);
      for (size_t i = 0; i < len; i++)
        json_gen_uint64 (g, (*(uint32_t *const *) src)[i]);
      json_gen_end_array (g);
      break;
    case BIND_SET:
      {
        cleanup_free size_t *order = sorted_order (*(char **const *) src, len);
        json_gen_begin_object (g);
        for (size_t i = 0; order && i < len; i++)
          {
            json_gen_key (g, (*(char **const *) src)[order[i]]);
            json_gen_begin_object (g);
            json_gen_end_object (g);
          }
        json_gen_end_object (g);
        break;
      }
    case BIND_STRING_MAP:
    case BIND_STRUCT_MAP:
      {
        const struct oci_string_map *m = src;
        cleanup_free size_t *order = sorted_order (m->keys, m->len);
        json_gen_begin_object (g);
        for (size_t i = 0; order && i < m->len; i++)
          {
            json_gen_key (g, m->keys[order[i]]);
            if (f->kind == BIND_STRING_MAP)
              json_gen_string (g, m->values[order[i]]);
            else
              emit_struct (f->type, AT (m->values, order[i] * f->type->size), g);
          }
        json_gen_end_object (g);
        break;
      }
    case BIND_STRUCT:
      emit_struct (f->type, *(void *const *) src, g);
      break;
    case BIND_STRUCTS:
      json_gen_begin_array (g);
      for (size_t i = 0; i < len; i++)
        emit_struct (f->type, AT (*(void *const *) src, i * f->type->size), g);
      json_gen_end_array (g);
      break;
    case BIND_RAW:
      json_gen_value (g, *(struct json_value *const *) src);
      break;
    }
}

static void
emit_struct (const struct bind_type *t, const void *obj, struct json_gen *g)
{
  json_gen_begin_object (g);
  for (size_t i = 0; i < t->n_fields; i++)
    {
      const struct bind_field *f = &t->fields[i];
      if (!field_present (f, obj))
        continue;
      json_gen_key (g, f->name);
      emit_field (f, obj, g);
    }
  json_gen_end_object (g);
}

void
bind_emit_gen (const struct bind_type *t, const void *obj, struct json_gen *g)
{
  emit_struct (t, obj, g);
}

int
bind_emit (const struct bind_type *t, const void *obj, bool pretty, char **out, size_t *len, struct oci_error *err)
{
  cleanup_json_gen struct json_gen *g = json_gen_new (pretty);
  if (g != NULL)
    emit_struct (t, obj, g);
  if (json_gen_finish (g, out, len, err) < 0)
    return oci_error_prefix (err, "%s", t->name);
  return 0;
}

/* ---- freeing ---- */

static void
free_strings (char **v, size_t n)
{
  for (size_t i = 0; v && i < n; i++)
    free (v[i]);
  free (v);
}

static void
free_struct_members (const struct bind_type *t, void *obj)
{
  for (size_t i = 0; i < t->n_fields; i++)
    {
      const struct bind_field *f = &t->fields[i];
      void *p = AT (obj, f->offset);
      size_t len = array_len (f, obj);

      switch (f->kind)
        {
        case BIND_STRING:
        case BIND_UINT32S:
          free (*(void **) p);
          break;
        case BIND_STRINGS:
        case BIND_SET:
          free_strings (*(char ***) p, len);
          break;
        case BIND_STRING_MAP:
        case BIND_STRUCT_MAP:
          {
            struct oci_string_map *m = p;
            if (f->kind == BIND_STRING_MAP)
              free_strings (m->values, m->len);
            else
              {
                for (size_t k = 0; m->values && k < m->len; k++)
                  free_struct_members (f->type, AT (m->values, k * f->type->size));
                free (m->values);
              }
            free_strings (m->keys, m->len);
            break;
          }
        case BIND_STRUCT:
          bind_free (f->type, *(void **) p);
          break;
        case BIND_STRUCTS:
          for (size_t k = 0; *(void **) p && k < len; k++)
            free_struct_members (f->type, AT (*(void **) p, k * f->type->size));
          free (*(void **) p);
          break;
        case BIND_RAW:
          json_free (*(struct json_value **) p);
          break;
        default:
          break;
        }
    }
}

void
bind_free (const struct bind_type *t, void *obj)
{
  if (obj == NULL)
    return;
  free_struct_members (t, obj);
  free (obj);
}

/* ---- maps ---- */

const char *
oci_string_map_get (const struct oci_string_map *m, const char *key)
{
  for (size_t i = 0; m && i < m->len; i++)
    if (strcmp (m->keys[i], key) == 0)
      return m->values[i];
  return NULL;
}

int
oci_string_map_set (struct oci_string_map *m, const char *key, const char *value)
{
  char *v = strdup (value), *k = NULL, **keys, **values;

  if (v == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < m->len; i++)
    if (strcmp (m->keys[i], key) == 0)
      {
        free (m->values[i]);
        m->values[i] = v;
        return 0;
      }
  k = strdup (key);
  keys = realloc (m->keys, (m->len + 1) * sizeof (char *));
  if (keys)
    m->keys = keys;
  values = realloc (m->values, (m->len + 1) * sizeof (char *));
  if (values)
    m->values = values;
  if (k == NULL || keys == NULL || values == NULL)
    {
      free (k);
      free (v);
      return -ENOMEM;
    }
  m->keys[m->len] = k;
  m->values[m->len] = v;
  m->len++;
  return 0;
}

bool
oci_string_map_remove (struct oci_string_map *m, const char *key)
{
  for (size_t i = 0; i < m->len; i++)
    if (strcmp (m->keys[i], key) == 0)
      {
        free (m->keys[i]);
        free (m->values[i]);
        memmove (&m->keys[i], &m->keys[i + 1], (m->len - i - 1) * sizeof (char *));
        memmove (&m->values[i], &m->values[i + 1], (m->len - i - 1) * sizeof (char *));
        m->len--;
        return true;
      }
  return false;
}
