#!/usr/bin/env bats
# Images in and out (issue 6): builder save/load, FROM oci-archive: and
# build --output, against the other tools: oci-image-tool, skopeo, umoci,
# podman, containerd (ctr) and buildah.  Every image is made here from
# Debian's busybox-static; nothing comes from a registry.  The tools are
# Debian packages that scripts/deps.sh installs: a missing one fails.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
  [ "$(id -u)" -eq 0 ] || { echo "image-interop.bats runs as root (overlayfs, podman, containerd)" >&2; return 1; }
  # shellcheck source=../../scripts/deps.sh
  . "$TESTS_DIR/../scripts/deps.sh"
  rl_install_missing skopeo umoci oci-image-tool buildah podman conmon containerd ||
    { echo "the interop tools are missing and could not be installed" >&2; return 1; }
  export STORE=$BATS_FILE_TMPDIR/store
  local base=$BATS_FILE_TMPDIR/base app=$BATS_FILE_TMPDIR/app
  mkdir -p "$base" "$app"
  cp -a "$(busybox_rootfs_cache)" "$base/rootfs"
  printf 'FROM scratch\nCOPY rootfs/ /\nCMD ["sh"]\n' >"$base/Recipe"
  "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" -t busybox --timestamp 0 "$base" >/dev/null || return 1
  # app: two layers, the second made by a RUN; its CMD prints what the RUN wrote.
  printf 'FROM busybox\nRUN echo made-by-builder >/msg\nCMD ["cat", "/msg"]\n' >"$app/Recipe"
  "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" -t app --timestamp 0 "$app" >/dev/null || return 1
}

# the services a test started
teardown() {
  podman_teardown
  containerd_stop
}

b() {
  "$BUILDER" --store "$STORE" "$@"
}

# A store of the test's own, with busybox and app copied in.
private_store() {
  cp -a "$STORE" "$BATS_TEST_TMPDIR/store"
  STORE=$BATS_TEST_TMPDIR/store
}

# manifest_digest LAYOUT REFNAME: the digest index.json names REFNAME.
manifest_digest() {
  jq -r --arg n "$2" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' \
    "$1/index.json"
}

# image_id LAYOUT REFNAME: the config digest of the manifest REFNAME names
# (the store keeps layers uncompressed: what save writes has the same
# config, in a manifest of its own naming gzip layers).
image_id() {
  local d
  d=$(manifest_digest "$1" "$2")
  jq -r .config.digest "$1/blobs/sha256/${d#sha256:}"
}

# recipe DIR TEXT: DIR/Recipe holding TEXT (printf format).
recipe() {
  mkdir -p "$1"
  # shellcheck disable=SC2059
  printf "$2" >"$1/Recipe"
}

# built_runs NAME RECIPE WANT: builds RECIPE (a printf format) as NAME,
# runs it; its output must be WANT.
built_runs() {
  recipe "$BATS_TEST_TMPDIR/ctx-$1" "$2"
  b build --runtime "$RUNC_LITE" -t "$1" "$BATS_TEST_TMPDIR/ctx-$1" >/dev/null
  run b run --rm --runtime "$RUNC_LITE" "$1"
  [ "$status" -eq 0 ] && [ "$output" = "$3" ] || { echo "$1: status $status, output: $output" >&2; return 1; }
}

