#!/usr/bin/env bats
# The container lifecycle through runc's commands: create, start, run,
# state, kill, delete, list, spec; their errors and exit codes.

load helpers

setup() {
  setup_bundle true
}

teardown() {
  cleanup_containers
}

@test "run: prints the container's output and returns its exit status" {
  update_config '.process.args = ["sh", "-c", "echo hello from the container; exit 7"]'
  run rl run "$(test_id)"
  [ "$status" -eq 7 ]
  [ "$output" = "hello from the container" ]
  # run (without --keep) removes the container afterwards
  run rl list -q
  [ -z "$output" ]
}

@test "run: a container killed by a signal exits with 128+signal" {
  id=$(test_id)
  update_config '.process.args = ["sleep", "100"]'
  rl run "$id" &
  runner=$!
  for _ in $(seq 100); do
    [ "$(rl state "$id" 2>/dev/null | jq -r .status)" = running ] && break
    sleep 0.05
  done
  rl kill "$id" KILL
  status=0
  wait "$runner" || status=$?
  [ "$status" -eq 137 ]
}

@test "run: signals sent to runc-lite are forwarded to the container" {
  id=$(test_id)
  update_config '.process.args = ["sh", "-c", "trap \"echo got USR1; exit 9\" USR1; while :; do sleep 0.05; done"]'
  # the runtime itself, not a subshell around it, must get the signal
  "$RUNC_LITE" --root "$ROOT" run "$id" >"$BATS_TEST_TMPDIR/out" &
  runner=$!
  for _ in $(seq 100); do
    [ "$(rl state "$id" 2>/dev/null | jq -r .status)" = running ] && break
    sleep 0.05
  done
  sleep 0.2
  kill -USR1 "$runner"
  status=0
  wait "$runner" || status=$?
  [ "$status" -eq 9 ]
  [ "$(cat "$BATS_TEST_TMPDIR/out")" = "got USR1" ]
}

@test "run --keep leaves the stopped container for delete" {
  id=$(test_id)
  run rl run --keep "$id"
  [ "$status" -eq 0 ]
  run rl state "$id"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .status)" = stopped ]
  rl delete "$id"
}

@test "create --pid-file that cannot be written: create fails naming it, no container is left" {
  id=$(test_id)
  update_config '.process.args = ["sleep", "100"]'
  run rl create --pid-file "$BATS_TEST_TMPDIR/missing/pid" "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *"create container $id: --pid-file: "*"missing/pid"* ]]
  [ "${#lines[@]}" -eq 1 ]
  [ -z "$(ls "$ROOT")" ]
}

@test "create, state, start, kill, delete: statuses follow runtime.md" {
  id=$(test_id)
  update_config '.process.args = ["sleep", "100"]'
  rl create --pid-file "$BATS_TEST_TMPDIR/pid" "$id"
  run rl state "$id"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .status)" = created ]
  [ "$(echo "$output" | jq -r .id)" = "$id" ]
  [ "$(echo "$output" | jq -r .bundle)" = "$BUNDLE" ]
  [ "$(echo "$output" | jq -r .ociVersion)" = 1.3.0 ]
  pid=$(echo "$output" | jq -r .pid)
  [ "$pid" = "$(cat "$BATS_TEST_TMPDIR/pid")" ]
  # created: the init waits, the user's program has not run
  [ "$(tr '\0' ' ' </proc/"$pid"/cmdline)" != "sleep 100 " ]
  rl start "$id"
  [ "$(rl state "$id" | jq -r .status)" = running ]
  [ "$(tr '\0' ' ' </proc/"$pid"/cmdline)" = "sleep 100 " ]
  rl kill "$id" KILL
  for _ in $(seq 100); do
    [ "$(rl state "$id" | jq -r .status)" = stopped ] && break
    sleep 0.05
  done
  [ "$(rl state "$id" | jq -r .status)" = stopped ]
  rl delete "$id"
  run rl state "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *"does not exist"* ]]
}

@test "the state schema: state output validates against the spec's required fields" {
  id=$(test_id)
  rl create "$id"
  run rl state "$id"
  for key in ociVersion id status pid bundle; do
    echo "$output" | jq -e "has(\"$key\")"
  done
}

