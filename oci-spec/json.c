/* The only file that includes yajl: see json.h for what it guarantees. */
#include "config.h"
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "cleanup.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_ (x)

/* ---- tree ---- */

static const char *const type_names[] = {
  [JSON_NULL] = "null",     [JSON_BOOL] = "boolean", [JSON_NUMBER] = "number",
  [JSON_STRING] = "string", [JSON_ARRAY] = "array",  [JSON_OBJECT] = "object",
};

const char *
json_type_name (enum json_type t)
{
  return t <= JSON_OBJECT ? type_names[t] : "unknown";
}

/* Depth is bounded by JSON_MAX_DEPTH at parse time, so recursion is safe. */
void
json_free (struct json_value *v)
{
  if (v == NULL)
    return;
  switch (v->type)
    {
    case JSON_NUMBER:
      free (v->u.number);
      break;
    case JSON_STRING:
      free (v->u.string);
      break;
    case JSON_ARRAY:
      for (size_t i = 0; i < v->u.array.len; i++)
        json_free (v->u.array.items[i]);
      free (v->u.array.items);
      break;
    case JSON_OBJECT:
      for (size_t i = 0; i < v->u.object.len; i++)
        {
          free (v->u.object.keys[i]);
          json_free (v->u.object.values[i]);
        }
      free (v->u.object.keys);
      free (v->u.object.values);
      break;
    default:
      break;
    }
  free (v);
}

void
json_freep (struct json_value **v)
{
  json_free (*v);
}

struct json_value *
json_object_get (const struct json_value *v, const char *key)
{
  if (v == NULL || v->type != JSON_OBJECT)
    return NULL;
  for (size_t i = 0; i < v->u.object.len; i++)
    if (strcmp (v->u.object.keys[i], key) == 0)
      return v->u.object.values[i];
  return NULL;
}

const char *
json_object_get_string (const struct json_value *v, const char *key)
{
  const struct json_value *m = json_object_get (v, key);
  return m && m->type == JSON_STRING ? m->u.string : NULL;
}

struct json_value *
json_value_dup (const struct json_value *v)
{
  struct json_value *c = calloc (1, sizeof (*c));
  size_t n;

  if (c == NULL)
    return NULL;
  c->type = v->type;
  switch (v->type)
    {
    case JSON_BOOL:
      c->u.boolean = v->u.boolean;
      return c;
    case JSON_NUMBER:
    case JSON_STRING:
      /* number and string share the char * slot of the union */
      c->u.string = strdup (v->u.string);
      if (c->u.string == NULL)
        break;
      return c;
    case JSON_ARRAY:
      n = v->u.array.len;
      c->u.array.items = calloc (n ? n : 1, sizeof (*c->u.array.items));
      if (c->u.array.items == NULL)
        break;
      for (; c->u.array.len < n; c->u.array.len++)
        if ((c->u.array.items[c->u.array.len] = json_value_dup (v->u.array.items[c->u.array.len])) == NULL)
          goto fail;
      return c;
    case JSON_OBJECT:
      n = v->u.object.len;
      c->u.object.keys = calloc (n ? n : 1, sizeof (char *));
      c->u.object.values = calloc (n ? n : 1, sizeof (struct json_value *));
      if (c->u.object.keys == NULL || c->u.object.values == NULL)
        goto fail;
      for (; c->u.object.len < n; c->u.object.len++)
        {
          size_t i = c->u.object.len;
          c->u.object.keys[i] = strdup (v->u.object.keys[i]);
          c->u.object.values[i] = json_value_dup (v->u.object.values[i]);
          if (c->u.object.keys[i] == NULL || c->u.object.values[i] == NULL)
            {
              c->u.object.len++;
              goto fail;
            }
        }
      return c;
    default:
      return c;
    }
fail:
  json_free (c);
  return NULL;
}

/* ---- numbers ---- */

static int
integer_text_check (const char *text)
{
  const char *p = text;
  if (*p == '-')
    p++;
  if (*p < '0' || *p > '9')
    return -EINVAL;
  for (; *p; p++)
    if (*p < '0' || *p > '9')
      return -EINVAL; /* fraction or exponent: not an integer */
  return 0;
}

int
json_number_to_int64 (const char *text, int64_t *out)
{
  char *end;
  long long v;

  if (integer_text_check (text) < 0)
    return -EINVAL;
  errno = 0;
  v = strtoll (text, &end, 10);
  if (errno == ERANGE)
    return -ERANGE;
  *out = v;
  return 0;
}

