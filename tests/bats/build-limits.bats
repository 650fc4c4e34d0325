#!/usr/bin/env bats
# builder build on odd and hostile recipes: empty values, images without
# layers, the expansion limits (depth, size, pattern work) and big recipes.
# Every recipe here starts FROM scratch and runs nothing: no base image,
# no runtime.

load helpers

setup() {
  [ "$(id -u)" = 0 ] || skip "builder build needs root (overlayfs)"
  STORE="$BATS_TEST_TMPDIR/store"
  CTX="$BATS_TEST_TMPDIR/ctx"
  mkdir -p "$CTX"
}

teardown() {
  [ -z "${STORE:-}" ] || "$BUILDER" --store "$STORE" prune >/dev/null 2>&1 || true
}

bld() {
  "$BUILDER" --store "$STORE" build --timestamp 0 "$@"
}

# config NAME: the image config JSON of NAME, read from the store's files
config() {
  local d
  d=$(jq -r --arg n "$1:latest" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' "$STORE/index.json")
  d=$(jq -r .config.digest "$STORE/blobs/sha256/${d#sha256:}")
  cat "$STORE/blobs/sha256/${d#sha256:}"
}

@test "build: empty values (ENV E=\"\", LABEL a=\"\", WORKDIR \"\", an empty heredoc) are empty strings in the config" {
  cat >"$CTX/Recipe" <<'R'
FROM scratch
ENV E="" F=
LABEL a="" b=''
WORKDIR /app
WORKDIR ""
COPY <<EOT /empty
EOT
R
  run bld -t empty "$CTX"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  c=$(config empty)
  [ "$(jq -c '.config.Env[1:]' <<<"$c")" = '["E=","F="]' ]
  [ "$(jq -c .config.Labels <<<"$c")" = '{"a":"","b":""}' ]
  # as BuildKit: an empty WORKDIR keeps the current one
  [ "$(jq -r .config.WorkingDir <<<"$c")" = /app ]
  # the heredoc's file: present and empty
  d=$(jq -r '.manifests[0].digest' "$STORE/index.json")
  l=$(jq -r '.layers[-1].digest' "$STORE/blobs/sha256/${d#sha256:}")
  run tar -tzvf "$STORE/blobs/sha256/${l#sha256:}" empty
  [ "$status" -eq 0 ] && [ "$(awk '{ print $3 }' <<<"$output")" = 0 ]
}

@test "build: an image without layers has rootfs.diff_ids [], inspects, and serves as a FROM" {
  printf 'FROM scratch AS meta\nENV A=1\nFROM meta\nLABEL b=2\n' >"$CTX/Recipe"
  run bld -t nolayers "$CTX"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [ "$(config nolayers | jq -c .rootfs)" = '{"type":"layers","diff_ids":[]}' ]
  run "$BUILDER" --store "$STORE" inspect nolayers
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  printf 'FROM nolayers\nENV C=3\n' >"$CTX/Recipe"
  run bld -t child "$CTX"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [ "$(config child | jq -c '.config.Env[1:]')" = '["A=1","C=3"]' ]
}
