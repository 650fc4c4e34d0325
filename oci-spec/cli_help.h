/* The command lines of both programs: each command's options are one table
 * (struct cli_option, next to the command's code in cmd_<name>.c), from
 * which both its getopt parser (the struct option array and the optstring)
 * and its `COMMAND --help` are generated.  Also whether argv asks for help
 * and runc's (urfave/cli's) moving of flags in front of the operands.  The
 * printers are the only code here that writes text; they write to the FILE
 * they are given. */
#ifndef OCI_CLI_HELP_H
#define OCI_CLI_HELP_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "error.h"

enum cli_arg
{
  CLI_NO_VALUE, /* --name (getopt's no_argument) */
  CLI_BOOL,     /* --name, --name=true or --name=false (runc's booleans,
                   Go's flag package; getopt's optional_argument) */
  CLI_VALUE,    /* --name VALUE or --name=VALUE (required_argument) */
};

/* The first key of an option without a short form; a command numbers its
 * long-only options from here (an enum). */
#define CLI_LONG_ONLY 256

struct cli_option
{
  const char *name; /* the long name, without dashes; NULL ends a table */
  int key;          /* what the parser returns for it: a letter is also
                       the short option -LETTER, CLI_LONG_ONLY and up
                       are not */
  enum cli_arg has_arg;
  const char *arg;  /* the value's name in --help (CLI_VALUE) */
  const char *text; /* its line in --help (a '\n' starts another line);
                       NULL: accepted but not listed */
};

#define CLI_OPTIONS_END               \
  {                                   \
    NULL, 0, CLI_NO_VALUE, NULL, NULL \
  }

/* One command's --help: the summary, what follows "PROG COMMAND " in the
 * usage line, and the options (NULL: none). */
struct cli_help
{
  const char *summary;
  const char *usage;
  const struct cli_option *options;
};

/* The option of opts with this key; NULL when none. */
const struct cli_option *cli_option_find (const struct cli_option *opts, int key);

/* The generation: the getopt_long array (ended by a zero row) and the
 * optstring ("+": options end at the first operand; then each letter key,
 * with ':' for CLI_VALUE, "::" for CLI_BOOL).  Hidden options are in both.
 * Newly allocated; false only when out of memory. */
bool cli_getopt_tables (const struct cli_option *opts, struct option **longopts, char **optstring);

/* How a program reads its command lines. */
enum cli_style
{
  CLI_STYLE_GNU,          /* getopt_long: -abc is a cluster of -a -b -c,
                             --name (builder) */
  CLI_STYLE_LONG_ONLY,    /* getopt_long_only: -name is --name */
  CLI_STYLE_GO,           /* runc's (Go's flag package): as CLI_STYLE_LONG_ONLY,
                             and a single-dash word longer than one letter must
                             name an option ("-bogus" is never "-b ogus") */
  CLI_STYLE_GNU_ANYWHERE, /* as CLI_STYLE_GNU, and options may follow the
                             operands (getopt_long's permutation, as in
                             docker's `build . -t x`); "--" ends them */
};

/* One parse of a command line: argv[0] is the command's name, options
 * come before the operands.  Use as
 *   cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
 *   if (cli_getopt_start (&p, opts, style, argc, argv, err) < 0) ...
 *   while ((c = cli_getopt_next (&p)) != -1) switch (c) ...
 * then optind is the first operand. */
struct cli_getopt
{
  const struct cli_option *options;
  enum cli_style style;
  int argc;
  char **argv;
  struct option *longopts;
  char *optstring;
};

#define CLI_GETOPT_INIT                      \
  {                                          \
    NULL, CLI_STYLE_GNU, 0, NULL, NULL, NULL \
  }

/* Generates the tables and starts at argv[1] (optind = 0, opterr = 0: no
 * message from getopt).  With CLI_STYLE_GO, first refuses a single-dash
 * word before the operands that is longer than one letter and names no
 * option: "ARGV0: unknown option \"WORD\"". */
int cli_getopt_start (struct cli_getopt *p, const struct cli_option *opts, enum cli_style style, int argc,
                      char **argv, struct oci_error *err);

/* The next option's key, its value in optarg; '?' for a word that names
 * no option or lacks its value (argv[optind - 1]); -1 after the last
 * option. */
int cli_getopt_next (struct cli_getopt *p);

void cli_getopt_end (struct cli_getopt *p);
#define cleanup_cli_getopt __attribute__ ((cleanup (cli_getopt_end)))

/* For a CLI_BOOL option key just returned by cli_getopt_next: *flag from
 * its value (none, true or 1: true; false or 0: false; "-d=false" as
 * getopt hands a short option's value over with its '=').  Does nothing
 * for the other keys. */
int cli_getopt_bool (const struct cli_getopt *p, int key, bool *flag, struct oci_error *err);

/* True when the command line of one command (argv[0] is the command's
 * name) asks for help: -h or --help (and -help when single_dash_long,
 * as getopt_long_only reads it) among the options before the first
 * operand or "--".  The values of the options in opts that take one are
 * skipped, so `exec -e -h ...` and `exec ID sh -h` are not requests. */
bool cli_help_requested (int argc, char *const *argv, const struct cli_option *opts, bool single_dash_long);

/* runc's command line (urfave/cli v1) takes a command's flags anywhere:
 * before parsing, the words naming one of opts or -h/--help move in front
 * of the others, each taking along the word after it when it has no '='
 * and that word names no option (so `kill ID --all KILL` is
 * `kill --all KILL ID`, as in runc).  The words after "--" stay operands,
 * with "--" first among them.  Permutes argv[1..argc-1] (argv[0] is the
 * command's name); false only when out of memory. */
bool cli_flags_first (int argc, char **argv, const struct cli_option *opts);

/* Prints "Usage: PROG COMMAND USAGE", the summary and the options in a
 * column, with -h, --help last. */
void cli_help_print (FILE *out, const char *prog, const char *command, const struct cli_help *help);

/* Prints a program's global options (their own -h and -v included), one
 * a line: "  -x, --name ARG", then the text starting column characters into
 * the line (further lines of it too); hidden options left out. */
void cli_options_print (FILE *out, const struct cli_option *opts, int column);

#endif
