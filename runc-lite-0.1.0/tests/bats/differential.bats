#!/usr/bin/env bats
# Differential tests: one bundle run under runc-lite, runc and crun (each
# with its own --root and its own copy of the bundle); the container's
# stdout and the runtime's exit status must be the same for all three.
# stderr is not compared: the runtimes word their own errors differently.

load helpers

setup() {
  [ "$(id -u)" -eq 0 ] || skip "needs root to create containers"
  command -v runc >/dev/null || skip "runc is not installed (scripts/deps.sh installs it)"
  command -v crun >/dev/null || skip "crun is not installed (scripts/deps.sh installs it)"
  setup_bundle true
  # crun 1.8 refuses the ociVersion runc-lite spec writes (1.3.0) with
  # "unknown version specified"; 1.0.2 is read the same way by all three.
  update_config '.ociVersion = "1.0.2"'
}

teardown() {
  local tool
  for tool in runc-lite runc crun; do
    [ -d "$BATS_TEST_TMPDIR/root-$tool" ] || continue
    ref_runtime "$tool" delete --force "$(diff_id)" >/dev/null 2>&1 || true
  done
}

# A container id (and so a cgroup name) of this test's own: suites that
# run at the same time on one machine must not meet in a cgroup.
diff_id() {
  echo "diff-$$-$BATS_TEST_NUMBER"
}

# ref_runtime TOOL ARGS: runs runc-lite, runc or crun with a private --root.
# crun 1.8 refuses a cgroup v1 hybrid layout, so it runs in a private mount
# namespace where the unified hierarchy is unmounted.
ref_runtime() {
  local tool=$1 root="$BATS_TEST_TMPDIR/root-$1"
  shift
  mkdir -p "$root"
  case $tool in
    runc-lite) "$RUNC_LITE" --root "$root" "$@" ;;
    runc) runc --root "$root" "$@" ;;
    crun)
      unshare -m sh -c 'if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified || exit 1; fi
exec crun "$@"' sh --root "$root" "$@"
      ;;
  esac
}

# no_filter TOOL: the default normalisation, none.
no_filter() {
  cat
}

# differential [FILTER]: runs $BUNDLE (a fresh copy for each runtime, as
# a runtime may write into a writable rootfs) under the three runtimes and
# asserts that "status: N" plus the container's stdout, passed through
# `FILTER TOOL`, is the same. On a mismatch prints each result and the
# diff against runc-lite's. Leaves runc-lite's stdout in $output and its
# status in $status.
differential() {
  local filter=${1:-no_filter} tool copy st rc=0
  for tool in runc-lite runc crun; do
    copy="$BATS_TEST_TMPDIR/bundle-$tool"
    rm -rf "$copy"
    cp -a "$BUNDLE" "$copy"
    st=0
    ref_runtime "$tool" run --bundle "$copy" "$(diff_id)" </dev/null \
      >"$BATS_TEST_TMPDIR/stdout-$tool" 2>"$BATS_TEST_TMPDIR/stderr-$tool" || st=$?
    ref_runtime "$tool" delete --force "$(diff_id)" >/dev/null 2>&1 || true
    {
      echo "status: $st"
      "$filter" "$tool" <"$BATS_TEST_TMPDIR/stdout-$tool"
    } >"$BATS_TEST_TMPDIR/result-$tool"
  done
  for tool in runc crun; do
    if ! cmp -s "$BATS_TEST_TMPDIR/result-runc-lite" "$BATS_TEST_TMPDIR/result-$tool"; then
      echo "# runc-lite and $tool differ:"
      diff -u --label runc-lite --label "$tool" \
        "$BATS_TEST_TMPDIR/result-runc-lite" "$BATS_TEST_TMPDIR/result-$tool" | sed 's/^/# /'
      echo "# stderr of runc-lite:"
      sed 's/^/#   /' "$BATS_TEST_TMPDIR/stderr-runc-lite"
      echo "# stderr of $tool:"
      sed 's/^/#   /' "$BATS_TEST_TMPDIR/stderr-$tool"
      rc=1
    fi
  done
  output=$(cat "$BATS_TEST_TMPDIR/stdout-runc-lite")
  lines=()
  [ -z "$output" ] || mapfile -t lines <<<"$output"
  status=$(sed -n '1s/^status: //p' "$BATS_TEST_TMPDIR/result-runc-lite")
  return $rc
}

