/* The subcommands: each parses its own flags (runc's names, single or
 * double dash as runc accepts: CLI_STYLE_GO), calls the library and
 * prints.  They return 0, -1 with err set, or a positive exit status. */
#ifndef RL_CLI_H
#define RL_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "lib/runclite.h"
#include "cli_help.h"
#include "error.h"

typedef int (*rl_command_fn) (struct rl_global *g, int argc, char **argv, struct oci_error *err);

int cmd_checkpoint (struct rl_global *g, int argc, char **argv, struct oci_error *err);
int cmd_restore (struct rl_global *g, int argc, char **argv, struct oci_error *err);
int cmd_create (struct rl_global *g, int argc, char **argv, struct oci_error *err);
int cmd_run (struct rl_global *g, int argc, char **argv, struct oci_error *err);
int cmd_events (struct rl_global *g, int argc, char **argv, struct oci_error *err);
int cmd_exec (struct rl_global *g, int argc, char **argv, struct oci_error *err);
int cmd_pause (struct rl_global *g, int argc, char **argv, struct oci_error *err);
int cmd_resume (struct rl_global *g, int argc, char **argv, struct oci_error *err);
int cmd_ps (struct rl_global *g, int argc, char **argv, struct oci_error *err);
int cmd_update (struct rl_global *g, int argc, char **argv, struct oci_error *err);
int cmd_start (struct rl_global *g, int argc, char **argv, struct oci_error *err);
int cmd_state (struct rl_global *g, int argc, char **argv, struct oci_error *err);
int cmd_kill (struct rl_global *g, int argc, char **argv, struct oci_error *err);
int cmd_delete (struct rl_global *g, int argc, char **argv, struct oci_error *err);
int cmd_list (struct rl_global *g, int argc, char **argv, struct oci_error *err);
int cmd_spec (struct rl_global *g, int argc, char **argv, struct oci_error *err);
int cmd_features (struct rl_global *g, int argc, char **argv, struct oci_error *err);

/* Each command's summary, usage and option table (in its cmd_<name>.c,
 * from which its parser and its --help are made).  A new flag goes into
 * the table and docs/runc-lite.8. */
extern const struct cli_help rl_help_create, rl_help_start, rl_help_run, rl_help_exec, rl_help_state, rl_help_kill,
    rl_help_delete, rl_help_list, rl_help_pause, rl_help_resume, rl_help_ps, rl_help_events, rl_help_update,
    rl_help_spec, rl_help_checkpoint, rl_help_restore, rl_help_features;

/* Shared by the commands: no options at all (start, state, pause, resume). */
int cli_no_options (int argc, char **argv, struct oci_error *err);
/* The one positional container id. */
int cli_container_id (int argc, char **argv, const char *usage, const char **id, struct oci_error *err);
/* --preserve-fds N of create, run and exec: a count up to 65536. */
int cli_preserve_fds (const char *cmd, const char *text, unsigned int *count, struct oci_error *err);
/* Makes a path absolute against the current directory (before create
 * moves into the bundle). */
char *cli_absolute (const char *path);
/* --pid-file: the pid in decimal, the file replaced atomically. */
int cli_write_pid_file (const char *path, pid_t pid, struct oci_error *err);

#endif
