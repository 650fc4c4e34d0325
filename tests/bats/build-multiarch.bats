#!/usr/bin/env bats
# builder build --platform linux/amd64,linux/arm64: one build per platform,
# RUN of the arm64 one under QEMU user emulation (Debian's
# qemu-user-static through binfmt_misc), the result an OCI image index;
# the base picked from an index per platform; push, save, pull --platform
# and run --platform of the index.  The arm64 base is Debian's arm64
# busybox-static package (downloaded once into $MULTIARCH_CACHE).
# Starts a registry: run it under `flock /tmp/rl-heavy.lock`.

load helpers
load build_helpers

MULTIARCH_CACHE=${MULTIARCH_CACHE:-/var/tmp/runc-lite-multiarch}
BINFMT=/proc/sys/fs/binfmt_misc

# The arm64 busybox-static .deb, downloaded when not cached.
arm64_deb() {
  local deb
  deb=$(ls "$MULTIARCH_CACHE"/busybox-static_*_arm64.deb 2>/dev/null | head -1)
  if [ -z "$deb" ]; then
    mkdir -p "$MULTIARCH_CACHE"
    (
      cd "$MULTIARCH_CACHE" || exit 1
      flock /tmp/apt.lock sh -c '
        dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
        apt-get download busybox-static:arm64 >/dev/null 2>&1 ||
          { apt-get update >/dev/null 2>&1 && apt-get download busybox-static:arm64 >/dev/null 2>&1; }'
    ) || return 1
    deb=$(ls "$MULTIARCH_CACHE"/busybox-static_*_arm64.deb 2>/dev/null | head -1)
  fi
  [ -n "$deb" ] && echo "$deb"
}

setup_file() {
  [ "$(id -u)" = 0 ] || return 0
  # shellcheck source=../../scripts/deps.sh
  . "$TESTS_DIR/../scripts/deps.sh"
  rl_install_missing qemu-user-static docker-registry skopeo jq
  # binfmt_misc and QEMU's aarch64 entry, with the F flag (the emulator
  # opened at registration, found from inside a container); what this
  # file sets up, it removes afterwards.
  if [ ! -e "$BINFMT/status" ]; then
    mount -t binfmt_misc binfmt_misc "$BINFMT" && touch "$BATS_FILE_TMPDIR/mounted-binfmt"
  fi
  if [ ! -e "$BINFMT/qemu-aarch64" ] && [ -e /usr/lib/binfmt.d/qemu-aarch64.conf ]; then
    cat /usr/lib/binfmt.d/qemu-aarch64.conf >"$BINFMT/register" && touch "$BATS_FILE_TMPDIR/registered-aarch64"
  fi
}

teardown_file() {
  if [ -e "$BATS_FILE_TMPDIR/registered-aarch64" ]; then
    echo -1 >"$BINFMT/qemu-aarch64" || true
  fi
  if [ -e "$BATS_FILE_TMPDIR/mounted-binfmt" ]; then
    umount "$BINFMT" || true
  fi
}

# Runs before each test (build_helpers' setup: $STORE with busybox, $CTX),
# then the two single-platform bases and the index "base" of both.
setup() {
  [ "$(id -u)" = 0 ] || skip "builder build needs root (overlayfs, the runtime)"
  [ "$(uname -m)" = x86_64 ] || fail "this suite's amd64 base is the host's busybox: it needs an x86_64 host"
  grep -q '^flags: .*F' "$BINFMT/qemu-aarch64" ||
    fail "no qemu-aarch64 entry with the F flag in $BINFMT: install qemu-user-static (setup_file registers it)"
  local deb
  deb=$(arm64_deb) || fail "could not download busybox-static:arm64 into $MULTIARCH_CACHE"
  STORE="$BATS_TEST_TMPDIR/store"
  CTX="$BATS_TEST_TMPDIR/ctx"
  mkdir -p "$CTX"
  local arm="$BATS_TEST_TMPDIR/arm64-rootfs" applet
  mkdir -p "$arm"
  dpkg-deb -x "$deb" "$arm"
  mkdir -p "$arm/tmp"
  for applet in sh uname cat echo; do ln -s busybox "$arm/bin/$applet"; done
  b import --platform linux/arm64 "$arm" base-arm64 >/dev/null
  b import "$(busybox_rootfs_cache)" base-amd64 >/dev/null
  printf 'FROM base-$TARGETARCH\n' >"$BATS_TEST_TMPDIR/Recipe.base"
  b build --platform linux/amd64,linux/arm64 -t base -f "$BATS_TEST_TMPDIR/Recipe.base" "$CTX" >/dev/null
  PIDS=()
}

