/* The recipe lexer and parser: every instruction in its forms, directives,
 * continuations, heredocs, positions in error messages; and stage
 * planning. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "frontend/recipe_lexer.h"
#include "frontend/recipe_parse.h"
#include "frontend/recipe_parse_internal.h"
#include "frontend/recipe_plan.h"
#include "tap.h"

static struct recipe *
parse (const char *text)
{
  struct oci_error err = OCI_ERROR_INIT;
  struct recipe *r = NULL;
  if (recipe_parse ("Recipe", text, strlen (text), &r, &err) < 0)
    {
      diag ("unexpected error: %s", oci_error_msg (&err));
      oci_error_clear (&err);
      return NULL;
    }
  return r;
}

static void
parse_fails (const char *text, const char *want, const char *name)
{
  struct oci_error err = OCI_ERROR_INIT;
  struct recipe *r = NULL;
  int rc = recipe_parse ("Recipe", text, strlen (text), &r, &err);
  ok (rc < 0 && err.msg && strcmp (err.msg, want) == 0, "error: %s", name);
  if (rc == 0 || strcmp (err.msg, want) != 0)
    diag ("got:  %s\n# want: %s", rc == 0 ? "(success)" : err.msg, want);
  recipe_free (r);
  oci_error_clear (&err);
}

#define POS(p, l, c) ((p).line == (l) && (p).column == (c))

static void
test_lexer (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  struct recipe_source *s = NULL;
  const char *text = "\xEF\xBB\xBF# syntax=docker/dockerfile:1\r\n"
                     "# escape=`\r\n"
                     "\r\n"
                     "FROM alpine\r\n"
                     "  RUN echo a `  \r\n"
                     "# a comment inside\r\n"
                     "\r\n"
                     "    b\r\n"
                     "# escape=\\\n"
                     "run x\n";
  ok (recipe_lex ("Recipe", text, strlen (text), &s, &err) == 0, "lex: BOM, CRLF, directives");
  is_str (s->syntax, "docker/dockerfile:1", "syntax directive kept");
  ok (s->escape == '`', "escape directive: backtick");
  ok (s->lines_len == 3, "three instructions (a directive after an instruction is a comment)");
  is_str (s->lines[0].keyword, "FROM", "keyword");
  ok (POS (s->lines[0].pos, 4, 1), "FROM at 4:1");
  is_str (s->lines[1].rest, "echo a     b", "continuation joined, comment and empty line dropped");
  ok (POS (s->lines[1].pos, 5, 3), "RUN at 5:3 (leading blanks)");
  ok (POS (recipe_line_pos (&s->lines[1], 0), 5, 7), "argument position on the first line");
  ok (POS (recipe_line_pos (&s->lines[1], 11), 8, 5), "argument position on a continuation line");
  ok (s->lines[1].end_line == 8, "end line");
  is_str (s->lines[2].keyword, "run", "lower-case keyword kept as written");
  recipe_source_free (s);
  s = NULL;

  text = "# directive=unknown\n# escape=`\nFROM a\nRUN b \\\nc\n";
  ok (recipe_lex ("R", text, strlen (text), &s, &err) == 0, "lex: unknown directive");
  ok (s->escape == '\\', "an unknown directive ends the directives");
  is_str (s->lines[1].rest, "b c", "backslash continuation");
  recipe_source_free (s);
  s = NULL;

  text = "#check=skip=all\n# syntax = foo \nFROM a\n";
  ok (recipe_lex ("R", text, strlen (text), &s, &err) == 0, "lex: check directive");
  is_str (s->check, "skip=all", "check kept");
  is_str (s->syntax, "foo", "blanks around a directive value trimmed");
  recipe_source_free (s);
  s = NULL;

  text = "# escape=x\nFROM a\n";
  ok (recipe_lex ("R", text, strlen (text), &s, &err) < 0, "invalid escape refused");
  is_str (err.msg, "R:1:1: invalid escape token 'x' (must be \\ or `)", "invalid escape message");
  oci_error_clear (&err);
  text = "# escape=\\\n# escape=`\nFROM a\n";
  ok (recipe_lex ("R", text, strlen (text), &s, &err) < 0, "repeated directive refused");
  is_str (err.msg, "R:2:1: only one escape parser directive can be used", "repeated directive message");
  oci_error_clear (&err);

  text = "FROM a\nRUN a \\\n";
  ok (recipe_lex ("R", text, strlen (text), &s, &err) == 0, "continuation at end of file");
  is_str (s->lines[1].rest, "a", "continuation at end of file ends the instruction");
  recipe_source_free (s);
  s = NULL;

  text = "FROM a\nRUN \\\n  # c1\n  #c2\n  echo hi\n";
  ok (recipe_lex ("R", text, strlen (text), &s, &err) == 0, "indented comments in continuation");
  is_str (s->lines[1].rest, "echo hi", "indented comment lines dropped");
  recipe_source_free (s);
}

static void
test_heredocs (void)
{
  struct recipe *r;
  r = parse ("FROM a\nRUN <<EOF\necho $HOME\n  two\nEOF\nRUN x\n");
  ok (r && r->len == 3, "heredoc: single");
  if (r)
    {
      ok (r->v[1].heredocs_len == 1, "one heredoc");
      is_str (r->v[1].heredocs[0].name, "EOF", "name");
      is_str (r->v[1].heredocs[0].content, "echo $HOME\n  two\n", "content");
      ok (r->v[1].heredocs[0].expand, "unquoted: expands");
      ok (r->v[1].heredocs[0].line == 3, "body starts at line 3");
      is_str (r->v[1].run.cmd.shell, "<<EOF", "the command is the marker");
      ok (r->v[2].pos.line == 6, "next instruction after the body");
    }
  recipe_free (r);

  r = parse ("FROM a\nCOPY <<A <<\"B\" /dst/\nfirst\nA\nsecond $X\nB\n");
  ok (r && r->v[1].heredocs_len == 2, "heredoc: two on one line");
  if (r)
    {
      is_str (r->v[1].heredocs[0].content, "first\n", "first body");
      is_str (r->v[1].heredocs[1].name, "B", "quoted delimiter name");
      ok (!r->v[1].heredocs[1].expand, "quoted delimiter: no expansion");
      is_str (r->v[1].heredocs[1].content, "second $X\n", "second body");
      ok (r->v[1].copy.sources.len == 2, "COPY sources are the markers");
      is_str (r->v[1].copy.dest.text, "/dst/", "COPY destination");
    }
  recipe_free (r);

  r = parse ("FROM a\nRUN <<-'EOT' bash\n\t\techo hi\n\tEOT\n");
  ok (r && r->v[1].heredocs_len == 1, "heredoc: dash form");
  if (r)
    {
      ok (r->v[1].heredocs[0].chomp, "chomp");
      ok (!r->v[1].heredocs[0].expand, "single-quoted delimiter");
      is_str (r->v[1].heredocs[0].content, "echo hi\n", "leading tabs stripped");
    }
  recipe_free (r);

  r = parse ("FROM a\nRUN 3<<EOF cat /dev/fd/3\r\nx\r\nEOF\r\n");
  ok (r && r->v[1].heredocs_len == 1 && r->v[1].heredocs[0].fd == 3, "heredoc: fd number, CRLF");
  if (r)
    is_str (r->v[1].heredocs[0].content, "x\n", "CRLF body");
  recipe_free (r);

  r = parse ("FROM a\nONBUILD RUN <<EOF\nhi\nEOF\nENV a=b\n");
  ok (r && r->len == 3 && r->v[1].trigger && r->v[1].trigger->heredocs_len == 1, "heredoc: ONBUILD RUN");
  recipe_free (r);

  r = parse ("FROM a\nENV x=<<EOF\nLABEL y=z\n");
  ok (r && r->len == 3, "no heredocs for ENV");
  recipe_free (r);

  r = parse ("FROM a\nRUN echo 'a<<b' x<<y <<<z\n");
  ok (r && r->v[1].heredocs_len == 0, "not heredoc markers: quoted, glued, <<<");
  recipe_free (r);

  parse_fails ("FROM a\n\nRUN cat <<EOF\nabc\n", "Recipe:3:9: unterminated heredoc \"EOF\"",
               "unterminated heredoc names where it started");
}

static void
test_from (void)
{
  struct recipe *r = parse ("from --platform=$BUILDPLATFORM golang:1.22 AS Build\nFROM scratch\n");
  ok (r && r->len == 2, "FROM: parses");
  if (r)
    {
      ok (r->v[0].kind == RECIPE_FROM, "kind");
      is_str (r->v[0].from.image.text, "golang:1.22", "image");
      is_str (r->v[0].from.platform, "$BUILDPLATFORM", "platform kept for expansion");
      is_str (r->v[0].from.stage_name, "build", "stage name lower-cased");
      ok (POS (r->v[0].from.image.pos, 1, 32), "image position");
      ok (r->v[1].from.stage_name == NULL, "no name");
    }
  recipe_free (r);
  parse_fails ("FROM a b\n", "Recipe:1:8: FROM: requires either one or three arguments (image [AS name])",
               "FROM two args");
  parse_fails ("FROM a XS b\n", "Recipe:1:8: FROM: expected \"AS <name>\" after the image, got \"XS\"",
               "FROM without AS");
  parse_fails ("FROM a AS 1x\n",
               "Recipe:1:11: FROM: invalid name for build stage: \"1x\", name can't start with a "
               "number or contain symbols",
               "bad stage name");
  parse_fails ("FROM --plat=x a\n", "Recipe:1:6: FROM: unknown flag: --plat", "unknown flag");
  parse_fails ("FROM --platform a\n", "Recipe:1:6: FROM: missing a value on flag: --platform", "flag without value");
  parse_fails ("FROM\n", "Recipe:1:1: FROM: requires either one or three arguments", "FROM alone");
}

static void
test_run (void)
{
  struct recipe *r = parse (
      "FROM a\n"
      "RUN --mount=type=cache,target=/root/.cache,id=pip,sharing=locked,mode=0700,uid=1000,gid=1000 \\\n"
      "    --mount=type=bind,from=build,source=/out,target=/in,rw \\\n"
      "    --mount=type=tmpfs,target=/tmp,size=64m \\\n"
      "    --mount=type=secret,id=tok,required \\\n"
      "    --mount=type=ssh \\\n"
      "    --network=none --security=insecure pip install -r req.txt\n"
      "RUN [\"/bin/sh\", \"-c\", \"echo hi\"]\n"
      "RUN [\"unterminated\"\n"
      "RUN --mount='target=/src,\"source=a,b\"' ls\n");
  ok (r && r->len == 5, "RUN: parses");
  if (!r)
    return;
  const struct recipe_run *run = &r->v[1].run;
  ok (!run->cmd.exec_form, "shell form");
  is_str (run->cmd.shell, "pip install -r req.txt", "shell command");
  ok (run->mounts_len == 5, "five mounts");
  ok (run->mounts[0].type == RECIPE_MOUNT_CACHE, "cache mount");
  is_str (run->mounts[0].target, "/root/.cache", "target");
  is_str (run->mounts[0].id, "pip", "id");
  ok (run->mounts[0].sharing == RECIPE_SHARING_LOCKED, "sharing");
  ok (run->mounts[0].has_mode && run->mounts[0].mode == 0700, "mode octal");
  ok (run->mounts[0].uid == 1000 && run->mounts[0].gid == 1000, "uid, gid");
  ok (!run->mounts[0].readonly, "cache is writable by default");
  ok (run->mounts[1].type == RECIPE_MOUNT_BIND && !run->mounts[1].readonly, "bind, rw");
  is_str (run->mounts[1].from, "build", "from");
  is_str (run->mounts[1].source, "/out", "source");
  ok (run->mounts[2].type == RECIPE_MOUNT_TMPFS && run->mounts[2].size == 64u << 20, "tmpfs size");
  ok (run->mounts[3].type == RECIPE_MOUNT_SECRET && run->mounts[3].required, "secret required");
  ok (run->mounts[4].type == RECIPE_MOUNT_SSH, "ssh");
  ok (POS (run->mounts[1].pos, 3, 5), "mount position on its continuation line");
  is_str (run->network, "none", "network");
  is_str (run->security, "insecure", "security");
  ok (r->v[2].run.cmd.exec_form && r->v[2].run.cmd.argv.len == 3, "exec form");
  is_str (r->v[2].run.cmd.argv.v[2].text, "echo hi", "exec argument");
  ok (POS (r->v[2].run.cmd.argv.v[1].pos, 8, 17), "exec argument position");
  ok (!r->v[3].run.cmd.exec_form, "invalid JSON is shell form");
  ok (r->v[4].run.mounts[0].type == RECIPE_MOUNT_BIND && r->v[4].run.mounts[0].readonly,
      "bind is the default type, read-only");
  is_str (r->v[4].run.mounts[0].source, "a,b", "quoted mount field");
  recipe_free (r);

  parse_fails ("FROM a\nRUN --mount=type=cache echo\n", "Recipe:2:5: RUN: --mount: type=cache requires target",
               "cache needs target");
  parse_fails ("FROM a\nRUN --mount=type=tmpfs,target=/t,from=x echo\n",
               "Recipe:2:5: RUN: --mount: \"from\" is not valid for type=tmpfs", "key not for type");
  parse_fails ("FROM a\nRUN --mount=type=cache,target=/t,colour=red echo\n",
               "Recipe:2:5: RUN: --mount: unexpected key \"colour\"", "unknown mount key");
  parse_fails ("FROM a\nRUN --mount=type=nfs,target=/t echo\n",
               "Recipe:2:5: RUN: --mount: unsupported mount type \"nfs\"", "unknown mount type");
  parse_fails ("FROM a\nRUN --mount=type=cache,target=/t,mode=0999 echo\n",
               "Recipe:2:5: RUN: --mount: invalid mode \"0999\" (octal)", "bad mount mode");
  parse_fails ("FROM a\nRUN --mount=type=cache,target=/t,sharing=maybe echo\n",
               "Recipe:2:5: RUN: --mount: sharing must be shared, private or locked, not \"maybe\"", "bad sharing");
  parse_fails ("FROM a\nRUN --network=bridge echo\n",
               "Recipe:2:5: RUN: --network must be default, private, none or host, not \"bridge\"", "bad network");
  parse_fails ("FROM a\nRUN [1, 2]\n",
               "Recipe:2:5: RUN: when using JSON array syntax, arrays must be comprised of strings only",
               "JSON array of numbers");
  parse_fails ("FROM a\nRUN\n", "Recipe:2:1: RUN: requires at least one argument", "RUN alone");
  parse_fails ("FROM a\nRUN --network=none --network=host x\n",
               "Recipe:2:20: RUN: duplicate flag specified: --network", "duplicate flag");
}

static void
test_copy (void)
{
  struct recipe *r = parse ("FROM a\n"
                            "COPY --from=build --chown=app:app --chmod=0755 --link --exclude=*.md "
                            "--exclude=.git --parents a b /dst/\n"
                            "COPY [\"a b\", \"c\", \"/d e/\"]\n"
                            "ADD --keep-git-dir=true --checksum=sha256:abc https://x/y.tgz /z\n"
                            "copy --link=false x y\n");
  ok (r && r->len == 5, "COPY/ADD: parse");
  if (!r)
    return;
  const struct recipe_copy *c = &r->v[1].copy;
  is_str (c->from, "build", "--from");
  is_str (c->chown, "app:app", "--chown");
  ok (c->has_mode && c->mode == 0755, "--chmod octal");
  ok (c->link && c->parents, "--link, --parents");
  ok (c->excludes.len == 2, "--exclude repeatable");
  is_str (c->excludes.v[1].text, ".git", "second exclude");
  ok (c->sources.len == 2, "two sources");
  is_str (c->dest.text, "/dst/", "destination");
  ok (POS (c->dest.pos, 2, 99), "destination position");
  ok (r->v[2].copy.json_form && r->v[2].copy.sources.len == 2, "JSON form");
  is_str (r->v[2].copy.sources.v[0].text, "a b", "JSON source with a blank");
  is_str (r->v[2].copy.dest.text, "/d e/", "JSON destination");
  ok (r->v[3].kind == RECIPE_ADD && r->v[3].copy.keep_git_dir, "ADD --keep-git-dir");
  is_str (r->v[3].copy.checksum, "sha256:abc", "ADD --checksum");
  ok (!r->v[4].copy.link, "--link=false");
  recipe_free (r);

  r = parse ("FROM a\nCOPY --chmod=$MODE a b\n");
  ok (r && !r->v[1].copy.has_mode, "--chmod with a variable waits for expansion");
  recipe_free (r);

  parse_fails ("FROM a\n\n\n\n\n\nCOPY onlyone\n", "Recipe:7:1: COPY: requires at least two arguments",
               "COPY needs two");
  parse_fails ("FROM a\nCOPY --chmod=0789 a b\n",
               "Recipe:2:6: COPY: --chmod: invalid chmod \"0789\": want an octal mode such as 0755", "bad chmod");
  parse_fails ("FROM a\nCOPY --chmod=u+x a b\n",
               "Recipe:2:6: COPY: --chmod: invalid chmod \"u+x\": want an octal mode such as 0755", "symbolic chmod");
  parse_fails ("FROM a\nADD --from=x a b\n", "Recipe:2:5: ADD: unknown flag: --from", "ADD --from");
  parse_fails ("FROM a\nCOPY --link=maybe a b\n",
               "Recipe:2:6: COPY: expecting boolean value for flag --link, not: maybe", "bad bool");
  parse_fails ("FROM a\nCOPY --checksum=x a b\n", "Recipe:2:6: COPY: unknown flag: --checksum", "COPY --checksum");
}

static void
test_env_label_arg (void)
{
  struct recipe *r = parse ("FROM a\n"
                            "ENV k=v k2=\"v 2\" k3=a\\ b\n"
                            "ENV legacy value with  spaces\n"
                            "LABEL org.opencontainers.image.title=\"My App\" \"key x\"=y\n"
                            "LABEL old \"value\"\n"
                            "ARG one\n"
                            "ARG two=2 three=\"3 3\"\n");
  ok (r && r->len == 7, "ENV/LABEL/ARG: parse");
  if (!r)
    return;
  const struct recipe_kvs *e = &r->v[1].kvs;
  ok (e->len == 3, "three ENV pairs");
  is_str (e->v[0].key, "k", "key");
  is_str (e->v[1].value, "\"v 2\"", "quoted value kept for expansion");
  is_str (e->v[2].value, "a\\ b", "escaped blank");
  ok (POS (e->v[1].pos, 2, 9), "pair position");
  is_str (r->v[2].kvs.v[0].key, "legacy", "legacy ENV key");
  is_str (r->v[2].kvs.v[0].value, "value with  spaces", "legacy ENV value is the rest");
  is_str (r->v[3].kvs.v[1].key, "\"key x\"", "LABEL quoted key");
  is_str (r->v[4].kvs.v[0].value, "\"value\"", "LABEL legacy");
  ok (r->v[5].kvs.len == 1 && r->v[5].kvs.v[0].value == NULL, "ARG without default");
  ok (r->v[6].kvs.len == 2, "two ARGs on a line");
  is_str (r->v[6].kvs.v[1].value, "\"3 3\"", "ARG default");
  recipe_free (r);

  parse_fails ("FROM a\nENV a=b c\n",
               "Recipe:2:9: ENV: syntax error - can't find = in \"c\"; must be of the form name=value",
               "ENV mixed forms");
  parse_fails ("FROM a\nENV onlykey\n", "Recipe:2:5: ENV: must have two arguments (name value) or name=value",
               "ENV one word");
  parse_fails ("FROM a\nENV =x\n", "Recipe:2:5: ENV: names can not be blank", "ENV blank name");
  parse_fails ("FROM a\nLABEL\n", "Recipe:2:1: LABEL: requires at least one argument", "LABEL alone");
  parse_fails ("FROM a\nARG\n", "Recipe:2:1: ARG: requires at least one argument", "ARG alone");
}

static void
test_simple (void)
{
  struct recipe *r = parse ("FROM a\n"
                            "WORKDIR /app dir\n"
                            "USER app:staff\n"
                            "USER 1000\n"
                            "EXPOSE 80 443/tcp 53/UDP 8000-8010/sctp\n"
                            "EXPOSE $PORT\n"
                            "VOLUME [\"/data\", \"/logs\"]\n"
                            "VOLUME /a /b\n"
                            "STOPSIGNAL SIGTERM\n"
                            "MAINTAINER Jane <j@example.org>\n"
                            "SHELL [\"/bin/bash\", \"-eo\", \"pipefail\", \"-c\"]\n");
  ok (r && r->len == 11, "simple instructions parse");
  if (!r)
    return;
  is_str (r->v[1].arg.text, "/app dir", "WORKDIR keeps the whole rest");
  is_str (r->v[2].user, "app", "USER user");
  is_str (r->v[2].group, "staff", "USER group");
  ok (r->v[3].group == NULL, "USER without group");
  const struct recipe_expose *x = &r->v[4].expose;
  ok (x->parsed_len == 4, "four ports");
  ok (x->parsed[0].start == 80 && x->parsed[0].end == 80, "port 80");
  is_str (x->parsed[0].proto, "tcp", "default tcp");
  is_str (x->parsed[2].proto, "udp", "protocol lower-cased");
  ok (x->parsed[3].start == 8000 && x->parsed[3].end == 8010, "range");
  ok (r->v[5].expose.parsed == NULL && r->v[5].expose.ports.len == 1, "EXPOSE variable waits");
  ok (r->v[6].volumes_json && r->v[6].volumes.len == 2, "VOLUME JSON");
  ok (!r->v[7].volumes_json && r->v[7].volumes.len == 2, "VOLUME words");
  is_str (r->v[8].arg.text, "SIGTERM", "STOPSIGNAL");
  is_str (r->v[9].arg.text, "Jane <j@example.org>", "MAINTAINER");
  ok (r->v[10].cmd.exec_form && r->v[10].cmd.argv.len == 4, "SHELL");
  recipe_free (r);

  parse_fails ("FROM a\nEXPOSE 80/icmp\n",
               "Recipe:2:8: EXPOSE: invalid port \"80/icmp\": protocol must be tcp, udp or sctp", "bad protocol");
  parse_fails ("FROM a\nEXPOSE 90-80\n", "Recipe:2:8: EXPOSE: invalid port range \"90-80\": end before start",
               "backwards range");
  parse_fails ("FROM a\nEXPOSE 70000\n", "Recipe:2:8: EXPOSE: invalid port \"70000\": want port[-port][/protocol]",
               "port too big");
  parse_fails ("FROM a\nSHELL /bin/sh -c\n", "Recipe:2:7: SHELL: requires the arguments to be in JSON form",
               "SHELL shell form");
  parse_fails ("FROM a\nVOLUME [\"\"]\n", "Recipe:2:9: VOLUME: a volume can not be an empty string", "empty volume");
  parse_fails ("FROM a\nWORKDIR\n", "Recipe:2:1: WORKDIR: requires exactly one argument", "WORKDIR alone");
  parse_fails ("FROM a\nUSER --x\n", "Recipe:2:6: USER: unknown flag: --x", "flag on USER");
}

static void
test_cmd_entrypoint (void)
{
  struct recipe *r = parse ("FROM a\n"
                            "CMD [\"nginx\", \"-g\", \"daemon off;\"]\n"
                            "CMD echo \"hi there\"\n"
                            "ENTRYPOINT [\"/entry\"]\n"
                            "ENTRYPOINT ['single', 'quotes']\n"
                            "CMD []\n"
                            "CMD [\"a\"] trailing\n"
                            "CMD\n");
  ok (r && r->len == 8, "CMD/ENTRYPOINT parse");
  if (!r)
    return;
  ok (r->v[1].cmd.exec_form && r->v[1].cmd.argv.len == 3, "CMD exec");
  ok (!r->v[2].cmd.exec_form, "CMD shell");
  is_str (r->v[2].cmd.shell, "echo \"hi there\"", "shell text as written");
  ok (r->v[3].cmd.exec_form, "ENTRYPOINT exec");
  ok (!r->v[4].cmd.exec_form, "single quotes are not JSON: shell form");
  ok (r->v[5].cmd.exec_form && r->v[5].cmd.argv.len == 0, "CMD [] is an empty exec form");
  ok (!r->v[6].cmd.exec_form, "JSON followed by text: shell form");
  ok (!r->v[7].cmd.exec_form && strcmp (r->v[7].cmd.shell, "") == 0, "CMD alone: empty shell form");
  recipe_free (r);
}

static void
test_healthcheck_onbuild (void)
{
  struct recipe *r = parse ("FROM a\n"
                            "HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2s "
                            "--start-interval=1.5s --retries=3 CMD curl -f http://localhost/\n"
                            "HEALTHCHECK NONE\n"
                            "healthcheck cmd [\"/check\"]\n"
                            "ONBUILD COPY . /src\n"
                            "onbuild run make\n");
  ok (r && r->len == 6, "HEALTHCHECK/ONBUILD parse");
  if (!r)
    return;
  const struct recipe_healthcheck *h = &r->v[1].healthcheck;
  ok (h->interval == 90000000000LL, "1m30s");
  ok (h->timeout == 500000000LL, "500ms");
  ok (h->start_period == 2000000000LL, "2s");
  ok (h->start_interval == 1500000000LL, "1.5s");
  ok (h->has_retries && h->retries == 3, "retries");
  is_str (h->cmd.shell, "curl -f http://localhost/", "command");
  ok (r->v[2].healthcheck.none, "NONE");
  ok (r->v[3].healthcheck.cmd.exec_form, "CMD exec form, any case");
  ok (r->v[4].trigger && r->v[4].trigger->kind == RECIPE_COPY, "ONBUILD COPY");
  is_str (r->v[4].trigger->copy.dest.text, "/src", "trigger parsed");
  ok (POS (r->v[4].trigger->pos, 5, 9), "trigger position");
  ok (r->v[5].trigger && r->v[5].trigger->kind == RECIPE_RUN, "lower-case ONBUILD RUN");
  recipe_free (r);

  parse_fails ("FROM a\nHEALTHCHECK --interval=10 CMD x\n",
               "Recipe:2:13: HEALTHCHECK: --interval: invalid duration \"10\": missing unit",
               "duration without unit");
  parse_fails ("FROM a\nHEALTHCHECK --timeout=100us CMD x\n",
               "Recipe:2:13: HEALTHCHECK: --timeout: \"100us\" cannot be less than 1ms", "too short");
  parse_fails ("FROM a\nHEALTHCHECK --retries=-1 CMD x\n", "Recipe:2:13: HEALTHCHECK: --retries cannot be negative",
               "negative retries");
  parse_fails ("FROM a\nHEALTHCHECK NONE x\n", "Recipe:2:13: HEALTHCHECK: HEALTHCHECK NONE takes no arguments",
               "NONE with arguments");
  parse_fails ("FROM a\nHEALTHCHECK RUN x\n", "Recipe:2:13: HEALTHCHECK: unknown type \"RUN\" (try CMD)",
               "HEALTHCHECK RUN");
  parse_fails ("FROM a\nHEALTHCHECK CMD\n", "Recipe:2:13: HEALTHCHECK: missing command after HEALTHCHECK CMD",
               "HEALTHCHECK CMD alone");
  parse_fails ("FROM a\nONBUILD ONBUILD RUN x\n",
               "Recipe:2:9: ONBUILD: chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", "ONBUILD ONBUILD");
  parse_fails ("FROM a\nONBUILD FROM b\n", "Recipe:2:9: ONBUILD: FROM isn't allowed as an ONBUILD trigger",
               "ONBUILD FROM");
  parse_fails ("FROM a\nONBUILD MAINTAINER x\n",
               "Recipe:2:9: ONBUILD: MAINTAINER isn't allowed as an ONBUILD trigger", "ONBUILD MAINTAINER");
  parse_fails ("FROM a\nONBUILD COPY x\n", "Recipe:2:9: COPY: requires at least two arguments",
               "ONBUILD trigger errors name the trigger");
  {
    /* An image's Config.OnBuild entries, parsed on their own. */
    struct oci_error err = OCI_ERROR_INIT;
    struct recipe *t = NULL;
    const char *ok_text = "COPY x /x";
    ok (recipe_parse_triggers ("T", ok_text, strlen (ok_text), &t, &err) == 0 && t->len == 1
            && t->v[0].kind == RECIPE_COPY,
        "trigger without FROM");
    recipe_free (t);
    t = NULL;
    ok (recipe_parse_triggers ("T", "FROM b", 6, &t, &err) < 0 && err.msg
            && strcmp (err.msg, "T:1:1: FROM: FROM isn't allowed as an ONBUILD trigger") == 0,
        "FROM refused as a trigger");
    oci_error_clear (&err);
    ok (recipe_parse_triggers ("T", "ONBUILD RUN x", 13, &t, &err) < 0 && err.msg
            && strstr (err.msg, "chaining ONBUILD") != NULL,
        "ONBUILD refused as a trigger");
    oci_error_clear (&err);
  }
}

