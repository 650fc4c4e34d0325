#!/usr/bin/env bats
# builder's image commands: import, images, inspect, history, tag, rmi,
# prune, unpack and run (issue 6), over a busybox root filesystem.

load helpers

setup() {
  STORE="$BATS_TEST_TMPDIR/store"
  ROOT="$BATS_TEST_TMPDIR/state"
  ROOTFS="$BATS_TEST_TMPDIR/rootfs"
  mkdir -p "$ROOT"
  cp -a "$(busybox_rootfs_cache)" "$ROOTFS"
  # A runtime wrapper: the test's private --root (also exercises --runtime).
  RT="$BATS_TEST_TMPDIR/runtime"
  printf '#!/bin/sh\nexec "%s" --root "%s" "$@"\n' "$RUNC_LITE" "$ROOT" >"$RT"
  chmod +x "$RT"
}

teardown() {
  cleanup_containers
}

b() {
  "$BUILDER" --store "$STORE" "$@"
}

# exec_config JSON: a --config file with the image's execution parameters.
exec_config() {
  printf '%s' "$1" >"$BATS_TEST_TMPDIR/exec.json"
  echo "$BATS_TEST_TMPDIR/exec.json"
}

# image_config NAME: the config blob of an image.
image_config() {
  b inspect "$1" | jq .config
}

@test "import a directory: a one-layer image with the host platform, PATH and history" {
  run b import "$ROOTFS" busybox
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
  id=${output#sha256:}
  run b images
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$(printf '%-40s %-16s %-14s %-16s %s' REPOSITORY TAG 'IMAGE ID' CREATED SIZE)" ]
  [[ "${lines[1]}" =~ ^busybox\ +latest\ +${id:0:12}\ +[0-9]+\ seconds?\ ago\ +[0-9.]+[kM]B$ ]]
  cfg=$(image_config busybox)
  case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
  [ "$(jq -r .architecture <<<"$cfg")" = "$arch" ]
  [ "$(jq -r .os <<<"$cfg")" = linux ]
  [ "$(jq -r '.config.Env[0]' <<<"$cfg")" = PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin ]
  [ "$(jq -r '.rootfs.diff_ids | length' <<<"$cfg")" = 1 ]
  [ "$(jq -r '.history[0].created_by' <<<"$cfg")" = "builder import" ]
  [ "$(jq -r '.manifest.layers[0].mediaType' < <(b inspect busybox))" = application/vnd.oci.image.layer.v1.tar+gzip ]
}

@test "import a tar: rewritten through the layer writer, the same layer as the directory's" {
  tar -C "$ROOTFS" -cf "$BATS_TEST_TMPDIR/a.tar" .
  # Another member order and owner names: the layer must not change.
  tar -C "$ROOTFS" --sort=none --owner=root --group=root -cf "$BATS_TEST_TMPDIR/b.tar" bin etc tmp sbin usr var root dev proc sys
  export SOURCE_DATE_EPOCH=1700000000
  run b import "$ROOTFS" fromdir
  [ "$status" -eq 0 ]
  run b import "$BATS_TEST_TMPDIR/a.tar" fromtar:a
  [ "$status" -eq 0 ]
  run b import "$BATS_TEST_TMPDIR/b.tar" fromtar:b
  [ "$status" -eq 0 ]
  d1=$(b inspect fromdir | jq -r '.layers[0].digest')
  d2=$(b inspect fromtar:a | jq -r '.layers[0].digest')
  d3=$(b inspect fromtar:b | jq -r '.layers[0].digest')
  [ "$d1" = "$d2" ]
  [ "$d2" = "$d3" ]
  [ "$(image_config fromtar:a | jq -r .created)" = 2023-11-14T22:13:20Z ]
  # No extraction directory is left in the store.
  [ -z "$(ls "$STORE/.store" | grep import || true)" ]
}

@test "images --format json and -q" {
  b import "$ROOTFS" one:v1
  b import "$ROOTFS" registry.example.com/team/two:v2
  run b images --format json
  [ "$status" -eq 0 ]
  [ "$(jq length <<<"$output")" = 2 ]
  [ "$(jq -r '.[] | select(.tag == "v2") | .repository' <<<"$output")" = registry.example.com/team/two ]
  id=$(jq -r '.[] | select(.repository == "one") | .id' <<<"$output")
  [[ "$id" =~ ^sha256:[0-9a-f]{64}$ ]]
  [ "$(jq -r '.[0].size' <<<"$output")" -gt 100000 ]
  run b images -q
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 2 ]
  # newest first (index.json's later entry first within a second): one was imported first
  [ "${lines[1]}" = "${id:7:12}" ]
  run b images --format yaml
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
}

