/* config.json mount options (runtime-spec config.md "Linux mount options")
 * split into what mount(2), a propagation change and mount_setattr(2)
 * each need.  Pure logic, unit-tested in tests/unit/test-mount-options.c. */
#ifndef RL_MOUNT_OPTIONS_H
#define RL_MOUNT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mount.h>

#include "error.h"
#include "runclite.h"
#include "runtime.h"

#define RL_MAX_PROPAGATION 8

struct rl_mount_opts
{
  unsigned long flags;      /* MS_* for mount(2), MS_BIND|MS_REC for rbind */
  unsigned long clear;      /* MS_* explicitly turned off (rw, suid, ...) */
  /* Propagation changes in the order given (MS_SHARED|MS_REC, ...). */
  unsigned long propagation[RL_MAX_PROPAGATION];
  size_t propagation_len;
  /* Recursive attributes, for mount_setattr (AT_RECURSIVE). */
  uint64_t attr_set;
  uint64_t attr_clr;
  char *data;               /* filesystem-specific options, "a,b=c", or NULL */
  /* idmap / ridmap (never passed to mount(2)): an id-mapped bind mount,
   * the mapping on every mount of the tree with ridmap. */
  bool idmap;
  bool idmap_recursive;
  /* tmpcopyup (never passed to mount(2)): a tmpfs filled with what the
   * directory it covers holds. */
  bool tmpcopyup;
};

/* Parses options[0..n); later options win over earlier ones (so of idmap
 * and ridmap the last one given). */
int rl_mount_opts_parse (char *const *options, size_t n, struct rl_mount_opts *out, struct oci_error *err);
void rl_mount_opts_free (struct rl_mount_opts *o);

static inline bool
rl_mount_opts_is_bind (const struct rl_mount_opts *o)
{
  return (o->flags & MS_BIND) != 0;
}

/* Whether mounts[idx] (m, its options parsed into o) is to be id-mapped:
 * 1 when it is (idmap or ridmap, or uidMappings/gidMappings alone, which
 * imply idmap rather than being ignored), 0 when not, -1 with err naming
 * mounts[idx] when it cannot be: not a bind mount, uidMappings without
 * gidMappings or the reverse, an empty mapping, or no mappings of its own
 * while the container has no user namespace (container_userns). */
int rl_mount_idmap_check (const struct oci_mount *m, size_t idx, const struct rl_mount_opts *o, bool container_userns,
                          struct oci_error *err);

/* Maps a propagation word (private, rshared, ...) to MS_* flags; 0 when
 * the word is not one. */
unsigned long rl_mount_propagation_flags (const char *word);

/* Appends ",extra" (or "extra") to *data; -1 with ENOMEM. */
int rl_mount_data_append (char **data, const char *extra);

#endif
