#!/usr/bin/env bats
# linux.resources on cgroup v2, in a qemu guest booted with cgroup v1
# disabled (tests/vm/run-cgroup-v2.sh).  The guest runs once per file; each
# @test checks one of its TAP lines, by the key before the ":".

load helpers

setup_file() {
  VM_LOG="$BATS_FILE_TMPDIR/vm.log"
  export VM_LOG
  RUNC_LITE="$RUNC_LITE" "${TESTS_DIR:-$BATS_TEST_DIRNAME/..}/vm/run-cgroup-v2.sh" "$VM_LOG" >/dev/null 2>"$BATS_FILE_TMPDIR/vm.err" || true
}

# guest KEY: the guest's check KEY ran and passed (a SKIP the guest gives,
# for a controller its kernel lacks, is reported as a bats skip).
guest() {
  local line
  [ -s "$VM_LOG" ] || { cat "$BATS_FILE_TMPDIR/vm.err" >&2; return 1; }
  line=$(grep -E "^(not )?ok [0-9]+ - $1: " "$VM_LOG" | head -1)
  [ -n "$line" ] || { echo "no check $1 in the guest's log" >&2; tail -20 "$VM_LOG" >&2; return 1; }
  if [[ "$line" == "not ok"* ]]; then
    echo "$line" >&2
    sed -n "/^$(sed 's/[][\.*^$/]/\\&/g' <<<"$line")\$/,/^[^#]/p" "$VM_LOG" | grep '^#' >&2
    return 1
  fi
  if [[ "$line" == *"# SKIP"* ]]; then
    skip "guest: ${line#*# SKIP }"
  fi
}

@test "the guest ran every check and printed PASS" {
  [ -s "$VM_LOG" ]
  grep -q '^RL-VM-PASS' "$VM_LOG"
  grep -q '^1\.\.[0-9]' "$VM_LOG"
}
@test "v2 memory.max from memory.limit" { guest memory.max; }
@test "v2 memory.swap.max is swap - limit" { guest memory.swap.max; }
@test "v2 memory.low from memory.reservation" { guest memory.low; }
@test "v2 memory limit enforced: OOM kill, exit 137" { guest memory.oom; }
@test "v2 pids.max from pids.limit" { guest pids.max; }
@test "v2 pids limit stops a fork bomb" { guest pids.enforced; }
@test "v2 cpu.max from quota and period" { guest cpu.max; }
@test "v2 cpu.max is 'max PERIOD' for quota -1" { guest cpu.max.unlimited; }
@test "v2 cpu.weight converted from shares" { guest cpu.weight; }
@test "v2 cpu.max.burst from burst" { guest cpu.max.burst; }
@test "v2 cpuset.cpus from cpus" { guest cpuset.cpus; }
@test "v2 cpu.idle from idle" { guest cpu.idle; }
@test "v2 realtime cpu settings are a clear error" { guest cpu.realtime.v2; }
@test "v2 io.weight from blockIO.weight" { guest io.weight; }
@test "v2 io.max from the throttle devices" { guest io.max; }
@test "v2 hugetlb.2MB.max from hugepageLimits" { guest hugetlb.max; }
@test "v2 devices (eBPF): the default list allows /dev/zero" { guest devices.allowed; }
@test "v2 devices (eBPF): a device outside the rules is EPERM" { guest devices.denied; }
@test "v2 devices (eBPF): the denied write fails" { guest devices.denied-status; }
@test "v2 devices (eBPF): an allow rule lets the device through" { guest devices.rule; }
@test "v2 unified keys are written as given" { guest unified.pids; }
@test "v2 unified memory.high" { guest unified.memory; }
@test "v2 unified key with .. is refused" { guest unified.badkey; }
@test "v2 network (net_cls) is a clear error" { guest network.v2; }
@test "v2 failed creates leave no container" { guest failed.cleanup; }
@test "v2 failed creates leave no cgroup" { guest failed.cleanup-cgroup; }
@test "v2 nested cgroupsPath is created" { guest nested.path; }
@test "v2 controllers enabled down a nested path" { guest nested.subtree; }
@test "v2 memory.max in a nested cgroup" { guest nested.memory; }
@test "v2 pids.max in a nested cgroup" { guest nested.pids; }
@test "v2 the nested cgroup is removed on delete" { guest nested.removed; }
@test "v2 the cgroup is removed on delete" { guest delete; }
@test "v2 spec asks for a cgroup namespace on a cgroup2-only host" { guest spec.cgroupns; }
@test "v2 exec --cgroup runs in a sub-cgroup" { guest exec.cgroup; }
@test "v2 delete --force removes the container's sub-cgroups" { guest subcgroups.removed; }
@test "v2 a frozen pre-existing cgroup is refused at once" { guest frozen.refused; }
