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
  [ -z "${OVL:-}" ] || umount "$OVL/m" 2>/dev/null || true
  host_net_mark_del
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
  pgrep -f -- "--root $work/" >/dev/null
  # the store is still valid: the base image reads, nothing was named
  "$BUILDER" --store "$STORE" inspect busybox >/dev/null
  run "$BUILDER" --store "$STORE" inspect interrupted
  [ "$status" -ne 0 ]

  # a temp blob as a writer killed mid-write leaves it (no lock held)
  echo partial >"$STORE/.store/tmp/blob-dead"
  run bld -t interrupted --build-arg T=0 "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"| started"* ]]
  [ ! -e "$work" ]
  [ -z "$(mounts_under "$STORE")" ]
  for p in $pids; do ! kill -0 "$p" 2>/dev/null; done
  # nor the runtime's `run` that waited for it (its --root was in the dir)
  for i in $(seq 50); do pgrep -f -- "--root $work/" >/dev/null || break; sleep 0.1; done
  ! pgrep -af -- "--root $work/"
  [ -z "$(find "$STORE/.store" -maxdepth 1 -name 'build-*')" ]
  [ -z "$(ls -A "$STORE/.store/tmp")" ]
  # the same image as an uninterrupted build from scratch gives
  first=$("$BUILDER" --store "$STORE" inspect interrupted | jq -r .id)
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

@test "build: --network private (the default), none and host for RUN; RUN --network wins over it" {
  host_net_mark_add
  cat >"$CTX/Recipe" <<'R'
FROM busybox
RUN grep -c : /proc/net/dev > /ifs; ls /sys/class/net > /names
RUN --network=none grep -c : /proc/net/dev > /ifs-none
R
  run bld -t netdef "$CTX"
  [ "$status" -eq 0 ]
  # private and none share their cache keys (only host has its own)
  run bld -t netnone --no-cache --network none "$CTX"
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
    cp "$BATS_TEST_TMPDIR/u/rootfs/names" "$BATS_TEST_TMPDIR/names-$t"
  done
  [ "$ifs_netdef" -eq 2 ] # lo and eth0
  [ "$ifs_netnone" -eq 1 ]
  grep -qx "$NET_MARK" "$BATS_TEST_TMPDIR/names-nethost"
  ! grep -qx "$NET_MARK" "$BATS_TEST_TMPDIR/names-netdef"
  run bld --network bridge "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *'--network: "bridge" is not private, none, host or default'* ]]
}

# layer_dirs: the extracted layer cache's entries
layer_dirs() { ls "$STORE/.store/layers" | sort; }

# diff_ids NAME: the image's diff_id hexes, one a line
diff_ids() {
  "$BUILDER" --store "$STORE" inspect "$1" | jq -r '.. | .diff_ids? // empty | .[]' | sed 's/^sha256://' | sort
}

@test "prune: the build caches stay unless asked; --build-cache empties both" {
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
  # no image: the step cache still keeps its layers, blobs and extractions
  "$BUILDER" --store "$STORE" rmi gc
  run "$BUILDER" --store "$STORE" prune
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" != *"Build cache"* ]]
  [ "$(layer_dirs)" = "$all" ]
  [ "$(ls "$STORE/.store/cache" | wc -l)" -eq 3 ]
  run bld -t gc "$CTX"
  [ "$status" -eq 0 ]
  [ "$(grep -c CACHED <<<"$output")" -eq 2 ]
  run "$BUILDER" --store "$STORE" prune --build-cache
  [ "$status" -eq 0 ]
  [[ "$output" == *"Build cache: 3 extracted layers, 3 step cache entries removed"* ]]
  [ -z "$(layer_dirs)" ]
  [ -z "$(ls "$STORE/.store/cache")" ]
  # the blobs stay: a build re-extracts what it needs, and redoes the steps
  run bld -t gc2 "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" != *CACHED* ]]
  [ "$(diff_ids gc2)" = "$all" ]
  run "$BUILDER" --store "$STORE" prune --everything
  [ "$status" -eq 1 ]
  [ "$output" = "builder: usage: builder prune [--all] [--build-cache [--keep-storage SIZE] [--filter until=DURATION]]" ]
}

