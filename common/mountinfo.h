/* /proc/self/mountinfo, parsed (proc(5)): the runtime's mounts and
 * cgroup hierarchies, the builder's mounts under a work dir. */
#ifndef COMMON_MOUNTINFO_H
#define COMMON_MOUNTINFO_H

#include <stddef.h>

#include "error.h"

struct cmn_mountinfo
{
  char *root;        /* the mount's root within its filesystem */
  char *mount_point; /* unescaped */
  char *optional;    /* "shared:1 master:2", may be "" */
  char *fstype;
  char *source;
  char *super_opts;
};

struct cmn_mountinfo_list
{
  struct cmn_mountinfo *v;
  size_t len;
};

int cmn_mountinfo_read (const char *path, struct cmn_mountinfo_list *out, struct oci_error *err);
void cmn_mountinfo_free (struct cmn_mountinfo_list *l);

/* The entry whose mount point contains path (the last such, i.e. the
 * topmost mount), or NULL. */
const struct cmn_mountinfo *cmn_mountinfo_find (const struct cmn_mountinfo_list *l, const char *path);

#endif
