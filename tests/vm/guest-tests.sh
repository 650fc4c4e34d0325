#!/bin/sh
# Runs inside the cgroup v2 guest of run-cgroup-v2.sh: one TAP line per
# check ("ok N - key: what"); the key before ":" is what cgroup-v2-vm.bats
# looks for.  Exit status 0 when every check passed.
n=0 failed=0
R="runc-lite --root /run/rl"
B=/bundle

ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
check() { # NAME COMMAND...: ok when the command succeeds
  name=$1; shift
  if "$@"; then ok "$name"; else notok "$name" "failed: $*"; fi
}
eq() { # NAME GOT WANT
  if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "got:  '$2'" "want: '$3'"; fi
}
has() { # NAME TEXT PATTERN
  case "$2" in *"$3"*) ok "$1" ;; *) notok "$1" "output: $2" "expected to contain: $3" ;; esac
}

# start NAME ID: runs config-NAME.json detached; sets $dir to its cgroup
start() {
  cp "$B/config-$1.json" "$B/config.json"
  # to a file: a pipe would stay open in the detached container
  if ! (cd $B && $R run -d "$2") >/tmp/out 2>&1; then
    dir= out=$(cat /tmp/out)
    echo "# start $1: $out"
    return 1
  fi
  pid=$($R state "$2" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
  dir=/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
}
# fg NAME ID: runs config-NAME.json in the foreground; $out, $status
fg() {
  cp "$B/config-$1.json" "$B/config.json"
  out=$(cd $B && $R run "$2" 2>&1)
  status=$?
}
val() { cat "$dir/$1" 2>&1; }

start memory m1
eq "memory.max: limit" "$(val memory.max)" 67108864
if [ -f "$dir/memory.swap.max" ]; then
  eq "memory.swap.max: swap - limit" "$(val memory.swap.max)" 33554432
else
  ok "memory.swap.max: swap - limit # SKIP no swap accounting in this kernel"
fi
eq "memory.low: reservation" "$(val memory.low)" 33554432
$R delete --force m1
check "delete: the container's cgroup is removed" test ! -d "$dir"

fg oom o1
eq "memory.oom: a 64 MB allocation under 16 MB is killed (137)" "$status" 137

start pids p1
eq "pids.max: limit" "$(val pids.max)" 10
$R delete --force p1
fg bomb p2
has "pids.enforced: a fork bomb stops at the limit" "$out" "can't fork"

start cpu c1
eq "cpu.max: quota period" "$(val cpu.max)" "50000 100000"
eq "cpu.weight: from shares 1024" "$(val cpu.weight)" 39
eq "cpu.max.burst: burst" "$(val cpu.max.burst)" 1000
eq "cpuset.cpus: cpus" "$(val cpuset.cpus)" 0
eq "cpu.idle: idle" "$(val cpu.idle)" 0
$R delete --force c1
start cpumax c2
eq "cpu.max.unlimited: quota -1" "$(val cpu.max)" "max 50000"
$R delete --force c2

if [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw io /sys/fs/cgroup/cgroup.controllers; then
  if start io i1; then
    if [ -f "$dir/io.bfq.weight" ]; then
      has "io.weight: blkio weight" "$(val io.bfq.weight)" 500
    else
      eq "io.weight: blkio weight (converted)" "$(val io.weight)" "default 4950"
    fi
    has "io.max: throttles" "$(val io.max)" "7:0 rbps=1048576 wbps=max riops=max wiops=100"
    $R delete --force i1
  else
    notok "io.weight: blkio weight" "$out"
    notok "io.max: throttles" "$out"
  fi
else
  ok "io.weight: blkio weight # SKIP no io controller"
  ok "io.max: throttles # SKIP no io controller"
fi

if [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw hugetlb /sys/fs/cgroup/cgroup.controllers; then
  start hugetlb h1
  eq "hugetlb.max: 2MB pages" "$(val hugetlb.2MB.max)" 4194304
  $R delete --force h1
else
  ok "hugetlb.max: 2MB pages # SKIP no hugetlb controller"
fi

fg devdeny d1
eq "devices.allowed: /dev/zero (default list) readable" "$(echo "$out" | head -1)" 1
has "devices.denied: a device outside the rules is EPERM" "$out" "Operation not permitted"
has "devices.denied-status: the write failed" "$out" "status=1"
fg devallow d2
has "devices.rule: an allow rule lets it through" "$out" "status=0"

start unified u1
eq "unified.pids: key written as given" "$(val pids.max)" 7
eq "unified.memory: memory.high" "$(val memory.high)" 49999872
$R delete --force u1

cp $B/config-badkey.json $B/config.json
(cd $B && $R run -d k1) >/tmp/out 2>&1; out=$(cat /tmp/out)
has "unified.badkey: a key with .. is refused" "$out" 'invalid key "../pids.max"'
cp $B/config-network.json $B/config.json
(cd $B && $R run -d k2) >/tmp/out 2>&1; out=$(cat /tmp/out)
has "network.v2: classID is a clear error" "$out" "net_cls and net_prio are cgroup v1 controllers"
cp $B/config-rt.json $B/config.json
(cd $B && $R run -d k3) >/tmp/out 2>&1; out=$(cat /tmp/out)
has "cpu.realtime.v2: a clear error" "$out" "not supported on cgroup v2"
eq "failed.cleanup: failed creates leave no container" "$($R list -q)" ""
check "failed.cleanup-cgroup: nor their cgroups" test ! -d /sys/fs/cgroup/k1 -a ! -d /sys/fs/cgroup/k2 -a ! -d /sys/fs/cgroup/k3

start nested x1
eq "nested.path: cgroupsPath /rl/nested/c" "$dir" /sys/fs/cgroup/rl/nested/c
has "nested.subtree: controllers enabled on the path" "$(cat /sys/fs/cgroup/rl/nested/cgroup.subtree_control)" memory
eq "nested.memory: memory.max in the nested cgroup" "$(val memory.max)" 33554432
eq "nested.pids: pids.max in the nested cgroup" "$(val pids.max)" 20
$R delete --force x1
check "nested.removed: removed on delete" test ! -d /sys/fs/cgroup/rl/nested/c

# spec on a cgroup2-only host asks for a cgroup namespace (runc does)
mkdir -p /tmp/spec && rm -f /tmp/spec/config.json && $R spec --bundle /tmp/spec
has "spec.cgroupns: a cgroup namespace on a cgroup2-only host" "$(cat /tmp/spec/config.json)" '"type": "cgroup"'

# sub-cgroups: exec --cgroup joins one; delete --force removes them all
start memory s1
mkdir -p "$dir/sub/deeper"
has "exec.cgroup: exec --cgroup SUB runs in the sub-cgroup" "$($R exec --cgroup sub/deeper s1 cat /proc/self/cgroup 2>&1)" '0::/s1/sub/deeper'
$R delete --force s1
check "subcgroups.removed: delete --force removes the container's sub-cgroups" test ! -d "$dir"

# a frozen pre-existing cgroup: refused at once, not a hang
mkdir -p /sys/fs/cgroup/rl/nested/c
echo 1 >/sys/fs/cgroup/rl/nested/c/cgroup.freeze
cp $B/config-nested.json $B/config.json
(cd $B && timeout 30 $R run -d f1) >/tmp/out 2>&1; out=$(cat /tmp/out)
has "frozen.refused: a frozen cgroup is refused" "$out" "container's cgroup unexpectedly frozen"
echo 0 >/sys/fs/cgroup/rl/nested/c/cgroup.freeze
rmdir /sys/fs/cgroup/rl/nested/c 2>/dev/null

echo "1..$n"
[ "$failed" -eq 0 ]
