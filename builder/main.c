/* builder's entry point: global options, then one subcommand.  Subcommands
 * live in their own files and are listed in `commands`. */
#include "config.h"

#include <archive.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd_build.h"
#include "error.h"
#include "version.h"

struct global_options
{
  const char *store;
};

struct command
{
  const char *name;
  const char *summary;
  int (*run) (struct global_options *g, int argc, char **argv, struct oci_error *err);
};

/* Filled in by the builder issues; an empty table answers every name with
 * "unknown command" rather than pretending to succeed. */
static int
run_build (struct global_options *g, int argc, char **argv, struct oci_error *err)
{
  cleanup_free char *home_store = NULL;
  const char *store = g->store;
  if (store == NULL && geteuid () != 0)
    {
      /* Not root: a store of the user's own. */
      const char *xdg = getenv ("XDG_DATA_HOME"), *home = getenv ("HOME");
      if (xdg && *xdg ? asprintf (&home_store, "%s/builder", xdg) < 0
                      : asprintf (&home_store, "%s/.local/share/builder", home ? home : "/tmp") < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      store = home_store;
    }
  return cmd_build (store ? store : "/var/lib/builder", argc, argv, err);
}

static const struct command commands[] = {
  { "build", "build an image from a recipe", run_build },
  { NULL, NULL, NULL },
};

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
  fprintf (out,
           "Usage: builder [global options] COMMAND [command options] [arguments]\n"
           "\n"
           "Builds OCI images from recipes (Dockerfile syntax).\n"
           "\n"
           "Commands:\n");
  for (const struct command *c = commands; c->name; c++)
    fprintf (out, "  %-12s %s\n", c->name, c->summary);
  fprintf (out,
           "\n"
           "Global options:\n"
           "  --store DIR      image store (default /var/lib/builder as root,\n"
           "                   $XDG_DATA_HOME/builder otherwise)\n"
           "  -h, --help       show this help\n"
           "  -v, --version    show the version\n");
}

int
main (int argc, char **argv)
{
  enum { OPT_STORE = 256 };
  static const struct option long_options[] = {
    { "store", required_argument, NULL, OPT_STORE },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'v' },
    { NULL, 0, NULL, 0 },
  };
  struct global_options g = { .store = NULL };
  struct oci_error err = OCI_ERROR_INIT;
  int c, ret;

  opterr = 0;
  while ((c = getopt_long (argc, argv, "+hv", long_options, NULL)) != -1)
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
        ret = cmd->run (&g, argc - optind, argv + optind, &err);
        if (ret < 0)
          fprintf (stderr, "builder: %s\n", oci_error_msg (&err));
        oci_error_clear (&err);
        return ret < 0 ? 1 : ret;
      }
  fprintf (stderr, "builder: unknown command \"%s\"\n", argv[optind]);
  return 1;
}
