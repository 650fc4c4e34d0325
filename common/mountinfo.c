#include "config.h"
#include "common/mountinfo.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

/* Undoes the kernel's octal escapes (\040 for a space...) in place. */
static void
unescape (char *s)
{
  char *w = s;
  for (char *r = s; *r;)
    {
      if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7')
        {
          *w++ = (char) (((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
          r += 4;
        }
      else
        *w++ = *r++;
    }
  *w = '\0';
}

static void
entry_free (struct cmn_mountinfo *e)
{
  free (e->root);
  free (e->mount_point);
  free (e->optional);
  free (e->fstype);
  free (e->source);
  free (e->super_opts);
}

/* Fills e from one line; false when the line is malformed. */
static bool
parse_line (char *line, struct cmn_mountinfo *e)
{
  char *fields[6] = { 0 }, *save = NULL, *tok;
  size_t n = 0;
  cleanup_free char *optional = strdup ("");
  bool after_sep = false;
  size_t after = 0;
  char *tail[3] = { 0 };

  if (optional == NULL)
    return false;
  for (tok = strtok_r (line, " \n", &save); tok; tok = strtok_r (NULL, " \n", &save))
    {
      if (n < 6)
        {
          fields[n++] = tok;
          continue;
        }
      if (!after_sep)
        {
          if (strcmp (tok, "-") == 0)
            {
              after_sep = true;
              continue;
            }
          /* optional fields */
          char *o = NULL;
          if (asprintf (&o, "%s%s%s", optional, *optional ? " " : "", tok) < 0)
            return false;
          free (optional);
          optional = o;
          continue;
        }
      if (after < 3)
        tail[after++] = tok;
    }
  if (n < 6 || after < 3)
    return false;
  unescape (fields[3]);
  unescape (fields[4]);
  unescape (tail[1]);
  e->root = strdup (fields[3]);
  e->mount_point = strdup (fields[4]);
  e->optional = steal_pointer (&optional);
  e->fstype = strdup (tail[0]);
  e->source = strdup (tail[1]);
  e->super_opts = strdup (tail[2]);
  if (!e->root || !e->mount_point || !e->fstype || !e->source || !e->super_opts)
    {
      entry_free (e);
      return false;
    }
  return true;
}

int
cmn_mountinfo_read (const char *path, struct cmn_mountinfo_list *out, struct oci_error *err)
{
  cleanup_fclose FILE *f = fopen (path, "re");
  cleanup_free char *line = NULL;
  size_t cap = 0;

  out->v = NULL;
  out->len = 0;
  if (f == NULL)
    return oci_error_set (err, errno, "open %s", path);
  while (getline (&line, &cap, f) > 0)
    {
      struct cmn_mountinfo e = { 0 };
      struct cmn_mountinfo *nv;
      if (!parse_line (line, &e))
        continue;
      nv = realloc (out->v, (out->len + 1) * sizeof *nv);
      if (nv == NULL)
        {
          entry_free (&e);
          cmn_mountinfo_free (out);
          return oci_error_set (err, ENOMEM, "read %s", path);
        }
      out->v = nv;
      out->v[out->len++] = e;
    }
  return 0;
}

void
cmn_mountinfo_free (struct cmn_mountinfo_list *l)
{
  for (size_t i = 0; i < l->len; i++)
    entry_free (&l->v[i]);
  free (l->v);
  l->v = NULL;
  l->len = 0;
}

const struct cmn_mountinfo *
cmn_mountinfo_find (const struct cmn_mountinfo_list *l, const char *path)
{
  const struct cmn_mountinfo *best = NULL;
  size_t best_len = 0;

  for (size_t i = 0; i < l->len; i++)
    {
      const char *mp = l->v[i].mount_point;
      size_t len = strlen (mp);
      bool contains;
      if (strcmp (mp, "/") == 0)
        contains = true, len = 0;
      else
        contains = strncmp (path, mp, len) == 0 && (path[len] == '/' || path[len] == '\0');
      if (contains && (best == NULL || len >= best_len))
        {
          best = &l->v[i];
          best_len = len;
        }
    }
  return best;
}