@test "start: only a created container can be started" {
  id=$(test_id)
  update_config '.process.args = ["sleep", "100"]'
  rl create "$id"
  rl start "$id"
  run rl start "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *"container $id: cannot start an already running container"* ]]
  rl delete --force "$id"
}

@test "create: a missing program fails create, as runc's, and leaves no container" {
  id=$(test_id)
  update_config '.process.args = ["/no/such/program"]'
  run rl create "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *'exec: "/no/such/program": stat /no/such/program: No such file or directory'* ]]
  run rl state "$id"
  [[ "$output" == *"does not exist"* ]]
  update_config '.process.args = ["nosuchcommand"]'
  run rl create "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *'exec: "nosuchcommand": executable file not found in $PATH'* ]]
  run rl state "$id"
  [[ "$output" == *"does not exist"* ]]
}

@test "kill: signal names and numbers; a stopped container cannot be signalled" {
  id=$(test_id)
  update_config '.process.args = ["sh", "-c", "trap \"exit 42\" USR1; while :; do sleep 0.1; done"]'
  rl create "$id"
  rl start "$id"
  sleep 0.3
  rl kill "$id" SIGUSR1
  for _ in $(seq 100); do
    [ "$(rl state "$id" | jq -r .status)" = stopped ] && break
    sleep 0.05
  done
  run rl kill "$id" 9
  [ "$status" -eq 1 ]
  [[ "$output" == *"container not running"* ]]
  run rl kill "$id" NOTASIGNAL
  [ "$status" -eq 1 ]
  [[ "$output" == *'unknown signal "NOTASIGNAL"'* ]]
  rl delete "$id"
}

@test "kill --all signals every process in the container" {
  id=$(test_id)
  update_config '.process.args = ["sh", "-c", "sleep 100 & sleep 100 & wait"]'
  rl run -d "$id"
  sleep 0.3
  rl kill --all "$id" KILL
  for _ in $(seq 100); do
    [ "$(rl state "$id" | jq -r .status)" = stopped ] && break
    sleep 0.05
  done
  [ "$(rl state "$id" | jq -r .status)" = stopped ]
  rl delete "$id"
}

@test "delete: a running container needs --force; a created one is killed" {
  id=$(test_id)
  update_config '.process.args = ["sleep", "100"]'
  rl run -d "$id"
  run rl delete "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot delete container $id that is not stopped: running"* ]]
  pid=$(rl state "$id" | jq -r .pid)
  rl delete --force "$id"
  [ ! -e /proc/"$pid" ] || grep -q '^State:.*Z' /proc/"$pid"/status
  rl create "$id"
  pid=$(rl state "$id" | jq -r .pid)
  rl delete "$id"
  run rl list -q
  [ -z "$output" ]
}

@test "list: table, json and quiet" {
  a=$(test_id)-a
  b=$(test_id)-b
  update_config '.process.args = ["sleep", "100"]'
  rl create "$b"
  rl create "$a"
  run rl list -q
  [ "${lines[0]}" = "$a" ]
  [ "${lines[1]}" = "$b" ]
  run rl list
  [[ "${lines[0]}" =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER$ ]]
  [[ "${lines[1]}" =~ ^$a\ +[0-9]+\ +created\ +$BUNDLE\ +[0-9T:.-]+Z\ +root$ ]]
  run rl list --format json
  [ "$(echo "$output" | jq -r '.[1].id')" = "$b" ]
  [ "$(echo "$output" | jq -r '.[0].status')" = created ]
  run rl list --format yaml
  [ "$status" -eq 1 ]
}

@test "errors: unknown container, existing id, bad ids" {
  run rl state nosuch
  [ "$status" -eq 1 ]
  [ "$output" = 'runc-lite: container "nosuch" does not exist' ]
  id=$(test_id)
  rl create "$id"
  run rl create "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *"container \"$id\" already exists"* ]]
  for bad in "../escape" "a/b" ".." "." "sp ace" ""; do
    run rl create "$bad"
    [ "$status" -eq 1 ]
    [[ "$output" == *"container id"* ]]
  done
  # nothing was created outside --root
  [ ! -e "$ROOT/../escape" ]
}

