#!/usr/bin/env bats
# builder build when things go wrong or differ: interrupted builds, the
# copying snapshotter, --progress, --network, prune of the build caches.

load helpers

setup() {
  [ "$(id -u)" = 0 ] || skip "builder build needs root (overlayfs, the runtime)"
  STORE="$BATS_TEST_TMPDIR/store"
  CTX="$BATS_TEST_TMPDIR/ctx"
  mkdir -p "$CTX" "$BATS_TEST_TMPDIR/base"
  cp -a "$(busybox_rootfs_cache)" "$BATS_TEST_TMPDIR/base/rootfs"
  echo base >"$BATS_TEST_TMPDIR/base/rootfs/etc/base-file"
  printf 'FROM scratch\nCOPY rootfs/ /\nCMD ["sh"]\n' >"$BATS_TEST_TMPDIR/base/Recipe"
  "$BUILDER" --store "$STORE" build -t busybox --timestamp 0 "$BATS_TEST_TMPDIR/base" >/dev/null
}

teardown() {
  # never leave a build of ours behind, whatever failed
  [ -z "${BPID:-}" ] || kill -9 "$BPID" 2>/dev/null || true
  [ -z "${STORE:-}" ] || "$BUILDER" --store "$STORE" prune >/dev/null 2>&1 || true
}

bld() {
  "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" --timestamp 0 "$@"
}

# bld_bg ARGS...: bld in the background, the builder's pid in BPID and its
# output in $BATS_TEST_TMPDIR/out; SIGINT at its default disposition (a
# background job of a non-interactive shell would ignore it)
bld_bg() {
  bash -c 'trap - INT; exec "$@"' _ "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" --timestamp 0 "$@" \
    >"$BATS_TEST_TMPDIR/out" 2>&1 &
  BPID=$!
}

# mounts_under DIR: the mount points at or below DIR in our namespace
mounts_under() {
  local real
  real=$(realpath "$1")
  awk -v d="$real" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo
}

# wait_for FILE TEXT: up to 30 s for TEXT to show in FILE
wait_for() {
  local i
  for i in $(seq 300); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "timed out waiting for '$2' in $1:"; cat "$1"
  return 1
}

# run_pids DIR: the init pids of the RUN containers under a build's work dir
run_pids() {
  find "$1" -path '*/run/state/*/state.json' -exec jq -r .pid {} + 2>/dev/null
}

interrupt_recipe() {
  cat >"$CTX/Recipe" <<'R'
FROM busybox
ARG T=1000
RUN echo before > /before
RUN echo started && sleep $T && echo done > /done
R
}

@test "build: kill -9 mid-RUN leaves a valid store; the next build reaps the dead build's mounts, container and dirs" {
  interrupt_recipe
  bld_bg -t interrupted "$CTX"
  wait_for "$BATS_TEST_TMPDIR/out" '| started'
  work="$STORE/.store/build-$BPID"
  [ -f "$work/lock" ]
  kill -9 "$BPID"
  wait "$BPID" || true
  # the leftovers: the step's overlay, the container's init, the work dir
  [ -n "$(mounts_under "$work")" ]
  pids=$(run_pids "$work")
  [ -n "$pids" ]
  for p in $pids; do kill -0 "$p"; done
  # the store is still valid: the base image reads, nothing was named
  "$BUILDER" --store "$STORE" inspect busybox >/dev/null
  run "$BUILDER" --store "$STORE" inspect interrupted
  [ "$status" -ne 0 ]

  run bld -t interrupted --build-arg T=0 "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"| started"* ]]
  [ ! -e "$work" ]
  [ -z "$(mounts_under "$STORE")" ]
  for p in $pids; do ! kill -0 "$p" 2>/dev/null; done
  [ -z "$(find "$STORE/.store" -maxdepth 1 -name 'build-*')" ]
  [ -z "$(ls -A "$STORE/.store/tmp")" ]
  # the same image as an uninterrupted build from scratch gives
  first=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "interrupted:latest") | .digest' "$STORE/index.json")
  run bld -t again --no-cache --build-arg T=0 "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" == *"writing image $first"* ]]
}

@test "build: a running build's work dir is left alone by another build" {
  interrupt_recipe
  bld_bg -t slow "$CTX"
  wait_for "$BATS_TEST_TMPDIR/out" '| started'
  work="$STORE/.store/build-$BPID"
  printf 'FROM busybox\nRUN echo other > /other\n' >"$CTX/Other"
  run bld -f "$CTX/Other" -t other "$CTX"
  [ "$status" -eq 0 ]
  [ -f "$work/lock" ]
  [ -n "$(mounts_under "$work")" ]
  for p in $(run_pids "$work"); do kill -0 "$p"; done
  kill -TERM "$BPID"
  wait "$BPID" || true
}

