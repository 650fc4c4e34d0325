#!/usr/bin/env bats
# linux.resources on this host's cgroup v1 hierarchies: each value read back
# from the container's cgroup files, limits enforced where that is cheap,
# cgroupsPath placement, and clear errors for what v1 (or this host) lacks.
# cgroup v2 is covered in a VM by cgroup-v2-vm.bats.

load helpers

setup() {
  [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ] ||
    skip "needs the cgroup v1 memory controller at /sys/fs/cgroup/memory (this file tests v1)"
  setup_bundle sleep 100
}

teardown() {
  cleanup_containers
  [ -z "${CG_TOP:-}" ] || for c in /sys/fs/cgroup/*/; do
    [ -d "$c$CG_TOP" ] && find "$c$CG_TOP" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  true
}

# start_container: runs the bundle detached; sets $id, $pid.
start_container() {
  id=$(test_id)
  rl run -d "$id"
  pid=$(rl state "$id" | jq -r .pid)
  [ "$pid" -gt 0 ]
}

# add_caps CAP: adds a capability to every set of the process.
add_caps() {
  update_config ".process.capabilities |= with_entries(.value += [\"$1\"])"
}

@test "memory: limit, swap (memsw), reservation, kernelTCP, swappiness, disableOOMKiller, useHierarchy" {
  update_config '.linux.resources.memory = {"limit": 67108864, "swap": 134217728, "reservation": 33554432,
    "kernelTCP": 16777216, "swappiness": 10, "disableOOMKiller": true, "useHierarchy": true, "checkBeforeUpdate": true}'
  start_container
  d=$(cgdir memory "$pid")
  [ "$(cat "$d/memory.limit_in_bytes")" = 67108864 ]
  [ "$(cat "$d/memory.soft_limit_in_bytes")" = 33554432 ]
  [ "$(cat "$d/memory.swappiness")" = 10 ]
  grep -qx 'oom_kill_disable 1' "$d/memory.oom_control"
  [ "$(cat "$d/memory.use_hierarchy")" = 1 ]
  if [ -f "$d/memory.memsw.limit_in_bytes" ]; then
    [ "$(cat "$d/memory.memsw.limit_in_bytes")" = 134217728 ]
  fi
  if [ -f "$d/memory.kmem.tcp.limit_in_bytes" ]; then
    [ "$(cat "$d/memory.kmem.tcp.limit_in_bytes")" = 16777216 ]
  fi
}

@test "memory: swap -1 is unlimited swap, raised before the limit" {
  update_config '.linux.resources.memory = {"limit": 33554432, "swap": -1}'
  start_container
  d=$(cgdir memory "$pid")
  [ "$(cat "$d/memory.limit_in_bytes")" = 33554432 ]
  [ ! -f "$d/memory.memsw.limit_in_bytes" ] || [ "$(cat "$d/memory.memsw.limit_in_bytes")" -gt 1000000000000 ]
}

@test "memory: update --memory -1 after a swap limit lifts both (swap first, as runc)" {
  [ -f /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] || skip "needs swap accounting (memory.memsw.*)"
  update_config '.linux.resources.memory = {"limit": 33554432, "swap": 67108864}'
  start_container
  d=$(cgdir memory "$pid")
  [ "$(cat "$d/memory.memsw.limit_in_bytes")" = 67108864 ]
  rl update --memory -1 "$id"
  [ "$(cat "$d/memory.limit_in_bytes")" -gt 1000000000000 ]
  [ "$(cat "$d/memory.memsw.limit_in_bytes")" -gt 1000000000000 ]
  # a limit again, swap unsaid: memsw (unlimited) stays above it
  rl update --memory 16777216 "$id"
  [ "$(cat "$d/memory.limit_in_bytes")" = 16777216 ]
}

@test "memory: kernel (kmem) is accepted where the kernel ignores or dropped it" {
  update_config '.linux.resources.memory = {"limit": 67108864, "kernel": 67108864}'
  start_container
  [ "$(cat "$(cgdir memory "$pid")/memory.limit_in_bytes")" = 67108864 ]
}

@test "memory: the limit is enforced: a 100 MB allocation is OOM-killed (137)" {
  update_config '.linux.resources.memory = {"limit": 33554432}'
  update_config '.process.args = ["sh", "-c", "head -c 100m /dev/zero | tail"]'
  run rl run "$(test_id)"
  [ "$status" -eq 137 ]
}

@test "memory: without the limit the same allocation succeeds" {
  update_config '.process.args = ["sh", "-c", "head -c 100m /dev/zero | tail | wc -c"]'
  run rl run "$(test_id)"
  [ "$status" -eq 0 ]
  [ "$output" = 104857600 ]
}

@test "memory: a refused write names the file, the value and the directory; create fails cleanly" {
  [ -f /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] || skip "no swap accounting (memory.memsw.*) on this kernel"
  id=$(test_id)
  # memory+swap below memory: the kernel refuses memsw
  update_config '.linux.resources.memory = {"limit": 67108864, "swap": 33554432}'
  run rl run -d "$id"
  [ "$status" -ne 0 ]
  [[ "$output" == *"write memory.memsw.limit_in_bytes = 33554432 in /sys/fs/cgroup/memory/"*"/$id: Invalid argument"* ]]
  run rl list -q
  [ -z "$output" ]
  [ ! -d "/sys/fs/cgroup/pids/$id" ]
}

@test "cpu: shares, quota, period, burst, realtime, idle; cpuset cpus and mems" {
  update_config '.linux.resources.cpu = {"shares": 512, "quota": 20000, "period": 50000, "burst": 1000,
    "realtimeRuntime": 1000, "realtimePeriod": 100000, "idle": 0, "cpus": "0", "mems": "0"}'
  start_container
  d=$(cgdir cpu "$pid")
  [ "$(cat "$d/cpu.shares")" = 512 ]
  [ "$(cat "$d/cpu.cfs_quota_us")" = 20000 ]
  [ "$(cat "$d/cpu.cfs_period_us")" = 50000 ]
  [ ! -f "$d/cpu.cfs_burst_us" ] || [ "$(cat "$d/cpu.cfs_burst_us")" = 1000 ]
  [ "$(cat "$d/cpu.rt_runtime_us")" = 1000 ]
  [ "$(cat "$d/cpu.rt_period_us")" = 100000 ]
  [ ! -f "$d/cpu.idle" ] || [ "$(cat "$d/cpu.idle")" = 0 ]
  s=$(cgdir cpuset "$pid")
  [ "$(cat "$s/cpuset.cpus")" = 0 ]
  [ "$(cat "$s/cpuset.mems")" = 0 ]
  [ "$(cat "/proc/$pid/status" | awk '/^Cpus_allowed_list/ {print $2}')" = 0 ]
}

@test "cpu: quota -1 is no quota; a quota below the kernel's minimum is an error naming the file" {
  update_config '.linux.resources.cpu = {"quota": -1, "period": 100000}'
  start_container
  [ "$(cat "$(cgdir cpu "$pid")/cpu.cfs_quota_us")" = -1 ]
  update_config '.linux.resources.cpu = {"quota": 10, "period": 100000}'
  run rl run -d "${id}b"
  [ "$status" -ne 0 ]
  [[ "$output" == *"write cpu.cfs_quota_us = 10 in /sys/fs/cgroup/cpu"*": Invalid argument"* ]]
}

@test "pids: the limit is written and stops a fork bomb" {
  update_config '.linux.resources.pids = {"limit": 10}'
  start_container
  [ "$(cat "$(cgdir pids "$pid")/pids.max")" = 10 ]
  update_config '.process.args = ["sh", "-c", "for i in $(seq 50); do sleep 10 & done; echo all started"]'
  run rl run "${id}b"
  [ "$status" -ne 0 ]
  [[ "$output" == *"can't fork"* ]]
  [[ "$output" != *"all started"* ]]
}

@test "pids: 50 processes start under a limit of 100" {
  update_config '.linux.resources.pids = {"limit": 100}'
  update_config '.process.args = ["sh", "-c", "for i in $(seq 50); do sleep 1 & done; echo all started"]'
  run rl run "$(test_id)"
  [ "$status" -eq 0 ]
  [ "$output" = "all started" ]
}

@test "pids: a limit of -1 or 0 is max" {
  update_config '.linux.resources.pids = {"limit": -1}'
  start_container
  [ "$(cat "$(cgdir pids "$pid")/pids.max")" = max ]
  update_config '.linux.resources.pids = {"limit": 0}'
  rl run -d "${id}b"
  pid=$(rl state "${id}b" | jq -r .pid)
  [ "$(cat "$(cgdir pids "$pid")/pids.max")" = max ]
}

@test "blockIO: read/write bps and iops throttles per device" {
  [ -b /dev/loop0 ] || skip "needs /dev/loop0 (7:0) as a block device to throttle"
  update_config '.linux.resources.blockIO = {
    "throttleReadBpsDevice": [{"major": 7, "minor": 0, "rate": 1048576}],
    "throttleWriteBpsDevice": [{"major": 7, "minor": 0, "rate": 2097152}],
    "throttleReadIOPSDevice": [{"major": 7, "minor": 0, "rate": 100}],
    "throttleWriteIOPSDevice": [{"major": 7, "minor": 0, "rate": 200}]}'
  start_container
  d=$(cgdir blkio "$pid")
  [ "$(cat "$d/blkio.throttle.read_bps_device")" = "7:0 1048576" ]
  [ "$(cat "$d/blkio.throttle.write_bps_device")" = "7:0 2097152" ]
  [ "$(cat "$d/blkio.throttle.read_iops_device")" = "7:0 100" ]
  [ "$(cat "$d/blkio.throttle.write_iops_device")" = "7:0 200" ]
}

@test "blockIO: weight goes to blkio.weight (CFQ) or blkio.bfq.weight (BFQ)" {
  update_config '.linux.resources.blockIO = {"weight": 300}'
  id=$(test_id)
  status=0
  rl run -d "$id" 2>"$BATS_TEST_TMPDIR/err" || status=$?
  output=$(cat "$BATS_TEST_TMPDIR/err")
  if [ "$status" -eq 0 ]; then
    pid=$(rl state "$id" | jq -r .pid)
    d=$(cgdir blkio "$pid")
    if [ -f "$d/blkio.weight" ]; then
      [ "$(cat "$d/blkio.weight")" = 300 ]
    else
      grep -Eqx '(default )?300' "$d/blkio.bfq.weight"
    fi
  else
    # neither scheduler's weights on this kernel: the error names the file
    [[ "$output" == *"write blkio.weight = 300 in /sys/fs/cgroup/blkio/"*": No such file or directory"* ]]
  fi
}

@test "blockIO: weightDevice on a device without a weighting scheduler fails naming file and value" {
  grep -q '\[bfq\]\|\[cfq\]' /sys/class/block/loop0/queue/scheduler 2>/dev/null &&
    skip "loop0 has a weighting scheduler here: this checks the error of one without"
  [ -b /dev/loop0 ] || skip "needs /dev/loop0"
  update_config '.linux.resources.blockIO = {"weightDevice": [{"major": 7, "minor": 0, "weight": 200}]}'
  run rl run -d "$(test_id)"
  [ "$status" -ne 0 ]
  [[ "$output" == *"write blkio."*"weight_device = 7:0 200 in /sys/fs/cgroup/blkio/"*": "* ]]
}

@test "blockIO: leafWeight needs CFQ's blkio.leaf_weight; the error names it where it is absent" {
  [ ! -f /sys/fs/cgroup/blkio/blkio.leaf_weight ] || skip "CFQ leaf weights exist here: this checks the error of a kernel without them"
  update_config '.linux.resources.blockIO = {"leafWeight": 300}'
  run rl run -d "$(test_id)"
  [ "$status" -ne 0 ]
  [[ "$output" == *"write blkio.leaf_weight = 300 in /sys/fs/cgroup/blkio/"*": No such file or directory"* ]]
}

@test "devices: the config's rules then the default allow list, in devices.list" {
  update_config '.linux.resources.devices = [{"allow": false, "access": "rwm"},
    {"allow": true, "type": "b", "major": 7, "minor": 0, "access": "r"}]'
  start_container
  list=$(cat "$(cgdir devices "$pid")/devices.list")
  ! grep -qx 'a \*:\* rwm' <<<"$list"
  grep -qx 'b 7:0 r' <<<"$list"
  for rule in 'c 1:3 rwm' 'c 1:5 rwm' 'c 1:7 rwm' 'c 1:8 rwm' 'c 1:9 rwm' 'c 5:0 rwm' 'c 5:2 rwm' 'c 136:\* rwm' 'c \*:\* m' 'b \*:\* m'; do
    grep -qx "$rule" <<<"$list"
  done
}

@test "devices: a node mknod'ed in the container's /dev obeys the rules" {
  add_caps CAP_MKNOD
  update_config '.process.args = ["sh", "-c", "mknod /dev/blk b 7 0 && head -c1 /dev/blk; echo status=$?; head -c1 /dev/zero | wc -c"]'
  # runc spec's rules: deny everything, the defaults allow /dev/zero and mknod
  run rl run "$(test_id)a"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Operation not permitted"* ]]
  [[ "$output" == *"status=1"* ]]
  [ "${lines[-1]}" = 1 ]
  # an allow rule for b 7:0 r lets the same open through
  update_config '.linux.resources.devices += [{"allow": true, "type": "b", "major": 7, "minor": 0, "access": "r"}]'
  run rl run "$(test_id)b"
  [ "$status" -eq 0 ]
  [[ "$output" != *"Operation not permitted"* ]]
  [[ "$output" == *"status=0"* ]]
}

@test "devices: a deny rule for the runtime-created /dev/zero is overridden by the defaults (as runc)" {
  update_config '.linux.resources.devices = [{"allow": true, "access": "rwm"}, {"allow": false, "type": "c", "major": 1, "minor": 5, "access": "rwm"}]'
  update_config '.process.args = ["sh", "-c", "head -c1 /dev/zero | wc -c"]'
  run rl run "$(test_id)"
  [ "$status" -eq 0 ]
  [ "$output" = 1 ]
}

@test "devices: a deny rule stops a device the defaults do not cover" {
  add_caps CAP_MKNOD
  update_config '.linux.resources.devices = [{"allow": true, "access": "rwm"}, {"allow": false, "type": "c", "major": 1, "minor": 11, "access": "w"}]'
  update_config '.process.args = ["sh", "-c", "mknod /dev/k c 1 11 && echo x > /dev/k"]'
  run rl run "$(test_id)"
  [ "$status" -ne 0 ]
  [[ "$output" == *"Operation not permitted"* ]]
}

@test "cgroupsPath: relative, under the runtime's own cgroup on each hierarchy" {
  update_config ".linux.cgroupsPath = \"rl-rel-$$/c\""
  CG_TOP=rl-rel-$$
  start_container
  own=$(awk -F: '$2 == "pids" {print $3}' /proc/self/cgroup)
  [ "$(awk -F: '$2 == "pids" {print $3}' "/proc/$pid/cgroup")" = "${own%/}/rl-rel-$$/c" ]
  ownm=$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup)
  [ "$(awk -F: '$2 == "memory" {print $3}' "/proc/$pid/cgroup")" = "${ownm%/}/rl-rel-$$/c" ]
}

@test "cgroupsPath: absolute and nested; limits in the nested directory; removed on delete" {
  update_config ".linux.cgroupsPath = \"/rl-abs-$$/a/b\""
  update_config '.linux.resources.pids = {"limit": 42}'
  CG_TOP=rl-abs-$$
  start_container
  [ "$(awk -F: '$2 == "pids" {print $3}' "/proc/$pid/cgroup")" = "/rl-abs-$$/a/b" ]
  [ "$(awk -F: '$2 == "memory" {print $3}' "/proc/$pid/cgroup")" = "/rl-abs-$$/a/b" ]
  [ "$(cat "/sys/fs/cgroup/pids/rl-abs-$$/a/b/pids.max")" = 42 ]
  [ "$(cat "/sys/fs/cgroup/pids/rl-abs-$$/a/pids.max")" = max ]
  rl delete --force "$id"
  for c in pids memory cpu devices blkio; do
    [ ! -d "/sys/fs/cgroup/$c/rl-abs-$$/a/b" ]
  done
}

@test "hugepageLimits: needs the hugetlb controller; a clear error where it is not mounted" {
  update_config '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
  status=0
  rl run -d "$(test_id)" 2>"$BATS_TEST_TMPDIR/err" || status=$?
  output=$(cat "$BATS_TEST_TMPDIR/err")
  if awk '$9 == "cgroup" && $0 ~ /hugetlb/' /proc/self/mountinfo | grep -q .; then
    [ "$status" -eq 0 ]
    pid=$(rl state "$(test_id)" | jq -r .pid)
    [ "$(cat "$(cgdir hugetlb "$pid")/hugetlb.2MB.limit_in_bytes")" = 4194304 ]
  else
    [ "$status" -ne 0 ]
    [[ "$output" == *"linux.resources.hugepageLimits: the hugetlb cgroup controller is not mounted"* ]]
  fi
}

@test "hugepageLimits: an invalid page size is refused" {
  update_config '.linux.resources.hugepageLimits = [{"pageSize": "3MB", "limit": 4194304}]'
  run rl run -d "$(test_id)"
  [ "$status" -ne 0 ]
  [[ "$output" == *"hugetlb"* ]]
}

@test "network: classID and priorities need net_cls/net_prio; a clear error where they are not mounted" {
  grep -q 'net_cls' /proc/self/cgroup && skip "net_cls is mounted here: this test checks the error of a host without it"
  update_config '.linux.resources.network = {"classID": 1048577}'
  run rl run -d "$(test_id)a"
  [ "$status" -ne 0 ]
  [[ "$output" == *"linux.resources.network.classID: the net_cls cgroup controller is not mounted"* ]]
  update_config '.linux.resources.network = {"priorities": [{"name": "lo", "priority": 2}]}'
  run rl run -d "$(test_id)b"
  [ "$status" -ne 0 ]
  [[ "$output" == *"linux.resources.network.priorities: the net_prio cgroup controller is not mounted"* ]]
}

@test "rdma: needs the rdma controller; a clear error where it is not mounted" {
  grep -q ':rdma:' /proc/self/cgroup && skip "rdma is mounted here: this test checks the error of a host without it"
  update_config '.linux.resources.rdma = {"mlx5_0": {"hcaHandles": 3, "hcaObjects": 10000}}'
  run rl run -d "$(test_id)"
  [ "$status" -ne 0 ]
  [[ "$output" == *"linux.resources.rdma: the rdma cgroup controller is not mounted"* ]]
}

@test "unified: cgroup v2 keys are an error on a v1 host, an empty map is not" {
  update_config '.linux.resources.unified = {"memory.high": "50000000"}'
  run rl run -d "$(test_id)a"
  [ "$status" -ne 0 ]
  [[ "$output" == *"linux.resources.unified: cgroup v2 files (memory.high) cannot be set on a cgroup v1 host"* ]]
  run rl list -q
  [ -z "$output" ]
  update_config '.linux.resources.unified = {}'
  rl run -d "$(test_id)b"
  [ "$(rl state "$(test_id)b" | jq -r .status)" = running ]
}
