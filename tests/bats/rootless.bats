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
