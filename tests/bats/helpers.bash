# Shared by every .bats file: where the built tools and fixtures are, and
# how to make a busybox bundle (from Debian's busybox-static) to run.
: "${RUNC_LITE:?RUNC_LITE must point at the built runc-lite (run through make check)}"
: "${BUILDER:?BUILDER must point at the built builder}"
: "${FIXTURES:?FIXTURES must point at tests/fixtures}"

BUSYBOX=${BUSYBOX:-/bin/busybox}

# A rootfs with busybox and its applets, built once per test run and
# copied (hard-linked) into each test's bundle.
busybox_rootfs_cache() {
  local cache="${BATS_RUN_TMPDIR:-/tmp}/busybox-rootfs"
  if [ ! -x "$cache/bin/busybox" ]; then
    local tmp="$cache.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"/{bin,sbin,etc,proc,sys,dev,tmp,root,usr/bin,usr/sbin,var}
    cp "$BUSYBOX" "$tmp/bin/busybox"
    local applet
    for applet in $("$BUSYBOX" --list); do
      [ "$applet" = busybox ] || ln -sf busybox "$tmp/bin/$applet"
    done
    chmod 1777 "$tmp/tmp"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$tmp/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$tmp/etc/group"
    mv "$tmp" "$cache" 2>/dev/null || rm -rf "$tmp"
  fi
  echo "$cache"
}

# setup_bundle: $BUNDLE with rootfs/ and the default config.json of
# `runc-lite spec`, process.args replaced by "$@" when given; $ROOT is a
# private state directory for --root.
setup_bundle() {
  BUNDLE="$BATS_TEST_TMPDIR/bundle"
  ROOT="$BATS_TEST_TMPDIR/state"
  mkdir -p "$BUNDLE" "$ROOT"
  cp -a "$(busybox_rootfs_cache)" "$BUNDLE/rootfs"
  cd "$BUNDLE" || return 1 # runc's default bundle is the current directory
  "$RUNC_LITE" spec || return 1
  update_config '.process.terminal = false'
  if [ $# -gt 0 ]; then
    local args
    args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
    update_config ".process.args = $args"
  fi
}

# update_config FILTER: edits $BUNDLE/config.json with a jq filter.
update_config() {
  local tmp="$BUNDLE/config.json.tmp"
  jq "$1" "$BUNDLE/config.json" >"$tmp" && mv "$tmp" "$BUNDLE/config.json"
}

# rl ARGS: runc-lite with the test's private --root.
rl() {
  "$RUNC_LITE" --root "$ROOT" "$@"
}

# A container id unique to this test.
test_id() {
  echo "t${BATS_TEST_NUMBER}-$$"
}

# Deletes every container left under $ROOT (teardown).
cleanup_containers() {
  [ -d "${ROOT:-}" ] || return 0
  local id
  for id in $("$RUNC_LITE" --root "$ROOT" list -q 2>/dev/null); do
    "$RUNC_LITE" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
  done
}

# allow_traversal DIR: lets other users (a user namespace's root) reach DIR
# by adding o+x to it and each parent (bats makes its temporary dirs 0700).
allow_traversal() {
  local d
  d=$(realpath "$1")
  while [ "$d" != / ]; do
    chmod o+x "$d"
    d=$(dirname "$d")
  done
}
