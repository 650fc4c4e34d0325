#!/usr/bin/env bats
# build --cache-to / --cache-from (docs/cache.md): fresh stores ("runners")
# that share the step cache through Debian's docker-registry on loopback
# or a local directory, as CI runners would.  A RUN prints EXEC-<name>
# when it runs, so the progress output says which steps ran.

load helpers

setup_file() {
  # shellcheck source=../../scripts/deps.sh
  . "$TESTS_DIR/../scripts/deps.sh"
  rl_install_missing docker-registry jq python3
}

setup() {
  [ "$(id -u)" = 0 ] || skip "builder build needs root (overlayfs, the runtime)"
  for t in docker-registry python3 jq; do
    command -v "$t" >/dev/null || fail "$t is missing and could not be installed (scripts/deps.sh)"
  done
  PIDS=()
  TS=(--timestamp 0)
  unset SOURCE_DATE_EPOCH
  CTX="$BATS_TEST_TMPDIR/ctx"
  mkdir -p "$CTX"
  echo a1 >"$CTX/a.txt"
  echo b1 >"$CTX/b.txt"
  cat >"$CTX/Recipe" <<'R'
FROM busybox AS build
COPY a.txt /a.txt
RUN echo EXEC-build1 && cat /a.txt > /out1
COPY b.txt /b.txt
RUN echo EXEC-build2 && cat /out1 /b.txt > /out2
FROM busybox
ENV X=1
COPY --from=build /out2 /out2
RUN echo EXEC-final && cp /out2 /final
R
  BASE="$BATS_TEST_TMPDIR/base"
  mkdir -p "$BASE"
  cp -a "$(busybox_rootfs_cache)" "$BASE/rootfs"
  printf 'FROM scratch\nCOPY rootfs/ /\nCMD ["sh"]\n' >"$BASE/Recipe"
}

teardown() {
  local p
  for p in "${PIDS[@]}"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
}

# runner N ARGS...: builds $CTX in the store of runner N (made with the
# busybox base on first use), plain progress, with $TS (--timestamp 0).
runner() {
  local store="$BATS_TEST_TMPDIR/runner$1"
  shift
  if [ ! -d "$store" ]; then
    "$BUILDER" --store "$store" build -t busybox --timestamp 0 "$BASE" >/dev/null || return 1
  fi
  "$BUILDER" --store "$store" build --runtime "$RUNC_LITE" --progress plain "${TS[@]}" -t app "$@" "$CTX"
}

# the manifest digest of app in runner N's store
app_digest() {
  jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "app:latest") | .digest' \
    "$BATS_TEST_TMPDIR/runner$1/index.json"
}

start_registry() {
  local dir="$BATS_TEST_TMPDIR/registry"
  PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  REG=127.0.0.1:$PORT
  mkdir -p "$dir/data"
  printf 'version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: %s/data\nhttp:\n  addr: %s\n' \
    "$dir" "$REG" >"$dir/config.yml"
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  PIDS+=($!)
  local i
  for i in $(seq 100); do
    curl -s -o /dev/null "http://$REG/v2/" && return 0
    sleep 0.1
  done
  fail "the registry does not answer"
}

