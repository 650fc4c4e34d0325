/* runc-lite's entry point: global options (runc's), then one subcommand.
 * Subcommands live in their own files and are listed in `commands`. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "error.h"
#include "version.h"

struct global_options
{
  const char *root;
  const char *log;
  const char *log_format;
  const char *rootless;
  int debug;
  int systemd_cgroup;
};

struct command
{
  const char *name;
  const char *summary;
  int (*run) (struct global_options *g, int argc, char **argv, struct oci_error *err);
};

/* Filled in by the lifecycle issue; an empty table answers every name with
 * "unknown command" rather than pretending to succeed. */
static const struct command commands[] = {
  { NULL, NULL, NULL },
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
           "  --systemd-cgroup      manage cgroups through systemd\n"
           "  --rootless VALUE      auto, true or false (default auto)\n"
           "  -h, --help            show this help\n"
           "  -v, --version         show the version\n");
}

int
main (int argc, char **argv)
{
  enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_ROOTLESS };
  static const struct option long_options[] = {
    { "root", required_argument, NULL, OPT_ROOT },
    { "log", required_argument, NULL, OPT_LOG },
    { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
    { "debug", no_argument, NULL, OPT_DEBUG },
    { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD },
    { "rootless", required_argument, NULL, OPT_ROOTLESS },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'v' },
    { NULL, 0, NULL, 0 },
  };
  struct global_options g = { .root = "/run/runc-lite", .log_format = "text", .rootless = "auto" };
  struct oci_error err = OCI_ERROR_INIT;
  int c, ret;

  opterr = 0;
  while ((c = getopt_long (argc, argv, "+hv", long_options, NULL)) != -1)
    {
      switch (c)
        {
        case OPT_ROOT:
          g.root = optarg;
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
          g.debug = 1;
          break;
        case OPT_SYSTEMD:
          g.systemd_cgroup = 1;
          break;
        case OPT_ROOTLESS:
          g.rootless = optarg;
          break;
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
          fprintf (stderr, "runc-lite: %s\n", oci_error_msg (&err));
        oci_error_clear (&err);
        return ret < 0 ? 1 : ret;
      }
  fprintf (stderr, "runc-lite: unknown command \"%s\"\n", argv[optind]);
  return 1;
}
