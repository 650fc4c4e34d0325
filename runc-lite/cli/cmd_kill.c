#include "config.h"

#include <signal.h>

#include "cli/cli.h"

static const struct cli_option kill_options[] = {
  { "all", 'a', CLI_BOOL, NULL, "signal every process in the container's cgroup, not only its init" },
  CLI_OPTIONS_END,
};

const struct cli_help rl_help_kill = { "send a signal to the container's init",
                                       "[command options] <container-id> [signal]  (default SIGTERM)", kill_options };

int
cmd_kill (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  bool all = false;
  int c, sig = SIGTERM;

  if (cli_getopt_start (&p, kill_options, CLI_STYLE_GO, argc, argv, err) < 0)
    return -1;
  while ((c = cli_getopt_next (&p)) != -1)
    {
      if (c != 'a')
        return oci_error_set (err, 0, "kill: unknown option \"%s\"", argv[optind - 1]);
      if (cli_getopt_bool (&p, c, &all, err) < 0)
        return -1;
    }
  if (optind == argc || argc - optind > 2)
    return oci_error_set (err, 0, "kill: usage: kill [--all] <container-id> [signal]");
  if (argc - optind == 2 && rl_parse_signal (argv[optind + 1], &sig, err) < 0)
    return -1;
  return rl_kill (g, argv[optind], sig, all, err);
}