teardown() {
  local p
  for p in "${PIDS[@]}"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
}

b() {
  "$BUILDER" --store "$STORE" "$@"
}

# the manifest of PLATFORM (linux/ARCH) in the index named NAME
platform_manifest() {
  local idx d
  idx=$(manifest "$1")
  d=$(jq -r --arg a "${2#linux/}" '.manifests[] | select(.platform.architecture == $a) | .digest' <<<"$idx")
  cat "$STORE/blobs/sha256/${d#sha256:}"
}

# a file of the top layer of the manifest on stdin
top_layer_file() {
  local l
  l=$(jq -r '.layers[-1].digest')
  tar -xOf "$STORE/blobs/sha256/${l#sha256:}" "$1" # (tar or tar+gzip)
}

# start_registry: Debian's docker-registry on a free loopback port, $REG
# (stopped by teardown)
start_registry() {
  local regdir="$BATS_TEST_TMPDIR/reg" port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  REG=127.0.0.1:$port
  mkdir -p "$regdir/data"
  printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' "$regdir/data" "$REG" >"$regdir/config.yml"
  docker-registry serve "$regdir/config.yml" >"$regdir/log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do curl -s -o /dev/null "http://$REG/v2/" && break; sleep 0.1; done
}

recipe_uname() {
  cat >"$CTX/Recipe" <<'R'
FROM base
ARG TARGETPLATFORM
ARG TARGETARCH
ARG BUILDPLATFORM
RUN uname -m > /arch && echo "$TARGETPLATFORM $TARGETARCH $BUILDPLATFORM" > /args
CMD ["cat", "/arch"]
R
}

@test "build --platform amd64,arm64: an index of both, RUN emulated for arm64, platform ARGs per build" {
  recipe_uname
  run b build --progress plain --platform linux/amd64,linux/arm64 -t multi "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"building for linux/amd64"* && "$output" == *"building for linux/arm64"* ]]
  idx=$(manifest multi)
  [ "$(jq -r .mediaType <<<"$idx")" = application/vnd.oci.image.index.v1+json ]
  [ "$(jq -r '[.manifests[].platform | .os + "/" + .architecture] | join(",")' <<<"$idx")" = linux/amd64,linux/arm64 ]
  [ "$(platform_manifest multi linux/arm64 | top_layer_file arch)" = aarch64 ]
  [ "$(platform_manifest multi linux/amd64 | top_layer_file arch)" = x86_64 ]
  [ "$(platform_manifest multi linux/arm64 | top_layer_file args)" = "linux/arm64 arm64 linux/amd64" ]
  [ "$(platform_manifest multi linux/amd64 | top_layer_file args)" = "linux/amd64 amd64 linux/amd64" ]
  # each manifest's config says its platform
  c=$(platform_manifest multi linux/arm64 | jq -r .config.digest)
  [ "$(jq -r .architecture "$STORE/blobs/sha256/${c#sha256:}")" = arm64 ]
  # the per-platform steps are cached apart, and the index is the same again
  run b build --progress plain --platform linux/amd64,linux/arm64 -t multi "$CTX"
  [ "$status" -eq 0 ]
  [ "$(grep -c 'CACHED' <<<"$output")" -eq 2 ]
  [ "$(manifest multi)" = "$idx" ]
}

@test "build: the step cache key holds the platform (same layers, same command, another platform: no hit)" {
  # an image that says arm64 over the very layer of base-amd64
  b import --platform linux/arm64 "$(busybox_rootfs_cache)" fake-arm64 >/dev/null
  printf 'FROM base-amd64\nRUN echo built > /f\n' >"$CTX/Recipe"
  run b build --progress plain --platform linux/amd64 "$CTX"
  [ "$status" -eq 0 ]
  printf 'FROM fake-arm64\nRUN echo built > /f\n' >"$CTX/Recipe"
  run b build --progress plain --platform linux/arm64 "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" != *CACHED* ]]
  run b build --progress plain --platform linux/arm64 "$CTX"
  [[ "$output" == *CACHED* ]]
}

