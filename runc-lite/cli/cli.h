/* The subcommands: each parses its own flags (runc's names, single or
 * double dash as runc accepts), calls the library and prints.  They return
 * 0, -1 with err set, or a positive exit status. */
#ifndef RL_CLI_H
#define RL_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "lib/runclite.h"
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

/* Shared by the commands: the one positional container id. */
int cli_container_id (int argc, char **argv, const char *usage, const char **id, struct oci_error *err);
/* runc's command line (Go's flag package) takes boolean flags as --flag,
 * --flag=true or --flag=false: such flags are declared optional_argument
 * here.  For the option c of opts, sets *flag from optarg (absent: true);
 * does nothing for other kinds of options. */
int cli_flag_value (const struct option *opts, int c, const char *optarg_text, bool *flag, struct oci_error *err);
/* Go's flag package knows no clusters of short options: "-bogus" is an
 * unknown flag there, never "-b ogus".  Refuses a single-dash word longer
 * than one letter that names no long option. */
int cli_check_long_options (int argc, char **argv, const struct option *opts, struct oci_error *err);
/* Makes a path absolute against the current directory (before create
 * moves into the bundle). */
char *cli_absolute (const char *path);
/* --pid-file: the pid in decimal, the file replaced atomically. */
int cli_write_pid_file (const char *path, pid_t pid, struct oci_error *err);

#endif