@test "inspect: manifest, config and layers with sizes; history" {
  b import "$ROOTFS" busybox
  run b inspect busybox
  [ "$status" -eq 0 ]
  [ "$(jq -r .name <<<"$output")" = busybox:latest ]
  [ "$(jq -r .manifest.schemaVersion <<<"$output")" = 2 ]
  [ "$(jq -r .manifest.config.digest <<<"$output")" = "$(jq -r .id <<<"$output")" ]
  [ "$(jq -r '.layers[0].diffID' <<<"$output")" = "$(jq -r '.config.rootfs.diff_ids[0]' <<<"$output")" ]
  size=$(jq -r '.layers[0].size' <<<"$output")
  layer=$(jq -r '.layers[0].digest' <<<"$output")
  [ "$size" = "$(stat -c %s "$STORE/blobs/sha256/${layer#sha256:}")" ]
  [ "$(jq -r .size <<<"$output")" = "$size" ]
  # The digest is the manifest's: the store's index names it.
  [ "$(jq -r .digest <<<"$output")" = "$(jq -r '.manifests[0].digest' "$STORE/index.json")" ]
  run b history busybox
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^CREATED\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]]
  # what was imported, not the host's path (issue 13 item 9)
  [[ "${lines[1]}" =~ builder\ import\ .*[0-9.]+[kM]B\ +imported\ from\ a\ directory$ ]]
}

@test "tag, rmi and prune: names come and go, blobs stay until prune" {
  b import "$ROOTFS" busybox
  run b tag busybox copy:1
  [ "$status" -eq 0 ]
  [ "$(b images -q | sort -u | wc -l)" -eq 1 ]
  [ "$(b images -q | wc -l)" -eq 2 ]
  manifest=$(b inspect busybox | jq -r .digest)
  layer=$(b inspect busybox | jq -r '.layers[0].digest')
  run b rmi busybox
  [ "$status" -eq 0 ]
  [ "$output" = "Untagged: busybox:latest" ]
  run b inspect busybox
  [ "$status" -eq 1 ]
  # Still named copy:1: prune removes nothing.
  run b prune
  [ "$status" -eq 0 ]
  [ "$output" = "Total reclaimed space: 0 bytes in 0 blobs" ]
  [ -f "$STORE/blobs/sha256/${manifest#sha256:}" ]
  b rmi copy:1
  [ -f "$STORE/blobs/sha256/${layer#sha256:}" ]
  run b prune
  [ "$status" -eq 0 ]
  [[ "$output" == *"deleted: $manifest"* ]]
  [[ "$output" == *"deleted: $layer"* ]]
  [[ "${lines[-1]}" =~ ^Total\ reclaimed\ space:\ [0-9]+\ bytes\ in\ 3\ blobs$ ]]
  [ -z "$(ls "$STORE/blobs/sha256")" ]
  run b images -q
  [ -z "$output" ]
}

@test "the store defaults to \$XDG_DATA_HOME/builder for other users" {
  dir="$BATS_TEST_TMPDIR/home"
  mkdir -p "$dir"
  chmod 777 "$dir"
  allow_traversal "$dir"
  allow_traversal "$ROOTFS"
  command -v setpriv >/dev/null || skip "no setpriv"
  run setpriv --reuid=65534 --regid=65534 --clear-groups env XDG_DATA_HOME="$dir/xdg" HOME="$dir" \
    "$BUILDER" images -q
  [ "$status" -eq 0 ]
  [ -f "$dir/xdg/builder/oci-layout" ]
  run setpriv --reuid=65534 --regid=65534 --clear-groups env -u XDG_DATA_HOME HOME="$dir" "$BUILDER" images -q
  [ "$status" -eq 0 ]
  [ -f "$dir/.local/share/builder/index.json" ]
}

@test "unpack: a bundle that runc-lite runs, Entrypoint + Cmd, Env, WorkingDir" {
  mkdir -p "$ROOTFS/work"
  b import --config "$(exec_config '{"Entrypoint":["/bin/sh","-c"],"Cmd":["echo hi from $(pwd) $GREETING"],"Env":["GREETING=hello"],"WorkingDir":"/work"}')" "$ROOTFS" app
  BUNDLE="$BATS_TEST_TMPDIR/bundle"
  run b unpack app "$BUNDLE"
  [ "$status" -eq 0 ]
  [ "$(stat -c %a "$BUNDLE")" = 700 ]
  [ -x "$BUNDLE/rootfs/bin/busybox" ]
  [ "$(jq -c .process.args "$BUNDLE/config.json")" = '["/bin/sh","-c","echo hi from $(pwd) $GREETING"]' ]
  [ "$(jq -c .process.env "$BUNDLE/config.json")" = '["GREETING=hello","PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]' ]
  [ "$(jq -r .process.cwd "$BUNDLE/config.json")" = /work ]
  [ "$(jq -r .process.terminal "$BUNDLE/config.json")" = false ]
  [ "$(jq -r .root.path "$BUNDLE/config.json")" = rootfs ]
  run rl run --bundle "$BUNDLE" "$(test_id)"
  [ "$status" -eq 0 ]
  [ "$output" = "hi from /work hello" ]
}

