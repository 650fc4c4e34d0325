#!/usr/bin/env bats
# builder build: RUN's network.  Never leaves the machine: an HTTP server
# (busybox httpd) in a network namespace of the test's own, on a test
# address in 198.18.0.0/15 that the host routes to through a veth pair.

load helpers
load build_helpers

# SRV: the server's address; SRV_NS, SRV_IF: its namespace, the host's end
net_setup() {
  command -v ip >/dev/null && command -v nft >/dev/null && command -v curl >/dev/null ||
    skip "needs iproute2, nftables and curl"
  local n=$(($$ % 250 + 1))
  SRV_NS="rlnt-$$"
  SRV_IF="rlnt$$"
  SRV="198.18.$n.2"
  ip netns add "$SRV_NS"
  ip link add "$SRV_IF" type veth peer name eth0 netns "$SRV_NS"
  ip addr add "198.18.$n.1/24" dev "$SRV_IF"
  ip link set "$SRV_IF" up
  ip -n "$SRV_NS" addr add "$SRV/24" dev eth0
  ip -n "$SRV_NS" link set eth0 up
  ip -n "$SRV_NS" link set lo up
  ip -n "$SRV_NS" route add default via "198.18.$n.1"
  mkdir -p "$BATS_TEST_TMPDIR/www"
  echo "served from the test namespace $$" >"$BATS_TEST_TMPDIR/www/file"
  ip netns exec "$SRV_NS" "$BUSYBOX" httpd -f -p "$SRV:8080" -h "$BATS_TEST_TMPDIR/www" >/dev/null 2>&1 3>&- &
  SRV_PID=$!
  # listening once the host can fetch from it (at most 5 s; curl: busybox
  # 1.35's wget -T crashes)
  local i
  for i in $(seq 50); do
    curl -sf --max-time 1 -o /dev/null "http://$SRV:8080/file" && return 0
    sleep 0.1
  done
  echo "the test's HTTP server did not answer" >&2
  return 1
}

teardown() {
  [ -z "${BPID:-}" ] || kill -9 "$BPID" 2>/dev/null || true
  [ -z "${SRV_PID:-}" ] || { kill "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null || true; }
  [ -z "${SRV_IF:-}" ] || ip link del "$SRV_IF" 2>/dev/null || true
  [ -z "${SRV_NS:-}" ] || ip netns del "$SRV_NS" 2>/dev/null || true
}

# what builder's private networks left on the host: namespaces, veths and
# nftables tables of slots whose lock no build holds (check.sh runs two bats
# files at once: another file's build may hold a slot of its own meanwhile)
net_all() {
  {
    ip netns list | grep -o '^builder-[0-9]*' || true
    ip -o link 2>/dev/null | grep -o 'bldv[0-9]*' || true
    nft list tables | grep -o 'builder-[0-9]*' || true
  } | sort
}
net_leftovers() {
  local name slot
  for name in $(net_all); do
    slot=${name##*[!0-9]}
    # looked at again under the slot's lock: a build that freed the slot
    # meanwhile removed its network first
    flock -n "/run/builder/net/slot-$slot.lock" \
      bash -c "$(declare -f net_all); net_all | grep -qx $name" 2>/dev/null && echo "$name"
  done
  return 0
}

# Waits (10 s at most) for the backgrounded build's step to print "started".
wait_started() {
  for i in $(seq 100); do
    grep -q '| started' "$BATS_TEST_TMPDIR/out" && return 0
    sleep 0.1
  done
  return 1
}

fetch_recipe() {
  # (busybox 1.35's wget -T crashes; without a route it fails at once)
  printf 'FROM busybox\nRUN %swget -q -O /fetched http://%s:8080/file\n' "$1" "$SRV" >"$CTX/Recipe"
}

@test "build: RUN fetches from a server off the host through the default private network" {
  net_setup
  before=$(net_leftovers)
  fetch_recipe ""
  run bld -t fetched "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack fetched "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/fetched")" = "served from the test namespace $$" ]
  # "default" and "private" name the same network
  for mode in default private; do
    run bld --no-cache --network "$mode" -t "f$mode" "$CTX"
    [ "$status" -eq 0 ]
  done
  # the namespace is the runtime's to join: runc does too
  if runc=$(command -v runc); then
    run "$BUILDER" --store "$STORE" build --runtime "$runc" --no-cache -t viarunc "$CTX"
    echo "$output"
    [ "$status" -eq 0 ]
    unpack viarunc "$BATS_TEST_TMPDIR/r"
    [ "$(cat "$BATS_TEST_TMPDIR/r/fetched")" = "served from the test namespace $$" ]
  fi
  [ "$(net_leftovers)" = "$before" ]
}

@test "build: --network none and RUN --network=none cannot reach it, --network host can" {
  net_setup
  before=$(net_leftovers)
  fetch_recipe ""
  run bld --network none "$CTX"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"Recipe:2: RUN: exit status"* ]]
  run bld --network host -t viahost "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack viahost "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/fetched")" = "served from the test namespace $$" ]
  fetch_recipe "--network=none "
  run bld "$CTX"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"Recipe:2: RUN: exit status"* ]]
  # a failed step leaves nothing behind either
  [ "$(net_leftovers)" = "$before" ]
  run bld --network bridge "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *'--network: "bridge" is not private, none, host or default'* ]]
}

