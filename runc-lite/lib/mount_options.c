#include "config.h"
#include "mount_options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "syscalls.h"

/* Options that set (or, with clear, reset) a mount(2) flag. */
struct flag_opt
{
  const char *name;
  bool clear;
  unsigned long flag;
};

static const struct flag_opt flag_opts[] = {
  { "defaults", false, 0 },
  { "ro", false, MS_RDONLY },
  { "rw", true, MS_RDONLY },
  { "nosuid", false, MS_NOSUID },
  { "suid", true, MS_NOSUID },
  { "nodev", false, MS_NODEV },
  { "dev", true, MS_NODEV },
  { "noexec", false, MS_NOEXEC },
  { "exec", true, MS_NOEXEC },
  { "sync", false, MS_SYNCHRONOUS },
  { "async", true, MS_SYNCHRONOUS },
  { "dirsync", false, MS_DIRSYNC },
  { "remount", false, MS_REMOUNT },
  { "mand", false, MS_MANDLOCK },
  { "nomand", true, MS_MANDLOCK },
  { "noatime", false, MS_NOATIME },
  { "atime", true, MS_NOATIME },
  { "nodiratime", false, MS_NODIRATIME },
  { "diratime", true, MS_NODIRATIME },
  { "relatime", false, MS_RELATIME },
  { "norelatime", true, MS_RELATIME },
  { "strictatime", false, MS_STRICTATIME },
  { "nostrictatime", true, MS_STRICTATIME },
  { "lazytime", false, MS_LAZYTIME },
  { "nolazytime", true, MS_LAZYTIME },
  { "iversion", false, MS_I_VERSION },
  { "noiversion", true, MS_I_VERSION },
  { "silent", false, MS_SILENT },
  { "loud", true, MS_SILENT },
  { "nosymfollow", false, MS_NOSYMFOLLOW },
  { "symfollow", true, MS_NOSYMFOLLOW },
  { "bind", false, MS_BIND },
  { "rbind", false, MS_BIND | MS_REC },
};

/* Recursive options for mount_setattr.  The atime modes are an enum in
 * the kernel, so changing one clears the whole MOUNT_ATTR__ATIME field
 * and sets the mode: ratime and rnostrictatime mean relatime (the
 * kernel's default), rnorelatime means strictatime. */
struct attr_opt
{
  const char *name;
  uint64_t set;
  uint64_t clr;
};

static const struct attr_opt attr_opts[] = {
  { "rro", RL_MOUNT_ATTR_RDONLY, 0 },
  { "rrw", 0, RL_MOUNT_ATTR_RDONLY },
  { "rnosuid", RL_MOUNT_ATTR_NOSUID, 0 },
  { "rsuid", 0, RL_MOUNT_ATTR_NOSUID },
  { "rnodev", RL_MOUNT_ATTR_NODEV, 0 },
  { "rdev", 0, RL_MOUNT_ATTR_NODEV },
  { "rnoexec", RL_MOUNT_ATTR_NOEXEC, 0 },
  { "rexec", 0, RL_MOUNT_ATTR_NOEXEC },
  { "rnodiratime", RL_MOUNT_ATTR_NODIRATIME, 0 },
  { "rdiratime", 0, RL_MOUNT_ATTR_NODIRATIME },
  { "rnosymfollow", RL_MOUNT_ATTR_NOSYMFOLLOW, 0 },
  { "rsymfollow", 0, RL_MOUNT_ATTR_NOSYMFOLLOW },
  { "rrelatime", RL_MOUNT_ATTR_RELATIME, RL_MOUNT_ATTR__ATIME },
  { "rnorelatime", RL_MOUNT_ATTR_STRICTATIME, RL_MOUNT_ATTR__ATIME },
  { "rnoatime", RL_MOUNT_ATTR_NOATIME, RL_MOUNT_ATTR__ATIME },
  { "ratime", RL_MOUNT_ATTR_RELATIME, RL_MOUNT_ATTR__ATIME },
  { "rstrictatime", RL_MOUNT_ATTR_STRICTATIME, RL_MOUNT_ATTR__ATIME },
  { "rnostrictatime", RL_MOUNT_ATTR_RELATIME, RL_MOUNT_ATTR__ATIME },
};