@test "unpack: Cmd alone, an image Env with its own PATH, cwd / by default" {
  b import --config "$(exec_config '{"Cmd":["echo","plain"],"Env":["PATH=/bin"]}')" "$ROOTFS" app
  BUNDLE="$BATS_TEST_TMPDIR/bundle"
  b unpack app "$BUNDLE"
  [ "$(jq -c .process.args "$BUNDLE/config.json")" = '["echo","plain"]' ]
  [ "$(jq -c .process.env "$BUNDLE/config.json")" = '["PATH=/bin"]' ]
  [ "$(jq -r .process.cwd "$BUNDLE/config.json")" = / ]
  run rl run --bundle "$BUNDLE" "$(test_id)"
  [ "$status" -eq 0 ]
  [ "$output" = plain ]
}

# check_user USER UID GID GIDS: the process.user unpack makes for User.
check_user() {
  local bundle="$BATS_TEST_TMPDIR/u-bundle"
  rm -rf "$bundle"
  b import --config "$(exec_config "{\"User\":\"$1\",\"Cmd\":[\"id\"]}")" "$ROOTFS" u
  b unpack u "$bundle"
  echo "$1 -> $(jq -c .process.user "$bundle/config.json")"
  [ "$(jq -r .process.user.uid "$bundle/config.json")" = "$2" ]
  [ "$(jq -r .process.user.gid "$bundle/config.json")" = "$3" ]
  [ "$(jq -c .process.user.additionalGids "$bundle/config.json")" = "$4" ]
}

@test "unpack: User resolved through the rootfs's /etc/passwd and /etc/group" {
  printf 'root:x:0:\nnogroup:x:65534:\nstaff:x:50:nobody,other\nwheel:x:10:nobody\n' >"$ROOTFS/etc/group"
  check_user nobody 65534 65534 '[50,10]'
  check_user nobody:staff 65534 50 null
  check_user root:nogroup 0 65534 null
  # a uid with a passwd entry gets its user's groups too (runc's GetExecUser, docker)
  check_user 65534 65534 65534 '[50,10]'
  check_user 1234 1234 0 null
  check_user 1234:77 1234 77 null
  check_user 0:staff 0 50 null
  BUNDLE="$BATS_TEST_TMPDIR/bundle"
  b import --config "$(exec_config '{"User":"nobody","Cmd":["id"]}')" "$ROOTFS" u
  b unpack u "$BUNDLE"
  run rl run --bundle "$BUNDLE" "$(test_id)"
  [ "$status" -eq 0 ]
  [[ "$output" == "uid=65534(nobody) gid=65534(nogroup)"* ]]
}

@test "unpack: an unknown user or group is an error and leaves no bundle" {
  b import --config "$(exec_config '{"User":"ghost","Cmd":["id"]}')" "$ROOTFS" ghost
  run b unpack ghost "$BATS_TEST_TMPDIR/bundle"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *'user "ghost" not found'* ]]
  [ ! -e "$BATS_TEST_TMPDIR/bundle" ]
  b import --config "$(exec_config '{"User":"nobody:ghosts","Cmd":["id"]}')" "$ROOTFS" ghost
  run b unpack ghost "$BATS_TEST_TMPDIR/bundle"
  [ "$status" -eq 1 ]
  [[ "$output" == *'group "ghosts" not found'* ]]
}

