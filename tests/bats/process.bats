#!/usr/bin/env bats
# The process attributes applied inside the container (config.md "Process",
# config-linux.md "Seccomp", "Personality"): what the container sees of
# them, and the errors for what cannot be applied.

load helpers

setup() {
  [ "$(id -u)" -eq 0 ] || skip "needs root to create containers"
  LISTENER_PID=
}

teardown() {
  local pid
  for pid in ${LISTENER_PID:-} ${FIRST_LISTENER:-}; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  cleanup_containers
}

# status_field NAME: the value of NAME: in the container's output of
# /proc/self/status.
status_field() {
  printf '%s\n' "$output" | awk -v k="$1:" '$1 == k { print $2 }'
}

@test "default capabilities: the three of runc spec, inheritable and ambient empty" {
  setup_bundle cat /proc/self/status
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -eq 0 ]
  # CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10)
  [ "$(status_field CapBnd)" = 0000000020000420 ]
  [ "$(status_field CapEff)" = 0000000020000420 ]
  [ "$(status_field CapPrm)" = 0000000020000420 ]
  [ "$(status_field CapInh)" = 0000000000000000 ]
  [ "$(status_field CapAmb)" = 0000000000000000 ]
  [ "$(status_field NoNewPrivs)" = 1 ]
}

@test "capabilities: each set as configured, ambient kept for a non-root user" {
  setup_bundle cat /proc/self/status
  update_config '.process.user = {uid: 1000, gid: 1000}
    | .process.capabilities = {
        bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_NET_BIND_SERVICE"],
        permitted: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
        effective: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
        inheritable: ["CAP_NET_BIND_SERVICE"],
        ambient: ["CAP_NET_BIND_SERVICE"]}'
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -eq 0 ]
  [ "$(status_field CapBnd)" = 0000000000002421 ]
  # after exec as uid 1000 only the ambient capability survives
  [ "$(status_field CapPrm)" = 0000000000000400 ]
  [ "$(status_field CapEff)" = 0000000000000400 ]
  [ "$(status_field CapInh)" = 0000000000000400 ]
  [ "$(status_field CapAmb)" = 0000000000000400 ]
}

@test "capabilities: an unknown name is refused at create, naming it" {
  setup_bundle true
  update_config '.process.capabilities.bounding += ["CAP_FOO"]'
  run rl create -b "$BUNDLE" "$(test_id)"
  [ "$status" -ne 0 ]
  [[ "$output" == *'capabilities.bounding: unknown capability "CAP_FOO"'* ]]
}

@test "capabilities: one the runtime does not hold cannot be granted" {
  if grep -q '^CapBnd:.*' /proc/self/status && [ $(( 0x$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status) >> 24 & 1 )) -eq 1 ]; then
    skip "this host's root holds CAP_SYS_RESOURCE"
  fi
  setup_bundle true
  update_config '.process.capabilities.bounding += ["CAP_SYS_RESOURCE"] | .process.capabilities.permitted += ["CAP_SYS_RESOURCE"]'
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -ne 0 ]
  [[ "$output" == *"capabilities.permitted: CAP_SYS_RESOURCE cannot be granted: the runtime does not hold it"* ]]
}

@test "user: uid, gid, additionalGids and umask" {
  setup_bundle sh -c 'id -u; id -g; id -G; umask'
  update_config '.process.user = {uid: 1000, gid: 1001, additionalGids: [10, 20], umask: 63}'
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1000 ]
  [ "${lines[1]}" = 1001 ]
  [ "${lines[2]}" = "1001 10 20" ]
  [ "${lines[3]}" = 0077 ]
}

@test "user: umask defaults to 0022, no supplementary groups are inherited" {
  setup_bundle sh -c 'umask; grep ^Groups: /proc/self/status'
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0022 ]
  [ "$(echo ${lines[1]})" = "Groups:" ]
}

