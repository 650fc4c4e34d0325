/* What builder's main.c shares with the cmd_*.c files. */
#ifndef BUILDER_CLI_H
#define BUILDER_CLI_H

#include <stdbool.h>

#include "cli_help.h"
#include "error.h"
#include "distribution/registry.h"

struct bld_store;

struct global_options
{
  const char *store; /* NULL: the default (bld_cli_store_dir) */
};

/* The store directory: --store, else /var/lib/builder as root, else
 * $XDG_DATA_HOME/builder or ~/.local/share/builder.  Newly allocated. */
int bld_cli_store_dir (const struct global_options *g, char **out, struct oci_error *err);
/* Opens (with create: makes) the store. */
int bld_cli_open_store (const struct global_options *g, bool create, struct bld_store **out, struct oci_error *err);

/* Each command's summary, usage and option table (in its cmd_<name>.c,
 * from which its parser and its --help are made).  A new flag goes into
 * the table and docs/builder.1. */
extern const struct cli_help bld_help_build, bld_help_history, bld_help_images, bld_help_import, bld_help_inspect,
    bld_help_load, bld_help_prune, bld_help_pull, bld_help_push, bld_help_rmi, bld_help_run, bld_help_save,
    bld_help_tag, bld_help_unpack;
extern const struct cli_help bld_help_ps, bld_help_rm;

/* Each returns 0, or -1 with err set (main prints it), or an exit status
 * > 0 it has reported itself. */
#define BLD_COMMAND(name) int cmd_##name (struct global_options *g, int argc, char **argv, struct oci_error *err)
BLD_COMMAND (import);
BLD_COMMAND (images);
BLD_COMMAND (inspect);
BLD_COMMAND (history);
BLD_COMMAND (tag);
BLD_COMMAND (rmi);
BLD_COMMAND (prune);
BLD_COMMAND (unpack);
BLD_COMMAND (run);
BLD_COMMAND (ps);
BLD_COMMAND (rm);
BLD_COMMAND (push);
BLD_COMMAND (pull);
BLD_COMMAND (save);
BLD_COMMAND (load);

/* push's and pull's registry options (--creds, --authfile, --tls-verify,
 * and push's --from) into o; returns the index of the first operand, or
 * -1 with err set. */
int bld_cli_registry_args (const char *cmd, int argc, char **argv, struct reg_options *o, struct oci_error *err);
/* A reg_progress_fn: "blob DIGEST: uploaded" and the like on stderr. */
void bld_cli_registry_progress (void *ctx, const char *digest, enum reg_blob_outcome outcome, const char *detail);
/* A bld_compress_note_fn (push, save): "layer DIFF_ID: compressed as
 * DIGEST" (or "compressed before") on stderr. */
void bld_cli_compress_note (void *ctx, const char *diff_id, const char *digest, bool reused);

#endif
