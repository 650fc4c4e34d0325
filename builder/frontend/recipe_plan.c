/* Stage planning; see recipe_plan.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "frontend/recipe_plan.h"

static int
oom (struct oci_error *err)
{
  return oci_error_set (err, ENOMEM, "out of memory");
}

void
recipe_plan_free (struct recipe_plan *p)
{
  if (p == NULL)
    return;
  for (size_t i = 0; i < p->stages_len; i++)
    {
      free (p->stages[i].name);
      free (p->stages[i].base);
      free (p->stages[i].platform);
      free (p->stages[i].deps);
    }
  free (p->stages);
  free (p->order);
  for (size_t i = 0; i < p->global_args.len; i++)
    {
      free (p->global_args.v[i].key);
      free (p->global_args.v[i].value);
    }
  free (p->global_args.v);
  free (p);
}

struct scope
{
  const struct recipe_plan *plan;
  recipe_lookup_fn build_arg;
  void *data;
};

/* The global ARGs are what FROM lines see. */
static const char *
global_lookup (const char *name, void *data)
{
  const struct scope *sc = data;
  const struct recipe_kvs *g = &sc->plan->global_args;
  for (size_t i = g->len; i > 0; i--)
    if (strcmp (g->v[i - 1].key, name) == 0)
      return g->v[i - 1].value;
  /* The automatic platform ARGs need no declaration. */
  static const char *const automatic[] = {
    "BUILDPLATFORM",  "BUILDOS",  "BUILDARCH",  "BUILDVARIANT",
    "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
  };
  for (size_t i = 0; i < sizeof (automatic) / sizeof (automatic[0]); i++)
    if (strcmp (automatic[i], name) == 0 && sc->build_arg)
      return sc->build_arg (name, sc->data);
  return NULL;
}

static int
add_dep (struct recipe_stage *st, size_t dep, struct oci_error *err)
{
  for (size_t i = 0; i < st->deps_len; i++)
    if (st->deps[i] == dep)
      return 0;
  size_t *v = realloc (st->deps, (st->deps_len + 1) * sizeof (*v));
  if (v == NULL)
    return oom (err);
  st->deps = v;
  v[st->deps_len++] = dep;
  return 0;
}

/* A --from value: a stage index, a stage name, or (returns 0, *found
 * false) an image. */
static int
resolve_from (const struct recipe *r, const struct recipe_plan *p, size_t self, const char *raw,
              struct recipe_pos pos, const char *what, struct scope *sc, bool *found, size_t *stage,
              struct oci_error *err)
{
  cleanup_free char *value = NULL;
  struct oci_error e = OCI_ERROR_INIT;
  *found = false;
  if (recipe_expand_word (raw, r->escape, global_lookup, sc, &value, &e) < 0)
    {
      oci_error_set (err, 0, "%s:%u:%u: %s: %s", pos.file, pos.line, pos.column, what, e.msg);
      oci_error_clear (&e);
      return -1;
    }
  bool digits = *value != '\0';
  for (const char *c = value; *c; c++)
    digits &= isdigit ((unsigned char) *c) != 0;
  if (digits)
    {
      unsigned long n = strtoul (value, NULL, 10);
      if (n >= self)
        return oci_error_set (err, 0, "%s:%u:%u: %s: stage %s %s", pos.file, pos.line, pos.column, what, value,
                              n == self ? "refers to the current stage" : "is not an earlier stage");
      *found = true;
      *stage = n;
      return 0;
    }
  for (size_t i = 0; i < p->stages_len; i++)
    if (p->stages[i].name && strcasecmp (p->stages[i].name, value) == 0)
      {
        if (i == self)
          return oci_error_set (err, 0, "%s:%u:%u: %s: stage \"%s\" refers to itself", pos.file, pos.line, pos.column,
                                what, value);
        *found = true;
        *stage = i;
        return 0;
      }
  return 0;
}

static int
expand_global (const struct recipe *r, struct scope *sc, const char *raw, struct recipe_pos pos, char **out,
               struct oci_error *err)
{
  struct oci_error e = OCI_ERROR_INIT;
  if (recipe_expand_word (raw, r->escape, global_lookup, sc, out, &e) < 0)
    {
      oci_error_set (err, 0, "%s:%u:%u: FROM: %s", pos.file, pos.line, pos.column, e.msg);
      oci_error_clear (&e);
      return -1;
    }
  return 0;
}

