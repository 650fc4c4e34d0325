/* Finds an entry of a string array by its name in O(1): ENV's "K=V"
 * strings by K, labels by key, so that big recipes stay linear.  The index
 * holds positions, not copies; it follows the array it was built for and
 * rebuilds itself when the array was replaced or shrank behind its back. */
#ifndef BUILDER_NAME_INDEX_H
#define BUILDER_NAME_INDEX_H

#include <stdbool.h>
#include <stddef.h>

/* NAME_INDEX_KEY: each entry is the name; NAME_INDEX_KV: "name=value". */
enum name_index_form
{
  NAME_INDEX_KEY,
  NAME_INDEX_KV,
};

struct name_index
{
  /* Of entries with the same name, the last one is found (ARGs, where a
   * redeclaration wins); by default the first, as a forward search. */
  bool last_wins;
  size_t *slots; /* position + 1, 0 for an empty slot */
  size_t cap;    /* a power of two, or 0 */
  char *const *arr;
  size_t n; /* entries of arr indexed */
};

/* The position of name in arr[0..len) (entries of the given form), or -1;
 * -2 when the index could not be allocated. */
long name_index_find (struct name_index *ix, char *const *arr, size_t len, enum name_index_form form,
                      const char *name);

/* Records that arr (possibly moved by a realloc) now holds len entries,
 * the last ones new: indexes them.  -1 when out of memory. */
int name_index_update (struct name_index *ix, char *const *arr, size_t len, enum name_index_form form);

void name_index_clear (struct name_index *ix);

#endif