@test "save oci-archive: a sorted, deterministic tar of a layout with both names and Docker's manifest.json" {
  b save app "oci-archive:$BATS_TEST_TMPDIR/a.tar"
  sleep 1.1 # a clock-dependent byte would show
  b save app "oci-archive:$BATS_TEST_TMPDIR/b.tar"
  cmp "$BATS_TEST_TMPDIR/a.tar" "$BATS_TEST_TMPDIR/b.tar"
  run tar -tvf "$BATS_TEST_TMPDIR/a.tar"
  [ "$status" -eq 0 ]
  # owners 0/0, mtime the epoch, entries sorted
  [ "$(grep -vc ' 0/0 .* 1970-01-01 00:00 ' <<<"$output")" -eq 0 ]
  tar -tf "$BATS_TEST_TMPDIR/a.tar" >"$BATS_TEST_TMPDIR/names"
  LC_ALL=C sort -c "$BATS_TEST_TMPDIR/names"
  grep -qx oci-layout "$BATS_TEST_TMPDIR/names"
  local index digest
  index=$(tar -xOf "$BATS_TEST_TMPDIR/a.tar" index.json)
  [ "$(jq -r '.manifests | length' <<<"$index")" = 1 ]
  digest=$(jq -r '.manifests[0].digest' <<<"$index")
  # the store's image (its config), its layers gzip-compressed on the way
  [ "$(tar -xOf "$BATS_TEST_TMPDIR/a.tar" "blobs/sha256/${digest#sha256:}" | jq -r .config.digest)" = \
    "$(image_id "$STORE" app:latest)" ]
  tar -xOf "$BATS_TEST_TMPDIR/a.tar" "blobs/sha256/${digest#sha256:}" |
    jq -e '[.layers[].mediaType] | unique == ["application/vnd.oci.image.layer.v1.tar+gzip"]'
  [ "$(jq -r '.manifests[0].annotations["io.containerd.image.name"]' <<<"$index")" = docker.io/library/app:latest ]
  [ "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' <<<"$index")" = latest ]
  # Docker's manifest.json: config and layers as paths of the same blobs
  local docker m
  docker=$(tar -xOf "$BATS_TEST_TMPDIR/a.tar" manifest.json)
  m=$(tar -xOf "$BATS_TEST_TMPDIR/a.tar" "blobs/sha256/${digest#sha256:}")
  [ "$(jq -r '.[0].RepoTags[0]' <<<"$docker")" = app:latest ]
  [ "$(jq -r '.[0].Config' <<<"$docker")" = "blobs/sha256/$(jq -r '.config.digest[7:]' <<<"$m")" ]
  [ "$(jq -c '[.[0].Layers[]]' <<<"$docker")" = "$(jq -c '[.layers[].digest | "blobs/sha256/" + .[7:]]' <<<"$m")" ]
  # nothing temporary left next to the archive
  [ "$(ls "$BATS_TEST_TMPDIR" | grep -c tmp-)" -eq 0 ]
}

@test "oci-image-tool validates a layout builder saved, the store itself and an extracted oci-archive" {
  b save app "oci:$BATS_TEST_TMPDIR/layout:v1"
  # a plain layout: the store's private directory is not carried over
  [ ! -e "$BATS_TEST_TMPDIR/layout/.store" ]
  # This oci-image-tool (1.0.0-rc1) has no --type imageLayout ("unimplemented"):
  # --type image autodetects a layout and checks index, manifests, configs
  # and blobs (digests and sizes).
  run oci-image-tool validate --type image --ref name=v1 "$BATS_TEST_TMPDIR/layout"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Validation succeeded"* ]]
  run oci-image-tool validate --type image --ref name=app:latest "$STORE"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Validation succeeded"* ]]
  b save app "oci-archive:$BATS_TEST_TMPDIR/a.tar"
  mkdir "$BATS_TEST_TMPDIR/x"
  tar -C "$BATS_TEST_TMPDIR/x" -xf "$BATS_TEST_TMPDIR/a.tar"
  run oci-image-tool validate --type image --ref name=latest "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Validation succeeded"* ]]
  # and it does check: a changed blob fails
  local cfg
  cfg=$(tar -xOf "$BATS_TEST_TMPDIR/a.tar" manifest.json | jq -r '.[0].Config[13:]')
  echo ' ' >>"$BATS_TEST_TMPDIR/x/blobs/sha256/$cfg"
  run oci-image-tool validate --type image --ref name=latest "$BATS_TEST_TMPDIR/x"
  [ "$status" -ne 0 ]
}

@test "oci:DIR: saving adds to an existing layout, replaces a tag, and load without a name takes every named image" {
  local dir=$BATS_TEST_TMPDIR/layout
  b save app "oci:$dir:v1"
  b save busybox "oci:$dir:v2"
  b save busybox "oci:$dir:v1" # v1 now names busybox
  [ "$(jq '.manifests | length' "$dir/index.json")" = 2 ]
  [ "$(image_id "$dir" v1)" = "$(image_id "$STORE" busybox:latest)" ]
  [ "$(manifest_digest "$dir" v2)" = "$(manifest_digest "$dir" v1)" ]
  b save app "oci:$dir" # the default tag: the image's own
  [ "$(image_id "$dir" latest)" = "$(image_id "$STORE" app:latest)" ]
  # every entry carries containerd's name: load names them from it
  STORE=$BATS_TEST_TMPDIR/s2 run b load "oci:$dir"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Loaded image: busybox:latest"* ]]
  [[ "$output" == *"Loaded image: app:latest"* ]]
  # one tag with a NAME
  STORE=$BATS_TEST_TMPDIR/s3 run b load "oci:$dir:v2" renamed:9
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: renamed:9" ]
  [ "$(manifest_digest "$BATS_TEST_TMPDIR/s3" renamed:9)" = "$(manifest_digest "$dir" v2)" ]
  # a NAME for several images is refused
  STORE=$BATS_TEST_TMPDIR/s4 run b load "oci:$dir" one:1
  [ "$status" -eq 1 ]
  [[ "$output" == *"3 images: choose one with oci:$dir:TAG"* ]]
  # the same as an archive of several images: all named ones load, an
  # unnamed entry is left out
  jq '.manifests += [.manifests[0] | del(.annotations)]' "$dir/index.json" >"$BATS_TEST_TMPDIR/i.json"
  mv "$BATS_TEST_TMPDIR/i.json" "$dir/index.json"
  tar -C "$dir" -cf "$BATS_TEST_TMPDIR/multi.tar" .
  STORE=$BATS_TEST_TMPDIR/s5 run b load "oci-archive:$BATS_TEST_TMPDIR/multi.tar"
  [ "$status" -eq 0 ]
  [ "$(grep -c 'Loaded image: ' <<<"$output")" = 3 ]
  [[ "$output" == *"Loaded image: app:latest"* ]]
  [ "$(jq '.manifests | length' "$BATS_TEST_TMPDIR/s5/index.json")" = 2 ]
  STORE=$BATS_TEST_TMPDIR/s5 run b run --rm --runtime "$RUNC_LITE" app
  [ "$output" = made-by-builder ]
}

