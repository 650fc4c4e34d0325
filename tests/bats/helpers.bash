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

# ---- real clients (containerd.bats, podman.bats) ----

# sha256_of FILE: the hex digest.
sha256_of() {
  sha256sum "$1" | cut -d' ' -f1
}

# oci_blob LAYOUT FILE: moves FILE into LAYOUT's blob store, prints its digest.
oci_blob() {
  local d
  d=$(sha256_of "$2")
  mv "$2" "$1/blobs/sha256/$d"
  echo "$d"
}

# build_oci_image DIR NAME: an OCI image layout in DIR (busybox rootfs as
# one uncompressed layer, config, manifest, index, oci-layout), the index
# entry named NAME (ref.name "latest" and containerd's image name
# annotation); prints the path of an oci-archive tar of it, DIR.tar.
build_oci_image() {
  local dir=$1 name=$2 arch layer config manifest lsize csize msize
  rm -rf "$dir"
  mkdir -p "$dir/blobs/sha256"
  arch=$(dpkg --print-architecture)
  tar --numeric-owner --owner=0 --group=0 --sort=name -C "$(busybox_rootfs_cache)" \
    -cf "$dir/layer.tar" . || return 1
  lsize=$(stat -c %s "$dir/layer.tar")
  layer=$(oci_blob "$dir" "$dir/layer.tar")
  printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"runc-lite tests: busybox-static"}]}' \
    "$arch" "$layer" >"$dir/config.json"
  csize=$(stat -c %s "$dir/config.json")
  config=$(oci_blob "$dir" "$dir/config.json")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$config" "$csize" "$layer" "$lsize" >"$dir/manifest.json"
  msize=$(stat -c %s "$dir/manifest.json")
  manifest=$(oci_blob "$dir" "$dir/manifest.json")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"%s","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"latest"}}]}' \
    "$manifest" "$msize" "$arch" "$name" >"$dir/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
  tar --numeric-owner --owner=0 --group=0 -C "$dir" -cf "$dir.tar" oci-layout index.json blobs || return 1
  echo "$dir.tar"
}

# make_argv_wrapper PATH LOG: a runtime binary at PATH that appends its
# argv (one line, the words joined by spaces) to LOG and execs runc-lite.
make_argv_wrapper() {
  printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>%q\nexec %q "$@"\n' "$2" "$RUNC_LITE" >"$1"
  chmod 755 "$1"
}

