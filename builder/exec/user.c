#include "config.h"
#include "exec/user.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cleanup.h"
#include "common/array.h"
#include "common/root_path.h"
#include "fileutil.h"

#define ID_FILE_MAX (16u << 20)

/* Opens etc/NAME under the root without leaving it. */
static int
open_in_root (int rootfs_fd, const char *name)
{
  cleanup_free char *path = NULL;

  if (asprintf (&path, "etc/%s", name) < 0)
    return -1;
  return cmn_open_in_root (rootfs_fd, path, O_RDONLY, 0);
}

/* Reads etc/NAME; *text is NULL when it does not exist. */
static int
read_id_file (int rootfs_fd, const char *name, char **text, struct oci_error *err)
{
  cleanup_close int fd = open_in_root (rootfs_fd, name);
  size_t len;

  *text = NULL;
  if (fd < 0)
    {
      if (errno == ENOENT)
        return 0;
      return oci_error_set (err, errno, "open /etc/%s in the rootfs", name);
    }
  return oci_read_fd (fd, name, ID_FILE_MAX, text, &len, err);
}

static bool
parse_id (const char *s, uint32_t *out)
{
  char *end;
  unsigned long v;

  if (*s < '0' || *s > '9')
    return false;
  errno = 0;
  v = strtoul (s, &end, 10);
  if (errno || *end || v > UINT32_MAX)
    return false;
  *out = (uint32_t) v;
  return true;
}

/* Splits line (modified) into at most n ':'-separated fields; returns the
 * count. */
static size_t
split_fields (char *line, char **f, size_t n)
{
  size_t i = 0;
  f[i++] = line;
  for (char *p = line; *p && i < n; p++)
    if (*p == ':')
      {
        *p = '\0';
        f[i++] = p + 1;
      }
  return i;
}

/* Calls fn on each line of text split into n fields (comments and short
 * lines skipped); stops when fn returns true. */
static bool
each_entry (char *text, size_t n, bool (*fn) (char **f, void *ctx), void *ctx)
{
  char *save = NULL;
  char *f[8];
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      if (line[0] == '#' || split_fields (line, f, n) < n)
        continue;
      if (fn (f, ctx))
        return true;
    }
  return false;
}

struct find
{
  const char *name; /* look up by name, or */
  uint32_t id;      /* by id */
  bool by_id;
  uint32_t found_id, found_gid;
  char *found_name;
};

static bool
match_passwd (char **f, void *ctx)
{
  struct find *q = ctx;
  uint32_t uid, gid;
  if (!parse_id (f[2], &uid) || !parse_id (f[3], &gid))
    return false;
  if (q->by_id ? uid != q->id : strcmp (f[0], q->name) != 0)
    return false;
  q->found_id = uid;
  q->found_gid = gid;
  q->found_name = f[0];
  return true;
}

static bool
match_group (char **f, void *ctx)
{
  struct find *q = ctx;
  uint32_t gid;
  if (!parse_id (f[2], &gid) || strcmp (f[0], q->name) != 0)
    return false;
  q->found_id = gid;
  return true;
}

/* The supplementary groups of a user, in /etc/group's order, each gid
 * once.  seen is an open-addressing set of gid + 1 (0: a free slot), so
 * that a group file of a million lines naming the user stays linear; its
 * hash multiplies by a random odd number (multiply-shift), so that no
 * image can pick gids that all collide. */
struct members
{
  const char *user;
  uint32_t primary;
  uint32_t *gids;
  size_t len;
  uint64_t *seen;
  unsigned seen_bits; /* 2^seen_bits slots, at least twice len */
  uint64_t mul;
  int error; /* ENOMEM, or E2BIG past BLD_USER_GROUPS_MAX */
};

static uint64_t *
seen_slot (const struct members *m, uint64_t *seen, unsigned bits, uint32_t gid)
{
  size_t mask = ((size_t) 1 << bits) - 1;
  size_t i = (size_t) ((m->mul * gid) >> (64 - bits));
  while (seen[i] != 0 && seen[i] != (uint64_t) gid + 1)
    i = (i + 1) & mask;
  return &seen[i];
}

/* Adds gid unless it is there; false with m->error set on failure. */
static bool
members_add (struct members *m, uint32_t gid)
{
  if (m->seen == NULL || (m->len + 1) * 2 > ((size_t) 1 << m->seen_bits))
    {
      unsigned bits = m->seen ? m->seen_bits + 1 : 6;
      uint64_t *seen = calloc ((size_t) 1 << bits, sizeof *seen);
      if (seen == NULL)
        return (m->error = ENOMEM), false;
      if (m->seen == NULL)
        {
          if (getrandom (&m->mul, sizeof m->mul, GRND_NONBLOCK) != (ssize_t) sizeof m->mul)
            m->mul = 0x9E3779B97F4A7C15u ^ (uint64_t) (uintptr_t) seen; /* no entropy yet: ASLR's */
          m->mul |= 1;
        }
      for (size_t i = 0; i < m->len; i++)
        *seen_slot (m, seen, bits, m->gids[i]) = (uint64_t) m->gids[i] + 1;
      free (m->seen);
      m->seen = seen;
      m->seen_bits = bits;
    }
  uint64_t *slot = seen_slot (m, m->seen, m->seen_bits, gid);
  if (*slot != 0)
    return true;
  if (m->len == BLD_USER_GROUPS_MAX)
    return (m->error = E2BIG), false;
  if (array_reserve (&m->gids, m->len + 1, sizeof *m->gids) < 0)
    return (m->error = ENOMEM), false;
  *slot = (uint64_t) gid + 1;
  m->gids[m->len++] = gid;
  return true;
}

