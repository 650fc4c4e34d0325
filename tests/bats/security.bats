#!/usr/bin/env bats
# Defences against the known runtime CVEs that are the lifecycle's to hold
# (the mount and process ones are in mounts.bats and process.bats).  Each
# test fails without its defence; the comment says how that was checked.

load helpers

setup() {
  setup_bundle sleep 100
}

teardown() {
  cleanup_containers
}

# CVE-2019-5736: the container must not reach the runtime's binary through
# /proc/<init>/exe.  Checked by disabling the re-exec in main.c: exe then
# named the runc-lite binary and these assertions failed.
@test "CVE-2019-5736: the init runs from a sealed memfd copy, not the runtime's binary" {
  id=$(test_id)
  rl create "$id"
  pid=$(rl state "$id" | jq -r .pid)
  exe=$(readlink /proc/"$pid"/exe)
  [[ "$exe" == "/memfd:runc-lite (deleted)" ]]
  # the copy is sealed: even root cannot write to it
  run sh -c "printf x >>/proc/$pid/exe"
  [ "$status" -ne 0 ]
  # and the real binary is untouched by the container's existence
  [ "$(readlink /proc/"$pid"/exe)" != "$(realpath "$RUNC_LITE")" ]
}

# The attack itself: a handle on /proc/<init>/exe (what a container
# process that sees the init, or that execs #!/proc/self/exe, can open)
# kept until no runtime process runs the binary any more, then written
# through.  The runtime here is a copy of its own on a writable mount,
# which only this test runs.  Checked by disabling the re-exec in main.c:
# the write went through and the checksum changed.
@test "CVE-2019-5736: a handle on the init's exe cannot overwrite the runtime after it exits" {
  bin="$BATS_TEST_TMPDIR/bin/runc-lite"
  mkdir -p "${bin%/*}"
  cp "$RUNC_LITE" "$bin"
  sum=$(sha256sum <"$bin")
  id=$(test_id)
  "$bin" --root "$ROOT" create "$id"
  pid=$("$bin" --root "$ROOT" state "$id" | jq -r .pid)
  exec 9<"/proc/$pid/exe"
  "$bin" --root "$ROOT" delete --force "$id"
  # nothing runs $bin now: without the defence, an open for writing succeeds
  run sh -c 'printf EVIL 1<>/proc/self/fd/9'
  exec 9<&-
  [ "$status" -ne 0 ]
  [ "$(sha256sum <"$bin")" = "$sum" ]
}

# A binary on a read-only mount cannot be written through exe: no copy,
# no re-exec (crun skips its copy there too), and the attack above still
# fails (EROFS).  Failed without the read-only check in clone_binary.c:
# the debug log said it re-executed.
@test "CVE-2019-5736: a runtime on a read-only mount runs without a copy and stays unwritable" {
  dir="$BATS_TEST_TMPDIR/ro"
  log="$BATS_TEST_TMPDIR/debug.log"
  mkdir -p "$dir"
  cp "$RUNC_LITE" "$dir/runc-lite"
  sum=$(sha256sum <"$dir/runc-lite")
  id=$(test_id)
  unshare -m --propagation private sh -c 'd=$1; shift; mount --bind -o ro "$d" "$d" && exec "$d/runc-lite" "$@"' \
    sh "$dir" --root "$ROOT" --debug --log "$log" create "$id"
  [ "$(grep -c "re-executing" "$log")" -eq 0 ]
  pid=$(rl state "$id" | jq -r .pid)
  # the init runs the binary itself, not a copy
  [ "$(stat -L -c %d:%i /proc/"$pid"/exe)" = "$(stat -c %d:%i "$dir/runc-lite")" ]
  exec 9<"/proc/$pid/exe"
  rl delete --force "$id"
  run sh -c 'printf EVIL 1<>/proc/self/fd/9'
  exec 9<&-
  [ "$status" -ne 0 ]
  [[ "$output" == *"Read-only file system"* ]]
  [ "$(sha256sum <"$dir/runc-lite")" = "$sum" ]
}

# Failed while the whole binary was copied (debug information included:
# three quarters of an unstripped build).
@test "CVE-2019-5736: the sealed copy holds what execve loads, not the debug information" {
  id=$(test_id)
  rl create "$id"
  pid=$(rl state "$id" | jq -r .pid)
  copy=$(stat -L -c %s /proc/"$pid"/exe)
  [ "$copy" -lt "$(stat -L -c %s "$RUNC_LITE")" ]
  # and what it holds runs: the init is waiting for start, start runs it
  rl start "$id"
  [ "$(rl state "$id" | jq -r .status)" = running ]
}