static const struct
{
  const char *name;
  unsigned long flags;
} propagation_opts[] = {
  { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
  { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
  { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
  { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

static const char *const idmap_opts[] = { "idmap", "ridmap" };

#define N_ELEMENTS(a) (sizeof (a) / sizeof ((a)[0]))

size_t
rl_mount_option_names (const char **out, size_t max)
{
  size_t n = 0;
  for (size_t i = 0; i < N_ELEMENTS (flag_opts) && n < max; i++)
    out[n++] = flag_opts[i].name;
  for (size_t i = 0; i < N_ELEMENTS (attr_opts) && n < max; i++)
    out[n++] = attr_opts[i].name;
  for (size_t i = 0; i < N_ELEMENTS (propagation_opts) && n < max; i++)
    out[n++] = propagation_opts[i].name;
  for (size_t i = 0; i < N_ELEMENTS (idmap_opts) && n < max; i++)
    out[n++] = idmap_opts[i];
  if (n < max)
    out[n++] = "tmpcopyup";
  return n;
}

unsigned long
rl_mount_propagation_flags (const char *word)
{
  for (size_t i = 0; i < N_ELEMENTS (propagation_opts); i++)
    if (strcmp (word, propagation_opts[i].name) == 0)
      return propagation_opts[i].flags;
  return 0;
}

int
rl_mount_data_append (char **data, const char *extra)
{
  char *s;
  if (*data == NULL || **data == '\0')
    s = strdup (extra);
  else if (asprintf (&s, "%s,%s", *data, extra) < 0)
    s = NULL;
  if (s == NULL)
    {
      errno = ENOMEM;
      return -1;
    }
  free (*data);
  *data = s;
  return 0;
}

static bool
parse_flag (const char *o, struct rl_mount_opts *out)
{
  for (size_t i = 0; i < N_ELEMENTS (flag_opts); i++)
    if (strcmp (o, flag_opts[i].name) == 0)
      {
        if (flag_opts[i].clear)
          {
            out->flags &= ~flag_opts[i].flag;
            out->clear |= flag_opts[i].flag;
          }
        else
          {
            out->flags |= flag_opts[i].flag;
            out->clear &= ~flag_opts[i].flag;
          }
        return true;
      }
  return false;
}

static bool
parse_attr (const char *o, struct rl_mount_opts *out)
{
  for (size_t i = 0; i < N_ELEMENTS (attr_opts); i++)
    if (strcmp (o, attr_opts[i].name) == 0)
      {
        const struct attr_opt *a = &attr_opts[i];
        if (a->clr == RL_MOUNT_ATTR__ATIME)
          {
            /* A new atime mode replaces the previous one. */
            out->attr_set &= ~(uint64_t) RL_MOUNT_ATTR__ATIME;
            out->attr_clr |= RL_MOUNT_ATTR__ATIME;
            out->attr_set |= a->set;
          }
        else
          {
            out->attr_set = (out->attr_set & ~a->clr) | a->set;
            out->attr_clr = (out->attr_clr & ~a->set) | a->clr;
          }
        return true;
      }
  return false;
}

int
rl_mount_opts_parse (char *const *options, size_t n, struct rl_mount_opts *out, struct oci_error *err)
{
  memset (out, 0, sizeof *out);
  for (size_t i = 0; i < n; i++)
    {
      const char *o = options[i];
      unsigned long prop;

      if (parse_flag (o, out) || parse_attr (o, out))
        continue;
      if (strcmp (o, "idmap") == 0 || strcmp (o, "ridmap") == 0)
        {
          out->idmap = true;
          out->idmap_recursive = o[0] == 'r';
          continue;
        }
      if ((prop = rl_mount_propagation_flags (o)) != 0)
        {
          if (out->propagation_len == RL_MAX_PROPAGATION)
            {
              rl_mount_opts_free (out);
              return oci_error_set (err, 0, "mount options: more than %d propagation options", RL_MAX_PROPAGATION);
            }
          out->propagation[out->propagation_len++] = prop;
          continue;
        }
      if (strcmp (o, "tmpcopyup") == 0)
        {
          out->tmpcopyup = true;
          continue;
        }
      if (*o == '\0')
        continue;
      if (rl_mount_data_append (&out->data, o) < 0)
        {
          rl_mount_opts_free (out);
          return oci_error_set (err, ENOMEM, "mount options");
        }
    }
  return 0;
}

int
rl_mount_idmap_check (const struct oci_mount *m, size_t idx, const struct rl_mount_opts *o, bool container_userns,
                      struct oci_error *err)
{
  bool uids = m->uid_mappings != NULL, gids = m->gid_mappings != NULL;
  const char *opt = o->idmap_recursive ? "ridmap" : "idmap";

  if (!o->idmap && !uids && !gids)
    return 0;
  if (!o->idmap)
    opt = uids ? "uidMappings" : "gidMappings";
  if (!rl_mount_opts_is_bind (o))
    return oci_error_set (err, 0, "mounts[%zu] (%s): %s: only bind mounts can be id-mapped", idx,
                          m->destination ? m->destination : "", opt);
  if (uids != gids)
    return oci_error_set (err, 0, "mounts[%zu] (%s): %s given without %s", idx, m->destination,
                          uids ? "uidMappings" : "gidMappings", uids ? "gidMappings" : "uidMappings");
  if (uids && (m->uid_mappings_len == 0 || m->gid_mappings_len == 0))
    return oci_error_set (err, 0, "mounts[%zu] (%s): %s must not be empty", idx, m->destination,
                          m->uid_mappings_len == 0 ? "uidMappings" : "gidMappings");
  if (!uids && !container_userns)
    return oci_error_set (err, 0,
                          "mounts[%zu] (%s): %s without uidMappings and gidMappings needs a user namespace "
                          "in linux.namespaces",
                          idx, m->destination, opt);
  return 1;
}

void
rl_mount_opts_free (struct rl_mount_opts *o)
{
  free (o->data);
  o->data = NULL;
}