# sh_args SCRIPT: process.args = ["sh", "-c", SCRIPT].
sh_args() {
  update_config ".process.args = [\"sh\", \"-c\", $(printf '%s' "$1" | jq -Rs .)]"
}

@test "differential: exit status 0" {
  sh_args 'echo ok; exit 0'
  differential
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
}

@test "differential: exit status 3" {
  sh_args 'echo three; exit 3'
  differential
  [ "$status" -eq 3 ]
}

@test "differential: exit status 255" {
  sh_args 'exit 255'
  differential
  [ "$status" -eq 255 ]
}

@test "differential: argv with spaces, quotes, backslashes and an empty word" {
  update_config '.process.args = ["sh", "-c", "for a; do echo \"[$a]\"; done", "sh",
    "a b", "  two  spaces ", "\"double\"", "it'"'"'s", "", "back\\slash", "$HOME", "*"]'
  differential
  [ "${#lines[@]}" -eq 8 ]
  [ "${lines[0]}" = "[a b]" ]
}

sort_filter() {
  LC_ALL=C sort
}

@test "differential: env as configured" {
  update_config '.process.env = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/tmp", "A=with space", "B=", "C=x=y"]'
  update_config '.process.args = ["env"]'
  differential sort_filter
  [[ "$output" == *"A=with space"* ]]
  [[ "$output" == *"HOME=/tmp"* ]]
}

# runc and crun add HOME, from the user's /etc/passwd entry in the rootfs,
# when process.env has none.
@test "differential: HOME added from /etc/passwd when env has none" {
  update_config '.process.env = ["PATH=/bin"]'
  update_config '.process.args = ["env"]'
  differential sort_filter
  [ "$output" = "$(printf 'HOME=/root\nPATH=/bin')" ]
  update_config '.process.user = {"uid": 65534, "gid": 65534}'
  differential sort_filter
  [ "$output" = "$(printf 'HOME=/nonexistent\nPATH=/bin')" ]
}

@test "differential: cwd that exists" {
  update_config '.process.cwd = "/tmp"'
  update_config '.process.args = ["pwd"]'
  differential
  [ "$output" = /tmp ]
}

@test "differential: cwd that does not exist is created (writable rootfs)" {
  update_config '.root.readonly = false'
  update_config '.process.cwd = "/does/not/exist"'
  update_config '.process.args = ["sh", "-c", "pwd; stat -c %A ."]'
  differential
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '/does/not/exist\ndrwxr-xr-x')" ]
}

# runc and crun create a missing cwd before making the rootfs read-only.
@test "differential: cwd that does not exist is created (read-only rootfs)" {
  update_config '.root.readonly = true'
  update_config '.process.cwd = "/does/not/exist"'
  update_config '.process.args = ["sh", "-c", "pwd; stat -c %A ."]'
  differential
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '/does/not/exist\ndrwxr-xr-x')" ]
}

@test "differential: user uid, gid and additionalGids" {
  update_config '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [10, 20, 65534]}'
  update_config '.process.args = ["sh", "-c", "id; grep -E \"^(Uid|Gid|Groups):\" /proc/self/status"]'
  differential
  [[ "${lines[0]}" == "uid=1000 gid=1001"* ]]
}

@test "differential: user 0 without additionalGids has no supplementary groups" {
  update_config '.process.args = ["sh", "-c", "id; grep ^Groups: /proc/self/status"]'
  differential
}

@test "differential: umask" {
  update_config '.process.user.umask = 63'
  update_config '.root.readonly = false'
  update_config '.process.args = ["sh", "-c", "umask; touch /tmp/f; stat -c %a /tmp/f"]'
  differential
  [ "$output" = "$(printf '0077\n600')" ]
}

@test "differential: default umask" {
  sh_args umask
  differential
  [ "$output" = 0022 ]
}

@test "differential: hostname" {
  update_config '.hostname = "diff-host"'
  update_config '.process.args = ["hostname"]'
  differential
  [ "$output" = diff-host ]
}

