/* Docker's variable expansion: every form, quoting, escapes, splitting. */
#include "config.h"

#include <fnmatch.h>
#include <malloc.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "frontend/recipe_expand.h"
#include "common/strbuf.h"
#include "tap.h"

static const char *
lookup (const char *name, void *data)
{
  (void) data;
  static const char *const vars[][2] = {
    { "HOME", "/root" },   { "EMPTY", "" },        { "WORDS", "a  b c" },
    { "OTHER", "other" },  { "FILE", "archive.tar.gz" }, { "PATHV", "/usr/local/bin" },
    { "X1", "one" },       { "_u", "under" },      { "9", "nine" },
  };
  for (size_t i = 0; i < sizeof (vars) / sizeof (vars[0]); i++)
    if (strcmp (vars[i][0], name) == 0)
      return vars[i][1];
  return NULL;
}

static void
exp_is (const char *in, char escape, const char *want, const char *name)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *out = NULL;
  int r = recipe_expand_word (in, escape, lookup, NULL, &out, &err);
  if (r < 0)
    diag ("error: %s", err.msg);
  is_str (r == 0 ? out : NULL, want, "%s: %s", name, in);
  oci_error_clear (&err);
}

static void
exp_fails (const char *in, const char *want)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *out = NULL;
  int r = recipe_expand_word (in, '\\', lookup, NULL, &out, &err);
  ok (r < 0 && strcmp (err.msg, want) == 0, "error for %s", in);
  if (r == 0 || strcmp (err.msg, want) != 0)
    diag ("got: %s", r == 0 ? out : err.msg);
  oci_error_clear (&err);
}

static void
words_are (const char *in, const char *const *want, size_t n, const char *name)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_strv char **out = NULL;
  size_t len = 0;
  int r = recipe_expand_words (in, '\\', lookup, NULL, &out, &len, &err);
  bool same = r == 0 && len == n;
  for (size_t i = 0; same && i < n; i++)
    same = strcmp (out[i], want[i]) == 0;
  ok (same, "words: %s", name);
  if (!same && r == 0)
    for (size_t i = 0; i < len; i++)
      diag ("word %zu: [%s]", i, out[i]);
  ok (r < 0 || out[len] == NULL, "words: NULL-terminated (%s)", name);
  oci_error_clear (&err);
}

/* strbuf_steal with nothing appended must still hand over a string. */
static void
strbuf_cases (void)
{
  struct strbuf b = STRBUF_INIT;
  cleanup_free char *s = strbuf_steal (&b);
  is_str (s, "", "strbuf_steal of an empty strbuf is \"\"");
  struct strbuf c = STRBUF_INIT;
  strbuf_adds (&c, "");
  cleanup_free char *t = strbuf_steal (&c);
  is_str (t, "", "strbuf_steal after appending \"\" is \"\"");
}

/* One variable V, its value pointed to by data. */
static const char *
lookup_v (const char *name, void *data)
{
  const char *const *v = data;
  return strcmp (name, "V") == 0 ? *v : NULL;
}

static int
expand_v (const char *word, const char *v, char **out, struct oci_error *err)
{
  return recipe_expand_word (word, '\\', lookup_v, &v, out, err);
}

/* The old matcher (an fnmatch per start and end) as the reference for
 * short values: the longest match at the first position that matches. */
static char *
ref_replace (const char *value, const char *pat, const char *repl, bool all)
{
  size_t len = strlen (value), i = 0;
  char *tmp = strdup (value);
  struct strbuf out = STRBUF_INIT;
  while (i <= len)
    {
      size_t found = (size_t) -1;
      for (size_t j = len; j > i && found == (size_t) -1; j--)
        {
          char c = tmp[j];
          tmp[j] = '\0';
          if (fnmatch (pat, tmp + i, 0) == 0)
            found = j;
          tmp[j] = c;
        }
      if (found == (size_t) -1)
        {
          if (i < len)
            strbuf_addc (&out, value[i]);
          i++;
          continue;
        }
      strbuf_adds (&out, repl);
      i = found;
      if (!all)
        {
          strbuf_adds (&out, value + i);
          break;
        }
    }
  free (tmp);
  return strbuf_steal (&out);
}