enum
{
  WHITE,
  GREY,
  BLACK
};

static int
visit (struct recipe_plan *p, size_t s, int *color, struct oci_error *err)
{
  if (color[s] == BLACK)
    return 0;
  if (color[s] == GREY)
    {
      const struct recipe_stage *st = &p->stages[s];
      if (st->name)
        return oci_error_set (err, 0, "circular dependency detected on stage \"%s\"", st->name);
      return oci_error_set (err, 0, "circular dependency detected on stage %zu", s);
    }
  color[s] = GREY;
  for (size_t i = 0; i < p->stages[s].deps_len; i++)
    if (visit (p, p->stages[s].deps[i], color, err) < 0)
      return -1;
  color[s] = BLACK;
  p->order[p->order_len++] = s;
  return 0;
}

static int
size_cmp (const void *a, const void *b)
{
  size_t x = *(const size_t *) a, y = *(const size_t *) b;
  return x < y ? -1 : x > y;
}

/* The ARGs before the first FROM into p->global_args, --build-arg values
 * first; *i is set to the first instruction after them. */
static int
plan_global_args (const struct recipe *r, struct recipe_plan *p, struct scope *sc, size_t *i, struct oci_error *err)
{
  for (; *i < r->len && r->v[*i].kind == RECIPE_ARG; (*i)++)
    for (size_t k = 0; k < r->v[*i].kvs.len; k++)
      {
        const struct recipe_kv *kv = &r->v[*i].kvs.v[k];
        const char *given = sc->build_arg ? sc->build_arg (kv->key, sc->data) : NULL;
        char *value = NULL;
        if (given)
          value = strdup (given);
        else if (kv->value && expand_global (r, sc, kv->value, kv->pos, &value, err) < 0)
          return oci_error_prefix (err, "global ARG %s", kv->key);
        if ((given || kv->value) && value == NULL)
          return oom (err);
        struct recipe_kv *v = realloc (p->global_args.v, (p->global_args.len + 1) * sizeof (*v));
        if (v == NULL)
          {
            free (value);
            return oom (err);
          }
        p->global_args.v = v;
        v[p->global_args.len].key = strdup (kv->key);
        v[p->global_args.len].value = value;
        v[p->global_args.len].pos = kv->pos;
        if (v[p->global_args.len++].key == NULL)
          return oom (err);
      }
  return 0;
}

/* The stage whose FROM is r->v[i]: its instructions, name, base and
 * platform expanded, and the earlier stage it is based on. */
static int
plan_stage (const struct recipe *r, struct recipe_plan *p, struct scope *sc, size_t i, struct oci_error *err)
{
  const struct recipe_instruction *in = &r->v[i];
  struct recipe_stage *st = &p->stages[p->stages_len];
  st->index = p->stages_len;
  st->first = i;
  st->end = i + 1;
  while (st->end < r->len && r->v[st->end].kind != RECIPE_FROM)
    st->end++;
  if (in->from.stage_name)
    {
      for (size_t k = 0; k < p->stages_len; k++)
        if (p->stages[k].name && strcmp (p->stages[k].name, in->from.stage_name) == 0)
          return oci_error_set (err, 0, "%s:%u:%u: FROM: duplicate stage name \"%s\"", in->from.stage_name_pos.file,
                                in->from.stage_name_pos.line, in->from.stage_name_pos.column, in->from.stage_name);
      st->name = strdup (in->from.stage_name);
      if (st->name == NULL)
        return oom (err);
    }
  p->stages_len++;
  if (expand_global (r, sc, in->from.image.text, in->from.image.pos, &st->base, err) < 0)
    return -1;
  if (*st->base == '\0')
    return oci_error_set (err, 0, "%s:%u:%u: FROM: base name (%s) should not be blank", in->from.image.pos.file,
                          in->from.image.pos.line, in->from.image.pos.column, in->from.image.text);
  if (in->from.platform && expand_global (r, sc, in->from.platform, in->pos, &st->platform, err) < 0)
    return -1;
  for (size_t k = 0; k + 1 < p->stages_len; k++)
    if (p->stages[k].name && strcasecmp (p->stages[k].name, st->base) == 0)
      {
        st->base_is_stage = true;
        st->base_stage = k;
        if (add_dep (st, k, err) < 0)
          return -1;
      }
  return 0;
}

