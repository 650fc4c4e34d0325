/* common/inode_names.h: open addressing, linear probing, grown at 3/4. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/inode_names.h"

static size_t
slot_of (dev_t dev, ino_t ino, size_t cap)
{
  /* 64-bit mix (splitmix64's finaliser) of both keys. */
  uint64_t h = (uint64_t) ino * 0x9e3779b97f4a7c15ULL ^ (uint64_t) dev;
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return (size_t) h & (cap - 1);
}

static struct cmn_inode_name *
probe (struct cmn_inode_name *slots, size_t cap, dev_t dev, ino_t ino)
{
  size_t i = slot_of (dev, ino, cap);
  while (slots[i].path != NULL && (slots[i].dev != dev || slots[i].ino != ino))
    i = (i + 1) & (cap - 1);
  return &slots[i];
}

struct cmn_inode_name *
cmn_inode_names_find (const struct cmn_inode_names *m, dev_t dev, ino_t ino)
{
  if (m->cap == 0)
    return NULL;
  struct cmn_inode_name *e = probe (m->slots, m->cap, dev, ino);
  return e->path != NULL ? e : NULL;
}

static int
grow (struct cmn_inode_names *m)
{
  size_t cap = m->cap ? m->cap * 2 : 64;
  if (cap < m->cap || cap > SIZE_MAX / sizeof *m->slots)
    {
      errno = ENOMEM;
      return -1;
    }
  struct cmn_inode_name *slots = calloc (cap, sizeof *slots);
  if (slots == NULL)
    return -1;
  for (size_t i = 0; i < m->cap; i++)
    if (m->slots[i].path != NULL)
      *probe (slots, cap, m->slots[i].dev, m->slots[i].ino) = m->slots[i];
  free (m->slots);
  m->slots = slots;
  m->cap = cap;
  return 0;
}

struct cmn_inode_name *
cmn_inode_names_put (struct cmn_inode_names *m, dev_t dev, ino_t ino, const char *path)
{
  char *copy = strdup (path);
  if (copy == NULL)
    return NULL;
  if ((m->len + 1) * 4 > m->cap * 3 && grow (m) < 0)
    {
      free (copy);
      return NULL;
    }
  struct cmn_inode_name *e = probe (m->slots, m->cap, dev, ino);
  if (e->path == NULL)
    {
      *e = (struct cmn_inode_name) { .dev = dev, .ino = ino };
      m->len++;
    }
  free (e->path);
  e->path = copy;
  return e;
}

void
cmn_inode_names_clear (struct cmn_inode_names *m)
{
  for (size_t i = 0; i < m->cap; i++)
    free (m->slots[i].path);
  free (m->slots);
  *m = (struct cmn_inode_names) CMN_INODE_NAMES_INIT;
}
