#!/usr/bin/env bats
# runc-lite under podman: private --root, --runroot and --tmpdir, conmon
# running a --runtime wrapper that logs its argv and execs runc-lite,
# --cgroup-manager cgroupfs, --events-backend file, no network. Every
# test checks in that log that runc-lite served podman's calls.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "needs root to run podman with a private root"
  # shellcheck source=../../scripts/deps.sh
  . "$TESTS_DIR/../scripts/deps.sh"
  rl_install_missing podman conmon || skip "podman and conmon are not installed and could not be installed"
  podman_setup /run/runc-lite-test-podman-$$
  export WRAPPER=$POD_DIR/runc-lite-wrapper ARGV_LOG=$POD_DIR/argv.log
  export IMAGE=docker.io/library/rl-busybox:latest
  make_argv_wrapper "$WRAPPER" "$ARGV_LOG"
  local tar
  tar=$(build_oci_image "$POD_DIR/image" "$IMAGE")
  p load -i "$tar" >&2
}

teardown_file() {
  podman_teardown
}

setup() {
  NAME=p$BATS_TEST_NUMBER
  : >"$ARGV_LOG"
}

teardown() {
  p rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
}

# served COMMAND: the wrapper logged a runc-lite call of COMMAND on the
# container $NAME (podman passes its full id).
served() {
  local id
  id=${ID:-$(p inspect --format '{{.Id}}' "$NAME" 2>/dev/null)}
  grep -E -- "^$1( .*)? $id( .*)?$" "$ARGV_LOG" ||
    { echo "no runc-lite $1 call for $NAME ($id) in the argv log:" >&2; cat "$ARGV_LOG" >&2; return 1; }
}

# served_any COMMAND: a call of COMMAND on any container.
served_any() {
  grep -E -- "^$1 " "$ARGV_LOG" ||
    { echo "no runc-lite $1 call in the argv log:" >&2; cat "$ARGV_LOG" >&2; return 1; }
}

pod_status() {
  p inspect --format '{{.State.Status}}' "$NAME"
}

@test "podman: the private store has the test image" {
  run p images --format '{{.Repository}}:{{.Tag}}'
  [ "$status" -eq 0 ]
  [ "$output" = "$IMAGE" ]
}

@test "podman run --rm prints the output and returns the exit status" {
  run p run --rm --network none "$IMAGE" sh -c 'echo hi; exit 3'
  [ "$status" -eq 3 ]
  [ "$output" = hi ]
  served_any 'create --bundle [^ ]+ --pid-file [^ ]+'
  served_any start
  served_any 'delete --force'
  [ -z "$(p ps -aq)" ]
}

@test "podman run -d, exec, stop, rm" {
  ID=$(p run -d --name "$NAME" --network none "$IMAGE" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done')
  [ "$(pod_status)" = running ]
  served create
  served start

  run p exec "$NAME" sh -c 'echo in the container; tr "\0" " " </proc/1/cmdline; exit 4'
  [ "$status" -eq 4 ]
  [ "$output" = 'in the container
sh -c trap "exit 0" TERM; while :; do sleep 0.1; done ' ]
  served 'exec --pid-file [^ ]+ --process [^ ]+ --detach'

  # podman maps runc-lite's "no such file" error to 127, like runc's
  run -127 p exec "$NAME" /no/such/program
  [[ "$output" == *"/no/such/program"* ]]
  [ "$(pod_status)" = running ]

  p stop -t 10 "$NAME"
  [ "$(pod_status)" = exited ]
  served 'kill' | grep -q " $ID 15$"
  [ "$(p inspect --format '{{.State.ExitCode}}' "$NAME")" = 0 ]

  p rm "$NAME"
  served 'delete --force'
  [ -z "$(p ps -aq)" ]
  run "$RUNC_LITE" state "$ID"
  [ "$status" -ne 0 ]
}

@test "podman run -t: the process gets a terminal from conmon's console socket" {
  run p run --rm -t --network none "$IMAGE" sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both a tty; exit 6' </dev/null
  [ "$status" -eq 6 ]
  [[ "$output" == *"/dev/pts/0"* ]]
  [[ "$output" == *"both a tty"* ]]
  served_any 'create --bundle [^ ]+ --pid-file [^ ]+ --console-socket [^ ]+'
}

@test "podman pause, unpause" {
  ID=$(p run -d --name "$NAME" --network none "$IMAGE" sleep 1000)
  p pause "$NAME"
  [ "$(pod_status)" = paused ]
  served pause
  pid=$(p inspect --format '{{.State.Pid}}' "$NAME")
  cg=$(awk -F: '$2 == "freezer" { print $3 }' /proc/"$pid"/cgroup)
  [ "$(cat "/sys/fs/cgroup/freezer$cg/freezer.state")" = FROZEN ]
  p unpause "$NAME"
  [ "$(pod_status)" = running ]
  served resume
  [ "$(cat "/sys/fs/cgroup/freezer$cg/freezer.state")" = THAWED ]
}

@test "podman top lists the container's processes" {
  ID=$(p run -d --name "$NAME" --network none "$IMAGE" sleep 1000)
  run p top "$NAME"
  [ "$status" -eq 0 ]
  [[ "$output" == *"sleep 1000"* ]]
  # podman reads /proc itself (psgo); runc-lite only ran the container
  served start
}

@test "podman run --memory: the limit is in the container's memory cgroup" {
  [ -d /sys/fs/cgroup/memory ] || skip "needs the cgroup v1 memory controller at /sys/fs/cgroup/memory"
  rl_applies_memory_limit || skip "runc-lite does not apply linux.resources.memory yet (the resources branch)"
  ID=$(p run -d --name "$NAME" --network none --memory 64m "$IMAGE" sleep 1000)
  served create
  pid=$(p inspect --format '{{.State.Pid}}' "$NAME")
  cg=$(awk -F: '$2 == "memory" { print $3 }' /proc/"$pid"/cgroup)
  [ "$cg" = "/libpod_parent/libpod-$ID" ]
  [ "$(cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes")" = 67108864 ]
}

@test "podman kill: the signal reaches the container, the exit code is recorded" {
  ID=$(p run -d --name "$NAME" --network none "$IMAGE" sh -c 'trap "exit 42" USR1; while :; do sleep 0.1; done')
  sleep 0.3
  p kill -s USR1 "$NAME"
  run p wait "$NAME"
  [ "$output" = 42 ]
  served kill | grep -q " $ID 10$"
}

@test "podman run --device: the host device's st_mode as fileMode is accepted" {
  [ -c /dev/fuse ] || skip "needs /dev/fuse on the host"
  run p run --rm --network none --device /dev/fuse "$IMAGE" stat -c '%F %t:%T %a' /dev/fuse
  [ "$status" -eq 0 ]
  [ "$output" = "character special file a:e5 $(stat -c %a /dev/fuse)" ]
  served_any create
}

@test "podman run --tmpfs DIR: tmpcopyup fills the tmpfs with the image's DIR" {
  run p run --rm --network none --tmpfs /etc "$IMAGE" sh -c 'grep " /etc " /proc/mounts; grep ^root: /etc/passwd'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "tmpfs /etc tmpfs "* ]]
  [ "${lines[1]}" = "root:x:0:0:root:/root:/bin/sh" ]
  served_any create
}

