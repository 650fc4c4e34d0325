/* Per-command help for both programs: each command's usage and options
 * are a table (runc-lite/cli/help.c, builder/cli/help.c), printed by one routine.
 * The only code here that writes text; it writes to the FILE it is
 * given. */
#ifndef OCI_CLI_HELP_H
#define OCI_CLI_HELP_H

#include <stdbool.h>
#include <stdio.h>

struct cli_help_option
{
  const char *name;  /* the long name, without dashes */
  char short_name;   /* 0 when there is none */
  const char *arg;   /* the value's name; NULL for a boolean flag */
  const char *text;  /* one line */
};

struct cli_help
{
  const char *usage;                      /* what follows "PROG COMMAND " */
  const struct cli_help_option *options;  /* ended by a NULL name; NULL: none */
};

/* True when the command line of one command (argv[0] is the command's
 * name) asks for help: -h or --help (and -help when single_dash_long,
 * as getopt_long_only reads it) among the options before the first
 * operand or "--".  The values of the options in opts that take one are
 * skipped, so `exec -e -h ...` and `exec ID sh -h` are not requests. */
bool cli_help_requested (int argc, char *const *argv, const struct cli_help_option *opts, bool single_dash_long);

/* runc's command line (urfave/cli v1) takes a command's flags anywhere:
 * before parsing, the words naming one of opts or -h/--help move in front
 * of the others, each taking along the word after it when it has no '='
 * and that word names no option (so `kill ID --all KILL` is
 * `kill --all KILL ID`, as in runc).  The words after "--" stay operands,
 * with "--" first among them.  Permutes argv[1..argc-1] (argv[0] is the
 * command's name); false only when out of memory. */
bool cli_flags_first (int argc, char **argv, const struct cli_help_option *opts);

/* Prints "Usage: PROG COMMAND USAGE", the summary and the options, with
 * -h, --help last. */
void cli_help_print (FILE *out, const char *prog, const char *command, const char *summary, const struct cli_help *help);

#endif