@test "rlimits: soft and hard limits inside the container" {
  setup_bundle sh -c 'ulimit -n; ulimit -Hn; ulimit -c; grep "Max core" /proc/self/limits'
  update_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 1000, hard: 2000},
                                     {type: "RLIMIT_CORE", soft: 4096, hard: 8192}]'
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1000 ]
  [ "${lines[1]}" = 2000 ]
  [ "${lines[2]}" = 8 ] # busybox ulimit -c counts 512-byte blocks
  [[ "${lines[3]}" =~ Max\ core\ file\ size\ +4096\ +8192\ +bytes ]]
}

@test "rlimits: raising above the hard limit without CAP_SYS_RESOURCE fails clearly" {
  [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt 1048576 ] || skip "RLIMIT_NOFILE hard limit is high here"
  setup_bundle true
  update_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 1048576, hard: 1048576}]'
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -ne 0 ]
  [[ "$output" == *"setrlimit RLIMIT_NOFILE 1048576/1048576: Operation not permitted"* ]]
}

@test "noNewPrivileges false leaves no_new_privs off" {
  setup_bundle cat /proc/self/status
  update_config '.process.noNewPrivileges = false'
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -eq 0 ]
  [ "$(status_field NoNewPrivs)" = 0 ]
}

@test "oomScoreAdj is written" {
  setup_bundle cat /proc/self/oom_score_adj
  update_config '.process.oomScoreAdj = 300'
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -eq 0 ]
  [ "$output" = 300 ]
}

@test "scheduler: SCHED_BATCH with nice 5" {
  # /proc/self/stat: field 19 is nice, field 41 the policy (3 = SCHED_BATCH)
  setup_bundle sh -c 'cut -d" " -f19,41 /proc/self/stat'
  update_config '.process.scheduler = {policy: "SCHED_BATCH", nice: 5}'
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -eq 0 ]
  [ "$output" = "5 3" ]
}

@test "ioPriority: best-effort 6" {
  setup_bundle sh -c 'ionice -p $$'
  update_config '.process.ioPriority = {class: "IOPRIO_CLASS_BE", priority: 6}'
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -eq 0 ]
  [ "$output" = "best-effort: prio 6" ]
}

@test "execCPUAffinity: the process runs on CPU 0 alone" {
  setup_bundle sh -c 'grep Cpus_allowed_list /proc/self/status'
  update_config '.process.execCPUAffinity = {initial: "0", final: "0"}'
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -eq 0 ]
  [ "$(echo $output)" = "Cpus_allowed_list: 0" ]
}

@test "execCPUAffinity: a malformed CPU list is refused at create" {
  setup_bundle true
  update_config '.process.execCPUAffinity = {initial: "0-"}'
  run rl create -b "$BUNDLE" "$(test_id)"
  [ "$status" -ne 0 ]
  [[ "$output" == *'execCPUAffinity.initial: invalid CPU list "0-": expected a CPU number at offset 2'* ]]
}

@test "personality LINUX32: uname -m says i686" {
  [ "$(uname -m)" = x86_64 ] || skip "LINUX32 on $(uname -m) does not read i686"
  setup_bundle uname -m
  update_config '.linux.personality = {domain: "LINUX32"}'
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -eq 0 ]
  [ "$output" = i686 ]
}

@test "apparmorProfile without AppArmor is an error" {
  [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ] || skip "AppArmor is enabled here"
  setup_bundle true
  update_config '.process.apparmorProfile = "acme"'
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -ne 0 ]
  [[ "$output" == *'apparmorProfile "acme" is set but AppArmor is not enabled on this host'* ]]
}

@test "selinuxLabel without SELinux is an error" {
  [ ! -e /sys/fs/selinux/enforce ] || skip "SELinux is enabled here"
  setup_bundle true
  update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -ne 0 ]
  [[ "$output" == *'selinuxLabel "system_u:system_r:container_t:s0" is set but '* ]]
}

