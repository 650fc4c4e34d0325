/* Per-command help: the request test and the printer (cli_help.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli_help.h"

/* The option of opts that the word (after its dashes, up to '=') names. */
static const struct cli_help_option *
find_option (const struct cli_help_option *opts, const char *word, size_t len)
{
  for (const struct cli_help_option *o = opts; o && o->name; o++)
    {
      if (len == 1 && o->short_name == word[0])
        return o;
      if (strlen (o->name) == len && strncmp (o->name, word, len) == 0)
        return o;
    }
  return NULL;
}

bool
cli_help_requested (int argc, char *const *argv, const struct cli_help_option *opts, bool single_dash_long)
{
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      const struct cli_help_option *o;
      size_t len;

      if (a[0] != '-' || strcmp (a, "-") == 0 || strcmp (a, "--") == 0)
        return false; /* the first operand or the end of the options */
      if (strcmp (a, "-h") == 0 || strcmp (a, "--help") == 0 || (single_dash_long && strcmp (a, "-help") == 0))
        return true;
      if (a[1] != '-' && !single_dash_long)
        {
          /* getopt_long: short options, perhaps clustered; the first
           * that takes a value takes the rest of the word, or the next
           * word when nothing is left. */
          for (size_t k = 1; a[k]; k++)
            if ((o = find_option (opts, a + k, 1)) && o->arg)
              {
                if (a[k + 1] == '\0')
                  i++;
                break;
              }
          continue;
        }
      a += a[1] == '-' ? 2 : 1;
      len = strcspn (a, "=");
      if (a[len] == '=')
        continue; /* the value is in this word */
      o = find_option (opts, a, len);
      if (o && o->arg)
        i++; /* "--env VALUE": the next word is the value */
    }
  return false;
}

/* Whether word is a flag of opts (or -h, --help) as urfave/cli's
 * reordering sees one: one or two dashes, the name up to '='. */
static bool
names_flag (const struct cli_help_option *opts, const char *word)
{
  size_t len;
  if (word[0] != '-' || strcmp (word, "-") == 0 || strcmp (word, "--") == 0)
    return false;
  word += word[1] == '-' ? 2 : 1;
  if (word[0] == '-')
    word++;
  len = strcspn (word, "=");
  if ((len == 1 && word[0] == 'h') || (len == 4 && strncmp (word, "help", 4) == 0))
    return true;
  return find_option (opts, word, len) != NULL;
}

bool
cli_flags_first (int argc, char **argv, const struct cli_help_option *opts)
{
  char **flags, **rest;
  int nflags = 0, nrest = 0;
  bool value_may_follow = false;

  if (argc < 2)
    return true;
  flags = calloc ((size_t) argc, sizeof (char *));
  rest = calloc ((size_t) argc + 1, sizeof (char *));
  if (flags == NULL || rest == NULL)
    {
      free (flags);
      free (rest);
      return false;
    }
  for (int i = 1; i < argc; i++)
    {
      if (value_may_follow && !names_flag (opts, argv[i]))
        {
          value_may_follow = false;
          flags[nflags++] = argv[i];
        }
      else if (strcmp (argv[i], "--") == 0)
        {
          memmove (rest + 1, rest, (size_t) nrest * sizeof (char *));
          rest[0] = argv[i];
          nrest++;
          for (i++; i < argc; i++)
            rest[nrest++] = argv[i];
        }
      else if (names_flag (opts, argv[i]))
        {
          flags[nflags++] = argv[i];
          value_may_follow = strchr (argv[i], '=') == NULL;
        }
      else
        rest[nrest++] = argv[i];
    }
  memcpy (argv + 1, flags, (size_t) nflags * sizeof (char *));
  memcpy (argv + 1 + nflags, rest, (size_t) nrest * sizeof (char *));
  free (flags);
  free (rest);
  return true;
}

static void
print_option (FILE *out, const struct cli_help_option *o, int width)
{
  int n;
  if (o->short_name)
    n = fprintf (out, "  -%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
  else
    n = fprintf (out, "      --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
  if (n - 2 < width)
    fprintf (out, "%*s", width - (n - 2), "");
  fprintf (out, "  %s\n", o->text);
}

void
cli_help_print (FILE *out, const char *prog, const char *command, const char *summary, const struct cli_help *help)
{
  static const struct cli_help_option help_option = { "help", 'h', NULL, "show this help" };
  size_t count = 0;
  int width = 10;

  while (help->options && help->options[count].name)
    count++;
  fprintf (out, "Usage: %s %s%s%s\n\n%s\n\nOptions:\n", prog, command, *help->usage ? " " : "", help->usage, summary);
  /* The column for the texts: the longest "-x, --name ARG", at most 32. */
  for (size_t i = 0; i < count; i++)
    {
      const struct cli_help_option *o = &help->options[i];
      int w = 6 + (int) strlen (o->name) + (o->arg ? 1 + (int) strlen (o->arg) : 0);
      if (w > width && w <= 32)
        width = w;
    }
  for (size_t i = 0; i < count; i++)
    print_option (out, &help->options[i], width);
  print_option (out, &help_option, width);
}