static char *
ref_remove (const char *value, const char *pat, bool suffix, bool longest)
{
  size_t len = strlen (value);
  char *tmp = strdup (value);
  char *r = NULL;
  for (size_t step = 0; step <= len && r == NULL; step++)
    {
      size_t k = longest ? len - step : step;
      if (!suffix)
        {
          char c = tmp[k];
          tmp[k] = '\0';
          bool m = fnmatch (pat, tmp, 0) == 0;
          tmp[k] = c;
          if (m)
            r = strdup (value + k);
        }
      else if (fnmatch (pat, value + len - k, 0) == 0)
        r = strndup (value, len - k);
    }
  free (tmp);
  return r ? r : strdup (value);
}

/* Random short values and patterns: the NFA matcher agrees with fnmatch
 * on every operator. */
static void
pattern_property (void)
{
  static const char *const atoms[] = { "a", "b", "*", "?", "[ab]", "[!a]", "[a-c]", "\\*", "[[:digit:]]", "[]a]", "[", "." };
  static const char alphabet[] = "aabbc1.*[";
  unsigned seed = 12345;
  size_t bad = 0, n = 0;
  for (int round = 0; round < 3000; round++)
    {
      char value[16], pat[64] = "";
      size_t vl = (seed = seed * 1103515245 + 12345) >> 16 & 7;
      for (size_t i = 0; i < vl; i++)
        value[i] = alphabet[(seed = seed * 1103515245 + 12345) >> 16 & 7];
      value[vl] = '\0';
      size_t pl = 1 + ((seed = seed * 1103515245 + 12345) >> 16 & 3);
      for (size_t i = 0; i < pl; i++)
        strcat (pat, atoms[((seed = seed * 1103515245 + 12345) >> 16) % (sizeof atoms / sizeof atoms[0])]);
      static const char *const ops[] = { "#", "##", "%", "%%", "/", "//" };
      for (size_t o = 0; o < 6; o++)
        {
          struct oci_error err = OCI_ERROR_INIT;
          cleanup_free char *word = NULL, *got = NULL, *want = NULL;
          bool rep = ops[o][0] == '/';
          /* the pattern goes in single quotes: no expansion, no escapes */
          if (strchr (pat, '\'') || asprintf (&word, "${V%s'%s'%s}", ops[o], pat, rep ? "/X" : "") < 0)
            continue;
          want = rep ? ref_replace (value, pat, "X", o == 5) : ref_remove (value, pat, ops[o][0] == '%', o % 2 == 1);
          n++;
          if (expand_v (word, value, &got, &err) < 0 || strcmp (got, want) != 0)
            {
              if (bad++ < 5)
                diag ("%s on \"%s\": got \"%s\", want \"%s\"", word, value, got ? got : err.msg, want);
            }
          oci_error_clear (&err);
        }
    }
  ok (bad == 0, "pattern operators agree with fnmatch on %zu random cases", n);
}