@test "build: RUN sees the host's resolvers but loopback ones and its own /etc/hosts, read-only, out of the layer" {
  printf 'search example.test\nnameserver 127.0.0.53\nnameserver 198.18.0.53\noptions ndots:2\n' \
    >"$BATS_TEST_TMPDIR/resolv"
  cat >"$CTX/Recipe" <<'R'
FROM busybox
RUN cat /etc/resolv.conf > /resolv; cat /etc/hosts > /hosts; ip -4 -o addr show eth0 > /addr 2>&1; hostname > /hostname; if echo x >> /etc/hosts || echo x >> /etc/resolv.conf; then echo writable; exit 1; fi
R
  BUILDER_RESOLV_CONF="$BATS_TEST_TMPDIR/resolv" run bld -t dns "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack dns "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/resolv")" = "$(printf 'search example.test\nnameserver 198.18.0.53\noptions ndots:2')" ]
  addr=$(sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' "$BATS_TEST_TMPDIR/u/addr")
  [ -n "$addr" ]
  [ "$(cat "$BATS_TEST_TMPDIR/u/hostname")" = buildkitsandbox ]
  grep -qx "127.0.0.1	localhost" "$BATS_TEST_TMPDIR/u/hosts"
  grep -qx "$addr	buildkitsandbox" "$BATS_TEST_TMPDIR/u/hosts"
  # docker build leaves both out of the image
  last_layer dns >"$BATS_TEST_TMPDIR/layer"
  cat "$BATS_TEST_TMPDIR/layer"
  run grep -E ' etc/(hosts|resolv.conf)$' "$BATS_TEST_TMPDIR/layer"
  [ "$status" -eq 1 ]
  # nor /etc itself, which the base has without either file: overlayfs
  # copied it up for their mount points only
  run grep -E ' etc/$' "$BATS_TEST_TMPDIR/layer"
  [ "$status" -eq 1 ]
  [ ! -e "$BATS_TEST_TMPDIR/u/etc/hosts" ]
  [ ! -e "$BATS_TEST_TMPDIR/u/etc/resolv.conf" ]

  # only loopback resolvers: none at all (no public one made up); the
  # host's network takes the file as it is
  printf 'nameserver 127.0.0.53\n' >"$BATS_TEST_TMPDIR/resolv"
  BUILDER_RESOLV_CONF="$BATS_TEST_TMPDIR/resolv" run bld --no-cache -t dns2 "$CTX"
  [ "$status" -eq 0 ]
  BUILDER_RESOLV_CONF="$BATS_TEST_TMPDIR/resolv" run bld --no-cache --network host -t dns3 "$CTX"
  [ "$status" -eq 0 ]
  unpack dns2 "$BATS_TEST_TMPDIR/u2"
  unpack dns3 "$BATS_TEST_TMPDIR/u3"
  [ -z "$(grep nameserver "$BATS_TEST_TMPDIR/u2/resolv")" ]
  [ "$(cat "$BATS_TEST_TMPDIR/u3/resolv")" = "nameserver 127.0.0.53" ]
}

@test "build: SIGINT during a RUN with a private network leaves no namespace, veth or nft table" {
  command -v nft >/dev/null || skip "needs nftables"
  before=$(net_leftovers)
  printf 'FROM busybox\nRUN echo started; sleep 30\n' >"$CTX/Recipe"
  bash -c 'trap - INT; exec "$@"' _ "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" "$CTX" \
    >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
  BPID=$!
  wait_started
  [ -n "$(net_all)" ] # its network is there while it runs
  kill -INT "$BPID"
  st=0
  wait "$BPID" || st=$?
  BPID=
  cat "$BATS_TEST_TMPDIR/out"
  [ "$st" -eq 130 ]
  [ "$(net_leftovers)" = "$before" ]
}

