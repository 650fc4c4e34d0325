#!/bin/sh
# Runs inside the cgroup v2 guest of tests/vm/run-cgroup-v2.sh for
# bench/lifecycle-v2-vm.sh: runc-lite and crun on the same bundle, hyperfine
# -N, interleaved rounds; one "BENCH,scenario,round,<hyperfine CSV row>" line
# per tool and round.  Exit status 0 when both runtimes ran every scenario.
RUNS=${RUNS:-6}
ROUNDS=${ROUNDS:-3}
B=/bundle
cp "$B/config-true.json" "$B/config.json" || exit 1
mkdir -p /run/rl /run/crun
for t in "runc-lite --root /run/rl" "crun --root /run/crun"; do
  $t run --bundle $B check </dev/null || { echo "bench: $t cannot run the bundle"; exit 1; }
  { $t create --bundle $B check && $t start check && $t delete --force check; } </dev/null ||
    { echo "bench: $t cannot create+start+delete"; exit 1; }
done
r=0
while [ $r -lt "$ROUNDS" ]; do
  hyperfine -N --runs "$RUNS" --warmup 1 --style none --export-csv /tmp/run.csv \
    -n runc-lite "runc-lite --root /run/rl run --bundle $B b" \
    -n crun "crun --root /run/crun run --bundle $B b" >/dev/null 2>&1 || exit 1
  hyperfine -N --runs "$RUNS" --warmup 1 --style none --export-csv /tmp/css.csv \
    -n runc-lite "sh -c 'runc-lite --root /run/rl create --bundle $B b && runc-lite --root /run/rl start b && runc-lite --root /run/rl delete --force b'" \
    -n crun "sh -c 'crun --root /run/crun create --bundle $B b && crun --root /run/crun start b && crun --root /run/crun delete --force b'" >/dev/null 2>&1 || exit 1
  for s in run css; do
    tail -n +2 /tmp/$s.csv | while read -r line; do echo "BENCH,$s,$r,$line"; done
  done
  r=$((r + 1))
done
exit 0
