#!/usr/bin/env bats
# The two command-line tools' common behaviour: version, help, unknown
# commands and options.

load helpers

@test "runc-lite --version prints version, commit and spec like runc" {
  run "$RUNC_LITE" --version
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "runc-lite version $PACKAGE_VERSION" ]]
  [[ "${lines[1]}" =~ ^commit:\ [0-9a-f]{40}|^commit:\ unknown ]]
  [[ "${lines[2]}" == "spec: 1.3.0" ]]
  [[ "${lines[3]}" =~ ^libseccomp:\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

# configure links yajl, libseccomp and libcap into runc-lite when their
# archives are installed (RUNTIME_DEPS=static): each container start runs
# the runtime twice, and each shared library costs the loader a share.
@test "runc-lite loads yajl, libseccomp and libcap as configure chose" {
  [[ "$RUNTIME_DEPS" == static || "$RUNTIME_DEPS" == shared ]]
  run ldd "$RUNC_LITE"
  [ "$status" -eq 0 ]
  run grep -cE 'lib(yajl|seccomp|cap)\.so' <<<"$output"
  if [ "$RUNTIME_DEPS" = static ]; then
    [ "$output" = 0 ]
  else
    [ "$output" = 3 ]
  fi
}

@test "runc-lite -v is --version" {
  run "$RUNC_LITE" -v
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "runc-lite version $PACKAGE_VERSION" ]]
}

@test "builder --version prints version, commit and both spec versions" {
  run "$BUILDER" --version
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "builder version $PACKAGE_VERSION" ]]
  [[ "${lines[1]}" =~ ^commit:\ [0-9a-f]{40}|^commit:\ unknown ]]
  [[ "${lines[2]}" == "image-spec: 1.1.1" ]]
  [[ "${lines[3]}" == "runtime-spec: 1.3.0" ]]
}

@test "both tools print help with exit 0" {
  run "$RUNC_LITE" --help
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == Usage:* ]]
  [[ "$output" == *"runc-lite COMMAND --help"* ]]
  run "$BUILDER" --help
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == Usage:* ]]
  [[ "$output" == *"builder COMMAND --help"* ]]
}

@test "an unknown command fails with one line (runc-lite: exit 3 as runc's)" {
  run "$RUNC_LITE" frobnicate
  [ "$status" -eq 3 ]
  [ "$output" = "runc-lite: No help topic for 'frobnicate' (no such command)" ]
  run "$BUILDER" frobnicate
  [ "$status" -eq 1 ]
  [ "$output" = 'builder: unknown command "frobnicate"' ]
}

@test "an unknown global option fails with exit 1" {
  run "$RUNC_LITE" --no-such-flag list
  [ "$status" -eq 1 ]
  [[ "$output" == *'--no-such-flag'* ]]
  run "$BUILDER" --no-such-flag images
  [ "$status" -eq 1 ]
  [[ "$output" == *'--no-such-flag'* ]]
}

@test "a bad --log-format is refused" {
  run "$RUNC_LITE" --log-format xml list
  [ "$status" -eq 1 ]
  [[ "$output" == *'expected text or json'* ]]
}

@test "no command at all prints the usage to stdout with exit 0, as runc" {
  run "$RUNC_LITE"
  [ "$status" -eq 0 ]
  [[ "$output" == Usage:* ]]
  [ -z "$("$RUNC_LITE" 2>&1 >/dev/null)" ]
}

@test "single-dash words are long options (as in runc), never clusters of short ones" {
  run "$RUNC_LITE" create -bogus x
  [ "$status" -eq 1 ]
  [[ "$output" == *'unknown option "-bogus"'* ]]
  run "$RUNC_LITE" -debug=maybe list
  [ "$status" -eq 1 ]
  [[ "$output" == *"expected true or false"* ]]
}

@test "checkpoint and restore say plainly that they are not supported; features agrees" {
  run "$RUNC_LITE" checkpoint some-id
  [ "$status" -eq 1 ]
  [[ "$output" == *"checkpoint is not supported by runc-lite"* ]]
  run "$RUNC_LITE" restore some-id
  [ "$status" -eq 1 ]
  [[ "$output" == *"restore is not supported by runc-lite"* ]]
  "$RUNC_LITE" features | jq -e '.annotations["org.opencontainers.runc-lite.checkpoint.enabled"] == "false"'
}

# The commands a program's --help lists (its "Commands:" section).
listed_commands() {
  "$1" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }'
}