static void
test_recipe_errors (void)
{
  parse_fails ("FROM a\n\n     FORM b\n", "Recipe:3:6: unknown instruction \"FORM\"", "unknown instruction");
  parse_fails ("RUN x\nFROM a\n",
               "Recipe:1:1: RUN: no build stage in current context (only ARG may come before the first FROM)",
               "instruction before FROM");
  parse_fails ("# just a comment\n\n", "Recipe: the recipe has no instructions", "empty recipe");
  parse_fails ("ARG x\n", "Recipe: the recipe has no FROM instruction", "no FROM");
  parse_fails ("FROM a\nRUN \\\n# c\n  --bad x\n", "Recipe:4:3: RUN: unknown flag: --bad",
               "position of a flag on a continuation line");
}

static void
test_windows_escape (void)
{
  struct recipe *r = parse ("# escape=`\n"
                            "FROM mcr.microsoft.com/windows/servercore\n"
                            "COPY testfile.txt c:\\\n"
                            "RUN dir c:\\ `\n"
                            "    && echo done\n"
                            "ENV path=C:\\a` b\n");
  ok (r && r->len == 4, "backtick escape: parses");
  if (r)
    {
      ok (r->escape == '`', "recipe escape");
      is_str (r->v[1].copy.dest.text, "c:\\", "backslash at end of line is literal");
      is_str (r->v[2].run.cmd.shell, "dir c:\\     && echo done", "backtick continuation");
      is_str (r->v[3].kvs.v[0].value, "C:\\a` b", "backtick escapes a blank in ENV");
    }
  recipe_free (r);
}

