/* The first name met of each inode with several names (hard links), by
 * (device, inode): the COPY walk, the copying snapshotter and the layer
 * writer each keep one to link a later name to the first.  A hash table,
 * so a tree of many links stays linear.  Failure is NULL with errno
 * ENOMEM; the caller words the error. */
#ifndef COMMON_INODE_NAMES_H
#define COMMON_INODE_NAMES_H

#include <stddef.h>
#include <sys/types.h>

struct cmn_inode_name
{
  dev_t dev;
  ino_t ino;
  char *path; /* the first name (NULL: a free slot) */
  /* What the caller made for it, when it needs to know (the COPY walk:
   * the inode of the first name's copy). */
  dev_t made_dev;
  ino_t made_ino;
};

struct cmn_inode_names
{
  struct cmn_inode_name *slots;
  size_t cap; /* 0 or a power of two */
  size_t len;
};

#define CMN_INODE_NAMES_INIT \
  {                          \
    NULL, 0, 0               \
  }

/* The entry of (dev, ino), or NULL.  Valid until the next put. */
struct cmn_inode_name *cmn_inode_names_find (const struct cmn_inode_names *m, dev_t dev, ino_t ino);
/* The entry of (dev, ino) with path as its name (a copy; an existing
 * entry's name is replaced), or NULL.  Valid until the next put. */
struct cmn_inode_name *cmn_inode_names_put (struct cmn_inode_names *m, dev_t dev, ino_t ino, const char *path);
/* Frees every name and the table; *m is empty again. */
void cmn_inode_names_clear (struct cmn_inode_names *m);

#endif
