#!/usr/bin/env bats
# linux.namespaces: each kind absent (shared with the caller), made new,
# joined by path, joined by a path of the wrong kind; the loopback of a new
# network namespace; bind sources read before a user namespace.
#
# Whatever may change the caller's namespaces runs inside `isolated`: a
# mount, UTS and IPC namespace of its own with private propagation, so a
# runtime that pivots the caller's root or renames its host cannot reach
# the host's.  The caller there is the `unshare`d shell.

load helpers

setup() {
  setup_bundle
  touch "$BUNDLE/rootfs/CONTAINER-ROOT"
  PROBE="$BATS_TEST_TMPDIR/caller-probe"
  # caller-probe BUNDLE CMD...: runs CMD as the caller, then prints
  # "rc=N", the caller's namespaces (caller-mnt=mnt:[N] ...), and "caller: unchanged" when its
  # root and the mounts on its top-level directories are still what they
  # were (mount id, parent id, mount point), else "caller: changed".
  # (Deeper mounts come and go with other tests: a mount point removed
  # in another namespace vanishes here too.)  After a pivot of the
  # caller's root awk and stat are gone: that reads as changed.
  cat >"$PROBE" <<'EOF'
#!/bin/sh
bundle=$1
shift
snap() {
  awk '$5 == "/" || $5 ~ "^/[^/]+$" { print $1, $2, $5 }' /proc/self/mountinfo
  stat -c '%d:%i' /
}
before=$(snap)
"$@"
rc=$?
after=$(snap 2>/dev/null)
echo "rc=$rc"
for k in mnt pid net ipc uts cgroup user; do echo "caller-$k=$(readlink /proc/self/ns/$k)"; done
if [ -n "$after" ] && [ "$before" = "$after" ]; then
  echo "caller: unchanged"
else
  echo "caller: changed"
  printf '%s\n' "$before" >"$bundle.before"
  printf '%s\n' "$after" >"$bundle.after"
  diff "$bundle.before" "$bundle.after"
fi
EOF
  chmod 755 "$PROBE"
  HOLDERS=()
}

teardown() {
  cleanup_containers
  local p
  for p in "${HOLDERS[@]}"; do
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
}

# isolated CMD...: CMD in a private mount, UTS and IPC namespace (a
# runtime that lost its root may never return: the timeout ends it).
isolated() {
  timeout 60 unshare -m -u -i --propagation private "$@"
}

# probe_run RUNTIME ARGS...: `isolated caller-probe` around RUNTIME ARGS.
probe_run() {
  run isolated "$PROBE" "$BUNDLE" "$@"
}

# holder NSFILE UNSHARE-OPTIONS...: a process in namespaces of its own to
# join by path ($HOLDER, killed by teardown with SIGKILL: unshare --fork
# ignores SIGTERM), once /proc/$HOLDER/ns/NSFILE is no longer ours.
holder() {
  local file=$1 _
  shift
  unshare "$@" sleep 300 >/dev/null 2>&1 3>&- &
  HOLDER=$!
  HOLDERS+=("$HOLDER")
  for _ in $(seq 50); do
    [ "$(readlink /proc/$HOLDER/ns/$file)" != "$(readlink /proc/self/ns/$file)" ] && return 0
    sleep 0.1
  done
  return 1
}

# user_holder: a holder in a user namespace mapping 0-65535 to
# 100000-165535, and the bundle's rootfs owned by that range.
user_holder() {
  holder user -U
  echo "0 100000 65536" >/proc/$HOLDER/uid_map
  echo "0 100000 65536" >/proc/$HOLDER/gid_map
  allow_traversal "$BUNDLE"
  chown -R 100000:100000 "$BUNDLE/rootfs"
}

no_mountns() {
  update_config '.linux.namespaces |= map(select(.type != "mount")) | del(.linux.maskedPaths) | del(.linux.readonlyPaths)'
}

@test "no mount namespace: the container shares the caller's, chroots, and the caller keeps its root" {
  no_mountns
  update_config '.process.args = ["sh", "-c", "echo inside-mnt=$(readlink /proc/self/ns/mnt); ls /"]'
  probe_run "$RUNC_LITE" --root "$ROOT" run "$(test_id)"
  echo "$output"
  [[ "$output" == *"rc=0"* ]]
  [[ "$output" == *"caller: unchanged"* ]]
  [[ "$output" == *CONTAINER-ROOT* ]]
  inside=$(sed -n 's/^inside-mnt=//p' <<<"$output")
  caller=$(sed -n 's/^caller-mnt=//p' <<<"$output")
  [ -n "$inside" ] && [ "$inside" = "$caller" ]
}