static const char *
args_lookup (const char *name, void *data)
{
  (void) data;
  if (strcmp (name, "VERSION") == 0)
    return "3.20";
  if (strcmp (name, "TARGETARCH") == 0)
    return "arm64";
  return NULL;
}

static void
plan_fails (const char *text, const char *target, const char *want, const char *name)
{
  struct recipe *r = parse (text);
  struct recipe_plan *p = NULL;
  struct oci_error err = OCI_ERROR_INIT;
  int rc = r ? recipe_plan_build (r, target, NULL, NULL, &p, &err) : 0;
  ok (r && rc < 0 && strcmp (err.msg, want) == 0, "plan error: %s", name);
  if (r && (rc == 0 || strcmp (err.msg, want) != 0))
    diag ("got:  %s\n# want: %s", rc == 0 ? "(success)" : err.msg, want);
  oci_error_clear (&err);
  recipe_plan_free (p);
  recipe_free (r);
}

static void
test_plan (void)
{
  const char *text = "ARG BASE=alpine\n"
                     "ARG VERSION=3.19\n"
                     "ARG EMPTY\n"
                     "FROM ${BASE}:${VERSION} AS base\n"
                     "FROM base AS build\n"
                     "RUN --mount=type=cache,target=/c,from=tools make\n"
                     "FROM busybox AS tools\n"
                     "FROM scratch AS unused\n"
                     "FROM --platform=linux/$TARGETARCH base AS final\n"
                     "COPY --from=build /out /out\n"
                     "COPY --from=1 /x /x\n"
                     "COPY --from=nginx:latest /etc/nginx /etc/nginx\n";
  struct recipe *r = parse (text);
  struct recipe_plan *p = NULL;
  struct oci_error err = OCI_ERROR_INIT;
  ok (r && recipe_plan_build (r, NULL, args_lookup, NULL, &p, &err) == 0, "plan: builds");
  if (!p)
    {
      diag ("%s", oci_error_msg (&err));
      oci_error_clear (&err);
      recipe_free (r);
      return;
    }
  ok (p->stages_len == 5, "five stages");
  is_str (p->stages[0].base, "alpine:3.20", "FROM expanded with global ARGs and --build-arg");
  ok (p->global_args.len == 3 && p->global_args.v[2].value == NULL, "unset global ARG");
  ok (p->stages[1].base_is_stage && p->stages[1].base_stage == 0, "FROM a stage by name");
  ok (p->stages[1].deps_len == 2, "build depends on base and tools (forward --mount from)");
  is_str (p->stages[4].platform, "linux/arm64", "platform expanded with an automatic ARG");
  ok (p->stages[4].deps_len == 2 && p->stages[4].deps[0] == 0 && p->stages[4].deps[1] == 1,
      "final depends on base and build; an image --from is no stage");
  ok (p->order_len == 4, "unused stage not planned");
  ok (p->order[0] == 0 && p->order[1] == 2 && p->order[2] == 1 && p->order[3] == 4,
      "dependency order: base, tools, build, final");
  ok (p->target == 4, "last stage is the default target");
  ok (p->stages[0].first == 3 && p->stages[0].end == 4, "stage instruction range");
  recipe_plan_free (p);
  p = NULL;

  ok (recipe_plan_build (r, "BUILD", NULL, NULL, &p, &err) == 0, "plan: named target, any case");
  if (p)
    {
      ok (p->order_len == 3 && p->order[2] == 1, "target build needs base and tools");
      is_str (p->stages[0].base, "alpine:3.19", "ARG default without --build-arg");
    }
  recipe_plan_free (p);
  recipe_free (r);

  r = parse ("FROM later AS first\nFROM alpine AS later\n");
  p = NULL;
  ok (r && recipe_plan_build (r, NULL, NULL, NULL, &p, &err) == 0, "plan: FROM a later name");
  ok (p && !p->stages[0].base_is_stage, "FROM only names earlier stages; else an image");
  recipe_plan_free (p);
  recipe_free (r);

  plan_fails ("FROM a AS x\nFROM b\n", "nope", "Recipe: target stage \"nope\" could not be found", "unknown target");
  plan_fails ("FROM a AS one\nCOPY --from=two /a /a\nFROM b AS two\nCOPY --from=one /b /b\n", NULL,
              "Recipe: circular dependency detected on stage \"two\"", "cycle");
  plan_fails ("FROM a AS x\nCOPY --from=x /a /b\n", NULL, "Recipe:2:1: COPY: stage \"x\" refers to itself",
              "self reference");
  plan_fails ("FROM a\nCOPY --from=3 /a /b\nFROM b\n", NULL, "Recipe:2:1: COPY: stage 3 is not an earlier stage",
              "index out of range");
  plan_fails ("FROM a\nRUN --mount=from=0,target=/x ls\n", NULL,
              "Recipe:2:5: RUN --mount: stage 0 refers to the current stage", "mount from itself");
  plan_fails ("FROM a AS x\nFROM b AS X\n", NULL, "Recipe:2:11: FROM: duplicate stage name \"x\"",
              "duplicate stage name");
  plan_fails ("ARG B\nFROM ${B}\n", NULL, "Recipe:2:6: FROM: base name (${B}) should not be blank", "blank base");
}