# help_flags PROG ARGS...: "FLAG KIND" for each option PROG ARGS --help
# lists, its long and its short form (KIND: value when a value's name
# follows it, flag when its text does); -h, --help and -v, --version left
# out.
help_flags() {
  "$@" --help | awk '
    /^Options:|^Global options:/ { on = 1; next }
    on && /^$/ { exit }
    on && $1 ~ /^-/ {
      short = ""
      if ($1 ~ /^-[a-zA-Z],$/) { short = substr($1, 1, 2); $1 = ""; $0 = $0 }
      if ($1 == "--help" || $1 == "--version") next
      # a value name: capitals, [, or | = : , (a text starts in lower case)
      kind = ($2 ~ /^[A-Z[]/ || $2 ~ /[|=:,]/) ? "value" : "flag"
      print $1, kind
      if (short != "") print short, kind
    }'
}

# check_accepted PROG GLOBAL CMD: every option CMD --help lists (the
# program's own when CMD is empty) is accepted: PROG GLOBAL CMD OPTION
# OPERAND fails, if at all, for another reason than an unknown option.
# The operand is no valid container id, image name or reference, so that
# nothing runs; in an empty directory.
check_accepted() {
  local prog=$1 global=$2 cmd=$3 opt kind n=0
  local -a args
  cd "$BATS_TEST_TMPDIR"
  while read -r opt kind; do
    args=("$opt")
    if [ "$kind" = value ]; then
      if [[ "$opt" == --* ]]; then args=("$opt=value"); else args=("$opt" value); fi
    fi
    if [ -n "$cmd" ]; then
      run "$prog" "$global" "$BATS_TEST_TMPDIR/state" "$cmd" "${args[@]}" '@invalid@'
    else
      run "$prog" "${args[@]}" "$(basename "$prog" | sed 's/runc-lite/list/; s/builder/images/')"
    fi
    [[ "$output" != *"unknown or incomplete option"* && "$output" != *"unknown option"* ]] \
      || { echo "$(basename "$prog") $cmd --help lists $opt, which it refuses: $output"; return 1; }
    n=$((n + 1))
  done < <(help_flags "$prog" $cmd)
  echo "$cmd: $n options"
}

# table_rows FILE: "NAME HIDDEN" for each row of the option tables in a
# .c file (HIDDEN: hidden when the row has no --help text, else shown).
table_rows() {
  grep -o '{ "[a-z][a-z0-9-]*", [A-Za-z_'"'"']*, CLI_[A-Z_]*.*' "$1" \
    | sed 's/{ "\([^"]*\)".*, NULL }.*/\1 hidden/; t; s/{ "\([^"]*\)".*/\1 shown/'
}

# check_tables PROG SRCDIR: every row of the option tables in SRCDIR is
# in the --help of a command whose cli_help its file defines (main.c:
# PROG --help), and the hidden rows (accepted, not listed) are only the
# known ones.
check_tables() {
  local prog=$1 srcdir=$2 file cmds help opt vis hidden=""
  for file in "$srcdir"/*.c; do
    if [ "$(basename "$file")" = main.c ]; then
      help=$("$prog" --help)
    else
      cmds=$(sed -n 's/^const struct cli_help [a-z]*_help_\([a-z]*\).*/\1/p' "$file")
      help=""
      for cmd in $cmds; do help+=$("$prog" "$cmd" --help); done
    fi
    while read -r opt vis; do
      if [ "$vis" = hidden ]; then
        hidden+=" $(basename "$file"):$opt"
        continue
      fi
      [[ "$help" == *"--$opt"* ]] || { echo "$file: --$opt is in no --help of its commands ($cmds)"; return 1; }
    done < <(table_rows "$file")
  done
  echo "hidden:$hidden"
}

# check_all_help PROG: every command PROG --help lists has --help and -h
# (usage, exit 0); prints how many.
check_all_help() {
  local prog=$1 tool cmd flag n=0
  tool=$(basename "$prog")
  for cmd in $(listed_commands "$prog"); do
    for flag in --help -h; do
      run "$prog" "$cmd" "$flag"
      [ "$status" -eq 0 ] && [[ "${lines[0]}" == "Usage: $tool $cmd"* ]] && [[ "$output" == *"--help"* ]] \
        || { echo "$cmd $flag: exit $status: $output"; return 1; }
    done
    n=$((n + 1))
  done
  echo "$n"
}

# check_all_accepted PROG GLOBAL: check_accepted for PROG's own options
# and each command's.
check_all_accepted() {
  local cmd
  check_accepted "$1" "$2" "" || return 1
  for cmd in $(listed_commands "$1"); do
    check_accepted "$1" "$2" "$cmd" || return 1
  done
}

@test "every runc-lite command has --help and -h: usage, exit 0" {
  run check_all_help "$RUNC_LITE"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [ "${lines[-1]}" -eq 17 ]
  # runc's single-dash long form
  run "$RUNC_LITE" exec -help
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "Usage: runc-lite exec "* ]]
}

@test "every builder command has --help and -h: usage, exit 0" {
  run check_all_help "$BUILDER"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [ "${lines[-1]}" -ge 10 ]
}

@test "every option a runc-lite --help lists is accepted, in its long and short forms" {
  run check_all_accepted "$RUNC_LITE" --root
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [ "${lines[0]}" = ": 6 options" ]
  [[ "$output" == *"exec: 23 options"* ]]
}

@test "every option a builder --help lists is accepted, in its long and short forms" {
  run check_all_accepted "$BUILDER" --store
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [ "${lines[0]}" = ": 1 options" ]
  [[ "$output" == *"build: 36 options"* ]]
}