# rewrite_records DIR FILTER: the records blob of the cache in DIR through
# jq FILTER, the manifest and index.json rewritten after it so that every
# digest is right (a cache whose content lies, not a damaged one).
rewrite_records() {
  local dir=$1 m cfg c2 m2
  m=$(jq -r '.manifests[0].digest' "$dir/index.json")
  cfg=$(jq -r '.config.digest' "$dir/blobs/sha256/${m#sha256:}")
  jq -c "$2" "$dir/blobs/sha256/${cfg#sha256:}" >"$BATS_TEST_TMPDIR/cfg"
  c2=$(sha256sum "$BATS_TEST_TMPDIR/cfg" | cut -d' ' -f1)
  cp "$BATS_TEST_TMPDIR/cfg" "$dir/blobs/sha256/$c2"
  jq -c --arg d "sha256:$c2" --argjson s "$(stat -c %s "$BATS_TEST_TMPDIR/cfg")" '.config.digest = $d | .config.size = $s' \
    "$dir/blobs/sha256/${m#sha256:}" >"$BATS_TEST_TMPDIR/man"
  m2=$(sha256sum "$BATS_TEST_TMPDIR/man" | cut -d' ' -f1)
  cp "$BATS_TEST_TMPDIR/man" "$dir/blobs/sha256/$m2"
  jq -c --arg d "sha256:$m2" '.manifests[0].digest = $d' "$dir/index.json" >"$BATS_TEST_TMPDIR/index"
  cp "$BATS_TEST_TMPDIR/index" "$dir/index.json"
}

# ran NAME: whether the last output shows RUN NAME executing
ran() {
  grep -q "| EXEC-$1\$" <<<"$output"
}

@test "cache-to/from registry, mode=max: a fresh runner runs no RUN and gets the same image" {
  start_registry
  cache="type=registry,ref=$REG/cache/app:ci,registry.insecure=true"
  # The first CI run: nothing at REF yet, one warning line.
  run runner 1 --cache-from "$cache" --cache-to "$cache,mode=max"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(grep -c "^WARNING: cache $REG/cache/app:ci ignored: .*404" <<<"$output")" = 1 ]
  ran build1 && ran build2 && ran final
  [[ "$output" == *"exporting cache to $REG/cache/app:ci: sha256:"* ]]
  # The cache is an OCI artifact of its own type.
  curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/cache/app/manifests/ci" >"$BATS_TEST_TMPDIR/m.json"
  jq -e '.artifactType == "application/vnd.runclite.builder.cache.v1+json" and .config.mediaType == .artifactType' "$BATS_TEST_TMPDIR/m.json"

  run runner 2 --cache-from "$cache" --cache-to "$cache,mode=max"
  echo "$output"
  [ "$status" -eq 0 ]
  ! ran build1
  ! ran build2
  ! ran final
  [[ "$output" == *"| CACHED"* ]]
  [ "$(app_digest 2)" = "$(app_digest 1)" ]
  # Exported again: every blob is there already, none is uploaded.
  [[ "$output" == *"exporting cache to $REG/cache/app:ci: sha256:"*", 0 of "*" blobs uploaded"* ]]

  # One source changes: only the steps after its COPY run (a third runner).
  echo b2 >"$CTX/b.txt"
  run runner 3 --cache-from "$cache"
  echo "$output"
  [ "$status" -eq 0 ]
  ! ran build1
  ran build2
  ran final
  run runner 1
  [ "$status" -eq 0 ]
  [ "$(app_digest 3)" = "$(app_digest 1)" ]
}

@test "cache-to registry, mode=min: only the image's steps are exported" {
  start_registry
  cache="type=registry,ref=$REG/cache/app:min,registry.insecure=true"
  run runner 1 --cache-to "$cache"
  [ "$status" -eq 0 ]
  run runner 2 --cache-from "$cache"
  echo "$output"
  [ "$status" -eq 0 ]
  ran build1
  ran build2
  ! ran final
  [ "$(app_digest 2)" = "$(app_digest 1)" ]
}

