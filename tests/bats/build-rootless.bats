#!/usr/bin/env bats
# builder as an ordinary user (rootless): a test user with subordinate id
# ranges in /etc/subuid and /etc/subgid, made here and removed afterwards;
# builder enters a user namespace of its own (newuidmap/newgidmap) and
# works there as root: RUN through the runtime, overlay with userxattr or
# the copying snapshotter, COPY --chown, the store in the user's
# XDG_DATA_HOME, run, unpack, push and pull, RUN's network through pasta.
# Starts a docker-registry: run under /tmp/rl-heavy.lock.

load helpers

RL_USER=rl-bld
SUBID_START=300000

setup_file() {
  # shellcheck source=../../scripts/deps.sh
  . "$TESTS_DIR/../scripts/deps.sh"
  rl_install_missing uidmap passt docker-registry
  # A user left by an interrupted run goes first.
  userdel "$RL_USER" 2>/dev/null || true
  sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
  UDIR=$(mktemp -d /tmp/rl-rootless.XXXXXX)
  chmod 755 "$UDIR"
  export UDIR
  useradd -M -d "$UDIR/home" -s /bin/sh "$RL_USER"
  # useradd may have given it ranges of its own: ours, known, instead.
  sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
  echo "$RL_USER:$SUBID_START:65536" >>/etc/subuid
  echo "$RL_USER:$SUBID_START:65536" >>/etc/subgid
  # The worktree need not be readable by others: the user runs copies.
  mkdir -p "$UDIR/bin" "$UDIR/home" "$UDIR/tmp"
  cp "$BUILDER" "$RUNC_LITE" "$UDIR/bin/"
  chown "$RL_USER:" "$UDIR/home" "$UDIR/tmp"
}

teardown_file() {
  userdel "$RL_USER" 2>/dev/null || true
  sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
  [ -z "${UDIR:-}" ] || rm -rf "$UDIR"
}

setup() {
  PIDS=()
  CTX="$UDIR/ctx-$BATS_TEST_NUMBER"
  mkdir -p "$CTX"
  cp -a "$(busybox_rootfs_cache)" "$CTX/rootfs"
  echo data >"$CTX/f"
  chmod -R a+rX "$CTX"
  STORE="$UDIR/home/.local/share/builder"
}