@test "namespaces []: everything shared with the caller, whose root stays" {
  update_config '.linux.namespaces = [] | del(.linux.maskedPaths) | del(.linux.readonlyPaths) | del(.hostname)'
  update_config '.process.args = ["sh", "-c", "ls /"]'
  probe_run "$RUNC_LITE" --root "$ROOT" run "$(test_id)"
  echo "$output"
  [[ "$output" == *"rc=0"* ]]
  [[ "$output" == *"caller: unchanged"* ]]
  [[ "$output" == *CONTAINER-ROOT* ]]
}

@test "no mount namespace: a create that fails after entering the rootfs leaves the caller's root" {
  no_mountns
  update_config '.process.cwd = "/CONTAINER-ROOT"' # a file: chdir fails last
  probe_run "$RUNC_LITE" --root "$ROOT" run "$(test_id)"
  echo "$output"
  [[ "$output" != *"rc=0"* ]]
  [[ "$output" == *"caller: unchanged"* ]]
}

@test "no mount namespace: exec enters the container's root too" {
  no_mountns
  update_config '.process.args = ["sleep", "60"]'
  isolated "$RUNC_LITE" --root "$ROOT" run -d "$(test_id)" </dev/null
  run rl exec "$(test_id)" ls /
  [ "$status" -eq 0 ]
  [[ "$output" == *CONTAINER-ROOT* ]]
}

@test "no mount namespace: maskedPaths are refused as runc refuses them" {
  update_config '.linux.namespaces |= map(select(.type != "mount"))'
  probe_run "$RUNC_LITE" --root "$ROOT" run "$(test_id)"
  echo "$output"
  [[ "$output" == *"unable to restrict sys entries without a private MNT namespace"* ]]
  [[ "$output" != *"rc=0"* ]]
  [[ "$output" == *"caller: unchanged"* ]]
}

@test "no UTS namespace: a hostname is refused, the caller's stays" {
  update_config '.linux.namespaces |= map(select(.type != "uts")) | .hostname = "not-the-callers"'
  run isolated sh -c '"$@"; echo "rc=$?"; echo "host=$(hostname)"' sh "$RUNC_LITE" --root "$ROOT" run "$(test_id)"
  echo "$output"
  [[ "$output" == *"unable to set hostname without a private UTS namespace"* ]]
  [[ "$output" != *"rc=0"* ]]
  [[ "$output" != *"host=not-the-callers"* ]]
}

# ---- loopback ----

@test "a new network namespace has lo up (127.0.0.1 reachable), as runc gives it" {
  # The client connects once, after /proc/net/tcp shows the listener (port 7777 = 0x1E61,
  # state 0A = LISTEN): a retry loop racing the listener failed once under CI load.
  # The listener's stdin stays open (busybox nc -l ends at its stdin's EOF, and
  # with /dev/null there it could end before a late "hello" came); the
  # script waits for the word, and the pid namespace's end stops the rest.
  update_config '.process.args = ["sh", "-c", "ip link show lo; sleep 60 | nc -l -p 7777 >/dev/shm/got & i=0; until grep -q \":1E61 00000000:0000 0A\" /proc/net/tcp; do i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1; done; echo hello | nc -w 5 127.0.0.1 7777; i=0; until grep -q hello /dev/shm/got; do i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1; done; cat /dev/shm/got"]'
  run rl run "$(test_id)"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"<LOOPBACK,UP"* ]]
  [[ "$output" == *hello* ]]
}

@test "a new network namespace in a new user namespace has lo up too" {
  allow_traversal "$BUNDLE"
  chown -R 100000:100000 "$BUNDLE/rootfs"
  update_config '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  update_config '.process.args = ["ip", "link", "show", "lo"]'
  run rl run "$(test_id)"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"<LOOPBACK,UP"* ]]
}

@test "a network namespace joined by path keeps its lo as it was (down)" {
  holder net -n
  local holder=$HOLDER
  update_config ".linux.namespaces |= map(if .type == \"network\" then .path = \"/proc/$holder/ns/net\" else . end)"
  update_config '.process.args = ["ip", "link", "show", "lo"]'
  run rl run "$(test_id)"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" != *"<LOOPBACK,UP"* ]]
  run nsenter --net=/proc/$holder/ns/net ip link show lo
  [[ "$output" != *"<LOOPBACK,UP"* ]]
}

# ---- user namespace by path ----

@test "user namespace by path: joined, and the new pid/net/mount/uts/ipc namespaces are owned by it" {
  user_holder
  update_config ".linux.namespaces += [{\"type\": \"user\", \"path\": \"/proc/$HOLDER/ns/user\"}]"
  update_config '.process.args = ["sleep", "60"]'
  rl run -d "$(test_id)" </dev/null
  pid=$(rl state "$(test_id)" | jq .pid)
  [ "$(readlink /proc/$pid/ns/user)" = "$(readlink /proc/$HOLDER/ns/user)" ]
  run rl exec "$(test_id)" sh -c 'id -u; cat /proc/self/uid_map; echo pid=$$'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"100000"* ]]
  owner=$(stat -L -c %i /proc/$HOLDER/ns/user)
  for t in mnt uts ipc pid net; do
    run lsns -p "$pid" -n -t "$t" -o ONS
    echo "$t: $output (want $owner)"
    [ "$(echo $output)" = "$owner" ]
  done
}

