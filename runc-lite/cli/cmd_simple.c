/* Helpers shared by the subcommand files. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

int
cli_container_id (int argc, char **argv, const char *usage, const char **id, struct oci_error *err)
{
  if (optind != argc - 1)
    return oci_error_set (err, 0, "%s: expected exactly one container id, usage: %s", argv[0], usage);
  *id = argv[optind];
  return 0;
}

char *
cli_absolute (const char *path)
{
  char *cwd, *out = NULL;
  if (path[0] == '/')
    return strdup (path);
  cwd = getcwd (NULL, 0);
  if (cwd == NULL || asprintf (&out, "%s/%s", cwd, path) < 0)
    out = NULL;
  free (cwd);
  return out;
}

int
cli_flag_value (const struct option *opts, int c, const char *optarg_text, bool *flag, struct oci_error *err)
{
  for (const struct option *o = opts; o->name; o++)
    {
      if (o->val != c || o->flag != NULL || o->has_arg != optional_argument)
        continue;
      /* "-d=false": getopt hands a short option's value over with its '=' */
      if (optarg_text && optarg_text[0] == '=')
        optarg_text++;
      if (optarg_text == NULL || strcmp (optarg_text, "true") == 0 || strcmp (optarg_text, "1") == 0)
        *flag = true;
      else if (strcmp (optarg_text, "false") == 0 || strcmp (optarg_text, "0") == 0)
        *flag = false;
      else
        return oci_error_set (err, 0, "--%s: expected true or false, got \"%s\"", o->name, optarg_text);
      return 0;
    }
  return 0;
}

int
cli_check_long_options (int argc, char **argv, const struct option *opts, struct oci_error *err)
{
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      size_t len;
      bool known = false;
      if (a[0] != '-' || strcmp (a, "-") == 0)
        break; /* the first operand: options end here ("+" in getopt) */
      if (strcmp (a, "--") == 0)
        break;
      len = strcspn (a + 1, "=");
      if (a[1] == '-' || len == 1)
        continue; /* --long, or a single letter (perhaps with =value) */
      for (const struct option *o = opts; o->name; o++)
        if (strlen (o->name) == len && strncmp (o->name, a + 1, len) == 0)
          known = true;
      if (!known)
        return oci_error_set (err, 0, "%s: unknown option \"%s\"", argv[0], a);
    }
  return 0;
}