@test "save of several images: one archive (shared blobs once), all named; load takes them all" {
  b save app busybox "oci-archive:$BATS_TEST_TMPDIR/two.tar"
  local index
  index=$(tar -xOf "$BATS_TEST_TMPDIR/two.tar" index.json)
  [ "$(jq -c '[.manifests[].annotations["io.containerd.image.name"]]' <<<"$index")" = \
    '["docker.io/library/app:latest","docker.io/library/busybox:latest"]' ]
  [ "$(tar -xOf "$BATS_TEST_TMPDIR/two.tar" manifest.json | jq -c '[.[].RepoTags[0]]')" = '["app:latest","busybox:latest"]' ]
  # app's base layer is busybox's: stored once
  [ "$(tar -tf "$BATS_TEST_TMPDIR/two.tar" | sort | uniq -d)" = "" ]
  [ "$(tar -tf "$BATS_TEST_TMPDIR/two.tar" | grep -c '^blobs/sha256/.')" = 6 ]
  STORE=$BATS_TEST_TMPDIR/s2 run b load "oci-archive:$BATS_TEST_TMPDIR/two.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: app:latest
Loaded image: busybox:latest" ]
  STORE=$BATS_TEST_TMPDIR/s2 run b run --rm --runtime "$RUNC_LITE" busybox echo from-busybox
  [ "$output" = from-busybox ]
  # a TAG names one image only
  run b save app busybox "oci:$BATS_TEST_TMPDIR/layout:v1"
  [ "$status" -eq 1 ]
  [ "$output" = "builder: save app ...: a TAG (v1) names one image, not 2" ]
  [ ! -e "$BATS_TEST_TMPDIR/layout" ]
  # one name given twice (and as app:latest) is one entry, the archive the same bytes
  b save app app:latest app "oci-archive:$BATS_TEST_TMPDIR/one.tar"
  b save app "oci-archive:$BATS_TEST_TMPDIR/one-b.tar"
  [ "$(tar -xOf "$BATS_TEST_TMPDIR/one.tar" index.json | jq '.manifests | length')" = 1 ]
  cmp "$BATS_TEST_TMPDIR/one.tar" "$BATS_TEST_TMPDIR/one-b.tar"
}

@test "load of our oci-archive into another store runs the same program" {
  b save app "oci-archive:$BATS_TEST_TMPDIR/a.tar"
  STORE=$BATS_TEST_TMPDIR/s2
  run b load "oci-archive:$BATS_TEST_TMPDIR/a.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: app:latest" ]
  run b run --rm --runtime "$RUNC_LITE" app
  [ "$status" -eq 0 ]
  [ "$output" = made-by-builder ]
  # and under a name of our choosing
  run b load "oci-archive:$BATS_TEST_TMPDIR/a.tar" other/app:2
  [ "$output" = "Loaded image: other/app:2" ]
  run b run --rm --runtime "$RUNC_LITE" other/app:2
  [ "$output" = made-by-builder ]
}

@test "load of a multi-platform image (an index entry that is an index) takes this host's manifest" {
  L=$BATS_TEST_TMPDIR/layout
  b save app "oci:$L:app"
  m=$(manifest_digest "$L" app)
  msize=$(stat -c %s "$L/blobs/sha256/${m#sha256:}")
  arch=$(jq -r .architecture < <(b inspect app | jq .config))
  # An arm/v5 and an s390x entry around ours; the s390x one points nowhere.
  jq -n --arg m "$m" --argjson s "$msize" --arg a "$arch" '{schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: "sha256:\("0" * 64)", size: 1,
         platform: {os: "linux", architecture: "s390x"}},
        {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $s,
         platform: {os: "linux", architecture: $a}}]}' >"$BATS_TEST_TMPDIR/idx.json"
  i=$(sha256sum "$BATS_TEST_TMPDIR/idx.json" | cut -d' ' -f1)
  cp "$BATS_TEST_TMPDIR/idx.json" "$L/blobs/sha256/$i"
  jq --arg i "sha256:$i" --argjson s "$(stat -c %s "$BATS_TEST_TMPDIR/idx.json")" \
    '.manifests += [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $i, size: $s,
                     annotations: {"org.opencontainers.image.ref.name": "multi"}}]' "$L/index.json" >"$BATS_TEST_TMPDIR/i"
  mv "$BATS_TEST_TMPDIR/i" "$L/index.json"
  STORE=$BATS_TEST_TMPDIR/s2
  run b load "oci:$L:multi" multi
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(manifest_digest "$STORE" multi:latest)" = "$m" ]
  run b run --rm --runtime "$RUNC_LITE" multi
  [ "$output" = made-by-builder ]
  # the same as an archive
  tar -C "$L" -cf "$BATS_TEST_TMPDIR/multi.tar" oci-layout index.json blobs
  STORE=$BATS_TEST_TMPDIR/s3
  run b load "oci-archive:$BATS_TEST_TMPDIR/multi.tar:multi" multi
  [ "$status" -eq 0 ]
  [ "$(manifest_digest "$STORE" multi:latest)" = "$m" ]
  # without an entry for this host: one clear line
  jq '.manifests |= map(select(.platform.architecture != $a))' --arg a "$arch" "$BATS_TEST_TMPDIR/idx.json" >"$BATS_TEST_TMPDIR/idx2.json"
  i2=$(sha256sum "$BATS_TEST_TMPDIR/idx2.json" | cut -d' ' -f1)
  cp "$BATS_TEST_TMPDIR/idx2.json" "$L/blobs/sha256/$i2"
  jq --arg i "sha256:$i2" --argjson s "$(stat -c %s "$BATS_TEST_TMPDIR/idx2.json")" \
    '.manifests += [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $i, size: $s,
                     annotations: {"org.opencontainers.image.ref.name": "other"}}]' "$L/index.json" >"$BATS_TEST_TMPDIR/i"
  mv "$BATS_TEST_TMPDIR/i" "$L/index.json"
  run b load "oci:$L:other" other
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"no manifest for linux/$arch in the index"* ]]
}