@test "build: the step cache keeps typed JSON records; a damaged record is a miss, rewritten by the rebuild" {
  printf 'FROM busybox\nRUN echo a > /a\nENV A=1\nLABEL l=2\n' >"$CTX/Recipe"
  # no --timestamp: the metadata steps' times are recorded too
  run "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" -t j "$CTX"
  [ "$status" -eq 0 ]
  cache="$STORE/.store/cache"
  # the base's COPY and the RUN: layer records; ENV and LABEL: one run
  [ "$(cat "$cache"/* | jq -r .kind | sort | tr '\n' ' ')" = "layer layer metadata-run " ]
  run_diff=$("$BUILDER" --store "$STORE" inspect j | jq -r '.config.rootfs.diff_ids[-1]')
  rec=$(grep -l "\"diffID\":\"$run_diff\"" "$cache"/*)
  [ -n "$rec" ]
  jq -e '(.mediaType | startswith("application/vnd.oci.image.layer.v1.tar")) and (.size > 0)
         and (.digest | startswith("sha256:")) and (.created | test("^[0-9-]+T[0-9:]+Z$"))' "$rec"
  [ "$(cat "$cache"/* | jq -s 'map(select(.kind == "metadata-run") | .steps | length) | .[0]')" -eq 2 ]
  created=$("$BUILDER" --store "$STORE" inspect j | jq -r .config.created)
  run "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" -t j "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" == *CACHED* ]]
  [ "$("$BUILDER" --store "$STORE" inspect j | jq -r .config.created)" = "$created" ]
  # damaged (or written by an older builder): a miss, the step runs again
  echo 'application/vnd.oci.image.layer.v1.tar+gzip 1 sha256:x sha256:y' >"$rec"
  run "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" -t j "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" != *CACHED* ]]
  jq -e '.kind == "layer"' "$rec"
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
  # the build's finished steps are in the step cache: plain prune keeps them
  run "$BUILDER" --store "$STORE" prune
  [[ "$output" != *"Build cache"* ]]
  [ "$(layer_dirs)" = "$before" ]
  run "$BUILDER" --store "$STORE" prune --build-cache
  [[ "$output" == *"Build cache: 2 extracted layers"* ]]
}

@test "build --progress plain: steps, prefixed output, CACHED, DONE with the time, digest and names" {
  printf 'FROM busybox\nRUN echo one && echo two\nENV A=1\n' >"$CTX/Recipe"
  run bld --progress plain -t pp "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" != *$'\e['* ]]
  [ "${lines[0]}" = "[1/3] FROM busybox" ]
  [[ "${lines[1]}" =~ ^\[1/3\]\ DONE\ [0-9]+\.[0-9]s$ ]]
  [ "${lines[2]}" = "[2/3] RUN echo one && echo two" ]
  [ "${lines[3]}" = "[2/3] | one" ]
  [ "${lines[4]}" = "[2/3] | two" ]
  [[ "${lines[5]}" =~ ^\[2/3\]\ DONE\ [0-9]+\.[0-9]s$ ]]
  [ "${lines[6]}" = "[3/3] ENV A=1" ]
  [[ "${lines[8]}" == "writing image sha256:"* ]]
  [ "${lines[9]}" = "naming to pp:latest" ]
  run bld --progress plain -t pp "$CTX"
  [ "${lines[3]}" = "[2/3] | CACHED" ]
  # auto without a terminal is plain
  run bld -t pp "$CTX"
  [ "${lines[3]}" = "[2/3] | CACHED" ]
  # a failing step ends with ERROR
  printf 'FROM busybox\nRUN echo bad && exit 3\n' >"$CTX/Recipe"
  run bld --progress plain "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" =~ \[2/2\]\ ERROR\ [0-9]+\.[0-9]s ]]
  [[ "${lines[-1]}" == *"RUN: exit status 3" ]]
  run bld --progress fancy "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *'--progress: "fancy" is not auto, plain, tty or rawjson'* ]]
}

@test "build --progress tty (and auto on a terminal): a live view redrawn in place, then a summary" {
  command -v script >/dev/null || skip "util-linux script is missing"
  printf 'FROM busybox\nRUN echo line-a && sleep 1 && echo line-b\nENV A=1\n' >"$CTX/Recipe"
  for mode in tty auto; do
    script -qec "$BUILDER --store $STORE build --runtime $RUNC_LITE --timestamp 0 --no-cache --progress $mode -t tt $CTX" \
      /dev/null >"$BATS_TEST_TMPDIR/tty.out"
    out=$(tr -d '\r' <"$BATS_TEST_TMPDIR/tty.out")
    # erase-line, cursor-up and erase-below escapes: redrawn in place
    [[ "$out" == *$'\e[2K'* ]]
    [[ "$out" =~ $'\e'\[[0-9]+A ]]
    [[ "$out" == *$'\e[J'* ]]
    # the running step's output lines under it, and its timer ticking
    [[ "$out" == *"| line-a"* ]]
    # the summary: every step with its time, no output lines after it
    summary=${out##*$'\e[2K[+] Building'}
    [[ "$summary" == *"(3/3, 0 cached) FINISHED"* ]]
    [[ "$summary" =~ \[2/3\]\ RUN\ echo\ line-a.*\ [0-9]+\.[0-9]s ]]
    [[ "$summary" != *"| line-"* ]]
    [[ "$summary" == *"writing image sha256:"* ]]
    [[ "$summary" == *"naming to tt:latest"* ]]
  done
  # the timer of the silent RUN was redrawn more than once per output line
  [ "$(grep -o 'RUN echo line-a' "$BATS_TEST_TMPDIR/tty.out" | wc -l)" -gt 4 ]
}

# layers_listing NAME: tar -tv of every layer of NAME, in order
layers_listing() {
  local d l
  d=$(jq -r --arg n "$1:latest" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' "$STORE/index.json")
  for l in $(jq -r '.layers[].digest' "$STORE/blobs/sha256/${d#sha256:}"); do
    tar -tvf "$STORE/blobs/sha256/${l#sha256:}"
    echo "-- layer"
  done
}

snapshot_recipe() {
  mkdir -p "$CTX/files/sub"
  echo one >"$CTX/files/a"
  echo two >"$CTX/files/sub/b"
  ln -s a "$CTX/files/link"
  # the replaced dir is renamed away before the new one is made, so that
  # its inode number cannot be reused (that would read as kept, with
  # whiteouts for its old entries instead of an opaque marker)
  cat >"$CTX/Recipe" <<'R'
FROM busybox AS first
RUN rm /etc/base-file && echo new > /new && ln /new /new2 && mkdir -p /d/e && echo x > /d/e/f \
    && mkfifo /fifo && touch -d @5 /new && echo s > /suid && echo o > /owned && chown 1000:1000 /owned \
    && mknod /null2 c 1 3
RUN mv /d /d.old && mkdir /d && echo y > /d/g && rm -rf /d.old && chmod 4755 /suid && rm /bin/ls
COPY --chown=1000:1000 files/ /copied/
FROM busybox
COPY --from=first /new /d/g /from0/
R
}

@test "build: the copying snapshotter (BUILDER_SNAPSHOTTER=copy) gives the same layers as overlayfs" {
  snapshot_recipe
  run env BUILDER_SNAPSHOTTER=overlay "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" --timestamp 0 -t ov --target first "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  d_ov=$(echo "$output" | sed -n 's/^writing image //p')
  run env BUILDER_SNAPSHOTTER=overlay "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" --timestamp 0 -t ov2 "$CTX"
  [ "$status" -eq 0 ]
  d_ov2=$(echo "$output" | sed -n 's/^writing image //p')
  layers_listing ov >"$BATS_TEST_TMPDIR/ov.list"
  layers_listing ov2 >"$BATS_TEST_TMPDIR/ov2.list"
  # the copy builds start from an empty build cache
  "$BUILDER" --store "$STORE" prune --build-cache >/dev/null
  run env BUILDER_SNAPSHOTTER=copy "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" --timestamp 0 --no-cache -t cp --target first "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  d_cp=$(echo "$output" | sed -n 's/^writing image //p')
  # nothing mounted: the stage's dirs hold plain copies
  [ -z "$(mounts_under "$STORE")" ]
  run env BUILDER_SNAPSHOTTER=copy "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" --timestamp 0 --no-cache -t cp2 "$CTX"
  [ "$status" -eq 0 ]
  d_cp2=$(echo "$output" | sed -n 's/^writing image //p')
  layers_listing cp >"$BATS_TEST_TMPDIR/cp.list"
  layers_listing cp2 >"$BATS_TEST_TMPDIR/cp2.list"
  diff -u "$BATS_TEST_TMPDIR/ov.list" "$BATS_TEST_TMPDIR/cp.list"
  diff -u "$BATS_TEST_TMPDIR/ov2.list" "$BATS_TEST_TMPDIR/cp2.list"
  # what the layers hold: a whiteout, an opaque dir, a hardlink, a fifo,
  # a device, owners, set-uid bits, the copied files and their owner
  grep -q ' etc/\.wh\.base-file$' "$BATS_TEST_TMPDIR/cp.list"
  grep -q ' bin/\.wh\.ls$' "$BATS_TEST_TMPDIR/cp.list"
  grep -q ' d/\.wh\.\.wh\.\.opq$' "$BATS_TEST_TMPDIR/cp.list"
  grep -q '^hrw.* new2 link to new$' "$BATS_TEST_TMPDIR/cp.list"
  grep -q '^prw.* fifo$' "$BATS_TEST_TMPDIR/cp.list"
  grep -q '^-rwsr-xr-x 0/0 .* suid$' "$BATS_TEST_TMPDIR/cp.list"
  grep -q '^-rw-r--r-- 1000/1000 .* owned$' "$BATS_TEST_TMPDIR/cp.list"
  grep -q '^crw.* null2$' "$BATS_TEST_TMPDIR/cp.list"
  grep -q '^-rw-r--r-- 1000/1000 .* copied/sub/b$' "$BATS_TEST_TMPDIR/cp.list"
  grep -q ' copied/link -> a$' "$BATS_TEST_TMPDIR/cp.list"
  grep -q ' from0/g$' "$BATS_TEST_TMPDIR/cp2.list"
  # the same images, byte for byte
  [ -n "$d_cp" ] && [ "$d_cp" = "$d_ov" ]
  [ "$d_cp2" = "$d_ov2" ]
  run env BUILDER_SNAPSHOTTER=zfs "$BUILDER" --store "$STORE" build "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"BUILDER_SNAPSHOTTER=zfs: want overlay, copy or auto"* ]]
}

@test "build: a store on a filesystem overlayfs refuses as upper falls back to copying (auto)" {
  snapshot_recipe
  run env BUILDER_SNAPSHOTTER=overlay "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" --timestamp 0 -t ov "$CTX"
  [ "$status" -eq 0 ]
  layers_listing ov >"$BATS_TEST_TMPDIR/ov.list"
  # an overlayfs is no upper dir for another overlayfs
  OVL="$BATS_TEST_TMPDIR/ovl"
  mkdir -p "$OVL"/{l,u,w,m}
  mount -t overlay overlay -o "lowerdir=$OVL/l,upperdir=$OVL/u,workdir=$OVL/w" "$OVL/m"
  STORE=$OVL/m/store
  # the base again, in that store (it falls back already)
  run "$BUILDER" --store "$STORE" build -t busybox --timestamp 0 "$BATS_TEST_TMPDIR/base"
  [ "$status" -eq 0 ]
  [[ "$output" == *"overlayfs unavailable ("*"): copying snapshots"* ]]
  run "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" --timestamp 0 -t fb "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"overlayfs unavailable ("*"): copying snapshots"* ]]
  [ -z "$(mounts_under "$STORE")" ]
  layers_listing fb >"$BATS_TEST_TMPDIR/fb.list"
  # whiteouts and opaque markers are plain .wh. files there (no 0/0
  # devices, no trusted.* xattrs on an overlayfs): the same tars
  diff -u "$BATS_TEST_TMPDIR/ov.list" "$BATS_TEST_TMPDIR/fb.list"
  # a writable bind of the context works there too (a private copy instead
  # of a throw-away overlay, owners kept as an overlay shows them): the
  # context is not changed
  mkdir -p "$BATS_TEST_TMPDIR/ctx2"
  echo original >"$BATS_TEST_TMPDIR/ctx2/data"
  chown 1000:1000 "$BATS_TEST_TMPDIR/ctx2/data"
  printf 'FROM busybox\nRUN --mount=type=bind,rw,target=/ctx echo owner=$(stat -c %%u:%%g /ctx/data) && echo changed >/ctx/data && cat /ctx/data\n' >"$BATS_TEST_TMPDIR/ctx2/Recipe"
  run "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" "$BATS_TEST_TMPDIR/ctx2"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"| owner=1000:1000"* ]]
  [[ "$output" == *"| changed"* ]]
  [ "$(cat "$BATS_TEST_TMPDIR/ctx2/data")" = original ]
  [ -z "$(mounts_under "$STORE")" ]
  # overlay forced: the mount's error
  run env BUILDER_SNAPSHOTTER=overlay "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" --no-cache "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"mount overlay on "*"Invalid argument"* ]]
}

@test "build: BUILDER_SNAPSHOTTER=copy mounts no overlay for a writable bind either (a copy, owners kept)" {
  echo original >"$CTX/data"
  chown 1000:1000 "$CTX/data"
  printf 'FROM busybox\nRUN --mount=type=bind,rw,target=/ctx grep " /ctx " /proc/self/mountinfo && echo owner=$(stat -c %%u:%%g /ctx/data) && echo changed >/ctx/data && cat /ctx/data\n' >"$CTX/Recipe"
  for mode in copy overlay; do
    run env BUILDER_SNAPSHOTTER=$mode "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" --no-cache "$CTX"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"| owner=1000:1000"* ]]
    [[ "$output" == *"| changed"* ]]
    [ "$(cat "$CTX/data")" = original ]
    if [ $mode = copy ]; then
      [[ "$output" != *" - overlay "* ]]
    else
      [[ "$output" == *" - overlay "* ]]
    fi
  done
  [ -z "$(mounts_under "$STORE")" ]
}

@test "build: SIGTERM ends a build waiting for a cache mount that another build holds (sharing=locked)" {
  # The wait for the cache's lock retried on EINTR without looking at the
  # signal: the build stayed blocked until the other one finished.
  printf 'FROM busybox\nRUN --mount=type=cache,id=c,target=/c,sharing=locked echo started && sleep 60\n' >"$CTX/Recipe"
  bld_bg -t holder "$CTX"
  wait_for "$BATS_TEST_TMPDIR/out" '| started'
  printf 'FROM busybox\nRUN --mount=type=cache,id=c,target=/c,sharing=locked echo waiter-ran\n' >"$CTX/Waiter"
  bash -c 'trap - INT; exec "$@"' _ "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" -f "$CTX/Waiter" "$CTX" \
    >"$BATS_TEST_TMPDIR/out2" 2>&1 &
  local wpid=$! i st=0
  wait_for "$BATS_TEST_TMPDIR/out2" 'RUN --mount'
  sleep 1
  kill -TERM "$wpid"
  for i in $(seq 100); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$wpid" 2>/dev/null; then kill -9 "$wpid"; false; fi
  wait "$wpid" || st=$?
  cat "$BATS_TEST_TMPDIR/out2"
  [ "$st" -eq 143 ]
  [ -z "$(mounts_under "$STORE/.store/build-$wpid")" ]
  [ ! -e "$STORE/.store/build-$wpid" ]
  kill -TERM "$BPID"
  wait "$BPID" || true
}
