#!/usr/bin/env bats
# builder unpack and run against hostile images: a second layer crafted by
# tests/helpers/evil-tar.py for each escape kind, and corrupt blobs.  Each
# must fail with a one-line error, write nothing outside the bundle and
# leave no bundle behind.

load helpers

setup() {
  STORE="$BATS_TEST_TMPDIR/store"
  OUTSIDE="$BATS_TEST_TMPDIR/outside"
  BUNDLE="$BATS_TEST_TMPDIR/bundle"
  mkdir -p "$OUTSIDE"
  echo original >"$OUTSIDE/target"
  chmod 0700 "$OUTSIDE"
  "$BUILDER" --store "$STORE" import "$(busybox_rootfs_cache)" busybox >/dev/null
}

b() {
  "$BUILDER" --store "$STORE" "$@"
}

# put_blob FILE: into the store's blobs, prints "sha256:HEX SIZE".
put_blob() {
  local d
  d=$(sha256sum "$1" | cut -d' ' -f1)
  cp "$1" "$STORE/blobs/sha256/$d"
  echo "sha256:$d $(stat -c %s "$1")"
}

# evil_image KIND NAME [gzip|zstd]: busybox plus a layer of KIND,
# uncompressed or compressed by the command given.
evil_image() {
  local tar="$BATS_TEST_TMPDIR/$1.tar" base layer lsize cfg manifest diff_id
  python3 "$TESTS_DIR/helpers/evil-tar.py" "$1" "$tar" "$OUTSIDE"
  diff_id="sha256:$(sha256sum "$tar" | cut -d' ' -f1)"
  if [ -n "${3:-}" ]; then
    "$3" -q -c "$tar" >"$tar.c"
    mv "$tar.c" "$tar"
  fi
  read -r layer lsize < <(put_blob "$tar")
  base=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "busybox:latest") | .digest' "$STORE/index.json")
  jq --arg l "$diff_id" '.rootfs.diff_ids += [$l] | .config.Cmd = ["true"]' \
    "$STORE/blobs/sha256/$(jq -r .config.digest "$STORE/blobs/sha256/${base#sha256:}" | cut -d: -f2)" >"$BATS_TEST_TMPDIR/c.json"
  read -r cfg csize < <(put_blob "$BATS_TEST_TMPDIR/c.json")
  jq --arg c "$cfg" --argjson cs "$csize" --arg l "$layer" --argjson ls "$lsize" \
    '.config.digest = $c | .config.size = $cs | .layers += [{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":$l,"size":$ls}]' \
    "$STORE/blobs/sha256/${base#sha256:}" >"$BATS_TEST_TMPDIR/m.json"
  read -r manifest msize < <(put_blob "$BATS_TEST_TMPDIR/m.json")
  jq --arg m "$manifest" --argjson ms "$msize" --arg n "$2:latest" \
    '.manifests += [{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":$m,"size":$ms,"annotations":{"org.opencontainers.image.ref.name":$n}}]' \
    "$STORE/index.json" >"$BATS_TEST_TMPDIR/i.json"
  mv "$BATS_TEST_TMPDIR/i.json" "$STORE/index.json"
}

# refused KIND PATTERN: unpack and run of the KIND image fail with one line
# matching PATTERN; nothing changed outside, no bundle left.
refused() {
  local before
  before=$(ls -l --time-style=+%s "$OUTSIDE"; stat -c "%a %Y" "$OUTSIDE"; cat "$OUTSIDE/target")
  evil_image "$1" evil
  run b unpack evil "$BUNDLE"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == "builder: "*$2* ]]
  [ ! -e "$BUNDLE" ]
  run b run --rm --name evil-run evil
  [ "$status" -eq 1 ]
  [[ "$output" == *$2* ]]
  [ ! -e "$STORE/.store/run/evil-run" ]
  [ "$(ls -l --time-style=+%s "$OUTSIDE"; stat -c "%a %Y" "$OUTSIDE"; cat "$OUTSIDE/target")" = "$before" ]
}

@test "unpack refuses a .. path" {
  refused dotdot '".."'
}

@test "unpack refuses an absolute path" {
  refused absolute 'absolute'
}

@test "unpack refuses a hardlink out of the rootfs, absolute, by .. or through a symlink" {
  refused hardlink-outside 'hl'
  refused hardlink-dotdot 'hl'
  refused hardlink-via-symlink 'hl'
}

@test "unpack: a file through a symlink to the outside stays in the rootfs" {
  evil_image symlink-parent evil
  run b unpack evil "$BUNDLE"
  echo "$output"
  # The symlink resolves inside the rootfs, where its target does not exist.
  [ "$status" -eq 1 ]
  [[ "$output" == *"parent escape is a symlink to a missing target"* ]]
  [ ! -e "$OUTSIDE/through-symlink" ]
  [ ! -e "$BUNDLE" ]
  # A relative symlink climbing out is clamped at the rootfs: the file
  # lands at the same path inside it.
  evil_image symlink-relative evil2
  run b unpack evil2 "$BUNDLE"
  echo "$output"
  [ "$status" -eq 0 ]
  [ ! -e "$OUTSIDE/through-relative" ]
  [ -f "$BUNDLE/rootfs$OUTSIDE/through-relative" ]
}

@test "unpack: a directory entry over a symlink does not chmod the symlink's target" {
  evil_image chmod-symlink evil
  run b unpack evil "$BUNDLE"
  echo "$output"
  # The directory replaces the symlink; the target keeps its mode.
  [ "$status" -eq 0 ]
  [ "$(stat -c %a "$OUTSIDE")" = 700 ]
  [ -d "$BUNDLE/rootfs/x" ] && [ ! -L "$BUNDLE/rootfs/x" ]
  [ "$(stat -c %a "$BUNDLE/rootfs/x")" = 777 ]
}

