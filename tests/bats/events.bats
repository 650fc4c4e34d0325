#!/usr/bin/env bats
# events, ps, pause and resume.

load helpers

setup() {
  setup_bundle sleep 100
  ID=$(test_id)
  rl run -d "$ID"
  PID=$(rl state "$ID" | jq -r .pid)
}

teardown() {
  cleanup_containers
}

# The container's directory in a v1 hierarchy, from the host.
cgroup_dir() {
  local rel
  rel=$(grep -E "^[0-9]+:([^:]*,)?$1(,[^:]*)?:" /proc/"$PID"/cgroup | cut -d: -f3)
  echo "/sys/fs/cgroup/$1$rel"
}

@test "events --stats: one stats event in runc's format, from the container's cgroup" {
  run rl events --stats "$ID"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 1 ]
  echo "$output" | jq -e ".type == \"stats\" and .id == \"$ID\""
  echo "$output" | jq -e '.data.pids.current == 1'
  echo "$output" | jq -e '.data.memory.usage.usage > 0 and .data.cpu.usage.total > 0'
  echo "$output" | jq -e '.data.memory.raw | has("rss") or has("anon")'
}

@test "events --interval streams stats until the container exits" {
  ( sleep 1.5; rl kill "$ID" KILL ) &
  run timeout 20 "$RUNC_LITE" --root "$ROOT" events --interval 200ms "$ID"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -ge 3 ]
  for l in "${lines[@]}"; do echo "$l" | jq -e '.type == "stats"'; done
}

@test "events reports an OOM kill" {
  mem=$(cgroup_dir memory)
  echo $((16 * 1024 * 1024)) >"$mem/memory.limit_in_bytes"
  "$RUNC_LITE" --root "$ROOT" events --interval 10s "$ID" >"$BATS_TEST_TMPDIR/events" &
  ev=$!
  sleep 0.3
  run rl exec "$ID" sh -c 'head -c 64m /dev/zero | tail'
  [ "$status" -eq 137 ]
  for _ in $(seq 100); do grep -q oom "$BATS_TEST_TMPDIR/events" && break; sleep 0.05; done
  kill "$ev"
  grep -q "{\"type\":\"oom\",\"id\":\"$ID\"}" "$BATS_TEST_TMPDIR/events"
}

@test "events: bad interval, stopped container" {
  run rl events --interval fast "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"expected a duration"* ]]
  rl kill "$ID" KILL
  for _ in $(seq 100); do [ "$(rl state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.05; done
  run rl events --stats "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"is not running"* ]]
}

@test "ps: json lists the cgroup's pids, table keeps ps's header and the container's lines" {
  rl exec -d "$ID" sleep 50
  run rl ps --format json "$ID"
  [ "$status" -eq 0 ]
  echo "$output" | jq -e "length == 2 and index($PID) != null"
  run rl ps "$ID"
  [[ "${lines[0]}" == UID*PID*CMD* ]]
  [ "${#lines[@]}" -eq 3 ]
  [[ "$output" == *"sleep 100"* ]]
  [[ "$output" == *"sleep 50"* ]]
  run rl ps "$ID" -o pid,comm
  [[ "${lines[0]}" =~ PID\ +COMMAND ]]
  [ "${#lines[@]}" -eq 3 ]
}

@test "pause freezes every process, resume thaws them; status follows" {
  rl pause "$ID"
  [ "$(rl state "$ID" | jq -r .status)" = paused ]
  [ "$(cat "$(cgroup_dir freezer)/freezer.state")" = FROZEN ]
  grep -q '^State:.*(stopped)\|^State:.*D\|^State:.*S' /proc/"$PID"/status
  run rl pause "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot pause container $ID: it is paused"* ]]
  run rl exec "$ID" true
  [ "$status" -ne 0 ]
  # runc's words (runc exec: "exec failed: cannot exec in a paused container ...")
  [[ "$output" == *"cannot exec in a paused container (use --ignore-paused to override)"* ]]
  rl resume "$ID"
  [ "$(rl state "$ID" | jq -r .status)" = running ]
  [ "$(cat "$(cgroup_dir freezer)/freezer.state")" = THAWED ]
  run rl resume "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"not paused"* ]]
}

@test "delete --force of a paused container kills and removes it" {
  rl pause "$ID"
  rl delete --force "$ID"
  [ ! -e /proc/"$PID" ] || grep -q '^State:.*Z' /proc/"$PID"/status
  run rl list -q
  [ -z "$output" ]
}

@test "update: flags and --resources (file or stdin) change the cgroup's limits" {
  mem=$(cgroup_dir memory)
  pids=$(cgroup_dir pids)
  cpu=$(cgroup_dir cpu)
  rl update --memory 64m --memory-reservation 32m --pids-limit 50 --cpu-quota 50000 --cpu-period 100000 --cpu-share 512 "$ID"
  [ "$(cat "$mem/memory.limit_in_bytes")" = 67108864 ]
  [ "$(cat "$mem/memory.soft_limit_in_bytes")" = 33554432 ]
  [ "$(cat "$pids/pids.max")" = 50 ]
  [ "$(cat "$cpu/cpu.cfs_quota_us")" = 50000 ]
  [ "$(cat "$cpu/cpu.shares")" = 512 ]
  echo '{"memory": {"limit": 33554432}, "pids": {"limit": 20}}' | rl update -r - "$ID"
  [ "$(cat "$mem/memory.limit_in_bytes")" = 33554432 ]
  [ "$(cat "$pids/pids.max")" = 20 ]
  echo '{"pids": {"limit": 30}}' >"$BATS_TEST_TMPDIR/res.json"
  rl update --resources "$BATS_TEST_TMPDIR/res.json" "$ID"
  [ "$(cat "$pids/pids.max")" = 30 ]
  # the new limit is enforced
  run rl exec "$ID" sh -c 'for i in $(seq 40); do sleep 5 & done; wait'
  [ "$status" -ne 0 ]
}

@test "update: bad values are refused with the field named" {
  run rl update --memory lots "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"--memory: expected a size"* ]]
  echo '{"memory": {"limit": "big"}}' >"$BATS_TEST_TMPDIR/bad.json"
  run rl update -r "$BATS_TEST_TMPDIR/bad.json" "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"bad.json: memory.limit: expected integer, got string"* ]]
  run rl update --blkio-weight 5 "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"expected 10 to 1000"* ]]
}
