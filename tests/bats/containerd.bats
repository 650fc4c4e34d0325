#!/usr/bin/env bats
# runc-lite under containerd: a private containerd (its own config, root,
# state and socket), ctr driving the io.containerd.runc.v2 shim with
# --runc-binary set to a wrapper that logs its argv and execs runc-lite.
# Every test checks in that log that runc-lite served the shim's calls.

load helpers

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "needs root to run containerd"
  # shellcheck source=../../scripts/deps.sh
  . "$TESTS_DIR/../scripts/deps.sh"
  rl_install_missing containerd || skip "containerd is not installed and could not be installed"
  # unix socket paths are limited to 108 bytes: a short directory under /run
  containerd_start /run/runc-lite-test-containerd-$$ || return 1
  export WRAPPER=$CTD_DIR/runc-lite-wrapper ARGV_LOG=$CTD_DIR/argv.log
  export IMAGE=docker.io/library/rl-busybox:latest
  make_argv_wrapper "$WRAPPER" "$ARGV_LOG"
  local tar
  tar=$(build_oci_image "$CTD_DIR/image" "$IMAGE")
  ctr -a "$CTD_SOCK" -n "$CTD_NS" images import --snapshotter "$CTD_SNAPSHOTTER" "$tar" >&2
}

teardown_file() {
  containerd_stop
}

setup() {
  ID=c$BATS_TEST_NUMBER
  : >"$ARGV_LOG"
}

teardown() {
  c task kill -s KILL "$ID" >/dev/null 2>&1 || true
  for _ in $(seq 50); do
    task_status "$ID" | grep -q RUNNING || break
    sleep 0.1
  done
  c task delete -f "$ID" >/dev/null 2>&1 || true
  c container delete "$ID" >/dev/null 2>&1 || true
}

# task_status ID: the STATUS column of ctr task ls.
task_status() {
  c task ls | awk -v id="$1" '$1 == id { print $3 }'
}

task_pid() {
  c task ls | awk -v id="$1" '$1 == id { print $2 }'
}

# wait_status ID STATUS: up to 5 s for the task to reach STATUS.
wait_status() {
  for _ in $(seq 50); do
    [ "$(task_status "$1")" = "$2" ] && return 0
    sleep 0.1
  done
  echo "task $1 is $(task_status "$1"), not $2" >&2
  return 1
}

# served COMMAND: the wrapper logged a runc-lite call of COMMAND on $ID,
# with the shim's --root, --log and --log-format json.
served() {
  grep -E -- "^--root $CTD_DIR/runc/$CTD_NS --log [^ ]*/$ID/log.json --log-format json $1( .*)? $ID( .*)?$" "$ARGV_LOG" ||
    { echo "no runc-lite $1 call for $ID in the argv log:" >&2; cat "$ARGV_LOG" >&2; return 1; }
}

@test "containerd: the private daemon has the test image" {
  run c images ls -q
  [ "$status" -eq 0 ]
  [ "$output" = "$IMAGE" ]
}

@test "ctr run --rm prints the output and returns the exit status" {
  run c_run --rm "$IMAGE" "$ID" sh -c 'echo hello from runc-lite; exit 3'
  [ "$status" -eq 3 ]
  [ "$output" = "hello from runc-lite" ]
  served create
  served start
  served delete
  # --rm removed the container and runc-lite's state
  [ -z "$(c container ls -q)" ]
  [ ! -e "$CTD_DIR/runc/$CTD_NS/$ID" ]
}

