/* RUN --mount=type=...,key=value,...: the fields, the keys each type
 * takes, their values. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "common/strbuf.h"
#include "frontend/recipe_parse_internal.h"

enum
{
  M_BIND = 1 << RECIPE_MOUNT_BIND,
  M_CACHE = 1 << RECIPE_MOUNT_CACHE,
  M_TMPFS = 1 << RECIPE_MOUNT_TMPFS,
  M_SECRET = 1 << RECIPE_MOUNT_SECRET,
  M_SSH = 1 << RECIPE_MOUNT_SSH,
  M_ALL = 0x1f,
};

static const struct
{
  const char *key;
  int types;
} mount_keys[] = {
  { "type", M_ALL },
  { "target", M_ALL },
  { "dst", M_ALL },
  { "destination", M_ALL },
  { "source", M_BIND | M_CACHE },
  { "src", M_BIND | M_CACHE },
  { "from", M_BIND | M_CACHE },
  { "id", M_CACHE | M_SECRET | M_SSH },
  { "sharing", M_CACHE },
  { "mode", M_CACHE | M_SECRET | M_SSH },
  { "uid", M_CACHE | M_SECRET | M_SSH },
  { "gid", M_CACHE | M_SECRET | M_SSH },
  { "readonly", M_BIND | M_CACHE },
  { "ro", M_BIND | M_CACHE },
  { "rw", M_BIND | M_CACHE },
  { "readwrite", M_BIND | M_CACHE },
  { "size", M_TMPFS },
  { "required", M_SECRET | M_SSH },
  { "env", M_SECRET },
};

static const char *const mount_type_names[] = { "bind", "cache", "tmpfs", "secret", "ssh" };

/* Splits a mount value into comma-separated fields; double quotes group
 * (a CSV field, as Docker reads it). */
static int
mount_fields (const struct recipe_view *v, const struct recipe_flag *f, struct recipe_kvs *out, struct oci_error *err)
{
  const char *s = f->value;
  for (;;)
    {
      cleanup_strbuf struct strbuf fld = STRBUF_INIT;
      bool quoted = false;
      for (; *s && (quoted || *s != ','); s++)
        {
          if (*s == '"')
            {
              if (quoted && s[1] == '"')
                strbuf_addc (&fld, *++s);
              else
                quoted = !quoted;
              continue;
            }
          strbuf_addc (&fld, *s);
        }
      if (quoted)
        return recipe_perr (err, v, f->pos, "--mount: unterminated quote in \"%s\"", f->value);
      if (fld.failed)
        return recipe_oom (err);
      const char *t = fld.s ? fld.s : "";
      if (*t == '\0')
        return recipe_perr (err, v, f->pos, "--mount: empty field in \"%s\"", f->value);
      const char *eq = strchr (t, '=');
      cleanup_free char *key = strndup (t, eq ? (size_t) (eq - t) : strlen (t));
      if (key == NULL)
        return recipe_oom (err);
      for (char *p = key; *p; p++)
        *p = tolower ((unsigned char) *p);
      if (recipe_kvs_push (out, key, strlen (key), eq ? eq + 1 : NULL, eq ? strlen (eq + 1) : 0, f->pos, err) < 0)
        return -1;
      if (*s != ',')
        return 0;
      s++;
    }
}

/* The type first: it decides which keys are valid.  The last type=
 * counts; bind when there is none. */
static int
mount_type (const struct recipe_view *v, const struct recipe_flag *f, struct recipe_mount *m, struct oci_error *err)
{
  m->type = RECIPE_MOUNT_BIND;
  for (size_t i = 0; i < m->options.len; i++)
    if (strcmp (m->options.v[i].key, "type") == 0)
      {
        const char *t = m->options.v[i].value ? m->options.v[i].value : "";
        size_t k;
        for (k = 0; k < 5; k++)
          if (strcmp (t, mount_type_names[k]) == 0)
            break;
        if (k == 5)
          return recipe_perr (err, v, f->pos, "--mount: unsupported mount type \"%s\"", t);
        m->type = k;
      }
  return 0;
}

/* readonly, ro, rw, readwrite, required: 1 when key is one of them (and
 * was applied), 0 when it is not, -1 on a bad value. */
static int
mount_bool (const struct recipe_view *v, const struct recipe_flag *f, const char *key, const char *val,
            struct recipe_mount *m, struct oci_error *err)
{
  bool b = true;
  bool is_bool = strcmp (key, "readonly") == 0 || strcmp (key, "ro") == 0 || strcmp (key, "rw") == 0
                 || strcmp (key, "readwrite") == 0 || strcmp (key, "required") == 0;
  if (!is_bool)
    return 0;
  if (val && recipe_parse_bool (val, &b) < 0)
    return recipe_perr (err, v, f->pos, "--mount: invalid value for %s: \"%s\"", key, val);
  if (strcmp (key, "required") == 0)
    m->required = b;
  else
    m->readonly = (key[0] == 'r' && key[1] == 'w') || strcmp (key, "readwrite") == 0 ? !b : b;
  return 1;
}

