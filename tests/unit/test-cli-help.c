/* oci-spec/cli_help.c: getopt's tables generated from an option table,
 * parsing through them, which command lines ask for help, and the text. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cli_help.h"
#include "tap.h"

enum
{
  OPT_CWD = CLI_LONG_ONLY,
  OPT_SECRET,
  OPT_QUIET
};

static const struct cli_option opts[] = {
  { "env", 'e', CLI_VALUE, "KEY=VALUE", "an environment variable" },
  { "tty", 't', CLI_BOOL, NULL, "a terminal" },
  { "cwd", OPT_CWD, CLI_VALUE, "DIR", "the working directory" },
  CLI_OPTIONS_END,
};

/* Every kind of row: letters and long-only keys, the three kinds of
 * values, a hidden option. */
static const struct cli_option mixed[] = {
  { "file", 'f', CLI_VALUE, "FILE", "a file" },
  { "quiet", OPT_QUIET, CLI_NO_VALUE, NULL, "say less" },
  { "all", 'a', CLI_NO_VALUE, NULL, "all of them" },
  { "detach", 'd', CLI_BOOL, NULL, "do not wait" },
  { "secret", OPT_SECRET, CLI_VALUE, "ID", NULL },
  { "store", 'S', CLI_BOOL, NULL, "a store\nover two lines" },
  CLI_OPTIONS_END,
};

/* line split at its spaces into argv (at most 15 words; the copy of the
 * text is *copy, to be freed). */
static int
split (const char *line, char **copy, char **argv)
{
  char *save = NULL;
  int argc = 0;
  *copy = strdup (line);
  for (char *w = strtok_r (*copy, " ", &save); w && argc < 15; w = strtok_r (NULL, " ", &save))
    argv[argc++] = w;
  argv[argc] = NULL;
  return argc;
}

/* What parsing line with the table gives: "key[=value] ... | operands",
 * "error: MESSAGE" when the start refuses it, "?WORD" for getopt's '?'. */
static char *
parsed (const struct cli_option *table, enum cli_style style, const char *line)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  char *copy, *argv[16], *out = NULL;
  size_t len = 0;
  int argc = split (line, &copy, argv), c;
  FILE *f = open_memstream (&out, &len);

  if (cli_getopt_start (&p, table, style, argc, argv, &err) < 0)
    fprintf (f, "error: %s", oci_error_msg (&err));
  else
    {
      while ((c = cli_getopt_next (&p)) != -1)
        {
          bool flag = false;
          if (c == '?')
            fprintf (f, "?%s ", argv[optind - 1]);
          else if (cli_getopt_bool (&p, c, &flag, &err) < 0)
            {
              fprintf (f, "error: %s ", oci_error_msg (&err));
              oci_error_clear (&err);
            }
          else if (cli_option_find (table, c)->has_arg == CLI_BOOL)
            fprintf (f, "%s=%s ", cli_option_find (table, c)->name, flag ? "true" : "false");
          else
            fprintf (f, "%s%s%s ", cli_option_find (table, c)->name, optarg ? "=" : "", optarg ? optarg : "");
        }
      fprintf (f, "|");
      for (int i = optind; i < argc; i++)
        fprintf (f, " %s", argv[i]);
    }
  fclose (f);
  free (copy);
  return out;
}

static void
parses (const struct cli_option *table, enum cli_style style, const char *line, const char *want, const char *what)
{
  char *got = parsed (table, style, line);
  is_str (got, want, "%s", what);
  free (got);
}

/* What cli_help_print writes for command (help given), or with help NULL
 * what cli_options_print writes for table at column 19. */
static char *
printed (const char *command, const struct cli_help *help, const struct cli_option *table)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  if (help)
    cli_help_print (f, "prog", command, help);
  else
    cli_options_print (f, table, 19);
  fclose (f);
  return text;
}

