/* runc-lite's entry point: global options (runc's), then one subcommand.
 * Subcommands live in their own files and are listed in `commands`. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "cli/log.h"
#include "error.h"
#include "version.h"

/* Every subcommand; the names and flags are runc's. */
static const struct command
{
  const char *name;
  rl_command_fn run;
  /* Starts a container process: the runtime first re-executes itself from
   * a sealed copy (CVE-2019-5736).  The others must not pay for that. */
  bool needs_sealed_copy;
  /* Its summary, usage and options (its cmd_<name>.c). */
  const struct cli_help *help;
  /* Its flags only before the operands, the rest being the process's
   * command line (runc's exec and ps); the others take flags anywhere. */
  bool flags_in_front_only;
} commands[] = {
  { "create", cmd_create, true, &rl_help_create },
  { "start", cmd_start, false, &rl_help_start },
  { "run", cmd_run, true, &rl_help_run },
  { "exec", cmd_exec, true, &rl_help_exec, true },
  { "state", cmd_state, false, &rl_help_state },
  { "kill", cmd_kill, false, &rl_help_kill },
  { "delete", cmd_delete, false, &rl_help_delete },
  { "list", cmd_list, false, &rl_help_list },
  { "pause", cmd_pause, false, &rl_help_pause },
  { "resume", cmd_resume, false, &rl_help_resume },
  { "ps", cmd_ps, false, &rl_help_ps, true },
  { "events", cmd_events, false, &rl_help_events },
  { "update", cmd_update, false, &rl_help_update },
  { "spec", cmd_spec, false, &rl_help_spec },
  { "checkpoint", cmd_checkpoint, false, &rl_help_checkpoint },
  { "restore", cmd_restore, false, &rl_help_restore },
  { "features", cmd_features, false, &rl_help_features },
  { NULL, NULL, false, NULL, false },
};

enum
{
  OPT_ROOT = CLI_LONG_ONLY,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_DEBUG,
  OPT_SYSTEMD,
  OPT_ROOTLESS,
  OPT_CRIU
};

/* The global options (runc's), before the command. */
static const struct cli_option global_options[] = {
  { "root", OPT_ROOT, CLI_VALUE, "DIR", "state directory (default /run/runc-lite)" },
  { "log", OPT_LOG, CLI_VALUE, "FILE", "write errors and debug messages to FILE" },
  { "log-format", OPT_LOG_FORMAT, CLI_VALUE, "FORMAT", "text or json (default text)" },
  { "debug", OPT_DEBUG, CLI_BOOL, NULL, "verbose logging" },
  { "systemd-cgroup", OPT_SYSTEMD, CLI_BOOL, NULL, "the systemd cgroup driver (not in this build: refused)" },
  { "rootless", OPT_ROOTLESS, CLI_VALUE, "VALUE", "auto, true or false (default auto)" },
  /* accepted for runc compatibility; checkpointing is not supported */
  { "criu", OPT_CRIU, CLI_VALUE, "PATH", NULL },
  { "help", 'h', CLI_NO_VALUE, NULL, "show this help" },
  { "version", 'v', CLI_NO_VALUE, NULL, "show the version" },
  CLI_OPTIONS_END,
};

static void
print_version (void)
{
  const struct scmp_version *v = seccomp_version ();
  printf ("runc-lite version %s\n", oci_version_package ());
  printf ("commit: %s\n", oci_version_commit ());
  printf ("spec: %s\n", OCI_RUNTIME_SPEC_VERSION);
  if (v)
    printf ("libseccomp: %u.%u.%u\n", v->major, v->minor, v->micro);
}

static void
print_usage (FILE *out)
{
  fprintf (out,
           "Usage: runc-lite [global options] COMMAND [command options] [arguments]\n"
           "\n"
           "An OCI runtime: runs containers from OCI bundles, with runc's command line.\n"
           "\n"
           "Commands:\n");
  for (const struct command *c = commands; c->name; c++)
    fprintf (out, "  %-12s %s\n", c->name, c->help->summary);
  fprintf (out, "\nGlobal options:\n");
  cli_options_print (out, global_options, 24);
  fprintf (out,
           "\nRun 'runc-lite COMMAND --help' (or 'runc-lite help COMMAND') for a command's usage and options.\n");
}

static const struct command *
find_command (const char *name)
{
  for (const struct command *c = commands; c->name; c++)
    if (strcmp (c->name, name) == 0)
      return c;
  return NULL;
}

static void
print_command_help (const struct command *cmd)
{
  cli_help_print (stdout, "runc-lite", cmd->name, cmd->help);
}

/* runc's (urfave/cli's) answer to a command it does not know, also as
 * `help NAME`: exit 3. */
static int
no_help_topic (const char *name)
{
  fprintf (stderr, "runc-lite: No help topic for '%s' (no such command)\n", name);
  return 3;
}

/* The global options into g; returns 0 to go on with the command, or an
 * exit status (1: refused; -h and -v print and exit 0) with *done set. */