@test "errors: missing bundle, missing rootfs, invalid config.json name the problem" {
  id=$(test_id)
  run rl create --bundle /nonexistent "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *"bundle"*"/nonexistent"* ]]
  mv "$BUNDLE/rootfs" "$BUNDLE/rootfs.away"
  run rl create --bundle "$BUNDLE" "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *"root.path"* ]]
  mv "$BUNDLE/rootfs.away" "$BUNDLE/rootfs"
  update_config '.linux.resources.memory.limit = "lots"'
  run rl create --bundle "$BUNDLE" "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *"config.json: linux.resources.memory.limit: expected integer, got string"* ]]
  [ "${#lines[@]}" -eq 1 ]
  echo '{"ociVersion": ' >"$BUNDLE/config.json"
  run rl create --bundle "$BUNDLE" "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *"config.json: invalid JSON"* ]]
  # no state left behind by the failures
  [ -z "$(ls "$ROOT")" ]
}

@test "errors: process.cwd must be absolute and not under /proc/self/fd" {
  id=$(test_id)
  update_config '.process.cwd = "relative"'
  run rl run "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *"process.cwd: must be an absolute path"* ]]
  update_config '.process.cwd = "/proc/self/fd/5"'
  run rl run "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *"process.cwd"*"not allowed"* ]]
}

@test "process.cwd is created when missing, inside the rootfs" {
  update_config '.process.cwd = "/work/dir" | .process.args = ["pwd"] | .root.readonly = false'
  run rl run "$(test_id)"
  [ "$status" -eq 0 ]
  [ "$output" = /work/dir ]
  [ -d "$BUNDLE/rootfs/work/dir" ]
  [ ! -e /work/dir ]
}

@test "spec writes runc's default config.json, refuses to overwrite it" {
  dir="$BATS_TEST_TMPDIR/specdir"
  mkdir -p "$dir"
  "$RUNC_LITE" spec --bundle "$dir"
  jq -e '.process.args == ["sh"] and .root.path == "rootfs" and .process.noNewPrivileges == true' "$dir/config.json"
  # a cgroup namespace only on a cgroup2-only host, as runc's spec
  if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
    want='["cgroup","ipc","mount","network","pid","uts"]'
  else
    want='["ipc","mount","network","pid","uts"]'
  fi
  jq -e "[.linux.namespaces[].type] | sort == $want" "$dir/config.json"
  if command -v runc >/dev/null; then
    mkdir "$dir/runc" "$dir/runc-rootless" "$dir/rootless"
    runc spec --bundle "$dir/runc"
    runc spec --rootless --bundle "$dir/runc-rootless"
    "$RUNC_LITE" spec --rootless --bundle "$dir/rootless"
    [ "$(jq -c '.linux.namespaces' "$dir/config.json")" = "$(jq -c '.linux.namespaces' "$dir/runc/config.json")" ]
    [ "$(jq -c '.linux.namespaces' "$dir/rootless/config.json")" = "$(jq -c '.linux.namespaces' "$dir/runc-rootless/config.json")" ]
  fi
  run "$RUNC_LITE" spec --bundle "$dir"
  [ "$status" -eq 1 ]
  [[ "$output" == *"exists"* ]]
  rm "$dir/config.json"
  "$RUNC_LITE" spec --rootless --bundle "$dir"
  jq -e '[.linux.namespaces[].type] | index("user") != null and index("network") == null' "$dir/config.json"
  jq -e ".linux.uidMappings[0].hostID == $(id -u)" "$dir/config.json"
}

@test "hostname and domainname are set in the uts namespace" {
  update_config '.hostname = "box1" | .domainname = "example.test" | .process.args = ["sh", "-c", "hostname; cat /proc/sys/kernel/domainname"]'
  run rl run "$(test_id)"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = box1 ]
  [ "${lines[1]}" = example.test ]
  [ "$(hostname)" != box1 ]
}