@test "build --progress tty --platform amd64,arm64: a view of each platform's steps, each with its summary" {
  recipe_uname
  run python3 "$TESTS_DIR/helpers/pty-run.py" 40 120 -- "$BUILDER" --store "$STORE" build --progress tty \
    --platform linux/amd64,linux/arm64 -t multi "$CTX"
  [ "$status" -eq 0 ]
  # the text as it stays on the screen: each redraw starts with "[+] Building"
  [ "$(grep -a -c 'building for linux/' <<<"$output")" -eq 2 ]
  [ "$(grep -a -o '(6/6, 0 cached) FINISHED' <<<"$output" | wc -l)" -eq 2 ]
  after_arm64=${output#*building for linux/arm64}
  [[ "$after_arm64" == *"[5/6] RUN uname -m"* ]]
}

@test "run --platform linux/arm64 runs the index's arm64 image under emulation; the default is the host's" {
  recipe_uname
  b build --platform linux/amd64,linux/arm64 -t multi "$CTX" >/dev/null
  run b run --rm --runtime "$RUNC_LITE" --platform linux/arm64 multi
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = aarch64 ]
  run b run --rm --runtime "$RUNC_LITE" multi
  [ "$status" -eq 0 ]
  [ "$output" = x86_64 ]
  run b run --rm --runtime "$RUNC_LITE" --platform linux/riscv64 multi
  [ "$status" -ne 0 ]
  [[ "$output" == *"no manifest for linux/riscv64 in the index"* ]]
}

@test "images, inspect, history of a multi-platform image: its host image, listed once by its name" {
  recipe_uname
  b build --platform linux/amd64,linux/arm64 -t multi "$CTX" >/dev/null
  amd=$(platform_manifest multi linux/amd64 | jq -r .config.digest)
  run b images --format json
  [ "$status" -eq 0 ]
  [ "$(jq -r '.[] | select(.repository == "multi") | .id' <<<"$output")" = "$amd" ]
  [ "$(jq -r '.[] | select(.repository == "multi") | .digest' <<<"$output")" = "$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "multi:latest") | .digest' "$STORE/index.json")" ]
  # the platforms' own manifests are no <none> rows of their own
  [ "$(jq '[.[] | select(.repository == "<none>")] | length' <<<"$output")" -eq 0 ]
  run b inspect multi
  [ "$status" -eq 0 ]
  [ "$(jq -r .id <<<"$output")" = "$amd" ]
  [ "$(jq -r .config.architecture <<<"$output")" = amd64 ]
  run b history multi
  [ "$status" -eq 0 ]
  [[ "$output" == *"RUN /bin/sh -c uname -m"* ]]
}

@test "build --platform: the host's alone builds one image as without it; a platform the base lacks is a clear error" {
  recipe_uname
  run b build --platform linux/amd64 -t one "$CTX"
  [ "$status" -eq 0 ]
  [ "$(jq -r .mediaType <<<"$(manifest one)")" = application/vnd.oci.image.manifest.v1+json ]
  [ "$(manifest one | top_layer_file arch)" = x86_64 ]
  run b build --platform linux/amd64,linux/s390x -t two "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *"linux/s390x"*"FROM base"*"no manifest for linux/s390x in the index"* ]]
  # a single-platform base of another architecture is refused, not used
  printf 'FROM base-amd64\nRUN true\n' >"$CTX/Recipe"
  run b build --platform linux/arm64 "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *"the image is linux/amd64, not linux/arm64"* ]]
  run b build --platform linux/amd64,linux/amd64 "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *"platform linux/amd64 is given twice"* ]]
  run b build --platform amd64 "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *"want OS/ARCH[/VARIANT]"* ]]
}