@test "ctr run -d, task exec, ps, pause, resume, kill, delete" {
  c_run -d "$IMAGE" "$ID" sleep 1000
  wait_status "$ID" RUNNING
  pid=$(task_pid "$ID")
  [ "$(tr '\0' ' ' </proc/"$pid"/cmdline)" = "sleep 1000 " ]
  served create
  served start

  run c task exec --exec-id x "$ID" sh -c 'echo in the container; cat /proc/1/cmdline | tr "\0" " "; exit 4'
  [ "$status" -eq 4 ]
  [ "$output" = "in the container
sleep 1000 " ]
  served 'exec --process [^ ]+ --detach --pid-file [^ ]+/x.pid'

  run c task ps "$ID"
  [ "$status" -eq 0 ]
  [[ "$output" == *"$pid"* ]]
  served 'ps --format json'

  c task pause "$ID"
  wait_status "$ID" PAUSED
  served pause
  c task resume "$ID"
  wait_status "$ID" RUNNING
  served resume

  c task kill -s KILL "$ID"
  wait_status "$ID" STOPPED
  served 'kill' | grep -q " $ID 9$"
  c task delete "$ID"
  served delete
  [ -z "$(c task ls -q)" ]
  [ ! -e "$CTD_DIR/runc/$CTD_NS/$ID" ]
  c container delete "$ID"
  [ -z "$(c container ls -q)" ]
}

@test "ctr task kill: SIGTERM reaches a shell that traps it, its status is the exit code" {
  c_run -d "$IMAGE" "$ID" sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done'
  wait_status "$ID" RUNNING
  sleep 0.3
  c task kill "$ID"
  wait_status "$ID" STOPPED
  served kill | grep -q " $ID 15$"
  run c task delete "$ID"
  [ "$status" -eq 0 ]
  # ctr task delete prints the exit status of the task
  run c task ls
  [[ "$output" != *"$ID"* ]]
}

@test "ctr task exec of a missing program fails cleanly, the task keeps running" {
  c_run -d "$IMAGE" "$ID" sleep 1000
  wait_status "$ID" RUNNING
  run c task exec --exec-id bad "$ID" /no/such/program
  [ "$status" -ne 0 ]
  [[ "$output" == *"/no/such/program"* ]]
  served exec
  [ "$(task_status "$ID")" = RUNNING ]
  run c task exec --exec-id good "$ID" echo still here
  [ "$status" -eq 0 ]
  [ "$output" = "still here" ]
}

@test "ctr run -t: the process gets a terminal from the console socket" {
  command -v script >/dev/null || skip "script (bsdutils) is not installed"
  run script -qec "ctr -a $CTD_SOCK -n $CTD_NS run -t --rm --snapshotter $CTD_SNAPSHOTTER --runc-binary $WRAPPER --runc-root $CTD_DIR/runc $IMAGE $ID sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both a tty; exit 5'" /dev/null </dev/null
  [ "$status" -eq 5 ]
  [[ "$output" == *"/dev/pts/0"* ]]
  [[ "$output" == *"both a tty"* ]]
  served 'create --bundle [^ ]+ --pid-file [^ ]+ --console-socket [^ ]+'
}

@test "ctr run --memory-limit: the limit is in the container's memory cgroup" {
  [ -d /sys/fs/cgroup/memory ] || skip "needs the cgroup v1 memory controller at /sys/fs/cgroup/memory"
  rl_applies_memory_limit || skip "runc-lite does not apply linux.resources.memory yet (the resources branch)"
  c_run -d --memory-limit 67108864 "$IMAGE" "$ID" sleep 1000
  wait_status "$ID" RUNNING
  served create
  pid=$(task_pid "$ID")
  cg=$(awk -F: '$2 == "memory" { print $3 }' /proc/"$pid"/cgroup)
  [ -n "$cg" ]
  [ "$cg" != / ]
  [ "$(cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes")" = 67108864 ]
  # ctr's default spec mounts no cgroupfs; an exec joins the same cgroup
  run c task exec --exec-id m "$ID" sh -c 'grep ":memory:" /proc/self/cgroup'
  [ "${output#*:memory:}" = "$cg" ]
}

@test "ctr run: the environment comes from the image config, the user is root" {
  run c_run --rm "$IMAGE" "$ID" sh -c 'echo "$PATH"; id -u'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = /usr/sbin:/usr/bin:/sbin:/bin ]
  [ "${lines[1]}" = 0 ]
  served create
}

@test "ctr run --rootfs-propagation rslave: runc's recursive mode is accepted" {
  run c_run --rm --rootfs-propagation rslave "$IMAGE" "$ID" sh -c 'grep " / / " /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  [[ "$output" != *shared:* ]]
  served create
}
