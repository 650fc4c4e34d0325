/* Build stages: which stages a target needs, in an order that builds every
 * stage after the stages it uses. */
#ifndef BUILDER_RECIPE_PLAN_H
#define BUILDER_RECIPE_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "frontend/recipe_expand.h"
#include "frontend/recipe_parse.h"

struct recipe_stage
{
  size_t index;       /* 0 for the first FROM */
  char *name;         /* AS name (lower case), NULL when unnamed */
  size_t first, end;  /* its instructions: recipe->v[first] (the FROM) .. v[end - 1] */
  char *base;         /* FROM's image, expanded with the global ARGs */
  char *platform;     /* --platform expanded, NULL when absent */
  bool base_is_stage; /* FROM names an earlier stage ... */
  size_t base_stage;  /* ... this one */
  size_t *deps;       /* stages used: FROM, COPY --from, RUN --mount from= */
  size_t deps_len;
};

struct recipe_plan
{
  struct recipe_stage *stages; /* every stage, in recipe order */
  size_t stages_len;
  size_t *order; /* the stages to build, dependencies first */
  size_t order_len;
  size_t target;                 /* the last of order */
  struct recipe_kvs global_args; /* ARGs before the first FROM, resolved; value NULL when unset */
};

/* Plans the build of target (a stage name, any case; NULL for the last
 * stage).  build_arg gives --build-arg values (and the automatic platform
 * ARGs); it may be NULL.
 *
 * FROM refers to a stage only by the name of an earlier stage, otherwise
 * it names an image.  --from= (COPY, RUN --mount) names a stage by name
 * or by index; a name that is no stage is an image, as in Docker; an
 * index must be an earlier stage. */
int recipe_plan_build (const struct recipe *r, const char *target, recipe_lookup_fn build_arg, void *data,
                       struct recipe_plan **out, struct oci_error *err);
void recipe_plan_free (struct recipe_plan *p);

static inline void
recipe_plan_freep (struct recipe_plan **p)
{
  recipe_plan_free (*p);
}
#define cleanup_recipe_plan __attribute__ ((cleanup (recipe_plan_freep)))

#endif
