#!/bin/bash
# bench/unpack.sh [RUNS]: `builder unpack` against `umoci unpack`, in one
# run, on the same image of a builder store (an OCI layout, which umoci
# reads as --image STORE:NAME): a busybox rootfs, FILES small files
# (default 3000) and a 50 MB file, in three gzip layers.  Each run unpacks
# into a fresh bundle directory (removed in hyperfine's --prepare). Prints
# each figure and umoci/builder (above 1: builder is faster). Run from the
# top of the tree after a build, as root.
set -euo pipefail

# shellcheck source=builder-common.sh
. "$(dirname "$0")/builder-common.sh"
bench_setup 10 "${1:-}" umoci

WORK=$(mktemp -d /tmp/unpack-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

STORE=$WORK/store
bench_image "$WORK/ctx" "$STORE"
# umoci reads the layout itself; a check that both see the same image
umoci unpack --image "$STORE:bench:latest" "$WORK/check-umoci" >/dev/null
"$BUILDER" --store "$STORE" unpack bench "$WORK/check-builder" >/dev/null
if ! diff -r --no-dereference "$WORK/check-umoci/rootfs" "$WORK/check-builder/rootfs" >/dev/null; then
  echo "$0: the two rootfs differ" >&2
  exit 1
fi
rm -rf "$WORK/check-umoci" "$WORK/check-builder"

export BUILDER STORE WORK
hyperfine --runs "$RUNS" --warmup 1 --export-json "$WORK/unpack.json" \
  --prepare 'rm -rf "$WORK/b"' -n "builder unpack" '"$BUILDER" --store "$STORE" unpack bench "$WORK/b"' \
  --prepare 'rm -rf "$WORK/b"' -n "umoci unpack" 'umoci unpack --image "$STORE:bench:latest" "$WORK/b"' >&2

echo "builder unpack vs umoci unpack ($FILES files + 50 MB + busybox, gzip, $RUNS runs)"
printf '%-18s %10s %10s %10s\n' tool median_s mean_s stddev_s
bench_rows "$WORK/unpack.json"
jq -r '(.results[0].median) as $b | (.results[1].median) as $u | "ratio umoci/builder: \($u / $b * 100 | round / 100)"' "$WORK/unpack.json"
