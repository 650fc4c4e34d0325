#!/usr/bin/env bats
# Command-line parity with runc: every flag `runc CMD --help` documents
# (read from the installed runc at test time) is accepted by runc-lite in
# each form runc itself accepts (--name, -name, --name=value, the short
# alias), and the errors for missing or extra positional arguments are
# runc's (exit 1, a usage message).

load helpers

setup() {
  command -v runc >/dev/null || skip "runc is not installed (scripts/deps.sh installs it)"
  ROOT="$BATS_TEST_TMPDIR/state"
  RUNC_ROOT="$BATS_TEST_TMPDIR/runc-root"
  EMPTY_BUNDLE="$BATS_TEST_TMPDIR/empty-bundle"
  mkdir -p "$ROOT" "$RUNC_ROOT" "$EMPTY_BUNDLE"
}

# runc_flags CMD: one line "FLAG KIND" per flag in the OPTIONS of
# `runc CMD --help` (CMD "global": `runc --help`'s GLOBAL OPTIONS), FLAG
# with its dashes as documented (--bundle, -b), KIND "value" or "bool".
runc_flags() {
  local help
  if [ "$1" = global ]; then
    help=$(runc --help)
  else
    help=$(runc "$1" --help)
  fi
  printf '%s\n' "$help" | awk '
    /^(GLOBAL )?OPTIONS:/ { on = 1; next }
    on && /^ +-/ {
      sub(/^ +/, "")
      n = index($0, "  ")
      spec = n ? substr($0, 1, n - 1) : $0
      k = split(spec, parts, ", ")
      for (i = 1; i <= k; i++) {
        split(parts[i], w, " ")
        print w[1], (w[2] == "value" ? "value" : "bool")
      }
    }'
}

# flag_value NAME: a value for flag NAME (without dashes) that parses and
# leads to no side effect outside the test's directory.
flag_value() {
  case $1 in
    bundle | b) echo "$EMPTY_BUNDLE" ;;
    console-socket) echo "$BATS_TEST_TMPDIR/no-such.sock" ;;
    pid-file) echo "$BATS_TEST_TMPDIR/pid" ;;
    preserve-fds) echo 0 ;;
    format | f) echo json ;;
    log) echo "$BATS_TEST_TMPDIR/log" ;;
    log-format) echo text ;;
    root) echo "$ROOT" ;;
    criu) echo criu ;;
    rootless) echo auto ;;
    *) echo x ;;
  esac
}

# positional CMD: arguments that complete CMD's command line: a container
# id that does not exist, or nothing for list and spec.
positional() {
  case $1 in
    list | spec | global) ;;
    *) echo no-such-container ;;
  esac
}

# rejects_flag TOOL ARGS: true when TOOL (runc or runc-lite) refuses the
# command line as such: an unknown flag, a flag missing its value, or a
# wrong count of positional arguments (a flag mis-parsed, e.g. "-bundle"
# as "-b undle", leaves one too many). Other failures (no such container,
# no config.json) are expected and fine. Runs in a scratch directory, as
# spec writes config.json there.
rejects_flag() {
  local tool=$1 scratch
  shift
  scratch=$(mktemp -d "$BATS_TEST_TMPDIR/scratch.XXXXXX")
  local err
  if [ "$tool" = runc ]; then
    err=$(cd "$scratch" && runc "$@" 2>&1 >/dev/null </dev/null) || true
    [[ "$err" == *"flag provided but not defined"* || "$err" == *"flag needs an argument"* ||
      "$err" == *"Incorrect Usage"* || "$err" == *"requires exactly"* ||
      "$err" == *"invalid value"* || "$err" == *"requires a m"* ]]
  else
    err=$(cd "$scratch" && "$RUNC_LITE" "$@" 2>&1 >/dev/null </dev/null) || true
    [[ "$err" == *"unknown"*"option"* || "$err" == *"requires an argument"* ||
      "$err" == *"usage"* || "$err" == *"expected exactly"* ||
      "$err" == *"takes no arguments"* || "$err" == *"missing"*"argument"* ]]
  fi
}

