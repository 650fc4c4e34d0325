#!/usr/bin/env bats
# Issue 13 item 6: layers stay uncompressed in the store and are
# compressed once, where an image leaves the machine (save, --output,
# push: registry.bats), remembered by diff_id; Ctrl-C stops a long
# compression within a second.

load helpers
load build_helpers

# magic FILE: the first two bytes in hex ("1f8b" for gzip, "28b5" zstd)
magic() {
  head -c 2 "$1" | od -An -tx1 | tr -d ' \n'
}

# compressed_blobs DIR: how many blobs under DIR/blobs/sha256 are gzip or zstd
compressed_blobs() {
  local f n=0
  for f in "$1"/blobs/sha256/*; do
    case "$(magic "$f")" in 1f8b | 28b5) n=$((n + 1)) ;; esac
  done
  echo "$n"
}

# the diff_ids of NAME's config, one a line
diff_ids() {
  config "$1" | jq -r '.rootfs.diff_ids[]'
}

# interrupt_writer PID: once a temporary blob of the store holds data (a
# layer being written or compressed), SIGINT to PID; waits for it: RC its
# status, MS the milliseconds from the signal to its exit.
interrupt_writer() {
  local i started= t0 t1
  for i in $(seq 600); do
    if [ -n "$(find "$STORE/.store/tmp" -type f -size +1M 2>/dev/null)" ]; then
      started=1
      break
    fi
    sleep 0.05
  done
  [ -n "$started" ] || { echo "no blob was being written" >&2; return 1; }
  RC=0
  t0=$(date +%s%N)
  kill -INT "$1"
  wait "$1" || RC=$?
  t1=$(date +%s%N)
  MS=$(((t1 - t0) / 1000000))
  echo "exited $RC after $MS ms"
}

multi_stage() {
  cat >"$CTX/Recipe" <<'R'
FROM busybox AS build
RUN head -c 200000 /dev/urandom >/big && echo small >/small
FROM busybox
COPY --from=build /small /small
R
}

@test "compress: a multi-stage build writes no compressed blob; layers are v1.tar with digest = diff_id" {
  multi_stage
  # The base image went in uncompressed too; the build adds none.
  [ "$(compressed_blobs "$STORE")" = 0 ]
  run bld -t app "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(compressed_blobs "$STORE")" = 0 ]
  [ ! -e "$STORE/.store/compressed" ]
  manifest app | jq -e '[.layers[].mediaType] | unique == ["application/vnd.oci.image.layer.v1.tar"]'
  [ "$(manifest app | jq -r '.layers[].digest')" = "$(diff_ids app)" ]
  # The image still unpacks, runs its layers, lists its history.
  unpack app "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/small")" = small ]
  "$BUILDER" --store "$STORE" unpack app "$BATS_TEST_TMPDIR/bundle" >/dev/null
  [ "$(cat "$BATS_TEST_TMPDIR/bundle/rootfs/small")" = small ]
  run "$BUILDER" --store "$STORE" history app
  [ "$status" -eq 0 ]
  [[ "$output" == *"COPY"* ]]
}

@test "compress: save gzips the layers once (digests right); a second save compresses nothing; --compression zstd|none" {
  multi_stage
  bld -t app "$CTX" >/dev/null
  run "$BUILDER" --store "$STORE" save app "oci:$BATS_TEST_TMPDIR/o1:app"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(grep -c ': compressed as sha256:' <<<"$output")" = 2 ]
  local m d
  m=$(jq -r '.manifests[0].digest[7:]' "$BATS_TEST_TMPDIR/o1/index.json")
  jq -e '[.layers[].mediaType] | unique == ["application/vnd.oci.image.layer.v1.tar+gzip"]' \
    "$BATS_TEST_TMPDIR/o1/blobs/sha256/$m"
  for d in $(jq -r '.layers[].digest[7:]' "$BATS_TEST_TMPDIR/o1/blobs/sha256/$m"); do
    [ "$(magic "$BATS_TEST_TMPDIR/o1/blobs/sha256/$d")" = 1f8b ]
    [ "$(sha256sum <"$BATS_TEST_TMPDIR/o1/blobs/sha256/$d" | cut -d' ' -f1)" = "$d" ]
  done
  # The diff_ids of the config still name the uncompressed tars.
  [ "$(for d in $(jq -r '.layers[].digest[7:]' "$BATS_TEST_TMPDIR/o1/blobs/sha256/$m"); do
    gzip -dc <"$BATS_TEST_TMPDIR/o1/blobs/sha256/$d" | sha256sum | sed 's/ .*//; s/^/sha256:/'
  done)" = "$(diff_ids app)" ]
  # The store's image is unchanged (still uncompressed).
  manifest app | jq -e '[.layers[].mediaType] | unique == ["application/vnd.oci.image.layer.v1.tar"]'
  # Again, as an archive: nothing is compressed again, same manifest.
  run "$BUILDER" --store "$STORE" save app "oci-archive:$BATS_TEST_TMPDIR/a.tar"
  [ "$status" -eq 0 ]
  [ "$(grep -c ': compressed as' <<<"$output")" = 0 ]
  [ "$(grep -c ': compressed before, as sha256:' <<<"$output")" = 2 ]
  [ "$(tar -xOf "$BATS_TEST_TMPDIR/a.tar" index.json | jq -r '.manifests[0].digest[7:]')" = "$m" ]
  # zstd on request; none keeps the tars.
  "$BUILDER" --store "$STORE" save --compression zstd app "oci:$BATS_TEST_TMPDIR/oz" 2>/dev/null
  m=$(jq -r '.manifests[0].digest[7:]' "$BATS_TEST_TMPDIR/oz/index.json")
  jq -e '[.layers[].mediaType] | unique == ["application/vnd.oci.image.layer.v1.tar+zstd"]' \
    "$BATS_TEST_TMPDIR/oz/blobs/sha256/$m"
  run "$BUILDER" --store "$STORE" save --compression none app "oci:$BATS_TEST_TMPDIR/on"
  [ "$status" -eq 0 ]
  [ "$(compressed_blobs "$BATS_TEST_TMPDIR/on")" = 0 ]
  # What was saved loads back into another store and unpacks.
  "$BUILDER" --store "$BATS_TEST_TMPDIR/s2" load "oci-archive:$BATS_TEST_TMPDIR/a.tar" >/dev/null
  "$BUILDER" --store "$BATS_TEST_TMPDIR/s2" unpack app "$BATS_TEST_TMPDIR/b2" >/dev/null
  [ "$(cat "$BATS_TEST_TMPDIR/b2/rootfs/small")" = small ]
  run "$BUILDER" --store "$STORE" save --compression lz4 app "oci:$BATS_TEST_TMPDIR/bad"
  [ "$status" -ne 0 ]
  [[ "$output" == *"--compression"*lz4* ]]
}

