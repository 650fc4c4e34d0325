#!/usr/bin/env bats
# builder's messages and listings (issue 13 item 9): unpack of an image
# without a command, plain-http and loopback registries, images' SIZE and
# order, import's history, tty progress of long instructions, a name
# moving off an image leaving it dangling.

load helpers
load build_helpers

b() {
  "$BUILDER" --store "$STORE" "$@"
}

@test "unpack of an image without Entrypoint or Cmd: the bundle runs the default sh, a note says so" {
  b import "$(busybox_rootfs_cache)" nocmd >/dev/null
  run b unpack nocmd "$BATS_TEST_TMPDIR/bundle"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == "builder: note: nocmd has no Entrypoint or Cmd; $BATS_TEST_TMPDIR/bundle/config.json runs the default \"sh\""* ]]
  [[ "$output" != *"give a command"* ]]
  [ "$(jq -c .process.args "$BATS_TEST_TMPDIR/bundle/config.json")" = '["sh"]' ]
  # run takes a command, and says so
  run b run --rm nocmd
  [ "$status" -eq 1 ]
  [[ "$output" == *"no Entrypoint or Cmd: give a command"* ]]
}

# registry_probe REF...: in a network namespace of its own, a plain-http
# server listening on every address (loopback, and 10.99.0.1, which is
# not), and builder pulling each REF (options may lead); what it said.
registry_probe() {
  cat >"$BATS_TEST_TMPDIR/probe.sh" <<EOF
ip link set lo up
ip addr add 10.99.0.1/32 dev lo
(cd "$BATS_TEST_TMPDIR" && exec python3 -m http.server --bind 0.0.0.0 5999) </dev/null >/dev/null 2>&1 3>&- &
server=\$!
for _ in \$(seq 100); do python3 -c 'import socket; socket.create_connection(("127.0.0.1", 5999))' 2>/dev/null && break; sleep 0.1; done
for ref in "\$@"; do echo "== \$ref"; "$BUILDER" --store "$STORE" pull \$ref 2>&1; echo "rc=\$?"; done
kill \$server
wait \$server || true
EOF
  # a pid namespace of its own: the server goes with it whatever happens
  unshare -n --fork --pid --mount-proc bash "$BATS_TEST_TMPDIR/probe.sh" "$@"
}

@test "pull from a plain-http registry says so; loopback registries are insecure by default, as docker has them" {
  run registry_probe 10.99.0.1:5999/x/y:1 "--tls-verify=false 10.99.0.1:5999/x/y:1" 127.0.0.1:5999/x/y:1 \
    localhost:5999/x/y:1 "--tls-verify=true 127.0.0.1:5999/x/y:1"
  echo "$output"
  [ "$status" -eq 0 ]
  blocks=$(awk '/^== /{n++} {print n": "$0}' <<<"$output")
  # a non-loopback address: https, and the message names the cause
  [[ "$(grep '^1: ' <<<"$blocks")" == *"registry 10.99.0.1:5999: the server answered plain HTTP to an HTTPS request"*"--tls-verify=false"* ]]
  # --tls-verify=false: plain http, which answers 404 for the manifest
  [[ "$(grep '^2: ' <<<"$blocks")" == *"GET /v2/x/y/manifests/1: 404"* ]]
  # loopback: plain http without asking
  [[ "$(grep '^3: ' <<<"$blocks")" == *"GET /v2/x/y/manifests/1: 404"* ]]
  [[ "$(grep '^4: ' <<<"$blocks")" == *"GET /v2/x/y/manifests/1: 404"* ]]
  # unless verification is asked for
  [[ "$(grep '^5: ' <<<"$blocks")" == *"the server answered plain HTTP"* ]]
}

