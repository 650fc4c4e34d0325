/* builder/name_index: look-ups by name that follow the array they index. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/name_index.h"
#include "tap.h"

int
main (void)
{
  struct name_index ix = { 0 };
  size_t n = 0, cap = 0;
  char **env = NULL;
  bool all = true;

  ok (name_index_find (&ix, env, 0, NAME_INDEX_KV, "A") == -1, "empty array: not found");
  /* grow one by one through realloc (the array moves), as env_set does */
  for (size_t i = 0; i < 5000; i++)
    {
      if (n + 1 > cap)
        {
          cap = cap ? cap * 2 : 1;
          env = realloc (env, cap * sizeof *env);
        }
      if (asprintf (&env[n], "V%zu=%zu", i, i) < 0)
        return 1;
      n++;
      name_index_update (&ix, env, n, NAME_INDEX_KV);
    }
  for (size_t i = 0; i < 5000 && all; i++)
    {
      char name[32];
      snprintf (name, sizeof name, "V%zu", i);
      all = name_index_find (&ix, env, n, NAME_INDEX_KV, name) == (long) i;
    }
  ok (all, "5000 names found at their positions");
  ok (name_index_find (&ix, env, n, NAME_INDEX_KV, "V1=1") == -1
          && name_index_find (&ix, env, n, NAME_INDEX_KV, "V") == -1
          && name_index_find (&ix, env, n, NAME_INDEX_KV, "V50000") == -1,
      "no match on a prefix, on name=value, on a missing name");

  /* the array shrank behind the index's back: rebuilt, not read past */
  for (size_t i = 10; i < n; i++)
    free (env[i]);
  n = 10;
  ok (name_index_find (&ix, env, n, NAME_INDEX_KV, "V20") == -1
          && name_index_find (&ix, env, n, NAME_INDEX_KV, "V9") == 9,
      "a shrunk array is re-indexed");

  /* appended without an update: found anyway */
  env[n++] = strdup ("NEW=1");
  ok (name_index_find (&ix, env, n, NAME_INDEX_KV, "NEW") == 10, "an entry appended behind the index's back");
  char *keys[] = { "a", "b", "a", NULL };
  struct name_index kx = { 0 };
  ok (name_index_find (&kx, keys, 3, NAME_INDEX_KEY, "a") == 0, "duplicates: the first wins, as a linear search");
  ok (name_index_find (&kx, keys, 3, NAME_INDEX_KEY, "b") == 1, "keys form");
  struct name_index lx = { .last_wins = true };
  ok (name_index_find (&lx, keys, 3, NAME_INDEX_KEY, "a") == 2, "last_wins: the last of the duplicates");
  name_index_clear (&lx);
  char *other[] = { "x", "y" };
  ok (name_index_find (&kx, other, 2, NAME_INDEX_KEY, "y") == 1
          && name_index_find (&kx, other, 2, NAME_INDEX_KEY, "a") == -1,
      "another array: re-indexed");
  name_index_clear (&kx);

  for (size_t i = 0; i < n; i++)
    free (env[i]);
  free (env);
  name_index_clear (&ix);
  return tap_done ();
}
