#!/usr/bin/env bats
# builder push and pull against Debian's docker-registry (the distribution
# API v2) on loopback addresses with private storage: plain, with htpasswd
# basic auth, and behind tests/helpers/token-front.py for bearer tokens.
# skopeo checks what push wrote and writes what pull reads.

load helpers

setup_file() {
  # shellcheck source=../../scripts/deps.sh
  . "$TESTS_DIR/../scripts/deps.sh"
  rl_install_missing docker-registry skopeo jq apache2-utils python3
}

setup() {
  for t in docker-registry skopeo htpasswd python3 jq; do
    command -v "$t" >/dev/null || fail "$t is missing and could not be installed (scripts/deps.sh)"
  done
  STORE="$BATS_TEST_TMPDIR/store"
  ROOT="$BATS_TEST_TMPDIR/state"
  ROOTFS="$BATS_TEST_TMPDIR/rootfs"
  mkdir -p "$ROOT"
  cp -a "$(busybox_rootfs_cache)" "$ROOTFS"
  RT="$BATS_TEST_TMPDIR/runtime"
  printf '#!/bin/sh\nexec "%s" --root "%s" "$@"\n' "$RUNC_LITE" "$ROOT" >"$RT"
  chmod +x "$RT"
  PIDS=()
}

teardown() {
  cleanup_containers
  local p
  for p in "${PIDS[@]}"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
}

b() {
  "$BUILDER" --store "$STORE" "$@"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL: until something answers there (any status).
wait_http() {
  local i
  for i in $(seq 100); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "nothing answers at $1" >&2
  return 1
}

# start_registry NAME [AUTH_YAML]: a docker-registry on a free port with
# its storage in $BATS_TEST_TMPDIR/NAME; sets PORT, REG (127.0.0.1:PORT),
# REGDIR (its directory) and REGLOG (its log).
start_registry() {
  REGDIR="$BATS_TEST_TMPDIR/$1"
  PORT=$(free_port)
  REG=127.0.0.1:$PORT
  REGLOG="$REGDIR/log"
  mkdir -p "$REGDIR/data"
  cat >"$REGDIR/config.yml" <<YAML
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $REGDIR/data
http:
  addr: $REG
${2:-}
YAML
  docker-registry serve "$REGDIR/config.yml" >"$REGLOG" 2>&1 &
  PIDS+=($!)
  wait_http "http://$REG/v2/"
}

# requests METHOD: how many requests of METHOD the registry has logged.
requests() {
  grep -c "http.request.method=$1 .*response completed\|response completed.*http.request.method=$1 " "$REGLOG" || true
}

import_busybox() {
  b import "$ROOTFS" "${1:-busybox}" >/dev/null
}

@test "push: skopeo sees the image's manifest digest and layers" {
  start_registry reg
  import_busybox
  run b push --tls-verify=false busybox "$REG/test/busybox:v1"
  [ "$status" -eq 0 ]
  digest=${lines[-1]}
  [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]
  [ "$digest" = "$(b inspect busybox | jq -r .digest)" ]
  [[ "$output" =~ uploaded ]]
  run skopeo inspect --tls-verify=false "docker://$REG/test/busybox:v1"
  [ "$status" -eq 0 ]
  [ "$(jq -r .Digest <<<"$output")" = "$digest" ]
  [ "$(jq -r '.Layers | join(" ")' <<<"$output")" = "$(b inspect busybox | jq -r '[.layers[].digest] | join(" ")')" ]
  # skopeo copies it back out, checking every digest.
  run skopeo copy --src-tls-verify=false "docker://$REG/test/busybox:v1" "oci:$BATS_TEST_TMPDIR/out:x"
  [ "$status" -eq 0 ]
}

@test "push twice: the second push sends no blob" {
  start_registry reg
  import_busybox
  b push --tls-verify=false busybox "$REG/test/busybox:v1"
  patches=$(requests PATCH) puts=$(requests PUT) posts=$(requests POST)
  [ "$puts" -ge 3 ] # two blobs and the manifest
  run b push --tls-verify=false busybox "$REG/test/busybox:v1"
  [ "$status" -eq 0 ]
  [ "$(grep -c 'already present' <<<"$output")" -eq 2 ]
  [ "$(grep -c 'uploaded' <<<"$output")" -eq 0 ]
  # Only the manifest was PUT again; no upload was started.
  [ "$(requests PUT)" -eq $((puts + 1)) ]
  [ "$(requests POST)" -eq "$posts" ]
  [ "$(requests PATCH)" -eq "$patches" ]
}

@test "push of uncompressed layers: gzip on the wire, digests right; a second push compresses and uploads nothing" {
  start_registry reg
  b import --compression none "$ROOTFS" plain >/dev/null
  b inspect plain | jq -e '.layers[0].mediaType == "application/vnd.oci.image.layer.v1.tar"'
  run b push --tls-verify=false plain "$REG/test/plain:v1"
  echo "$output"
  [ "$status" -eq 0 ]
  digest=${lines[-1]}
  [ "$(grep -c ': compressed as sha256:' <<<"$output")" -eq 1 ]
  # skopeo sees a gzip layer and copies it out, checking every digest.
  run skopeo inspect --raw --tls-verify=false "docker://$REG/test/plain:v1"
  [ "$status" -eq 0 ]
  jq -e '.layers[0].mediaType == "application/vnd.oci.image.layer.v1.tar+gzip"' <<<"$output"
  run skopeo copy --src-tls-verify=false "docker://$REG/test/plain:v1" "oci:$BATS_TEST_TMPDIR/out:x"
  [ "$status" -eq 0 ]
  local l
  l=$(jq -r '.manifests[0].digest[7:]' "$BATS_TEST_TMPDIR/out/index.json")
  l=$(jq -r '.layers[0].digest[7:]' "$BATS_TEST_TMPDIR/out/blobs/sha256/$l")
  [ "$(gzip -dc <"$BATS_TEST_TMPDIR/out/blobs/sha256/$l" | sha256sum | cut -d' ' -f1)" = \
    "$(b inspect plain | jq -r '.layers[0].digest[7:]')" ]
  # The second push: the compressed copy is remembered, the registry has it.
  puts=$(requests PUT) posts=$(requests POST)
  run b push --tls-verify=false plain "$REG/test/plain:v1"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "$digest" ]
  [ "$(grep -c ': compressed as' <<<"$output")" -eq 0 ]
  [ "$(grep -c ': compressed before, as sha256:' <<<"$output")" -eq 1 ]
  [ "$(grep -c 'uploaded' <<<"$output")" -eq 0 ]
  [ "$(requests PUT)" -eq $((puts + 1)) ] # the manifest only
  [ "$(requests POST)" -eq "$posts" ]
  # --compression zstd sends zstd.
  run b push --tls-verify=false --compression zstd plain "$REG/test/plain:zstd"
  [ "$status" -eq 0 ]
  skopeo inspect --raw --tls-verify=false "docker://$REG/test/plain:zstd" \
    | jq -e '.layers[0].mediaType == "application/vnd.oci.image.layer.v1.tar+zstd"'
}