static void
test_fixtures (void)
{
  const char *dir = getenv ("FIXTURES");
  static const char *const files[] = { "c-multistage.Dockerfile", "python-app.Dockerfile",
                                       "heredoc-cache.Dockerfile" };
  if (dir == NULL)
    dir = "tests/fixtures";
  for (size_t i = 0; i < sizeof (files) / sizeof (files[0]); i++)
    {
      cleanup_free char *path = NULL;
      struct recipe *r = NULL;
      struct recipe_plan *p = NULL;
      struct oci_error err = OCI_ERROR_INIT;
      if (asprintf (&path, "%s/recipes/%s", dir, files[i]) < 0)
        abort ();
      int rc = recipe_parse_file (path, &r, &err);
      ok (rc == 0 && r->len > 5, "fixture %s parses", files[i]);
      if (rc == 0)
        {
          rc = recipe_plan_build (r, NULL, NULL, NULL, &p, &err);
          ok (rc == 0 && p->order_len >= 1, "fixture %s plans", files[i]);
        }
      if (rc < 0)
        diag ("%s", oci_error_msg (&err));
      oci_error_clear (&err);
      recipe_plan_free (p);
      recipe_free (r);
    }
}

/* The words recipe_split_quoted (quoted) or recipe_split_plain make of
 * s, joined by '|'. */