@test "images: SIZE is the unpacked size (the layers' uncompressed), newest first" {
  local tree="$BATS_TEST_TMPDIR/tree"
  mkdir -p "$tree"
  head -c 3000000 /dev/zero >"$tree/zeros"
  SOURCE_DATE_EPOCH=1000000000 b import "$tree" older >/dev/null
  SOURCE_DATE_EPOCH=1100000000 b import "$tree" newer >/dev/null
  # the blob is small (gzip), the image is not
  [ "$(b inspect newer | jq '.manifest.layers[0].size')" -lt 100000 ]
  run b images
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[1]}" =~ ^newer\ +latest\ .*\ 3(\.[0-9]+)?MB$ ]]
  [[ "${lines[2]}" =~ ^older\ +latest\ .*\ 3(\.[0-9]+)?MB$ ]]
  # the busybox base, built at setup with --timestamp 0, is the oldest
  [[ "${lines[3]}" =~ ^busybox\  ]]
  run b images --format json
  [ "$(jq -r '.[0].repository' <<<"$output")" = newer ]
  [ "$(jq -r '.[0].size' <<<"$output")" -ge 3000000 ]
  # the measure is kept
  [ -n "$(ls "$STORE/.store/layer-sizes")" ]
}

@test "import: the history says what was imported, not the host's path" {
  b import "$(busybox_rootfs_cache)" fromdir >/dev/null
  tar -C "$(busybox_rootfs_cache)" -cf "$BATS_TEST_TMPDIR/root.tar" .
  b import "$BATS_TEST_TMPDIR/root.tar" fromtar >/dev/null
  [ "$(b inspect fromdir | jq -r '.config.history[0].comment')" = "imported from a directory" ]
  [ "$(b inspect fromtar | jq -r '.config.history[0].comment')" = "imported from a tar archive" ]
  [ "$(b inspect fromdir | jq -r '.config.history[0].created_by')" = "builder import" ]
  run b history fromdir
  [[ "$output" != *"$(busybox_rootfs_cache)"* ]]
  run b inspect fromtar
  [[ "$output" != *"$BATS_TEST_TMPDIR"* ]]
}

@test "build --progress tty: a long instruction is cut, its time stays on the line" {
  long=$(printf 'x%.0s' $(seq 200))
  printf 'FROM busybox\nRUN echo %s\nENV A=1\n' "$long" >"$CTX/Recipe"
  run bld --progress tty --no-cache "$CTX"
  [ "$status" -eq 0 ]
  summary=${output##*$'\e[2K[+] Building'}
  line=$(tr -d '\r' <<<"$summary" | grep -a '\[2/3\] RUN echo' | sed 's/^\x1b\[2K//')
  echo "$line"
  # 80 columns off a terminal: cut with "...", the time last
  [[ "$line" =~ ^\[2/3\]\ RUN\ echo\ x+\.\.\.\ [0-9]+\.[0-9]s$ ]]
  [ "${#line}" -lt 80 ]
}

# image_ids REPOSITORY: the ids images lists under it
image_ids() {
  b images --format json | jq -r --arg r "$1" '.[] | select(.repository == $r) | .id'
}

@test "build -t moving a name to another image leaves the old one dangling (<none>), as docker" {
  printf 'FROM busybox\nENV V=1\n' >"$CTX/Recipe"
  bld -t app "$CTX" >/dev/null
  old=$(image_ids app)
  printf 'FROM busybox\nENV V=2\n' >"$CTX/Recipe"
  bld -t app "$CTX" >/dev/null
  [ -n "$(image_ids app)" ]
  [ "$(image_ids app)" != "$old" ]
  [ "$(image_ids '<none>')" = "$old" ]
  # prune removes it
  run b prune
  [ "$status" -eq 0 ]
  [ -z "$(image_ids '<none>')" ]
  # the same image named again: nothing dangles
  bld -t app "$CTX" >/dev/null
  [ -z "$(image_ids '<none>')" ]
  # tag moves a name the same way; an image keeping another name does not dangle
  b tag busybox other
  b tag app other
  [ -z "$(image_ids '<none>')" ]
  b tag app busybox
  [ "$(image_ids '<none>')" = "$(b images --format json | jq -r '.[] | select(.repository == "<none>") | .id')" ]
  [ -n "$(image_ids '<none>')" ]
}