# seccomp_deny ACTION [EXTRA]: a profile allowing everything but mkdir.
seccomp_deny() {
  update_config ".linux.seccomp = {defaultAction: \"SCMP_ACT_ALLOW\",
    syscalls: [{names: [\"mkdir\", \"mkdirat\", \"no_such_syscall\"], action: \"$1\" ${2:+, $2}}]}"
}

@test "seccomp: SCMP_ACT_ERRNO denies mkdir with EPERM by default" {
  setup_bundle sh -c 'mkdir /tmp/d; grep ^Seccomp: /proc/self/status'
  seccomp_deny SCMP_ACT_ERRNO
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *"can't create directory '/tmp/d': Operation not permitted" ]]
  [ "$(echo ${lines[1]})" = "Seccomp: 2" ]
}

@test "seccomp: errnoRet 38 gives ENOSYS" {
  setup_bundle mkdir /tmp/d
  seccomp_deny SCMP_ACT_ERRNO '"errnoRet": 38'
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -eq 1 ]
  [[ "$output" == *"can't create directory '/tmp/d': Function not implemented" ]]
}

@test "seccomp: SCMP_ACT_KILL_PROCESS kills with SIGSYS (exit 159)" {
  setup_bundle mkdir /tmp/d
  seccomp_deny SCMP_ACT_KILL_PROCESS
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -eq 159 ]
}

@test "seccomp: SCMP_ACT_LOG lets the call through" {
  setup_bundle sh -c 'mkdir /tmp/d && echo made'
  update_config '.root.readonly = false'
  seccomp_deny SCMP_ACT_LOG
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -eq 0 ]
  [ "$output" = made ]
}

@test "seccomp: the filter also works without noNewPrivileges" {
  setup_bundle sh -c 'mkdir /tmp/d; grep ^NoNewPrivs: /proc/self/status'
  update_config '.process.noNewPrivileges = false | .process.user = {uid: 1000, gid: 1000}'
  seccomp_deny SCMP_ACT_ERRNO
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *"Operation not permitted" ]]
  [ "$(echo ${lines[1]})" = "NoNewPrivs: 0" ]
}

@test "seccomp: errnoRet with an action that takes none is refused" {
  setup_bundle true
  seccomp_deny SCMP_ACT_KILL '"errnoRet": 1'
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -ne 0 ]
  [[ "$output" == *'seccomp: syscalls[0].action "SCMP_ACT_KILL" does not take an errno return value'* ]]
}

listener_helper() {
  echo "$(dirname "$RUNC_LITE")/../tests/helpers/seccomp-listener"
}

# start_listener ERRNO: the test agent on $BATS_TEST_TMPDIR/listener.sock,
# writing what it receives to $BATS_TEST_TMPDIR/process-state.json.
start_listener() {
  SOCK="$BATS_TEST_TMPDIR/listener.sock"
  "$(listener_helper)" "$SOCK" "$BATS_TEST_TMPDIR/process-state.json" "$1" 3>&- &
  LISTENER_PID=$!
  local i
  for i in $(seq 100); do
    [ -S "$SOCK" ] && return 0
    sleep 0.05
  done
  echo "the listener did not start" >&2
  return 1
}

@test "seccomp: SCMP_ACT_NOTIFY hands the fd and the process state to the listener" {
  [ -x "$(listener_helper)" ] || skip "tests/helpers/seccomp-listener is not built"
  setup_bundle sh -c 'mkdir /tmp/d; echo status $?'
  start_listener 28 # ENOSPC
  seccomp_deny SCMP_ACT_NOTIFY
  update_config ".linux.seccomp.listenerPath = \"$SOCK\" | .linux.seccomp.listenerMetadata = \"hello\""
  local id
  id=$(test_id)
  run rl run -b "$BUNDLE" "$id"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *"can't create directory '/tmp/d': No space left on device" ]]
  [ "${lines[1]}" = "status 1" ]
  wait "$LISTENER_PID"
  LISTENER_PID=
  local state="$BATS_TEST_TMPDIR/process-state.json"
  [ "$(jq -c .fds "$state")" = '["seccompFd"]' ]
  [ "$(jq -r .metadata "$state")" = hello ]
  [ "$(jq -r .state.id "$state")" = "$id" ]
  [ "$(jq -r .state.bundle "$state")" = "$BUNDLE" ]
  [ "$(jq -r '.pid | type' "$state")" = number ]
  [ "$(jq -r .ociVersion "$state")" = 1.3.0 ]
}