@test "skopeo inspects oci:DIR:tag and copies our oci-archive to a docker-archive; skopeo's output loads back" {
  private_store
  b save app "oci:$BATS_TEST_TMPDIR/layout:v1"
  run skopeo inspect "oci:$BATS_TEST_TMPDIR/layout:v1"
  [ "$status" -eq 0 ]
  [ "$(jq -r .Digest <<<"$output")" = "$(manifest_digest "$BATS_TEST_TMPDIR/layout" v1)" ]
  [ "$(jq -r '.Layers | length' <<<"$output")" = 2 ]
  b save app "oci-archive:$BATS_TEST_TMPDIR/a.tar"
  run skopeo copy "oci-archive:$BATS_TEST_TMPDIR/a.tar" "docker-archive:$BATS_TEST_TMPDIR/d.tar:sk/app:1"
  [ "$status" -eq 0 ]
  [ "$(tar -xOf "$BATS_TEST_TMPDIR/d.tar" manifest.json | jq -r '.[0].RepoTags[0]')" = docker.io/sk/app:1 ]
  [ "$(tar -xOf "$BATS_TEST_TMPDIR/d.tar" manifest.json | jq -r '.[0].Layers | length')" = 2 ]
  # a docker-archive is not an oci-archive: said so, not half-read
  run b load "oci-archive:$BATS_TEST_TMPDIR/d.tar"
  [ "$status" -eq 1 ]
  [ "$output" = "builder: load: $BATS_TEST_TMPDIR/d.tar: no oci-layout: not an OCI archive" ]
  # skopeo's own OCI archive of that docker-archive (ref.name "sk/app:1"),
  # loaded, used in FROM, run
  run skopeo copy "docker-archive:$BATS_TEST_TMPDIR/d.tar" "oci-archive:$BATS_TEST_TMPDIR/s.tar:sk/app:1"
  [ "$status" -eq 0 ]
  run b load "oci-archive:$BATS_TEST_TMPDIR/s.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: sk/app:1" ]
  built_runs from-skopeo 'FROM sk/app:1\nRUN echo "$(cat /msg) then skopeo" >/msg2\nCMD ["cat", "/msg2"]\n' \
    "made-by-builder then skopeo"
}

@test "umoci unpacks builder's output into a bundle that runc-lite runs" {
  b save app "oci:$BATS_TEST_TMPDIR/layout:v1"
  run umoci unpack --image "$BATS_TEST_TMPDIR/layout:v1" "$BATS_TEST_TMPDIR/bundle"
  [ "$status" -eq 0 ]
  [ "$(jq -c .process.args "$BATS_TEST_TMPDIR/bundle/config.json")" = '["cat","/msg"]' ]
  # umoci's config asks for a terminal; the test has none
  BUNDLE=$BATS_TEST_TMPDIR/bundle
  update_config '.process.terminal = false'
  ROOT=$BATS_TEST_TMPDIR/state
  run "$RUNC_LITE" --root "$ROOT" run --bundle "$BUNDLE" "umoci-$$-$BATS_TEST_NUMBER"
  [ "$status" -eq 0 ]
  [ "$output" = made-by-builder ]
}