@test "podman run --read-only: the root is read-only, its tmpfs mounts (tmpcopyup) writable" {
  run p run --rm --network none --read-only "$IMAGE" sh -c \
    'grep -c " /tmp tmpfs " /proc/mounts; touch /tmp/x && echo TMP-WRITABLE; touch /x 2>/dev/null || echo ROOT-READ-ONLY'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = $'1\nTMP-WRITABLE\nROOT-READ-ONLY' ]
  served_any create
}

# Rootless podman: an ordinary user with subordinate ids, podman in its own
# user namespace calling runc-lite as that namespace's root with
# XDG_RUNTIME_DIR set.  runc-lite used /run/runc-lite there (Permission
# denied) and joined cgroups as if it were real root.
@test "rootless podman: an ordinary user runs a container with runc-lite" {
  command -v newuidmap >/dev/null || skip "needs newuidmap (the uidmap package)"
  local user=rl-podman home="$POD_DIR/rootless" pause
  id "$user" >/dev/null 2>&1 || useradd -M -d "$home" -s /bin/sh "$user"
  grep -q "^$user:" /etc/subuid || usermod --add-subuids 400000-465535 "$user"
  grep -q "^$user:" /etc/subgid || usermod --add-subgids 400000-465535 "$user"
  mkdir -p "$home/xdg"
  chmod 700 "$home/xdg"
  cp "$CONTAINERS_CONF" "$home/containers.conf"
  make_argv_wrapper "$home/wrapper" "$home/argv.log"
  tar=$(build_oci_image "$home/image" "$IMAGE")
  chown -R "$user:" "$home"
  allow_traversal "$home"
  allow_traversal "$RUNC_LITE"
  up() {
    su "$user" -s /bin/sh -c "cd '$home' && HOME='$home' XDG_RUNTIME_DIR='$home/xdg' CONTAINERS_CONF='$home/containers.conf' \
      podman --root '$home/root' --runroot '$home/runroot' --tmpdir '$home/tmp' --storage-driver vfs \
      --runtime '$home/wrapper' --cgroup-manager cgroupfs --events-backend file $*"
  }
  up load -i "'$tar'" >&2
  run up run --rm --network none "$IMAGE" sh -c "'echo hi; id -u; cat /proc/self/uid_map'"
  # podman's pause process keeps its user namespace: not ours to leave
  pause=$(cat "$home/tmp/pause.pid" 2>/dev/null || true)
  [ -z "$pause" ] || kill "$pause" 2>/dev/null || true
  echo "$output"
  cat "$home/argv.log"
  [ "$status" -eq 0 ]
  [[ "$output" == *hi* ]]
  [[ "$output" =~ \ +0\ +$(id -u "$user")\ +1 ]]
  grep -q '^create ' "$home/argv.log"
  grep -q '^delete --force ' "$home/argv.log"
  # runc-lite kept its state in the user's runtime directory, now empty
  [ -d "$home/xdg/runc-lite" ]
  [ -z "$(ls "$home/xdg/runc-lite")" ]
}
