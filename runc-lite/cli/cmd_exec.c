/* exec: runc's flags; the command follows the container id. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cli/cli.h"

static int
push (char ***v, size_t *n, char *s)
{
  char **nv = realloc (*v, (*n + 2) * sizeof (char *));
  if (nv == NULL)
    return -1;
  nv[(*n)++] = s;
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

enum
{
  OPT_CONSOLE = CLI_LONG_ONLY,
  OPT_CWD,
  OPT_PIDFILE,
  OPT_LABEL,
  OPT_APPARMOR,
  OPT_NNP,
  OPT_PRESERVE,
  OPT_CGROUP,
  OPT_IGNORE_PAUSED
};

static const struct cli_option exec_options[] = {
  { "console-socket", OPT_CONSOLE, CLI_VALUE, "PATH", "send the pty master to this AF_UNIX socket" },
  { "cwd", OPT_CWD, CLI_VALUE, "DIR", "the working directory in the container" },
  { "env", 'e', CLI_VALUE, "KEY=VALUE", "add or replace an environment variable (repeatable)" },
  { "tty", 't', CLI_BOOL, NULL, "give the process a pseudo-terminal" },
  { "user", 'u', CLI_VALUE, "UID[:GID]", "run as this numeric user and group" },
  { "additional-gids", 'g', CLI_VALUE, "GID", "an additional group (repeatable)" },
  { "process", 'p', CLI_VALUE, "FILE", "the process as runtime-spec process JSON, instead of a command" },
  { "detach", 'd', CLI_BOOL, NULL, "do not wait for the process" },
  { "pid-file", OPT_PIDFILE, CLI_VALUE, "FILE", "write the process's pid to FILE" },
  { "process-label", OPT_LABEL, CLI_VALUE, "LABEL", "the SELinux label of the process" },
  { "apparmor", OPT_APPARMOR, CLI_VALUE, "PROFILE", "the AppArmor profile of the process" },
  { "no-new-privs", OPT_NNP, CLI_BOOL, NULL, "set no_new_privs for the process" },
  { "cap", 'c', CLI_VALUE, "CAP", "add a capability, e.g. CAP_NET_ADMIN (repeatable)" },
  { "preserve-fds", OPT_PRESERVE, CLI_VALUE, "N", "pass N more fds (3 to 3+N-1) to the process" },
  { "cgroup", OPT_CGROUP, CLI_VALUE, "[CONTROLLER:]PATH",
    "run the process in an (existing) sub-cgroup of the container's (repeatable)" },
  { "ignore-paused", OPT_IGNORE_PAUSED, CLI_BOOL, NULL, "exec even when the container is paused" },
  CLI_OPTIONS_END,
};

const struct cli_help rl_help_exec = {
  "run a new process inside a running container",
  "[command options] <container-id> <command> [args...]  (or -p FILE <container-id>)", exec_options
};

/* What the options fill: the options of rl_exec and the lists they point
 * to. */
struct exec_args
{
  struct rl_exec_opts o;
  char **env, **gids, **caps, **cgroups;
  char *pid_file;
};

static void
exec_args_free (struct exec_args *a)
{
  free (a->env);
  free (a->gids);
  free (a->caps);
  free (a->cgroups);
  free (a->pid_file);
}

/* One option: key c, its value in optarg, a boolean's in flag; word is
 * the command line's word. */
static int
exec_option (struct exec_args *a, int c, bool flag, const char *word, struct oci_error *err)
{
  struct rl_exec_opts *o = &a->o;
  switch (c)
    {
    case OPT_CONSOLE:
      o->console_socket = optarg;
      break;
    case OPT_CWD:
      o->cwd = optarg;
      break;
    case 'e':
      if (push (&a->env, &o->env_len, optarg) < 0)
        return oci_error_set (err, ENOMEM, "exec");
      o->env = a->env;
      break;
    case 't':
      o->tty = flag ? 1 : 0;
      break;
    case 'u':
      o->user = optarg;
      break;
    case 'g':
      /* runc takes the flag several times or a comma-separated list. */
      for (char *save = NULL, *t = strtok_r (optarg, ",", &save); t; t = strtok_r (NULL, ",", &save))
        if (push (&a->gids, &o->additional_gids_len, t) < 0)
          return oci_error_set (err, ENOMEM, "exec");
      o->additional_gids = a->gids;
      break;
    case 'p':
      o->process_file = optarg;
      break;
    case 'd':
      o->detach = flag;
      break;
    case OPT_PIDFILE:
      free (a->pid_file);
      a->pid_file = cli_absolute (optarg);
      if (a->pid_file == NULL)
        return oci_error_set (err, ENOMEM, "exec");
      o->started = exec_started;
      o->started_arg = a->pid_file;
      break;
    case OPT_LABEL:
      o->process_label = optarg;
      break;
    case OPT_APPARMOR:
      o->apparmor = optarg;
      break;
    case OPT_NNP:
      o->no_new_privs = flag;
      break;
    case 'c':
      if (push (&a->caps, &o->caps_len, optarg) < 0)
        return oci_error_set (err, ENOMEM, "exec");
      o->caps = a->caps;
      break;
    case OPT_PRESERVE:
      return cli_preserve_fds ("exec", optarg, &o->preserve_fds, err);
    case OPT_CGROUP:
      if (push (&a->cgroups, &o->cgroups_len, optarg) < 0)
        return oci_error_set (err, ENOMEM, "exec");
      o->cgroups = a->cgroups;
      break;
    case OPT_IGNORE_PAUSED:
      o->ignore_paused = flag;
      break;
    default:
      return oci_error_set (err, 0, "exec: unknown or incomplete option \"%s\"", word);
    }
  return 0;
}

int
cmd_exec (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  __attribute__ ((cleanup (exec_args_free))) struct exec_args a = { .o = { .tty = -1 } };
  struct rl_exec_opts *o = &a.o;
  bool flag = false;
  int c, status;

  if (cli_getopt_start (&p, exec_options, CLI_STYLE_GO, argc, argv, err) < 0)
    return -1;
  while ((c = cli_getopt_next (&p)) != -1)
    if (cli_getopt_bool (&p, c, &flag, err) < 0 || exec_option (&a, c, flag, argv[optind - 1], err) < 0)
      return -1;
  if (optind >= argc)
    return oci_error_set (err, 0, "exec: usage: exec [options] <container-id> <command> [args...]");
  o->id = argv[optind];
  o->args = argv + optind + 1;
  o->args_len = (size_t) (argc - optind - 1);
  if (o->process_file && o->args_len)
    return oci_error_set (err, 0, "exec: give either --process or a command, not both");
  /* As runc: only a command line it cannot read is exit 1; any later
   * failure of exec is 255, worded "exec failed: ...". */
  g->failure_status = 255;
  if (rl_exec (g, o, &status, err) < 0)
    return oci_error_prefix (err, "exec failed");
  return status;
}
