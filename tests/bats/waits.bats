#!/usr/bin/env bats
# Waits create, exec and delete must not make (issue 11): seen in the
# system calls (strace), which, unlike timings, do not depend on the load.
# Each test failed before its fix; the comment says which.

load helpers

setup() {
  command -v strace >/dev/null || {
    echo "strace is missing (scripts/deps.sh installs it)" >&2
    return 1
  }
  setup_bundle true
  LOG="$BATS_TEST_TMPDIR/strace.log"
}

teardown() {
  cleanup_containers
}

# traced ARGS: runc-lite ARGS under strace -f, the calls in $LOG.  strace
# waits for every process it follows: `run` and `exec` of commands that
# exit, never a bare create (its init would keep strace waiting).
traced() {
  strace -f -qq -o "$LOG" -e trace=fsync,fdatasync,syncfs,sync_file_range,openat,mkdir,clone,clone3 \
    "$RUNC_LITE" --root "$ROOT" "$@"
}

# The v1 hierarchies mounted here (the tests hold on both kinds of host).
v1_hierarchies() {
  awk '$3 == "cgroup" { n++ } END { print n + 0 }' /proc/mounts
}

# Failed with the fsyncs of state.json, the config copy and their
# directory (oci_write_file_atomic) that create made.
@test "create writes its state without fsync, atomically (temporary file, rename), like runc and crun" {
  id=$(test_id)
  traced run "$id"
  [ "$(grep -cE '^[0-9]+ +(fsync|fdatasync|syncfs|sync_file_range)\(' "$LOG")" -eq 0 ]
  # state.json went through a temporary file renamed into place
  grep -qE 'openat\(.*/state\.json\.tmp-[^"]*", O_RDWR\|O_CREAT\|O_EXCL' "$LOG"
  # whole files, none left behind by create itself
  rl create "$id-2"
  jq -e --arg id "$id-2" '.id == $id' "$ROOT/$id-2/state.json"
  cmp <(jq -j .config "$ROOT/$id-2/state.json") "$BUNDLE/config.json"
  [ -z "$(find "$ROOT/$id-2" -name '*.tmp-*')" ]
}

