#!/usr/bin/env bats
# builder prune (issue 13 item 5): plain prune removes dangling images and
# the blobs nothing reaches but keeps the build cache; --all also removes
# unused images (docker image prune -a); --build-cache empties the step
# cache, or trims it with --keep-storage SIZE and --filter until=DURATION.

load helpers
load build_helpers

# a build stage whose RUN steps only the cache keeps (no image holds them)
stage_recipe() {
  printf 'FROM busybox AS build\nRUN echo one | tee /out\nRUN echo two | tee -a /out\nFROM busybox\nCOPY --from=build /out /out\nCMD ["sh"]\n' \
    >"$CTX/Recipe"
}

teardown() {
  [ -z "${STORE:-}" ] || b prune --all --build-cache >/dev/null 2>&1 || true
}

b() { "$BUILDER" --store "$STORE" "$@"; }
pbld() { b build --runtime "$RUNC_LITE" --timestamp 0 --progress plain "$@"; }

# ran OUTPUT: how many RUN steps ran (not CACHED) in a plain progress output
ran() { grep -c '^\[.*\] | one$\|^\[.*\] | two$' <<<"$1" || true; }
cached() { grep -c 'CACHED' <<<"$1" || true; }

# record_of TEXT: the step cache record of the RUN step whose layer's /out
# holds TEXT
record_of() {
  local f
  for f in "$STORE"/.store/cache/*; do
    [ "$(jq -r .kind "$f")" = layer ] || continue
    local d
    d=$(jq -r .digest "$f")
    # the layer blob holds the file the step wrote
    if [ "$(tar -xOf "$STORE/blobs/sha256/${d#sha256:}" 2>/dev/null)" = "$1" ]; then
      echo "$f"
      return 0
    fi
  done
  return 1
}

entry_size() { echo $(( $(jq .size "$1") + $(stat -c %s "$1") )); }

@test "prune keeps the build cache: a build stage's RUN steps stay cached; --build-cache empties it" {
  stage_recipe
  run pbld -t app "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(ran "$output")" -eq 2 ]
  run b prune
  echo "$output"
  [ "$status" -eq 0 ]
  run pbld -t app "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(ran "$output")" -eq 0 ]
  [[ "$output" == *"RUN echo one | tee /out"*CACHED* ]]
  run b prune --build-cache
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Build cache: "*" step cache entries removed"* ]]
  [ -z "$(ls "$STORE/.store/cache")" ]
  # the images stay whole
  b inspect app >/dev/null
  b unpack app "$BATS_TEST_TMPDIR/u" >/dev/null
  [ "$(cat "$BATS_TEST_TMPDIR/u/rootfs/out")" = $'one\ntwo' ]
  run pbld -t app "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(ran "$output")" -eq 2 ]
}

@test "prune: a dangling image goes, a named one stays; --all removes every image no container uses" {
  printf 'FROM busybox\nRUN echo dangling | tee /d\n' >"$CTX/Recipe"
  run pbld "$CTX"
  [ "$status" -eq 0 ]
  dangling=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == null) | .digest' \
    "$STORE/index.json")
  [ -n "$dangling" ]
  named=$(b inspect busybox | jq -r .digest)
  run b prune
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"deleted: $dangling"* ]]
  [ ! -e "$STORE/blobs/sha256/${dangling#sha256:}" ]
  [ "$(jq '.manifests | length' "$STORE/index.json")" -eq 1 ]
  [ -f "$STORE/blobs/sha256/${named#sha256:}" ]
  b inspect busybox >/dev/null
  # the dangling image's RUN is still in the build cache
  run pbld "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" == *CACHED* ]]
  [ "$(grep -c '| dangling$' <<<"$output" || true)" -eq 0 ]
  # --all: named images go too; the cache still holds its layers
  run b prune --all
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(jq '.manifests | length' "$STORE/index.json")" -eq 0 ]
  [ ! -e "$STORE/blobs/sha256/${named#sha256:}" ]
  run b inspect busybox
  [ "$status" -ne 0 ]
  [ -n "$(ls "$STORE/.store/cache")" ]
  for f in "$STORE"/.store/cache/*; do
    d=$(jq -r '.digest // empty' "$f")
    [ -z "$d" ] || [ -f "$STORE/blobs/sha256/${d#sha256:}" ]
  done
}

@test "prune --build-cache --filter until=DURATION: entries not used for DURATION go; a hit counts as a use" {
  stage_recipe
  run pbld -t app "$CTX"
  [ "$status" -eq 0 ]
  one=$(record_of one)
  two=$(record_of $'one\ntwo')
  [ -n "$one" ] && [ -n "$two" ] && [ "$one" != "$two" ]
  touch -d '-3 hours' "$STORE"/.store/cache/*
  touch -d '-30 minutes' "$two"
  run b prune --build-cache --filter until=1h
  echo "$output"
  [ "$status" -eq 0 ]
  [ ! -e "$one" ]
  [ -f "$two" ]
  # a cache hit makes the entry recent again
  touch -d '-3 hours' "$STORE"/.store/cache/*
  printf 'FROM busybox\nRUN echo one | tee /out\n' >"$CTX/Recipe"
  run pbld -t app2 "$CTX"
  [ "$status" -eq 0 ]
  [ "$(ran "$output")" -eq 1 ]
  run pbld -t app2 "$CTX"
  [ "$(ran "$output")" -eq 0 ]
  one=$(record_of one)
  touch -d '-3 hours' "$one"
  run pbld -t app2 "$CTX"
  [ "$(ran "$output")" -eq 0 ]
  run b prune --build-cache --filter until=1h
  [ "$status" -eq 0 ]
  [ -f "$one" ]
  [ -z "$(find "$STORE/.store/cache" -type f ! -newermt '-1 hour')" ]
  # a bad filter or duration
  run b prune --build-cache --filter until=soon
  [ "$status" -eq 1 ]
  [[ "$output" == "builder: prune: --filter until=soon:"*"invalid duration"* ]]
  run b prune --build-cache --filter label=x
  [ "$status" -eq 1 ]
  [[ "$output" == "builder: prune: --filter label=x: "* ]]
}

@test "prune --build-cache --keep-storage SIZE: the most recently used entries up to SIZE stay" {
  stage_recipe
  run pbld -t app "$CTX"
  [ "$status" -eq 0 ]
  one=$(record_of one)
  two=$(record_of $'one\ntwo')
  base=$(ls "$STORE"/.store/cache | wc -l)
  touch -d '-3 hours' "$STORE"/.store/cache/*
  touch -d '-1 hour' "$one"
  touch "$two"
  # a large SIZE: nothing goes
  run b prune --build-cache --keep-storage 1g
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(ls "$STORE"/.store/cache | wc -l)" -eq "$base" ]
  # room for the two newest only
  # an entry's size: its record and the layer blob it records
  size=$(( $(entry_size "$one") + $(entry_size "$two") ))
  run b prune --build-cache --keep-storage "$size"
  echo "$output"
  [ "$status" -eq 0 ]
  [ -f "$one" ] && [ -f "$two" ]
  [ -z "$(for f in "$STORE"/.store/cache/*; do [ "$f" = "$one" ] || [ "$f" = "$two" ] || [ "$(jq -r .kind "$f")" != layer ] || echo "$f"; done)" ]
  # room for the newest only
  run b prune --build-cache --keep-storage "$(entry_size "$two")b"
  [ "$status" -eq 0 ]
  [ ! -e "$one" ] && [ -f "$two" ]
  run b prune --build-cache --keep-storage 0
  [ "$status" -eq 0 ]
  [ -z "$(ls "$STORE"/.store/cache)" ]
  run b prune --keep-storage 1g
  [ "$status" -eq 1 ]
  [[ "$output" == "builder: prune: --keep-storage and --filter need --build-cache"* ]]
  run b prune --build-cache --keep-storage lots
  [ "$status" -eq 1 ]
  [[ "$output" == "builder: prune: --keep-storage: expected a size such as 512m or 10g, got \"lots\""* ]]
}
