#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "fileutil.h"

int
cmd_spec (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  static const struct option options[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "rootless", optional_argument, NULL, 'r' },
    { NULL, 0, NULL, 0 },
  };
  cleanup_runtime_config struct oci_runtime_config *spec = NULL;
  cleanup_free char *text = NULL, *path = NULL;
  const char *bundle = ".";
  bool rootless = false;
  struct stat st;
  size_t len;
  int c;

  (void) g;
  optind = 0;
  opterr = 0;
  if (cli_check_long_options (argc, argv, options, err) < 0)
    return -1;
  while ((c = getopt_long_only (argc, argv, "+b:", options, NULL)) != -1)
    {
      if (c == 'b')
        bundle = optarg;
      else if (c == 'r')
        {
          if (cli_flag_value (options, c, optarg, &rootless, err) < 0)
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