/* Hostile recipes: nesting, growth, costly patterns. */
static void
limit_cases (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  char *out = NULL;
  struct strbuf w = STRBUF_INIT;
  for (unsigned i = 0; i < RECIPE_EXPAND_MAX_DEPTH; i++)
    strbuf_adds (&w, "${B:-");
  strbuf_adds (&w, "x");
  for (unsigned i = 0; i < RECIPE_EXPAND_MAX_DEPTH; i++)
    strbuf_addc (&w, '}');
  ok (expand_v (w.s, "", &out, &err) == 0 && strcmp (out, "x") == 0, "%u nested defaults expand", RECIPE_EXPAND_MAX_DEPTH);
  free (out);
  out = NULL;
  strbuf_release (&w);
  for (unsigned i = 0; i < 20000; i++)
    strbuf_adds (&w, "${B:-");
  for (unsigned i = 0; i < 20000; i++)
    strbuf_addc (&w, '}');
  ok (expand_v (w.s, "", &out, &err) < 0 && err.msg
        && strcmp (err.msg, "variable expansions nested deeper than 64 levels") == 0,
      "20,000 nested defaults: an error, not a crash");
  diag ("%s", err.msg ? err.msg : "");
  oci_error_clear (&err);
  strbuf_release (&w);

  char *big = malloc (RECIPE_EXPAND_MAX_BYTES / 2 + 1);
  memset (big, 'a', RECIPE_EXPAND_MAX_BYTES / 2);
  big[RECIPE_EXPAND_MAX_BYTES / 2] = '\0';
  ok (expand_v ("${V}${V}", big, &out, &err) == 0 && strlen (out) == RECIPE_EXPAND_MAX_BYTES,
      "an expansion of exactly the limit");
  free (out);
  out = NULL;
  ok (expand_v ("${V}${V}x${V}", big, &out, &err) < 0 && err.msg
        && strcmp (err.msg, "the expansion gives more than 1048576 bytes") == 0,
      "an expansion past the limit is an error");
  oci_error_clear (&err);
  ok (expand_v ("${B:-${V}${V}${V}}", big, &out, &err) < 0, "the limit holds inside a nested word");
  oci_error_clear (&err);
  ok (expand_v ("${V//a/${V}}", big, &out, &err) < 0 && err.msg
        && strcmp (err.msg, "the expansion gives more than 1048576 bytes") == 0,
      "a replacement growing past the limit is an error");
  oci_error_clear (&err);
  free (big);

  /* 4,800 characters took 18 s with an fnmatch per start and end */
  char *v = malloc (4801);
  memset (v, 'a', 4800);
  v[4800] = '\0';
  struct timespec t0, t1;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  ok (expand_v ("${V//*b/x}${V//a/b}${V%%*b}${V#*a*a*a*a*a*a*b}", v, &out, &err) == 0 && strlen (out) == 4800 * 4,
      "patterns on a 4,800-character value");
  clock_gettime (CLOCK_MONOTONIC, &t1);
  double secs = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
  ok (secs < 2.0, "... in %.3f s (under 2 s)", secs);
  free (out);
  out = NULL;
  oci_error_clear (&err);
  free (v);
  /* the step budget: a pattern tried from every position of 512 KiB */
  v = malloc (RECIPE_EXPAND_MAX_BYTES / 2 + 1);
  memset (v, 'a', RECIPE_EXPAND_MAX_BYTES / 2);
  v[RECIPE_EXPAND_MAX_BYTES / 2] = '\0';
  ok (expand_v ("${V//a*b/x}", v, &out, &err) < 0 && err.msg && strstr (err.msg, "matching steps") != NULL,
      "a pattern past the step budget is an error");
  diag ("%s", err.msg ? err.msg : "");
  oci_error_clear (&err);
  free (v);
}

