#!/bin/bash
# bench/run.sh [RUNS]: `builder run --rm` (an overlay of the layer cache)
# against `builder run` of an unpacked bundle and `podman run --rm` (the
# same image loaded from `builder save`, podman's overlay storage on a
# private root, runc as its runtime), in one run, on an image of a busybox
# rootfs, FILES small files (default 3000) and a 50 MB file; the command
# is /bin/true.  Prints each figure and the ratios to `builder run --rm`
# (above 1: builder run --rm is faster).  Run from the top of the tree
# after a build, as root.
set -euo pipefail

# shellcheck source=builder-common.sh
. "$(dirname "$0")/builder-common.sh"
bench_setup 10 "${1:-}" podman runc

WORK=$(mktemp -d /tmp/run-bench.XXXXXX)
POD="podman --root $WORK/proot --runroot $WORK/prunroot --tmpdir $WORK/ptmp --storage-driver overlay \
  --runtime $(command -v runc) --cgroup-manager cgroupfs --events-backend file"
cleanup() {
  $POD rm -af -t 0 >/dev/null 2>&1 || true
  $POD rmi -af >/dev/null 2>&1 || true
  awk -v d="$WORK" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
# podman's defaults ask for limits root may not raise here (see tests/bats/helpers.bash)
printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n[engine]\nlock_type = "file"\n' \
  >"$WORK/containers.conf"
export CONTAINERS_CONF=$WORK/containers.conf

STORE=$WORK/store
bench_image "$WORK/ctx" "$STORE"
"$BUILDER" --store "$STORE" save bench "oci-archive:$WORK/bench.tar"
$POD load -q -i "$WORK/bench.tar" >/dev/null

export BUILDER RUNC_LITE STORE POD
hyperfine --runs "$RUNS" --warmup 2 --export-json "$WORK/run.json" \
  -n "builder run --rm" '"$BUILDER" --store "$STORE" run --rm --runtime "$RUNC_LITE" bench /bin/true' \
  --prepare 'rm -rf "$STORE/.store/run/kept"' \
  -n "builder run" '"$BUILDER" --store "$STORE" run --name kept --runtime "$RUNC_LITE" bench /bin/true 2>/dev/null' \
  -n "podman run --rm" '$POD run --rm --network none bench /bin/true' >&2

echo "builder run --rm vs builder run (unpacked) vs podman run --rm ($FILES files + 50 MB + busybox, $RUNS runs)"
printf '%-18s %10s %10s %10s\n' tool median_s mean_s stddev_s
bench_rows "$WORK/run.json"
jq -r '(.results[0].median) as $o | .results[1:][] | "ratio \(.command)/builder run --rm: \(.median / $o * 100 | round / 100)"' "$WORK/run.json"