@test "push: blobs larger than BUILDER_PUSH_CHUNK_SIZE go up in PATCH chunks" {
  start_registry reg
  import_busybox
  size=$(b inspect busybox | jq -r '.layers[0].size')
  BUILDER_PUSH_CHUNK_SIZE=65536 run b push --tls-verify=false busybox "$REG/test/chunked:v1"
  [ "$status" -eq 0 ]
  [[ "$output" =~ "uploaded in chunks" ]]
  # One PATCH per started chunk of the layer (the config fits in one PUT).
  [ "$(requests PATCH)" -eq $(((size + 65535) / 65536)) ]
  run skopeo inspect --tls-verify=false "docker://$REG/test/chunked:v1"
  [ "$status" -eq 0 ]
  [ "$(jq -r '.Layers[0]' <<<"$output")" = "$(b inspect busybox | jq -r '.layers[0].digest')" ]
  # And it reads back whole.
  run "$BUILDER" --store "$BATS_TEST_TMPDIR/store2" pull --tls-verify=false "$REG/test/chunked:v1"
  [ "$status" -eq 0 ]
  BUILDER_PUSH_CHUNK_SIZE=0x10 run b push --tls-verify=false busybox "$REG/test/chunked:v2"
  [ "$status" -ne 0 ]
  [[ "$output" =~ "BUILDER_PUSH_CHUNK_SIZE: expected a positive number of bytes" ]]
}