@test "podman loads our oci-archive and runs it with runc-lite; podman save --format oci-archive loads back" {
  podman_setup "/run/rl-interop-podman-$$"
  export WRAPPER=$POD_DIR/runc-lite-wrapper ARGV_LOG=$POD_DIR/argv.log
  make_argv_wrapper "$WRAPPER" "$ARGV_LOG"
  b save app "oci-archive:$BATS_TEST_TMPDIR/a.tar"
  run p load -i "$BATS_TEST_TMPDIR/a.tar"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Loaded image: docker.io/library/app:latest"* ]]
  run p run --rm --network none docker.io/library/app:latest
  [ "$status" -eq 0 ]
  [ "$output" = made-by-builder ]
  grep -Eq '(^| )create ' "$ARGV_LOG"
  # and back: podman's own oci-archive of it comes into the store
  p save --format oci-archive -o "$BATS_TEST_TMPDIR/pod.tar" docker.io/library/app:latest
  private_store
  run b load "oci-archive:$BATS_TEST_TMPDIR/pod.tar" from-podman
  [ "$status" -eq 0 ]
  run b run --rm --runtime "$RUNC_LITE" from-podman
  [ "$status" -eq 0 ]
  [ "$output" = made-by-builder ]
}

@test "ctr images import takes our oci-archive and ctr run runs it with runc-lite" {
  containerd_start "/run/rl-interop-ctd-$$"
  export WRAPPER=$CTD_DIR/runc-lite-wrapper ARGV_LOG=$CTD_DIR/argv.log
  make_argv_wrapper "$WRAPPER" "$ARGV_LOG"
  b save app "oci-archive:$BATS_TEST_TMPDIR/a.tar"
  run c images import --snapshotter "$CTD_SNAPSHOTTER" "$BATS_TEST_TMPDIR/a.tar"
  [ "$status" -eq 0 ]
  [[ "$output" == *"docker.io/library/app:latest"* ]]
  run c_run --rm docker.io/library/app:latest "ctr-$$"
  [ "$status" -eq 0 ]
  [ "$output" = made-by-builder ]
  grep -q " create .*ctr-$$" "$ARGV_LOG"
  c images rm docker.io/library/app:latest >/dev/null
}

@test "buildah's images (oci-archive and oci dir) load, serve as FROM and run" {
  private_store
  local bah=$BATS_TEST_TMPDIR/bah ctr
  bh() {
    buildah --root "$bah/root" --runroot "$bah/runroot" --storage-driver vfs "$@"
  }
  mkdir -p "$bah/rootfs"
  cp -a "$(busybox_rootfs_cache)/." "$bah/rootfs/"
  echo made-by-buildah >"$bah/rootfs/msg"
  ctr=$(bh from scratch)
  bh copy "$ctr" "$bah/rootfs" /
  bh config --cmd '["cat", "/msg"]' "$ctr"
  bh commit "$ctr" "oci-archive:$BATS_TEST_TMPDIR/bah.tar:bah/one:1" >/dev/null
  bh commit "$ctr" "oci:$BATS_TEST_TMPDIR/bahdir:two" >/dev/null
  bh rm "$ctr" >/dev/null
  bh rmi -a -f >/dev/null 2>&1 || true
  run b load "oci-archive:$BATS_TEST_TMPDIR/bah.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: bah/one:1" ]
  run b run --rm --runtime "$RUNC_LITE" bah/one:1
  [ "$status" -eq 0 ]
  [ "$output" = made-by-buildah ]
  run b load "oci:$BATS_TEST_TMPDIR/bahdir:two" bah/two
  [ "$output" = "Loaded image: bah/two:latest" ]
  built_runs on-buildah 'FROM bah/two\nRUN echo "$(cat /msg) and builder" >/msg\n' "made-by-buildah and builder"
  # FROM straight from buildah's archive, without a load
  built_runs on-buildah-archive "FROM oci-archive:$BATS_TEST_TMPDIR/bah.tar\nRUN echo \"\$(cat /msg), archive\" >/msg\n" \
    "made-by-buildah, archive"
}