@test "seccomp: the listener can make the call succeed" {
  [ -x "$(listener_helper)" ] || skip "tests/helpers/seccomp-listener is not built"
  setup_bundle sh -c 'mkdir /tmp/d && echo "told it worked"; [ -d /tmp/d ] || echo "but nothing was made"'
  update_config '.root.readonly = false'
  start_listener 0
  seccomp_deny SCMP_ACT_NOTIFY
  update_config ".linux.seccomp.listenerPath = \"$SOCK\""
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "told it worked" ]
  [ "${lines[1]}" = "but nothing was made" ]
}

@test "seccomp: SCMP_ACT_NOTIFY without a listener is refused" {
  setup_bundle true
  seccomp_deny SCMP_ACT_NOTIFY
  run rl run -b "$BUNDLE" "$(test_id)"
  [ "$status" -ne 0 ]
  [[ "$output" == *"seccomp: syscalls[0]: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath"* ]]
}

@test "seccomp: exec'd processes hand their notify fd to the listener too (runc does for both)" {
  [ -x "$(listener_helper)" ] || skip "tests/helpers/seccomp-listener is not built"
  setup_bundle sleep 100
  start_listener 28 # ENOSPC, for the init
  seccomp_deny SCMP_ACT_NOTIFY
  update_config ".linux.seccomp.listenerPath = \"$SOCK\""
  local id
  FIRST_LISTENER=$LISTENER_PID
  id=$(test_id)
  rl run -d -b "$BUNDLE" "$id"
  for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/process-state.json" ] && break; sleep 0.05; done
  mv "$BATS_TEST_TMPDIR/process-state.json" "$BATS_TEST_TMPDIR/init-state.json"
  # a second listener on the same path takes the exec's connection
  rm -f "$SOCK"
  start_listener 28
  run rl exec "$id" sh -c 'mkdir /tmp/d; echo status $?'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *"can't create directory '/tmp/d': No space left on device" ]]
  [ "${lines[1]}" = "status 1" ]
  wait "$LISTENER_PID"
  [ "$(jq -r .state.id "$BATS_TEST_TMPDIR/process-state.json")" = "$id" ]
  [ "$(jq -c .fds "$BATS_TEST_TMPDIR/process-state.json")" = '["seccompFd"]' ]
  LISTENER_PID=
  rl delete --force "$id"
  wait "$FIRST_LISTENER"
  FIRST_LISTENER=
}

