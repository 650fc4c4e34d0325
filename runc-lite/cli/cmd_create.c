/* create and run: the same flags; run adds --detach, --keep, --no-subreaper.
 * The bundle is read here (the library takes its path and loaded config),
 * LISTEN_FDS taken from the environment and --pid-file written. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"
#include "cli/cli.h"

/* Also exec's. */
int
cli_write_pid_file (const char *path, pid_t pid, struct oci_error *err)
{
  char text[32];
  int n = snprintf (text, sizeof text, "%d", (int) pid);
  return oci_replace_file (path, text, (size_t) n, 0644, err);
}

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
parse_create_flags (bool is_run, int argc, char **argv, struct rl_create_opts *o, const char **bundle, bool *keep,
                    char **pid_file, struct oci_error *err)
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
          *bundle = optarg;
          break;
        case OPT_CONSOLE:
          o->console_socket = optarg;
          break;
        case OPT_PIDFILE:
          *pid_file = cli_absolute (optarg);
          if (*pid_file == NULL)
            return oci_error_set (err, ENOMEM, "--pid-file");
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

/* Socket activation (sd_listen_fds(3)): LISTEN_FDS fds from 3 on, passed
 * on to the container when LISTEN_PID names us. */
static unsigned int
listen_fds (void)
{
  const char *listen = getenv ("LISTEN_FDS"), *listen_pid = getenv ("LISTEN_PID");
  if (listen && listen_pid && atoi (listen_pid) == getpid ())
    return (unsigned int) atoi (listen);
  return 0;
}

/* --pid-file, once the container is created. */
static int
created (void *pid_file, pid_t pid, struct oci_error *err)
{
  if (cli_write_pid_file (pid_file, pid, err) < 0)
    return oci_error_prefix (err, "--pid-file");
  return 0;
}

/* The bundle (the current directory without --bundle) made absolute and
 * the current directory, for the relative paths in its config.json
 * (root.path, mount sources) and the hooks; its config.json loaded. */
static int
load_bundle (const struct rl_global *g, const char *id, const char *arg, char **bundle, char **text, size_t *len,
             struct oci_runtime_config **config, struct oci_error *err)
{
  if (rl_id_validate (id, err) < 0)
    return -1;
  if (rl_realpath (arg ? arg : ".", bundle, err) < 0)
    return oci_error_prefix (err, "bundle");
  if (chdir (*bundle) < 0)
    return oci_error_set (err, errno, "chdir to the bundle %s", *bundle);
  if (oci_read_file ("config.json", OCI_JSON_FILE_MAX, text, len, err) < 0
      || oci_runtime_config_parse_text ("config.json", *text, *len, config, err) < 0)
    return -1;
  rl_log_debug (g, "container %s: config.json loaded from bundle %s (ociVersion %s)", id, *bundle,
                (*config)->oci_version ? (*config)->oci_version : "?");
  return 0;
}

/* What create and run own: the flags' strings, the bundle's path and
 * config.json (text and parsed). */
struct create_input
{
  char *pid_file;
  char *bundle;
  char *config_text;
  struct oci_runtime_config *config;
};

static void
create_input_free (struct create_input *in)
{
  free (in->pid_file);
  free (in->bundle);
  free (in->config_text);
  oci_runtime_config_free (in->config);
}

/* create and run alike: flags, bundle, config.json. */
static int
create_setup (struct rl_global *g, bool is_run, int argc, char **argv, struct rl_create_opts *o,
              struct create_input *in, struct oci_error *err)
{
  const char *bundle_arg = NULL;
  bool keep = false;

  if (parse_create_flags (is_run, argc, argv, o, &bundle_arg, &keep, &in->pid_file, err) < 0)
    return -1;
  o->keep = keep;
  o->listen_fds = listen_fds ();
  if (in->pid_file)
    {
      o->created = created;
      o->created_arg = in->pid_file;
    }
  if (load_bundle (g, o->id, bundle_arg, &in->bundle, &in->config_text, &o->config_len, &in->config, err) < 0)
    return oci_error_prefix (err, "create container %s", o->id);
  o->config_text = in->config_text;
  return 0;
}

int
cmd_create (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  struct rl_create_opts o = { 0 };
  struct create_input in = { 0 };
  int r = create_setup (g, false, argc, argv, &o, &in, err);

  if (r == 0)
    r = rl_create (g, in.bundle, in.config, &o, err);
  create_input_free (&in);
  return r;
}

int
cmd_run (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  struct rl_create_opts o = { 0 };
  struct create_input in = { 0 };
  int status = 0;
  int r = create_setup (g, true, argc, argv, &o, &in, err);

  if (r == 0)
    r = rl_run (g, in.bundle, in.config, &o, &status, err);
  create_input_free (&in);
  return r < 0 ? -1 : status;
}
