#!/usr/bin/env bats
# builder run's docker flags (issue 13 item 8): --entrypoint, --user, -w,
# -i, --network, --hostname, --read-only, --tmpfs; the containers it keeps
# listed by `ps`, removed by `rm` (`rm -f` kills running ones) and `prune`.

load helpers

setup() {
  STORE="$BATS_TEST_TMPDIR/store"
  ROOT="$BATS_TEST_TMPDIR/state"
  ROOTFS="$BATS_TEST_TMPDIR/rootfs"
  mkdir -p "$ROOT"
  cp -a "$(busybox_rootfs_cache)" "$ROOTFS"
  printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1001:alice:/home/alice:/bin/sh\n' >"$ROOTFS/etc/passwd"
  printf 'root:x:0:\nstaff:x:1001:\nextra:x:1002:alice\n' >"$ROOTFS/etc/group"
  RT="$BATS_TEST_TMPDIR/runtime"
  printf '#!/bin/sh\nexec "%s" --root "%s" "$@"\n' "$RUNC_LITE" "$ROOT" >"$RT"
  chmod +x "$RT"
  printf '%s' '{"Entrypoint":["/bin/echo","from-entrypoint"],"Cmd":["from-cmd"],"WorkingDir":"/tmp"}' \
    >"$BATS_TEST_TMPDIR/exec.json"
  b import --config "$BATS_TEST_TMPDIR/exec.json" "$ROOTFS" app >/dev/null
}

teardown() {
  [ -z "${srv:-}" ] || { kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null || true; }
  cleanup_containers
  host_net_mark_del
}

b() {
  "$BUILDER" --store "$STORE" "$@"
}

brun() {
  b run --rm --runtime "$RT" "$@"
}

@test "run --entrypoint replaces the Entrypoint and drops the Cmd; '' clears it" {
  run brun app
  [ "$status" -eq 0 ]
  [ "$output" = "from-entrypoint from-cmd" ]
  run brun --entrypoint /bin/echo app
  [ "$status" -eq 0 ]
  [ "$output" = "" ]
  run brun --entrypoint /bin/echo app given args
  [ "$status" -eq 0 ]
  [ "$output" = "given args" ]
  run brun --entrypoint '' app /bin/echo only-cmd
  [ "$status" -eq 0 ]
  [ "$output" = "only-cmd" ]
  # nothing left to run
  run brun --entrypoint '' app
  [ "$status" -eq 1 ]
  [[ "$output" == *"no Entrypoint or Cmd"* ]]
}

@test "run --user: a name, a uid, uid:gid, through the image's /etc/passwd" {
  ids='echo $(id -u) $(id -g) $(id -G)'
  run brun -u alice --entrypoint sh app -c "$ids"
  [ "$status" -eq 0 ]
  [ "$output" = "1000 1001 1001 1002" ]
  run brun --user 1000 --entrypoint sh app -c "$ids"
  [ "$status" -eq 0 ]
  [ "$output" = "1000 1001 1001 1002" ]
  run brun -u 4242:4343 --entrypoint sh app -c "$ids"
  [ "$status" -eq 0 ]
  [ "$output" = "4242 4343 4343" ]
  run brun -u nosuchuser app true
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == "builder: "*"nosuchuser"* ]]
}

@test "run -w sets the working directory, replacing WorkingDir; relative is refused" {
  run brun --entrypoint pwd app
  [ "$output" = /tmp ]
  run brun --entrypoint pwd -w /etc app
  [ "$status" -eq 0 ]
  [ "$output" = /etc ]
  run brun --entrypoint pwd --workdir etc app
  [ "$status" -eq 1 ]
  [[ "$output" == *"must be absolute"* ]]
}

@test "run: stdin is /dev/null unless -i" {
  run bash -c "echo piped | '$BUILDER' --store '$STORE' run --rm --runtime '$RT' --entrypoint cat app"
  [ "$status" -eq 0 ]
  [ "$output" = "" ]
  run bash -c "echo piped | '$BUILDER' --store '$STORE' run --rm --runtime '$RT' -i --entrypoint cat app"
  [ "$status" -eq 0 ]
  [ "$output" = piped ]
  run bash -c "echo piped | '$BUILDER' --store '$STORE' run --rm --runtime '$RT' --interactive --entrypoint cat app"
  [ "$output" = piped ]
}

