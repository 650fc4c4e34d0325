#!/usr/bin/env bats
# runc-lite run by an unprivileged user: a rootless spec, a user namespace
# mapping the caller to root, no cgroup rights.

load helpers

setup() {
  id rl-test >/dev/null 2>&1 || useradd -M -s /bin/sh rl-test
  setup_bundle sh -c 'id -u; cat /proc/self/uid_map; echo $HOME'
  rm "$BUNDLE/config.json"
  allow_traversal "$BUNDLE"
  chown -R rl-test "$BUNDLE"
  USERDIR="$BATS_TEST_TMPDIR/user"
  mkdir -p "$USERDIR"
  chown rl-test "$USERDIR"
  as_user() { su rl-test -s /bin/sh -c "cd '$BUNDLE' && $*"; }
}

teardown() {
  local id
  for id in r1 r2 r3; do
    as_user "'$RUNC_LITE' --root '$USERDIR/r' delete --force $id" >/dev/null 2>&1 || true
  done
}

@test "rootless: spec --rootless, then run as an ordinary user" {
  as_user "'$RUNC_LITE' spec --rootless"
  update_config '.process.terminal = false | .process.args = ["sh", "-c", "id -u; cat /proc/self/uid_map"]'
  chown rl-test "$BUNDLE/config.json"
  uid=$(id -u rl-test)
  run as_user "XDG_RUNTIME_DIR='$USERDIR' '$RUNC_LITE' run r1"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ]
  [[ "${lines[1]}" =~ ^\ +0\ +$uid\ +1$ ]]
  # the state went to the user's runtime directory, and is gone after run
  [ -d "$USERDIR/runc-lite" ]
  [ -z "$(ls "$USERDIR/runc-lite")" ]
}

@test "rootless: create, state, start, delete as an ordinary user" {
  as_user "'$RUNC_LITE' spec --rootless"
  update_config '.process.terminal = false | .process.args = ["sleep", "100"]'
  chown rl-test "$BUNDLE/config.json"
  root="$USERDIR/r"
  as_user "'$RUNC_LITE' --root '$root' create r2"
  run as_user "'$RUNC_LITE' --root '$root' state r2"
  [ "$(echo "$output" | jq -r .status)" = created ]
  [ "$(echo "$output" | jq -r .owner)" = "$(id -u rl-test)" ]
  as_user "'$RUNC_LITE' --root '$root' start r2"
  as_user "'$RUNC_LITE' --root '$root' delete --force r2"
  [ -z "$(ls "$root")" ]
}

# CVE-2016-9962: while the init still holds the runtime's fds (created,
# not started), no process of the container may open its /proc/1/fd or
# ptrace it.  Rootless is where only the dumpable flag stands in the way:
# the init keeps the caller's host uid (no credential change resets
# dumpability), so a process exec'd into the container as the same uid,
# with CAP_SYS_PTRACE in the container's user namespace, would get in.
# Checked by removing the PR_SET_DUMPABLE calls in create.c: the first
# `ls /proc/1/fd` then succeeded and this failed.
@test "CVE-2016-9962: the created init is not dumpable: the container cannot open its /proc/1/fd" {
  as_user "'$RUNC_LITE' spec --rootless"
  update_config '.process.terminal = false | .process.args = ["sleep", "100"]'
  chown rl-test "$BUNDLE/config.json"
  root="$USERDIR/r"
  as_user "'$RUNC_LITE' --root '$root' create r3"
  run as_user "'$RUNC_LITE' --root '$root' exec --cap CAP_SYS_PTRACE r3 ls /proc/1/fd"
  [ "$status" -ne 0 ]
  [[ "$output" == *"Permission denied"* ]]
  as_user "'$RUNC_LITE' --root '$root' start r3"
  run as_user "'$RUNC_LITE' --root '$root' exec --cap CAP_SYS_PTRACE r3 ls /proc/1/fd"
  [ "$status" -eq 0 ]
  as_user "'$RUNC_LITE' --root '$root' delete --force r3"
}

# Rootless podman and buildah call the runtime as uid 0 of a user namespace
# of theirs, with XDG_RUNTIME_DIR set: as runc, runc-lite must see the user
# namespace (uid_map is not the identity), keep its state there instead of
# /run/runc-lite (Permission denied), and treat cgroups as best effort.
@test "rootless: as root of a user namespace (like rootless podman): state in XDG_RUNTIME_DIR, cgroups best effort" {
  command -v unshare >/dev/null || skip "needs unshare (util-linux)"
  as_user "unshare --user --map-root-user '$RUNC_LITE' spec --rootless"
  update_config '.process.terminal = false | .process.args = ["sh", "-c", "id -u; cat /proc/self/uid_map"]'
  chown rl-test "$BUNDLE/config.json"
  uid=$(id -u rl-test)
  run as_user "XDG_RUNTIME_DIR='$USERDIR' USER=rl-test unshare --user --map-root-user sh -c \"cat /proc/self/uid_map; '$RUNC_LITE' run r1\""
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^\ +0\ +$uid\ +1$ ]]
  [ "${lines[1]}" = 0 ]
  [[ "${lines[2]}" =~ ^\ +0\ +0\ +1$ ]]
  [ -d "$USERDIR/runc-lite" ]
  [ -z "$(ls "$USERDIR/runc-lite")" ]
}
