#!/bin/bash
# bench/lifecycle.sh [RUNS]: the container lifecycle under runc-lite, crun
# and runc, like for like, on one busybox bundle (built like the bats
# tests' from Debian's busybox-static).  Scenarios:
#   run               `run` of /bin/true, to its exit
#   create+start+delete   create, start, then delete --force at once
#                     (one `sh -c`, the same for every runtime)
#   exec              `exec` of /bin/true into a running container
#   20 concurrent     20 `create`s started at once, wall time for all
#                     (one `sh -c` with `&` and `wait`, the same for all)
# Table 1 holds everything equal: all three runtimes inside ONE private
# mount namespace (one `unshare -m` around the whole table, not one per
# command) with /sys/fs/cgroup/unified unmounted (crun 1.8 refuses this
# host's hybrid v1 layout otherwise), the same bundle, hyperfine -N (no
# shell) where one command suffices.  Table 2 is the untouched host, for
# runc-lite and runc (crun cannot run there).  The runtimes are timed
# in ROUNDS interleaved rounds (default 5) of RUNS/ROUNDS runs each, so
# a burst of load on the shared machine hits all of them; the medians are
# over all runs.  Prints medians and ratios (to crun in table 1, to runc in
# table 2; below 1, runc-lite is faster), the load average, and each
# runtime's peak RSS for `run`.  Run from the top of the tree after a
# build, as root.
set -euo pipefail

# shellcheck source=builder-common.sh
. "$(dirname "$0")/builder-common.sh"
RUNS=${1:-60}
case $RUNS in
  '' | *[!0-9]* | 0)
    echo "usage: $0 [RUNS]   (RUNS: a positive number, default 60)" >&2
    exit 2
    ;;
esac
ROUNDS=${ROUNDS:-5}
PER_ROUND=$(((RUNS + ROUNDS - 1) / ROUNDS))
RUNC_LITE=${RUNC_LITE:-$PWD/runc-lite/runc-lite}
BUSYBOX=${BUSYBOX:-/bin/busybox}
CONCURRENT=20

# table TITLE BASE TOOL...: one table, every scenario, the TOOLs
# interleaved; ratios are to BASE's median.
table() {
  local title=$1 base=$2 t s i r
  shift 2
  local tools=("$@")
  local out=$WORK/out-$base
  rm -rf "$out" && mkdir -p "$out"

  for t in "${tools[@]}"; do
    "$WORK/cleanup-$t" >/dev/null 2>&1 || true
    # Each scenario once per tool first: a failure is reported, not timed.
    for s in run css exec conc; do
      "$WORK/setup-$s-$t" >/dev/null 2>&1 || true
      if ! sh -c "$(cmd "$s" "$t")" </dev/null >"$WORK/check.out" 2>&1; then
        echo "$0: $t fails the $s scenario:" >&2
        cat "$WORK/check.out" >&2
        exit 1
      fi
      "$WORK/after-$s-$t" >/dev/null 2>&1 || true
    done
    [ "$(ls "$WORK/root-$t" | wc -l)" -eq 1 ] || { echo "$0: $t left containers behind: $(ls "$WORK/root-$t")" >&2; exit 1; }
  done

  echo
  echo "== $title"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (nproc $(nproc))"
  for s in run css exec conc; do
    for ((r = 0; r < ROUNDS; r++)); do
      local args=()
      for t in "${tools[@]}"; do
        args+=(--command-name "$t" --prepare "$WORK/setup-$s-$t" "$(cmd "$s" "$t")")
      done
      # one --prepare per command, in the commands' order
      hyperfine -N --runs "$PER_ROUND" --warmup 1 --style none \
        --export-json "$out/$s-$r.json" "${args[@]}" >/dev/null 2>"$out/$s-$r.log" ||
        { cat "$out/$s-$r.log" >&2; exit 1; }
    done
  done
  echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"

  printf '%-28s' scenario
  for t in "${tools[@]}"; do printf ' %12s' "$t"; done
  for t in "${tools[@]}"; do [ "$t" = "$base" ] || printf ' %16s' "$t/$base"; done
  printf '\n'
  for s in run css exec conc; do
    local -A med=()
    for t in "${tools[@]}"; do
      med[$t]=$(jq -s --arg t "$t" '[.[].results[] | select(.command == $t) | .times[]] | sort
        | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end' \
        "$out/$s"-*.json)
    done
    printf '%-28s' "$(label "$s")"
    for t in "${tools[@]}"; do printf ' %9.2f ms' "$(echo "${med[$t]} * 1000" | bc -l)"; done
    for t in "${tools[@]}"; do
      [ "$t" = "$base" ] || printf ' %16.2f' "$(echo "${med[$t]} / ${med[$base]}" | bc -l)"
    done
    printf '\n'
    unset med
  done
  printf '%-28s' "peak RSS of run (max of 5)"
  for t in "${tools[@]}"; do
    local peak=0 kb
    for ((i = 0; i < 5; i++)); do
      # shellcheck disable=SC2046 # the command is split on blanks, as hyperfine -N does
      kb=$( { /usr/bin/time -f %M $(cmd run "$t") >/dev/null; } 2>&1 </dev/null | tail -1)
      [ "$kb" -gt "$peak" ] && peak=$kb
    done
    printf ' %9.2f MB' "$(echo "$peak / 1024" | bc -l)"
  done
  printf '\n(medians of %d runs each, %d interleaved rounds; ratio below 1: the first tool is faster)\n' \
    $((PER_ROUND * ROUNDS)) "$ROUNDS"
}

label() {
  case $1 in
    run) echo "run /bin/true" ;;
    css) echo "create+start+delete" ;;
    exec) echo "exec /bin/true" ;;
    conc) echo "$CONCURRENT concurrent creates" ;;
  esac
}