@test "unpack: a user in more groups than the kernel takes is a one-line error naming /etc/group" {
  # 65,536 groups (setgroups' limit) resolve; one more is an error, where the
  # bundle used to get every gid, found by a search quadratic in the file
  # (400,000 lines: 23 s).  The repeats of 300,000 more lines cost nothing.
  grep -q '^nobody:' "$ROOTFS/etc/passwd" || echo 'nobody:x:65534:65534::/:/bin/sh' >>"$ROOTFS/etc/passwd"
  awk 'BEGIN { for (i = 0; i < 65536; i++) printf "g%d:x:%d:x,nobody\n", i, 70000 + i;
               for (i = 0; i < 300000; i++) printf "r%d:x:70000:nobody\n", i }' >"$ROOTFS/etc/group"
  b import --config "$(exec_config '{"User":"nobody","Cmd":["id"]}')" "$ROOTFS" many
  b unpack many "$BATS_TEST_TMPDIR/bundle"
  [ "$(jq '.process.user.additionalGids | length' "$BATS_TEST_TMPDIR/bundle/config.json")" -eq 65536 ]
  echo 'last:x:200000:nobody' >>"$ROOTFS/etc/group"
  b import --config "$(exec_config '{"User":"nobody","Cmd":["id"]}')" "$ROOTFS" toomany
  run b unpack toomany "$BATS_TEST_TMPDIR/bundle2"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *'user "nobody" is in more than 65536 groups in the image'"'"'s /etc/group'* ]]
  [ ! -e "$BATS_TEST_TMPDIR/bundle2" ]
}

@test "unpack: /etc/passwd is read inside the rootfs, a symlink cannot lead out" {
  printf 'evil:x:777:777::/:/bin/sh\n' >"$BATS_TEST_TMPDIR/evil-passwd"
  rm "$ROOTFS/etc/passwd"
  ln -s "../../../../../../../../..$BATS_TEST_TMPDIR/evil-passwd" "$ROOTFS/etc/passwd"
  b import --config "$(exec_config '{"User":"evil","Cmd":["id"]}')" "$ROOTFS" evil
  run b unpack evil "$BATS_TEST_TMPDIR/bundle"
  [ "$status" -eq 1 ]
  [ ! -e "$BATS_TEST_TMPDIR/bundle/config.json" ]
}

@test "unpack: ExposedPorts, StopSignal, Labels and Volumes become annotations" {
  b import --config "$(exec_config '{"Cmd":["true"],"ExposedPorts":{"80/tcp":{},"53/udp":{}},"StopSignal":"SIGQUIT","Labels":{"org.opencontainers.image.os":"mine","x":"y"},"Volumes":{"/data":{}}}')" "$ROOTFS" ann
  BUNDLE="$BATS_TEST_TMPDIR/bundle"
  b unpack ann "$BUNDLE"
  a=$(jq .annotations "$BUNDLE/config.json")
  [ "$(jq -r '."org.opencontainers.image.exposedPorts"' <<<"$a")" = 53/udp,80/tcp ]
  [ "$(jq -r '."org.opencontainers.image.stopSignal"' <<<"$a")" = SIGQUIT ]
  [ "$(jq -r '."org.opencontainers.image.architecture"' <<<"$a")" != null ]
  # Labels win over the implicit annotations.
  [ "$(jq -r '."org.opencontainers.image.os"' <<<"$a")" = mine ]
  [ "$(jq -r .x <<<"$a")" = y ]
  [ "$(jq -r '."org.runc-lite.builder.volumes"' <<<"$a")" = /data ]
}

@test "unpack: Volumes are bind mounts of BUNDLE/volumes/N seeded with the image's content, writes stay out of the rootfs" {
  mkdir -p "$ROOTFS/data/sub" "$ROOTFS/srv"
  echo seed >"$ROOTFS/data/sub/file"
  chown 7:8 "$ROOTFS/data"
  chmod 0775 "$ROOTFS/data"
  ln -s /srv "$ROOTFS/linked"
  b import --config "$(exec_config '{"Cmd":["sh","-c","cat /data/sub/file; echo new >/data/sub/new; echo x >/fresh/x; echo y >/linked/y; ls -ld /data | cut -c1-10"],"Volumes":{"/data/":{},"/fresh/./deep/..":{},"/linked":{},"/proc":{}}}')" "$ROOTFS" vol
  BUNDLE="$BATS_TEST_TMPDIR/bundle"
  b unpack vol "$BUNDLE"
  m=$(jq -c '[.mounts[] | select(.source | startswith("volumes/")) | [.destination, .source, .type]]' "$BUNDLE/config.json")
  # /proc already has a mount: the image's volume does not replace it.
  [ "$m" = '[["/data","volumes/0","bind"],["/fresh","volumes/1","bind"],["/linked","volumes/2","bind"]]' ]
  # The content moved, the mount point kept the owner and mode.
  [ "$(cat "$BUNDLE/volumes/0/sub/file")" = seed ]
  [ -z "$(ls -A "$BUNDLE/rootfs/data")" ]
  [ "$(stat -c '%u:%g %a' "$BUNDLE/rootfs/data")" = "7:8 775" ]
  [ -L "$BUNDLE/rootfs/linked" ]
  run rl run --bundle "$BUNDLE" "$(test_id)"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'seed\ndrwxrwxr-x')" ]
  [ "$(cat "$BUNDLE/volumes/0/sub/new")" = new ]
  [ "$(cat "$BUNDLE/volumes/1/x")" = x ]
  [ "$(cat "$BUNDLE/volumes/2/y")" = y ]
  [ ! -e "$BUNDLE/rootfs/data/sub" ]
  [ ! -e "$BUNDLE/rootfs/srv/y" ]
  # A run -v on the same destination wins over the image's volume.
  mkdir "$BATS_TEST_TMPDIR/host"
  echo host >"$BATS_TEST_TMPDIR/host/file"
  run b run --rm --runtime "$RT" -v "$BATS_TEST_TMPDIR/host:/data" vol cat /data/file
  [ "$status" -eq 0 ]
  [ "$output" = host ]
}