@test "push to a second repository mounts the blobs (remembered in the store, or --from)" {
  start_registry reg
  import_busybox
  b push --tls-verify=false busybox "$REG/one/busybox:v1"
  run b push --tls-verify=false busybox "$REG/two/busybox:v1"
  [ "$status" -eq 0 ]
  [ "$(grep -c 'mounted from one/busybox' <<<"$output")" -eq 2 ]
  grep -q 'mount=sha256' "$REGLOG"
  # Another store that never pushed: the --from hint.
  cp -a "$STORE" "$BATS_TEST_TMPDIR/other"
  rm -f "$BATS_TEST_TMPDIR/other/.store/registry-blobs"
  run "$BUILDER" --store "$BATS_TEST_TMPDIR/other" push --tls-verify=false --from one/busybox busybox "$REG/three/busybox:v1"
  [ "$status" -eq 0 ]
  [ "$(grep -c 'mounted from one/busybox' <<<"$output")" -eq 2 ]
  run skopeo inspect --tls-verify=false "docker://$REG/three/busybox:v1"
  [ "$status" -eq 0 ]
  # A --from that does not hold the blobs: the registry opens an upload
  # session instead, and the blobs go up through it.
  rm -f "$BATS_TEST_TMPDIR/other/.store/registry-blobs"
  posts=$(requests POST)
  run "$BUILDER" --store "$BATS_TEST_TMPDIR/other" push --tls-verify=false --from nowhere/empty busybox "$REG/four/busybox:v1"
  [ "$status" -eq 0 ]
  [ "$(grep -c ': uploaded$' <<<"$output")" -eq 2 ]
  [ "$(requests POST)" -eq $((posts + 2)) ]
  run skopeo inspect --tls-verify=false "docker://$REG/four/busybox:v1"
  [ "$status" -eq 0 ]
}