@test "process.env reaches the program, PATH lookup uses it" {
  mkdir -p "$BUNDLE/rootfs/opt/bin"
  printf '#!/bin/sh\necho "found me: $FOO"\n' >"$BUNDLE/rootfs/opt/bin/mytool"
  chmod +x "$BUNDLE/rootfs/opt/bin/mytool"
  update_config '.process.env = ["PATH=/opt/bin:/bin", "FOO=bar"] | .process.args = ["mytool"]'
  run rl run "$(test_id)"
  [ "$status" -eq 0 ]
  [ "$output" = "found me: bar" ]
}

@test "the container is placed in its cgroup, removed on delete" {
  id=$(test_id)
  update_config ".linux.cgroupsPath = \"/runc-lite-test/$id\" | .process.args = [\"sleep\", \"100\"]"
  rl run -d "$id"
  pid=$(rl state "$id" | jq -r .pid)
  grep -q ":memory:/runc-lite-test/$id\$" /proc/"$pid"/cgroup
  grep -q ":pids:/runc-lite-test/$id\$" /proc/"$pid"/cgroup
  [ -d "/sys/fs/cgroup/memory/runc-lite-test/$id" ]
  rl delete --force "$id"
  [ ! -d "/sys/fs/cgroup/memory/runc-lite-test/$id" ]
  [ ! -d "/sys/fs/cgroup/pids/runc-lite-test/$id" ]
  rmdir /sys/fs/cgroup/*/runc-lite-test 2>/dev/null || true
}

@test "delete --force removes the sub-cgroups the container made (v1), deepest first, and the container" {
  [ -d /sys/fs/cgroup/memory ] || skip "needs the cgroup v1 memory hierarchy"
  id=$(test_id)
  # the container makes sub/deeper on its memory and pids hierarchies and moves itself there
  update_config '.mounts |= map(if .type == "cgroup" then .options -= ["ro"] else . end)
    | .process.args = ["sh", "-c", "for c in memory pids; do mkdir -p /sys/fs/cgroup/$c/sub/deeper /sys/fs/cgroup/$c/other && echo $$ >/sys/fs/cgroup/$c/sub/deeper/cgroup.procs; done; touch /tmp/ready; exec sleep 100"]
    | .root.readonly = false'
  rl run -d "$id" >/dev/null
  for _ in $(seq 100); do [ -e "$BUNDLE/rootfs/tmp/ready" ] && break; sleep 0.05; done
  pid=$(rl state "$id" | jq -r .pid)
  d=$(cgdir memory "$pid")
  [[ "$d" == */sub/deeper ]]
  top=${d%/sub/deeper}
  [ -d "$top/other" ]
  run rl ps "$id"
  [[ "$output" == *sleep* ]]
  run rl delete --force "$id"
  echo "$output"
  [ "$status" -eq 0 ]
  [ ! -d "$top" ]
  [ ! -d "$(cgdir pids $$)/${top##*/}" ]
  run rl list -q
  [ -z "$output" ]
}

@test "kill --all and delete --force reach processes in a sub-cgroup (no pid namespace)" {
  [ -d /sys/fs/cgroup/memory ] || skip "needs the cgroup v1 memory hierarchy"
  id=$(test_id)
  update_config '.linux.namespaces |= map(select(.type != "pid"))
    | .mounts |= map(if .type == "cgroup" then .options -= ["ro"] else . end)
    | .process.args = ["sh", "-c", "sh -c \"for c in memory pids freezer; do mkdir -p /sys/fs/cgroup/\\$c/sub; echo \\$\\$ >/sys/fs/cgroup/\\$c/sub/cgroup.procs; done; exec sleep 200\" & echo $! >/tmp/child; exec sleep 100"]
    | .root.readonly = false'
  rl run -d "$id" >/dev/null
  for _ in $(seq 100); do [ -s "$BUNDLE/rootfs/tmp/child" ] && grep -q /sub "/proc/$(cat "$BUNDLE/rootfs/tmp/child")/cgroup" 2>/dev/null && break; sleep 0.05; done
  child=$(cat "$BUNDLE/rootfs/tmp/child")
  # the child is a host pid here (no pid namespace)
  grep -q ":memory:.*/$id/sub\$" "/proc/$child/cgroup"
  run rl ps "$id"
  [[ "$output" == *"sleep 200"* ]]
  rl kill --all "$id" KILL
  for _ in $(seq 100); do kill -0 "$child" 2>/dev/null || break; sleep 0.05; done
  ! kill -0 "$child" 2>/dev/null
  top=$(cgdir memory $$)/$id
  rl delete --force "$id"
  [ ! -d "$top" ]
  run rl list -q
  [ -z "$output" ]
}