# Failed while create wrote the init's pid to each cgroup.procs: on cgroup
# v1 that takes the kernel's global lock and waits an RCU grace period
# (milliseconds) for every container.
@test "create: the init joins its v1 cgroups itself through tasks, nobody writes a pid to cgroup.procs" {
  id=$(test_id)
  traced run "$id"
  [ "$(grep -cE 'cgroup\.procs", O_WRONLY' "$LOG")" -eq 0 ]
  [ "$(grep -cE '/'"$id"'/tasks", O_WRONLY' "$LOG")" -eq "$(v1_hierarchies)" ]
}

# Failed before clone3: the v2 (or hybrid unified) directory was joined by
# a write to cgroup.procs.
@test "create and exec clone straight into the cgroup v2 directory" {
  id=$(test_id)
  if ! grep -q ' cgroup2 ' /proc/mounts; then
    # no v2 hierarchy here: nothing to clone into
    traced run "$id"
    [ "$(grep -c 'CLONE_INTO_CGROUP' "$LOG")" -eq 0 ]
    return 0
  fi
  traced run "$id"
  grep -qE 'clone3\(\{flags=.*CLONE_INTO_CGROUP' "$LOG"
  update_config '.process.args = ["sleep", "100"]'
  rl create "$id-2"
  rl start "$id-2"
  traced exec "$id-2" true
  grep -qE 'clone3\(\{flags=CLONE_INTO_CGROUP' "$LOG"
  [ "$(grep -cE 'cgroup\.procs", O_WRONLY' "$LOG")" -eq 0 ]
}

# Failed while exec's child wrote "0" to cgroup.procs on v1 (the lock and
# the grace period again).
@test "exec: the process joins the v1 cgroups through tasks" {
  id=$(test_id)
  update_config '.process.args = ["sleep", "100"]'
  rl create "$id"
  rl start "$id"
  traced exec "$id" true
  [ "$(grep -cE 'cgroup\.procs", O_WRONLY' "$LOG")" -eq 0 ]
  [ "$(grep -cE '/'"$id"'/tasks", O_WRONLY' "$LOG")" -eq "$(v1_hierarchies)" ]
}

# Failed while rl_mkdir_p made every path component from / down
# (mkdir("/sys") EEXIST, mkdir("/sys/fs") EEXIST, ...) for each hierarchy.
@test "create makes each cgroup directory with one mkdir" {
  id=$(test_id)
  traced run "$id"
  [ "$(grep -cE 'mkdir\("/sys", ' "$LOG")" -eq 0 ]
  [ "$(grep -cE 'mkdir\("/sys/fs/cgroup", ' "$LOG")" -eq 0 ]
  [ "$(grep -cE 'mkdir\(".*/'"$id"'", .*= 0$' "$LOG")" -eq "$(grep -cE ' cgroup2? ' /proc/mounts)" ]
}

# Failed (the cgroup directories were left behind) while delete sent
# SIGKILL and tried rmdir at once: the processes were still exiting, and
# the cgroup still holding processes was taken for one shared with another
# container.  Three containers: the race was lost nearly every time.
@test "delete --force without a pid namespace waits for the processes, then removes the cgroup at the first try" {
  update_config '.process.args = ["sh", "-c", "sleep 1000 & sleep 1000 & sleep 1000"]
    | .linux.namespaces |= map(select(.type != "pid"))'
  for n in 1 2 3; do
    id=$(test_id)-$n
    rl create "$id"
    rl start "$id"
    dirs=$(jq -r '.cgroupDirs[]' "$ROOT/$id/state.json")
    [ -n "$dirs" ]
    strace -f -qq -o "$LOG" -e trace=rmdir,nanosleep,clock_nanosleep "$RUNC_LITE" --root "$ROOT" delete --force "$id"
    [ "$(grep -c 'EBUSY' "$LOG")" -eq 0 ]
    [ "$(grep -c 'nanosleep' "$LOG")" -eq 0 ]
    for d in $dirs; do [ ! -e "$d" ]; done
  done
}

# Failed while the runtime linked libselinux (and through it pcre2) for
# is_selinux_enabled alone: two more libraries mapped and relocated on
# every start of the runtime, SELinux or not.  The label is written to
# /proc/thread-self/attr/exec directly, as crun does.
@test "the runtime loads no libselinux or pcre2, and still reports SELinux label support" {
  run readelf -d "$RUNC_LITE"
  [ "$status" -eq 0 ]
  [[ "$output" == *'(NEEDED)'*'libc.so'* ]]
  [[ "$output" != *libselinux* ]]
  [[ "$output" != *pcre* ]]
  "$RUNC_LITE" features | jq -e '.linux.selinux.enabled == true'
}

# Failed while run made the exec fifo (mknodat), blocked the init on it and
# started it as `start` does (state and config read back, the fifo opened
# and read), then read them back again to delete: run starts the init over
# the sync socket it already has, and deletes with the config it holds.
@test "run makes no exec fifo: the init starts over its sync socket; the container reads running" {
  id=$(test_id)
  strace -f -qq -o "$LOG" -e trace=mknodat,mknod,openat "$RUNC_LITE" --root "$ROOT" run "$id"
  [ "$(grep -c 'exec\.fifo' "$LOG")" -eq 0 ]
  # the config copy is written, never read back; state.json once (delete)
  [ "$(grep -cE '/config\.json", O_RDONLY' "$LOG")" -eq 0 ]
  [ "$(grep -cE '"state\.json", O_RDONLY' "$LOG")" -eq 1 ]
  update_config '.process.args = ["sleep", "100"]
    | .hooks.poststart = [{path: "/bin/sh", args: ["sh", "-c", "cat > '"$BATS_TEST_TMPDIR"'/poststart.json"]}]'
  rl run -d "$id-2"
  [ ! -e "$ROOT/$id-2/exec.fifo" ]
  run rl state "$id-2"
  [ "$(jq -r .status <<<"$output")" = running ]
  jq -e '.status == "running" and .pid > 0' "$BATS_TEST_TMPDIR/poststart.json"
  # a process that fails at its exec still fails run, with the reason
  update_config '.process.args = ["/etc/passwd"]'
  run rl run "$id-3"
  [ "$status" -ne 0 ]
  [[ "$output" == *"$id-3"*'/etc/passwd'* ]]
  [ ! -e "$ROOT/$id-3" ]
}

# Failed while every mount target inside the rootfs was resolved from "/"
# one path prefix at a time ("/", "/sys", "/sys/fs", "/sys/fs/cgroup", ...),
# then looked up again before and after it was made: the whole path is
# looked up first, then its parent, and a missing last component is made
# there.
@test "mount targets are looked up whole, then at their parent, never a prefix at a time from /" {
  id=$(test_id)
  strace -f -qq -o "$LOG" -e trace=openat2 "$RUNC_LITE" --root "$ROOT" run "$id"
  [ "$(grep -cE 'openat2\([0-9]+, "/sys/fs", ' "$LOG")" -eq 0 ]
  [ "$(grep -cE 'openat2\([0-9]+, "/", ' "$LOG")" -eq 0 ]
  # each missing target: looked up whole (ENOENT), its parent, made, opened
  [ "$(grep -cE 'openat2\([0-9]+, "/dev/shm", .*ENOENT' "$LOG")" -eq 1 ]
}

# Failed while run read /proc/self/mountinfo four times (the kernel prints
# every mount each time): the runtime for the cgroup's directories and
# again for its resources, the init for the rootfs's parent mount and again
# for the cgroup mount.  Each reads it once now.
@test "run reads /proc/self/mountinfo once in the runtime and once in the init" {
  id=$(test_id)
  strace -f -qq -o "$LOG" -e trace=openat "$RUNC_LITE" --root "$ROOT" run "$id"
  [ "$(grep -c '"/proc/self/mountinfo"' "$LOG")" -eq 2 ]
}

# Failed while create read cgroup.procs and looked for freezer.state and
# cgroup.freeze in each hierarchy's directory for the container before it
# existed (three failed look-ups per hierarchy), and looked for cpuset.mems
# in every hierarchy where cpuset.cpus was already missing.
@test "create checks a cgroup that does not exist yet with one look-up per hierarchy; cpuset.mems only on cpuset" {
  id=$(test_id)
  strace -f -qq -o "$LOG" -e trace=openat,access "$RUNC_LITE" --root "$ROOT" run "$id"
  [ "$(grep -cE '/'"$id"'/cgroup\.procs", O_RDONLY' "$LOG")" -eq 0 ]
  [ "$(grep -cE '/'"$id"'/(freezer\.state|cgroup\.freeze)"' "$LOG")" -eq 0 ]
  [ "$(grep -E '/'"$id"'/cpuset\.mems"' "$LOG" | grep -vc '/cpuset/')" -eq 0 ]
  # a cgroup that exists and holds a process is still found
  update_config '.process.args = ["sleep", "100"]'
  rl run -d "$id-2"
  update_config '.process.args = ["true"] | .linux.cgroupsPath = "/'"$id-2"'"
    | .linux.namespaces |= map(select(.type != "pid"))'
  run rl run "$id-3"
  [[ "$output" == *"container's cgroup is not empty"* ]]
}

# Failed while each v1 device rule opened devices.allow or devices.deny
# again (the default rules: ten opens of devices.allow in a row, each a
# look-up through the cgroup's path): one open per run of rules to the same
# file, one write per rule.
@test "v1 device rules: one open per run of rules to the same file, one write each" {
  id=$(test_id)
  strace -f -qq -o "$LOG" -e trace=openat,write "$RUNC_LITE" --root "$ROOT" run "$id"
  if ! awk '$3 == "cgroup" && $4 ~ /(^|,)devices(,|$)/ { f = 1 } END { exit !f }' /proc/mounts; then
    [ "$(grep -c 'devices\.allow' "$LOG")" -eq 0 ]
    return 0
  fi
  [ "$(grep -cE 'devices\.deny", O_WRONLY' "$LOG")" -eq 1 ]
  [ "$(grep -cE 'devices\.allow", O_WRONLY' "$LOG")" -eq 1 ]
  [ "$(grep -cE 'write\([0-9]+, "[cb] [0-9*]+:[0-9*]+ [rwm]+"' "$LOG")" -ge 10 ]
  # the rules still hold: /dev/null is allowed, a denied device is not
  update_config '.process.args = ["sh", "-c", "echo x > /dev/null && ! head -c1 /dev/mem 2>/dev/null"]
    | .linux.devices = [{path: "/dev/mem", type: "c", major: 1, minor: 1, fileMode: 432}]'
  rl run "$id-2"
}

# Failed while create wrote the config copy to its own file (config.json,
# through a temporary file and a rename) beside state.json: two new inodes
# per container on --root's file system, the dearest single call of a `run`
# where that is ext4.  The copy is now part of state.json; exec, kill and
# delete read it there, and still read config.json where an earlier
# runc-lite left one.
@test "create makes one file in the state directory: the config copy is kept in state.json" {
  id=$(test_id)
  strace -f -qq -o "$LOG" -e trace=openat "$RUNC_LITE" --root "$ROOT" run "$id"
  [ "$(grep -c 'O_CREAT' "$LOG")" -eq 1 ]
  update_config '.process.args = ["sleep", "100"]'
  rl run -d "$id-2"
  [ "$(ls "$ROOT/$id-2")" = state.json ]
  jq -e '.config | fromjson | .process.args == ["sleep", "100"]' "$ROOT/$id-2/state.json"
  # later edits of the bundle do not reach the container
  update_config '.process.args = ["false"] | .process.env = ["FROM=bundle"]'
  run rl exec "$id-2" sh -c 'echo "[$FROM]"'
  [ "$status" -eq 0 ]
  [ "$output" = "[]" ]
  # not in what `state` shows
  run rl state "$id-2"
  [ "$(jq 'has("config")' <<<"$output")" = false ]
  # a container an earlier runc-lite made: its config.json is read
  jq '.config | fromjson | .process.env = ["FROM=old"]' "$ROOT/$id-2/state.json" >"$ROOT/$id-2/config.json"
  jq 'del(.config)' "$ROOT/$id-2/state.json" >"$BATS_TEST_TMPDIR/state.json"
  mv "$BATS_TEST_TMPDIR/state.json" "$ROOT/$id-2/state.json"
  run rl exec "$id-2" sh -c 'echo "[$FROM]"'
  [ "$status" -eq 0 ]
  [ "$output" = "[old]" ]
  rl delete -f "$id-2"
  [ ! -e "$ROOT/$id-2" ]
}

# Failed while create cloned the init with every new namespace (about a
# millisecond for the network one, in create's own time) after making the
# cgroup directories: the init is now cloned with its pid namespace only
# and unshares the others itself while create makes the cgroups (after the
# clone when none is on cgroup2, checked with the unified mount hidden, as
# in bench/lifecycle.sh), then joins them as before.
@test "create: the init makes its namespaces itself, while create makes the v1 cgroups" {
  id=$(test_id)
  traced_ns() {
    strace -f -qq -o "$LOG" -e trace=clone,clone3,unshare,mkdir "$RUNC_LITE" --root "$ROOT" run "$1"
  }
  traced_ns "$id"
  grep -qE 'clone3?\(.*CLONE_NEWPID' "$LOG"
  [ "$(grep -E 'clone3?\(' "$LOG" | grep -c 'CLONE_NEWNET')" -eq 0 ]
  grep -qE 'unshare\(CLONE_NEWNS\|CLONE_NEWUTS\|CLONE_NEWIPC\|CLONE_NEWNET\)' "$LOG"
  # the container is where it was: its own namespaces, its cgroups
  update_config '.process.args = ["sh", "-c", "readlink /proc/self/ns/net /proc/self/ns/mnt; cat /proc/self/cgroup"]'
  run rl run "$id-2"
  [ "$status" -eq 0 ]
  [ "$(sed -n 1p <<<"$output")" != "$(readlink /proc/self/ns/net)" ]
  [ "$(sed -n 2p <<<"$output")" != "$(readlink /proc/self/ns/mnt)" ]
  [[ "$output" == *"/$id-2"* ]]
  # a v1-only host: the cgroups are made after the clone
  update_config '.process.args = ["true"]'
  LOG=$LOG RUNC_LITE=$RUNC_LITE ROOT=$ROOT unshare -m --propagation private sh -c \
    'if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
     exec strace -f -qq -o "$LOG" -e trace=clone,clone3,unshare,mkdir "$RUNC_LITE" --root "$ROOT" run "$0"' "$id-3"
  clone_line=$(grep -nE 'clone3?\(.*CLONE_NEWPID' "$LOG" | head -1 | cut -d: -f1)
  mkdir_line=$(grep -nE 'mkdir\(".*/'"$id-3"'"' "$LOG" | head -1 | cut -d: -f1)
  [ -n "$clone_line" ] && [ -n "$mkdir_line" ]
  [ "$clone_line" -lt "$mkdir_line" ]
}

# create may hop to another CPU right after the clone when nothing else
# is runnable (rl_step_aside_from_child): the container and create's
# later children must still get exactly the CPU mask the caller gave.
@test "create's hop to another CPU leaves the container the caller's CPU mask" {
  id=$(test_id)
  update_config '.process.args = ["sh", "-c", "grep Cpus_allowed_list /proc/self/status"]'
  want=$(grep Cpus_allowed_list /proc/self/status)
  run rl run "$id"
  [ "$status" -eq 0 ]
  [ "$output" = "$want" ]
  run taskset -c 0 "$RUNC_LITE" --root "$ROOT" run "$id-0"
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^Cpus_allowed_list:[[:space:]]+0$ ]]
}