@test "build: FROM oci-archive:FILE[:TAG] and --output type=oci / type=oci-archive / type=store" {
  private_store
  b save app "oci-archive:$BATS_TEST_TMPDIR/a.tar"
  recipe "$BATS_TEST_TMPDIR/ctx" "FROM oci-archive:$BATS_TEST_TMPDIR/a.tar:latest\nRUN echo \"\$(cat /msg) twice\" >/msg\n"
  run b build --runtime "$RUNC_LITE" -t out:1 --output type=store \
    --output "type=oci,dest=$BATS_TEST_TMPDIR/out-dir" \
    --output "type=oci-archive,dest=$BATS_TEST_TMPDIR/out.tar" "$BATS_TEST_TMPDIR/ctx"
  [ "$status" -eq 0 ]
  [[ "$output" == *"exporting to $BATS_TEST_TMPDIR/out.tar"* ]]
  # in the store, and the same manifest in both outputs
  local d
  d=$(manifest_digest "$BATS_TEST_TMPDIR/out-dir" 1)
  [ -n "$d" ]
  [ "$(image_id "$BATS_TEST_TMPDIR/out-dir" 1)" = "$(image_id "$STORE" out:1)" ]
  [ "$(tar -xOf "$BATS_TEST_TMPDIR/out.tar" index.json | jq -r '.manifests[0].digest')" = "$d" ]
  run b run --rm --runtime "$RUNC_LITE" out:1
  [ "$output" = "made-by-builder twice" ]
  STORE=$BATS_TEST_TMPDIR/s2 run b load "oci-archive:$BATS_TEST_TMPDIR/out.tar"
  [ "$output" = "Loaded image: out:1" ]
  STORE=$BATS_TEST_TMPDIR/s2 run b run --rm --runtime "$RUNC_LITE" out:1
  [ "$output" = "made-by-builder twice" ]
  # FROM oci-archive leaves no name behind in the store
  [ "$(jq '[.manifests[] | select(.annotations == null)] | length' "$STORE/index.json")" = 0 ]
  # a wrong tag, a bad --output
  recipe "$BATS_TEST_TMPDIR/ctx3" "FROM oci-archive:$BATS_TEST_TMPDIR/a.tar:nosuch\n"
  run b build --runtime "$RUNC_LITE" "$BATS_TEST_TMPDIR/ctx3"
  [ "$status" -eq 1 ]
  [[ "$output" == *"FROM oci-archive:$BATS_TEST_TMPDIR/a.tar:nosuch: $BATS_TEST_TMPDIR/a.tar: no image named nosuch in index.json"* ]]
  run b build --runtime "$RUNC_LITE" --output type=tar,dest=x "$BATS_TEST_TMPDIR/ctx"
  [ "$status" -eq 1 ]
  [ "$output" = 'builder: build: --output type=tar,dest=x: type "tar" is not store, oci or oci-archive' ]
  run b build --runtime "$RUNC_LITE" --output type=oci "$BATS_TEST_TMPDIR/ctx"
  [ "$status" -eq 1 ]
  [ "$output" = 'builder: build: --output type=oci: type=oci needs dest=' ]
}

# A copy of our archive of app, extracted to $X for tampering.
extracted_archive() {
  b save app "oci-archive:$BATS_TEST_TMPDIR/a.tar"
  X=$BATS_TEST_TMPDIR/x
  mkdir -p "$X"
  tar -C "$X" -xf "$BATS_TEST_TMPDIR/a.tar"
  LAYER=$(tar -xOf "$BATS_TEST_TMPDIR/a.tar" manifest.json | jq -r '.[0].Layers[1][13:]')
  CONFIG=$(tar -xOf "$BATS_TEST_TMPDIR/a.tar" manifest.json | jq -r '.[0].Config[13:]')
}

retar() {
  tar --numeric-owner -C "$X" -cf "$1" oci-layout index.json blobs
}

@test "save fails cleanly: an unknown name, a bad destination" {
  run b save nosuch "oci-archive:$BATS_TEST_TMPDIR/a.tar"
  [ "$status" -eq 1 ]
  [ "$output" = "builder: save nosuch: image nosuch:latest not found in $STORE" ]
  [ ! -e "$BATS_TEST_TMPDIR/a.tar" ]
  [ "$(ls "$BATS_TEST_TMPDIR")" = "" ]
  run b save app "docker-archive:$BATS_TEST_TMPDIR/a.tar"
  [ "$status" -eq 1 ]
  [[ "$output" == *"want oci:DIR[:TAG] or oci-archive:FILE[:TAG]"* ]]
  run b save app "oci:$STORE/"
  [ "$status" -eq 1 ]
  [ "$output" = "builder: save app: save to $STORE/: that is the store itself" ]
  run b save app "oci-archive:$BATS_TEST_TMPDIR/no/such/dir/a.tar"
  [ "$status" -eq 1 ]
  [[ "$output" == *"create a temporary file next to $BATS_TEST_TMPDIR/no/such/dir/a.tar: No such file or directory"* ]]
}

