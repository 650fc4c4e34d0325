#!/usr/bin/env bats
# The builder's store is an OCI image layout that skopeo (containers/image)
# reads: images written by libbuilder (through tests/helpers/layer-tool)
# inspected and copied out by skopeo, which checks every digest.

load helpers

setup_file() {
  # shellcheck source=../../scripts/deps.sh
  . "$TESTS_DIR/../scripts/deps.sh"
  rl_install_missing skopeo jq
}

setup() {
  command -v skopeo >/dev/null || fail "skopeo is missing and could not be installed (scripts/deps.sh)"
  TOOL="$HELPERS/layer-tool"
  STORE="$BATS_TEST_TMPDIR/store"
  ROOTFS="$BATS_TEST_TMPDIR/rootfs"
  mkdir -p "$ROOTFS/etc" "$ROOTFS/bin"
  echo interop >"$ROOTFS/etc/hostname"
  ln -s hostname "$ROOTFS/etc/link"
  printf '#!/bin/sh\n' >"$ROOTFS/bin/tool"
  chmod 4755 "$ROOTFS/bin/tool"
}

@test "skopeo inspect reads an image from the store by NAME:TAG" {
  run "$TOOL" image "$STORE" "$ROOTFS" app:1
  [ "$status" -eq 0 ]
  manifest=$output
  run skopeo inspect "oci:$STORE:app:1"
  [ "$status" -eq 0 ]
  [ "$(jq -r .Digest <<<"$output")" = "$manifest" ]
  [ "$(jq -r .Architecture <<<"$output")" = amd64 ]
  [ "$(jq -r '.Layers | length' <<<"$output")" = 1 ]
  layer=$(jq -r '.Layers[0]' <<<"$output")
  [ -f "$STORE/blobs/sha256/${layer#sha256:}" ]
}

@test "skopeo copies the image out of the store, verifying every blob" {
  "$TOOL" image "$STORE" "$ROOTFS" registry.example.com/team/app:v2
  run skopeo copy "oci:$STORE:registry.example.com/team/app:v2" "dir:$BATS_TEST_TMPDIR/out"
  [ "$status" -eq 0 ]
  [ -f "$BATS_TEST_TMPDIR/out/manifest.json" ]
  # The layer skopeo copied extracts to the same tree.
  layer=$(jq -r '.layers[0].digest' "$BATS_TEST_TMPDIR/out/manifest.json")
  mkdir "$BATS_TEST_TMPDIR/x"
  run "$TOOL" apply "$BATS_TEST_TMPDIR/out/${layer#sha256:}" "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [ "$(cat "$BATS_TEST_TMPDIR/x/etc/hostname")" = interop ]
  [ "$(readlink "$BATS_TEST_TMPDIR/x/etc/link")" = hostname ]
  [ "$(stat -c %a "$BATS_TEST_TMPDIR/x/bin/tool")" = 4755 ]
}

@test "skopeo reads zstd and uncompressed layers" {
  "$TOOL" image "$STORE" "$ROOTFS" z:1 -c zstd
  "$TOOL" image "$STORE" "$ROOTFS" n:1 -c none
  run skopeo inspect --raw "oci:$STORE:z:1"
  [ "$status" -eq 0 ]
  [ "$(jq -r '.layers[0].mediaType' <<<"$output")" = application/vnd.oci.image.layer.v1.tar+zstd ]
  run skopeo copy "oci:$STORE:z:1" "dir:$BATS_TEST_TMPDIR/z"
  [ "$status" -eq 0 ]
  run skopeo copy "oci:$STORE:n:1" "dir:$BATS_TEST_TMPDIR/n"
  [ "$status" -eq 0 ]
}

@test "an image written into a layout made by skopeo is read back by skopeo" {
  "$TOOL" image "$STORE" "$ROOTFS" first:1
  skopeo copy "oci:$STORE:first:1" "oci:$BATS_TEST_TMPDIR/theirs:copied"
  run "$TOOL" image "$BATS_TEST_TMPDIR/theirs" "$ROOTFS" ours:1
  [ "$status" -eq 0 ]
  run skopeo inspect "oci:$BATS_TEST_TMPDIR/theirs:copied"
  [ "$status" -eq 0 ]
  run skopeo inspect "oci:$BATS_TEST_TMPDIR/theirs:ours:1"
  [ "$status" -eq 0 ]
}

@test "an unknown name is an error for skopeo too" {
  "$TOOL" image "$STORE" "$ROOTFS" app:1
  run skopeo inspect "oci:$STORE:app:2"
  [ "$status" -ne 0 ]
}