# check_command CMD [bool-values]: every documented flag of CMD in each
# form; prints each form runc accepts and runc-lite refuses, and fails if
# any. With bool-values: only the boolean flags, given an explicit value
# (--name=true, -name=false), which runc's flag parser also accepts.
check_command() {
  local cmd=$1 mode=${2:-} flag kind name value form missing=() checked=0
  local -a forms pos pre
  read -ra pos <<<"$(positional "$cmd")"
  while read -r flag kind; do
    name=${flag#--}
    name=${name#-}
    value=$(flag_value "$name")
    forms=()
    if [ "$mode" = bool-values ]; then
      case $kind:$name in
        bool:help | bool:h | bool:version | bool:v | value:*) ;;
        *) forms+=("--$name=true" "-$name=false") ;;
      esac
    elif [ "$kind" = value ]; then
      if [ "${flag:0:2}" = -- ]; then
        forms+=("--$name|$value" "-$name|$value" "--$name=$value" "-$name=$value")
      else
        forms+=("-$name|$value" "--$name|$value")
      fi
    else
      if [ "${flag:0:2}" = -- ]; then
        forms+=("--$name" "-$name")
      else
        forms+=("-$name" "--$name")
      fi
    fi
    for form in "${forms[@]}"; do
      local -a words
      IFS='|' read -ra words <<<"$form"
      if [ "$cmd" = global ]; then
        case $name in
          help | h | version | v) pre=("${words[@]}") ;;
          root) pre=("${words[@]}" list) ;;
          *) pre=("${words[@]}" --root "$ROOT" list) ;;
        esac
      else
        pre=(--root "$ROOT" "$cmd" "${words[@]}" "${pos[@]}")
      fi
      # only the forms runc accepts (with its own state directory)
      rejects_flag runc "${pre[@]//$ROOT/$RUNC_ROOT}" && continue
      checked=$((checked + 1))
      if rejects_flag runc-lite "${pre[@]}"; then
        missing+=("$cmd: ${words[*]}")
      fi
    done
  done < <(runc_flags "$cmd")
  echo "# $cmd: $checked forms runc accepts, checked" >&3
  if [ ${#missing[@]} -gt 0 ]; then
    printf '# runc-lite refuses: %s\n' "${missing[@]}"
    return 1
  fi
}

@test "argv parity: global options" {
  check_command global
}

@test "argv parity: create" {
  check_command create
}

@test "argv parity: start" {
  check_command start
}

@test "argv parity: run" {
  check_command run
}

@test "argv parity: state" {
  check_command state
}

@test "argv parity: kill" {
  check_command kill
}

@test "argv parity: delete" {
  check_command delete
}

@test "argv parity: list" {
  check_command list
}

@test "argv parity: spec" {
  check_command spec
}

@test "argv parity: boolean flags with an explicit value (--debug=true)" {
  local cmd failed=0
  for cmd in global create run kill delete list spec; do
    check_command "$cmd" bool-values || failed=1
  done
  [ "$failed" -eq 0 ]
}

@test "argv parity: an unknown flag is refused by both" {
  for cmd in create start run state kill delete list spec; do
    rejects_flag runc --root "$RUNC_ROOT" "$cmd" --no-such-flag $(positional "$cmd")
    rejects_flag runc-lite --root "$ROOT" "$cmd" --no-such-flag $(positional "$cmd")
  done
}

# check_usage ARGS: runc and runc-lite both exit 1 on ARGS, and runc-lite
# prints one line naming the usage of the command.
check_usage() {
  run runc --root "$RUNC_ROOT" "$@"
  [ "$status" -eq 1 ] || { echo "# runc $*: exit $status"; return 1; }
  run "$RUNC_LITE" --root "$ROOT" "$@"
  [ "$status" -eq 1 ] || { echo "# runc-lite $*: exit $status"; return 1; }
  [[ "$output" == *"usage"* || "$output" == *"takes no arguments"* ]] ||
    { echo "# runc-lite $*: no usage message: $output"; return 1; }
}

@test "argv parity: a missing container id is exit 1 with a usage message" {
  for cmd in create start run state kill delete; do
    check_usage "$cmd"
  done
  # with flags but still no id
  check_usage create --bundle "$EMPTY_BUNDLE"
  check_usage run -d
  check_usage kill --all
  check_usage delete -f
}

@test "argv parity: too many positional arguments are exit 1 with a usage message" {
  check_usage start a b
  check_usage state a b
  check_usage delete a b
  check_usage create a b
  check_usage run a b
  check_usage kill a KILL extra
  check_usage list extra
  check_usage spec extra
}

@test "argv parity: an unknown command is exit 3, no command is the usage with exit 0 (as runc)" {
  run runc --root "$RUNC_ROOT" no-such-command
  [ "$status" -eq 3 ]
  run "$RUNC_LITE" --root "$ROOT" no-such-command
  [ "$status" -eq 3 ]
  [[ "$output" == *"no-such-command"* ]]
  run runc --root "$RUNC_ROOT"
  [ "$status" -eq 0 ]
  run "$RUNC_LITE" --root "$ROOT"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage"* ]]
}

@test "argv parity: every runc command takes --help and -h with exit 0, and so does runc-lite's" {
  local cmd n=0
  for cmd in $(runc --help | awk '/^COMMANDS:/ { on = 1; next } on && /^$/ { exit } on { print $1 }'); do
    [ "$cmd" = "help," ] && continue
    for flag in --help -h; do
      run runc "$cmd" "$flag"
      [ "$status" -eq 0 ] || continue
      run "$RUNC_LITE" "$cmd" "$flag"
      [ "$status" -eq 0 ] || { echo "runc-lite $cmd $flag: exit $status: $output"; false; }
      [[ "${lines[0]}" == "Usage: runc-lite $cmd"* ]]
      n=$((n + 1))
    done
  done
  echo "# $n command lines checked" >&3
  [ "$n" -ge 34 ]
}