@test "cache-from: a COPY --from hit is keyed by the stage's chain: the build stage's layers are not extracted; a change in it reruns the COPY" {
  dir="$BATS_TEST_TMPDIR/cachedir"
  run runner 1 --cache-to "type=local,dest=$dir,mode=max"
  [ "$status" -eq 0 ]
  # runner 2's layer cache before (its busybox base) and after the build
  "$BUILDER" --store "$BATS_TEST_TMPDIR/runner2" build -t busybox --timestamp 0 "$BASE" >/dev/null
  layers() { find "$BATS_TEST_TMPDIR/runner$1/.store/layers" -mindepth 1 -maxdepth 1 | sort; }
  before=$(layers 2)
  [ -n "$before" ]
  run runner 2 --cache-from "type=local,src=$dir"
  echo "$output"
  [ "$status" -eq 0 ]
  ! ran build1
  ! ran build2
  ! ran final
  grep -A1 '] COPY --from=build /out2 /out2$' <<<"$output" | grep -q '| CACHED$'
  [ "$(app_digest 2)" = "$(app_digest 1)" ]
  [ "$(layers 2)" = "$before" ]
  # the built image still runs from those layers
  run "$BUILDER" --store "$BATS_TEST_TMPDIR/runner2" run --rm --runtime "$RUNC_LITE" app cat /final
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'a1\nb1')" ]
  # a source of the build stage changes: its steps and the COPY --from rerun
  echo b2 >"$CTX/b.txt"
  run runner 2 --cache-from "type=local,src=$dir"
  echo "$output"
  [ "$status" -eq 0 ]
  ! ran build1
  ran build2
  ran final
  run "$BUILDER" --store "$BATS_TEST_TMPDIR/runner2" run --rm --runtime "$RUNC_LITE" app cat /final
  [ "$output" = "$(printf 'a1\nb2')" ]
}

@test "cache-to/from type=local: the same through a directory" {
  dir="$BATS_TEST_TMPDIR/cachedir"
  run runner 1 --cache-to "type=local,dest=$dir,mode=max"
  [ "$status" -eq 0 ]
  [ -f "$dir/oci-layout" ]
  jq -e '.manifests[0].artifactType == "application/vnd.runclite.builder.cache.v1+json"' "$dir/index.json"
  run runner 2 --cache-from "type=local,src=$dir"
  echo "$output"
  [ "$status" -eq 0 ]
  ! ran build1
  ! ran build2
  ! ran final
  [ "$(app_digest 2)" = "$(app_digest 1)" ]
  echo a2 >"$CTX/a.txt"
  run runner 3 --cache-from "type=local,src=$dir"
  echo "$output"
  [ "$status" -eq 0 ]
  ran build1
  ran build2
  ran final
}

@test "without --timestamp: the cached steps keep their first build's times (metadata runs too)" {
  TS=()
  dir="$BATS_TEST_TMPDIR/cachedir"
  run runner 1 --cache-to "type=local,dest=$dir,mode=max"
  [ "$status" -eq 0 ]
  sleep 1.1
  run runner 2 --cache-from "type=local,src=$dir"
  echo "$output"
  [ "$status" -eq 0 ]
  ! ran build1
  ! ran final
  [ "$(app_digest 2)" = "$(app_digest 1)" ]
}

