# Shared by the builder build suites: a busybox base image in a private
# store ($STORE), a context ($CTX), helpers to read the images back.

setup() {
  [ "$(id -u)" = 0 ] || skip "builder build needs root (overlayfs, the runtime)"
  STORE="$BATS_TEST_TMPDIR/store"
  CTX="$BATS_TEST_TMPDIR/ctx"
  mkdir -p "$CTX"
  # The base image: FROM scratch + COPY of a busybox rootfs (tests COPY of a directory).
  local base="$BATS_TEST_TMPDIR/base"
  mkdir -p "$base"
  cp -a "$(busybox_rootfs_cache)" "$base/rootfs"
  echo 'app:x:1000:1000::/home/app:/bin/sh' >>"$base/rootfs/etc/passwd"
  echo 'app:x:1000:' >>"$base/rootfs/etc/group"
  echo base >"$base/rootfs/etc/base-file"
  printf 'FROM scratch\nCOPY rootfs/ /\nCMD ["sh"]\n' >"$base/Recipe"
  "$BUILDER" --store "$STORE" build -t busybox --timestamp 0 "$base" >/dev/null
}

bld() {
  "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" "$@"
}

# manifest JSON of NAME
manifest() {
  local d
  local n="$1"; [[ "$n" == *:* ]] || n="$n:latest"
  d=$(jq -r --arg n "$n" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' "$STORE/index.json")
  cat "$STORE/blobs/sha256/${d#sha256:}"
}

config() {
  local d
  d=$(manifest "$1" | jq -r .config.digest)
  cat "$STORE/blobs/sha256/${d#sha256:}"
}

# unpack NAME DIR: applies the layers with tar (whiteouts handled by hand)
unpack() {
  mkdir -p "$2"
  local l
  for l in $(manifest "$1" | jq -r '.layers[].digest'); do
    tar -xf "$STORE/blobs/sha256/${l#sha256:}" -C "$2"
    find "$2" -name '.wh.*' | while read -r w; do
      rm -rf "$(dirname "$w")/$(basename "$w" | sed 's/^\.wh\.//')" "$w"
    done
  done
}

# the file list of the last layer of NAME
last_layer() {
  local l
  l=$(manifest "$1" | jq -r '.layers[-1].digest')
  tar -tvf "$STORE/blobs/sha256/${l#sha256:}"
}

# (a file that defines its own teardown replaces this one)
teardown() {
  host_net_mark_del
}