static bool
collect_member (char **f, void *ctx)
{
  struct members *m = ctx;
  uint32_t gid;
  char *save = NULL;

  if (!parse_id (f[2], &gid) || gid == m->primary)
    return false;
  for (char *u = strtok_r (f[3], ",", &save); u; u = strtok_r (NULL, ",", &save))
    if (strcmp (u, m->user) == 0)
      return !members_add (m, gid); /* stops the walk on an error */
  return false;
}

int
bld_user_resolve_text (const char *spec, char *passwd, char *group, bool supplementary, struct bld_user *out,
                       struct oci_error *err)
{
  cleanup_free char *user = strdup (spec);
  cleanup_free char *user_name = NULL;
  char *grp;
  struct find q = { 0 };

  memset (out, 0, sizeof *out);
  if (user == NULL)
    return oci_error_set (err, ENOMEM, "user");
  grp = strchr (user, ':');
  if (grp)
    *grp++ = '\0';
  if (*user == '\0' || (grp && *grp == '\0'))
    return oci_error_set (err, 0, "invalid user \"%s\"", spec);

  /* The user: numeric ids are taken as they are (the gid and the
   * supplementary groups of the passwd entry when the uid has one, as
   * docker and runc do, else gid 0); names must exist. */
  if (parse_id (user, &out->uid))
    {
      q.by_id = true;
      q.id = out->uid;
      if (passwd && each_entry (passwd, 7, match_passwd, &q))
        {
          out->gid = q.found_gid;
          if ((user_name = strdup (q.found_name)) == NULL)
            return oci_error_set (err, ENOMEM, "user");
        }
    }
  else
    {
      if (passwd == NULL)
        return oci_error_set (err, 0, "user \"%s\": no /etc/passwd in the image", user);
      q.name = user;
      if (!each_entry (passwd, 7, match_passwd, &q))
        return oci_error_set (err, 0, "user \"%s\" not found in the image's /etc/passwd", user);
      out->uid = q.found_id;
      out->gid = q.found_gid;
      user_name = strdup (q.found_name);
      if (user_name == NULL)
        return oci_error_set (err, ENOMEM, "user");
    }

  if (grp)
    {
      if (!parse_id (grp, &out->gid))
        {
          struct find g = { .name = grp };
          if (group == NULL || !each_entry (group, 4, match_group, &g))
            return oci_error_set (err, 0, "group \"%s\" not found in the image's /etc/group", grp);
          out->gid = g.found_id;
        }
      return 0;
    }
  /* Supplementary groups only for a user without a group. */
  if (supplementary && user_name && group)
    {
      struct members m = { .user = user_name, .primary = out->gid };
      each_entry (group, 4, collect_member, &m);
      free (m.seen);
      if (m.error)
        {
          free (m.gids);
          if (m.error == E2BIG)
            return oci_error_set (err, 0,
                                  "user \"%s\" is in more than %d groups in the image's /etc/group (the kernel's "
                                  "limit for a process)",
                                  user_name, BLD_USER_GROUPS_MAX);
          return oci_error_set (err, m.error, "user \"%s\": groups", user_name);
        }
      out->additional_gids = m.gids;
      out->additional_gids_len = m.len;
    }
  return 0;
}

/* Reads the rootfs's etc/passwd and etc/group (NULL where missing); the
 * caller frees both, also on failure. */
static int
read_id_files (int rootfs_fd, char **passwd, char **group, struct oci_error *err)
{
  *group = NULL;
  if (read_id_file (rootfs_fd, "passwd", passwd, err) < 0)
    return -1;
  return read_id_file (rootfs_fd, "group", group, err);
}

int
bld_user_resolve (int rootfs_fd, const char *spec, struct bld_user *out, struct oci_error *err)
{
  cleanup_free char *passwd = NULL;
  cleanup_free char *group = NULL;

  memset (out, 0, sizeof *out);
  if (read_id_files (rootfs_fd, &passwd, &group, err) < 0)
    return -1;
  return bld_user_resolve_text (spec, passwd, group, true, out, err);
}

int
bld_user_resolve_owner (int rootfs_fd, const char *spec, uint32_t *uid, uint32_t *gid, struct oci_error *err)
{
  cleanup_free char *passwd = NULL;
  cleanup_free char *group = NULL;
  struct bld_user u;

  if (parse_id (spec, uid))
    {
      *gid = *uid;
      return 0;
    }
  if (read_id_files (rootfs_fd, &passwd, &group, err) < 0
      || bld_user_resolve_text (spec, passwd, group, false, &u, err) < 0)
    return -1;
  *uid = u.uid;
  *gid = u.gid;
  return 0;
}
