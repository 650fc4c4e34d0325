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

# option_names FILE: "NAME KIND" for each row of the getopt tables in a
# cmd_*.c file (KIND: no_argument, required_argument, optional_argument).
option_names() {
  grep -o '{ "[a-z][a-z0-9-]*", *[a-z]*_argument' "$1" | sed 's/{ "\([^"]*\)", *\(.*\)/\1 \2/'
}

# check_command_help PROG NAME SRCDIR: --help and -h print the usage and
# name every long option the command's getopt table has, unless the
# command refuses it (create shares run's table but not all its flags).
check_command_help() {
  local prog=$1 cmd=$2 srcdir=$3 file opt kind args
  local tool
  tool=$(basename "$prog")
  for flag in --help -h; do
    run "$prog" "$cmd" "$flag"
    [ "$status" -eq 0 ] || { echo "$cmd $flag: exit $status: $output"; return 1; }
    [[ "${lines[0]}" == "Usage: $tool $cmd"* ]] || { echo "$cmd $flag: ${lines[0]}"; return 1; }
    [[ "$output" == *"--help"* ]]
  done
  file=$(grep -l -e "^cmd_$cmd (" -e "^BLD_COMMAND ($cmd)" "$srcdir"/cmd_*.c)
  [ -n "$file" ] || { echo "no cmd_$cmd in $srcdir"; return 1; }
  run "$prog" "$cmd" --help
  local help=$output
  while read -r opt kind; do
    [[ "$help" == *"--$opt"* ]] && continue
    args=("--$opt")
    [ "$kind" = required_argument ] && args+=(value)
    if [ "$tool" = builder ]; then
      run "$prog" --store "$BATS_TEST_TMPDIR/store" "$cmd" "${args[@]}" some-id
    else
      run "$prog" --root "$BATS_TEST_TMPDIR/state" "$cmd" "${args[@]}" some-id
    fi
    [[ "$output" == *"$cmd: unknown or incomplete option \"--$opt\""* ]] \
      || { echo "$tool $cmd --help does not name --$opt, which $file accepts"; return 1; }
  done < <(option_names "$file")
}

# check_all_commands PROG SRCDIR: check_command_help for every command
# PROG --help lists; prints how many.
check_all_commands() {
  local cmd n=0
  for cmd in $(listed_commands "$1"); do
    check_command_help "$1" "$cmd" "$2" || return 1
    n=$((n + 1))
  done
  echo "$n"
}

@test "every runc-lite command has --help and -h: usage, exit 0, every flag it accepts" {
  run check_all_commands "$RUNC_LITE" "$BATS_TEST_DIRNAME/../../runc-lite/cli"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [ "${lines[-1]}" -eq 17 ]
  # runc's single-dash long form
  run "$RUNC_LITE" exec -help
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "Usage: runc-lite exec "* ]]
}

@test "every builder command has --help and -h: usage, exit 0, every flag it accepts" {
  run check_all_commands "$BUILDER" "$BATS_TEST_DIRNAME/../../builder/cli"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [ "${lines[-1]}" -ge 10 ]
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