@test "pull what skopeo pushed (OCI and Docker schema2), then run it" {
  start_registry reg
  import_busybox
  skopeo copy --dest-tls-verify=false "oci:$STORE:busybox:latest" "docker://$REG/sk/oci:1"
  skopeo copy --dest-tls-verify=false --format v2s2 "oci:$STORE:busybox:latest" "docker://$REG/sk/docker:1"
  other="$BATS_TEST_TMPDIR/pulled"
  run "$BUILDER" --store "$other" pull --tls-verify=false "$REG/sk/oci:1"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "$(skopeo inspect --tls-verify=false "docker://$REG/sk/oci:1" | jq -r .Digest)" ]
  [ "$(grep -c ': downloaded$' <<<"$output")" -eq 2 ]
  # Again: nothing is downloaded (no blob GET reaches the registry).
  blob_gets=$(grep 'response completed' "$REGLOG" | grep -c 'http.request.method=GET .*http.request.uri="\?/v2/sk/oci/blobs/' || true)
  run "$BUILDER" --store "$other" pull --tls-verify=false "$REG/sk/oci:1"
  [ "$status" -eq 0 ]
  [ "$(grep -c ': already present$' <<<"$output")" -eq 2 ]
  [ "$(grep 'response completed' "$REGLOG" | grep -c 'http.request.method=GET .*http.request.uri="\?/v2/sk/oci/blobs/' || true)" -eq "$blob_gets" ]
  [ "$blob_gets" -ge 2 ]
  run "$BUILDER" --store "$other" pull --tls-verify=false "$REG/sk/docker:1" dock
  [ "$status" -eq 0 ]
  [ "$("$BUILDER" --store "$other" inspect dock | jq -r '.layers[0].mediaType')" = application/vnd.docker.image.rootfs.diff.tar.gzip ]
  run "$BUILDER" --store "$other" images
  [[ "$output" =~ $REG/sk/oci\ +1 ]]
  [[ "$output" =~ dock\ +latest ]]
  run "$BUILDER" --store "$other" run --rm --runtime "$RT" "$REG/sk/oci:1" echo pulled-oci
  [ "$status" -eq 0 ]
  [ "$output" = pulled-oci ]
  run "$BUILDER" --store "$other" run --rm --runtime "$RT" dock echo pulled-docker
  [ "$status" -eq 0 ]
  [ "$output" = pulled-docker ]
  # The Docker manifest goes back up as it is, with its own Content-Type;
  # its blobs are mounted from where the pulls found them.
  run "$BUILDER" --store "$other" push --tls-verify=false dock "$REG/back/docker:1"
  [ "$status" -eq 0 ]
  [ "$(grep -c 'mounted from sk/' <<<"$output")" -eq 2 ]
  run skopeo inspect --raw --tls-verify=false "docker://$REG/back/docker:1"
  [ "$(jq -r .mediaType <<<"$output")" = application/vnd.docker.distribution.manifest.v2+json ]
  [ "$(skopeo inspect --tls-verify=false "docker://$REG/back/docker:1" | jq -r .Digest)" = "$("$BUILDER" --store "$other" inspect dock | jq -r .digest)" ]
}

@test "pull by digest, and an index picks the host's platform" {
  start_registry reg
  import_busybox
  digest=$(b push --tls-verify=false busybox "$REG/test/busybox:v1" 2>/dev/null)
  other="$BATS_TEST_TMPDIR/pulled"
  run "$BUILDER" --store "$other" pull --tls-verify=false "$REG/test/busybox@$digest" bydigest
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "$digest" ]
  [ "$("$BUILDER" --store "$other" inspect bydigest | jq -r .digest)" = "$digest" ]
  run "$BUILDER" --store "$other" pull --tls-verify=false "$REG/test/busybox@$digest"
  [ "$status" -ne 0 ]
  [[ "$output" =~ "needs a NAME" ]]
  # An index with another platform's image first and ours second.
  echo other >"$ROOTFS/other"
  b import "$ROOTFS" foreign >/dev/null
  fdigest=$(b push --tls-verify=false foreign "$REG/test/busybox:foreign" 2>/dev/null)
  fsize=$(jq -r --arg d "$fdigest" '.manifests[] | select(.digest == $d) | .size' "$STORE/index.json")
  msize=$(jq -r --arg d "$digest" '.manifests[] | select(.digest == $d) | .size' "$STORE/index.json")
  case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
  jq -n --arg d "$digest" --argjson s "$msize" --arg a "$arch" --arg fd "$fdigest" --argjson fs "$fsize" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $fd, size: $fs, platform: {os: "linux", architecture: "s390x"}},
                  {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s, platform: {os: "linux", architecture: $a}}]}' >"$BATS_TEST_TMPDIR/index.json"
  curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' --data-binary "@$BATS_TEST_TMPDIR/index.json" "http://$REG/v2/test/busybox/manifests/multi"
  run "$BUILDER" --store "$other" pull --tls-verify=false "$REG/test/busybox:multi" fromindex
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "$digest" ]
  # An index without our platform.
  jq '.manifests |= [.[0]]' "$BATS_TEST_TMPDIR/index.json" >"$BATS_TEST_TMPDIR/foreign.json"
  curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' --data-binary "@$BATS_TEST_TMPDIR/foreign.json" "http://$REG/v2/test/busybox/manifests/foreign-only"
  run "$BUILDER" --store "$other" pull --tls-verify=false "$REG/test/busybox:foreign-only" nope
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" =~ "no manifest for linux/$arch in the index" ]]
  # An index in the store (skopeo copies all of it there) is pushed whole:
  # both manifests with their blobs, then the index itself.
  skopeo copy --all --src-tls-verify=false "docker://$REG/test/busybox:multi" "oci:$other:multi:latest"
  run "$BUILDER" --store "$other" push --tls-verify=false multi "$REG/copy/multi:1"
  [ "$status" -eq 0 ]
  index_digest=$(skopeo inspect --raw --tls-verify=false "docker://$REG/test/busybox:multi" | sha256sum | cut -d' ' -f1)
  [ "${lines[-1]}" = "sha256:$index_digest" ]
  [ "$(skopeo inspect --raw --tls-verify=false "docker://$REG/copy/multi:1" | sha256sum | cut -d' ' -f1)" = "$index_digest" ]
  for d in "$digest" "$fdigest"; do
    skopeo inspect --tls-verify=false --raw "docker://$REG/copy/multi@$d" >/dev/null
  done
  run skopeo inspect --tls-verify=false --override-arch s390x "docker://$REG/copy/multi:1"
  [ "$status" -eq 0 ]
  [ "$(jq -r '.Layers[0]' <<<"$output")" = "$(b inspect foreign | jq -r '.layers[0].digest')" ]
}

