/* Helpers shared by the subcommand files. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

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