@test "load fails cleanly: a missing archive, a corrupt blob, a ../ escape, a missing blob; the store stays as it was" {
  private_store
  extracted_archive
  cp "$STORE/index.json" "$BATS_TEST_TMPDIR/index.before"

  run b load "oci-archive:$BATS_TEST_TMPDIR/none.tar"
  [ "$status" -eq 1 ]
  [ "$output" = "builder: load: $BATS_TEST_TMPDIR/none.tar: No such file or directory" ]

  # a layer whose bytes no longer match its name
  cp "$X/blobs/sha256/$LAYER" "$BATS_TEST_TMPDIR/layer.orig"
  printf 'garbage' | dd of="$X/blobs/sha256/$LAYER" bs=1 seek=100 conv=notrunc 2>/dev/null
  retar "$BATS_TEST_TMPDIR/corrupt.tar"
  cp "$BATS_TEST_TMPDIR/layer.orig" "$X/blobs/sha256/$LAYER"
  run b load "oci-archive:$BATS_TEST_TMPDIR/corrupt.tar" corrupt
  [ "$status" -eq 1 ]
  [[ "$output" == "builder: load: $BATS_TEST_TMPDIR/corrupt.tar: blobs/sha256/$LAYER: blob: digest mismatch: expected sha256:$LAYER, got sha256:"* ]]
  [ ! -e "$STORE/blobs/sha256/$LAYER" ] || cmp "$STORE/blobs/sha256/$LAYER" "$BATS_TEST_TMPDIR/layer.orig"

  # a member that would leave the archive
  echo evil >"$BATS_TEST_TMPDIR/evil"
  tar -C "$BATS_TEST_TMPDIR" -P --transform 's,^evil,../evil,' -cf "$BATS_TEST_TMPDIR/escape.tar" evil 2>/dev/null
  tar -C "$X" -rf "$BATS_TEST_TMPDIR/escape.tar" oci-layout index.json blobs
  run b load "oci-archive:$BATS_TEST_TMPDIR/escape.tar" escape
  [ "$status" -eq 1 ]
  [ "$output" = "builder: load: $BATS_TEST_TMPDIR/escape.tar: entry \"../evil\": path escapes the archive" ]
  [ -z "$(find "$STORE" -name evil)" ]

  # a blob that is a symbolic link (to a file outside, say)
  mkdir -p "$BATS_TEST_TMPDIR/ln/blobs/sha256"
  ln -s /etc/passwd "$BATS_TEST_TMPDIR/ln/blobs/sha256/$LAYER"
  tar -C "$BATS_TEST_TMPDIR/ln" -cf "$BATS_TEST_TMPDIR/link.tar" blobs
  tar -C "$X" -rf "$BATS_TEST_TMPDIR/link.tar" oci-layout index.json
  run b load "oci-archive:$BATS_TEST_TMPDIR/link.tar" link
  [ "$status" -eq 1 ]
  [ "$output" = "builder: load: $BATS_TEST_TMPDIR/link.tar: entry \"blobs/sha256/$LAYER\": not a regular file" ]

  # the index (through the manifest) names a config the archive lacks
  mv "$X/blobs/sha256/$CONFIG" "$BATS_TEST_TMPDIR/config.orig"
  retar "$BATS_TEST_TMPDIR/missing.tar"
  mv "$BATS_TEST_TMPDIR/config.orig" "$X/blobs/sha256/$CONFIG"
  run b load "oci-archive:$BATS_TEST_TMPDIR/missing.tar" missing
  [ "$status" -eq 1 ]
  [ "$output" = "builder: load: $BATS_TEST_TMPDIR/missing.tar: blob sha256:$CONFIG (config) is missing from the archive" ]

  # the index points at a manifest that is not there at all
  jq '.manifests[0].digest = "sha256:'"$(printf '%064d' 0)"'"' "$X/index.json" >"$X/index.json.new"
  mv "$X/index.json.new" "$X/index.json"
  retar "$BATS_TEST_TMPDIR/nomanifest.tar"
  run b load "oci-archive:$BATS_TEST_TMPDIR/nomanifest.tar" nomanifest
  [ "$status" -eq 1 ]
  [[ "$output" == *"blob sha256:$(printf '%064d' 0) (manifest) is missing from the archive" ]]

  # a second index.json (another reader may take the first): ambiguous
  cp "$BATS_TEST_TMPDIR/a.tar" "$BATS_TEST_TMPDIR/dup.tar"
  tar -C "$X" -rf "$BATS_TEST_TMPDIR/dup.tar" index.json
  run b load "oci-archive:$BATS_TEST_TMPDIR/dup.tar" dup
  [ "$status" -eq 1 ]
  [ "$output" = "builder: load: $BATS_TEST_TMPDIR/dup.tar: entry \"index.json\": index.json appears twice in the archive" ]

  # nothing was named; the store is a valid layout with the same index
  cmp "$STORE/index.json" "$BATS_TEST_TMPDIR/index.before"
  run oci-image-tool validate --type image "$STORE"
  [ "$status" -eq 0 ]
  [ -z "$(ls "$STORE/.store/tmp")" ]
}

@test "an interrupted load (killed mid-blob) and a truncated archive leave the store valid and unchanged" {
  private_store
  b save app "oci-archive:$BATS_TEST_TMPDIR/a.tar"
  cp "$STORE/index.json" "$BATS_TEST_TMPDIR/index.before"
  local size pid
  size=$(stat -c %s "$BATS_TEST_TMPDIR/a.tar")
  # the archive through a fifo: half of it, then the writer stalls
  mkfifo "$BATS_TEST_TMPDIR/fifo"
  # (both started directly, so that $! is the process itself)
  sh -c 'head -c "$1" "$2"; exec sleep 30' sh $((size / 2)) "$BATS_TEST_TMPDIR/a.tar" >"$BATS_TEST_TMPDIR/fifo" &
  local writer=$!
  "$BUILDER" --store "$STORE" load "oci-archive:$BATS_TEST_TMPDIR/fifo" killed:1 &
  pid=$!
  # wait until the load has a temporary blob open, then kill it
  for _ in $(seq 100); do
    [ -n "$(ls "$STORE/.store/tmp")" ] && break
    sleep 0.1
  done
  [ -n "$(ls "$STORE/.store/tmp")" ]
  kill -KILL "$pid"
  wait "$pid" || true
  kill "$writer" 2>/dev/null || true
  wait "$writer" 2>/dev/null || true
  cmp "$STORE/index.json" "$BATS_TEST_TMPDIR/index.before"
  run oci-image-tool validate --type image "$STORE"
  [ "$status" -eq 0 ]
  # the next writer sweeps the dead one's temporary file
  run b load "oci-archive:$BATS_TEST_TMPDIR/a.tar" after:1
  [ "$status" -eq 0 ]
  b prune >/dev/null
  [ -z "$(ls "$STORE/.store/tmp")" ]
  cp "$STORE/index.json" "$BATS_TEST_TMPDIR/index.before"

  head -c $((size / 2)) "$BATS_TEST_TMPDIR/a.tar" >"$BATS_TEST_TMPDIR/half.tar"
  run b load "oci-archive:$BATS_TEST_TMPDIR/half.tar" half:1
  [ "$status" -eq 1 ]
  [[ "$output" == "builder: load: $BATS_TEST_TMPDIR/half.tar: "* ]]
  cmp "$STORE/index.json" "$BATS_TEST_TMPDIR/index.before"
  [ -z "$(ls "$STORE/.store/tmp")" ]
}