int
json_number_to_uint64 (const char *text, uint64_t *out)
{
  char *end;
  unsigned long long v;

  if (integer_text_check (text) < 0)
    return -EINVAL;
  if (text[0] == '-')
    {
      /* "-0" is zero; any other negative value is out of range.
       * strtoull would silently wrap it around. */
      for (const char *p = text + 1; *p; p++)
        if (*p != '0')
          return -ERANGE;
      *out = 0;
      return 0;
    }
  errno = 0;
  v = strtoull (text, &end, 10);
  if (errno == ERANGE)
    return -ERANGE;
  *out = v;
  return 0;
}

/* ---- paths ---- */

static size_t
path_append (struct json_path *p, const char *text, size_t n)
{
  size_t saved = p->len;
  if (p->len + n + 1 > p->cap)
    {
      size_t cap = p->cap ? p->cap : 64;
      while (cap < p->len + n + 1)
        cap *= 2;
      char *b = realloc (p->buf, cap);
      if (b == NULL)
        return saved; /* the path is only used for messages: keep going */
      p->buf = b;
      p->cap = cap;
    }
  memcpy (p->buf + p->len, text, n);
  p->len += n;
  p->buf[p->len] = '\0';
  return saved;
}

static bool
key_is_plain (const char *key)
{
  if (*key == '\0')
    return false;
  for (const char *c = key; *c; c++)
    if (*c == '.' || *c == '[' || *c == ']' || *c == '"' || (unsigned char) *c < 0x20)
      return false;
  return true;
}

size_t
json_path_push_key (struct json_path *p, const char *key)
{
  size_t saved = p->len;
  if (key_is_plain (key))
    {
      if (p->len > 0)
        path_append (p, ".", 1);
      path_append (p, key, strlen (key));
    }
  else
    {
      path_append (p, "[\"", 2);
      path_append (p, key, strlen (key));
      path_append (p, "\"]", 2);
    }
  return saved;
}

size_t
json_path_push_index (struct json_path *p, size_t index)
{
  char buf[32];
  int n = snprintf (buf, sizeof buf, "[%zu]", index);
  return path_append (p, buf, (size_t) n);
}

void
json_path_pop (struct json_path *p, size_t saved_len)
{
  if (p->buf != NULL && saved_len <= p->len)
    {
      p->len = saved_len;
      p->buf[saved_len] = '\0';
    }
}

const char *
json_path_str (const struct json_path *p)
{
  return p->buf && p->len ? p->buf : "";
}

void
json_path_free (struct json_path *p)
{
  free (p->buf);
  p->buf = NULL;
  p->len = p->cap = 0;
}

/* ---- parsing ---- */

struct frame
{
  struct json_value *v;
  size_t cap;
  char *pending_key; /* objects: the key whose value comes next */
};

struct parse_ctx
{
  struct frame *stack;
  size_t depth, stack_cap;
  struct json_value *root;
  char *fail; /* our own reason for cancelling the parse */
};