@test "run --hostname; by default the container's short id" {
  run brun --entrypoint hostname --hostname web1 app
  [ "$status" -eq 0 ]
  [ "$output" = web1 ]
  run brun --entrypoint hostname app
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^[0-9a-f]{12}$ ]]
  # the kept container's id in ps begins with it
  run b run --runtime "$RT" --name h1 --entrypoint hostname app
  host=${lines[0]}
  [[ "$host" =~ ^[0-9a-f]{12}$ ]]
  run b ps -a --no-trunc
  [[ "$output" == *$'\n'"$host"* ]]
}

@test "run --network: private (the default) reaches out through NAT, none has only lo, host is the host's" {
  # a server on the host; the container reaches it through its gateway
  mkdir -p "$BATS_TEST_TMPDIR/www"
  echo served-by-the-host >"$BATS_TEST_TMPDIR/www/file"
  port=$((18000 + $$ % 1000))
  "$BUSYBOX" httpd -f -p "$port" -h "$BATS_TEST_TMPDIR/www" >/dev/null 2>&1 3>&- &
  srv=$!
  fetch="wget -q -O - http://\$(ip route | awk '/^default/ {print \$3}'):$port/file"
  for mode in private default; do
    run brun --network "$mode" --entrypoint sh app -c "ls /sys/class/net | tr '\n' ' '; $fetch; grep -c . /etc/resolv.conf"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "eth0 lo served-by-the-host" ]
    [ "${lines[1]}" -ge 1 ]
  done
  run brun --entrypoint sh app -c "$fetch"
  [ "$output" = served-by-the-host ]
  run brun --network none --entrypoint sh app -c "ls /sys/class/net; $fetch"
  echo "$output"
  [ "$status" -ne 0 ]
  [ "${lines[0]}" = lo ]
  [[ "$output" != *served-by-the-host* ]]
  kill "$srv"
  wait "$srv" || true
  srv=
  # host: the host's interfaces and name
  host_net_mark_add
  run brun --network host --entrypoint sh app -c 'ls /sys/class/net | tr "\n" " "; echo; hostname'
  [ "$status" -eq 0 ]
  [[ " ${lines[0]}" == *" $NET_MARK "* ]]
  [ "${lines[1]}" = "$(hostname)" ]
  run brun --network bogus app true
  [ "$status" -eq 1 ]
  [[ "$output" == *"--network bogus"* ]]
  # (what the network leaves on the host is build-network.bats's to check:
  # a global look here races with other builds on the machine)
}

@test "run --read-only: the root cannot be written, --tmpfs can" {
  run brun --read-only --entrypoint sh app -c 'touch /x'
  [ "$status" -ne 0 ]
  [[ "$output" == *"Read-only file system"* ]]
  run brun --read-only --tmpfs /scratch --entrypoint sh app -c 'touch /scratch/x && grep " /scratch " /proc/mounts'
  [ "$status" -eq 0 ]
  [[ "$output" == "tmpfs /scratch tmpfs "*noexec* ]]
  [[ "$output" == *nosuid* ]]
  # options after the colon, exec undoing the default noexec
  run brun --tmpfs /scratch:exec,size=1m,mode=1777 --entrypoint sh app -c 'grep " /scratch " /proc/mounts; stat -c %a /scratch'
  [ "$status" -eq 0 ]
  [[ "$output" != *noexec* ]]
  [[ "$output" == *size=1024k* ]]
  [ "${lines[1]}" = 1777 ]
  run brun --tmpfs relative app true
  [ "$status" -eq 1 ]
  [[ "$output" == *"invalid tmpfs"* ]]
}

