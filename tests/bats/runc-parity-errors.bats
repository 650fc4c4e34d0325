#!/usr/bin/env bats
# The errors clients parse, side by side with runc: each situation is set up
# under runc and under runc-lite (each with its own --root and container
# id), the same command line is run by both, and the exit status must be
# the same and runc's key wording (what containerd's shim, go-runc and
# podman match on) must appear in both outputs.

load helpers

setup() {
  [ "$(id -u)" -eq 0 ] || skip "needs root to create containers"
  command -v runc >/dev/null || skip "runc is not installed (scripts/deps.sh installs it)"
  setup_bundle sleep 100
}

teardown() {
  local tool
  for tool in runc runc-lite; do
    [ -d "$BATS_TEST_TMPDIR/root-$tool" ] || continue
    tool_run "$tool" delete --force "$(cid "$tool")" >/dev/null 2>&1 || true
  done
}

# cid TOOL: this test's container id under TOOL (different ids, so that
# the two runtimes never share a cgroup).
cid() {
  echo "pe$$-$BATS_TEST_NUMBER-${1#runc-}"
}

# tool_run TOOL ARGS: runc or runc-lite with the tool's private --root;
# the word @ID in ARGS becomes the tool's container id.
tool_run() {
  local tool=$1 root="$BATS_TEST_TMPDIR/root-$1" a
  local -a args=()
  shift
  mkdir -p "$root"
  for a in "$@"; do
    [ "$a" = @ID ] && a=$(cid "$tool")
    args+=("$a")
  done
  case $tool in
    runc) runc --root "$root" "${args[@]}" ;;
    runc-lite) "$RUNC_LITE" --root "$root" "${args[@]}" ;;
  esac
}

# both ARGS: runs ARGS under each tool; leaves the exit statuses in
# $runc_status and $rl_status, stdout+stderr in $runc_out and $rl_out.
both() {
  runc_status=0
  rl_status=0
  # Through files, not pipes: a container process left behind must not
  # keep the test waiting for the end of its output.
  tool_run runc "$@" >"$BATS_TEST_TMPDIR/out" 2>&1 </dev/null || runc_status=$?
  runc_out=$(cat "$BATS_TEST_TMPDIR/out")
  tool_run runc-lite "$@" >"$BATS_TEST_TMPDIR/out" 2>&1 </dev/null || rl_status=$?
  rl_out=$(cat "$BATS_TEST_TMPDIR/out")
  echo "# runc $*: exit $runc_status: $runc_out"
  echo "# runc-lite $*: exit $rl_status: $rl_out"
}

# same_status: both exited alike.
same_status() {
  [ "$runc_status" -eq "$rl_status" ] ||
    { echo "# exit status differs: runc $runc_status, runc-lite $rl_status"; return 1; }
}

# both_say TEXT: TEXT is in runc's output (so it is runc's wording) and in
# runc-lite's.
both_say() {
  [[ "$runc_out" == *"$1"* ]] || { echo "# runc does not say: $1"; return 1; }
  [[ "$rl_out" == *"$1"* ]] || { echo "# runc-lite does not say: $1"; return 1; }
}

# both_say_nocase TEXT: as both_say, ignoring case (Go's errno texts are
# lower case, strerror's capitalised; podman's patterns ignore case).
both_say_nocase() {
  [[ "${runc_out,,}" == *"${1,,}"* ]] || { echo "# runc does not say: $1"; return 1; }
  [[ "${rl_out,,}" == *"${1,,}"* ]] || { echo "# runc-lite does not say: $1"; return 1; }
}

# each TOOL-independent step for both tools: create (and start) a
# container, or wait until it has stopped.
create_both() {
  local tool
  for tool in runc runc-lite; do
    tool_run "$tool" create --bundle "$BUNDLE" @ID </dev/null >/dev/null
  done
}

start_both() {
  local tool
  create_both
  for tool in runc runc-lite; do
    tool_run "$tool" start @ID
  done
}

stopped_both() {
  local tool
  start_both
  for tool in runc runc-lite; do
    tool_run "$tool" kill @ID KILL
    for _ in $(seq 200); do
      [ "$(tool_run "$tool" state @ID | jq -r .status)" = stopped ] && break
      sleep 0.05
    done
    [ "$(tool_run "$tool" state @ID | jq -r .status)" = stopped ]
  done
}