@test "unpack: a VOLUME on a file of the image is refused" {
  b import --config "$(exec_config '{"Cmd":["true"],"Volumes":{"/etc/passwd":{}}}')" "$ROOTFS" volfile
  run b unpack volfile "$BATS_TEST_TMPDIR/bundle"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"VOLUME /etc/passwd"*"Not a directory"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/bundle" ]
}

@test "unpack: whiteouts of a second layer are applied, setuid bits kept" {
  mkdir -p "$ROOTFS/data/keep" "$ROOTFS/opq"
  echo gone >"$ROOTFS/data/removed"
  echo stays >"$ROOTFS/data/keep/file"
  echo lower >"$ROOTFS/opq/lower"
  cp "$ROOTFS/bin/busybox" "$ROOTFS/bin/suid"
  chmod 4755 "$ROOTFS/bin/suid"
  b import --config "$(exec_config '{"Cmd":["sh","-c","ls /data /opq"]}')" "$ROOTFS" base
  top="$BATS_TEST_TMPDIR/top"
  mkdir -p "$top/data" "$top/opq"
  : >"$top/data/.wh.removed"
  : >"$top/opq/.wh..wh..opq"
  echo upper >"$top/opq/upper"
  run "$HELPERS/layer-tool" stack "$STORE" base "$top" two
  [ "$status" -eq 0 ]
  [ "$(b inspect two | jq '.layers | length')" = 2 ]
  BUNDLE="$BATS_TEST_TMPDIR/bundle"
  b unpack two "$BUNDLE"
  [ ! -e "$BUNDLE/rootfs/data/removed" ]
  [ ! -e "$BUNDLE/rootfs/data/.wh.removed" ]
  [ -f "$BUNDLE/rootfs/data/keep/file" ]
  [ ! -e "$BUNDLE/rootfs/opq/lower" ]
  [ "$(cat "$BUNDLE/rootfs/opq/upper")" = upper ]
  [ "$(stat -c %a "$BUNDLE/rootfs/bin/suid")" = 4755 ]
  run rl run --bundle "$BUNDLE" "$(test_id)"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '/data:\nkeep\n\n/opq:\nupper')" ]
}

@test "unpack: an existing non-empty bundle is refused, an empty one is used" {
  b import --config "$(exec_config '{"Cmd":["true"]}')" "$ROOTFS" app
  BUNDLE="$BATS_TEST_TMPDIR/bundle"
  mkdir -p "$BUNDLE"
  touch "$BUNDLE/something"
  run b unpack app "$BUNDLE"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == "builder: "*"already exists and is not empty" ]]
  [ -f "$BUNDLE/something" ]
  rm "$BUNDLE/something"
  chmod 755 "$BUNDLE"
  run b unpack app "$BUNDLE"
  [ "$status" -eq 0 ]
  [ "$(stat -c %a "$BUNDLE")" = 700 ]
  [ -f "$BUNDLE/config.json" ]
}

@test "run: -e, CMD override and the container's exit status" {
  b import --config "$(exec_config '{"Entrypoint":["/bin/sh","-c"],"Cmd":["echo default; exit 7"],"Env":["A=image"]}')" "$ROOTFS" app
  run b run --rm --runtime "$RT" app
  [ "$status" -eq 7 ]
  [ "$output" = default ]
  run b run --rm --runtime "$RT" -e A=cli -e B=two app 'echo $A $B; exit 3'
  [ "$status" -eq 3 ]
  [ "$output" = "cli two" ]
  run b run --rm --runtime "$RT" app 'exit 0'
  [ "$status" -eq 0 ]
}