@test "a corrupt cache gives a warning and a correct build" {
  dir="$BATS_TEST_TMPDIR/cachedir"
  run runner 1 --cache-to "type=local,dest=$dir,mode=max"
  [ "$status" -eq 0 ]
  want=$(app_digest 1)

  # A layer blob whose content does not match its digest: that step runs.
  m=$(jq -r '.manifests[0].digest' "$dir/index.json")
  layer=$(jq -r '.layers[-1].digest' "$dir/blobs/sha256/${m#sha256:}")
  cp "$dir/blobs/sha256/${layer#sha256:}" "$BATS_TEST_TMPDIR/saved"
  echo garbage >"$dir/blobs/sha256/${layer#sha256:}"
  run runner 2 --cache-from "type=local,src=$dir"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(grep -c '^WARNING: cache .* not used: .*digest' <<<"$output")" -ge 1 ]
  [ "$(app_digest 2)" = "$want" ]
  cp "$BATS_TEST_TMPDIR/saved" "$dir/blobs/sha256/${layer#sha256:}"

  # index.json that is no JSON: the cache is ignored, everything runs.
  cp "$dir/index.json" "$BATS_TEST_TMPDIR/index.json"
  echo '{"manifests":[' >"$dir/index.json"
  run runner 3 --cache-from "type=local,src=$dir"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(grep -c "^WARNING: cache $dir ignored: " <<<"$output")" = 1 ]
  ran build1 && ran build2 && ran final
  [ "$(app_digest 3)" = "$want" ]
  cp "$BATS_TEST_TMPDIR/index.json" "$dir/index.json"

  # A cache for another platform.
  rewrite_records "$dir" '.platform.architecture = "s390x"'
  run runner 4 --cache-from "type=local,src=$dir"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"WARNING: cache $dir ignored: built for linux/s390x"* ]]
  ran build1 && ran build2 && ran final
  [ "$(app_digest 4)" = "$want" ]
  cp "$BATS_TEST_TMPDIR/index.json" "$dir/index.json"

  # A record whose diffID is another layer's: the blob says otherwise, the
  # step runs (its layer dir may already be extracted under that diffID).
  rewrite_records "$dir" '[.records[] | select(.kind == "layer") | .diffID] as $d
    | .records |= map(if .kind == "layer" and .diffID == $d[-1] then .diffID = $d[0] else . end)'
  run runner 5 --cache-from "type=local,src=$dir"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"not used: layer sha256:"*"its diff_id is sha256:"* ]]
  ran final
  [ "$(app_digest 5)" = "$want" ]
}

@test "cache-to type=inline: the pushed image seeds the cache" {
  start_registry
  run runner 1 --cache-to type=inline
  [ "$status" -eq 0 ]
  id1=$(grep '^writing image' <<<"$output")
  "$BUILDER" --store "$BATS_TEST_TMPDIR/runner1" push --tls-verify=false app "$REG/app/inline:1"
  run runner 2 --cache-from "type=registry,ref=$REG/app/inline:1,registry.insecure=true"
  echo "$output"
  [ "$status" -eq 0 ]
  ran build1
  ! ran final
  # The annotation is on the manifest only: the image id is the same.
  [ "$(grep '^writing image' <<<"$output")" = "$id1" ]
}

@test "cache-to/cache-from: bad specs are refused in one line" {
  run "$BUILDER" --store "$BATS_TEST_TMPDIR/s" build --cache-to type=registry "$CTX"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" = 1 ]
  [[ "$output" == *"--cache-to type=registry: type=registry needs ref="* ]]
  run "$BUILDER" --store "$BATS_TEST_TMPDIR/s" build --cache-to type=local,dest=/x,mode=mid "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *'mode "mid" is not min or max'* ]]
  run "$BUILDER" --store "$BATS_TEST_TMPDIR/s" build --cache-from type=inline "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *'type "inline" is not registry, local'* ]]
}

@test "--metadata-file: the image's digests, names and the caches as JSON" {
  dir="$BATS_TEST_TMPDIR/cachedir"
  meta="$BATS_TEST_TMPDIR/meta.json"
  run runner 1 -t app:v2 --cache-to "type=local,dest=$dir" --metadata-file "$meta"
  echo "$output"
  [ "$status" -eq 0 ]
  jq . "$meta"
  [ "$(jq -r '."containerimage.digest"' "$meta")" = "$(app_digest 1)" ]
  [ "$(jq -r '."containerimage.descriptor".digest' "$meta")" = "$(app_digest 1)" ]
  [ "writing image $(jq -r '."containerimage.config.digest"' "$meta")" = "$(grep '^writing image' <<<"$output")" ]
  [ "$(jq -r '."image.name"' "$meta")" = "app:latest,app:v2" ]
  [ "$(jq -c '."builder.cache.to"' "$meta")" = "[\"type=local,dest=$dir\"]" ]
  [ "$(jq -c '."builder.cache.from"' "$meta")" = "[]" ]
  run "$BUILDER" --store "$BATS_TEST_TMPDIR/runner1" build --metadata-file /nonexistent/dir/m.json "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *"--metadata-file /nonexistent/dir/m.json"* ]]
}
