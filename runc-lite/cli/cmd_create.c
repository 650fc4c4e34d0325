/* create and run: the same flags; run adds --detach, --keep, --no-subreaper. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli/cli.h"

static int
parse_create_flags (bool is_run, int argc, char **argv, struct rl_create_opts *o, bool *keep, char **pid_file,
                    struct oci_error *err)
{
  enum { OPT_CONSOLE = 256, OPT_PIDFILE, OPT_NOPIVOT, OPT_NOKEYRING, OPT_PRESERVE, OPT_KEEP, OPT_NOSUBREAPER };
  static const struct option create_options[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "console-socket", required_argument, NULL, OPT_CONSOLE },
    { "pid-file", required_argument, NULL, OPT_PIDFILE },
    { "no-pivot", optional_argument, NULL, OPT_NOPIVOT },
    { "no-new-keyring", optional_argument, NULL, OPT_NOKEYRING },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE },
    { "detach", optional_argument, NULL, 'd' },
    { "keep", optional_argument, NULL, OPT_KEEP },
    { "no-subreaper", optional_argument, NULL, OPT_NOSUBREAPER },
    { NULL, 0, NULL, 0 },
  };
  const char *cmd = is_run ? "run" : "create";
  bool flag;
  int c;

  optind = 0;
  opterr = 0;
  if (cli_check_long_options (argc, argv, create_options, err) < 0)
    return -1;
  while ((c = getopt_long_only (argc, argv, is_run ? "+b:d::" : "+b:", create_options, NULL)) != -1)
    {
      if (cli_flag_value (create_options, c, optarg, &flag, err) < 0)
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
          {
            char *end;
            unsigned long n = strtoul (optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || n > 65536 || optarg[0] == '-')
              return oci_error_set (err, 0, "%s: --preserve-fds: expected a count, got \"%s\"", cmd, optarg);
            o->preserve_fds = (unsigned int) n;
            break;
          }
        case 'd':
          if (!is_run)
            goto bad;
          o->detach = flag;
          break;
        case OPT_KEEP:
          if (!is_run)
            goto bad;
          *keep = flag;
          break;
        case OPT_NOSUBREAPER:
          if (!is_run)
            goto bad;
          break; /* accepted for runc compatibility: we never become a subreaper */
        default:
        bad:
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
