#!/bin/bash
# bench/lifecycle.sh [RUNS]: the container lifecycle under runc-lite, crun
# and runc, in one run, on one busybox bundle (built like the bats tests'
# from Debian's busybox-static):
#   run               `run` of /bin/true (terminal false, runc spec defaults)
#   create+start+delete   create, start, then delete --force at once,
#                     without waiting for the process to exit
# Prints per tool the median and mean wall time and the ratios crun/runc-lite
# and runc/runc-lite (above 1: runc-lite is faster). Run from the top of
# the tree after a build, as root. Uses hyperfine (installed from Debian if
# missing), or a plain loop timed with date +%s%N when it is unavailable.
set -euo pipefail

RUNS=${1:-50}
case $RUNS in
  '' | *[!0-9]* | 0)
    echo "usage: $0 [RUNS]   (RUNS: a positive number, default 50)" >&2
    exit 2
    ;;
esac

RUNC_LITE=${RUNC_LITE:-$PWD/runc-lite/runc-lite}
BUSYBOX=${BUSYBOX:-/bin/busybox}
[ -x "$RUNC_LITE" ] || { echo "$0: no $RUNC_LITE: build first (make), run from the top of the tree" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "$0: must run as root (the runtimes create namespaces)" >&2; exit 1; }

if [ -r scripts/deps.sh ]; then
  # shellcheck source=../scripts/deps.sh
  . scripts/deps.sh
  rl_install_missing busybox-static jq runc crun || true
  rl_install_missing hyperfine || echo "$0: hyperfine unavailable: timing a plain loop" >&2
fi
for t in jq runc crun; do
  command -v "$t" >/dev/null || { echo "$0: $t is missing" >&2; exit 1; }
