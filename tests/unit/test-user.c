/* Config.User and --chown through an image's /etc/passwd and /etc/group
 * (builder/exec/user.c): lookups, supplementary groups, and the limits
 * on what a hostile group file can ask for. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "exec/user.h"
#include "tap.h"

static const char PASSWD[] = "root:x:0:0:root:/root:/bin/sh\n"
                             "# a comment\n"
                             "short:x:9\n"
                             "nobody:x:65534:65534::/:/bin/sh\n"
                             "app:x:1000:1000::/srv:/bin/sh\n";
static const char GROUP[] = "root:x:0:\n"
                            "nogroup:x:65534:\n"
                            "staff:x:50:nobody,app\n"
                            "wheel:x:10:nobody\n"
                            "again:x:50:nobody\n"
                            "own:x:65534:nobody\n";

/* Resolves spec over copies of the two texts (NULL: the file is missing);
 * returns bld_user_resolve_text's result, the message in *msg (freed by
 * the caller) on failure. */
static int
resolve (const char *spec, const char *passwd, const char *group, bool supplementary, struct bld_user *u, char **msg)
{
  cleanup_free char *p = passwd ? strdup (passwd) : NULL;
  cleanup_free char *g = group ? strdup (group) : NULL;
  struct oci_error err = OCI_ERROR_INIT;
  int r = bld_user_resolve_text (spec, p, g, supplementary, u, &err);
  *msg = r < 0 ? strdup (oci_error_msg (&err)) : NULL;
  oci_error_clear (&err);
  return r;
}

static void
resolves (const char *spec, uint32_t uid, uint32_t gid, const char *gids)
{
  struct bld_user u;
  cleanup_free char *msg = NULL;
  char got[256] = "";
  int r = resolve (spec, PASSWD, GROUP, true, &u, &msg);
  for (size_t i = 0; r == 0 && i < u.additional_gids_len; i++)
    snprintf (got + strlen (got), sizeof got - strlen (got), "%s%u", i ? "," : "", u.additional_gids[i]);
  ok (r == 0 && u.uid == uid && u.gid == gid && strcmp (got, gids) == 0, "%s -> %u:%u [%s]", spec, uid, gid, gids);
  if (r < 0)
    diag ("%s", msg);
  else if (u.uid != uid || u.gid != gid || strcmp (got, gids) != 0)
    diag ("got %u:%u [%s]", u.uid, u.gid, got);
  if (r == 0)
    free (u.additional_gids);
}

static void
refused (const char *spec, const char *passwd, const char *group, const char *words)
{
  struct bld_user u;
  cleanup_free char *msg = NULL;
  int r = resolve (spec, passwd, group, true, &u, &msg);
  ok (r < 0 && strstr (msg, words) != NULL && strchr (msg, '\n') == NULL, "%s refused: %s", spec, words);
  if (r < 0)
    diag ("%s", msg);
  else
    free (u.additional_gids);
}

/* A group file of n lines, each a group of its own gid (from first, every
 * step-th) that lists user among others. */
static char *
many_groups (size_t n, uint32_t first, uint32_t step, const char *user)
{
  size_t cap = n * 64 + 1, len = 0;
  char *s = malloc (cap);
  if (s == NULL)
    abort ();
  for (size_t i = 0; i < n; i++)
    len += (size_t) snprintf (s + len, cap - len, "g%zu:x:%u:other,%s\n", i, (unsigned) (first + i * step), user);
  return s;
}

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int
main (void)
{
  struct bld_user u;
  char *msg = NULL;

  /* names, ids, user:group; supplementary groups in the file's order, each
   * once, without the primary group (runc's GetExecUser, docker) */
  resolves ("nobody", 65534, 65534, "50,10");
  resolves ("app", 1000, 1000, "50");
  resolves ("65534", 65534, 65534, "50,10");
  resolves ("1234", 1234, 0, "");
  resolves ("nobody:staff", 65534, 50, "");
  resolves ("root:nogroup", 0, 65534, "");
  resolves ("1234:77", 1234, 77, "");
  resolves ("4294967295", 4294967295u, 0, "");
  refused ("4294967296", PASSWD, GROUP, "not found in the image's /etc/passwd");
  refused ("ghost", PASSWD, GROUP, "user \"ghost\" not found in the image's /etc/passwd");
  refused ("short", PASSWD, GROUP, "user \"short\" not found");
  refused ("nobody:ghosts", PASSWD, GROUP, "group \"ghosts\" not found in the image's /etc/group");
  refused ("nobody:staff", PASSWD, NULL, "group \"staff\" not found");
  refused ("app", NULL, GROUP, "no /etc/passwd in the image");
  refused ("", PASSWD, GROUP, "invalid user \"\"");
  refused ("app:", PASSWD, GROUP, "invalid user \"app:\"");

  /* --chown: no supplementary groups looked up */
  ok (resolve ("nobody", PASSWD, GROUP, false, &u, &msg) == 0 && u.additional_gids_len == 0
          && u.additional_gids == NULL && u.gid == 65534,
      "without supplementary: no groups collected");
  free (msg);

  /* A user in as many groups as the kernel takes resolves; one more is an
   * error naming the user and the file (before: every gid, 400,000 of
   * them, after a quadratic search; setgroups refuses more than 65536). */
  {
    cleanup_free char *g = many_groups (BLD_USER_GROUPS_MAX, 70000, 1, "nobody");
    int r = resolve ("nobody", PASSWD, g, true, &u, &msg);
    ok (r == 0 && u.additional_gids_len == BLD_USER_GROUPS_MAX && u.additional_gids[0] == 70000
            && u.additional_gids[BLD_USER_GROUPS_MAX - 1] == 70000 + BLD_USER_GROUPS_MAX - 1,
        "a user in %d groups has them all, in order", BLD_USER_GROUPS_MAX);
    if (r == 0)
      free (u.additional_gids);
    free (msg);
  }
  {
    cleanup_free char *g = many_groups (BLD_USER_GROUPS_MAX + 1, 70000, 1, "nobody");
    refused ("nobody", PASSWD, g, "user \"nobody\" is in more than 65536 groups in the image's /etc/group");
  }
  /* 400,000 lines naming the same few gids again and again: each gid once,
   * and no time lost on the repeats */
  {
    cleanup_free char *g = many_groups (400000, 0, 0, "app");
    double t = now ();
    int r = resolve ("app", PASSWD, g, true, &u, &msg);
    ok (r == 0 && u.additional_gids_len == 1 && u.additional_gids[0] == 0, "400,000 lines of one gid: it once");
    if (r == 0)
      free (u.additional_gids);
    free (msg);
    diag ("%.3f s", now () - t);
  }
  /* gids that share their low 16 bits (a weak hash's worst case) */
  {
    cleanup_free char *g = many_groups (60000, 7, 1u << 16, "app");
    double t = now ();
    int r = resolve ("app", PASSWD, g, true, &u, &msg);
    double took = now () - t;
    ok (r == 0 && u.additional_gids_len == 60000 && u.additional_gids[59999] == 7 + 59999u * (1u << 16),
        "60,000 gids equal in their low bits: all of them (%.3f s)", took);
    if (r == 0)
      free (u.additional_gids);
    free (msg);
  }
  return tap_done ();
}
