/* The command lines: getopt generated from the option tables, the help
 * request test, urfave/cli's reordering and the printers (cli_help.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli_help.h"

const struct cli_option *
cli_option_find (const struct cli_option *opts, int key)
{
  for (const struct cli_option *o = opts; o && o->name; o++)
    if (o->key == key)
      return o;
  return NULL;
}

static bool
is_short (const struct cli_option *o)
{
  return o->key > 0 && o->key < CLI_LONG_ONLY;
}

bool
cli_getopt_tables (const struct cli_option *opts, struct option **longopts, char **optstring)
{
  static const int has_arg[] = {
    [CLI_NO_VALUE] = no_argument,
    [CLI_BOOL] = optional_argument,
    [CLI_VALUE] = required_argument,
  };
  size_t n = 0, k = 0;
  char *s;

  while (opts && opts[n].name)
    n++;
  *longopts = calloc (n + 1, sizeof (struct option));
  /* "+", then at most three characters an option, and the NUL */
  *optstring = s = malloc (1 + 3 * n + 1);
  if (*longopts == NULL || s == NULL)
    {
      free (*longopts);
      free (s);
      *longopts = NULL;
      *optstring = NULL;
      return false;
    }
  s[k++] = '+';
  for (size_t i = 0; i < n; i++)
    {
      const struct cli_option *o = &opts[i];
      (*longopts)[i] = (struct option) { o->name, has_arg[o->has_arg], NULL, o->key };
      if (!is_short (o))
        continue;
      s[k++] = (char) o->key;
      if (o->has_arg != CLI_NO_VALUE)
        s[k++] = ':';
      if (o->has_arg == CLI_BOOL)
        s[k++] = ':';
    }
  s[k] = '\0';
  return true;
}

/* Go's flag package knows no clusters of short options: "-bogus" is an
 * unknown flag there, never "-b ogus". */
static int
check_single_dash_words (int argc, char **argv, const struct cli_option *opts, struct oci_error *err)
{
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      size_t len;
      bool known = false;
      if (a[0] != '-' || strcmp (a, "-") == 0 || strcmp (a, "--") == 0)
        break; /* the first operand or the end of the options ("+") */
      len = strcspn (a + 1, "=");
      if (a[1] == '-' || len == 1)
        continue; /* --long, or a single letter (perhaps with =value) */
      for (const struct cli_option *o = opts; o && o->name; o++)
        if (strlen (o->name) == len && strncmp (o->name, a + 1, len) == 0)
          known = true;
      if (!known)
        return oci_error_set (err, 0, "%s: unknown option \"%s\"", argv[0], a);
    }
  return 0;
}

int
cli_getopt_start (struct cli_getopt *p, const struct cli_option *opts, enum cli_style style, int argc, char **argv,
                  struct oci_error *err)
{
  cli_getopt_end (p);
  *p = (struct cli_getopt) { .options = opts, .style = style, .argc = argc, .argv = argv };
  if (!cli_getopt_tables (opts, &p->longopts, &p->optstring))
    return oci_error_set (err, ENOMEM, "%s", argv[0]);
  optind = 0;
  opterr = 0;
  if (style == CLI_STYLE_GO)
    return check_single_dash_words (argc, argv, opts, err);
  return 0;
}

int
cli_getopt_next (struct cli_getopt *p)
{
  if (p->style == CLI_STYLE_GNU)
    return getopt_long (p->argc, p->argv, p->optstring, p->longopts, NULL);
  /* Past the "+": glibc moves the operands behind the options (unless
   * POSIXLY_CORRECT is set). */
  if (p->style == CLI_STYLE_GNU_ANYWHERE)
    return getopt_long (p->argc, p->argv, p->optstring + 1, p->longopts, NULL);
  return getopt_long_only (p->argc, p->argv, p->optstring, p->longopts, NULL);
}

void
cli_getopt_end (struct cli_getopt *p)
{
  free (p->longopts);
  free (p->optstring);
  p->longopts = NULL;
  p->optstring = NULL;
}

