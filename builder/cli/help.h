/* The subcommands' usage and options for `builder COMMAND --help`
 * (help.c).  A new flag goes into the command's getopt table, its row
 * here and docs/builder.1. */
#ifndef BUILDER_HELP_H
#define BUILDER_HELP_H

#include "cli_help.h"

extern const struct cli_help bld_help_build, bld_help_history, bld_help_images, bld_help_import, bld_help_inspect,
    bld_help_load, bld_help_prune, bld_help_pull, bld_help_push, bld_help_rmi, bld_help_run, bld_help_save,
    bld_help_tag, bld_help_unpack;

#endif
