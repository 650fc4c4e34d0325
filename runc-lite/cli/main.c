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
#include "cli/help.h"
#include "version.h"

/* Every subcommand; the names and flags are runc's. */
static const struct command
{
  const char *name;
  const char *summary;
  rl_command_fn run;
  /* Starts a container process: the runtime first re-executes itself from
   * a sealed copy (CVE-2019-5736).  The others must not pay for that. */
  bool needs_sealed_copy;
  /* `runc-lite COMMAND --help`: usage and options (help.c). */
  const struct cli_help *help;
  /* Its flags only before the operands, the rest being the process's
   * command line (runc's exec and ps); the others take flags anywhere. */
  bool flags_in_front_only;
} commands[] = {
  { "create", "create a container", cmd_create, true, &rl_help_create },
  { "start", "start the user's process in a created container", cmd_start, false, &rl_help_start },
  { "run", "create and start a container", cmd_run, true, &rl_help_run },
  { "exec", "run a new process inside a running container", cmd_exec, true, &rl_help_exec, true },
  { "state", "print the state of a container", cmd_state, false, &rl_help_state },
  { "kill", "send a signal to the container's init", cmd_kill, false, &rl_help_kill },
  { "delete", "delete a container and what it holds", cmd_delete, false, &rl_help_delete },
  { "list", "list the containers", cmd_list, false, &rl_help_list },
  { "pause", "suspend every process in the container", cmd_pause, false, &rl_help_pause },
  { "resume", "resume a paused container", cmd_resume, false, &rl_help_resume },
  { "ps", "list the container's processes", cmd_ps, false, &rl_help_ps, true },
  { "events", "print the container's statistics and OOM events as JSON", cmd_events, false, &rl_help_events },
  { "update", "change the container's resource limits", cmd_update, false, &rl_help_update },
  { "spec", "write a default config.json", cmd_spec, false, &rl_help_spec },
  { "checkpoint", "not supported (no CRIU): exits with an error", cmd_checkpoint, false, &rl_help_checkpoint },
  { "restore", "not supported (no CRIU): exits with an error", cmd_restore, false, &rl_help_restore },
  { "features", "print what this runtime supports (runtime-spec features.md)", cmd_features, false, &rl_help_features },
  { NULL, NULL, NULL, false, NULL, false },
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
    fprintf (out, "  %-12s %s\n", c->name, c->summary);
  fprintf (out,
           "\n"
           "Global options:\n"
           "  --root DIR            state directory (default /run/runc-lite)\n"
           "  --log FILE            write errors and debug messages to FILE\n"
           "  --log-format FORMAT   text or json (default text)\n"
           "  --debug               verbose logging\n"
           "  --systemd-cgroup      the systemd cgroup driver (not in this build: refused)\n"
           "  --rootless VALUE      auto, true or false (default auto)\n"
           "  -h, --help            show this help\n"
           "  -v, --version         show the version\n"
           "\n"
           "Run 'runc-lite COMMAND --help' (or 'runc-lite help COMMAND') for a command's usage and options.\n");
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
  static const struct cli_help no_help = { "[command options] [arguments]", NULL };
  cli_help_print (stdout, "runc-lite", cmd->name, cmd->summary, cmd->help ? cmd->help : &no_help);
}

/* runc's (urfave/cli's) answer to a command it does not know, also as
 * `help NAME`: exit 3. */
static int
no_help_topic (const char *name)
{
  fprintf (stderr, "runc-lite: No help topic for '%s' (no such command)\n", name);
  return 3;
}

