#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "fileutil.h"

enum
{
  OPT_ROOTLESS = CLI_LONG_ONLY
};

static const struct cli_option spec_options[] = {
  { "bundle", 'b', CLI_VALUE, "DIR", "write config.json into DIR (default: the current directory)" },
  { "rootless", OPT_ROOTLESS, CLI_BOOL, NULL, "a spec for a container run by an unprivileged user" },
  CLI_OPTIONS_END,
};

const struct cli_help rl_help_spec = { "write a default config.json", "[command options]", spec_options };

int
cmd_spec (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  cleanup_runtime_config struct oci_runtime_config *spec = NULL;
  cleanup_free char *text = NULL, *path = NULL;
  const char *bundle = ".";
  bool rootless = false;
  struct stat st;
  size_t len;
  int c;

  (void) g;
  if (cli_getopt_start (&p, spec_options, CLI_STYLE_GO, argc, argv, err) < 0)
    return -1;
  while ((c = cli_getopt_next (&p)) != -1)
    {
      if (c == 'b')
        bundle = optarg;
      else if (c == OPT_ROOTLESS)
        {
          if (cli_getopt_bool (&p, c, &rootless, err) < 0)
            return -1;
        }
      else
        return oci_error_set (err, 0, "spec: unknown or incomplete option \"%s\"", argv[optind - 1]);
    }
  if (optind != argc)
    return oci_error_set (err, 0, "spec: takes no arguments");
  if (asprintf (&path, "%s/config.json", bundle) < 0)
    return oci_error_set (err, ENOMEM, "spec");
  if (lstat (path, &st) == 0)
    return oci_error_set (err, 0, "spec: %s exists: remove it first", path);
  if (rl_default_spec (rootless, &spec, err) < 0 || oci_runtime_config_emit (spec, true, &text, &len, err) < 0)
    return -1;
  return oci_write_file_atomic (path, text, len, 0666 & ~0022, err);
}