static char *
split (char *s, bool quoted, char escape)
{
  static unsigned zeros[64];
  struct recipe_line line = { .rest = s, .rest_line = zeros, .rest_column = zeros };
  struct recipe_view v = { .line = &line, .rest = s, .escape = escape };
  struct recipe_words w = { 0 };
  struct oci_error err = OCI_ERROR_INIT;
  static char out[256];
  int r = quoted ? recipe_split_quoted (&v, s, 0, escape, &w, &err) : recipe_split_plain (&v, s, 0, &w, &err);

  out[0] = '\0';
  for (size_t i = 0; r == 0 && i < w.len; i++)
    {
      if (i)
        strcat (out, "|");
      strcat (out, w.v[i].text);
    }
  recipe_words_clear (&w);
  oci_error_clear (&err);
  return r == 0 ? out : NULL;
}

static void
test_split (void)
{
  is_str (split ("  a 'b c'\t d\\ e ", false, 0), "a|'b|c'|d\\|e", "split plain: quotes and escapes are not special");
  is_str (split ("a 'b c' \"d \\\" e\" f\\ g", true, '\\'), "a|'b c'|\"d \\\" e\"|f\\ g",
          "split quoted: quotes group, the escape keeps a quote and a blank, all kept in the word");
  is_str (split ("'x\\' y", true, '\\'), "'x\\'|y", "split quoted: no escape within '...'");
  is_str (split ("a b\\", true, '\\'), "a|b", "split quoted: a lone escape at the end is left out");
  is_str (split ("a` b c", true, '`'), "a` b|c", "split quoted: the backtick escape");
  is_str (split ("a 'b c", true, '\\'), "a|'b c", "split quoted: an unclosed quote runs to the end");
  is_str (split (" \t", true, '\\'), "", "split quoted: blanks only, no words");
}

int
main (void)
{
  test_split ();
  test_lexer ();
  test_heredocs ();
  test_from ();
  test_run ();
  test_copy ();
  test_env_label_arg ();
  test_simple ();
  test_cmd_entrypoint ();
  test_healthcheck_onbuild ();
  test_recipe_errors ();
  test_windows_escape ();
  test_plan ();
  test_fixtures ();
  return tap_done ();
}
