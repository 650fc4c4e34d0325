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

@test "--provenance: the context digest leaves out what the ignore file excludes" {
  printf 'FROM busybox\nCOPY . /ctx\n' >"$CTX/Recipe"
  printf 'ignored\nlogs/\n*.tmp\n!keep.tmp\n' >"$CTX/.dockerignore"
  mkdir -p "$CTX/logs"
  echo a >"$CTX/kept"
  echo a >"$CTX/ignored"
  echo a >"$CTX/logs/x"
  echo a >"$CTX/keep.tmp"
  local c1 c2 c3 c4
  c1=$(ctx_digest)
  [[ "$c1" == sha256:* ]] || fail "$c1"
  # ignored files changed, added, removed: the build sees none of it
  echo b >"$CTX/ignored"
  echo b >"$CTX/logs/x"
  echo new >"$CTX/logs/new"
  echo new >"$CTX/scratch.tmp"
  c2=$(ctx_digest)
  [ "$c1" = "$c2" ] || fail "an ignored file changed the context digest: $c1, then $c2"
  echo b >"$CTX/kept"
  c3=$(ctx_digest)
  [ "$c3" != "$c2" ] || fail "a file the build sees did not count"
  # an exception of the ignore file counts too
  echo b >"$CTX/keep.tmp"
  c4=$(ctx_digest)
  [ "$c4" != "$c3" ] || fail "a file kept by a ! pattern did not count"
}

# prov_build: a build of app with --provenance; sets D (the image's
# manifest digest), P (the artifact's) and L (the record blob's)
prov_build() {
  bld --timestamp 0 --provenance --metadata-file "$BATS_TEST_TMPDIR/m.json" -t app "$CTX" >/dev/null || return 1
  D=$(jq -r '."containerimage.digest"' "$BATS_TEST_TMPDIR/m.json")
  P=$(jq -r '."builder.provenance.digest"' "$BATS_TEST_TMPDIR/m.json")
  L=$(jq -r '.layers[0].digest' "$STORE/blobs/sha256/${P#sha256:}")
}

# has_blob DIGEST: the blob is in the store
has_blob() { [ -f "$STORE/blobs/sha256/${1#sha256:}" ]; }

@test "--provenance: prune keeps the record while it keeps the image, and removes it with the image" {
  local d1 p1 l1 n
  printf 'FROM busybox\nENV A=1\n' >"$CTX/Recipe"
  prov_build || fail "the build failed"
  d1=$D p1=$P l1=$L
  # an unnamed entry with the artifactType, no image of its own
  jq -e --arg p "$P" 'any(.manifests[]; .digest == $p and .artifactType == "application/vnd.runc-lite.builder.provenance.v1+json" and .annotations == null)' \
    "$STORE/index.json" >/dev/null || fail "$(cat "$STORE/index.json")"
  run "$BUILDER" --store "$STORE" images --format json
  [ "$status" -eq 0 ] || fail "$output"
  n=$(jq 'length' <<<"$output")
  [ "$n" -eq 2 ] || fail "images lists $n images: $output"
  run "$BUILDER" --store "$STORE" images --no-trunc -q
  [[ "$output" != *44136fa355b3678a* ]] || fail "the empty config is listed as an image id: $output"
  # the image is named: plain prune keeps it and its record
  run "$BUILDER" --store "$STORE" prune
  [ "$status" -eq 0 ] || fail "$output"
  has_blob "$P" && has_blob "$L" || fail "prune removed the record of a kept image: $output"
  # the name moves to a new image: the old one dangles and goes with its record
  printf 'FROM busybox\nENV A=2\n' >"$CTX/Recipe"
  prov_build || fail "the second build failed"
  [ "$D" != "$d1" ] || fail "the same image twice"
  run "$BUILDER" --store "$STORE" prune
  [ "$status" -eq 0 ] || fail "$output"
  ! has_blob "$d1" || fail "the dangling image stayed: $output"
  ! has_blob "$p1" && ! has_blob "$l1" || fail "the dangling image's record stayed: $output"
  has_blob "$P" && has_blob "$L" || fail "prune removed the record of the named image: $output"
  # the image removed: the next prune takes its record too
  run "$BUILDER" --store "$STORE" rmi app
  [ "$status" -eq 0 ] || fail "$output"
  run "$BUILDER" --store "$STORE" prune
  [ "$status" -eq 0 ] || fail "$output"
  ! has_blob "$D" && ! has_blob "$P" && ! has_blob "$L" || fail "the record outlived its image: $output"
  jq -e 'all(.manifests[]; .artifactType == null)' "$STORE/index.json" >/dev/null || fail "$(cat "$STORE/index.json")"
  # prune --all drops every image, a named one too, and the records with them
  prov_build || fail "the third build failed"
  run "$BUILDER" --store "$STORE" prune --all
  [ "$status" -eq 0 ] || fail "$output"
  ! has_blob "$D" && ! has_blob "$P" && ! has_blob "$L" || fail "prune --all left the record: $output"
  [ "$(jq '.manifests | length' "$STORE/index.json")" -eq 0 ] || fail "$(cat "$STORE/index.json")"
}