@test "https: --tls-verify=false accepts a self-signed certificate, --tls-verify=true refuses it" {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$BATS_TEST_TMPDIR/key.pem" -out "$BATS_TEST_TMPDIR/cert.pem" 2>/dev/null
  start_registry tls "  tls:
    certificate: $BATS_TEST_TMPDIR/cert.pem
    key: $BATS_TEST_TMPDIR/key.pem"
  import_busybox
  # (a loopback registry is insecure unless verification is asked for, as docker has it)
  run b push --tls-verify=true busybox "$REG/test/busybox:v1"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" =~ "registry $REG: GET https://$REG/v2/: ".*certificate ]]
  run b push --tls-verify=false busybox "$REG/test/busybox:v1"
  [ "$status" -eq 0 ]
  run skopeo inspect --tls-verify=false "docker://$REG/test/busybox:v1"
  [ "$status" -eq 0 ]
  [ "$(jq -r .Digest <<<"$output")" = "$(b inspect busybox | jq -r .digest)" ]
  run b pull --tls-verify=true "$REG/test/busybox:v1"
  [ "$status" -ne 0 ]
  # the default for a loopback registry: the certificate is not verified
  run b pull "$REG/test/busybox:v1"
  [ "$status" -eq 0 ]
}

@test "pull errors: unknown tag, registry down, https required with --tls-verify=true" {
  start_registry reg
  run b pull --tls-verify=false "$REG/test/nothing:nope"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" =~ ^builder:\ pull\ $REG/test/nothing:nope:\ .*404\ MANIFEST_UNKNOWN ]]
  port=$(free_port)
  run b pull --tls-verify=false "127.0.0.1:$port/test/busybox:v1"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" =~ "registry 127.0.0.1:$port".*(Connection refused|Could not connect|Couldn\'t connect) ]]
  # With --tls-verify=true it is https only: the plain registry fails, and
  # the message says it answered plain http (the default for a loopback
  # registry, as docker, is plain http when https fails).
  import_busybox
  run b push --tls-verify=true busybox "$REG/test/busybox:v1"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" =~ "registry $REG: the server answered plain HTTP to an HTTPS request" ]]
  run b push busybox "$REG/test/busybox:v1"
  [ "$status" -eq 0 ]
  run b push --tls-verify=maybe busybox "$REG/test/busybox:v1"
  [ "$status" -ne 0 ]
  [[ "$output" =~ "--tls-verify takes true or false" ]]
  run b pull --tls-verify=false "$REG/Bad/Name:v1"
  [ "$status" -ne 0 ]
  [[ "$output" =~ "invalid repository name" ]]
  run b push --tls-verify=false nosuch "$REG/test/nosuch:v1"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" =~ nosuch ]]
  run b push busybox
  [ "$status" -ne 0 ]
  [[ "$output" =~ "usage: builder push" ]]
  run b pull
  [ "$status" -ne 0 ]
  [[ "$output" =~ "usage: builder pull" ]]
  run b pull --from x "$REG/test/busybox:v1"
  [ "$status" -ne 0 ]
  [[ "$output" =~ "pull: unknown or incomplete option \"--from\"" ]]
}

@test "pull: a corrupt blob is a digest mismatch and nothing is named" {
  start_registry reg
  import_busybox
  b push --tls-verify=false busybox "$REG/test/busybox:v1"
  layer=$(b inspect busybox | jq -r '.layers[0].digest')
  data="$REGDIR/data/docker/registry/v2/blobs/sha256/${layer:7:2}/${layer#sha256:}/data"
  [ -f "$data" ]
  # Same length, other bytes.
  printf 'XXXXXXXX' | dd of="$data" bs=1 seek=100 conv=notrunc status=none
  other="$BATS_TEST_TMPDIR/pulled"
  run "$BUILDER" --store "$other" pull --tls-verify=false "$REG/test/busybox:v1" victim
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" =~ "digest mismatch" ]]
  [[ "$output" =~ $layer ]]
  run "$BUILDER" --store "$other" images -q
  [ -z "$output" ]
  [ ! -e "$other/blobs/sha256/${layer#sha256:}" ]
  [ -z "$(ls "$other/.store/tmp")" ]
}

