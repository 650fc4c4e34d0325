#!/usr/bin/env bats
# exec: a new process in a running container, with runc's flags.

load helpers

setup() {
  setup_bundle sleep 100
  ID=$(test_id)
  rl run -d "$ID"
  PID=$(rl state "$ID" | jq -r .pid)
}

teardown() {
  cleanup_containers
}

@test "exec runs in every namespace and the cgroup of the container" {
  run rl exec "$ID" sh -c 'for n in mnt pid net ipc uts cgroup user; do readlink /proc/self/ns/$n; done'
  [ "$status" -eq 0 ]
  i=0
  for n in mnt pid net ipc uts cgroup user; do
    [ "${lines[$i]}" = "$(readlink /proc/"$PID"/ns/$n)" ]
    i=$((i + 1))
  done
  run rl exec "$ID" sh -c 'cat /proc/self/cgroup; echo --; cat /proc/1/cgroup'
  [ "$status" -eq 0 ]
  [ "${output%%--*}" = "${output##*--?}
" ]
  # and sees the container's processes, as pid 1 is its init
  run rl exec "$ID" sh -c 'tr "\0" " " </proc/1/cmdline'
  [ "$output" = "sleep 100 " ]
}

@test "exec returns the process's exit status, 128+signal when killed" {
  run rl exec "$ID" sh -c 'exit 5'
  [ "$status" -eq 5 ]
  run rl exec "$ID" sh -c 'kill -KILL $$'
  [ "$status" -eq 137 ]
}

@test "exec --user, --cwd, --env, --additional-gids" {
  run rl exec --user 1000:1001 --additional-gids 7,8 --cwd /tmp --env FOO=bar -e PATH=/bin "$ID" sh -c 'id -u; id -g; id -G; pwd; echo $FOO; echo $PATH'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1000 ]
  [ "${lines[1]}" = 1001 ]
  [ "${lines[2]}" = "1001 7 8" ]
  [ "${lines[3]}" = /tmp ]
  [ "${lines[4]}" = bar ]
  [ "${lines[5]}" = /bin ]
}

@test "exec takes the container's process as its template (env, caps, rlimits)" {
  run rl exec "$ID" sh -c 'echo $TERM; grep CapEff /proc/self/status; ulimit -n'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = xterm ]
  [ "${lines[1]}" = "$(grep CapEff /proc/"$PID"/status)" ]
  [ "${lines[2]}" = 1024 ]
}

@test "exec --cap adds a capability, --no-new-privs sets no_new_privs" {
  update_config '.process.noNewPrivileges = false'
  id2=$(test_id)-2
  rl run -d "$id2"
  run rl exec "$id2" grep -E '^(CapEff|NoNewPrivs)' /proc/self/status
  [ "${lines[0]}" = "CapEff:	0000000020000420" ]
  [ "${lines[1]}" = "NoNewPrivs:	0" ]
  run rl exec --cap CAP_SYS_PTRACE --no-new-privs "$id2" grep -E '^(CapEff|NoNewPrivs)' /proc/self/status
  [ "${lines[0]}" = "CapEff:	0000000020080420" ]
  [ "${lines[1]}" = "NoNewPrivs:	1" ]
  run rl exec --cap CAP_NOPE "$id2" true
  [ "$status" -eq 255 ]
  [[ "$output" == *'unknown capability "CAP_NOPE"'* ]]
}

@test "exec --process runs a process.json" {
  cat >"$BATS_TEST_TMPDIR/process.json" <<'EOF2'
{"args": ["sh", "-c", "echo from process.json $X; pwd"], "cwd": "/etc", "env": ["X=1", "PATH=/bin"], "user": {"uid": 0, "gid": 0}}
EOF2
  run rl exec --process "$BATS_TEST_TMPDIR/process.json" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "from process.json 1" ]
  [ "${lines[1]}" = /etc ]
  echo '{"args": "not an array", "cwd": "/"}' >"$BATS_TEST_TMPDIR/bad.json"
  run rl exec --process "$BATS_TEST_TMPDIR/bad.json" "$ID"
  [ "$status" -eq 255 ]
  [[ "$output" == *"bad.json: args: expected array, got string"* ]]
}

@test "exec -d --pid-file: detached, the pid file names the process" {
  rl exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$ID" sleep 30
  epid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
  [ "$(tr '\0' ' ' </proc/"$epid"/cmdline)" = "sleep 30 " ]
  [ "$(readlink /proc/"$epid"/ns/pid)" = "$(readlink /proc/"$PID"/ns/pid)" ]
}

@test "exec --pid-file that cannot be written: exec fails (255), its process is killed" {
  run rl exec --pid-file "$BATS_TEST_TMPDIR/missing/exec.pid" "$ID" sleep 31
  [ "$status" -eq 255 ]
  [[ "$output" == *"exec failed: "*"missing/exec.pid"* ]]
  ! pgrep -f "^sleep 31\$"
}

@test "exec -t with --console-socket hands over a pty" {
  sock="$BATS_TEST_TMPDIR/exec.sock"
  "$HELPERS/recvtty" "$sock" >"$BATS_TEST_TMPDIR/tty.out" &
  recv=$!
  for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.02; done
  rl exec -t -d --console-socket "$sock" "$ID" sh -c 'tty; echo done'
  wait "$recv"
  grep -q '^/dev/pts/' "$BATS_TEST_TMPDIR/tty.out"
  grep -q '^done' "$BATS_TEST_TMPDIR/tty.out"
}