done
[ -x "$BUSYBOX" ] || { echo "$0: $BUSYBOX is missing (Debian's busybox-static)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/rl-bench.XXXXXX)
TOOLS=(runc-lite crun runc)

cleanup() {
  local t
  for t in "${TOOLS[@]}"; do
    "$WORK/$t" delete --force bench >/dev/null 2>&1 || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

# The bundle: busybox and its applets, runc-lite's default spec.
BUNDLE=$WORK/bundle
mkdir -p "$BUNDLE"/rootfs/{bin,sbin,etc,proc,sys,dev,tmp,root,usr/bin,usr/sbin,var}
cp "$BUSYBOX" "$BUNDLE/rootfs/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$BUNDLE/rootfs/bin/$applet"
done
chmod 1777 "$BUNDLE/rootfs/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$BUNDLE/rootfs/etc/passwd"
printf 'root:x:0:\n' >"$BUNDLE/rootfs/etc/group"
(cd "$BUNDLE" && "$RUNC_LITE" spec)
# crun 1.8 refuses runc-lite's ociVersion (1.3.0); all three read 1.0.2.
jq '.process.terminal = false | .process.args = ["/bin/true"] | .ociVersion = "1.0.2"' \
  "$BUNDLE/config.json" >"$BUNDLE/config.json.tmp"
mv "$BUNDLE/config.json.tmp" "$BUNDLE/config.json"

# One wrapper per tool, each with its own state directory. crun 1.8
# refuses a cgroup v1 hybrid layout: it runs in a private mount namespace
# with the unified hierarchy unmounted (that unshare is in its times).
mkdir -p "$WORK/root-runc-lite" "$WORK/root-crun" "$WORK/root-runc"
cat >"$WORK/runc-lite" <<EOF
#!/bin/sh
exec "$RUNC_LITE" --root "$WORK/root-runc-lite" "\$@"
EOF
cat >"$WORK/runc" <<EOF
#!/bin/sh
exec runc --root "$WORK/root-runc" "\$@"
EOF
if mountpoint -q /sys/fs/cgroup/unified; then
  cat >"$WORK/crun" <<EOF
#!/bin/sh
exec unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec crun --root "$WORK/root-crun" "\$@"' sh "\$@"
EOF
else
  cat >"$WORK/crun" <<EOF
#!/bin/sh
exec crun --root "$WORK/root-crun" "\$@"
EOF
fi
chmod +x "$WORK/runc-lite" "$WORK/runc" "$WORK/crun"

# Each scenario once per tool first: a failure is reported, not timed.
scenario_run() { echo "'$WORK/$1' run --bundle '$BUNDLE' bench </dev/null >/dev/null"; }
scenario_css() {
  echo "{ '$WORK/$1' create --bundle '$BUNDLE' bench && '$WORK/$1' start bench && '$WORK/$1' delete --force bench; } </dev/null >/dev/null"
}
for t in "${TOOLS[@]}"; do
  for s in scenario_run scenario_css; do
    if ! sh -c "$($s "$t")" </dev/null >"$WORK/check.out" 2>&1; then
      echo "$0: $t fails the ${s#scenario_} scenario:" >&2
      cat "$WORK/check.out" >&2
      exit 1
    fi
  done
done

# measure NAME SCENARIO: one line per tool "tool median_s mean_s stddev_s".
measure() {
  local name=$1 scenario=$2 t
  if command -v hyperfine >/dev/null; then
    local cmds=()
    for t in "${TOOLS[@]}"; do
      cmds+=(--command-name "$t" "$($scenario "$t")")
    done
    hyperfine --runs "$RUNS" --warmup 3 --style none \
      --export-json "$WORK/$name.json" "${cmds[@]}" >/dev/null
    jq -r '.results[] | "\(.command) \(.median) \(.mean) \(.stddev // 0)"' "$WORK/$name.json"
  else
    local i cmd t0 t1
    for t in "${TOOLS[@]}"; do
      cmd=$($scenario "$t")
      for i in 1 2 3; do sh -c "$cmd" </dev/null >/dev/null 2>&1; done
      for ((i = 0; i < RUNS; i++)); do
        t0=$(date +%s%N)
        sh -c "$cmd" </dev/null >/dev/null 2>&1
        t1=$(date +%s%N)
        echo $((t1 - t0))
      done | sort -n | awk -v tool="$t" '
        { v[NR] = $1 / 1e9; sum += v[NR]; sq += v[NR] * v[NR] }
        END {
          med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          mean = sum / NR; var = sq / NR - mean * mean
          print tool, med, mean, (var > 0 ? sqrt(var) : 0)
        }'
    done
  fi
}

# report TITLE: the table of measure's lines on stdin, with ratios to
# runc-lite's median and mean.
report() {
  awk -v title="$1" '
    { tool[NR] = $1; med[NR] = $2; mean[NR] = $3; sd[NR] = $4; if ($1 == "runc-lite") base = NR }
    END {
      printf "\n%s (%d runs each)\n", title, runs
      printf "%-10s %12s %12s %12s %14s %14s\n", "tool", "median (ms)", "mean (ms)", "stddev (ms)", "median ratio", "mean ratio"
      for (i = 1; i <= NR; i++)
        printf "%-10s %12.2f %12.2f %12.2f %14.2f %14.2f\n", tool[i], med[i] * 1000, mean[i] * 1000, sd[i] * 1000,
          med[i] / med[base], mean[i] / mean[base]
      printf "(ratio: tool / runc-lite; above 1, runc-lite is faster)\n"
    }' runs="$RUNS"
}

echo "runc-lite: $("$RUNC_LITE" --version | head -1)"
echo "crun:      $(crun --version | head -1)"
echo "runc:      $(runc --version | head -1)"
if command -v hyperfine >/dev/null; then
  echo "timer:     $(hyperfine --version)"
else
  echo "timer:     a shell loop, date +%s%N"
fi
measure run scenario_run | report "run /bin/true"
measure css scenario_css | report "create + start + delete --force (no wait)"