@test "basic auth (htpasswd): --creds, --authfile, the default auth.json; wrong or no credentials are unauthorized" {
  htpasswd -Bbn alice secret >"$BATS_TEST_TMPDIR/htpasswd"
  start_registry auth "auth:
  htpasswd:
    realm: test-realm
    path: $BATS_TEST_TMPDIR/htpasswd"
  import_busybox
  run b push --tls-verify=false busybox "$REG/test/busybox:v1"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" =~ "registry $REG: unauthorized: authentication required" ]]
  run b push --tls-verify=false --creds alice:wrong busybox "$REG/test/busybox:v1"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" =~ "registry $REG: unauthorized" ]]
  run b push --tls-verify=false --creds alice:secret busybox "$REG/test/busybox:v1"
  [ "$status" -eq 0 ]
  printf '{"auths":{"%s":{"auth":"%s"}}}' "$REG" "$(printf alice:secret | base64)" >"$BATS_TEST_TMPDIR/auth.json"
  run b pull --tls-verify=false --authfile "$BATS_TEST_TMPDIR/auth.json" "$REG/test/busybox:v1" viafile
  [ "$status" -eq 0 ]
  mkdir -p "$BATS_TEST_TMPDIR/xdg/containers"
  cp "$BATS_TEST_TMPDIR/auth.json" "$BATS_TEST_TMPDIR/xdg/containers/auth.json"
  XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/xdg" run b pull --tls-verify=false "$REG/test/busybox:v1" viadefault
  [ "$status" -eq 0 ]
  printf '{"auths":{"%s":{"auth":"!!"}}}' "$REG" >"$BATS_TEST_TMPDIR/bad.json"
  run b pull --tls-verify=false --authfile "$BATS_TEST_TMPDIR/bad.json" "$REG/test/busybox:v1"
  [ "$status" -ne 0 ]
  [[ "$output" =~ "auth file $BATS_TEST_TMPDIR/bad.json" ]]
  run b pull --tls-verify=false --creds nocolon "$REG/test/busybox:v1"
  [ "$status" -ne 0 ]
  [[ "$output" =~ "credentials must be USER:PASSWORD" ]]
}

@test "bearer tokens: a 401 challenge sends us to the realm for a token, with basic credentials" {
  start_registry backend
  FRONT=$(free_port)
  python3 "$TESTS_DIR/helpers/token-front.py" "$FRONT" "$PORT" bob hunter2 2>"$BATS_TEST_TMPDIR/front.log" &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$FRONT/v2/"
  import_busybox
  BUILDER_PUSH_CHUNK_SIZE=65536 run b push --tls-verify=false --creds bob:hunter2 busybox "127.0.0.1:$FRONT/test/busybox:v1"
  [ "$status" -eq 0 ]
  digest=${lines[-1]}
  # Chunks through the front's relative Locations.
  [[ "$output" =~ "uploaded in chunks" ]]
  grep -q '"PATCH /v2/test/busybox/blobs/uploads/' "$BATS_TEST_TMPDIR/front.log"
  grep -q 'GET /token?service=test-registry&scope=repository%3Atest%2Fbusybox%3Apull%2Cpush' "$BATS_TEST_TMPDIR/front.log"
  # A mount asks for two scopes: two scope parameters at the realm.
  run b push --tls-verify=false --creds bob:hunter2 busybox "127.0.0.1:$FRONT/test/again:v1"
  [ "$status" -eq 0 ]
  [ "$(grep -c 'mounted from test/busybox' <<<"$output")" -eq 2 ]
  grep -q 'GET /token?service=test-registry&scope=repository%3Atest%2Fagain%3Apull%2Cpush&scope=repository%3Atest%2Fbusybox%3Apull ' "$BATS_TEST_TMPDIR/front.log"
  run "$BUILDER" --store "$BATS_TEST_TMPDIR/pulled" pull --tls-verify=false --creds bob:hunter2 "127.0.0.1:$FRONT/test/busybox:v1"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "$digest" ]
  run b pull --tls-verify=false --creds bob:wrong "127.0.0.1:$FRONT/test/busybox:v1"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" =~ "registry 127.0.0.1:$FRONT: unauthorized: authentication required (the token server http://127.0.0.1:$FRONT/token answered 401)" ]]
  # A manifest whose Docker-Content-Digest is not its digest is refused.
  LIAR=$(free_port)
  python3 "$TESTS_DIR/helpers/token-front.py" "$LIAR" "$PORT" bob hunter2 wrong-digest 2>/dev/null &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$LIAR/v2/"
  run "$BUILDER" --store "$BATS_TEST_TMPDIR/lied" pull --tls-verify=false --creds bob:hunter2 "127.0.0.1:$LIAR/test/busybox:v1"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" =~ "manifest v1: digest mismatch: Docker-Content-Digest says sha256:0000" ]]
  run b push --tls-verify=false --creds bob:hunter2 busybox "127.0.0.1:$LIAR/test/busybox:v2"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 3 ] # two "already present" lines, then the error
  [[ "${lines[2]}" =~ "the registry answered Docker-Content-Digest sha256:0000".*"for manifest $digest" ]]
  # An upload Location on another host is not sent our token.
  ELSEWHERE=$(free_port)
  python3 "$TESTS_DIR/helpers/token-front.py" "$ELSEWHERE" "$PORT" bob hunter2 foreign-location 2>/dev/null &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$ELSEWHERE/v2/"
  echo more >"$ROOTFS/more"
  b import "$ROOTFS" more >/dev/null
  run b push --tls-verify=false --creds bob:hunter2 more "127.0.0.1:$ELSEWHERE/test/more:v1"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" =~ "registry 127.0.0.1:$ELSEWHERE: unauthorized".*"PUT http://localhost:$ELSEWHERE/v2/test/more/blobs/uploads/" ]]
}