static void
test_generation (void)
{
  struct option *longopts;
  char *optstring;

  ok (cli_getopt_tables (mixed, &longopts, &optstring), "tables generated");
  is_str (optstring, "+f:ad::S::", "optstring: '+', the letters, ':' for a value, \"::\" for a boolean");
  ok (strcmp (longopts[0].name, "file") == 0 && longopts[0].has_arg == required_argument && longopts[0].val == 'f'
          && longopts[0].flag == NULL,
      "a letter key with a value: required_argument, val the letter");
  ok (strcmp (longopts[1].name, "quiet") == 0 && longopts[1].has_arg == no_argument && longopts[1].val == OPT_QUIET,
      "a long-only flag: no_argument, val its key");
  ok (longopts[3].has_arg == optional_argument && longopts[3].val == 'd', "a boolean: optional_argument");
  ok (strcmp (longopts[4].name, "secret") == 0 && longopts[4].val == OPT_SECRET,
      "a hidden option is parsed all the same");
  ok (longopts[6].name == NULL && longopts[6].val == 0, "ended by a zero row");
  free (longopts);
  free (optstring);

  ok (cli_getopt_tables (NULL, &longopts, &optstring), "no options at all");
  is_str (optstring, "+", "no options: \"+\" only");
  ok (longopts[0].name == NULL, "no options: the zero row only");
  free (longopts);
  free (optstring);
}

static void
test_parsing (void)
{
  parses (mixed, CLI_STYLE_GNU, "cmd -f x --quiet -a ID more", "file=x quiet all | ID more",
          "GNU: short and long options, then the operands");
  parses (mixed, CLI_STYLE_GNU, "cmd -af x ID", "all file=x | ID", "GNU: a cluster, its last letter taking a value");
  parses (mixed, CLI_STYLE_GNU, "cmd --secret=s ID", "secret=s | ID", "a hidden option is accepted");
  parses (mixed, CLI_STYLE_GNU, "cmd ID -a", "| ID -a", "options end at the first operand");
  parses (mixed, CLI_STYLE_GNU, "cmd --bogus ID", "?--bogus | ID", "an unknown option is '?'");
  parses (mixed, CLI_STYLE_GNU_ANYWHERE, "cmd ID -a more -f x", "all file=x | ID more",
          "GNU anywhere: options after the operands");
  parses (mixed, CLI_STYLE_GNU_ANYWHERE, "cmd ID -- -a", "| ID -a", "GNU anywhere: \"--\" ends the options");
  parses (mixed, CLI_STYLE_GNU, "cmd -f", "?-f |", "a missing value is '?'");
  parses (mixed, CLI_STYLE_GNU, "cmd -d -d=false --detach=0 --detach=true ID",
          "detach=true detach=false detach=false detach=true | ID", "booleans: bare, =false, =0, =true");
  parses (mixed, CLI_STYLE_GNU, "cmd --detach=maybe", "error: --detach: expected true or false, got \"maybe\" |",
          "a boolean's bad value");
  parses (mixed, CLI_STYLE_LONG_ONLY, "cmd -file x -quiet ID", "file=x quiet | ID", "long only: -name is --name");
  parses (mixed, CLI_STYLE_LONG_ONLY, "cmd -fx ID", "file=x | ID", "long only: -fx is still -f x");
  parses (mixed, CLI_STYLE_GO, "cmd -fx ID", "error: cmd: unknown option \"-fx\"", "Go: no clusters");
  parses (mixed, CLI_STYLE_GO, "cmd -file=x -a -detach ID", "file=x all detach=true | ID",
          "Go: single-dash long names and single letters");
  parses (mixed, CLI_STYLE_GO, "cmd ID -bogus", "| ID -bogus",
          "Go: the words after the first operand are not checked");
  parses (NULL, CLI_STYLE_LONG_ONLY, "cmd -x ID", "?-x | ID", "no options: any option is '?'");
  parses (NULL, CLI_STYLE_LONG_ONLY, "cmd ID", "| ID", "no options, an operand");
}

/* The words of line (spaces between), as argv; true when they ask. */
static bool
asks (const char *line, bool single_dash_long)
{
  char *copy, *argv[16];
  int argc = split (line, &copy, argv);
  bool r = cli_help_requested (argc, argv, opts, single_dash_long);
  free (copy);
  return r;
}

/* line reordered by cli_flags_first, joined by spaces again. */
static char *
reordered (const char *line)
{
  char *copy, *argv[16], *out = NULL;
  size_t len = 0;
  int argc = split (line, &copy, argv);
  FILE *f;
  if (!cli_flags_first (argc, argv, opts))
    abort ();
  f = open_memstream (&out, &len);
  for (int i = 0; i < argc; i++)
    fprintf (f, "%s%s", i ? " " : "", argv[i]);
  fclose (f);
  free (copy);
  return out;
}