static int ctx_fail (struct parse_ctx *ctx, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static int
ctx_fail (struct parse_ctx *ctx, const char *fmt, ...)
{
  va_list ap;
  free (ctx->fail);
  va_start (ap, fmt);
  if (vasprintf (&ctx->fail, fmt, ap) < 0)
    ctx->fail = NULL;
  va_end (ap);
  return 0; /* yajl: cancel */
}

static bool
grow (void **items, size_t elem, size_t len, size_t *cap)
{
  if (len < *cap)
    return true;
  size_t ncap = *cap ? *cap * 2 : 4;
  void *n = realloc (*items, ncap * elem);
  if (n == NULL)
    return false;
  *items = n;
  *cap = ncap;
  return true;
}

static int
add_value (struct parse_ctx *ctx, struct json_value *v)
{
  if (ctx->depth == 0)
    {
      ctx->root = v;
      return 1;
    }
  struct frame *f = &ctx->stack[ctx->depth - 1];
  if (f->v->type == JSON_ARRAY)
    {
      if (!grow ((void **) &f->v->u.array.items, sizeof (void *), f->v->u.array.len, &f->cap))
        goto oom;
      f->v->u.array.items[f->v->u.array.len++] = v;
      return 1;
    }
  size_t cap_keys = f->cap, len = f->v->u.object.len;
  if (!grow ((void **) &f->v->u.object.keys, sizeof (char *), len, &cap_keys))
    goto oom;
  if (!grow ((void **) &f->v->u.object.values, sizeof (void *), len, &f->cap))
    goto oom;
  f->v->u.object.keys[len] = f->pending_key;
  f->v->u.object.values[len] = v;
  f->pending_key = NULL;
  f->v->u.object.len++;
  return 1;
oom:
  json_free (v);
  return ctx_fail (ctx, "%s", "out of memory");
}

static struct json_value *
new_value (enum json_type t)
{
  struct json_value *v = calloc (1, sizeof (*v));
  if (v)
    v->type = t;
  return v;
}

static int
cb_null (void *c)
{
  struct json_value *v = new_value (JSON_NULL);
  return v ? add_value (c, v) : ctx_fail (c, "%s", "out of memory");
}

static int
cb_boolean (void *c, int b)
{
  struct json_value *v = new_value (JSON_BOOL);
  if (v == NULL)
    return ctx_fail (c, "%s", "out of memory");
  v->u.boolean = b != 0;
  return add_value (c, v);
}

static int
cb_number (void *c, const char *s, size_t l)
{
  struct json_value *v = new_value (JSON_NUMBER);
  if (v == NULL || (v->u.number = strndup (s, l)) == NULL)
    {
      free (v);
      return ctx_fail (c, "%s", "out of memory");
    }
  return add_value (c, v);
}

static char *
copy_text (struct parse_ctx *ctx, const unsigned char *s, size_t l, const char *what)
{
  char *t;
  if (memchr (s, '\0', l) != NULL)
    {
      ctx_fail (ctx, "%s contains a NUL character (\\u0000)", what);
      return NULL;
    }
  t = strndup ((const char *) s, l);
  if (t == NULL)
    ctx_fail (ctx, "%s", "out of memory");
  return t;
}

static int
cb_string (void *c, const unsigned char *s, size_t l)
{
  struct json_value *v;
  char *t = copy_text (c, s, l, "string");
  if (t == NULL)
    return 0;
  v = new_value (JSON_STRING);
  if (v == NULL)
    {
      free (t);
      return ctx_fail (c, "%s", "out of memory");
    }
  v->u.string = t;
  return add_value (c, v);
}

static int
push_container (struct parse_ctx *ctx, enum json_type t)
{
  struct json_value *v;
  if (ctx->depth >= JSON_MAX_DEPTH)
    return ctx_fail (ctx, "nesting deeper than %s levels", STRINGIFY (JSON_MAX_DEPTH));
  if (!grow ((void **) &ctx->stack, sizeof (struct frame), ctx->depth, &ctx->stack_cap))
    return ctx_fail (ctx, "%s", "out of memory");
  v = new_value (t);
  if (v == NULL || !add_value (ctx, v))
    return v ? 0 : ctx_fail (ctx, "%s", "out of memory");
  ctx->stack[ctx->depth++] = (struct frame) { .v = v };
  return 1;
}

static int
cb_start_map (void *c)
{
  return push_container (c, JSON_OBJECT);
}

static int
cb_start_array (void *c)
{
  return push_container (c, JSON_ARRAY);
}

static int
cb_map_key (void *c, const unsigned char *s, size_t l)
{
  struct parse_ctx *ctx = c;
  struct frame *f = &ctx->stack[ctx->depth - 1];
  free (f->pending_key);
  f->pending_key = copy_text (ctx, s, l, "object key");
  return f->pending_key != NULL;
}

static int
cmp_keys (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static int
cb_end_map (void *c)
{
  struct parse_ctx *ctx = c;
  struct json_value *v = ctx->stack[ctx->depth - 1].v;
  size_t n = v->u.object.len;

  /* yajl accepts duplicate keys silently; two values for one key are
   * ambiguous (which one wins differs between JSON libraries), so refuse. */
  if (n > 1)
    {
      cleanup_free char **sorted = malloc (n * sizeof (char *));
      if (sorted == NULL)
        return ctx_fail (ctx, "%s", "out of memory");
      memcpy (sorted, v->u.object.keys, n * sizeof (char *));
      qsort (sorted, n, sizeof (char *), cmp_keys);
      for (size_t i = 1; i < n; i++)
        if (strcmp (sorted[i - 1], sorted[i]) == 0)
          return ctx_fail (ctx, "duplicate key \"%s\"", sorted[i]);
    }
  ctx->depth--;
  return 1;
}

static int
cb_end_array (void *c)
{
  struct parse_ctx *ctx = c;
  ctx->depth--;
  return 1;
}

static const yajl_callbacks callbacks = {
  .yajl_null = cb_null,
  .yajl_boolean = cb_boolean,
  .yajl_number = cb_number,
  .yajl_string = cb_string,
  .yajl_start_map = cb_start_map,
  .yajl_map_key = cb_map_key,
  .yajl_end_map = cb_end_map,
  .yajl_start_array = cb_start_array,
  .yajl_end_array = cb_end_array,
};

static void
line_col (const char *text, size_t len, size_t offset, size_t *line, size_t *col)
{
  *line = 1;
  *col = 1;
  if (offset > len)
    offset = len;
  for (size_t i = 0; i < offset; i++)
    {
      if (text[i] == '\n')
        {
          (*line)++;
          *col = 1;
        }
      else
        (*col)++;
    }
}

/* yajl's short messages look like "parse error: premature EOF\n" or
 * "lexical error: invalid char in json text.\n": keep the part after the
 * first ": " on one line. */
static char *
yajl_reason (yajl_handle h)
{
  unsigned char *raw = yajl_get_error (h, 0, NULL, 0);
  const char *r = raw ? (const char *) raw : "invalid JSON";
  const char *colon = strstr (r, ": ");
  char *reason = strdup (colon ? colon + 2 : r);
  if (reason != NULL)
    reason[strcspn (reason, "\n")] = '\0';
  if (raw)
    yajl_free_error (h, raw);
  return reason;
}

int
json_parse (const char *text, size_t len, struct json_value **out, struct oci_error *err)
{
  struct parse_ctx ctx = { 0 };
  yajl_handle h;
  yajl_status st;
  int ret = -1;

  *out = NULL;
  h = yajl_alloc (&callbacks, NULL, &ctx);
  if (h == NULL)
    return oci_error_set (err, ENOMEM, "cannot allocate the JSON parser");
  /* Defaults we rely on, spelled out: strings are validated as UTF-8, no
   * comments, nothing after the value, one value only. */
  yajl_config (h, yajl_allow_comments, 0);
  yajl_config (h, yajl_dont_validate_strings, 0);
  yajl_config (h, yajl_allow_trailing_garbage, 0);
  yajl_config (h, yajl_allow_multiple_values, 0);
  yajl_config (h, yajl_allow_partial_values, 0);

  st = yajl_parse (h, (const unsigned char *) text, len);
  if (st == yajl_status_ok)
    st = yajl_complete_parse (h);
  if (st == yajl_status_ok && ctx.root != NULL)
    {
      *out = ctx.root;
      ctx.root = NULL;
      ret = 0;
    }
  else
    {
      size_t line, col, off = st == yajl_status_ok ? len : yajl_get_bytes_consumed (h);
      cleanup_free char *reason = ctx.fail ? NULL : yajl_reason (h);
      line_col (text, len, off, &line, &col);
      if (len == 0)
        oci_error_set (err, 0, "invalid JSON: empty document");
      else
        oci_error_set (err, 0, "invalid JSON at line %zu, column %zu: %s", line, col,
                       ctx.fail ? ctx.fail
                       : reason ? reason
                                : "parse error");
    }
  for (size_t i = 0; i < ctx.depth; i++)
    free (ctx.stack[i].pending_key);
  free (ctx.stack);
  free (ctx.fail);
  json_free (ctx.root);
  yajl_free (h);
  return ret;
}

/* ---- generation ---- */

struct json_gen
{
  yajl_gen g;
  yajl_gen_status status; /* first failure */
};

struct json_gen *
json_gen_new (bool pretty)
{
  struct json_gen *jg = calloc (1, sizeof (*jg));
  if (jg == NULL)
    return NULL;
  jg->g = yajl_gen_alloc (NULL);
  if (jg->g == NULL)
    {
      free (jg);
      return NULL;
    }
  yajl_gen_config (jg->g, yajl_gen_validate_utf8, 1);
  if (pretty)
    {
      yajl_gen_config (jg->g, yajl_gen_beautify, 1);
      yajl_gen_config (jg->g, yajl_gen_indent_string, "\t");
    }
  return jg;
}

void
json_gen_free (struct json_gen *g)
{
  if (g == NULL)
    return;
  yajl_gen_free (g->g);
  free (g);
}

void
json_gen_freep (struct json_gen **g)
{
  json_gen_free (*g);
}

static void
gen_status (struct json_gen *g, yajl_gen_status s)
{
  if (s != yajl_gen_status_ok && g->status == yajl_gen_status_ok)
    g->status = s;
}

void
json_gen_begin_object (struct json_gen *g)
{
  gen_status (g, yajl_gen_map_open (g->g));
}

void
json_gen_end_object (struct json_gen *g)
{
  gen_status (g, yajl_gen_map_close (g->g));
}

void
json_gen_begin_array (struct json_gen *g)
{
  gen_status (g, yajl_gen_array_open (g->g));
}

void
json_gen_end_array (struct json_gen *g)
{
  gen_status (g, yajl_gen_array_close (g->g));
}

void
json_gen_string (struct json_gen *g, const char *s)
{
  gen_status (g, yajl_gen_string (g->g, (const unsigned char *) s, strlen (s)));
}

void
json_gen_key (struct json_gen *g, const char *key)
{
  json_gen_string (g, key);
}

static void
gen_number_text (struct json_gen *g, const char *text)
{
  gen_status (g, yajl_gen_number (g->g, text, strlen (text)));
}

void
json_gen_int64 (struct json_gen *g, int64_t v)
{
  char buf[32];
  snprintf (buf, sizeof buf, "%" PRId64, v);
  gen_number_text (g, buf);
}

void
json_gen_uint64 (struct json_gen *g, uint64_t v)
{
  char buf[32];
  snprintf (buf, sizeof buf, "%" PRIu64, v);
  gen_number_text (g, buf);
}

void
json_gen_bool (struct json_gen *g, bool v)
{
  gen_status (g, yajl_gen_bool (g->g, v));
}

void
json_gen_null (struct json_gen *g)
{
  gen_status (g, yajl_gen_null (g->g));
}

void
json_gen_value (struct json_gen *g, const struct json_value *v)
{
  switch (v->type)
    {
    case JSON_NULL:
      json_gen_null (g);
      break;
    case JSON_BOOL:
      json_gen_bool (g, v->u.boolean);
      break;
    case JSON_NUMBER:
      gen_number_text (g, v->u.number);
      break;
    case JSON_STRING:
      json_gen_string (g, v->u.string);
      break;
    case JSON_ARRAY:
      json_gen_begin_array (g);
      for (size_t i = 0; i < v->u.array.len; i++)
        json_gen_value (g, v->u.array.items[i]);
      json_gen_end_array (g);
      break;
    case JSON_OBJECT:
      json_gen_begin_object (g);
      for (size_t i = 0; i < v->u.object.len; i++)
        {
          json_gen_key (g, v->u.object.keys[i]);
          json_gen_value (g, v->u.object.values[i]);
        }
      json_gen_end_object (g);
      break;
    }
}

static const char *
gen_status_text (yajl_gen_status s)
{
  switch (s)
    {
    case yajl_gen_keys_must_be_strings:
      return "object keys must be strings";
    case yajl_max_depth_exceeded:
      return "nesting too deep";
    case yajl_gen_in_error_state:
      return "generator in error state";
    case yajl_gen_generation_complete:
      return "more than one top-level value";
    case yajl_gen_invalid_number:
      return "invalid number";
    case yajl_gen_invalid_string:
      return "string is not valid UTF-8";
    default:
      return "generation error";
    }
}

int
json_gen_finish (struct json_gen *g, char **out, size_t *len, struct oci_error *err)
{
  const unsigned char *buf;
  size_t n;
  char *copy;

  if (g == NULL)
    return oci_error_set (err, ENOMEM, "cannot allocate the JSON generator");
  if (g->status != yajl_gen_status_ok)
    return oci_error_set (err, 0, "cannot write JSON: %s", gen_status_text (g->status));
  if (yajl_gen_get_buf (g->g, &buf, &n) != yajl_gen_status_ok)
    return oci_error_set (err, 0, "cannot write JSON: incomplete document");
  copy = malloc (n + 1);
  if (copy == NULL)
    return oci_error_set (err, ENOMEM, "cannot write JSON");
  memcpy (copy, buf, n);
  copy[n] = '\0';
  *out = copy;
  if (len)
    *len = n;
  return 0;
}