@test "ps lists running containers, ps -a the exited ones kept; rm and prune remove them, not running ones" {
  run b run --runtime "$RT" --name kept1 --entrypoint sh app -c 'exit 3'
  [ "$status" -eq 3 ]
  b run --runtime "$RT" --name kept2 app >/dev/null 2>&1
  b run --runtime "$RT" --name busy --entrypoint sleep app 100 &
  pid=$!
  for _ in $(seq 100); do rl list -q | grep -qx busy && break; sleep 0.1; done
  run b ps
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$(printf '%-14s %-20s %-22s %-16s %-26s %-7s %s' 'CONTAINER ID' IMAGE COMMAND CREATED STATUS PORTS NAMES)" ]
  [ "${#lines[@]}" -eq 2 ]
  [[ "${lines[1]}" =~ ^[0-9a-f]{12}\ +app\ +\"sleep\ 100\"\ +[0-9]+\ seconds?\ ago\ +Up\ [0-9]+\ seconds?\ +busy$ ]]
  run b ps -a
  [ "${#lines[@]}" -eq 4 ]
  [[ "$output" == *'"sh -c exit 3"'*"Exited (3) "*" ago"*kept1* ]]
  [[ "$output" == *'"/bin/echo from-entr…"'*"Exited (0)"*kept2* ]]
  run b ps -aq
  [ "${#lines[@]}" -eq 3 ]
  [[ "${lines[0]}" =~ ^[0-9a-f]{12}$ ]]
  # a running one is not removed
  run b rm busy
  [ "$status" -eq 1 ]
  [[ "$output" == *'cannot remove container "/busy": container is running'* ]]
  [ -d "$STORE/.store/run/busy" ]
  run b rm kept1
  [ "$status" -eq 0 ]
  [ "$output" = kept1 ]
  [ ! -e "$STORE/.store/run/kept1" ]
  run b rm kept1
  [ "$status" -eq 1 ]
  [[ "$output" == *"no such container: kept1"* ]]
  run b prune
  [ "$status" -eq 0 ]
  [[ "$output" == *"deleted container: kept2"* ]]
  [[ "$output" != *busy* ]]
  [ ! -e "$STORE/.store/run/kept2" ]
  [ -d "$STORE/.store/run/busy" ]
  rl kill busy KILL
  wait "$pid" || true
  run b ps -a
  [[ "${lines[1]}" == *"Exited (137)"*busy ]]
  # by id prefix
  id=$(b ps -aq)
  run b rm "${id:0:5}"
  [ "$status" -eq 0 ]
  [ -z "$(ls -A "$STORE/.store/run")" ]
  # an empty run directory lists none (UBSan: qsort was given NULL)
  run b ps -a
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "${lines[0]}" == "CONTAINER ID"* ]]
}

# start_busy NAME: `builder run` of a container that sleeps, in the
# background (BUSY_PID), once the runtime has it running.
start_busy() {
  b run --runtime "$RT" --name "$1" --entrypoint sleep app 100 >/dev/null 2>&1 &
  BUSY_PID=$!
  for _ in $(seq 100); do
    [ "$(rl state "$1" 2>/dev/null | jq -r .status)" = running ] && return 0
    sleep 0.1
  done
  echo "$1 did not start"
  return 1
}

@test "rm -f kills a running container, waits for it, removes its bundle, runtime state and cgroup" {
  start_busy busy
  cpid=$(rl state busy | jq -r .pid)
  cg=$(cgdir pids "$cpid")
  [ -n "$cg" ] && [ -d "$cg" ]
  run b rm -f busy
  [ "$status" -eq 0 ]
  [ "$output" = busy ]
  # builder run saw its container killed
  st=0
  wait "$BUSY_PID" || st=$?
  [ "$st" -eq 137 ]
  [ ! -e "$STORE/.store/run/busy" ]
  [ ! -e "/proc/$cpid" ]
  [ -z "$(rl list -q)" ]
  [ ! -d "$cg" ]
  run b ps -aq
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  # --force, by id prefix, and of an exited one as of a running one
  start_busy busy2
  b run --runtime "$RT" --name gone app >/dev/null 2>&1
  id=$(b ps -q)
  run b rm --force "${id:0:6}" gone
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '%s\ngone' "${id:0:6}")" ]
  wait "$BUSY_PID" || true
  [ -z "$(ls -A "$STORE/.store/run")" ]
  [ -z "$(rl list -q)" ]
}

@test "rm without -f refuses a running container in docker's words, leaves it running, removes the others" {
  start_busy busy
  b run --runtime "$RT" --name kept app >/dev/null 2>&1
  run b rm busy kept
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = 'builder: rm: cannot remove container "/busy": container is running: stop the container before removing or force remove' ]
  [ "${lines[1]}" = kept ]
  [ "${#lines[@]}" -eq 2 ]
  [ ! -e "$STORE/.store/run/kept" ]
  [ -d "$STORE/.store/run/busy" ]
  [ "$(rl state busy | jq -r .status)" = running ]
  kill -0 "$BUSY_PID"
  b rm -f busy >/dev/null
  wait "$BUSY_PID" || true
}

@test "rm -f of an unknown container fails naming it; the other operands are removed" {
  b run --runtime "$RT" --name kept app >/dev/null 2>&1
  run b rm -f nosuch
  [ "$status" -eq 1 ]
  [ "$output" = "builder: rm: no such container: nosuch" ]
  run b rm -f nosuch kept
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "builder: rm: no such container: nosuch" ]
  [ "${lines[1]}" = kept ]
  [ ! -e "$STORE/.store/run/kept" ]
}
