/* builder's entry point: global options, then one subcommand.  Subcommands
 * live in their own files and are listed in `commands`. */
#include "config.h"

#include <archive.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "cli/cmd_build.h"
#include "error.h"
#include "exec/rootless.h"
#include "image/store.h"
#include "version.h"

struct command
{
  const char *name;
  int (*run) (struct global_options *g, int argc, char **argv, struct oci_error *err);
  /* Its summary, usage and options (its cmd_<name>.c). */
  const struct cli_help *help;
};

/* build takes the store's directory (it opens and locks the store itself). */
static int
build_command (struct global_options *g, int argc, char **argv, struct oci_error *err)
{
  cleanup_free char *store = NULL;
  if (bld_cli_store_dir (g, &store, err) < 0)
    return -1;
  return cmd_build (store, argc, argv, err);
}

static const struct command commands[] = {
  { "build", build_command, &bld_help_build },
  { "history", cmd_history, &bld_help_history },
  { "images", cmd_images, &bld_help_images },
  { "import", cmd_import, &bld_help_import },
  { "load", cmd_load, &bld_help_load },
  { "inspect", cmd_inspect, &bld_help_inspect },
  { "prune", cmd_prune, &bld_help_prune },
  { "ps", cmd_ps, &bld_help_ps },
  { "pull", cmd_pull, &bld_help_pull },
  { "push", cmd_push, &bld_help_push },
  { "rm", cmd_rm, &bld_help_rm },
  { "rmi", cmd_rmi, &bld_help_rmi },
  { "run", cmd_run, &bld_help_run },
  { "save", cmd_save, &bld_help_save },
  { "tag", cmd_tag, &bld_help_tag },
  { "unpack", cmd_unpack, &bld_help_unpack },
  { NULL, NULL, NULL },
};

enum
{
  OPT_STORE = CLI_LONG_ONLY
};

static const struct cli_option global_options[] = {
  { "store", OPT_STORE, CLI_VALUE, "DIR",
    "image store (default /var/lib/builder as root,\n$XDG_DATA_HOME/builder or ~/.local/share/builder otherwise)" },
  { "help", 'h', CLI_NO_VALUE, NULL, "show this help" },
  { "version", 'v', CLI_NO_VALUE, NULL, "show the version" },
  CLI_OPTIONS_END,
};

int
bld_cli_store_dir (const struct global_options *g, char **out, struct oci_error *err)
{
  const char *xdg = getenv ("XDG_DATA_HOME");
  const char *home = getenv ("HOME");
  int n;

  if (g->store)
    n = asprintf (out, "%s", g->store);
  else if (geteuid () == 0 && !bld_rootless_active ())
    n = asprintf (out, "/var/lib/builder");
  else if (xdg && *xdg == '/')
    n = asprintf (out, "%s/builder", xdg);
  else if (home && *home == '/')
    n = asprintf (out, "%s/.local/share/builder", home);
  else
    return oci_error_set (err, 0, "no store: set --store, XDG_DATA_HOME or HOME");
  if (n < 0)
    return oci_error_set (err, ENOMEM, "store");
  return 0;
}

int
bld_cli_open_store (const struct global_options *g, bool create, struct bld_store **out, struct oci_error *err)
{
  cleanup_free char *dir = NULL;
  if (bld_cli_store_dir (g, &dir, err) < 0)
    return -1;
  return bld_store_open (dir, create, out, err);
}

static void
print_version (void)
{
  printf ("builder version %s\n", oci_version_package ());
  printf ("commit: %s\n", oci_version_commit ());
  printf ("image-spec: %s\n", OCI_IMAGE_SPEC_VERSION);
  printf ("runtime-spec: %s\n", OCI_RUNTIME_SPEC_VERSION);
  printf ("libarchive: %s\n", archive_version_details ());
}

static void
print_usage (FILE *out)
{
  fprintf (out, "Usage: builder [global options] COMMAND [command options] [arguments]\n"
                "\n"
                "Builds OCI images from recipes (Dockerfile syntax).\n"
                "\n"
                "Commands:\n");
  for (const struct command *c = commands; c->name; c++)
    fprintf (out, "  %-12s %s\n", c->name, c->help->summary);
  fprintf (out, "\nGlobal options:\n");
  cli_options_print (out, global_options, 19);
  fprintf (out, "\nRun 'builder COMMAND --help' for a command's usage and options.\n");
}

int
main (int argc, char **argv)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  struct global_options g = { .store = NULL };
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  int c, ret, status;

  if (cli_getopt_start (&p, global_options, CLI_STYLE_GNU, argc, argv, &err) < 0)
    {
      fprintf (stderr, "builder: %s\n", oci_error_msg (&err));
      return 1;
    }
  while ((c = cli_getopt_next (&p)) != -1)
    {
      switch (c)
        {
        case OPT_STORE:
          g.store = optarg;
          break;
        case 'h':
          print_usage (stdout);
          return 0;
        case 'v':
          print_version ();
          return 0;
        default:
          fprintf (stderr, "builder: unknown or incomplete option \"%s\"\n", argv[optind - 1]);
          return 1;
        }
    }
  if (optind >= argc)
    {
      print_usage (stderr);
      return 1;
    }
  for (const struct command *cmd = commands; cmd->name; cmd++)
    if (strcmp (cmd->name, argv[optind]) == 0)
      {
        /* Before the command parses anything. */
        if (cli_help_requested (argc - optind, argv + optind, cmd->help->options, false))
          {
            cli_help_print (stdout, "builder", cmd->name, cmd->help);
            return 0;
          }
        /* An ordinary user works as root of a user namespace of its own. */
        if (geteuid () != 0 && (ret = bld_rootless_enter (&status, &err)) != 0)
          {
            if (ret < 0)
              fprintf (stderr, "builder: %s\n", oci_error_msg (&err));
            return ret < 0 ? 1 : status;
          }
        ret = cmd->run (&g, argc - optind, argv + optind, &err);
        if (ret < 0)
          fprintf (stderr, "builder: %s\n", oci_error_msg (&err));
        oci_error_clear (&err);
        return ret < 0 ? 1 : ret;
      }
  fprintf (stderr, "builder: unknown command \"%s\"\n", argv[optind]);
  return 1;
}
