/* exec: runc's flags; the command follows the container id. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cli/cli.h"

static int
push (char ***v, size_t *n, const char *s)
{
  char **nv = realloc (*v, (*n + 2) * sizeof (char *));
  if (nv == NULL)
    return -1;
  nv[(*n)++] = (char *) s;
  nv[*n] = NULL;
  *v = nv;
  return 0;
}

/* --pid-file, once the process runs. */
static int
exec_started (void *pid_file, pid_t pid, struct oci_error *err)
{
  return cli_write_pid_file (pid_file, pid, err);
}

int
cmd_exec (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  enum { OPT_CONSOLE = 256, OPT_CWD, OPT_PIDFILE, OPT_LABEL, OPT_APPARMOR, OPT_NNP, OPT_PRESERVE, OPT_CGROUP,
         OPT_IGNORE_PAUSED };
  static const struct option options[] = {
    { "console-socket", required_argument, NULL, OPT_CONSOLE },
    { "cwd", required_argument, NULL, OPT_CWD },
    { "env", required_argument, NULL, 'e' },
    { "tty", optional_argument, NULL, 't' },
    { "user", required_argument, NULL, 'u' },
    { "additional-gids", required_argument, NULL, 'g' },
    { "process", required_argument, NULL, 'p' },
    { "detach", optional_argument, NULL, 'd' },
    { "pid-file", required_argument, NULL, OPT_PIDFILE },
    { "process-label", required_argument, NULL, OPT_LABEL },
    { "apparmor", required_argument, NULL, OPT_APPARMOR },
    { "no-new-privs", optional_argument, NULL, OPT_NNP },
    { "cap", required_argument, NULL, 'c' },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE },
    { "cgroup", required_argument, NULL, OPT_CGROUP },
    { "ignore-paused", optional_argument, NULL, OPT_IGNORE_PAUSED },
    { NULL, 0, NULL, 0 },
  };
  struct rl_exec_opts o = { .tty = -1 };
  cleanup_free char **env = NULL, **gids = NULL, **caps = NULL, **cgroups = NULL;
  cleanup_free char *pid_file = NULL;
  bool flag = false;
  int c, status;

  optind = 0;
  opterr = 0;
  if (cli_check_long_options (argc, argv, options, err) < 0)
    return -1;
  while ((c = getopt_long_only (argc, argv, "+e:t::u:g:p:d::c:", options, NULL)) != -1)
    {
      if (cli_flag_value (options, c, optarg, &flag, err) < 0)
        return -1;
      switch (c)
        {
        case OPT_CONSOLE:
          o.console_socket = optarg;
          break;
        case OPT_CWD:
          o.cwd = optarg;
          break;
        case 'e':
          if (push (&env, &o.env_len, optarg) < 0)
            return oci_error_set (err, ENOMEM, "exec");
          o.env = env;
          break;
        case 't':
          o.tty = flag ? 1 : 0;
          break;
        case 'u':
          o.user = optarg;
          break;
        case 'g':
          /* runc takes the flag several times or a comma-separated list. */
          for (char *save = NULL, *t = strtok_r (optarg, ",", &save); t; t = strtok_r (NULL, ",", &save))
            if (push (&gids, &o.additional_gids_len, t) < 0)
              return oci_error_set (err, ENOMEM, "exec");
          o.additional_gids = gids;
          break;
        case 'p':
          o.process_file = optarg;
          break;
        case 'd':
          o.detach = flag;
          break;
        case OPT_PIDFILE:
          pid_file = cli_absolute (optarg);
          if (pid_file == NULL)
            return oci_error_set (err, ENOMEM, "exec");
          o.started = exec_started;
          o.started_arg = pid_file;
          break;
        case OPT_LABEL:
          o.process_label = optarg;
          break;
        case OPT_APPARMOR:
          o.apparmor = optarg;
          break;
        case OPT_NNP:
          o.no_new_privs = flag;
          break;
        case 'c':
          if (push (&caps, &o.caps_len, optarg) < 0)
            return oci_error_set (err, ENOMEM, "exec");
          o.caps = caps;
          break;
        case OPT_PRESERVE:
          {
            char *end;
            unsigned long n = strtoul (optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || optarg[0] == '-' || n > 65536)
              return oci_error_set (err, 0, "exec: --preserve-fds: expected a count, got \"%s\"", optarg);
            o.preserve_fds = (unsigned int) n;
            break;
          }
        case OPT_CGROUP:
          if (push (&cgroups, &o.cgroups_len, optarg) < 0)
            return oci_error_set (err, ENOMEM, "exec");
          o.cgroups = cgroups;
          break;
        case OPT_IGNORE_PAUSED:
          o.ignore_paused = flag;
          break;
        default:
          return oci_error_set (err, 0, "exec: unknown or incomplete option \"%s\"", argv[optind - 1]);
        }
    }
  if (optind >= argc)
    return oci_error_set (err, 0, "exec: usage: exec [options] <container-id> <command> [args...]");
  o.id = argv[optind];
  o.args = argv + optind + 1;
  o.args_len = (size_t) (argc - optind - 1);
  if (o.process_file && o.args_len)
    return oci_error_set (err, 0, "exec: give either --process or a command, not both");
  /* As runc: only a command line it cannot read is exit 1; any later
   * failure of exec is 255, worded "exec failed: ...". */
  g->failure_status = 255;
  if (rl_exec (g, &o, &status, err) < 0)
    return oci_error_prefix (err, "exec failed");
  return status;
}