@test "a pre-existing frozen cgroup: run -d refuses at once as runc, leaving the cgroup and no container" {
  [ -d /sys/fs/cgroup/freezer ] || skip "needs the cgroup v1 freezer hierarchy"
  id=$(test_id)
  CG="/sys/fs/cgroup/freezer/rl-frozen-$id"
  mkdir "$CG"
  echo FROZEN >"$CG/freezer.state"
  update_config ".linux.cgroupsPath = \"/rl-frozen-$id\" | .process.args = [\"sleep\", \"100\"]"
  run timeout -s KILL 20 "$RUNC_LITE" --root "$ROOT" run -d "$id"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"container's cgroup unexpectedly frozen"* ]]
  run rl list -q
  [ -z "$output" ]
  [ "$(cat "$CG/freezer.state")" = FROZEN ]
  # runc says the same
  if command -v runc >/dev/null; then
    run timeout -s KILL 20 runc --root "$BATS_TEST_TMPDIR/runc" run -d "$id"
    [ "$status" -ne 0 ]
    [[ "$output" == *"container's cgroup unexpectedly frozen"* ]]
  fi
  echo THAWED >"$CG/freezer.state"
  rmdir /sys/fs/cgroup/*/"rl-frozen-$id" 2>/dev/null || true
}

@test "a pre-existing cgroup with processes: a warning as runc's, the container runs" {
  [ -d /sys/fs/cgroup/freezer ] || skip "needs the cgroup v1 freezer hierarchy"
  id=$(test_id)
  sleep 100 &
  other=$!
  for c in devices freezer pids; do
    mkdir -p "/sys/fs/cgroup/$c/rl-busy-$id"
    echo "$other" >"/sys/fs/cgroup/$c/rl-busy-$id/cgroup.procs"
  done
  update_config ".linux.cgroupsPath = \"/rl-busy-$id\" | .process.args = [\"sleep\", \"100\"]"
  # not through bats' run: the detached container would hold its output pipe
  rl run -d "$id" >/dev/null 2>"$BATS_TEST_TMPDIR/err"
  for c in devices freezer pids; do echo "$other" >"/sys/fs/cgroup/$c/cgroup.procs"; done
  kill "$other"
  cat "$BATS_TEST_TMPDIR/err"
  grep -qF "warning: container's cgroup is not empty: 1 process(es) found" "$BATS_TEST_TMPDIR/err"
  [ "$(rl state "$id" | jq -r .status)" = running ]
  rl delete --force "$id"
  rmdir /sys/fs/cgroup/*/"rl-busy-$id" 2>/dev/null || true
}

@test "a user namespace gets the configured uid and gid maps" {
  chown -R 100000:100000 "$BUNDLE/rootfs"
  allow_traversal "$BUNDLE"
  update_config '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .mounts |= map(if .type == "sysfs" then {"destination": "/sys", "type": "none", "source": "/sys", "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]} else . end)
    | .mounts |= map(select(.type != "cgroup"))
    | .process.args = ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u"]'
  run rl run "$(test_id)"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^\ +0\ +100000\ +65536$ ]]
  [[ "${lines[1]}" =~ ^\ +0\ +100000\ +65536$ ]]
  [ "${lines[2]}" = 0 ]
}