@test "parity: kill of a stopped container: 'container not running', exit 1" {
  stopped_both
  both kill @ID KILL
  same_status
  [ "$rl_status" -eq 1 ]
  both_say "container not running"
}

@test "parity: kill --all of a stopped container succeeds (containerd's task delete)" {
  stopped_both
  both kill --all @ID KILL
  same_status
  [ "$rl_status" -eq 0 ]
  both kill -a @ID 9
  same_status
  [ "$rl_status" -eq 0 ]
}

@test "parity: kill 0 of a stopped container: 'container not running'; with --all, exit 0" {
  stopped_both
  both kill @ID 0
  same_status
  both_say "container not running"
  both kill -a @ID 0
  same_status
  [ "$rl_status" -eq 0 ]
}

@test "parity: kill 0 asks whether a created or running container is alive (exit 0)" {
  create_both
  both kill @ID 0
  same_status
  [ "$rl_status" -eq 0 ]
  both start @ID
  both kill @ID 0
  same_status
  [ "$rl_status" -eq 0 ]
}

@test "parity: a container that does not exist: kill, delete, state, start say 'does not exist', exit 1" {
  local cmd
  for cmd in kill delete state start pause ps; do
    both "$cmd" @ID
    same_status
    [ "$rl_status" -eq 1 ]
    both_say "does not exist"
  done
  both kill --all @ID KILL
  same_status
  both_say "does not exist"
}

@test "parity: start of a running container, of a stopped one" {
  start_both
  both start @ID
  same_status
  [ "$rl_status" -eq 1 ]
  both_say "cannot start an already running container"
  both kill @ID KILL
  sleep 0.5
  both start @ID
  same_status
  both_say "cannot start a container that has stopped"
}

@test "parity: exec failures exit 255 ('exec failed: ...'), its usage errors 1" {
  start_both
  both exec @ID /nonexistent
  same_status
  [ "$rl_status" -eq 255 ]
  both_say "exec failed: "
  both_say 'stat /nonexistent'
  both_say_nocase "no such file or directory"
  both exec @ID
  same_status
  [ "$rl_status" -eq 255 ]
  both exec --env NOEQUALS @ID true
  same_status
  [ "$rl_status" -eq 255 ]
  both exec
  same_status
  [ "$rl_status" -eq 1 ]
  both exec --no-such-flag @ID true
  same_status
  [ "$rl_status" -eq 1 ]
  both kill @ID KILL
  sleep 0.5
  both exec @ID true
  same_status
  both_say "exec failed: "
  both_say "cannot exec in a stopped container"
}

@test "parity: exec into a container that does not exist exits 255" {
  both exec @ID true
  same_status
  [ "$rl_status" -eq 255 ]
  both_say "exec failed: "
  both_say "does not exist"
}

@test "parity: create and run failures exit 1" {
  update_config '.process.args = ["/nonexistent"]'
  both run --bundle "$BUNDLE" @ID
  same_status
  [ "$rl_status" -eq 1 ]
  both delete --force @ID
  both create --bundle "$BUNDLE" @ID
  same_status
  [ "$rl_status" -eq 1 ]
  both_say 'stat /nonexistent'
  update_config '.process.args = ["nosuchcommand"]'
  both create --bundle "$BUNDLE" @ID
  same_status
  both_say 'executable file not found in $PATH'
}

@test "parity: flags after the container id, on every command that takes them (urfave/cli's reordering)" {
  tool_run runc create @ID --bundle "$BUNDLE" </dev/null
  tool_run runc-lite create @ID --bundle "$BUNDLE" </dev/null
  both start @ID
  same_status
  [ "$rl_status" -eq 0 ]
  both update @ID --pids-limit 10
  same_status
  [ "$rl_status" -eq 0 ]
  both events @ID --stats
  same_status
  [ "$rl_status" -eq 0 ]
  both kill @ID 0 --all
  same_status
  [ "$rl_status" -eq 0 ]
  both state @ID --bogus
  same_status
  [ "$rl_status" -eq 1 ]
  both kill @ID KILL
  sleep 0.5
  both delete @ID --force
  same_status
  [ "$rl_status" -eq 0 ]
  both run @ID -d --bundle "$BUNDLE"
  same_status
  [ "$rl_status" -eq 0 ]
  both delete @ID -f
  same_status
  [ "$rl_status" -eq 0 ]
}

