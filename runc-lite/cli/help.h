/* The subcommands' usage and options for `runc-lite COMMAND --help`
 * (help.c).  A new flag goes into the command's getopt table, its row
 * here and docs/runc-lite.8. */
#ifndef RL_HELP_H
#define RL_HELP_H

#include "cli_help.h"

extern const struct cli_help rl_help_create, rl_help_start, rl_help_run, rl_help_exec, rl_help_state, rl_help_kill,
    rl_help_delete, rl_help_list, rl_help_pause, rl_help_resume, rl_help_ps, rl_help_events, rl_help_update,
    rl_help_spec, rl_help_checkpoint, rl_help_restore, rl_help_features;

#endif