@test "joining a namespace by path: the network namespace of another container" {
  a=$(test_id)-a
  update_config '.process.args = ["sleep", "100"]'
  rl run -d "$a"
  pid=$(rl state "$a" | jq -r .pid)
  update_config ".linux.namespaces |= map(if .type == \"network\" then {\"type\": \"network\", \"path\": \"/proc/$pid/ns/net\"} else . end)
    | .process.args = [\"readlink\", \"/proc/self/ns/net\"]"
  run rl run "$(test_id)-b"
  [ "$status" -eq 0 ]
  [ "$output" = "$(readlink /proc/"$pid"/ns/net)" ]
  [ "$output" != "$(readlink /proc/self/ns/net)" ]
}

@test "time namespace: linux.timeOffsets shift the boot time" {
  update_config '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"boottime": {"secs": 86400000, "nanosecs": 0}}
    | .process.args = ["cut", "-d.", "-f1", "/proc/uptime"]'
  run rl run "$(test_id)"
  [ "$status" -eq 0 ]
  [ "$output" -gt 86400000 ]
}

@test "terminal: the pty master goes over --console-socket, sized as consoleSize" {
  id=$(test_id)
  sock="$BATS_TEST_TMPDIR/console.sock"
  update_config '.process.terminal = true | .process.consoleSize = {"height": 33, "width": 101}
    | .process.args = ["sh", "-c", "tty; stty size; readlink /proc/self/fd/0; ls -l /dev/console"]'
  "$HELPERS/recvtty" "$sock" >"$BATS_TEST_TMPDIR/tty.out" &
  recv=$!
  for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.02; done
  rl run -d --console-socket "$sock" "$id"
  wait "$recv"
  cat "$BATS_TEST_TMPDIR/tty.out"
  grep -q '^winsize 33 101' "$BATS_TEST_TMPDIR/tty.out"
  grep -q '^/dev/pts/0' "$BATS_TEST_TMPDIR/tty.out"
  grep -q '^33 101' "$BATS_TEST_TMPDIR/tty.out"
  # /dev/console is the container's own pty (CVE-2025-52565): major 136
  grep -Eq 'crw.* 136, +0 .*/dev/console' "$BATS_TEST_TMPDIR/tty.out"
}

@test "terminal without --console-socket in the background is refused" {
  update_config '.process.terminal = true'
  run rl run -d "$(test_id)"
  [ "$status" -eq 1 ]
  [[ "$output" == *"terminal"*"console-socket"* ]]
  [ -z "$(ls "$ROOT")" ]
}

@test "--preserve-fds passes fd 3.. to the container, nothing else leaks" {
  echo "secret-of-fd-3" >"$BATS_TEST_TMPDIR/three"
  update_config '.process.args = ["sh", "-c", "cat <&3; ls /proc/self/fd | sort -n | tr \"\\n\" \" \""]'
  run rl run --preserve-fds 1 "$(test_id)" 3<"$BATS_TEST_TMPDIR/three" 4<"$BATS_TEST_TMPDIR/three" 5<"$BATS_TEST_TMPDIR/three"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "secret-of-fd-3" ]
  # 0-2, the preserved 3, and the fd ls itself opens; never 4 or 5
  [ "${lines[1]}" = "0 1 2 3 4 " ]
  run rl run "$(test_id)-2" 3<"$BATS_TEST_TMPDIR/three"
  [ "$status" -eq 0 ]
  [ "${lines[1]}" = "0 1 2 3 " ]
}

@test "LISTEN_FDS: socket-activation fds are passed on with LISTEN_FDS and LISTEN_PID=1" {
  update_config '.process.args = ["sh", "-c", "echo $LISTEN_FDS $LISTEN_PID; ls /proc/self/fd | sort -n | tr \"\\n\" \" \""]'
  echo x >"$BATS_TEST_TMPDIR/f"
  run sh -c 'LISTEN_FDS=2 LISTEN_PID=$$ exec "$0" --root "$1" run "$2" 3<"$3" 4<"$3"' "$RUNC_LITE" "$ROOT" "$(test_id)" "$BATS_TEST_TMPDIR/f"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "2 1" ]
  [ "${lines[1]}" = "0 1 2 3 4 5 " ]
}

@test "global options: --log writes errors as JSON lines for containerd" {
  run "$RUNC_LITE" --root "$ROOT" --log "$BATS_TEST_TMPDIR/log.json" --log-format json state nosuch
  [ "$status" -eq 1 ]
  jq -e '.level == "error" and (.msg | contains("does not exist"))' "$BATS_TEST_TMPDIR/log.json"
  run "$RUNC_LITE" --root "$ROOT" --systemd-cgroup run "$(test_id)"
  [ "$status" -eq 1 ]
  [[ "$output" == *"systemd"* ]]
}