int
cli_getopt_bool (const struct cli_getopt *p, int key, bool *flag, struct oci_error *err)
{
  const struct cli_option *o = cli_option_find (p->options, key);
  const char *value = optarg;

  if (o == NULL || o->has_arg != CLI_BOOL)
    return 0;
  if (value && value[0] == '=')
    value++;
  if (value == NULL || strcmp (value, "true") == 0 || strcmp (value, "1") == 0)
    *flag = true;
  else if (strcmp (value, "false") == 0 || strcmp (value, "0") == 0)
    *flag = false;
  else
    return oci_error_set (err, 0, "--%s: expected true or false, got \"%s\"", o->name, value);
  return 0;
}

/* The option of opts that the word (after its dashes, up to '=') names. */
static const struct cli_option *
find_option (const struct cli_option *opts, const char *word, size_t len)
{
  for (const struct cli_option *o = opts; o && o->name; o++)
    {
      if (len == 1 && is_short (o) && o->key == word[0])
        return o;
      if (strlen (o->name) == len && strncmp (o->name, word, len) == 0)
        return o;
    }
  return NULL;
}

bool
cli_help_requested (int argc, char *const *argv, const struct cli_option *opts, bool single_dash_long)
{
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      const struct cli_option *o;
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
            if ((o = find_option (opts, a + k, 1)) && o->has_arg == CLI_VALUE)
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
      if (o && o->has_arg == CLI_VALUE)
        i++; /* "--env VALUE": the next word is the value */
    }
  return false;
}

/* Whether word is a flag of opts (or -h, --help) as urfave/cli's
 * reordering sees one: one or two dashes, the name up to '='. */
static bool
names_flag (const struct cli_option *opts, const char *word)
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
cli_flags_first (int argc, char **argv, const struct cli_option *opts)
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

/* One option's line: "-x, --name ARG" after two spaces (long-only
 * names after six when align_long, as in a command's --help), padded to
 * the width, then gap spaces and the text; the text's further lines start
 * in its column. */
static void
print_option (FILE *out, const struct cli_option *o, bool align_long, int width, int gap)
{
  int n;
  if (is_short (o))
    n = fprintf (out, "  -%c, --%s", o->key, o->name);
  else
    n = fprintf (out, "  %s--%s", align_long ? "    " : "", o->name);
  if (o->arg)
    n += fprintf (out, " %s", o->arg);
  if (n - 2 < width)
    fprintf (out, "%*s", width - (n - 2), "");
  fprintf (out, "%*s", gap, "");
  for (const char *t = o->text; *t;)
    {
      size_t len = strcspn (t, "\n");
      fprintf (out, "%.*s\n", (int) len, t);
      t += len;
      if (*t == '\n' && *++t)
        fprintf (out, "%*s", 2 + width + gap, "");
    }
}

void
cli_help_print (FILE *out, const char *prog, const char *command, const struct cli_help *help)
{
  static const struct cli_option help_option = { "help", 'h', CLI_NO_VALUE, NULL, "show this help" };
  int width = 10;

  fprintf (out, "Usage: %s %s%s%s\n\n%s\n\nOptions:\n", prog, command, *help->usage ? " " : "", help->usage,
           help->summary);
  /* The column for the texts: the longest "-x, --name ARG", at most 32. */
  for (const struct cli_option *o = help->options; o && o->name; o++)
    {
      int w = 6 + (int) strlen (o->name) + (o->arg ? 1 + (int) strlen (o->arg) : 0);
      if (o->text && w > width && w <= 32)
        width = w;
    }
  for (const struct cli_option *o = help->options; o && o->name; o++)
    if (o->text)
      print_option (out, o, true, width, 2);
  print_option (out, &help_option, true, width, 2);
}

void
cli_options_print (FILE *out, const struct cli_option *opts, int column)
{
  for (const struct cli_option *o = opts; o && o->name; o++)
    if (o->text)
      print_option (out, o, false, column - 3, 1);
}
