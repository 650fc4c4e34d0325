/* oci-spec/cli_help.c: which command lines ask for help, and the text. */
#include "config.h"

#include <stdlib.h>

#include "cli_help.h"
#include "tap.h"

static const struct cli_help_option opts[] = {
  { "env", 'e', "KEY=VALUE", "an environment variable" },
  { "tty", 't', NULL, "a terminal" },
  { "cwd", 0, "DIR", "the working directory" },
  { NULL, 0, NULL, NULL },
};

/* The words of line (spaces between), as argv; true when they ask. */
static bool
asks (const char *line, bool single_dash_long)
{
  char *copy = strdup (line), *argv[16], *save = NULL;
  int argc = 0;
  bool r;
  for (char *w = strtok_r (copy, " ", &save); w && argc < 15; w = strtok_r (NULL, " ", &save))
    argv[argc++] = w;
  argv[argc] = NULL;
  r = cli_help_requested (argc, argv, opts, single_dash_long);
  free (copy);
  return r;
}

/* line reordered by cli_flags_first, joined by spaces again. */
static char *
reordered (const char *line)
{
  char *copy = strdup (line), *argv[16], *save = NULL, *out = NULL;
  size_t len = 0;
  int argc = 0;
  FILE *f;
  for (char *w = strtok_r (copy, " ", &save); w && argc < 15; w = strtok_r (NULL, " ", &save))
    argv[argc++] = w;
  argv[argc] = NULL;
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
  static const struct cli_help help = { "[command options] ID", opts };
  static const struct cli_help bare = { "", NULL };
  char *text = NULL;
  size_t len = 0;
  FILE *f;

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
  reorders ("kill ID --tty KILL", "kill --tty KILL ID", "the word after a boolean goes along (urfave/cli's reordering)");
  reorders ("kill ID -t --cwd /x", "kill -t --cwd /x ID", "a flag after a flag is not taken as its value");
  reorders ("kill ID --bogus", "kill ID --bogus", "a word naming no option stays an operand");
  reorders ("kill A -- -t B", "kill -- A -t B", "after --: operands, -- first among them");
  reorders ("kill ID -h", "kill -h ID", "-h is a flag of every command");
  reorders ("kill ID ---cwd=x", "kill ---cwd=x ID", "three dashes, as urfave/cli strips them");
  reorders ("start", "start", "nothing to reorder");

  f = open_memstream (&text, &len);
  cli_help_print (f, "prog", "exec", "run something", &help);
  fclose (f);
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

  text = NULL;
  f = open_memstream (&text, &len);
  cli_help_print (f, "prog", "start", "start it", &bare);
  fclose (f);
  is_str (text, "Usage: prog start\n\nstart it\n\nOptions:\n  -h, --help  show this help\n",
          "no options, no operands: no trailing blank");
  free (text);
  return tap_done ();
}