@test "user namespace by path: run shows uid 0 mapped to the holder's 100000 as pid 1" {
  user_holder
  update_config ".linux.namespaces += [{\"type\": \"user\", \"path\": \"/proc/$HOLDER/ns/user\"}]"
  update_config '.process.args = ["sh", "-c", "id -u; cat /proc/self/uid_map; echo pid=$$; readlink /proc/self/ns/user"]'
  run rl run "$(test_id)"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"pid=1"* ]]
  [[ "$output" == *"$(readlink /proc/$HOLDER/ns/user)"* ]]
  grep -Eq '^ +0 +100000 +65536$' <<<"$output"
}

@test "a namespace path of another kind is refused, naming the entry and both kinds" {
  update_config '.linux.namespaces += [{"type": "user", "path": "/proc/self/ns/uts"}]'
  n=$(jq '.linux.namespaces | length - 1' config.json)
  run rl run "$(test_id)"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"linux.namespaces[$n].path: /proc/self/ns/uts is a uts namespace, not the user namespace of .type"* ]]
  run rl list -q
  [ -z "$output" ]
}

@test "a namespace path that is no namespace file is refused" {
  update_config '.linux.namespaces |= map(if .type == "network" then .path = "/etc/hostname" else . end)'
  run rl run "$(test_id)"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *".path: /etc/hostname is not a namespace file"* ]]
}

# ---- bind sources and user namespaces ----

# userns_bundle: a new user namespace mapping 0-65535 to 100000-165535.
userns_bundle() {
  allow_traversal "$BUNDLE"
  chown -R 100000:100000 "$BUNDLE/rootfs"
  update_config '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
}

@test "user namespace: a bind source inside a root-only (0700) directory is opened by the runtime, as runc does" {
  userns_bundle
  local secret="$BATS_TEST_TMPDIR/secret"
  mkdir -p "$secret/data"
  echo s3cret >"$secret/data/file"
  chmod 700 "$secret"
  update_config ".mounts += [{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$secret/data\", \"options\": [\"rbind\", \"ro\"]}]"
  update_config '.process.args = ["sh", "-c", "cat /data/file; touch /data/x 2>&1; true"]'
  run rl run "$(test_id)"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *s3cret* ]]
  [[ "$output" == *"Read-only file system"* ]]
}

@test "user namespace: a bind of a shared host mount is a slave inside, not a peer" {
  userns_bundle
  local src="$BATS_TEST_TMPDIR/shared-src"
  mkdir -p "$src"
  update_config ".mounts += [{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$src\", \"options\": [\"rbind\"]}]"
  update_config '.process.args = ["sh", "-c", "grep \" /data \" /proc/self/mountinfo"]'
  run isolated sh -c 'mount --bind "$1" "$1" && mount --make-shared "$1" && shift && exec "$@"' sh "$src" \
    "$RUNC_LITE" --root "$ROOT" run "$(test_id)"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *" /data "*"master:"* ]]
  [[ "$output" != *" /data "*"shared:"* ]]
}

@test "user namespace: a missing bind source is named" {
  userns_bundle
  update_config ".mounts += [{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/nowhere\", \"options\": [\"rbind\"]}]"
  run rl run "$(test_id)"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"mounts["*"].source \"$BATS_TEST_TMPDIR/nowhere\": No such file or directory"* ]]
}

# ---- the namespace matrix: runc-lite side by side with runc ----
#
# For one kind, the same bundle with that namespace absent (shared with
# the caller), joined by path (a fresh holder's for each run: a runtime
# pivots the root of a mount namespace it joins), and joined by a path of
# another kind, under runc and runc-lite, each inside `isolated` and
# caller-probe.  Each run gives a row "MODE RUNTIME rc=0|fail ns=caller|
# holder|own|-" and whether the caller's mounts and root stayed: the rows
# of both runtimes must be the same, runc-lite's what the spec says
# (absent: the caller's; path: the holder's; wrong kind: refused), and
# runc-lite must leave the caller unchanged every time.

# ns_file KIND: the /proc/PID/ns name of a linux.namespaces type.
ns_file() {
  case $1 in
  mount) echo mnt ;;
  network) echo net ;;
  pid) echo pid_for_children ;;
  *) echo "$1" ;;
  esac
}