# hostile_registry MODE: a stub registry on a free port (HOSTILE) that
# answers /v2/ and then what MODE says; its requests, with the
# Authorization each carried, are logged in $BATS_TEST_TMPDIR/hostile.log.
hostile_registry() {
  HOSTILE=$(free_port)
  cat >"$BATS_TEST_TMPDIR/hostile.py" <<'PY'
import http.server, json, sys
PORT, MODE = int(sys.argv[1]), sys.argv[2]
class Stub(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s %s auth=%s\n" % (self.command, self.headers.get("Host"), self.path,
                                                 self.headers.get("Authorization")))
        sys.stderr.flush()
    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
    def do_GET(self):
        if self.path == "/v2/":
            return self.reply(200, b"{}")
        if MODE == "multiline-error":
            body = {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "no such\nbuilder: forged line\x1b[2J"}]}
            return self.reply(404, json.dumps(body).encode(), [("Content-Type", "application/json")])
        if MODE == "redirect-401":
            # The registry sends the manifest GET to another host, which
            # asks for a token from a realm of its own.
            if "/manifests/" in self.path and self.headers.get("Host", "").startswith("127."):
                return self.reply(302, b"", [("Location", "http://localhost:%d/cdn/x" % PORT)])
            if self.path.startswith("/realm"):
                return self.reply(200, b'{"token":"t"}')
            return self.reply(401, b"", [("WWW-Authenticate", 'Bearer realm="http://localhost:%d/realm"' % PORT)])
        if MODE == "huge-token":
            if self.path.startswith("/token"):
                return self.reply(200, b'{"token":"' + b"a" * (3 << 20) + b'"}')
            if self.headers.get("Authorization"):
                return self.reply(404, b"")
            return self.reply(401, b"", [("WWW-Authenticate", 'Bearer realm="http://127.0.0.1:%d/token"' % PORT)])
        return self.reply(404, b"")
    do_HEAD = do_GET
http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Stub).serve_forever()
PY
  python3 "$BATS_TEST_TMPDIR/hostile.py" "$HOSTILE" "$1" 2>"$BATS_TEST_TMPDIR/hostile.log" &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$HOSTILE/v2/"
}

@test "a registry's error text with a newline or an escape stays one line of ours" {
  hostile_registry multiline-error
  run b pull --tls-verify=false "127.0.0.1:$HOSTILE/test/x:v1"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [ "$output" = "builder: pull 127.0.0.1:$HOSTILE/test/x:v1: GET /v2/test/x/manifests/v1: 404 MANIFEST_UNKNOWN: no such builder: forged line [2J" ]
}

