#!/bin/bash
# bench/lifecycle-v2-vm.sh [RUNS]: bench/lifecycle.sh's `run` and
# create+start+delete on cgroup v2, in the qemu guest of
# tests/vm/run-cgroup-v2.sh (Debian's 6.1 kernel, cgroup v2 only), runc-lite
# against crun in the same guest (crun and hyperfine copied in with their
# libraries; the guest runs bench/vm-guest-bench.sh).  The guest is
# emulated (TCG): absolute times are many times the host's, only the ratio
# means something.  Prints the median of the per-round medians and
# runc-lite/crun.  As root, from the top of the tree after a build; takes
# the machine's heavy-job lock (flock /tmp/rl-heavy.lock) itself.
set -euo pipefail
RUNS=${1:-6}
here=$(cd "$(dirname "$0")" && pwd)
for t in crun hyperfine qemu-system-x86_64 jq flock; do
  command -v "$t" >/dev/null || { echo "$0: $t is missing" >&2; exit 1; }
done
tmp=$(mktemp -d /tmp/rl-v2-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
log=$tmp/log
# the guest sees no host environment: RUNS goes into its script
sed "s/^RUNS=.*/RUNS=$RUNS/" "$here/vm-guest-bench.sh" >"$tmp/guest.sh"
if ! RL_VM_TIMEOUT=${RL_VM_TIMEOUT:-900} RL_VM_GUEST_SCRIPT="$tmp/guest.sh" \
  RL_VM_EXTRA_BINS="$(command -v crun) $(command -v hyperfine)" \
  flock /tmp/rl-heavy.lock "$here/../tests/vm/run-cgroup-v2.sh" "$log" >/dev/null 2>"$tmp/err"; then
  cat "$tmp/err" >&2
  echo "$0: the guest failed:" >&2
  grep -v '^BENCH,' "$log" | tail -20 >&2
  exit 1
fi
echo "cgroup v2 guest (qemu TCG, Debian 6.1 kernel, 2 vCPUs): runc-lite vs crun $(crun --version | head -1 | cut -d' ' -f3)"
printf '%-22s %14s %14s %16s\n' scenario runc-lite crun runc-lite/crun
for s in run css; do
  # BENCH,scenario,round,command,mean,stddev,median,user,system,min,max
  rl=$(awk -F, -v s=$s '$1 == "BENCH" && $2 == s && $4 == "runc-lite" { print $7 }' "$log" | sort -g |
    awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }')
  cr=$(awk -F, -v s=$s '$1 == "BENCH" && $2 == s && $4 == "crun" { print $7 }' "$log" | sort -g |
    awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }')
  printf '%-22s %11.1f ms %11.1f ms %16.2f\n' "$([ $s = run ] && echo 'run /bin/true' || echo 'create+start+delete')" \
    "$(echo "$rl * 1000" | bc -l)" "$(echo "$cr * 1000" | bc -l)" "$(echo "$rl / $cr" | bc -l)"
done
echo "(median over rounds of each round's median of $RUNS runs; rounds interleave the two runtimes)"