@test "parity: exec and ps keep the words after the id as they are" {
  start_both
  both exec @ID sh -c 'echo -h'
  same_status
  [ "$rl_status" -eq 0 ]
  both_say "-h"
  both ps nosuch -h
  same_status
  [ "$rl_status" -eq 1 ]
  both_say "does not exist"
}

@test "parity: help: -h, --help, no command, help CMD, CMD ID -h exit 0 with the usage on stdout" {
  local args
  for args in "-h" "--help" "" "help" "h" "help kill" "kill -h" "kill nosuch -h" "delete nosuch --help" "update nosuch -h"; do
    # shellcheck disable=SC2086 # the words of args
    both $args
    same_status
    [ "$rl_status" -eq 0 ]
    [[ "$(tool_run runc-lite $args 2>/dev/null)" == *Usage:* ]]
  done
}

@test "parity: an unknown command, also with -h or as help's topic: exit 3, naming it" {
  local args
  for args in "foo" "foo -h" "help foo"; do
    # shellcheck disable=SC2086 # the words of args
    both $args
    same_status
    [ "$rl_status" -eq 3 ]
    both_say "No help topic for 'foo'"
  done
}

# debug_lines FILE: the lines of FILE that are runc's text-format debug
# lines, time="..." level=debug msg="...".
debug_lines() {
  grep -E '^time="[^"]+" level=debug msg=".*"$' "$1"
}

@test "parity: --debug logs level=debug lines to stderr in the text format, as runc's create" {
  local tool
  for tool in runc runc-lite; do
    tool_run "$tool" --debug create --bundle "$BUNDLE" @ID </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/debug-$tool"
    debug_lines "$BATS_TEST_TMPDIR/debug-$tool" >/dev/null ||
      { echo "# $tool --debug create printed no debug line:"; cat "$BATS_TEST_TMPDIR/debug-$tool"; return 1; }
  done
  # runc-lite's trail names the steps: config, namespaces, cgroup, init pid
  for want in "config.json loaded from bundle $BUNDLE" "namespaces new: mount,pid" "goes into cgroup" "init started, pid"; do
    debug_lines "$BATS_TEST_TMPDIR/debug-runc-lite" | grep -qF "$want" ||
      { echo "# no debug line with: $want"; cat "$BATS_TEST_TMPDIR/debug-runc-lite"; return 1; }
  done
  # without --debug, none
  run "$RUNC_LITE" --root "$BATS_TEST_TMPDIR/root-runc-lite" start "$(cid runc-lite)"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "--debug --log FILE --log-format json: start, kill and delete log their steps as JSON debug lines" {
  local log="$BATS_TEST_TMPDIR/debug.json" cmd
  tool_run runc-lite create --bundle "$BUNDLE" @ID </dev/null
  for cmd in "start @ID" "kill @ID KILL" "delete --force @ID"; do
    : >"$log"
    # shellcheck disable=SC2086 # the words of cmd
    run tool_run runc-lite --debug --log "$log" --log-format json $cmd
    [ "$status" -eq 0 ]
    [ -z "$output" ] # all in the log file, nothing on stderr
    [ -s "$log" ] || { echo "# $cmd: no debug line"; return 1; }
    jq -e -s 'all(.[]; .level == "debug" and (.msg | type == "string") and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")))' "$log"
  done
  jq -e -s 'any(.[]; .msg | test("deleted"))' "$log"
}

@test "--log-format text escapes quotes in the message as logrus does (one line per message)" {
  run "$RUNC_LITE" --root "$BATS_TEST_TMPDIR/root-runc-lite" --log "$BATS_TEST_TMPDIR/log.txt" state nosuch
  [ "$status" -eq 1 ]
  grep -qF 'level=error msg="container \"nosuch\" does not exist"' "$BATS_TEST_TMPDIR/log.txt"
  [ "$(wc -l <"$BATS_TEST_TMPDIR/log.txt")" -eq 1 ]
}

@test "parity: exec into a paused container: 'cannot exec in a paused container', exit 255" {
  start_both
  both pause @ID
  same_status
  [ "$rl_status" -eq 0 ]
  both exec @ID true
  same_status
  [ "$rl_status" -eq 255 ]
  both_say "cannot exec in a paused container"
  both resume @ID
}