static void
reorders (const char *line, const char *want, const char *what)
{
  char *got = reordered (line);
  is_str (got, want, "%s", what);
  free (got);
}

int
main (void)
{
  static const struct cli_help help = { "run something", "[command options] ID", opts };
  static const struct cli_help bare = { "start it", "", NULL };
  static const struct cli_help with_hidden = { "all kinds", "X", mixed };
  char *text;

  test_generation ();
  test_parsing ();

  ok (asks ("exec --help", true), "--help");
  ok (asks ("exec -h", true), "-h");
  ok (asks ("exec -help", true), "-help where single-dash words are long options");
  ok (!asks ("exec -help", false), "-help is no request for getopt_long");
  ok (asks ("exec -t --cwd=/x -h ID", true), "-h after other options");
  ok (asks ("exec --env A=1 -h", true), "-h after an option and its value");
  ok (!asks ("exec ID sh -h", true), "-h after the first operand goes to the command");
  ok (!asks ("exec -- -h", true), "-h after -- is an operand");
  ok (!asks ("exec - -h", true), "- is an operand");
  ok (!asks ("exec -e -h ID", true), "-h as the value of -e");
  ok (!asks ("exec --cwd -h ID", true), "-h as the value of --cwd");
  ok (!asks ("exec -cwd -h ID", true), "-h as the value of -cwd (single dash, long)");
  ok (asks ("exec --tty -h", true), "a flag takes no value");
  ok (asks ("exec --cwd=/x -h", true), "--cwd=VALUE holds its value");
  ok (!asks ("run -te -h", false), "a cluster ending in a letter with a value takes the next word");
  ok (asks ("run -eK=V -h", false), "a value attached to its short option");
  ok (asks ("run -teK=V -h", false), "after a letter taking a value, the rest of the word is that value");
  ok (!asks ("run", false), "no options at all");

  reorders ("update ID --cwd /x", "update --cwd /x ID", "a flag after the operand moves in front, with its value");
  reorders ("update ID --cwd=/x -t", "update --cwd=/x -t ID", "name=value words and booleans");
  reorders ("kill ID --tty KILL", "kill --tty KILL ID",
            "the word after a boolean goes along (urfave/cli's reordering)");
  reorders ("kill ID -t --cwd /x", "kill -t --cwd /x ID", "a flag after a flag is not taken as its value");
  reorders ("kill ID --bogus", "kill ID --bogus", "a word naming no option stays an operand");
  reorders ("kill A -- -t B", "kill -- A -t B", "after --: operands, -- first among them");
  reorders ("kill ID -h", "kill -h ID", "-h is a flag of every command");
  reorders ("kill ID ---cwd=x", "kill ---cwd=x ID", "three dashes, as urfave/cli strips them");
  reorders ("start", "start", "nothing to reorder");

  text = printed ("exec", &help, NULL);
  is_str (text,
          "Usage: prog exec [command options] ID\n"
          "\n"
          "run something\n"
          "\n"
          "Options:\n"
          "  -e, --env KEY=VALUE  an environment variable\n"
          "  -t, --tty            a terminal\n"
          "      --cwd DIR        the working directory\n"
          "  -h, --help           show this help\n",
          "the text: usage, summary, options in a column, --help last");
  free (text);

  text = printed ("start", &bare, NULL);
  is_str (text, "Usage: prog start\n\nstart it\n\nOptions:\n  -h, --help  show this help\n",
          "no options, no operands: no trailing blank");
  free (text);

  text = printed ("x", &with_hidden, NULL);
  is_str (text,
          "Usage: prog x X\n"
          "\n"
          "all kinds\n"
          "\n"
          "Options:\n"
          "  -f, --file FILE  a file\n"
          "      --quiet      say less\n"
          "  -a, --all        all of them\n"
          "  -d, --detach     do not wait\n"
          "  -S, --store      a store\n"
          "                   over two lines\n"
          "  -h, --help       show this help\n",
          "every row of the table but the hidden one; a text's second line in its column");
  free (text);

  text = printed (NULL, NULL, mixed);
  is_str (text,
          "  -f, --file FILE  a file\n"
          "  --quiet          say less\n"
          "  -a, --all        all of them\n"
          "  -d, --detach     do not wait\n"
          "  -S, --store      a store\n"
          "                   over two lines\n",
          "global options: long-only names not indented, the texts from the column given");
  free (text);
  return tap_done ();
}
