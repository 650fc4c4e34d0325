#!/usr/bin/env bats
# builder build --jobs N: independent stages build at once (BuildKit runs
# independent vertices in parallel); each step keeps its own [N/M] label,
# numbered in the plan's order whatever order the stages run in.

load helpers
load build_helpers

two_sleepers() {
  cat >"$CTX/Recipe" <<'R'
FROM busybox AS a
RUN sleep 2 && echo from-a > /a
FROM busybox AS b
RUN sleep 2 && echo from-b > /b
FROM busybox
COPY --from=a /a /a
COPY --from=b /b /b
R
}

# seconds (with decimals) the command took
elapsed() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >"$BATS_TEST_TMPDIR/out" 2>&1 || return 1
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}

@test "build --jobs 2: two independent stages sleeping 2 s each take about 2 s, not 4; --jobs 1 takes 4" {
  two_sleepers
  t=$(elapsed bld --progress plain --jobs 2 --no-cache -t par "$CTX")
  cat "$BATS_TEST_TMPDIR/out"
  echo "--jobs 2: $t s"
  [ "$(echo "$t < 3.5" | bc)" -eq 1 ]
  # each step's lines keep its label; both RUN steps took their 2 s
  grep -q '^\[2/7\] RUN sleep 2 && echo from-a' "$BATS_TEST_TMPDIR/out"
  grep -q '^\[4/7\] RUN sleep 2 && echo from-b' "$BATS_TEST_TMPDIR/out"
  grep -Eq '^\[2/7\] DONE 2\.[0-9]s$' "$BATS_TEST_TMPDIR/out"
  grep -Eq '^\[4/7\] DONE 2\.[0-9]s$' "$BATS_TEST_TMPDIR/out"
  # each RUN its own container (and the runtime's cgroup of its id)
  ! grep -q 'cgroup is not empty' "$BATS_TEST_TMPDIR/out"
  unpack par "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/a" "$BATS_TEST_TMPDIR/u/b")" = "from-a
from-b" ]
  t=$(elapsed bld --progress plain --jobs 1 --no-cache -t seq "$CTX")
  echo "--jobs 1: $t s"
  [ "$(echo "$t >= 4" | bc)" -eq 1 ]
  # cached: every step of both stages hits, the same image again
  bld --progress plain --jobs 2 --timestamp 0 -t c1 "$CTX" >/dev/null
  run bld --progress plain --jobs 2 --timestamp 0 -t c2 "$CTX"
  [ "$status" -eq 0 ]
  [ "$(grep -c CACHED <<<"$output")" -eq 4 ]
  [ "$(manifest c1)" = "$(manifest c2)" ]
}

@test "build --jobs: a failing stage fails the build with its error; bad values are refused" {
  cat >"$CTX/Recipe" <<'R'
FROM busybox AS a
RUN sleep 1 && exit 3
FROM busybox AS b
RUN sleep 2
FROM busybox
COPY --from=a /etc/passwd /a
COPY --from=b /etc/passwd /b
R
  run bld --progress plain --jobs 2 "$CTX"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "${lines[-1]}" == *"Recipe:2: RUN: exit status 3"* ]]
  [[ "$output" == *"[2/7] ERROR"* ]]
  [[ "$output" != *"[5/7]"* ]]
  run bld --jobs 0 "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *'--jobs "0": want a number from 1 to 1024'* ]]
  run bld --jobs x "$CTX"
  [ "$status" -ne 0 ]
}

@test "build --jobs 2: SIGINT during two parallel RUN steps stops both within a second" {
  cat >"$CTX/Recipe" <<'R'
FROM busybox AS a
RUN sleep 3607
FROM busybox AS b
RUN sleep 3607
FROM busybox
COPY --from=a /etc/passwd /a
COPY --from=b /etc/passwd /b
R
  # SIGINT at its default disposition (a background job of a
  # non-interactive shell would ignore it)
  bash -c 'trap - INT; exec "$@"' _ "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" --progress plain \
    --jobs 2 "$CTX" >"$BATS_TEST_TMPDIR/out" 2>&1 &
  local pid=$! i
  for i in $(seq 100); do
    [ "$(grep -c 'RUN sleep 3607' "$BATS_TEST_TMPDIR/out")" -eq 2 ] && break
    sleep 0.1
  done
  sleep 0.5
  kill -INT "$pid"
  local t0=$SECONDS
  wait "$pid" && st=0 || st=$?
  cat "$BATS_TEST_TMPDIR/out"
  [ "$st" -eq 130 ]
  [ $((SECONDS - t0)) -le 2 ]
  ! pgrep -f 'sleep 3607$' >/dev/null || { pgrep -af 'sleep 3607$'; false; }
}