int
main (void)
{
  /* Fresh heap bytes are not zero, so a missing terminator shows. */
  mallopt (M_PERTURB, 0x5a);
  strbuf_cases ();
  pattern_property ();
  limit_cases ();
  exp_is ("", '\\', "", "empty word");
  exp_is ("\"\"", '\\', "", "empty quotes");
  exp_is ("$EMPTY", '\\', "", "empty variable");
  exp_is ("$HOME", '\\', "/root", "plain");
  exp_is ("${HOME}/bin", '\\', "/root/bin", "braces");
  exp_is ("$HOME_x", '\\', "", "name runs to the first non-name character");
  exp_is ("${HOME}_x", '\\', "/root_x", "braces delimit");
  exp_is ("$UNSET", '\\', "", "unset is empty");
  exp_is ("a${UNSET}b", '\\', "ab", "unset in braces");
  exp_is ("$_u $X1", '\\', "under one", "underscore and digits");
  exp_is ("$9x", '\\', "ninex", "positional-style digits");
  exp_is ("$$", '\\', "", "$$ is a special parameter, unset");
  exp_is ("cost: 5$", '\\', "cost: 5$", "lone dollar at the end");
  exp_is ("a $ b", '\\', "a $ b", "dollar before a blank");
  exp_is ("\\$HOME", '\\', "$HOME", "escaped dollar");
  exp_is ("\\${HOME}", '\\', "${HOME}", "escaped braces");
  exp_is ("`$HOME", '`', "$HOME", "backtick escape");
  exp_is ("C:\\dir", '`', "C:\\dir", "backslash literal with backtick escape");
  exp_is ("'$HOME'", '\\', "$HOME", "single quotes suppress");
  exp_is ("\"$HOME\"", '\\', "/root", "double quotes expand");
  exp_is ("\"a \\\"b\\\" \\$c \\d\"", '\\', "a \"b\" $c \\d", "escapes in double quotes");
  exp_is ("'a\\b'", '\\', "a\\b", "no escapes in single quotes");
  exp_is ("a\\ b", '\\', "a b", "escaped blank");
  exp_is ("trail\\", '\\', "trail", "escape at the end dropped");
  exp_is ("${UNSET:-default}", '\\', "default", ":- unset");
  exp_is ("${EMPTY:-default}", '\\', "default", ":- empty");
  exp_is ("${HOME:-default}", '\\', "/root", ":- set");
  exp_is ("${UNSET-default}", '\\', "default", "- unset");
  exp_is ("${EMPTY-default}", '\\', "", "- empty counts as set");
  exp_is ("${HOME:+alt}", '\\', "alt", ":+ set");
  exp_is ("${EMPTY:+alt}", '\\', "", ":+ empty");
  exp_is ("${UNSET:+alt}", '\\', "", ":+ unset");
  exp_is ("${EMPTY+alt}", '\\', "alt", "+ empty counts as set");
  exp_is ("${UNSET:-${OTHER}}", '\\', "other", "nested default");
  exp_is ("${UNSET:-${ALSO:-deep}/x}", '\\', "deep/x", "doubly nested");
  exp_is ("${UNSET:-'a}b'}", '\\', "a}b", "quotes in the word");
  exp_is ("${UNSET:-\"$HOME x\"}", '\\', "/root x", "double quotes in the word");
  exp_is ("${HOME:?}", '\\', "/root", ":? set");
  exp_is ("${FILE%.gz}", '\\', "archive.tar", "% shortest suffix");
  exp_is ("${FILE%.*}", '\\', "archive.tar", "% glob");
  exp_is ("${FILE%%.*}", '\\', "archive", "%% longest suffix");
  exp_is ("${FILE#*.}", '\\', "tar.gz", "# shortest prefix");
  exp_is ("${FILE##*.}", '\\', "gz", "## longest prefix");
  exp_is ("${PATHV/local/opt}", '\\', "/usr/opt/bin", "/ replace first");
  exp_is ("${PATHV//\\//:}", '\\', ":usr:local:bin", "// replace all");
  exp_is ("${UNSET#x}", '\\', "", "pattern on unset");
  exp_is ("${WORDS}", '\\', "a  b c", "blanks kept in a word");

  exp_fails ("${HOME", "syntax error: missing '}'");
  exp_fails ("${", "syntax error: missing '}'");
  exp_fails ("${}", "syntax error: bad substitution");
  exp_fails ("${:x}", "syntax error: bad substitution");
  exp_fails ("${HOME:=x}", "unsupported modifier (=) in substitution");
  exp_fails ("${HOME^}", "unsupported modifier (^) in substitution");
  exp_fails ("${UNSET:?}", "UNSET: is not allowed to be unset");
  exp_fails ("${EMPTY:?}", "EMPTY: is not allowed to be empty");
  exp_fails ("${UNSET?must be given}", "UNSET: must be given");
  exp_fails ("'open", "unexpected end of statement while looking for matching single-quote");
  exp_fails ("\"open", "unexpected end of statement while looking for matching double-quote");
  exp_fails ("${UNSET:-abc", "syntax error: missing '}'");

  static const char *const w1[] = { "80", "443/udp" };
  words_are ("80 443/udp", w1, 2, "plain split");
  static const char *const w2[] = { "a", "b", "c", "x" };
  words_are ("$WORDS x", w2, 4, "unquoted expansion splits");
  static const char *const w3[] = { "a  b c", "x" };
  words_are ("\"$WORDS\" x", w3, 2, "quoted expansion does not split");
  static const char *const w4[] = { "pre-a", "b", "c-post" };
  words_are ("pre-${WORDS}-post", w4, 3, "split inside a word");
  static const char *const w5[] = { "a b", "c" };
  words_are ("'a b'   c  ", w5, 2, "single quotes group");
  words_are ("   ", NULL, 0, "blank gives no words");
  static const char *const w6[] = { "x" };
  words_are ("$UNSET x $EMPTY", w6, 1, "empty expansions give no words");

  ok (recipe_kind_expands (RECIPE_COPY) && recipe_kind_expands (RECIPE_ENV)
      && recipe_kind_expands (RECIPE_FROM) && recipe_kind_expands (RECIPE_WORKDIR)
      && recipe_kind_expands (RECIPE_EXPOSE) && recipe_kind_expands (RECIPE_STOPSIGNAL),
      "expanded instructions");
  ok (!recipe_kind_expands (RECIPE_RUN) && !recipe_kind_expands (RECIPE_CMD)
      && !recipe_kind_expands (RECIPE_ENTRYPOINT) && !recipe_kind_expands (RECIPE_ONBUILD)
      && !recipe_kind_expands (RECIPE_SHELL),
      "instructions left to the shell");
  return tap_done ();
}
