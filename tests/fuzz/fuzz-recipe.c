/* The recipe front end: lexer and parser (also as ONBUILD triggers), the
 * stage plan (global ARGs expanded), and the expansion of every
 * instruction's arguments with a few variables set. */
#include "config.h"

#include "cleanup.h"
#include "frontend/recipe_expand.h"
#include "frontend/recipe_parse.h"
#include "frontend/recipe_plan.h"
#include "fuzz.h"

static const char *
lookup (const char *name, void *data)
{
  (void) data;
  if (strcmp (name, "A") == 0)
    return "a b";
  if (strcmp (name, "EMPTY") == 0)
    return "";
  if (strcmp (name, "HOME") == 0)
    return "/root";
  if (strcmp (name, "TARGETARCH") == 0)
    return "amd64";
  return NULL;
}

static void
expand_all (const struct recipe *r)
{
  for (size_t i = 0; i < r->len; i++)
    {
      const struct recipe_instruction *in = &r->v[i];
      struct oci_error err = OCI_ERROR_INIT;
      char **words = NULL;
      size_t n = 0;
      char *one = NULL;

      if (!recipe_kind_expands (in->kind) || in->args == NULL)
        continue;
      if (recipe_expand_words (in->args, r->escape, lookup, NULL, &words, &n, &err) == 0)
        {
          for (size_t j = 0; j < n; j++)
            free (words[j]);
          free (words);
        }
      oci_error_clear (&err);
      if (recipe_expand_word (in->args, r->escape, lookup, NULL, &one, &err) == 0)
        free (one);
      oci_error_clear (&err);
      for (size_t j = 0; j < in->kvs.len; j++)
        if (in->kvs.v[j].value && recipe_expand_word (in->kvs.v[j].value, r->escape, lookup, NULL, &one, &err) == 0)
          free (one);
      oci_error_clear (&err);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cleanup_free char *text = fuzz_bytes (data, size);
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_recipe struct recipe *r = NULL;
  cleanup_recipe struct recipe *t = NULL;

  if (size > 65536)
    return 0;
  if (recipe_parse ("Recipe", text, size, &r, &err) == 0)
    {
      cleanup_recipe_plan struct recipe_plan *p = NULL;
      if (recipe_plan_build (r, NULL, lookup, NULL, &p, &err) < 0)
        {
          FUZZ_ASSERT (oci_error_msg (&err)[0], "a plan error without a message");
          oci_error_clear (&err);
        }
      expand_all (r);
    }
  else
    {
      FUZZ_ASSERT (oci_error_msg (&err)[0], "a parse error without a message");
      oci_error_clear (&err);
    }
  if (recipe_parse_triggers ("OnBuild", text, size, &t, &err) == 0)
    expand_all (t);
  oci_error_clear (&err);
  return 0;
}