/* A --from= of stage s (COPY, ADD, RUN --mount) as a dependency when it
 * names a stage. */
static int
plan_from_dep (const struct recipe *r, struct recipe_plan *p, size_t s, const char *from, struct recipe_pos pos,
               const char *what, struct scope *sc, struct oci_error *err)
{
  bool found;
  size_t dep;
  if (resolve_from (r, p, s, from, pos, what, sc, &found, &dep, err) < 0)
    return -1;
  return found ? add_dep (&p->stages[s], dep, err) : 0;
}

/* Stage s's --from references, forward ones too; its deps sorted. */
static int
plan_stage_deps (const struct recipe *r, struct recipe_plan *p, size_t s, struct scope *sc, struct oci_error *err)
{
  struct recipe_stage *st = &p->stages[s];
  for (size_t k = st->first + 1; k < st->end; k++)
    {
      const struct recipe_instruction *in = &r->v[k];
      /* An ONBUILD trigger runs in the child build, not here. */
      if ((in->kind == RECIPE_COPY || in->kind == RECIPE_ADD) && in->copy.from
          && plan_from_dep (r, p, s, in->copy.from, in->pos, recipe_kind_name (in->kind), sc, err) < 0)
        return -1;
      if (in->kind == RECIPE_RUN)
        for (size_t m = 0; m < in->run.mounts_len; m++)
          {
            const struct recipe_mount *mt = &in->run.mounts[m];
            if (mt->from && plan_from_dep (r, p, s, mt->from, mt->pos, "RUN --mount", sc, err) < 0)
              return -1;
          }
    }
  if (st->deps_len > 1)
    qsort (st->deps, st->deps_len, sizeof (size_t), size_cmp);
  return 0;
}

int
recipe_plan_build (const struct recipe *r, const char *target, recipe_lookup_fn build_arg, void *data,
                   struct recipe_plan **out, struct oci_error *err)
{
  cleanup_recipe_plan struct recipe_plan *p = calloc (1, sizeof (*p));
  struct scope sc = { NULL, build_arg, data };
  if (p == NULL)
    return oom (err);
  sc.plan = p;

  size_t nstages = 0;
  for (size_t i = 0; i < r->len; i++)
    nstages += r->v[i].kind == RECIPE_FROM;
  if (nstages == 0)
    return oci_error_set (err, 0, "%s: the recipe has no FROM instruction", r->file);
  p->stages = calloc (nstages, sizeof (*p->stages));
  p->order = calloc (nstages, sizeof (*p->order));
  if (p->stages == NULL || p->order == NULL)
    return oom (err);

  /* Global ARGs, then the stages with their FROM lines. */
  size_t i = 0;
  if (plan_global_args (r, p, &sc, &i, err) < 0)
    return -1;
  for (; i < r->len; i++)
    if (r->v[i].kind == RECIPE_FROM && plan_stage (r, p, &sc, i, err) < 0)
      return -1;
  /* Now that every name is known: --from references. */
  for (size_t s = 0; s < p->stages_len; s++)
    if (plan_stage_deps (r, p, s, &sc, err) < 0)
      return -1;

  if (target)
    {
      size_t t;
      for (t = 0; t < p->stages_len; t++)
        if (p->stages[t].name && strcasecmp (p->stages[t].name, target) == 0)
          break;
      if (t == p->stages_len)
        return oci_error_set (err, 0, "%s: target stage \"%s\" could not be found", r->file, target);
      p->target = t;
    }
  else
    p->target = p->stages_len - 1;

  cleanup_free int *color = calloc (p->stages_len, sizeof (int));
  if (color == NULL)
    return oom (err);
  if (visit (p, p->target, color, err) < 0)
    return oci_error_prefix (err, "%s", r->file);
  *out = steal_pointer (&p);
  return 0;
}
