/* builder save [--compression gzip|zstd|none] NAME... oci-archive:FILE |
 * oci:DIR[:TAG]: writes images of the store out (transfer.c); their
 * uncompressed layers are compressed on the way (layer_compress.h). */
#include "config.h"

#include <string.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "image/interrupt.h"
#include "image/store.h"
#include "distribution/transfer.h"

enum
{
  OPT_COMPRESSION = CLI_LONG_ONLY,
};

static const struct cli_option save_options[] = {
  { "compression", OPT_COMPRESSION, CLI_VALUE, "gzip|zstd|none",
    "how the image's uncompressed layers are written (default gzip)" },
  CLI_OPTIONS_END,
};

const struct cli_help bld_help_save = { "write an image out as an oci-archive or into an OCI layout",
                                        "[command options] NAME... oci-archive:FILE | oci:DIR[:TAG]", save_options };

BLD_COMMAND (save)
{
  cleanup_store struct bld_store *s = NULL;
  cleanup_transport struct bld_transport dest = { 0 };
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  struct bld_compress_options co = { .compression = BLD_COMPRESSION_GZIP, .note = bld_cli_compress_note };
  int c;

  if (cli_getopt_start (&p, save_options, CLI_STYLE_GNU, argc, argv, err) < 0)
    return -1;
  while ((c = cli_getopt_next (&p)) != -1)
    if (c != OPT_COMPRESSION)
      return oci_error_set (err, 0, "save: unknown or incomplete option \"%s\"", argv[optind - 1]);
    else if (bld_compression_parse (optarg, &co.compression, err) < 0)
      return oci_error_prefix (err, "save: --compression");
  argc -= optind - 1;
  argv += optind - 1;
  if (argc < 3)
    return oci_error_set (
        err, 0, "usage: builder save [--compression gzip|zstd|none] NAME... oci-archive:FILE | oci:DIR[:TAG]");
  if (bld_transport_parse (argv[argc - 1], false, &dest, err) < 0)
    return oci_error_prefix (err, "save");
  if (bld_cli_open_store (g, false, &s, err) < 0)
    return -1;
  bld_catch_signals ();
  if (bld_save (s, argv + 1, (size_t) argc - 2, &dest, &co, err) < 0)
    return oci_error_prefix (err, "save %s%s", argv[1], argc > 3 ? " ..." : "");
  return 0;
}