@test "CVE-2019-5736: only commands that start a container pay for the copy" {
  id=$(test_id)
  log="$BATS_TEST_TMPDIR/debug.log"
  "$RUNC_LITE" --root "$ROOT" --debug --log "$log" create "$id"
  grep -q "re-executing from a sealed copy" "$log"
  : >"$log"
  for cmd in "state $id" "list" "start $id" "kill $id KILL" "delete --force $id"; do
    # shellcheck disable=SC2086
    "$RUNC_LITE" --root "$ROOT" --debug --log "$log" $cmd >/dev/null
  done
  ! grep -q "re-executing" "$log"
}

# CVE-2016-9962 / CVE-2024-21626: no runtime fd may reach the user's
# process.  Checked by removing rl_cloexec_fds_from in create.c and leaking
# a test fd: it then showed up in /proc/1/fd.
@test "CVE-2024-21626: the container's process holds only stdio" {
  # ls is the container's pid 1 itself: its fds are stdio and the one it
  # opens to read the directory
  update_config '.process.args = ["ls", "/proc/self/fd"]'
  run rl run "$(test_id)" 7</etc/hostname 9</
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | tr '\n' ' ')" = "0 1 2 3 " ]
  update_config '.process.args = ["readlink", "/proc/self/cwd"]'
  run rl run "$(test_id)-2" 7</etc/hostname 9</
  [ "$output" = / ]
}

@test "CVE-2024-21626: a cwd through /proc/self/fd is refused before anything starts" {
  for cwd in /proc/self/fd/7 /proc/thread-self/fd/3; do
    update_config ".process.cwd = \"$cwd\""
    run rl run "$(test_id)" 7</
    [ "$status" -eq 1 ]
    [[ "$output" == *"process.cwd: \"$cwd\" is not allowed"* ]]
  done
  [ -z "$(ls "$ROOT")" ]
}

@test "ids with a slash or dot-dot never reach the filesystem" {
  for bad in "../x" "x/../../y" "/abs" ".."; do
    run rl create "$bad"
    [ "$status" -eq 1 ]
    [[ "$output" == *"container id"* ]]
    run rl delete --force "$bad"
    [ "$status" -eq 1 ]
  done
  [ -z "$(ls "$ROOT")" ]
  [ ! -e "$ROOT/../x" ]
}

@test "a new session keyring per container, unless --no-new-keyring" {
  id=$(test_id)
  rl run -d "$id"
  grep -q "_ses.$id: " /proc/keys
  rl delete --force "$id"
  id2=$(test_id)-2
  rl run -d --no-new-keyring "$id2"
  ! grep -q "_ses.$id2: " /proc/keys
}

@test "/proc and /sys are fresh mounts of the container's own" {
  update_config '.process.args = ["sh", "-c", "ls /proc | grep -c \"^[0-9]*$\"; grep \" /proc \" /proc/self/mounts | cut -d\" \" -f3; grep \" /sys \" /proc/self/mounts | cut -d\" \" -f3"]'
  run rl run "$(test_id)"
  [ "$status" -eq 0 ]
  # a private pid namespace: the container sees only itself (sh, grep...)
  [ "${lines[0]}" -lt 5 ]
  [ "${lines[1]}" = proc ]
  [ "${lines[2]}" = sysfs ]
}

@test "inheritable and ambient capabilities are empty unless asked for (CVE-2022-29162)" {
  update_config '.process.args = ["sh", "-c", "grep -E \"^Cap(Inh|Amb)\" /proc/self/status"]'
  run rl run "$(test_id)"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "CapInh:	0000000000000000" ]
  [ "${lines[1]}" = "CapAmb:	0000000000000000" ]
}

@test "--no-pivot: a nested user namespace cannot mount a fresh /proc (no full proc of the host left visible)" {
  mkdir -p "$BUNDLE/rootfs/mnt"
  # CAP_SETFCAP lets the container map its root into the nested namespace.
  update_config '.process.capabilities |= with_entries(.value += ["CAP_SETFCAP"])'
  update_config '.process.args = ["sh", "-c", "unshare -U -r -m -p -f sh -c \"mount -t proc proc /mnt && echo MOUNTED-PROC\"; echo nested-ran"]'
  run rl run --no-pivot "$(test_id)"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *nested-ran* ]]
  [[ "$output" != *MOUNTED-PROC* ]]
  [[ "$output" == *"permission denied"* ]]
}
