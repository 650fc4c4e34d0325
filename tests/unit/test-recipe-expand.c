/* Docker's variable expansion: every form, quoting, escapes, splitting. */
#include "config.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "recipe_expand.h"
#include "strbuf.h"
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

int
main (void)
{
  /* Fresh heap bytes are not zero, so a missing terminator shows. */
  mallopt (M_PERTURB, 0x5a);
  strbuf_cases ();
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