teardown() {
  local p
  for p in "${PIDS[@]}"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  # The user's store and runtime dirs, with ids of its subordinate range.
  rm -rf "$UDIR/home/.local" "$UDIR/xdg" "$UDIR/tmp"/* "$CTX"
}

# as_user CMD...: CMD as the test user, in $UDIR, with a login's minimal
# environment (no XDG_RUNTIME_DIR, as with runuser or cron).
as_user() {
  (cd "$UDIR" && runuser -u "$RL_USER" -- env -i HOME="$UDIR/home" TMPDIR="$UDIR/tmp" \
    PATH="${USER_PATH:-}/usr/sbin:/usr/bin:/sbin:/bin" "$@")
}

ubld() {
  as_user "$UDIR/bin/builder" build --runtime "$UDIR/bin/runc-lite" "$@"
}

# blob DIGEST: its path in the user's store.
blob() {
  echo "$STORE/blobs/sha256/${1#sha256:}"
}

# layer NAME INDEX: tar tvf of that layer of NAME (gzip or plain).
layer() {
  local m l
  m=$(jq -r --arg n "$1:latest" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' "$STORE/index.json")
  l=$(jq -r ".layers[$2].digest" "$(blob "$m")")
  tar -tvf "$(blob "$l")"
}

base_recipe() {
  printf 'FROM scratch\nCOPY rootfs/ /\n' >"$CTX/Recipe"
}

@test "rootless: build as an ordinary user: RUN as root of its namespace, COPY --chown ids in the layer, the store in ~/.local/share" {
  base_recipe
  cat >>"$CTX/Recipe" <<'EOF'
RUN id -u >/uid && id -g >/gid && echo made >/made
COPY --chown=1000:1000 f /f
CMD ["cat", "/uid"]
EOF
  run ubld -t img "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  # the store: under the user's ~/.local/share, owned by the user
  [ -f "$STORE/index.json" ]
  [ "$(stat -c %U "$STORE/index.json")" = "$RL_USER" ]
  # RUN's files: written by root of the namespace, 0:0 in the layer
  run layer img 1
  echo "$output"
  [[ "$output" == *" 0/0 "*" uid"* ]]
  [[ "$output" == *" 0/0 "*" made"* ]]
  # COPY --chown: the container's ids in the layer tar
  run layer img 2
  echo "$output"
  [[ "$output" =~ 1000/1000\ +5\ .*\ f$ ]]
  # the user's own files (the context) are root's in the image, as buildah
  run layer img 0
  [[ "$output" == *" 0/0 "*" bin/busybox"* ]]
}

@test "rootless: XDG_DATA_HOME holds the store when set" {
  base_recipe
  mkdir -p "$UDIR/xdg"
  chown "$RL_USER:" "$UDIR/xdg"
  run as_user XDG_DATA_HOME="$UDIR/xdg" "$UDIR/bin/builder" build -t x "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [ -f "$UDIR/xdg/builder/index.json" ]
  [ ! -e "$STORE" ]
  # nothing made elsewhere (a runtime dir is for `run`)
  [ -z "$(ls "$UDIR/tmp")" ]
}

# Removing a directory of a lower layer and making it again (an opaque
# directory; not /etc, whose hosts and resolv.conf are mounts) and removing a file (a whiteout) need overlayfs's xattrs,
# which root of a user namespace writes as user.overlay.* (userxattr); the
# copying snapshotter compares trees instead.  Both give the same layer.
@test "rootless: whiteouts and opaque directories with overlay and with the copying snapshotter" {
  base_recipe
  cat >>"$CTX/Recipe" <<'EOF'
RUN rm -rf /usr /bin/cat && mkdir /usr && echo new >/usr/new
RUN ls /usr && if [ -e /bin/cat ]; then exit 1; fi
EOF
  local sn
  for sn in overlay copy; do
    run as_user BUILDER_SNAPSHOTTER=$sn "$UDIR/bin/builder" build --no-cache --runtime "$UDIR/bin/runc-lite" -t "w-$sn" "$CTX"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"| new"* ]]
    run layer "w-$sn" 1
    echo "$output"
    # overlay marks etc opaque; the copying snapshotter's comparison may
    # instead remove each of its old entries
    [[ "$output" == *"usr/.wh..wh..opq"* || ($sn = copy && "$output" == *"usr/.wh.sbin"*) ]]
    [[ "$output" == *"bin/.wh.cat"* ]]
    [[ "$output" == *"usr/new"* ]]
  done
}

@test "rootless: builder run and unpack as the user" {
  base_recipe
  printf 'COPY --chown=1000:1000 f /f\nCMD ["sh", "-c", "id -u; stat -c %%u:%%g /f"]\n' >>"$CTX/Recipe"
  ubld -t r "$CTX"
  run as_user "$UDIR/bin/builder" run --rm --runtime "$UDIR/bin/runc-lite" r
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ]
  [ "${lines[1]}" = 1000:1000 ]
  # the container's exit status passes through both builder processes
  run as_user "$UDIR/bin/builder" run --rm r sh -c 'exit 3'
  [ "$status" -eq 3 ]
  # the runtime's state: in a private dir of the user (no XDG_RUNTIME_DIR)
  [ -d "$UDIR/tmp/builder-run-$(id -u "$RL_USER")" ]
  run as_user "$UDIR/bin/builder" unpack r "$UDIR/tmp/bundle"
  echo "$output"
  [ "$status" -eq 0 ]
  [ -f "$UDIR/tmp/bundle/config.json" ]
  # on the host, id 1000 of the namespace is the subordinate 1000th
  [ "$(stat -c %u:%g "$UDIR/tmp/bundle/rootfs/f")" = "$((SUBID_START + 999)):$((SUBID_START + 999))" ]
}

# /dev/net/tun is 0600 on some hosts (this one): pasta needs it, so the
# test lends a 0666 node of it to the build's mount namespace only.
with_tun() {
  local tun="$UDIR/tun"
  rm -f "$tun"
  unshare -m sh -c 'mknod -m 666 "$1" c 10 200 && mount --bind "$1" /dev/net/tun && shift && exec "$@"' sh "$tun" "$@"
}

# serve_page: an HTTP server on the host's loopback (PORT) serving "page".
serve_page() {
  mkdir -p "$UDIR/www"
  echo served >"$UDIR/www/page"
  PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$UDIR/www" >/dev/null 2>&1 &
  PIDS+=($!)
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
}

@test "rootless: RUN's network by default through pasta reaches the host's loopback; --network none does not" {
  local gw port
  gw=$(ip route show default | awk '{print $3; exit}')
  [ -n "$gw" ] || { echo "this test needs a default route (pasta copies it)" >&2; return 1; }
  serve_page
  port=$PORT
  base_recipe
  echo "RUN wget -q -O - http://$gw:$port/page" >>"$CTX/Recipe"
  cd "$UDIR"
  run with_tun runuser -u "$RL_USER" -- env -i HOME="$UDIR/home" TMPDIR="$UDIR/tmp" PATH=/usr/bin:/bin \
    "$UDIR/bin/builder" build --runtime "$UDIR/bin/runc-lite" "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"| served"* ]]
  [ -z "$(pgrep -u "$RL_USER" passt || true)" ]
  run with_tun runuser -u "$RL_USER" -- env -i HOME="$UDIR/home" TMPDIR="$UDIR/tmp" PATH=/usr/bin:/bin \
    "$UDIR/bin/builder" build --no-cache --network none --runtime "$UDIR/bin/runc-lite" "$CTX"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" != *"| served"* ]]
}

@test "rootless: without pasta, slirp4netns gives RUN its network (the host's loopback at 10.0.2.2)" {
  mkdir -p "$UDIR/nopasta"
  printf '#!/bin/sh\nexit 127\n' >"$UDIR/nopasta/pasta"
  chmod 755 "$UDIR/nopasta/pasta"
  serve_page
  base_recipe
  echo "RUN wget -q -O - http://10.0.2.2:$PORT/page && ip -4 addr show tap0 | grep -o 'inet [0-9./]*' && cat /etc/resolv.conf" >>"$CTX/Recipe"
  # a host resolver on loopback: slirp4netns's DNS forwarder instead
  echo 'nameserver 127.0.0.53' >"$UDIR/resolv.conf"
  chmod 644 "$UDIR/resolv.conf"
  cd "$UDIR"
  run with_tun runuser -u "$RL_USER" -- env -i HOME="$UDIR/home" TMPDIR="$UDIR/tmp" PATH="$UDIR/nopasta:/usr/bin:/bin" \
    BUILDER_RESOLV_CONF="$UDIR/resolv.conf" \
    "$UDIR/bin/builder" build --runtime "$UDIR/bin/runc-lite" "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"| served"* ]]
  [[ "$output" == *"| inet 10.0.2.100/24"* ]]
  [[ "$output" == *"| nameserver 10.0.2.3"* ]]
  [ -z "$(pgrep -u "$RL_USER" slirp4netns || true)" ]
}

@test "rootless: without pasta's network a RUN warns and goes on without network" {
  mkdir -p "$UDIR/fakebin"
  printf '#!/bin/sh\necho "no tun here" >&2\nexit 1\n' >"$UDIR/fakebin/pasta"
  chmod 755 "$UDIR/fakebin/pasta"
  base_recipe
  echo 'RUN echo ran' >>"$CTX/Recipe"
  USER_PATH="$UDIR/fakebin:" run ubld "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"warning: RUN's network (rootless): pasta"*"no tun here"*"RUN has no network"* ]]
  [[ "$output" == *"| ran"* ]]
}

@test "rootless: push and pull as the user" {
  local port reg
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  reg=127.0.0.1:$port
  mkdir -p "$UDIR/reg/data"
  printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' \
    "$UDIR/reg/data" "$reg" >"$UDIR/reg/config.yml"
  docker-registry serve "$UDIR/reg/config.yml" >/dev/null 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do curl -s -o /dev/null "http://$reg/v2/" && break; sleep 0.1; done
  base_recipe
  printf 'COPY --chown=1000:1000 f /f\n' >>"$CTX/Recipe"
  ubld -t p "$CTX"
  run as_user "$UDIR/bin/builder" push --tls-verify=false p "$reg/p:1"
  echo "$output"
  [ "$status" -eq 0 ]
  rm -rf "$STORE"
  run as_user "$UDIR/bin/builder" pull --tls-verify=false "$reg/p:1"
  echo "$output"
  [ "$status" -eq 0 ]
  run as_user "$UDIR/bin/builder" run --rm --runtime "$UDIR/bin/runc-lite" "$reg/p:1" stat -c %u:%g /f
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = 1000:1000 ]
}

# Last: it takes the user's ranges away (teardown_file removes them anyway).
@test "rootless: without subordinate ranges only the user's own ids map: RUN works, COPY --chown says why it cannot" {
  sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
  base_recipe
  echo 'RUN id -u >/uid' >>"$CTX/Recipe"
  run ubld --network none -t own "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  echo 'COPY --chown=1000:1000 f /f' >>"$CTX/Recipe"
  run ubld --network none -t own "$CTX"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"COPY: chown 1000:1000 (an id outside this user namespace: /etc/subuid, /etc/subgid): Invalid argument"* ]]
  echo "$RL_USER:$SUBID_START:65536" >>/etc/subuid
  echo "$RL_USER:$SUBID_START:65536" >>/etc/subgid
}