@test "build --platform linux/arm64 without QEMU's binfmt_misc entry names qemu-user-static" {
  recipe_uname
  mkdir -p "$BATS_TEST_TMPDIR/binfmt"
  touch "$BATS_TEST_TMPDIR/binfmt/status"
  BUILDER_BINFMT_MISC="$BATS_TEST_TMPDIR/binfmt" run b build --platform linux/arm64 "$CTX"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"RUN: linux/arm64 programs need QEMU user emulation: qemu-aarch64 is not registered"*"qemu-user-static"* ]]
  # registered without the F flag: a container would not find the emulator
  printf 'enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: PO\n' >"$BATS_TEST_TMPDIR/binfmt/qemu-aarch64"
  BUILDER_BINFMT_MISC="$BATS_TEST_TMPDIR/binfmt" run b build --platform linux/arm64 "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *"without the F (fix binary) flag"* ]]
  BUILDER_BINFMT_MISC="$BATS_TEST_TMPDIR/none" run b build --platform linux/arm64 "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *"binfmt_misc is not mounted"*"qemu-user-static"* ]]
}

@test "save and build --output keep the index and both platforms' images" {
  recipe_uname
  run b build --platform linux/amd64,linux/arm64 -t multi --output "type=oci,dest=$BATS_TEST_TMPDIR/out" "$CTX"
  [ "$status" -eq 0 ]
  run skopeo inspect --raw "oci:$BATS_TEST_TMPDIR/out:latest"
  [ "$status" -eq 0 ]
  [ "$(jq -r '[.manifests[].platform.architecture] | join(",")' <<<"$output")" = amd64,arm64 ]
  run skopeo inspect --override-arch arm64 "oci:$BATS_TEST_TMPDIR/out:latest"
  [ "$status" -eq 0 ]
  [ "$(jq -r .Architecture <<<"$output")" = arm64 ]
  b save multi "oci-archive:$BATS_TEST_TMPDIR/multi.tar"
  tar -xOf "$BATS_TEST_TMPDIR/multi.tar" index.json | jq -e '.manifests[0].mediaType == "application/vnd.oci.image.index.v1+json"'
  # every blob the saved index reaches is in the archive (its layers
  # compressed on the way out: another manifest than the store's)
  a="$BATS_TEST_TMPDIR/multi.tar"
  i=$(tar -xOf "$a" index.json | jq -r '.manifests[0].digest')
  m=$(tar -xOf "$a" "blobs/sha256/${i#sha256:}" | jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest')
  tar -xOf "$a" "blobs/sha256/${m#sha256:}" | jq -e '[.layers[].mediaType] | all(. == "application/vnd.oci.image.layer.v1.tar+gzip")'
  for d in $(tar -xOf "$a" "blobs/sha256/${m#sha256:}" | jq -r '.config.digest, .layers[].digest'); do
    tar -tf "$a" "blobs/sha256/${d#sha256:}"
  done
}

@test "push sends the index and both manifests; pull --platform linux/arm64 takes the arm64 one" {
  command -v docker-registry >/dev/null || fail "docker-registry is missing"
  recipe_uname
  b build --platform linux/amd64,linux/arm64 -t multi "$CTX" >/dev/null
  start_registry
  run b push --tls-verify=false multi "$REG/test/multi:v1"
  echo "$output"
  [ "$status" -eq 0 ]
  run skopeo inspect --raw --tls-verify=false "docker://$REG/test/multi:v1"
  [ "$status" -eq 0 ]
  [ "$(jq -r .mediaType <<<"$output")" = application/vnd.oci.image.index.v1+json ]
  [ "$(jq -r '[.manifests[].platform | .os + "/" + .architecture] | join(",")' <<<"$output")" = linux/amd64,linux/arm64 ]
  run skopeo inspect --tls-verify=false --override-arch arm64 "docker://$REG/test/multi:v1"
  [ "$status" -eq 0 ]
  [ "$(jq -r .Architecture <<<"$output")" = arm64 ]
  STORE="$BATS_TEST_TMPDIR/store2"
  run b pull --tls-verify=false --platform linux/arm64 "$REG/test/multi:v1" pulled
  [ "$status" -eq 0 ]
  [ "$(config pulled | jq -r .architecture)" = arm64 ]
  run b run --rm --runtime "$RUNC_LITE" --platform linux/arm64 pulled
  [ "$status" -eq 0 ]
  [ "$output" = aarch64 ]
}

@test "build --platform A,B --annotation index:K=V annotates the index, manifest:K=V each platform's manifest" {
  recipe_uname
  run b build --platform linux/amd64,linux/arm64 -t annotated --annotation index:org.example.kind=multi \
    --annotation manifest:org.example.kind=one "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(manifest annotated | jq -r '.annotations["org.example.kind"]')" = multi ]
  [ "$(platform_manifest annotated linux/arm64 | jq -r '.annotations["org.example.kind"]')" = one ]
  # one platform: no index to annotate
  run b build --platform linux/amd64 --annotation index:k=v "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *"no index (one platform)"* ]]
}