# cmd SCENARIO TOOL: the timed command (hyperfine -N splits it on blanks):
# the runtime's binary itself, no wrapper.
cmd() {
  local b="$2"
  [ "$2" = runc-lite ] && b=$RUNC_LITE
  b="$b --root $WORK/root-$2"
  case $1 in
    run) echo "$b run --bundle $BUNDLE bench" ;;
    css) echo "sh -c '$b create --bundle $BUNDLE bench && $b start bench && $b delete --force bench'" ;;
    exec) echo "$b exec bench-exec /bin/true" ;;
    conc) echo "sh $WORK/conc-$2" ;; # conc-TOOL names the binary itself
  esac
}

# The table inside the private mount namespace: re-entered below.
if [ "${RL_BENCH_INNER:-}" = 1 ]; then
  WORK=$RL_BENCH_WORK BUNDLE=$RL_BENCH_WORK/bundle
  if mountpoint -q /sys/fs/cgroup/unified; then
    umount /sys/fs/cgroup/unified
    held="one private mount namespace for all (one unshare -m), /sys/fs/cgroup/unified unmounted"
  else
    held="one private mount namespace for all (one unshare -m)"
  fi
  table "like for like: $held; the same bundle; hyperfine -N; sh -c only where the scenario needs it, the same for all" \
    crun runc-lite crun runc
  # the containers left running belong to this namespace: delete them here
  for t in runc-lite crun runc; do "$WORK/cleanup-$t" >/dev/null 2>&1 || true; done
  exit 0
fi

[ -x "$RUNC_LITE" ] || { echo "$0: no $RUNC_LITE: build first (make), run from the top of the tree" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "$0: must run as root (the runtimes create namespaces)" >&2; exit 1; }
if [ -r scripts/deps.sh ]; then
  # shellcheck source=../scripts/deps.sh
  . scripts/deps.sh
  rl_install_missing busybox-static jq runc crun hyperfine bc time || true
fi
for t in jq runc crun hyperfine bc /usr/bin/time unshare; do
  command -v "$t" >/dev/null || { echo "$0: $t is missing" >&2; exit 1; }