@test "a 401 from the host a redirect led to is not answered: our credentials do not go to its realm" {
  hostile_registry redirect-401
  run b pull --tls-verify=false --creds bob:hunter2 "127.0.0.1:$HOSTILE/test/x:v1"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" =~ "registry 127.0.0.1:$HOSTILE: unauthorized: authentication required (GET /v2/test/x/manifests/v1: 401)" ]]
  # the redirect was followed, but nothing asked the other host's realm
  grep -q "^GET localhost:$HOSTILE /cdn/x auth=None" "$BATS_TEST_TMPDIR/hostile.log"
  ! grep "/realm" "$BATS_TEST_TMPDIR/hostile.log"
}

@test "a token answer larger than 1 MiB is refused as such" {
  hostile_registry huge-token
  run b pull --tls-verify=false "127.0.0.1:$HOSTILE/test/x:v1"
  [ "$status" -eq 1 ]
  [ "$output" = "builder: pull 127.0.0.1:$HOSTILE/test/x:v1: registry 127.0.0.1:$HOSTILE: the token server http://127.0.0.1:$HOSTILE/token answered more than 1048576 bytes" ]
}

# build CONTEXT_DIR RECIPE_TEXT ARGS...: builder build with this file's runtime
build_ctx() {
  local ctx="$BATS_TEST_TMPDIR/$1"
  mkdir -p "$ctx"
  printf '%b' "$2" >"$ctx/Recipe"
  shift 2
  b build --runtime "$RT" "$@" "$ctx"
}

@test "build --format docker: Docker schema 2 media types that the registry and skopeo take" {
  start_registry reg
  import_busybox
  run build_ctx fmt 'FROM busybox\nRUN echo hi > /hi\n' --format docker -t "$REG/test/fmt:v1"
  echo "$output"
  [ "$status" -eq 0 ]
  run b push --tls-verify=false "$REG/test/fmt:v1" "$REG/test/fmt:v1"
  echo "$output"
  [ "$status" -eq 0 ]
  run skopeo inspect --raw --tls-verify=false "docker://$REG/test/fmt:v1"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(jq -r .mediaType <<<"$output")" = application/vnd.docker.distribution.manifest.v2+json ]
  [ "$(jq -r .config.mediaType <<<"$output")" = application/vnd.docker.container.image.v1+json ]
  [ "$(jq -r '[.layers[].mediaType] | unique | .[]' <<<"$output")" = application/vnd.docker.image.rootfs.diff.tar.gzip ]
  run skopeo inspect --tls-verify=false "docker://$REG/test/fmt:v1"
  [ "$status" -eq 0 ]
  # and it comes back as it went
  run "$BUILDER" --store "$BATS_TEST_TMPDIR/store2" pull --tls-verify=false "$REG/test/fmt:v1"
  [ "$status" -eq 0 ]
  run build_ctx fmt2 'FROM busybox\n' --format bogus
  [ "$status" -ne 0 ]
  [[ "$output" == *"--format bogus: want oci or docker"* ]]
}

@test "build --pull: missing pulls a registry base once, always takes the registry's current one" {
  start_registry reg
  import_busybox
  build_ctx v1 'FROM busybox\nRUN echo one > /version\n' -t "$REG/test/base:v1" >/dev/null
  b push --tls-verify=false "$REG/test/base:v1" "$REG/test/base:v1" >/dev/null
  local store1="$STORE"
  STORE="$BATS_TEST_TMPDIR/store2"
  run build_ctx use "FROM $REG/test/base:v1\nRUN cat /version > /seen\n" -t use1
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"pulling $REG/test/base:v1"* ]]
  # a new image under the same name in the registry
  STORE="$store1"
  build_ctx v2 'FROM busybox\nRUN echo two > /version\n' -t "$REG/test/base:v1" >/dev/null
  b push --tls-verify=false "$REG/test/base:v1" "$REG/test/base:v1" >/dev/null
  STORE="$BATS_TEST_TMPDIR/store2"
  # missing (the default): the store's copy, no request
  run build_ctx use "FROM $REG/test/base:v1\nRUN cat /version > /seen\n" -t use2
  [ "$status" -eq 0 ]
  [[ "$output" != *pulling* ]]
  run b run --rm --runtime "$RT" use2 cat /seen
  [ "$output" = one ]
  run build_ctx use "FROM $REG/test/base:v1\nRUN cat /version > /seen\n" --pull=always -t use3
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"pulling $REG/test/base:v1"* ]]
  run b run --rm --runtime "$RT" use3 cat /seen
  echo "$output"
  [ "$output" = two ]
}