@test "differential: default capabilities" {
  update_config '.process.args = ["grep", "Cap", "/proc/self/status"]'
  differential
}

@test "differential: capabilities set by set, ambient for a non-root user" {
  update_config '.process.user = {"uid": 1000, "gid": 1000}'
  update_config '.process.capabilities = {
    "bounding": ["CAP_CHOWN", "CAP_NET_RAW", "CAP_SETUID", "CAP_SYS_ADMIN"],
    "effective": ["CAP_CHOWN", "CAP_NET_RAW"],
    "permitted": ["CAP_CHOWN", "CAP_NET_RAW", "CAP_SETUID"],
    "inheritable": ["CAP_CHOWN", "CAP_NET_RAW"],
    "ambient": ["CAP_NET_RAW"]}'
  update_config '.process.args = ["grep", "Cap", "/proc/self/status"]'
  differential
}

@test "differential: no capabilities at all" {
  update_config 'del(.process.capabilities)'
  update_config '.process.args = ["grep", "Cap", "/proc/self/status"]'
  differential
}

@test "differential: noNewPrivileges true" {
  update_config '.process.noNewPrivileges = true'
  update_config '.process.args = ["grep", "NoNewPrivs", "/proc/self/status"]'
  differential
  [ "$output" = "NoNewPrivs:	1" ]
}

@test "differential: noNewPrivileges false" {
  update_config '.process.noNewPrivileges = false'
  update_config '.process.args = ["grep", "NoNewPrivs", "/proc/self/status"]'
  differential
  [ "$output" = "NoNewPrivs:	0" ]
}

@test "differential: rlimits NOFILE and CORE" {
  update_config '.process.rlimits = [
    {"type": "RLIMIT_NOFILE", "soft": 2048, "hard": 4096},
    {"type": "RLIMIT_CORE", "soft": 0, "hard": 1048576}]'
  update_config '.process.args = ["sh", "-c", "ulimit -n; ulimit -Hn; grep -E \"^Max (open files|core file size)\" /proc/self/limits"]'
  differential
  [ "${lines[0]}" = 2048 ]
  [ "${lines[1]}" = 4096 ]
}

@test "differential: default rlimits (runc spec's NOFILE 1024)" {
  update_config '.process.args = ["sh", "-c", "ulimit -n; grep -E \"^Max (open files|core file size)\" /proc/self/limits"]'
  differential
  [ "${lines[0]}" = 1024 ]
}

@test "differential: oomScoreAdj" {
  update_config '.process.oomScoreAdj = 500'
  update_config '.process.args = ["cat", "/proc/self/oom_score_adj"]'
  differential
  [ "$output" = 500 ]
}

# mount_shape TOOL: "mount point, fstype" of each line of /proc/self/mounts,
# sorted. Normalised away, as they legitimately differ:
# - the source and the options (tmpfs sizes, device names, cgroup sources
#   "cgroup" / "systemd" / a host path, runc leaving the /sys/fs/cgroup
#   tmpfs rw where runc-lite makes it ro as the spec's "ro" option asks);
# - the mount order (crun mounts maskedPaths after readonlyPaths);
# - a masked file is a bind mount of a /dev/null: runc and runc-lite bind
#   the one in the container's tmpfs /dev, crun the host's (devtmpfs);
# - /sys/fs/cgroup/unified: on this cgroup v1 hybrid host runc-lite mounts
#   the cgroup2 hierarchy there (asserted below), runc 1.1 mounts only the
#   v1 controllers, and crun runs with it unmounted (ref_runtime).
mount_shape() {
  awk '{ print $2, $3 }' | awk -v tool="$1" '
    $1 == "/sys/fs/cgroup/unified" { next }
    tool == "crun" && $2 == "devtmpfs" && $1 ~ /^\/proc\// { $2 = "tmpfs" }
    { print }' | LC_ALL=C sort
}

@test "differential: the mount table's shape" {
  update_config '.process.args = ["cat", "/proc/self/mounts"]'
  differential mount_shape
  if mountpoint -q /sys/fs/cgroup/unified; then
    printf '%s\n' "$output" | grep -q '^cgroup2\? /sys/fs/cgroup/unified cgroup2 '
  fi
}