# recipe_marked: RUN says EXEC-run in the progress output when it runs
recipe_marked() {
  cat >"$CTX/Recipe" <<'R'
FROM base AS build
RUN echo EXEC-run && uname -m > /arch
FROM base
COPY --from=build /arch /arch
CMD ["cat", "/arch"]
R
}

# cache_runners CACHE_TO CACHE_FROM: runner 1 ($STORE) builds both
# platforms with --cache-to CACHE_TO, runner 2 (a copy of the store from
# before, bases only) with --cache-from CACHE_FROM: no RUN runs there,
# and both get the same index.
cache_runners() {
  recipe_marked
  cp -a "$STORE" "$BATS_TEST_TMPDIR/runner2"
  run b build --progress plain --timestamp 0 --platform linux/amd64,linux/arm64 --cache-to "$1" -t multi "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(grep -c '| EXEC-run$' <<<"$output")" = 2 ]
  [[ "$output" == *"exporting cache index to "* ]]
  local idx
  idx=$(manifest multi)
  STORE="$BATS_TEST_TMPDIR/runner2"
  run b build --progress plain --timestamp 0 --platform linux/amd64,linux/arm64 --cache-from "$2" -t multi "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  ! grep -q '| EXEC-run$' <<<"$output"
  [[ "$output" != *WARNING* ]]
  [ "$(manifest multi)" = "$idx" ]
  # a host-only build takes the host's entry of the same cache
  STORE="$BATS_TEST_TMPDIR/runner3"
  cp -a "$BATS_TEST_TMPDIR/runner2" "$STORE"
  rm -rf "$STORE/.store/cache"
  run b build --progress plain --timestamp 0 --cache-from "$2" -t one "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  ! grep -q '| EXEC-run$' <<<"$output"
}

@test "build --platform amd64,arm64 --cache-to type=local: one cache manifest per platform; a fresh runner runs no RUN" {
  dir="$BATS_TEST_TMPDIR/cachedir"
  cache_runners "type=local,dest=$dir,mode=max" "type=local,src=$dir"
  [ "$(jq -r '[.manifests[] | .platform.architecture + " " + .artifactType] | join(",")' "$dir/index.json")" = \
    "amd64 application/vnd.runclite.builder.cache.v1+json,arm64 application/vnd.runclite.builder.cache.v1+json" ]
}

@test "build --platform amd64,arm64 --cache-to type=registry: an index of the platforms' caches at REF" {
  command -v docker-registry >/dev/null || fail "docker-registry is missing"
  start_registry
  cache="type=registry,ref=$REG/cache/multi:ci,registry.insecure=true"
  cache_runners "$cache,mode=max" "$cache"
  run skopeo inspect --raw --tls-verify=false "docker://$REG/cache/multi:ci"
  [ "$status" -eq 0 ]
  [ "$(jq -r '[.manifests[].platform | .os + "/" + .architecture] | join(",")' <<<"$output")" = linux/amd64,linux/arm64 ]
}