@test "run --rm leaves nothing behind; without it the bundle stays and is named" {
  b import --config "$(exec_config '{"Cmd":["echo","ran"]}')" "$ROOTFS" app
  run b run --rm --runtime "$RT" --name gone app
  [ "$status" -eq 0 ]
  [ "$output" = ran ]
  [ ! -e "$STORE/.store/run/gone" ]
  [ -z "$(rl list -q)" ]
  run b run --runtime "$RT" --name kept app
  [ "$status" -eq 0 ]
  [[ "$output" == *"ran"* ]]
  [[ "$output" == *"bundle of kept is kept in $STORE/.store/run/kept"* ]]
  [ -f "$STORE/.store/run/kept/config.json" ]
  [ -z "$(rl list -q)" ]
  # The same name again: the bundle is in the way.
  run b run --runtime "$RT" --name kept app
  [ "$status" -eq 1 ]
  [[ "$output" == *"already exists"* ]]
}

@test "run --rm: the rootfs is a writable overlay of the layer cache; changes go with it, nothing stays mounted" {
  b import --config "$(exec_config '{"Cmd":["true"]}')" "$ROOTFS" ovl
  run b run --rm --runtime "$RT" ovl sh -c 'grep " / / " /proc/self/mountinfo | sed "s/.* - //" | cut -d" " -f1; echo x >/newfile; cat /newfile; rm /bin/ls'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'overlay\nx')" ]
  # the layer was extracted once into the cache, the run changed nothing there
  [ "$(ls "$STORE/.store/layers" | wc -l)" -eq 1 ]
  run b run --rm --runtime "$RT" ovl sh -c 'ls /newfile; ls -l /bin/ls >/dev/null && echo ls-back'
  [ "$status" -eq 0 ]
  [[ "$output" == *"No such file"* ]]
  [[ "$output" == *"ls-back"* ]]
  ! grep -q " $STORE" /proc/self/mountinfo
  [ -z "$(ls -A "$STORE/.store/run")" ]
  # kill -9 of builder mid-run: the mount lived in builder's own mount
  # namespace, none is left in the host's
  b run --rm --runtime "$RT" --name killed ovl sleep 100 &
  pid=$!
  for _ in $(seq 100); do rl list -q | grep -qx killed && break; sleep 0.1; done
  rl list -q | grep -qx killed
  kill -9 "$pid"
  wait "$pid" || true
  ! grep -q " $STORE" /proc/self/mountinfo
  rl delete --force killed
}

@test "run --rm of an image with Volumes unpacks it (the volume is seeded from the image)" {
  mkdir -p "$ROOTFS/data"
  echo seeded >"$ROOTFS/data/f"
  b import --config "$(exec_config '{"Cmd":["cat","/data/f"],"Volumes":{"/data":{}}}')" "$ROOTFS" withvol
  run b run --rm --runtime "$RT" withvol
  [ "$status" -eq 0 ]
  [ "$output" = seeded ]
  [ ! -e "$STORE/.store/layers" ] || [ -z "$(ls -A "$STORE/.store/layers")" ]
}

@test "run -v bind mounts a host directory" {
  mkdir -p "$BATS_TEST_TMPDIR/host"
  echo from-host >"$BATS_TEST_TMPDIR/host/file"
  b import "$ROOTFS" app
  run b run --rm --runtime "$RT" -v "$BATS_TEST_TMPDIR/host:/mnt/h:ro" app cat /mnt/h/file
  [ "$status" -eq 0 ]
  [ "$output" = from-host ]
  run b run --rm --runtime "$RT" -v "$BATS_TEST_TMPDIR/host:/mnt/h:ro" app sh -c 'echo x >/mnt/h/new'
  [ "$status" -ne 0 ]
  [ ! -e "$BATS_TEST_TMPDIR/host/new" ]
  run b run --rm --runtime "$RT" -v "relative" app true
  [ "$status" -eq 1 ]
  [[ "$output" == *"invalid volume"* ]]
}

@test "bad input: one-line errors and exit 1" {
  b import "$ROOTFS" app
  for args in "inspect nosuch" "history nosuch:1" "unpack nosuch $BATS_TEST_TMPDIR/b" "tag nosuch x" \
    "rmi nosuch" "tag app Bad" "import $ROOTFS UPPER" "import $BATS_TEST_TMPDIR/missing x" "run --runtime $RT nosuch" \
    "run --runtime $RT --name bad/id app true" "images --bogus" "unpack app"; do
    # shellcheck disable=SC2086
    run b $args
    echo "$args: $output"
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == "builder: "* ]]
  done
  # An image without Entrypoint or Cmd needs a command.
  run b run --rm --runtime "$RT" app
  [ "$status" -eq 1 ]
  [[ "$output" == *"no Entrypoint or Cmd"* ]]
  [ -z "$(ls "$STORE/.store/run")" ]
}

