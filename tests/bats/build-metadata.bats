#!/usr/bin/env bats
# Build metadata for pipelines (docs/ci.md): --annotation, the OCI
# standard annotations, --push, --metadata-file's pushed references.

load helpers
load build_helpers

# fail MESSAGE: the test fails, MESSAGE in its output
fail() {
  echo "$*" >&2
  return 1
}

setup_file() {
  # shellcheck source=../../scripts/deps.sh
  . "$TESTS_DIR/../scripts/deps.sh"
  rl_install_missing docker-registry skopeo jq python3
}

teardown() {
  local p
  for p in "${PIDS[@]}"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
}

start_registry() {
  local dir="$BATS_TEST_TMPDIR/registry"
  PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  REG=127.0.0.1:$PORT
  mkdir -p "$dir/data"
  printf 'version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: %s/data\nhttp:\n  addr: %s\n' \
    "$dir" "$REG" >"$dir/config.yml"
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  PIDS=($!)
  local i
  for i in $(seq 100); do
    curl -s -o /dev/null "http://$REG/v2/" && return 0
    sleep 0.1
  done
  fail "the registry does not answer"
}

@test "--annotation, --source, --revision and the timestamp: the manifest's annotations" {
  printf 'FROM busybox\nENV A=1\n' >"$CTX/Recipe"
  run bld --progress plain --timestamp 1700000000 --annotation com.example.team=ci \
    --annotation manifest:com.example.x=a=b --source https://example.com/app.git --revision 0123abc \
    -t app "$CTX"
  [ "$status" -eq 0 ] || fail "$output"
  local a
  a=$(manifest app | jq -c .annotations)
  [ "$(jq -r '."org.opencontainers.image.created"' <<<"$a")" = 2023-11-14T22:13:20Z ] || fail "$a"
  [ "$(jq -r '."org.opencontainers.image.source"' <<<"$a")" = https://example.com/app.git ] || fail "$a"
  [ "$(jq -r '."org.opencontainers.image.revision"' <<<"$a")" = 0123abc ] || fail "$a"
  [ "$(jq -r '."com.example.team"' <<<"$a")" = ci ] || fail "$a"
  [ "$(jq -r '."com.example.x"' <<<"$a")" = a=b ] || fail "$a"
  # an --annotation wins over the standard one
  SOURCE_DATE_EPOCH=0 run bld --annotation org.opencontainers.image.created=yesterday -t app2 "$CTX"
  [ "$status" -eq 0 ] || fail "$output"
  [ "$(manifest app2 | jq -r '.annotations."org.opencontainers.image.created"')" = yesterday ]
}

@test "SOURCE_DATE_EPOCH gives org.opencontainers.image.created; no timestamp, no created annotation" {
  printf 'FROM busybox\nENV A=1\n' >"$CTX/Recipe"
  SOURCE_DATE_EPOCH=86400 run bld -t app "$CTX"
  [ "$status" -eq 0 ] || fail "$output"
  [ "$(manifest app | jq -r '.annotations."org.opencontainers.image.created"')" = 1970-01-02T00:00:00Z ]
  unset SOURCE_DATE_EPOCH
  run bld -t app3 "$CTX"
  [ "$status" -eq 0 ] || fail "$output"
  [ "$(manifest app3 | jq -r '.annotations."org.opencontainers.image.created" // "none"')" = none ]
}

@test "--annotation: bad specs are one clear error" {
  printf 'FROM busybox\n' >"$CTX/Recipe"
  run bld --annotation novalue "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *"--annotation novalue: want [manifest:|index:]KEY=VALUE"* ]] || fail "$output"
  run bld --annotation manifest-descriptor:k=v "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *'"manifest-descriptor" is not manifest or index'* ]] || fail "$output"
  run bld --annotation index:k=v "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *"this build makes one manifest, no index"* ]] || fail "$output"
  run bld --push "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *"--push needs a name (-t)"* ]] || fail "$output"
}

@test "--push: every -t name pushed; --metadata-file names the pushed references" {
  command -v docker-registry >/dev/null || fail "docker-registry is missing (scripts/deps.sh)"
  start_registry
  printf 'FROM busybox\nRUN echo hi > /hi\n' >"$CTX/Recipe"
  run bld --progress plain --timestamp 0 --push --tls-verify false --metadata-file "$BATS_TEST_TMPDIR/m.json" \
    -t "$REG/team/app:v1" -t "$REG/team/app:latest" "$CTX"
  [ "$status" -eq 0 ] || fail "$output"
  local m d
  m=$(cat "$BATS_TEST_TMPDIR/m.json")
  d=$(jq -r '."containerimage.digest"' <<<"$m")
  [[ "$d" == sha256:* ]] || fail "$m"
  [ "$(jq -r '."builder.pushed" | join(" ")' <<<"$m")" = "$REG/team/app:v1@$d $REG/team/app:latest@$d" ] || fail "$m"
  [ "$(jq -r '."image.name"' <<<"$m")" = "$REG/team/app:v1,$REG/team/app:latest" ] || fail "$m"
  run skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REG/team/app:v1"
  [ "$status" -eq 0 ] || fail "$output"
  [ "$output" = "$d" ]
  run skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REG/team/app:latest"
  [ "$output" = "$d" ]
  # no --push: no pushed references
  bld --timestamp 0 --metadata-file "$BATS_TEST_TMPDIR/m2.json" -t app "$CTX" >/dev/null
  [ "$(jq -r '."builder.pushed" // "none"' "$BATS_TEST_TMPDIR/m2.json")" = none ]
}

@test "--push to a registry that is not there: a clear error, non-zero" {
  printf 'FROM busybox\n' >"$CTX/Recipe"
  PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  run bld --push --tls-verify false -t "127.0.0.1:$PORT/app:v1" "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *"build: --push: 127.0.0.1:$PORT/app:v1"* ]] || fail "$output"
}

@test "--progress=rawjson: one JSON object per event (start, log, cached, done, message)" {
  printf 'FROM busybox\nRUN echo "out \\"quoted\\""\nENV A=1\n' >"$CTX/Recipe"
  run bld --progress=rawjson --timestamp 0 -t app "$CTX"
  [ "$status" -eq 0 ] || fail "$output"
  local line
  while IFS= read -r line; do
    jq -e 'type == "object" and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{9}Z$"))' \
      <<<"$line" >/dev/null || fail "not an event: $line"
  done <<<"$output"
  local ev
  ev=$(jq -sc '[.[] | [.event, .vertex // "", .name // .text // ""]]' <<<"$output")
  jq -e '.[0] == ["start", "[1/3]", "FROM busybox"]' <<<"$ev" >/dev/null || fail "$ev"
  jq -e 'any(.[]; . == ["start", "[2/3]", "RUN echo \"out \\\"quoted\\\"\""])' <<<"$ev" >/dev/null || fail "$ev"
  jq -e 'any(.[]; . == ["log", "[2/3]", "out \"quoted\""])' <<<"$ev" >/dev/null || fail "$ev"
  jq -e 'any(.[]; . == ["done", "[2/3]", ""])' <<<"$ev" >/dev/null || fail "$ev"
  jq -e 'any(.[]; .[0] == "message" and (.[2] | startswith("writing image sha256:")))' <<<"$ev" >/dev/null || fail "$ev"
  [ "$(jq -s '[.[] | select(.event == "done")][0] | (.duration_ms | type) + " " + (.step | tostring) + "/" + (.total | tostring)' <<<"$output")" = '"number 1/3"' ]
  # again: the RUN step is cached
  run bld --progress=rawjson --timestamp 0 -t app "$CTX"
  [ "$status" -eq 0 ] || fail "$output"
  jq -se 'any(.[]; .event == "cached" and .step == 2)' <<<"$output" >/dev/null || fail "$output"
  jq -se 'all(.[]; .event != "log")' <<<"$output" >/dev/null || fail "$output"
}

@test "--progress=rawjson: a failing step is an error event, the error on stderr" {
  printf 'FROM busybox\nRUN exit 3\n' >"$CTX/Recipe"
  bld --progress=rawjson -t app "$CTX" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" && fail "the build succeeded"
  jq -se '.[-1].event == "error" and .[-1].step == 2' "$BATS_TEST_TMPDIR/out" >/dev/null || fail "$(cat "$BATS_TEST_TMPDIR/out")"
  grep -q "exit" "$BATS_TEST_TMPDIR/err" || fail "$(cat "$BATS_TEST_TMPDIR/err")"
}

@test "--provenance --push: an artifact whose subject is the image, under the referrers tag sha256-HEX" {
  command -v skopeo >/dev/null || fail "skopeo is missing (scripts/deps.sh)"
  start_registry
  printf 'FROM busybox\nARG V\nRUN echo "$V" > /v\n' >"$CTX/Recipe"
  echo data >"$CTX/f"
  run bld --progress plain --timestamp 0 --push --tls-verify false --provenance --build-arg V=7 \
    --metadata-file "$BATS_TEST_TMPDIR/m.json" -t "$REG/team/app:v1" "$CTX"
  [ "$status" -eq 0 ] || fail "$output"
  local d p idx man doc base
  d=$(jq -r '."containerimage.digest"' "$BATS_TEST_TMPDIR/m.json")
  p=$(jq -r '."builder.provenance.digest"' "$BATS_TEST_TMPDIR/m.json")
  [[ "$p" == sha256:* ]] || fail "$(cat "$BATS_TEST_TMPDIR/m.json")"
  # the fallback tag lists the artifact
  idx=$(skopeo inspect --tls-verify=false --raw "docker://$REG/team/app:sha256-${d#sha256:}") || fail "no referrers tag"
  [ "$(jq -r '.manifests[0].digest' <<<"$idx")" = "$p" ] || fail "$idx"
  [ "$(jq -r '.manifests[0].artifactType' <<<"$idx")" = application/vnd.runc-lite.builder.provenance.v1+json ]
  man=$(skopeo inspect --tls-verify=false --raw "docker://$REG/team/app@$p") || fail "no artifact manifest"
  [ "$(jq -r .subject.digest <<<"$man")" = "$d" ] || fail "$man"
  [ "$(jq -r .config.mediaType <<<"$man")" = application/vnd.oci.empty.v1+json ] || fail "$man"
  # the record: fetched from the registry, checked against the inputs
  doc=$(curl -sf "http://$REG/v2/team/app/blobs/$(jq -r '.layers[0].digest' <<<"$man")") || fail "no record blob"
  [ "$(jq -r .recipe.digest <<<"$doc")" = "sha256:$(sha256sum <"$CTX/Recipe" | cut -d' ' -f1)" ] || fail "$doc"
  [ "$(jq -r .image.digest <<<"$doc")" = "$d" ] || fail "$doc"
  [ "$(jq -r '.buildArgs | join(",")' <<<"$doc")" = V=7 ] || fail "$doc"
  base=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "busybox:latest") | .digest' "$STORE/index.json")
  [ "$(jq -r '.bases | join(",")' <<<"$doc")" = "busybox@$base" ] || fail "$doc"
  [ "$(jq -r .created <<<"$doc")" = 1970-01-01T00:00:00Z ] || fail "$doc"
  [[ "$(jq -r .context.digest <<<"$doc")" == sha256:* ]] || fail "$doc"
  # the artifact is in the store too
  [ -f "$STORE/blobs/sha256/${p#sha256:}" ]
}

