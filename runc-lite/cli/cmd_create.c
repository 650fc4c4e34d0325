/* create and run: the same flags; run adds --detach, --keep, --no-subreaper. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli/cli.h"

enum
{
  OPT_CONSOLE = CLI_LONG_ONLY,
  OPT_PIDFILE,
  OPT_NOPIVOT,
  OPT_NOKEYRING,
  OPT_PRESERVE,
  OPT_KEEP,
  OPT_NOSUBREAPER
};

/* create's options, which run has too. */
#define CREATE_OPTIONS                                                                                               \
  { "bundle", 'b', CLI_VALUE, "DIR", "the bundle directory (default: the current directory)" },                      \
      { "console-socket", OPT_CONSOLE, CLI_VALUE, "PATH",                                                            \
        "send the pty master to this AF_UNIX socket (process.terminal)" },                                           \
      { "pid-file", OPT_PIDFILE, CLI_VALUE, "FILE", "write the init's pid to FILE" },                                \
      { "no-pivot", OPT_NOPIVOT, CLI_BOOL, NULL, "enter the rootfs with MS_MOVE and chroot instead of pivot_root" }, \
      { "no-new-keyring", OPT_NOKEYRING, CLI_BOOL, NULL, "keep the caller's session keyring" },                      \
  {                                                                                                                  \
    "preserve-fds", OPT_PRESERVE, CLI_VALUE, "N", "pass N more fds (3 to 3+N-1) to the container"                    \
  }

static const struct cli_option create_options[] = {
  CREATE_OPTIONS,
  CLI_OPTIONS_END,
};

static const struct cli_option run_options[] = {
  CREATE_OPTIONS,
  { "detach", 'd', CLI_BOOL, NULL, "return once the process has started instead of waiting for it" },
  { "keep", OPT_KEEP, CLI_BOOL, NULL, "keep the stopped container's state (no delete on exit)" },
  { "no-subreaper", OPT_NOSUBREAPER, CLI_BOOL, NULL, "accepted for runc compatibility (never a subreaper)" },
  CLI_OPTIONS_END,
};

const struct cli_help rl_help_create = { "create a container", "[command options] <container-id>", create_options };
const struct cli_help rl_help_run = { "create and start a container", "[command options] <container-id>",
                                      run_options };

static int
parse_create_flags (bool is_run, int argc, char **argv, struct rl_create_opts *o, bool *keep, char **pid_file,
                    struct oci_error *err)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  const char *cmd = is_run ? "run" : "create";
  bool flag;
  int c;

  if (cli_getopt_start (&p, is_run ? run_options : create_options, CLI_STYLE_GO, argc, argv, err) < 0)
    return -1;
  while ((c = cli_getopt_next (&p)) != -1)
    {
      if (cli_getopt_bool (&p, c, &flag, err) < 0)
        return -1;
      switch (c)
        {
        case 'b':
          o->bundle = optarg;
          break;
        case OPT_CONSOLE:
          o->console_socket = optarg;
          break;
        case OPT_PIDFILE:
          *pid_file = cli_absolute (optarg);
          if (*pid_file == NULL)
            return oci_error_set (err, ENOMEM, "--pid-file");
          o->pid_file = *pid_file;
          break;
        case OPT_NOPIVOT:
          o->no_pivot = flag;
          break;
        case OPT_NOKEYRING:
          o->no_new_keyring = flag;
          break;
        case OPT_PRESERVE:
          if (cli_preserve_fds (cmd, optarg, &o->preserve_fds, err) < 0)
            return -1;
          break;
        case 'd':
          o->detach = flag;
          break;
        case OPT_KEEP:
          *keep = flag;
          break;
        case OPT_NOSUBREAPER:
          break; /* accepted for runc compatibility: we never become a subreaper */
        default:
          return oci_error_set (err, 0, "%s: unknown or incomplete option \"%s\"", cmd, argv[optind - 1]);
        }
    }
  if (optind != argc - 1)
    return oci_error_set (err, 0, "%s: expected exactly one container id, usage: %s [options] <container-id>", cmd,
                          cmd);
  o->id = argv[optind];
  return 0;
}

int
cmd_create (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  struct rl_create_opts o = { 0 };
  cleanup_free char *pid_file = NULL;
  bool keep = false;
  if (parse_create_flags (false, argc, argv, &o, &keep, &pid_file, err) < 0)
    return -1;
  return rl_create (g, &o, err);
}

int
cmd_run (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  struct rl_create_opts o = { 0 };
  cleanup_free char *pid_file = NULL;
  bool keep = false;
  int status;
  if (parse_create_flags (true, argc, argv, &o, &keep, &pid_file, err) < 0)
    return -1;
  o.keep = keep;
  if (rl_run (g, &o, &status, err) < 0)
    return -1;
  return status;
}