# kind_holder KIND: a fresh holder of that kind ($HOLDER).
kind_holder() {
  case $1 in
  user) user_holder ;;
  mount) holder mnt -m --propagation private ;;
  pid) holder pid_for_children -p -f --kill-child ;;
  network) holder net -n ;;
  ipc) holder ipc -i ;;
  uts) holder uts -u ;;
  cgroup) holder cgroup -C ;;
  esac
}

# matrix_row MODE RUNTIME KIND: runs the bundle, prints the row; CALLER
# becomes the caller's state after it (unchanged/changed).
matrix_row() {
  local mode=$1 rtname=$2 kind=$3 rt root short ns=- caller inside want=none rc=fail
  case $rtname in
  runc) rt=runc root="$ROOT-runc" ;;
  runc-lite) rt=$RUNC_LITE root=$ROOT ;;
  esac
  short=$(ns_file "$kind")
  if [ "$mode" = path ]; then
    kind_holder "$kind" || return 1
    want=$(readlink "/proc/$HOLDER/ns/$short")
    update_config "(.linux.namespaces[] | select(.type == \"$kind\") | .path) = \"/proc/$HOLDER/ns/$short\""
  fi
  short=${short%_for_children}
  run isolated "$PROBE" "$BUNDLE" "$rt" --root "$root" run "$(test_id)-$mode-$rtname"
  echo "--- $mode $rtname: $output" >&2
  caller=$(sed -n "s/^caller-$short=//p" <<<"$output")
  inside=$(sed -n "s/^in-$short=//p" <<<"$output")
  if [ -n "$inside" ]; then
    if [ "$inside" = "$caller" ]; then ns=caller; elif [ "$inside" = "$want" ]; then ns=holder; else ns=own; fi
  fi
  [[ "$output" == *"rc=0"* ]] && rc=0
  CALLER=changed
  [[ "$output" == *"caller: unchanged"* ]] && CALLER=unchanged
  ROWS+=("$mode $rtname rc=$rc ns=$ns")
}

# matrix KIND: the three modes under both runtimes; checks as above.
matrix() {
  local kind=$1 base="$BATS_TEST_TMPDIR/config.base" wrong mode rtname i
  mkdir -p "$ROOT-runc"
  update_config '.process.args = ["sh", "-c", "for k in mnt pid net ipc uts cgroup user; do echo in-$k=$(readlink /proc/self/ns/$k); done"]'
  if [ "$kind" = user ]; then
    # runc 1.1 wants the mappings even for a user namespace it joins
    update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
    allow_traversal "$BUNDLE"
    chown -R 100000:100000 "$BUNDLE/rootfs"
  fi
  [ "$kind" = uts ] && wrong=/proc/self/ns/ipc || wrong=/proc/self/ns/uts
  cp "$BUNDLE/config.json" "$base"
  ROWS=()
  for mode in absent path wrong; do
    cp "$base" "$BUNDLE/config.json"
    update_config ".linux.namespaces |= map(select(.type != \"$kind\"))"
    case $mode in
    absent)
      [ "$kind" = mount ] && update_config 'del(.linux.maskedPaths) | del(.linux.readonlyPaths)'
      [ "$kind" = uts ] && update_config 'del(.hostname)'
      ;;
    path) update_config ".linux.namespaces += [{\"type\": \"$kind\", \"path\": \"\"}]" ;;
    wrong) update_config ".linux.namespaces += [{\"type\": \"$kind\", \"path\": \"$wrong\"}]" ;;
    esac
    for rtname in runc runc-lite; do
      matrix_row "$mode" "$rtname" "$kind"
      echo "$kind ${ROWS[-1]} caller=$CALLER" >&2
      if [ "$rtname" = runc-lite ] && [ "$CALLER" != unchanged ]; then
        echo "runc-lite changed the caller's mounts or root: $kind $mode"
        return 1
      fi
    done
  done
  for i in 0 2 4; do
    [ "${ROWS[i]#* runc }" = "${ROWS[i + 1]#* runc-lite }" ] || {
      echo "differs from runc: ${ROWS[i]} / ${ROWS[i + 1]}"
      return 1
    }
  done
  [ "${ROWS[1]}" = "absent runc-lite rc=0 ns=caller" ]
  [ "${ROWS[3]}" = "path runc-lite rc=0 ns=holder" ]
  [ "${ROWS[5]}" = "wrong runc-lite rc=fail ns=-" ]
}

@test "namespace matrix: mount" {
  matrix mount
}

@test "namespace matrix: pid" {
  matrix pid
}

@test "namespace matrix: network" {
  matrix network
}

@test "namespace matrix: ipc" {
  matrix ipc
}

@test "namespace matrix: uts" {
  matrix uts
}

@test "namespace matrix: cgroup" {
  matrix cgroup
}

@test "namespace matrix: user" {
  matrix user
}