# rl_applies_memory_limit: whether this runc-lite, alone, puts
# linux.resources.memory.limit into the cgroup v1 memory controller (the
# client tests skip their --memory checks while it does not).
rl_applies_memory_limit() {
  local dir="$BATS_TEST_TMPDIR/memory-probe" id="memory-probe-$$" pid cg got=
  rm -rf "$dir"
  mkdir -p "$dir/state"
  cp -a "$(busybox_rootfs_cache)" "$dir/rootfs"
  (cd "$dir" && "$RUNC_LITE" spec) || return 1
  jq '.process.terminal = false | .process.args = ["true"] | .linux.resources.memory = {"limit": 67108864}' \
    "$dir/config.json" >"$dir/config.json.tmp" && mv "$dir/config.json.tmp" "$dir/config.json"
  if "$RUNC_LITE" --root "$dir/state" create --bundle "$dir" "$id" >/dev/null 2>&1; then
    pid=$("$RUNC_LITE" --root "$dir/state" state "$id" | jq -r .pid)
    cg=$(awk -F: '$2 == "memory" { print $3 }' /proc/"$pid"/cgroup)
    got=$(cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes" 2>/dev/null)
    "$RUNC_LITE" --root "$dir/state" delete --force "$id" >/dev/null 2>&1
  fi
  rm -rf "$dir"
  [ "$got" = 67108864 ]
}

# containerd_start DIR [CRI_TOML]: a containerd of its own (config, root,
# state and socket under DIR), for ctr; exports CTD_DIR, CTD_SOCK, CTD_NS
# (the namespace the tests use; set it first to choose another) and
# CTD_SNAPSHOTTER.  Without CRI_TOML the CRI plugin is disabled; with it,
# CRI_TOML (the plugin's config section, cri.bats) ends the config file.
# Unix socket paths are limited to 108 bytes: DIR should be short (under /run).
containerd_start() {
  export CTD_DIR=$1
  export CTD_SOCK=$CTD_DIR/containerd.sock
  export CTD_NS=${CTD_NS:-rltest}
  local disabled='disabled_plugins = ["io.containerd.grpc.v1.cri"]'
  [ -z "${2:-}" ] || disabled=
  rm -rf "$CTD_DIR"
  mkdir -p "$CTD_DIR"
  cat >"$CTD_DIR/config.toml" <<EOF
version = 2
root = "$CTD_DIR/root"
state = "$CTD_DIR/state"
$disabled

[grpc]
  address = "$CTD_SOCK"

[ttrpc]
  address = "$CTD_SOCK.ttrpc"

[debug]
  level = "debug"

[plugins."io.containerd.internal.v1.opt"]
  path = "$CTD_DIR/opt"

${2:-}
EOF
  containerd --config "$CTD_DIR/config.toml" >"$CTD_DIR/containerd.log" 2>&1 &
  echo $! >"$CTD_DIR/containerd.pid"
  local ok=
  for _ in $(seq 100); do
    ctr -a "$CTD_SOCK" version >/dev/null 2>&1 && { ok=1; break; }
    sleep 0.1
  done
  [ -n "$ok" ] || { cat "$CTD_DIR/containerd.log" >&2; return 1; }
  # overlayfs when this kernel and file system allow it, else native
  export CTD_SNAPSHOTTER=overlayfs
  ctr -a "$CTD_SOCK" plugins ls | grep -Eq 'snapshotter\.v1 +overlayfs .* ok' || CTD_SNAPSHOTTER=native
}

# containerd_stop: stops containerd_start's containerd (by its PID),
# unmounts what is left under CTD_DIR and removes it.
containerd_stop() {
  [ -n "${CTD_DIR:-}" ] && [ -d "$CTD_DIR" ] || return 0
  local pid m
  if [ -f "$CTD_DIR/containerd.pid" ]; then
    pid=$(cat "$CTD_DIR/containerd.pid")
    kill "$pid" 2>/dev/null
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  # the snapshots and bundle rootfs mounts, deepest first
  for m in $(awk -v d="$CTD_DIR" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf "$CTD_DIR"
  # containerd's default cgroupsPath is /NAMESPACE/ID: the parents, if empty
  rmdir /sys/fs/cgroup/*/"$CTD_NS" /sys/fs/cgroup/unified/"$CTD_NS" 2>/dev/null || true
}

# c ARGS: ctr on the private containerd, in the test namespace.
c() {
  ctr -a "$CTD_SOCK" -n "$CTD_NS" "$@"
}

# c_run ARGS: ctr run through $WRAPPER, with a private runc root.
c_run() {
  c run --snapshotter "$CTD_SNAPSHOTTER" --runc-binary "$WRAPPER" --runc-root "$CTD_DIR/runc" "$@"
}

# podman_setup DIR: podman on private state under DIR (its own
# containers.conf); exports POD_DIR, CONTAINERS_CONF and POD_DRIVER for p.
podman_setup() {
  export POD_DIR=$1
  rm -rf "$POD_DIR"
  mkdir -p "$POD_DIR"
  # Podman asks for RLIMIT_NOFILE 1048576 by default; raising a hard limit
  # needs CAP_SYS_RESOURCE, which hosts (and this VM) may not give root,
  # and podman lowers its own RLIMIT_NPROC: small limits work everywhere.
  # File locks keep podman out of the shared /dev/shm/libpod_lock.
  cat >"$POD_DIR/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
lock_type = "file"
EOF
  export CONTAINERS_CONF=$POD_DIR/containers.conf
  export POD_DRIVER=overlay
  grep -qw overlay /proc/filesystems || POD_DRIVER=vfs
}

# podman_teardown: removes podman_setup's containers, images, mounts and
# directory.
podman_teardown() {
  [ -n "${POD_DIR:-}" ] && [ -d "$POD_DIR" ] || return 0
  local m
  p rm -af -t 0 >/dev/null 2>&1 || true
  p rmi -af >/dev/null 2>&1 || true
  for m in $(awk -v d="$POD_DIR" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf "$POD_DIR"
  # the cgroupfs manager's parents, when nothing else uses them
  rmdir /sys/fs/cgroup/*/libpod_parent/conmon /sys/fs/cgroup/*/libpod_parent 2>/dev/null || true
}

# p ARGS: podman on the private store, the runtime $WRAPPER.
p() {
  podman --root "$POD_DIR/root" --runroot "$POD_DIR/runroot" --tmpdir "$POD_DIR/tmp" \
    --storage-driver "$POD_DRIVER" --runtime "$WRAPPER" --cgroup-manager cgroupfs \
    --events-backend file "$@"
}

# cgdir CONTROLLER PID: the directory of PID's cgroup on the v1 hierarchy
# that has CONTROLLER.
cgdir() {
  local path mnt
  path=$(awk -F: -v c="$1" '{n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3}' "/proc/$2/cgroup")
  mnt=$(awk -v c="$1" '{for (i = 7; i <= NF; i++) if ($i == "-") break
    if ($(i + 1) != "cgroup") next
    n = split($(i + 3), o, ","); for (j = 1; j <= n; j++) if (o[j] == c) { print $5; exit }}' /proc/self/mountinfo)
  [ -n "$mnt" ] && [ -n "$path" ] && echo "$mnt$path"
}

# start_recvtty SOCK OUT: the --console-socket receiver in the background
# (RECVTTY_PID) once it listens ("ready" in OUT: the socket file alone
# appears at bind, before listen).  fd 3 is closed in it, so a test that
# fails before reaping it never leaves bats waiting on the receiver.
start_recvtty() {
  "$HELPERS/recvtty" "$1" >"$2" 3>&- &
  RECVTTY_PID=$!
  local _
  for _ in $(seq 1500); do
    grep -q '^ready' "$2" 2>/dev/null && return 0
    sleep 0.02
  done
  kill "$RECVTTY_PID" 2>/dev/null
  echo "recvtty did not start listening on $1" >&2
  return 1
}

# reap_recvtty STATUS: waits for the receiver after the runtime handed it
# the pty (STATUS 0), or kills it when the runtime failed.
reap_recvtty() {
  if [ "$1" -ne 0 ]; then
    kill "$RECVTTY_PID" 2>/dev/null
    wait "$RECVTTY_PID" 2>/dev/null
    return 1
  fi
  wait "$RECVTTY_PID"
}

# An interface only the host's network namespace has (a veth pair named
# for this bats process): a test's "it sees the host's network" looks for
# it, where a comparison of the host's whole list would race with the
# namespaces and veths other tests make meanwhile.
host_net_mark_add() {
  NET_MARK="rlt$$"
  ip link add "$NET_MARK" type veth peer name "rlu$$"
}
host_net_mark_del() {
  [ -z "${NET_MARK:-}" ] || ip link del "$NET_MARK" 2>/dev/null || true
  NET_MARK=
}
