/* builder pull [--creds U:P] [--authfile F] [--tls-verify=BOOL] REF [NAME]:
 * an image from a registry into the store; one line per blob on stderr,
 * the manifest digest on stdout.  Also what push shares: the registry
 * options (bld_cli_registry_args) and the progress lines. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "distribution/registry.h"
#include "image/store.h"

enum
{
  OPT_CREDS = CLI_LONG_ONLY,
  OPT_AUTHFILE,
  OPT_TLS_VERIFY,
  OPT_FROM,
  OPT_COMPRESSION
};

/* pull's and push's registry options (bld_cli_registry_args). */
#define REGISTRY_OPTIONS                                                                                             \
  { "creds", OPT_CREDS, CLI_VALUE, "USER:PASS", "the registry's user name and password" },                           \
      { "authfile", OPT_AUTHFILE, CLI_VALUE, "FILE",                                                                 \
        "credentials from this auth.json (default $XDG_RUNTIME_DIR/containers/auth.json)" },                         \
  {                                                                                                                  \
    "tls-verify", OPT_TLS_VERIFY, CLI_BOOL, NULL, "verify the registry's certificate; =false also allows plain http" \
  }

static const struct cli_option pull_options[] = {
  REGISTRY_OPTIONS,
  CLI_OPTIONS_END,
};

static const struct cli_option push_options[] = {
  REGISTRY_OPTIONS,
  { "from", OPT_FROM, CLI_VALUE, "REPO", "a repository of the same registry to mount the blobs from" },
  { "compression", OPT_COMPRESSION, CLI_VALUE, "gzip|zstd|none",
    "how the image's uncompressed layers are sent (default gzip)" },
  CLI_OPTIONS_END,
};

const struct cli_help bld_help_pull = { "copy an image from a registry into the store",
                                        "[command options] REF [NAME[:TAG]]", pull_options };
const struct cli_help bld_help_push = { "copy an image of the store to a registry", "[command options] NAME REF",
                                        push_options };

int
bld_cli_registry_args (const char *cmd, int argc, char **argv, struct reg_options *o, struct oci_error *err)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  bool push = strcmp (cmd, "push") == 0;
  int c;

  *o = (struct reg_options) { .tls_verify = true,
                              .compress = { .compression = BLD_COMPRESSION_GZIP, .note = bld_cli_compress_note } };
  if (cli_getopt_start (&p, push ? push_options : pull_options, CLI_STYLE_GNU, argc, argv, err) < 0)
    return -1;
  while ((c = cli_getopt_next (&p)) != -1)
    switch (c)
      {
      case OPT_CREDS:
        o->creds = optarg;
        break;
      case OPT_AUTHFILE:
        o->authfile = optarg;
        break;
      case OPT_TLS_VERIFY:
        o->tls_verify_set = true;
        if (optarg == NULL || strcmp (optarg, "true") == 0)
          o->tls_verify = true;
        else if (strcmp (optarg, "false") == 0)
          o->tls_verify = false;
        else
          return oci_error_set (err, 0, "%s: --tls-verify takes true or false, not \"%s\"", cmd, optarg);
        break;
      case OPT_FROM:
        o->from = optarg;
        break;
      case OPT_COMPRESSION:
        if (bld_compression_parse (optarg, &o->compress.compression, err) < 0)
          return oci_error_prefix (err, "%s: --compression", cmd);
        break;
      default:
        return oci_error_set (err, 0, "%s: unknown or incomplete option \"%s\"", cmd, argv[optind - 1]);
      }
  return optind;
}

void
bld_cli_compress_note (void *ctx, const char *diff_id, const char *digest, bool reused)
{
  (void) ctx;
  if (reused)
    fprintf (stderr, "layer %s: compressed before, as %s\n", diff_id, digest);
  else
    fprintf (stderr, "layer %s: compressed as %s\n", diff_id, digest);
}

void
bld_cli_registry_progress (void *ctx, const char *digest, enum reg_blob_outcome outcome, const char *detail)
{
  (void) ctx;
  switch (outcome)
    {
    case REG_BLOB_PRESENT:
      fprintf (stderr, "blob %s: already present\n", digest);
      break;
    case REG_BLOB_MOUNTED:
      fprintf (stderr, "blob %s: mounted from %s\n", digest, detail);
      break;
    case REG_BLOB_UPLOADED:
      fprintf (stderr, "blob %s: uploaded\n", digest);
      break;
    case REG_BLOB_UPLOADED_CHUNKED:
      fprintf (stderr, "blob %s: uploaded in chunks\n", digest);
      break;
    case REG_BLOB_DOWNLOADED:
      fprintf (stderr, "blob %s: downloaded\n", digest);
      break;
    }
}

BLD_COMMAND (pull)
{
  cleanup_store struct bld_store *s = NULL;
  cleanup_free char *digest = NULL;
  struct reg_options o;
  int first = bld_cli_registry_args ("pull", argc, argv, &o, err);

  if (first < 0)
    return -1;
  if (argc - first < 1 || argc - first > 2)
    return oci_error_set (
        err, 0, "usage: builder pull [--creds USER:PASS] [--authfile FILE] [--tls-verify=false] REF [NAME]");
  if (bld_cli_open_store (g, true, &s, err) < 0
      || reg_pull (s, argv[first], argc - first == 2 ? argv[first + 1] : NULL, &o, bld_cli_registry_progress, NULL,
                   &digest, err)
             < 0)
    return -1;
  printf ("%s\n", digest);
  return 0;
}
