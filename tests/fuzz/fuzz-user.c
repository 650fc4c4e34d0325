/* builder/exec/user.c: an image's Config.User (or a --chown value) up to
 * the first NUL, the image's /etc/passwd up to the second, its /etc/group
 * after it (a part missing: that file is missing).  Checked: an error is
 * one line with a message; a result's supplementary groups are each there
 * once, never the primary group, at most BLD_USER_GROUPS_MAX, none with
 * USER:GROUP; --chown's lookup gives the same ids without groups. */
#include "config.h"

#include <stdbool.h>

#include "exec/user.h"
#include "fuzz.h"

/* The next NUL-terminated part of data from *off, or NULL when none is
 * left (*off past size). */
static char *
next_part (const uint8_t *data, size_t size, size_t *off)
{
  const uint8_t *nul;
  size_t len;

  if (*off > size)
    return NULL;
  nul = memchr (data + *off, '\0', size - *off);
  len = nul ? (size_t) (nul - (data + *off)) : size - *off;
  char *s = fuzz_string (data + *off, len);
  *off += len + 1;
  return s;
}

static int
resolve (const char *spec, const char *passwd, const char *group, bool supplementary, struct bld_user *u)
{
  cleanup_free char *p = passwd ? strdup (passwd) : NULL;
  cleanup_free char *g = group ? strdup (group) : NULL;
  struct oci_error err = OCI_ERROR_INIT;
  int r = bld_user_resolve_text (spec, p, g, supplementary, u, &err);
  if (r < 0)
    {
      const char *msg = oci_error_msg (&err);
      FUZZ_ASSERT (msg[0] != '\0', "an error without a message");
      FUZZ_ASSERT (strchr (msg, '\n') == NULL || strchr (spec, '\n'), "a message of several lines: %s", msg);
      oci_error_clear (&err);
    }
  return r;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  size_t off = 0;
  cleanup_free char *spec = NULL;
  cleanup_free char *passwd = NULL;
  cleanup_free char *group = NULL;
  struct bld_user u, owner;
  int r, r_owner;

  if (size > 65536)
    return 0;
  spec = next_part (data, size, &off);
  passwd = next_part (data, size, &off);
  group = next_part (data, size, &off);

  r = resolve (spec, passwd, group, true, &u);
  r_owner = resolve (spec, passwd, group, false, &owner);
  /* only too many groups (not within 64 KiB) or ENOMEM may tell them apart */
  FUZZ_ASSERT (r == r_owner, "with and without groups disagree: %d, %d", r, r_owner);
  if (r < 0)
    return 0;
  FUZZ_ASSERT (owner.additional_gids == NULL && owner.additional_gids_len == 0, "groups without asking");
  FUZZ_ASSERT (owner.uid == u.uid && owner.gid == u.gid, "ids differ: %u:%u, %u:%u", owner.uid, owner.gid, u.uid,
               u.gid);
  FUZZ_ASSERT (u.additional_gids_len <= BLD_USER_GROUPS_MAX, "%zu groups", u.additional_gids_len);
  FUZZ_ASSERT (strchr (spec, ':') == NULL || u.additional_gids_len == 0, "groups with USER:GROUP");
  for (size_t i = 0; i < u.additional_gids_len; i++)
    {
      FUZZ_ASSERT (u.additional_gids[i] != u.gid, "the primary group %u among the others", u.gid);
      for (size_t j = 0; j < i && u.additional_gids_len <= 4096; j++)
        FUZZ_ASSERT (u.additional_gids[j] != u.additional_gids[i], "gid %u twice", u.additional_gids[i]);
    }
  free (u.additional_gids);
  return 0;
}
