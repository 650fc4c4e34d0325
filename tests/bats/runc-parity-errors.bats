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
  runc_out=$(tool_run runc "$@" 2>&1 </dev/null) || runc_status=$?
  rl_out=$(tool_run runc-lite "$@" 2>&1 </dev/null) || rl_status=$?
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