@test "build: SIGTERM and SIGINT mid-RUN clean up and exit 143 / 130" {
  interrupt_recipe
  for sig in TERM INT; do
    bld_bg -t "t${sig,,}" "$CTX"
    wait_for "$BATS_TEST_TMPDIR/out" '| started'
    work="$STORE/.store/build-$BPID"
    pids=$(run_pids "$work")
    [ -n "$pids" ]
    kill -"$sig" "$BPID"
    st=0
    wait "$BPID" || st=$?
    cat "$BATS_TEST_TMPDIR/out"
    if [ "$sig" = TERM ]; then [ "$st" -eq 143 ]; else [ "$st" -eq 130 ]; fi
    grep -q "interrupted by signal" "$BATS_TEST_TMPDIR/out"
    [ ! -e "$work" ]
    [ -z "$(mounts_under "$STORE")" ]
    for p in $pids; do ! kill -0 "$p" 2>/dev/null; done
    run "$BUILDER" --store "$STORE" inspect "t${sig,,}"
    [ "$status" -ne 0 ]
  done
  BPID=
}

@test "build: --network none (the default) and host for RUN; RUN --network wins over it" {
  host_ifs=$(grep -c : /proc/net/dev)
  [ "$host_ifs" -gt 1 ] || skip "the host has only a loopback interface: host and none look the same"
  cat >"$CTX/Recipe" <<'R'
FROM busybox
RUN grep -c : /proc/net/dev > /ifs
RUN --network=none grep -c : /proc/net/dev > /ifs-none
R
  run bld -t netdef "$CTX"
  [ "$status" -eq 0 ]
  run bld -t netnone --network none "$CTX"
  [ "$status" -eq 0 ]
  run bld -t nethost --network host "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  # the host's network is not the cached result of a build without it
  [[ "$output" != *CACHED* ]]
  for t in netdef netnone nethost; do
    rm -rf "$BATS_TEST_TMPDIR/u"
    "$BUILDER" --store "$STORE" unpack "$t" "$BATS_TEST_TMPDIR/u" >/dev/null
    eval "ifs_$t=\$(cat \"$BATS_TEST_TMPDIR/u/rootfs/ifs\")"
    [ "$(cat "$BATS_TEST_TMPDIR/u/rootfs/ifs-none")" -eq 1 ]
  done
  [ "$ifs_netdef" -eq 1 ]
  [ "$ifs_netnone" -eq 1 ]
  [ "$ifs_nethost" -eq "$host_ifs" ]
  run bld --network bridge "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *'--network: "bridge" is not host, none or default'* ]]
}

# layer_dirs: the extracted layer cache's entries
layer_dirs() { ls "$STORE/.store/layers" | sort; }

# diff_ids NAME: the image's diff_id hexes, one a line
diff_ids() {
  "$BUILDER" --store "$STORE" inspect "$1" | jq -r '.. | .diff_ids? // empty | .[]' | sed 's/^sha256://' | sort
}

@test "prune: extracted layers and step cache entries no image reaches go; --all empties both caches" {
  printf 'FROM busybox\nRUN echo a > /a\nRUN echo b > /b\n' >"$CTX/Recipe"
  run bld -t gc "$CTX"
  [ "$status" -eq 0 ]
  base=$(diff_ids busybox)
  all=$(diff_ids gc)
  [ -n "$base" ] && [ "$(echo "$all" | wc -l)" -eq 3 ]
  [ "$(layer_dirs)" = "$all" ]
  # the base's COPY and the two RUNs
  [ "$(ls "$STORE/.store/cache" | wc -l)" -eq 3 ]
  # still named: nothing goes
  run "$BUILDER" --store "$STORE" prune
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" != *"Build cache"* ]]
  [ "$(layer_dirs)" = "$all" ]
  "$BUILDER" --store "$STORE" rmi gc
  run "$BUILDER" --store "$STORE" prune
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Build cache: 2 extracted layers, 2 step cache entries removed"* ]]
  [ "$(layer_dirs)" = "$base" ]
  [ "$(ls "$STORE/.store/cache" | wc -l)" -eq 1 ]
  # the next build redoes the steps
  run bld -t gc "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" != *CACHED* ]]
  run "$BUILDER" --store "$STORE" prune --all
  [ "$status" -eq 0 ]
  [[ "$output" == *"Build cache: 3 extracted layers, 3 step cache entries removed"* ]]
  [ -z "$(layer_dirs)" ]
  [ -z "$(ls "$STORE/.store/cache")" ]
  # the blobs stay: a build re-extracts what it needs
  run bld -t gc2 "$CTX"
  [ "$status" -eq 0 ]
  [ "$(diff_ids gc2)" = "$all" ]
}

@test "prune: nothing of a running build's is collected" {
  "$BUILDER" --store "$STORE" tag busybox keep
  interrupt_recipe
  bld_bg -t slow "$CTX"
  wait_for "$BATS_TEST_TMPDIR/out" '| started'
  "$BUILDER" --store "$STORE" rmi busybox keep
  before=$(layer_dirs)
  run "$BUILDER" --store "$STORE" prune
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"builds are running: blobs and build caches kept"* ]]
  [ "$(layer_dirs)" = "$before" ]
  [ -d "$STORE/.store/build-$BPID" ]
  kill -TERM "$BPID"
  wait "$BPID" || true
  BPID=
  run "$BUILDER" --store "$STORE" prune
  [[ "$output" == *"Build cache: 2 extracted layers"* ]]
}