@test "builder build -help (getopt_long: -h -e -l -p) and --he print build's --help, not a text of their own" {
  local want
  want=$("$BUILDER" build --help)
  [[ "$want" == "Usage: builder build [command options] CONTEXT"* ]]
  run "$BUILDER" build -help
  [ "$status" -eq 0 ] && [ "$output" = "$want" ] || { echo "$output"; false; }
  run "$BUILDER" build --he
  [ "$status" -eq 0 ] && [ "$output" = "$want" ] || { echo "$output"; false; }
}

@test "every row of the option tables is in its command's --help; only the known rows are hidden" {
  run check_tables "$RUNC_LITE" "$BATS_TEST_DIRNAME/../../runc-lite/cli"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [ "$output" = "hidden: main.c:criu" ]
  run check_tables "$BUILDER" "$BATS_TEST_DIRNAME/../../builder/cli"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [ "$output" = "hidden: cmd_build.c:help" ]
}

# not_help WANT PROG ARGS...: PROG ARGS fails (exit 1) without printing
# help, and its message has WANT (the command ran on its own arguments).
not_help() {
  not_help_exit 1 "$@"
}

# not_help_exit STATUS WANT PROG ARGS...: the same with exit STATUS (255
# for exec's failures, as runc's).
not_help_exit() {
  local code=$1 want=$2
  shift 2
  run "$@"
  [ "$status" -eq "$code" ] && [[ "$output" != *Usage:* ]] && [[ "$output" == *"$want"* ]] \
    || { echo "$*: exit $status: $output"; return 1; }
}

@test "-h after the options (the command's own arguments) or as an option's value is not a help request" {
  local R=("$RUNC_LITE" --root "$BATS_TEST_TMPDIR/state") B=("$BUILDER" --store "$BATS_TEST_TMPDIR/store")
  not_help_exit 255 '"nosuch" does not exist' "${R[@]}" exec nosuch sh -h
  not_help_exit 255 '"nosuch" does not exist' "${R[@]}" exec -e -h nosuch sh
  not_help_exit 255 '"nosuch" does not exist' "${R[@]}" exec --cwd -h nosuch sh
  not_help 'nosuch' "${R[@]}" ps nosuch -h
  not_help '' "${R[@]}" kill -- -h
  not_help 'not found' "${B[@]}" run nosuch sh -h
  not_help 'not found' "${B[@]}" run -e -h nosuch sh
  not_help 'not found' "${B[@]}" run -te -h nosuch
}

# check_man PROG PAGE: PAGE renders without a warning, has a section for
# every command PROG --help lists, and names every option of PROG --help
# and of each PROG COMMAND --help.
check_man() {
  local prog=$1 page=$2 cmd opt warnings
  command -v groff >/dev/null || { echo "groff is missing (groff-base, scripts/deps.sh)"; return 1; }
  [ -f "$page" ] || { echo "no $page"; return 1; }
  warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
  [ -z "$warnings" ] || { echo "$page: $warnings"; return 1; }
  for cmd in $(listed_commands "$prog"); do
    grep -Eq "^\.SS \"?([^ ]+ [^ ]+, )?$cmd( |\"|$)" "$page" || { echo "$page: no section for $cmd"; return 1; }
    for opt in $("$prog" --help | grep -o -- '--[a-z][a-z-]*') $("$prog" "$cmd" --help | grep -o -- '--[a-z][a-z-]*'); do
      grep -qF -- "${opt//-/\\-}" "$page" || { echo "$page: no $opt (of $cmd)"; return 1; }
    done
  done
}

@test "the man pages render without warnings and cover every command and option" {
  run check_man "$RUNC_LITE" "$BATS_TEST_DIRNAME/../../docs/runc-lite.8"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  run check_man "$BUILDER" "$BATS_TEST_DIRNAME/../../docs/builder.1"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "builder(1) names every recipe instruction and every instruction flag the parser knows" {
  local src="$BATS_TEST_DIRNAME/../../builder/frontend/recipe_parse.c" page="$BATS_TEST_DIRNAME/../../docs/builder.1"
  local flags_src="$BATS_TEST_DIRNAME/../../builder/frontend/recipe_flags.c"
  local kw flag n=0
  for kw in $(grep -o '{ "[A-Z]*", RECIPE_' "$src" | cut -d'"' -f2); do
    grep -q "^\.\(B\|BI\|BR\|TP\)\b.*\b$kw\b" "$page" || { echo "builder.1: no $kw"; false; }
    n=$((n + 1))
  done
  [ "$n" -ge 18 ]
  n=0
  for flag in $(grep -o '{ "[a-z-]*", FLAG_' "$flags_src" | cut -d'"' -f2); do
    grep -qF -- "\\-\\-${flag//-/\\-}" "$page" || { echo "builder.1: no --$flag"; false; }
    n=$((n + 1))
  done
  [ "$n" -ge 15 ]
}