@test "a prune while a load streams cannot leave a name pointing at removed blobs" {
  b save app "oci-archive:$BATS_TEST_TMPDIR/a.tar"
  local size pid
  size=$(stat -c %s "$BATS_TEST_TMPDIR/a.tar")
  STORE=$BATS_TEST_TMPDIR/fresh
  mkfifo "$BATS_TEST_TMPDIR/fifo"
  # all blobs (sorted first), then a pause before index.json until "go"
  local at
  at=$(tar -tvRf "$BATS_TEST_TMPDIR/a.tar" | awk '$NF == "index.json" { sub(":", "", $2); print $2 * 512 }')
  sh -c 'head -c "$1" "$2"; while [ ! -e "$3" ]; do sleep 0.1; done; tail -c +"$(($1 + 1))" "$2"' sh \
    "$at" "$BATS_TEST_TMPDIR/a.tar" "$BATS_TEST_TMPDIR/go" >"$BATS_TEST_TMPDIR/fifo" 3>&- &
  local writer=$!
  "$BUILDER" --store "$STORE" load "oci-archive:$BATS_TEST_TMPDIR/fifo" raced:1 >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
  pid=$!
  for _ in $(seq 100); do
    [ "$(ls "$STORE/blobs/sha256" 2>/dev/null | wc -l)" -ge 4 ] && break
    sleep 0.1
  done
  [ "$(ls "$STORE/blobs/sha256" | wc -l)" -ge 4 ] || { kill "$pid" "$writer"; false; }
  run b prune # (the load holds no lock while it streams)
  touch "$BATS_TEST_TMPDIR/go"
  [ "$status" -eq 0 ]
  [[ "$output" == *"in 4 blobs"* ]]
  local rc=0
  wait "$pid" || rc=$?
  wait "$writer" || true
  [ "$rc" -eq 1 ]
  [[ "$(cat "$BATS_TEST_TMPDIR/out")" == *"was removed from the store during the load (a prune?)"* ]]
  [ "$(jq '.manifests | length' "$STORE/index.json")" = 0 ]
}

@test "load fails cleanly on a layout: a corrupt blob in oci:DIR, a size that lies, an unknown tag" {
  private_store
  local dir=$BATS_TEST_TMPDIR/layout cfg
  b save app "oci:$dir:v1"
  cfg=$(jq -r .config.digest[7:] "$dir/blobs/sha256/$(manifest_digest "$dir" v1 | cut -c8-)")
  run b load "oci:$dir:nosuch"
  [ "$status" -eq 1 ]
  [ "$output" = "builder: load: $dir: no image named nosuch in index.json" ]
  # (same size: a blob of another size is refused before it is read)
  printf 'X' | dd of="$dir/blobs/sha256/$cfg" bs=1 seek=0 conv=notrunc 2>/dev/null
  run b load "oci:$dir:v1" broken
  [ "$status" -eq 1 ]
  [[ "$output" == *"$dir: config: put $dir/blobs/sha256/$cfg: blob: digest mismatch: expected sha256:$cfg"* ]]
  # an index entry whose size is not the manifest's
  b save app "oci:$BATS_TEST_TMPDIR/l2:v1"
  local m size
  m=$(manifest_digest "$BATS_TEST_TMPDIR/l2" v1)
  size=$(stat -c %s "$BATS_TEST_TMPDIR/l2/blobs/sha256/${m#sha256:}")
  jq ".manifests[0].size = $((size + 1))" "$BATS_TEST_TMPDIR/l2/index.json" >"$BATS_TEST_TMPDIR/i.json"
  mv "$BATS_TEST_TMPDIR/i.json" "$BATS_TEST_TMPDIR/l2/index.json"
  run b load "oci:$BATS_TEST_TMPDIR/l2:v1" liar
  [ "$status" -eq 1 ]
  [ "$output" = "builder: load: $BATS_TEST_TMPDIR/l2: blob $m (manifest): size $size, descriptor says $((size + 1))" ]
  run b images
  [[ "$output" != *broken* ]]
  [[ "$output" != *liar* ]]
}