@test "unpack refuses a malformed whiteout" {
  refused whiteout-alone '.wh.'
}

@test "unpack refuses a path longer than the limit" {
  refused long-path 'path'
}

@test "unpack refuses an oversized PAX header" {
  refused pax-bomb 'PAX'
}

@test "unpack and run report a corrupt layer blob (digest mismatch) and leave nothing" {
  layer=$(jq -r '.manifests[0].digest' "$STORE/index.json")
  layer=$(jq -r '.layers[0].digest' "$STORE/blobs/sha256/${layer#sha256:}")
  f="$STORE/blobs/sha256/${layer#sha256:}"
  chmod u+w "$f"
  # Flip one byte in the middle of the compressed stream.
  off=$(( $(stat -c %s "$f") / 2 ))
  printf '\x00' | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
  cmp -s <(printf '\x00') <(dd if="$f" bs=1 skip="$off" count=1 status=none) || true
  run b unpack busybox "$BUNDLE"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"$layer"* ]]
  [ ! -e "$BUNDLE" ]
  run b run --rm --name corrupt busybox true
  [ "$status" -eq 1 ]
  [ ! -e "$STORE/.store/run/corrupt" ]
}

@test "unpack reports a config blob whose content does not match its digest" {
  m=$(jq -r '.manifests[0].digest' "$STORE/index.json")
  c=$(jq -r '.config.digest' "$STORE/blobs/sha256/${m#sha256:}")
  f="$STORE/blobs/sha256/${c#sha256:}"
  chmod u+w "$f"
  jq -c '.config.Cmd = ["evil"]' "$f" >"$f.new"
  # Same size, other content: pad or cut to the original length.
  head -c "$(stat -c %s "$f")" <(cat "$f.new"; printf '%*s' 64 '') >"$f"
  rm "$f.new"
  run b unpack busybox "$BUNDLE"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"$c"* ]]
  [ ! -e "$BUNDLE" ]
}

@test "unpack: an entry name with a newline and escape codes still gives a one-line error" {
  evil_image newline-name evil
  run b unpack evil "$BUNDLE"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *'../evil\nbuilder: fake second line\x1b[2J'* ]]
}

# Issue 12, defect 5: deep paths.
@test "unpack refuses paths deeper than the depth limit, quickly" {
  SECONDS=0
  refused deep-dirs 'more than 256 components (the depth limit)'
  [ "$SECONDS" -lt 20 ]
}

@test "unpack counts the directories deep paths make against the limits" {
  # 100 chains of 250 directories, gzip'd to a few KB: 100 MB of
  # directories is a bomb by the ratio.
  evil_image deep-dirs-wide evil gzip
  run b unpack evil "$BUNDLE"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"decompression bomb"* ]]
  [ ! -e "$BUNDLE" ]
}

# Issue 12, defect 9: decompression bombs.
@test "unpack refuses a zstd decompression bomb, names the layer, leaves nothing" {
  evil_image zeros evil zstd
  layer=$(jq -r '.manifests[-1].digest' "$STORE/index.json")
  layer=$(jq -r '.layers[-1].digest' "$STORE/blobs/sha256/${layer#sha256:}")
  run b unpack evil "$BUNDLE"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"$layer"*"decompression bomb"*"BUILDER_MAX_RATIO"* ]]
  [ ! -e "$BUNDLE" ]
  # The limits can be raised, or set lower, by the environment.
  BUILDER_MAX_RATIO=0 BUILDER_MAX_LAYER_SIZE=1M run b unpack evil "$BUNDLE"
  [ "$status" -eq 1 ]
  [[ "$output" == *"exceed the layer's content limit (1048576"* ]]
  BUILDER_MAX_RATIO=0 run b unpack evil "$BUNDLE"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(stat -c %s "$BUNDLE/rootfs/zeros")" -eq $((200 << 20)) ]
  rm -rf "$BUNDLE"
  BUILDER_MAX_RATIO=lots run b unpack evil "$BUNDLE"
  [ "$status" -eq 1 ]
  [[ "$output" == *"BUILDER_MAX_RATIO=lots: not a number"* ]]
}

@test "load refuses an oci-archive that expands beyond the ratio and leaves no blob behind" {
  local dir="$BATS_TEST_TMPDIR/layout" d
  mkdir -p "$dir/blobs/sha256"
  head -c $((200 << 20)) /dev/zero >"$BATS_TEST_TMPDIR/big"
  d=$(sha256sum "$BATS_TEST_TMPDIR/big" | cut -d' ' -f1)
  echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
  echo '{"schemaVersion":2,"manifests":[]}' >"$dir/index.json"
  mv "$BATS_TEST_TMPDIR/big" "$dir/blobs/sha256/$d"
  tar -C "$dir" -c oci-layout blobs index.json | zstd -q >"$BATS_TEST_TMPDIR/bomb.tar.zst"
  rm -rf "$dir"
  [ "$(stat -c %s "$BATS_TEST_TMPDIR/bomb.tar.zst")" -lt 100000 ]
  run b load "oci-archive:$BATS_TEST_TMPDIR/bomb.tar.zst"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"blobs/sha256/$d"*"decompression bomb"* ]]
  [ ! -e "$STORE/blobs/sha256/$d" ]
  [ -z "$(ls -A "$STORE/.store/tmp")" ]
  BUILDER_MAX_LAYER_SIZE=1M BUILDER_MAX_RATIO=0 run b load "oci-archive:$BATS_TEST_TMPDIR/bomb.tar.zst"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"blobs/sha256/$d is larger than the limit of 1048576 bytes"* ]]
  [ -z "$(ls -A "$STORE/.store/tmp")" ]
}