done
[ -x "$BUSYBOX" ] || { echo "$0: $BUSYBOX is missing (Debian's busybox-static)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/rl-bench.XXXXXX)
BUNDLE=$WORK/bundle
TOOLS=(runc-lite crun runc)
cleanup() {
  local t
  for t in "${TOOLS[@]}"; do
    [ -x "$WORK/cleanup-$t" ] && "$WORK/cleanup-$t" >/dev/null 2>&1
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

# The bundle: busybox and its applets, runc-lite's default spec.
bench_busybox_rootfs "$BUNDLE/rootfs"
(cd "$BUNDLE" && "$RUNC_LITE" spec)
# crun 1.8 refuses runc-lite's ociVersion (1.3.0); all three read 1.0.2.
jq '.process.terminal = false | .process.args = ["/bin/true"] | .ociVersion = "1.0.2"' \
  "$BUNDLE/config.json" >"$BUNDLE/config.json.tmp"
mv "$BUNDLE/config.json.tmp" "$BUNDLE/config.json"
# The exec scenario's container: the same rootfs, sleeping.
mkdir -p "$WORK/bundle-sleep"
jq --arg r "$BUNDLE/rootfs" '.process.args = ["sleep", "100000"] | .root.path = $r' \
  "$BUNDLE/config.json" >"$WORK/bundle-sleep/config.json"

# Per tool: a wrapper with its own state directory (an exec, the same for
# all), the prepare/conclude scripts of each scenario, and a cleanup.
for t in "${TOOLS[@]}"; do
  bin=$t
  [ "$t" = runc-lite ] && bin=$RUNC_LITE
  mkdir -p "$WORK/root-$t"
  printf '#!/bin/sh\nexec %s --root %s "$@"\n' "$bin" "$WORK/root-$t" >"$WORK/$t"
  b="$bin --root $WORK/root-$t"
  # run, exec, conc leave nothing behind on success; css deletes its own
  printf '#!/bin/sh\n%s delete --force bench >/dev/null 2>&1; true\n' "$b" >"$WORK/setup-run-$t"
  cp "$WORK/setup-run-$t" "$WORK/setup-css-$t"
  printf '#!/bin/sh\n%s state bench-exec >/dev/null 2>&1 || { %s create --bundle %s bench-exec && %s start bench-exec; }\n' \
    "$b" "$b" "$WORK/bundle-sleep" "$b" >"$WORK/setup-exec-$t"
  printf '#!/bin/sh\ntrue\n' >"$WORK/after-run-$t"
  cp "$WORK/after-run-$t" "$WORK/after-css-$t"
  cp "$WORK/after-run-$t" "$WORK/after-exec-$t"
  {
    printf '#!/bin/sh\n'
    for ((i = 0; i < CONCURRENT; i++)); do printf '%s delete --force c%d >/dev/null 2>&1 &\n' "$b" "$i"; done
    printf 'wait\n'
  } >"$WORK/after-conc-$t"
  cp "$WORK/after-conc-$t" "$WORK/setup-conc-$t"
  {
    printf 'ret=0\n'
    for ((i = 0; i < CONCURRENT; i++)); do printf '%s create --bundle %s c%d </dev/null >/dev/null & p%d=$!\n' "$b" "$BUNDLE" "$i" "$i"; done
    for ((i = 0; i < CONCURRENT; i++)); do printf 'wait $p%d || ret=1\n' "$i"; done
    printf 'exit $ret\n'
  } >"$WORK/conc-$t"
  {
    printf '#!/bin/sh\n'
    printf '%s delete --force bench >/dev/null 2>&1\n' "$b"
    printf '%s delete --force bench-exec >/dev/null 2>&1\n' "$b"
    printf 'sh %s\n' "$WORK/after-conc-$t"
  } >"$WORK/cleanup-$t"
  chmod +x "$WORK/$t" "$WORK"/setup-*-"$t" "$WORK"/after-*-"$t" "$WORK/cleanup-$t"
done

echo "runc-lite: $("$RUNC_LITE" --version | head -1)"
echo "crun:      $(crun --version | head -1)"
echo "runc:      $(runc --version | head -1)"
echo "timer:     $(hyperfine --version), -N"
echo "kernel:    $(uname -r)"
RL_BENCH_INNER=1 RL_BENCH_WORK=$WORK unshare -m --propagation private bash "$0" "$RUNS"
table "the untouched host (no unshare; crun 1.8 cannot run on this hybrid layout)" runc runc-lite runc
