#include "config.h"

#include <getopt.h>
#include <signal.h>

#include "cli/cli.h"

int
cmd_kill (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  static const struct option options[] = { { "all", optional_argument, NULL, 'a' }, { NULL, 0, NULL, 0 } };
  bool all = false;
  int c, sig = SIGTERM;

  optind = 0;
  opterr = 0;
  if (cli_check_long_options (argc, argv, options, err) < 0)
    return -1;
  while ((c = getopt_long_only (argc, argv, "+a::", options, NULL)) != -1)
    {
      if (c != 'a')
        return oci_error_set (err, 0, "kill: unknown option \"%s\"", argv[optind - 1]);
      if (cli_flag_value (options, c, optarg, &all, err) < 0)
        return -1;
    }
  if (optind == argc || argc - optind > 2)
    return oci_error_set (err, 0, "kill: usage: kill [--all] <container-id> [signal]");
  if (argc - optind == 2 && rl_parse_signal (argv[optind + 1], &sig, err) < 0)
    return -1;
  return rl_kill (g, argv[optind], sig, all, err);
}