@test "build: two builds at once get their own addresses and both reach the server" {
  net_setup
  before=$(net_leftovers)
  mkdir -p "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
  # a holds its network until b has run its step
  printf 'FROM busybox\nRUN wget -q -O /fetched http://%s:8080/file && ip -4 -o addr show eth0 > /addr && echo started && sleep 3\n' \
    "$SRV" >"$BATS_TEST_TMPDIR/a/Recipe"
  printf 'FROM busybox\nRUN wget -q -O /fetched http://%s:8080/file && ip -4 -o addr show eth0 > /addr\n' \
    "$SRV" >"$BATS_TEST_TMPDIR/b/Recipe"
  bld -t a "$BATS_TEST_TMPDIR/a" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
  BPID=$!
  for i in $(seq 100); do
    grep -q '| started' "$BATS_TEST_TMPDIR/out" && break
    sleep 0.1
  done
  run bld -t b "$BATS_TEST_TMPDIR/b"
  echo "$output"
  [ "$status" -eq 0 ]
  wait "$BPID"
  BPID=
  cat "$BATS_TEST_TMPDIR/out"
  grep -q '| started' "$BATS_TEST_TMPDIR/out"
  for t in a b; do
    unpack "$t" "$BATS_TEST_TMPDIR/u$t"
    [ "$(cat "$BATS_TEST_TMPDIR/u$t/fetched")" = "served from the test namespace $$" ]
  done
  addr_a=$(sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' "$BATS_TEST_TMPDIR/ua/addr")
  addr_b=$(sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' "$BATS_TEST_TMPDIR/ub/addr")
  [ -n "$addr_a" ] && [ -n "$addr_b" ]
  [ "$addr_a" != "$addr_b" ]
  [ "$(net_leftovers)" = "$before" ]
}

@test "build: what a build killed mid-RUN left of its network goes with the next build's step" {
  command -v nft >/dev/null || skip "needs nftables"
  before=$(net_leftovers)
  printf 'FROM busybox\nRUN echo started; sleep 30\n' >"$CTX/Recipe"
  "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" "$CTX" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
  BPID=$! # the builder itself, not a subshell
  wait_started
  [ "$(net_leftovers)" = "$before" ] # its slot is held: in use, not left
  kill -9 "$BPID"
  wait "$BPID" || true
  BPID=
  # nothing of its own removed them (another file's build running now
  # may: every step sweeps the free slots' leftovers)
  printf 'FROM busybox\nRUN ip -4 -o addr show eth0\n' >"$CTX/Recipe"
  run bld "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(net_leftovers)" = "$before" ]
}

# Failed while only the step taking the killed build's slot cleaned it:
# the next build got a lower slot (freed meanwhile) and the leftovers of
# the killed one stayed until some step took that slot again.
@test "build: what a killed build left in another slot goes with the next build's step, whichever slot it takes" {
  command -v nft >/dev/null || skip "needs nftables"
  before=$(net_leftovers)
  mkdir -p /run/builder/net
  # hold the lowest free slot, as another build would: the killed build
  # takes a higher one
  for held in $(seq 0 1023); do
    exec 5>"/run/builder/net/slot-$held.lock"
    flock -n 5 && break
    exec 5>&-
  done
  flock -n "/run/builder/net/slot-$held.lock" true && false # held by us
  printf 'FROM busybox\nRUN echo started; sleep 30\n' >"$CTX/Recipe"
  "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" "$CTX" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- 5>&- &
  BPID=$!
  wait_started
  kill -9 "$BPID"
  wait "$BPID" || true
  BPID=
  [ -z "$(net_leftovers | grep -x "builder-$held" || true)" ] # not the held slot's
  # the held slot is free again: the next step takes it, not the killed one's
  exec 5>&-
  printf 'FROM busybox\nRUN ip -4 -o addr show eth0\n' >"$CTX/Recipe"
  run bld "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(net_leftovers)" = "$before" ]
}

# Failed while every step's /30 came from 10.89.0.0/16 whatever the host
# routed there: a host network on 10.89/16 lost that part to the steps.
@test "build: the steps' addresses avoid a network the host routes; BUILDER_NETWORK_SUBNET chooses one" {
  net_setup
  # the host routes 10.89.0.0/16 (through the test's veth, gone with it in
  # teardown): the steps move to 10.90.0.0/16
  ip route add 10.89.0.0/16 dev "$SRV_IF"
  printf 'FROM busybox\nRUN ip -4 -o addr show eth0 >/addr && wget -q -O /fetched http://%s:8080/file\n' \
    "$SRV" >"$CTX/Recipe"
  run bld --no-cache -t moved "$CTX"
  echo "$output"
  ip route del 10.89.0.0/16 dev "$SRV_IF"
  [ "$status" -eq 0 ]
  unpack moved "$BATS_TEST_TMPDIR/u"
  cat "$BATS_TEST_TMPDIR/u/addr"
  grep -q ' inet 10\.90\.' "$BATS_TEST_TMPDIR/u/addr"
  [ "$(cat "$BATS_TEST_TMPDIR/u/fetched")" = "served from the test namespace $$" ]
  # chosen by the environment
  BUILDER_NETWORK_SUBNET=10.123.16.0/20 run bld --no-cache -t chosen "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack chosen "$BATS_TEST_TMPDIR/c"
  grep -q ' inet 10\.123\.1[6-9]\.\| inet 10\.123\.2[0-9]\.\| inet 10\.123\.3[01]\.' "$BATS_TEST_TMPDIR/c/addr"
  [ "$(cat "$BATS_TEST_TMPDIR/c/fetched")" = "served from the test namespace $$" ]
  # a value that is no network: one line naming the variable
  BUILDER_NETWORK_SUBNET=10.123.0.0/24 run bld --no-cache -t bad "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *"BUILDER_NETWORK_SUBNET=10.123.0.0/24: not an IPv4 network of /20 or wider"* ]]
}
