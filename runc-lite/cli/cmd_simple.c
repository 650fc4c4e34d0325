/* Helpers shared by the subcommand files. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

int
cli_no_options (int argc, char **argv, struct oci_error *err)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  if (cli_getopt_start (&p, NULL, CLI_STYLE_LONG_ONLY, argc, argv, err) < 0)
    return -1;
  if (cli_getopt_next (&p) != -1)
    return oci_error_set (err, 0, "%s: unknown option \"%s\"", argv[0], argv[optind - 1]);
  return 0;
}

int
cli_container_id (int argc, char **argv, const char *usage, const char **id, struct oci_error *err)
{
  if (optind != argc - 1)
    return oci_error_set (err, 0, "%s: expected exactly one container id, usage: %s", argv[0], usage);
  *id = argv[optind];
  return 0;
}

int
cli_preserve_fds (const char *cmd, const char *text, unsigned int *count, struct oci_error *err)
{
  char *end;
  unsigned long n = strtoul (text, &end, 10);
  if (*text == '\0' || *end != '\0' || text[0] == '-' || n > 65536)
    return oci_error_set (err, 0, "%s: --preserve-fds: expected a count, got \"%s\"", cmd, text);
  *count = (unsigned int) n;
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
