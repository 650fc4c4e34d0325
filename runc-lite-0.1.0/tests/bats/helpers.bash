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