# ctx_digest: the provenance record's context digest of a build of $CTX
ctx_digest() {
  local p l
  bld --timestamp 0 --provenance --metadata-file "$BATS_TEST_TMPDIR/m.json" -t app "$CTX" >/dev/null || return 1
  p=$(jq -r '."builder.provenance.digest"' "$BATS_TEST_TMPDIR/m.json")
  l=$(jq -r '.layers[0].digest' "$STORE/blobs/sha256/${p#sha256:}")
  jq -r .context.digest "$STORE/blobs/sha256/${l#sha256:}"
}

@test "--provenance: the context digest follows the context's files and links, and only them" {
  printf 'FROM busybox\nENV A=1\n' >"$CTX/Recipe"
  mkdir -p "$CTX/d"
  echo data >"$CTX/d/f"
  local long
  long=$(printf 'x%.0s' $(seq 200))
  ln -s "/$long/a" "$CTX/l"
  local c1 c2 c3 c4
  c1=$(ctx_digest)
  [[ "$c1" == sha256:* ]] || fail "$c1"
  c2=$(ctx_digest)
  [ "$c1" = "$c2" ] || fail "the same context gave $c1 and $c2"
  echo other >"$CTX/d/f"
  c3=$(ctx_digest)
  [ "$c3" != "$c2" ] || fail "a file's content did not count"
  ln -sfn "/$long/b" "$CTX/l"
  c4=$(ctx_digest)
  [ "$c4" != "$c3" ] || fail "a long link target's end did not count"
}
