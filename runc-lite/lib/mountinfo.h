/* /proc/self/mountinfo, parsed (proc(5)). */
#ifndef RL_MOUNTINFO_H
#define RL_MOUNTINFO_H

#include <stddef.h>

#include "error.h"

struct rl_mountinfo
{
  char *root;        /* the mount's root within its filesystem */
  char *mount_point; /* unescaped */
  char *optional;    /* "shared:1 master:2", may be "" */
  char *fstype;
  char *source;
  char *super_opts;
};

struct rl_mountinfo_list
{
  struct rl_mountinfo *v;
  size_t len;
};

int rl_mountinfo_read (const char *path, struct rl_mountinfo_list *out, struct oci_error *err);
void rl_mountinfo_free (struct rl_mountinfo_list *l);

/* The entry whose mount point contains path (the last such, i.e. the
 * topmost mount), or NULL. */
const struct rl_mountinfo *rl_mountinfo_find (const struct rl_mountinfo_list *l, const char *path);

#endif
