#!/usr/bin/env bash
# Layer writing throughput: a ~200 MB tree (files copied from /usr) written
# as a layer with each compression and thread count; prints MB/s of tar
# stream and the compressed size.  Needs a built tree (make, or make check
# for tests/helpers/layer-tool).
#   bench/layer.sh [SIZE_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-200}
tool=tests/helpers/layer-tool
[ -x "$tool" ] || make -s "$tool" >/dev/null
work=$(mktemp -d /tmp/bench-layer.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The same files every run on a given machine: /usr's regular files in
# path order until the size is reached.
find /usr -xdev -type f -size -20M -printf '%s %p\n' 2>/dev/null | sort -k2 >"$work/all" || true
awk -v max=$((size_mb * 1000000)) '{ if (t >= max) exit; t += $1; print substr($0, index($0, " ") + 1) }' \
  "$work/all" >"$work/list"
mkdir "$work/tree"
tar -cf - -T "$work/list" 2>/dev/null | tar -xf - -C "$work/tree"
total=$(du -sb "$work/tree" | cut -f1)
cpus=$(nproc)
awk -v n="$(wc -l <"$work/list")" -v t="$total" -v c="$cpus" 'BEGIN { printf "tree: %d files, %.1f MB; %d CPUs\n", n, t / 1e6, c }' 
"$tool" write -c none "$work/tree" "$work/warm" >/dev/null # warm the page cache

run() { # LABEL ARGS...
  local label=$1 best=""
  shift
  for _ in 1 2; do
    read -r _ _ size tar_size secs < <("$tool" write "$@" "$work/tree" "$work/out")
    if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$secs; fi
  done
  awk -v l="$label" -v s="$size" -v t="$tar_size" -v b="$best" \
    'BEGIN { printf "%-22s %8.1f MB/s  %7.1f MB -> %7.1f MB (%.1f%%)\n", l, t / b / 1e6, t / 1e6, s / 1e6, 100 * s / t }' 
}
run "none" -c none
run "gzip 1 thread" -c gzip -t 1
run "gzip $cpus threads" -c gzip -t "$cpus"
run "gzip -1, $cpus threads" -c gzip -l 1 -t "$cpus"
run "zstd 1 thread" -c zstd -t 1
run "zstd $cpus workers" -c zstd -t "$cpus"