@test "exec: errors for a missing command, a stopped container, an unknown one (exit 255, as runc)" {
  run rl exec "$ID" nosuchcommand
  [ "$status" -eq 255 ]
  [[ "$output" == *'exec: "nosuchcommand": executable file not found in $PATH'* ]]
  run rl exec nosuch true
  [ "$status" -eq 255 ]
  [[ "$output" == *'container "nosuch" does not exist'* ]]
  run rl exec "$ID"
  [ "$status" -eq 255 ]
  rl kill "$ID" KILL
  for _ in $(seq 100); do
    [ "$(rl state "$ID" | jq -r .status)" = stopped ] && break
    sleep 0.05
  done
  run rl exec "$ID" true
  [ "$status" -eq 255 ]
  [[ "$output" == *"exec failed: container $ID: cannot exec in a stopped container"* ]]
}

@test "exec: the container's seccomp profile applies to exec'd processes" {
  update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
  id2=$(test_id)-2
  rl run -d "$id2"
  run rl exec "$id2" mkdir /tmp/x
  [ "$status" -ne 0 ]
  [[ "$output" == *"Permission denied"* ]]
}

@test "exec: no runtime fd leaks into the process, --preserve-fds passes extra ones" {
  run rl exec "$ID" ls /proc/self/fd 7</etc/hostname
  [ "$(echo "$output" | tr '\n' ' ')" = "0 1 2 3 " ]
  run rl exec --preserve-fds 1 "$ID" cat /proc/self/fd/3 3</etc/hostname
  [ "$output" = "$(cat /etc/hostname)" ]
}

@test "exec in a user-namespaced container gets its ids and maps" {
  chown -R 100000:100000 "$BUNDLE/rootfs"
  allow_traversal "$BUNDLE"
  update_config '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .mounts |= map(if .type == "sysfs" then {"destination": "/sys", "type": "none", "source": "/sys", "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]} else . end)
    | .mounts |= map(select(.type != "cgroup"))'
  id2=$(test_id)-u
  rl run -d "$id2"
  run rl exec "$id2" sh -c 'id -u; cat /proc/self/uid_map'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ]
  [[ "${lines[1]}" =~ ^\ +0\ +100000\ +65536$ ]]
  epid=$(rl exec "$id2" sh -c 'echo $$')
  [ -n "$epid" ]
}

@test "exec --cgroup: the process runs in a sub-cgroup (all hierarchies or CONTROLLER:PATH), as runc" {
  [ -d /sys/fs/cgroup/memory ] || skip "needs the cgroup v1 memory hierarchy"
  mem=$(cgdir memory "$PID")
  pids=$(cgdir pids "$PID")
  mkdir "$mem/sub" "$mem/sub/deeper" "$pids/other"
  run rl exec --cgroup memory:sub/deeper --cgroup pids:/other "$ID" cat /proc/self/cgroup
  echo "status $status: $output"
  [ "$status" -eq 0 ]
  grep -q ":memory:.*/$ID/sub/deeper\$" <<<"$output"
  grep -q ":pids:.*/$ID/other\$" <<<"$output"
  grep -q ":freezer:.*/$ID\$" <<<"$output"
  # without a controller: every hierarchy's sub-cgroup must exist
  run rl exec --cgroup sub "$ID" true
  [ "$status" -ne 0 ]
  [[ "$output" == *"sub-cgroup "*"/$ID/sub: No such file or directory"* ]]
  # Other suites make and remove cgroups meanwhile: find's complaints about
  # directories that vanish under it are theirs; the exec below fails if
  # any of ours lacks its "all".
  find /sys/fs/cgroup -maxdepth 5 -type d -name "$ID" -exec mkdir {}/all \; 2>/dev/null || true
  cs=$(cgdir cpuset "$PID") # a new cpuset cgroup starts without cpus and mems
  cat "$cs/cpuset.cpus" >"$cs/all/cpuset.cpus"
  cat "$cs/cpuset.mems" >"$cs/all/cpuset.mems"
  [ -d "$(cgdir cpu "$PID")/all" ]
  run rl exec --cgroup all "$ID" cat /proc/self/cgroup
  echo "$output"
  [ "$status" -eq 0 ]
  grep -q ":memory:.*/$ID/all\$" <<<"$output"
  grep -q ":pids:.*/$ID/all\$" <<<"$output"
  # errors: leaving the container's cgroup, an unknown controller, a missing sub-cgroup
  run rl exec --cgroup ../x "$ID" true
  [ "$status" -ne 0 ]
  [[ "$output" == *"--cgroup ../x: not a sub-cgroup path"* ]]
  run rl exec --cgroup bogus:sub "$ID" true
  [ "$status" -ne 0 ]
  [[ "$output" == *"--cgroup bogus:sub: unknown controller"* ]]
  run rl exec --cgroup memory:nosuch "$ID" true
  [ "$status" -ne 0 ]
  [[ "$output" == *"/$ID/nosuch: No such file or directory"* ]]
  # delete --force removes the sub-cgroups too
  rl delete --force "$ID"
  [ ! -d "$mem" ]
  [ ! -d "$pids" ]
}