/* sharing, mode, uid, gid, size: checked unless they hold a variable
 * (the executor checks those after expansion). */
static int
mount_number (const struct recipe_view *v, const struct recipe_flag *f, const char *key, const char *val,
              struct recipe_mount *m, struct oci_error *err)
{
  bool var = strchr (val, '$') != NULL;
  uint64_t n;
  if (strcmp (key, "sharing") == 0)
    {
      if (strcmp (val, "shared") == 0)
        m->sharing = RECIPE_SHARING_SHARED;
      else if (strcmp (val, "private") == 0)
        m->sharing = RECIPE_SHARING_PRIVATE;
      else if (strcmp (val, "locked") == 0)
        m->sharing = RECIPE_SHARING_LOCKED;
      else if (!var)
        return recipe_perr (err, v, f->pos, "--mount: sharing must be shared, private or locked, not \"%s\"", val);
    }
  else if (var)
    return 0;
  else if (strcmp (key, "mode") == 0)
    {
      if (recipe_parse_uint (val, 8, 07777, &n) < 0)
        return recipe_perr (err, v, f->pos, "--mount: invalid mode \"%s\" (octal)", val);
      m->mode = n;
      m->has_mode = true;
    }
  else if (strcmp (key, "uid") == 0 || strcmp (key, "gid") == 0)
    {
      if (recipe_parse_uint (val, 10, UINT32_MAX, &n) < 0)
        return recipe_perr (err, v, f->pos, "--mount: invalid %s \"%s\"", key, val);
      if (key[0] == 'u')
        m->uid = n, m->has_uid = true;
      else
        m->gid = n, m->has_gid = true;
    }
  else if (strcmp (key, "size") == 0)
    {
      if (recipe_size_in_bytes (val, &m->size) < 0)
        return recipe_perr (err, v, f->pos, "--mount: invalid size \"%s\"", val);
      m->has_size = true;
    }
  return 0;
}

/* Where a string key's value goes; NULL for the keys that are not
 * strings. */
static char **
mount_string_slot (const char *key, struct recipe_mount *m)
{
  if (strcmp (key, "target") == 0 || strcmp (key, "dst") == 0 || strcmp (key, "destination") == 0)
    return &m->target;
  if (strcmp (key, "source") == 0 || strcmp (key, "src") == 0)
    return &m->source;
  if (strcmp (key, "from") == 0)
    return &m->from;
  if (strcmp (key, "id") == 0)
    return &m->id;
  if (strcmp (key, "env") == 0)
    return &m->env;
  return NULL;
}

/* One key=value of the mount, its type known. */
static int
mount_option (const struct recipe_view *v, const struct recipe_flag *f, const struct recipe_kv *kv,
              struct recipe_mount *m, struct oci_error *err)
{
  const char *key = kv->key, *val = kv->value;
  size_t k;
  for (k = 0; k < sizeof (mount_keys) / sizeof (mount_keys[0]); k++)
    if (strcmp (mount_keys[k].key, key) == 0)
      break;
  if (k == sizeof (mount_keys) / sizeof (mount_keys[0]))
    return recipe_perr (err, v, f->pos, "--mount: unexpected key \"%s\"", key);
  if (!(mount_keys[k].types & (1 << m->type)))
    return recipe_perr (err, v, f->pos, "--mount: \"%s\" is not valid for type=%s", key, mount_type_names[m->type]);
  int r = mount_bool (v, f, key, val, m, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (val == NULL)
    return recipe_perr (err, v, f->pos, "--mount: %s needs a value (%s=...)", key, key);
  if (strcmp (key, "type") == 0)
    return 0;
  char **slot = mount_string_slot (key, m);
  if (slot == NULL)
    return mount_number (v, f, key, val, m, err);
  free (*slot);
  *slot = strdup (val);
  return *slot ? 0 : recipe_oom (err);
}

int
recipe_parse_mount (const struct recipe_view *v, const struct recipe_flag *f, struct recipe_mount *m,
                    struct oci_error *err)
{
  m->pos = f->pos;
  if (mount_fields (v, f, &m->options, err) < 0 || mount_type (v, f, m, err) < 0)
    return -1;
  m->readonly = m->type == RECIPE_MOUNT_BIND;
  m->required = false;
  for (size_t i = 0; i < m->options.len; i++)
    if (mount_option (v, f, &m->options.v[i], m, err) < 0)
      return -1;

  if (m->target == NULL
      && (m->type == RECIPE_MOUNT_BIND || m->type == RECIPE_MOUNT_CACHE || m->type == RECIPE_MOUNT_TMPFS))
    return recipe_perr (err, v, f->pos, "--mount: type=%s requires target", mount_type_names[m->type]);
  if (m->target && *m->target == '\0')
    return recipe_perr (err, v, f->pos, "--mount: empty target");
  return 0;
}