# dev_listing TOOL: name, type and mode and device numbers of /dev's entries.
# crun alone adds the /dev/core -> /proc/kcore symlink (a crun extra, not in
# the spec's list of default devices); it is dropped from crun's listing.
dev_listing() {
  if [ "$1" = crun ]; then
    grep -v '^/dev/core '
  else
    cat
  fi
}

@test "differential: /dev listing (names, modes, device numbers, links)" {
  update_config '.process.args = ["sh", "-c", "for f in /dev/* /dev/pts/* /dev/shm /dev/mqueue; do stat -c \"%n %A %t:%T %u:%g %N\" \"$f\"; done"]'
  differential dev_listing
  [[ "$output" == *"/dev/null crw-rw-rw- 1:3 0:0"* ]]
}

@test "differential: maskedPaths read as empty" {
  mkdir -p rootfs/etc/secretdir
  echo secret >rootfs/etc/secret
  echo secret >rootfs/etc/secretdir/file
  update_config '.linux.maskedPaths += ["/etc/secret", "/etc/secretdir", "/does/not/exist"]'
  update_config '.process.args = ["sh", "-c", "for f in /proc/kcore /proc/keys /proc/timer_list /etc/secret; do echo \"$f: $(cat $f | wc -c)\"; done; ls -A /etc/secretdir /proc/acpi /sys/firmware; echo end"]'
  differential
  [[ "$output" == *"/etc/secret: 0"* ]]
}

@test "differential: readonlyPaths refuse writes, the rest stays writable" {
  update_config '.root.readonly = false'
  update_config '.linux.readonlyPaths += ["/tmp", "/does/not/exist"]'
  update_config '.process.args = ["sh", "-c", "touch /tmp/x 2>/dev/null; echo tmp $?; touch /etc/x; echo etc $?; echo 1 2>/dev/null >/proc/sys/kernel/domainname; echo proc-sys $?; grep -E \" /tmp \" /proc/self/mounts | cut -d\" \" -f4 | cut -d, -f1"]'
  differential
  [ "$output" = "$(printf 'tmp 1\netc 0\nproc-sys 1\nro')" ]
}

@test "differential: sysctl" {
  update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1", "net.ipv4.ping_group_range": "0 2147483647"}'
  update_config '.process.args = ["cat", "/proc/sys/net/ipv4/ip_forward", "/proc/sys/kernel/shm_rmid_forced", "/proc/sys/net/ipv4/ping_group_range"]'
  differential
  [ "${lines[0]}" = 1 ]
}

@test "differential: seccomp errnoRet" {
  update_config '.root.readonly = false'
  update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
    {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO"}]}'
  update_config '.process.args = ["sh", "-c", "mkdir /tmp/d 2>&1; echo mkdir $?; rmdir /tmp 2>&1; echo rmdir $?"]'
  differential
  [[ "$output" == *"Function not implemented"* ]]
}

@test "differential: seccomp SCMP_ACT_KILL_PROCESS kills with SIGSYS" {
  update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL_PROCESS"}]}'
  sh_args 'echo before; exec mkdir /tmp/d'
  differential
  [ "$status" -eq 159 ]
  [ "$output" = before ]
}

# Without a PID namespace the process is not an init, so a signal it sends
# itself kills it; the runtime then exits with 128 + the signal.
@test "differential: a process killed by SIGKILL (exit 137)" {
  update_config 'del(.linux.namespaces[] | select(.type == "pid"))'
  sh_args 'echo dying; kill -KILL $$; echo survived'
  differential
  [ "$status" -eq 137 ]
  [ "$output" = dying ]
}

@test "differential: a process killed by SIGTERM (exit 143)" {
  update_config 'del(.linux.namespaces[] | select(.type == "pid"))'
  sh_args 'kill -TERM $$; echo survived'
  differential
  [ "$status" -eq 143 ]
}

@test "differential: uid and gid mappings in a user namespace" {
  allow_traversal "$BATS_TEST_TMPDIR"
  update_config '.linux.namespaces += [{"type": "user"}]'
  update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  update_config '.linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
  update_config '.process.args = ["sh", "-c", "id; cat /proc/self/uid_map /proc/self/gid_map; grep CapEff /proc/self/status"]'
  differential
  [[ "$output" == *"100000"* ]]
}