static int
parse_global_options (int argc, char **argv, struct rl_global *g, bool *root_given, bool *done)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  int c;

  *done = true;
  if (cli_getopt_start (&p, global_options, CLI_STYLE_GO, argc, argv, &err) < 0)
    {
      fprintf (stderr, "runc-lite: %s\n", oci_error_msg (&err));
      return 1;
    }
  while ((c = cli_getopt_next (&p)) != -1)
    {
      switch (c)
        {
        case OPT_ROOT:
          g->root = optarg;
          *root_given = true;
          break;
        case OPT_LOG:
          g->log = optarg;
          break;
        case OPT_LOG_FORMAT:
          if (strcmp (optarg, "text") != 0 && strcmp (optarg, "json") != 0)
            {
              fprintf (stderr, "runc-lite: --log-format: expected text or json, got \"%s\"\n", optarg);
              return 1;
            }
          g->log_format = optarg;
          break;
        case OPT_DEBUG:
        case OPT_SYSTEMD:
          if (cli_getopt_bool (&p, c, c == OPT_DEBUG ? &g->debug : &g->systemd_cgroup, &err) < 0)
            {
              cli_log (g, RL_LOG_ERROR, oci_error_msg (&err));
              return 1;
            }
          break;
        case OPT_ROOTLESS:
          if (strcmp (optarg, "auto") != 0 && strcmp (optarg, "true") != 0 && strcmp (optarg, "false") != 0)
            {
              fprintf (stderr, "runc-lite: --rootless: expected auto, true or false, got \"%s\"\n", optarg);
              return 1;
            }
          g->rootless = optarg;
          break;
        case OPT_CRIU:
          break; /* accepted for runc compatibility; checkpointing is not supported */
        case 'h':
          print_usage (stdout);
          return 0;
        case 'v':
          print_version ();
          return 0;
        default:
          fprintf (stderr, "runc-lite: unknown or incomplete option \"%s\"\n", argv[optind - 1]);
          return 1;
        }
    }
  *done = false;
  return 0;
}

/* `runc-lite help [COMMAND]` (argv[0] is "help" or "h"). */
static int
help_command (int argc, char **argv)
{
  const struct command *cmd = argc > 1 ? find_command (argv[1]) : NULL;
  if (argc < 2 || cli_help_requested (argc, argv, NULL, true))
    print_usage (stdout);
  else if (cmd == NULL)
    return no_help_topic (argv[1]);
  else
    print_command_help (cmd);
  return 0;
}

/* Without --root: not root, or root of a user namespace (rootless podman,
 * buildah): /run/runc-lite is not ours.  Like runc, the user's runtime
 * directory, except for the namespace's USER=root (runc's
 * shouldHonorXDGRuntimeDir).  NULL: keep the default. */
static char *
user_root_dir (void)
{
  const char *xdg = getenv ("XDG_RUNTIME_DIR"), *user = getenv ("USER");
  char *dir = NULL;
  int n = 0;
  if (xdg && *xdg && (geteuid () != 0 || (rl_running_in_userns () && (user == NULL || strcmp (user, "root") != 0))))
    n = asprintf (&dir, "%s/runc-lite", xdg);
  else if (geteuid () != 0)
    n = asprintf (&dir, "/tmp/runc-lite-%u", geteuid ());
  return n > 0 ? dir : NULL;
}

int
main (int argc, char **argv)
{
  struct rl_global g = { .root = "/run/runc-lite", .log_format = "text", .rootless = "auto", .failure_status = 1,
                         .log_sink = cli_log };
  cleanup_free char *user_root = NULL;
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  bool root_given = false, done;
  int ret;

  ret = parse_global_options (argc, argv, &g, &root_given, &done);
  if (done)
    return ret;
  /* As runc: no command is a request for help. */
  if (optind >= argc)
    {
      print_usage (stdout);
      return 0;
    }
  if (strcmp (argv[optind], "help") == 0 || strcmp (argv[optind], "h") == 0)
    return help_command (argc - optind, argv + optind);
  if (!root_given && (user_root = user_root_dir ()) != NULL)
    g.root = user_root;
  const struct command *cmd = find_command (argv[optind]);
  if (cmd == NULL)
    return no_help_topic (argv[optind]);
  if (!cmd->flags_in_front_only && !cli_flags_first (argc - optind, argv + optind, cmd->help->options))
    {
      fprintf (stderr, "runc-lite: out of memory\n");
      return 1;
    }
  /* Before the command parses anything (and before the re-exec). */
  if (cli_help_requested (argc - optind, argv + optind, cmd->help->options, true))
    {
      print_command_help (cmd);
      return 0;
    }
  if (cmd->needs_sealed_copy && !rl_running_from_sealed_copy ())
    {
      rl_log_debug (&g, "re-executing from a sealed copy of the runtime");
      rl_reexec_from_sealed_copy (argv, &err);
      /* Only reached on failure: refuse rather than run unprotected. */
      cli_log (&g, RL_LOG_ERROR, oci_error_msg (&err));
      return 1;
    }
  ret = cmd->run (&g, argc - optind, argv + optind, &err);
  if (ret < 0)
    cli_log (&g, RL_LOG_ERROR, oci_error_msg (&err));
  oci_error_clear (&err);
  return ret < 0 ? g.failure_status : ret;
}