int
main (int argc, char **argv)
{
  enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_ROOTLESS, OPT_CRIU };
  static const struct option long_options[] = {
    { "root", required_argument, NULL, OPT_ROOT },
    { "log", required_argument, NULL, OPT_LOG },
    { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
    { "debug", optional_argument, NULL, OPT_DEBUG },
    { "systemd-cgroup", optional_argument, NULL, OPT_SYSTEMD },
    { "rootless", required_argument, NULL, OPT_ROOTLESS },
    { "criu", required_argument, NULL, OPT_CRIU },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'v' },
    { NULL, 0, NULL, 0 },
  };
  struct rl_global g = { .root = "/run/runc-lite", .log_format = "text", .rootless = "auto", .failure_status = 1,
                         .log_sink = cli_log };
  cleanup_free char *user_root = NULL;
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  bool root_given = false;
  int c, ret;

  opterr = 0;
  if (cli_check_long_options (argc, argv, long_options, &err) < 0)
    {
      fprintf (stderr, "runc-lite: %s\n", oci_error_msg (&err));
      return 1;
    }
  while ((c = getopt_long_only (argc, argv, "+hv", long_options, NULL)) != -1)
    {
      switch (c)
        {
        case OPT_ROOT:
          g.root = optarg;
          root_given = true;
          break;
        case OPT_LOG:
          g.log = optarg;
          break;
        case OPT_LOG_FORMAT:
          if (strcmp (optarg, "text") != 0 && strcmp (optarg, "json") != 0)
            {
              fprintf (stderr, "runc-lite: --log-format: expected text or json, got \"%s\"\n", optarg);
              return 1;
            }
          g.log_format = optarg;
          break;
        case OPT_DEBUG:
        case OPT_SYSTEMD:
          if (cli_flag_value (long_options, c, optarg, c == OPT_DEBUG ? &g.debug : &g.systemd_cgroup, &err) < 0)
            {
              cli_log (&g, RL_LOG_ERROR, oci_error_msg (&err));
              return 1;
            }
          break;
        case OPT_ROOTLESS:
          if (strcmp (optarg, "auto") != 0 && strcmp (optarg, "true") != 0 && strcmp (optarg, "false") != 0)
            {
              fprintf (stderr, "runc-lite: --rootless: expected auto, true or false, got \"%s\"\n", optarg);
              return 1;
            }
          g.rootless = optarg;
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
  /* As runc: no command is a request for help. */
  if (optind >= argc)
    {
      print_usage (stdout);
      return 0;
    }
  if (strcmp (argv[optind], "help") == 0 || strcmp (argv[optind], "h") == 0)
    {
      const struct command *cmd = optind + 1 < argc ? find_command (argv[optind + 1]) : NULL;
      if (optind + 1 >= argc || cli_help_requested (argc - optind, argv + optind, NULL, true))
        print_usage (stdout);
      else if (cmd == NULL)
        return no_help_topic (argv[optind + 1]);
      else
        print_command_help (cmd);
      return 0;
    }
  if (!root_given)
    {
      /* Not root, or root of a user namespace (rootless podman, buildah):
       * /run/runc-lite is not ours.  Like runc, use the user's runtime
       * directory, except for the namespace's USER=root (runc's
       * shouldHonorXDGRuntimeDir). */
      const char *xdg = getenv ("XDG_RUNTIME_DIR"), *user = getenv ("USER");
      int n = 0;
      if (xdg && *xdg
          && (geteuid () != 0 || (rl_running_in_userns () && (user == NULL || strcmp (user, "root") != 0))))
        n = asprintf (&user_root, "%s/runc-lite", xdg);
      else if (geteuid () != 0)
        n = asprintf (&user_root, "/tmp/runc-lite-%u", geteuid ());
      if (n > 0)
        g.root = user_root;
    }
  const struct command *cmd = find_command (argv[optind]);
  if (cmd == NULL)
    return no_help_topic (argv[optind]);
  if (!cmd->flags_in_front_only && !cli_flags_first (argc - optind, argv + optind, cmd->help ? cmd->help->options : NULL))
    {
      fprintf (stderr, "runc-lite: out of memory\n");
      return 1;
    }
  /* Before the command parses anything (and before the re-exec). */
  if (cli_help_requested (argc - optind, argv + optind, cmd->help ? cmd->help->options : NULL, true))
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