@test "compress: build --compression gzip compresses the image's layers, not the build stage's; --output gzips" {
  multi_stage
  run bld -t app --compression gzip --output "type=oci,dest=$BATS_TEST_TMPDIR/out" "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  manifest app | jq -e '[.layers[].mediaType] | unique == ["application/vnd.oci.image.layer.v1.tar+gzip"]'
  # The image's two layers (base, COPY) and nothing of the build stage.
  [ "$(compressed_blobs "$STORE")" = 2 ]
  local m
  m=$(jq -r '.manifests[0].digest[7:]' "$BATS_TEST_TMPDIR/out/index.json")
  jq -e '[.layers[].mediaType] | unique == ["application/vnd.oci.image.layer.v1.tar+gzip"]' \
    "$BATS_TEST_TMPDIR/out/blobs/sha256/$m"
  # Without --compression, --output still gzips.
  run bld -t app2 --output "type=oci,dest=$BATS_TEST_TMPDIR/out2" "$CTX"
  [ "$status" -eq 0 ]
  m=$(jq -r '.manifests[0].digest[7:]' "$BATS_TEST_TMPDIR/out2/index.json")
  jq -e '[.layers[].mediaType] | unique == ["application/vnd.oci.image.layer.v1.tar+gzip"]' \
    "$BATS_TEST_TMPDIR/out2/blobs/sha256/$m"
}

@test "compress: SIGINT during a large layer's compression stops save within a second, leaves no temp file" {
  local big="$BATS_TEST_TMPDIR/big"
  mkdir -p "$big"
  head -c 150000000 /dev/urandom >"$big/random"
  yes 'some text to compress, line after line' | head -c 150000000 >"$big/text"
  "$BUILDER" --store "$STORE" import --compression none "$big" big >/dev/null
  rm -rf "$big"
  "$BUILDER" --store "$STORE" save big "oci-archive:$BATS_TEST_TMPDIR/big.tar" 2>"$BATS_TEST_TMPDIR/err" &
  interrupt_writer $!
  cat "$BATS_TEST_TMPDIR/err"
  [ "$RC" -ne 0 ]
  [ "$MS" -lt 1500 ]
  grep -q interrupted "$BATS_TEST_TMPDIR/err"
  [ -z "$(ls -A "$STORE/.store/tmp")" ]
  [ ! -e "$BATS_TEST_TMPDIR/big.tar" ]
  [ -z "$(find "$BATS_TEST_TMPDIR" -maxdepth 1 -name 'big.tar.tmp-*')" ]
  [ ! -e "$STORE/.store/compressed" ]
  # The store is intact: the image still saves (uncompressed: quick).
  "$BUILDER" --store "$STORE" save --compression none big "oci:$BATS_TEST_TMPDIR/o" 2>/dev/null
}

@test "compress: SIGINT while a build writes a large layer stops it within a second, leaves no temp file" {
  # 300 MB in the RUN's upper dir; the layer write reads it all.
  printf 'FROM busybox\nRUN head -c 150000000 /dev/urandom >/r && yes text | head -c 150000000 >/t\n' >"$CTX/Recipe"
  # builder itself in the background (not a function's subshell) gets the signal
  "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" -t big "$CTX" >"$BATS_TEST_TMPDIR/out" 2>&1 &
  interrupt_writer $!
  cat "$BATS_TEST_TMPDIR/out"
  [ "$RC" -eq 130 ]
  [ "$MS" -lt 1500 ]
  grep -q interrupted "$BATS_TEST_TMPDIR/out"
  [ -z "$(ls -A "$STORE/.store/tmp")" ]
  [ -z "$(ls -d "$STORE"/.store/build-* 2>/dev/null)" ]
  run "$BUILDER" --store "$STORE" inspect big
  [ "$status" -ne 0 ]
}