@test "run: -t asks for a terminal; the default runtime is the runc-lite beside builder" {
  b import --config "$(exec_config '{"Cmd":["true"]}')" "$ROOTFS" app
  # A stand-in runtime reporting what it was asked: run --bundle DIR ID.
  dir="$BATS_TEST_TMPDIR/bin"
  mkdir -p "$dir"
  cp "$BUILDER" "$dir/builder"
  printf '#!/bin/sh\necho "$1 $2 $4 $(jq -r .process.terminal "$3/config.json")"\nexit 5\n' >"$dir/runc-lite"
  chmod +x "$dir/runc-lite"
  run "$dir/builder" --store "$STORE" run --rm -t --name tty1 app
  [ "$status" -eq 5 ]
  [ "$output" = "run --bundle tty1 true" ]
  run "$dir/builder" --store "$STORE" run --rm --name tty2 app
  [ "$output" = "run --bundle tty2 false" ]
}

# ---- image ids (issue 13 item 4): the id `images` shows (docker's: the
# config digest) is accepted by every command that takes an image, in full,
# as a unique prefix of 12+ hex digits, and besides names; `build` prints it
# and --iidfile writes it; an untagged image is removed by id.

# full_id NAME: the id `images --no-trunc` shows for NAME:latest.
full_id() {
  b images --format json | jq -r --arg r "$1" '.[] | select(.repository == $r and .tag == "latest") | .id'
}

# fake_image CONFIG_HEX: an unnamed index entry whose manifest's config
# claims the digest sha256:CONFIG_HEX (the config blob itself is absent:
# ids are compared before any config is read).
fake_image() {
  local m h
  m=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":2},"layers":[]}' "$1")
  h=$(printf %s "$m" | sha256sum | cut -d' ' -f1)
  printf %s "$m" >"$STORE/blobs/sha256/$h"
  jq -c --arg d "sha256:$h" --argjson s "${#m}" \
    '.manifests += [{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":$d,"size":$s}]' \
    "$STORE/index.json" >"$STORE/index.json.new"
  mv "$STORE/index.json.new" "$STORE/index.json"
  FAKE_MANIFEST="sha256:$h"
}

@test "images: the short id is the first 12 hex digits of the full one, --no-trunc shows it whole" {
  b import "$ROOTFS" app
  id=$(full_id app)
  [[ "$id" =~ ^sha256:[0-9a-f]{64}$ ]]
  [ "$id" = "$(b inspect app | jq -r .manifest.config.digest)" ]
  run b images
  [ "$status" -eq 0 ]
  [[ "${lines[1]}" =~ ^app\ +latest\ +${id:7:12}\  ]]
  run b images --no-trunc
  [ "$status" -eq 0 ]
  [[ "${lines[1]}" =~ ^app\ +latest\ +$id\  ]]
  run b images -q --no-trunc
  [ "$output" = "$id" ]
}

@test "inspect, history, tag, unpack, save by full id, bare hex and a 12-digit prefix" {
  printf '{"Cmd":["sh"]}' >"$BATS_TEST_TMPDIR/c.json"
  b import --config "$BATS_TEST_TMPDIR/c.json" "$ROOTFS" app
  id=$(full_id app)
  hex=${id#sha256:}
  for ref in "$id" "$hex" "${hex:0:12}" "sha256:${hex:0:12}" "${hex:0:20}"; do
    run b inspect "$ref"
    echo "$ref: $output"
    [ "$status" -eq 0 ]
    [ "$(jq -r .id <<<"$output")" = "$id" ]
    [ "$(jq -r .name <<<"$output")" = app:latest ]
    run b history "$ref"
    [ "$status" -eq 0 ]
  done
  b tag "${hex:0:12}" other:1
  [ "$(b inspect other:1 | jq -r .id)" = "$id" ]
  b unpack "$hex" "$BATS_TEST_TMPDIR/bundle"
  [ -x "$BATS_TEST_TMPDIR/bundle/rootfs/bin/busybox" ]
  b save "${hex:0:12}" "oci:$BATS_TEST_TMPDIR/out"
  [ "$(jq '.manifests | length' "$BATS_TEST_TMPDIR/out/index.json")" -ge 1 ]
}

@test "run by id and by prefix" {
  printf '{"Cmd":["echo","ran"]}' >"$BATS_TEST_TMPDIR/c.json"
  b import --config "$BATS_TEST_TMPDIR/c.json" "$ROOTFS" app
  id=$(full_id app)
  run b run --rm --runtime "$RT" "$id"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = ran ]
  run b run --rm --runtime "$RT" "${id:7:12}" echo prefix
  [ "$status" -eq 0 ]
  [ "$output" = prefix ]
}