@test "features: valid per features-schema.json, and says what this build does" {
  run "$RUNC_LITE" features
  [ "$status" -eq 0 ]
  echo "$output" >"$BATS_TEST_TMPDIR/features.json"
  "$HELPERS/oci-validate" features "$BATS_TEST_TMPDIR/features.json"
  jq -e '.ociVersionMax == "1.3.0"' "$BATS_TEST_TMPDIR/features.json"
  jq -e '.hooks | length == 6' "$BATS_TEST_TMPDIR/features.json"
  jq -e '.linux.namespaces | index("time") != null and index("user") != null' "$BATS_TEST_TMPDIR/features.json"
  jq -e '.linux.seccomp.actions | index("SCMP_ACT_NOTIFY") != null' "$BATS_TEST_TMPDIR/features.json"
  jq -e '.mountOptions | index("rro") != null and index("rbind") != null' "$BATS_TEST_TMPDIR/features.json"
  jq -e '.linux.capabilities | index("CAP_SYS_ADMIN") != null' "$BATS_TEST_TMPDIR/features.json"
}

@test "state output is valid per state-schema.json in every status" {
  id=$(test_id)
  update_config '.process.args = ["sleep", "100"]'
  rl create "$id"
  rl state "$id" | "$HELPERS/oci-validate" state -
  rl start "$id"
  rl state "$id" | "$HELPERS/oci-validate" state -
  rl kill "$id" KILL
  for _ in $(seq 100); do
    [ "$(rl state "$id" | jq -r .status)" = stopped ] && break
    sleep 0.05
  done
  rl state "$id" | "$HELPERS/oci-validate" state -
}

@test "--no-pivot (MS_MOVE + chroot): the container runs inside its root" {
  update_config '.process.args = ["sh", "-c", "ls /; grep -c . /proc/self/mountinfo"]'
  run rl run --no-pivot "$(test_id)"
  [ "$status" -eq 0 ]
  [[ "$output" == *bin* ]]
  [[ "$output" != *"$(basename "$BATS_TEST_TMPDIR")"* ]]
}

@test "delete --force of a container that does not exist succeeds, as runc's" {
  # conmon and containerd's shim clean up with it after a failed create
  run rl delete --force nosuchcontainer
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run "$RUNC_LITE" --root "$BATS_TEST_TMPDIR/no-such-root" delete --force nosuchcontainer
  [ "$status" -eq 0 ]
  # without --force it is still an error
  run rl delete nosuchcontainer
  [ "$status" -eq 1 ]
  [[ "$output" == *'container "nosuchcontainer" does not exist'* ]]
}

@test "a cgroup shared by two containers: deleting one leaves the other running in it" {
  a=$(test_id)-a
  b=$(test_id)-b
  update_config ".linux.cgroupsPath = \"/runc-lite-shared-$$\" | .process.args = [\"sleep\", \"100\"]"
  rl run -d "$a"
  rl run -d "$b"
  pb=$(rl state "$b" | jq -r .pid)
  rl delete --force "$a"
  [ "$(rl state "$b" | jq -r .status)" = running ]
  grep -q ":pids:/runc-lite-shared-$$\$" /proc/"$pb"/cgroup
  rl delete --force "$b"
  [ ! -d "/sys/fs/cgroup/pids/runc-lite-shared-$$" ]
}

@test "cgroup namespace: the container sees its own cgroup as the root" {
  # spec asks for one only on a cgroup2-only host (as runc): add it
  update_config '.process.args = ["cat", "/proc/self/cgroup"]
    | .linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "cgroup"}])'
  run rl run "$(test_id)"
  [ "$status" -eq 0 ]
  # every hierarchy's path is "/" from inside
  for l in "${lines[@]}"; do [[ "$l" == *:/ ]]; done
  # without one, the host's path shows
  update_config '.linux.namespaces |= map(select(.type != "cgroup"))'
  run rl run "$(test_id)-2"
  [ "$status" -eq 0 ]
  [[ "$output" == *":/$(test_id)-2"* || "$output" == *"/$(test_id)-2"* ]]
}
