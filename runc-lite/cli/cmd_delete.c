#include "config.h"

#include "cli/cli.h"

static const struct cli_option delete_options[] = {
  { "force", 'f', CLI_BOOL, NULL, "kill a running container (SIGKILL) before deleting it" },
  CLI_OPTIONS_END,
};

const struct cli_help rl_help_delete = { "delete a container and what it holds", "[command options] <container-id>",
                                         delete_options };

int
cmd_delete (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  const char *id;
  bool force = false;
  int c;

  if (cli_getopt_start (&p, delete_options, CLI_STYLE_GO, argc, argv, err) < 0)
    return -1;
  while ((c = cli_getopt_next (&p)) != -1)
    {
      if (c != 'f')
        return oci_error_set (err, 0, "delete: unknown option \"%s\"", argv[optind - 1]);
      if (cli_getopt_bool (&p, c, &force, err) < 0)
        return -1;
    }
  if (cli_container_id (argc, argv, "delete [--force] <container-id>", &id, err) < 0)
    return -1;
  return rl_delete (g, id, force, err);
}