# An allow-list profile naming x86_64's syscalls up to 434 (pidfd_open),
# getppid (110) left out: what the raw calls return.
allowlist_profile() { # allowlist_profile [MORE_FIELDS]
  local names
  names=$(awk '$1 == "#define" && $2 ~ /^__NR_/ && $3 <= 434 && $2 != "__NR_getppid" { sub("__NR_", "", $2); print $2 }' \
    /usr/include/x86_64-linux-gnu/asm/unistd_64.h | jq -R . | jq -sc .)
  update_config ".linux.seccomp = {defaultAction: \"SCMP_ACT_ERRNO\",
    architectures: [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"],
    syscalls: [{names: $names, action: \"SCMP_ACT_ALLOW\"}]${1:+, $1}}"
}

# runc's -ENOSYS stub (libcontainer/seccomp/patchbpf): syscalls newer than
# the newest the profile names look absent, so that glibc falls back from
# clone3 (435) to clone; older ones it leaves out keep the default errno.
@test "seccomp: syscalls newer than the profile's newest get ENOSYS, older unnamed ones the default errno" {
  [ "$(uname -m)" = x86_64 ] || skip "the profile is written for x86_64"
  [ -f /usr/include/x86_64-linux-gnu/asm/unistd_64.h ] || skip "needs linux-libc-dev's unistd_64.h"
  setup_bundle /syscall-errno 39 110 435 460 1000
  cp "$(dirname "$RUNC_LITE")/../tests/helpers/syscall-errno" "$BUNDLE/rootfs/"
  allowlist_profile
  want=$'39 ok\n110 errno 1\n435 errno 38\n460 errno 38\n1000 errno 38'
  run rl run -b "$BUNDLE" "$(test_id)"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "$want" ]
  # runc answers the same
  if command -v runc >/dev/null; then
    run runc --root "$BATS_TEST_TMPDIR/runc-root" run -b "$BUNDLE" "$(test_id)"
    echo "runc: $output"
    [ "$output" = "$want" ]
  fi
  # a default action that allows, or a default errno of ENOSYS: no stub
  allowlist_profile 'defaultErrnoRet: 95'
  run rl run -b "$BUNDLE" "$(test_id)-2"
  [ "$output" = $'39 ok\n110 errno 95\n435 errno 38\n460 errno 38\n1000 errno 38' ]
  update_config '.linux.seccomp.defaultErrnoRet = 38'
  run rl run -b "$BUNDLE" "$(test_id)-3"
  [ "$output" = $'39 ok\n110 errno 38\n435 errno 38\n460 errno 38\n1000 errno 38' ]
}

@test "seccomp: the ENOSYS stub keeps SCMP_ACT_NOTIFY working (the notify fd comes from seccomp(2))" {
  [ "$(uname -m)" = x86_64 ] || skip "the profile is written for x86_64"
  [ -f /usr/include/x86_64-linux-gnu/asm/unistd_64.h ] || skip "needs linux-libc-dev's unistd_64.h"
  [ -x "$(listener_helper)" ] || skip "tests/helpers/seccomp-listener is not built"
  setup_bundle /syscall-errno 110 435
  cp "$(dirname "$RUNC_LITE")/../tests/helpers/syscall-errno" "$BUNDLE/rootfs/"
  start_listener 28
  allowlist_profile
  # TSYNC too: the kernel takes it with a listener only with TSYNC_ESRCH
  update_config ".linux.seccomp.syscalls += [{names: [\"getppid\"], action: \"SCMP_ACT_NOTIFY\"}]
    | .linux.seccomp.listenerPath = \"$SOCK\" | .linux.seccomp.flags = [\"SECCOMP_FILTER_FLAG_TSYNC\"]"
  run rl run -b "$BUNDLE" "$(test_id)"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = $'110 errno 28\n435 errno 38' ]
}

# issue 10, 15: seccomp together with a startContainer hook.  The hook runs
# under the filter (as in runc), so its notified calls reach the listener
# as the program's do.
@test "seccomp: a startContainer hook with SCMP_ACT_NOTIFY: the listener answers the hook's calls and the program's" {
  [ -x "$(listener_helper)" ] || skip "tests/helpers/seccomp-listener is not built"
  setup_bundle sh -c 'mkdir /tmp/d 2>/dev/null; echo program $?'
  mkdir "$BATS_TEST_TMPDIR/out"
  update_config ".root.readonly = false
    | .mounts += [{destination: \"/out\", type: \"bind\", source: \"$BATS_TEST_TMPDIR/out\", options: [\"rbind\"]}]
    | .hooks = {startContainer: [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"mkdir /tmp/h 2>/dev/null; echo \$? >/out/hook\"]}]}"
  start_listener 28
  seccomp_deny SCMP_ACT_NOTIFY
  update_config ".linux.seccomp.listenerPath = \"$SOCK\""
  run rl run -b "$BUNDLE" "$(test_id)"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "program 1" ]
  [ "$(cat "$BATS_TEST_TMPDIR/out/hook")" = 1 ]
  [ ! -e "$BUNDLE/rootfs/tmp/h" ]
}