@test "an unknown id, a too-short or ambiguous prefix: one-line errors" {
  b import "$ROOTFS" app
  hex=$(full_id app)
  fake_image "abcdef0123451111111111111111111111111111111111111111111111111111"
  fake_image "abcdef0123452222222222222222222222222222222222222222222222222222"
  second=$FAKE_MANIFEST
  for cmd in inspect history "unpack" rmi "tag"; do
    extra=""
    [ "$cmd" = unpack ] && extra="$BATS_TEST_TMPDIR/b"
    [ "$cmd" = tag ] && extra="x:1"
    # shellcheck disable=SC2086
    run b $cmd abcdef012345 $extra
    echo "$cmd: $output"
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == "builder: "*"image id prefix abcdef012345 is ambiguous"*": 2 images match" ]]
  done
  run b inspect sha256:abcdef012345
  [ "$status" -eq 1 ]
  [[ "$output" == *"ambiguous"*"2 images match" ]]
  # one more digit tells them apart
  b tag abcdef0123452 two:1
  [ "$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "two:1") | .digest' "$STORE/index.json")" = "$second" ]
  # no such id
  run b inspect 0123456789ab
  [ "$status" -eq 1 ]
  [ "$output" = "builder: image 0123456789ab not found in $STORE" ]
  run b rmi "sha256:$(printf '0%.0s' {1..64})"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"not found"* ]]
  # fewer than 12 digits is a name, not an id prefix
  run b inspect "${hex:7:11}"
  [ "$status" -eq 1 ]
  [[ "$output" == *"image ${hex:7:11}:latest not found"* ]]
}

@test "rmi by id: an untagged image goes; a named one goes with its names" {
  b import "$ROOTFS" app
  id=$(full_id app)
  b tag app app:2
  # the names go with the image
  run b rmi "${id:7:12}"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Untagged: app:latest" ]
  [ "${lines[1]}" = "Untagged: app:2" ]
  [ "${lines[2]}" = "Deleted: $id" ]
  [ "$(jq '.manifests | length' "$STORE/index.json")" = 0 ]
  # an untagged image (<none>) by its full id
  b import "$ROOTFS" app
  id=$(full_id app)
  manifest=$(b inspect app | jq -r .digest)
  jq -c '.manifests[0].annotations = {}' "$STORE/index.json" >"$STORE/index.json.new"
  mv "$STORE/index.json.new" "$STORE/index.json"
  run b images
  [[ "${lines[1]}" =~ ^\<none\>\ +\<none\>\ +${id:7:12} ]]
  run b rmi "$id"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "Deleted: $id" ]
  [ "$(jq '.manifests | length' "$STORE/index.json")" = 0 ]
  # the blobs stay until prune
  [ -f "$STORE/blobs/sha256/${manifest#sha256:}" ]
}

@test "rmi by id of an image named in two repositories is refused; names still go one by one" {
  b import "$ROOTFS" app
  b tag app other
  id=$(full_id app)
  run b rmi "$id"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"named in several repositories"* ]]
  [ "$(jq '.manifests | length' "$STORE/index.json")" = 2 ]
  run b rmi other
  [ "$output" = "Untagged: other:latest" ]
  run b rmi "$id"
  [ "$status" -eq 0 ]
  [ "$output" = $'Untagged: app:latest\nDeleted: '"$id" ]
}

@test "build: prints the id images shows, --iidfile writes it; FROM and --from= take ids" {
  [ "$(id -u)" = 0 ] || skip "builder build needs root (overlayfs, the runtime)"
  b import "$ROOTFS" base
  base=$(full_id base)
  ctx="$BATS_TEST_TMPDIR/ctx"
  mkdir -p "$ctx"
  printf 'FROM %s\nCOPY --from=%s /bin/busybox /copied\nRUN echo x >/made\nCMD ["sh"]\n' "${base:7:12}" "$base" >"$ctx/Recipe"
  run b build --runtime "$RUNC_LITE" --iidfile "$BATS_TEST_TMPDIR/iid" -t made "$ctx"
  echo "$output"
  [ "$status" -eq 0 ]
  id=$(full_id made)
  [ "$(cat "$BATS_TEST_TMPDIR/iid")" = "$id" ]
  [[ "$output" == *"writing image $id"* ]]
  # no stray temporary file beside it
  [ "$(ls "$BATS_TEST_TMPDIR" | grep -c iid)" = 1 ]
  b unpack "$(cat "$BATS_TEST_TMPDIR/iid")" "$BATS_TEST_TMPDIR/u"
  [ -f "$BATS_TEST_TMPDIR/u/rootfs/copied" ]
  [ -f "$BATS_TEST_TMPDIR/u/rootfs/made" ]
}
