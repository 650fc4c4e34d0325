#!/bin/bash
# bench/unpack.sh [RUNS]: `builder unpack` against `umoci unpack`, in one
# run, on the same image of a builder store (an OCI layout, which umoci
# reads as --image STORE:NAME): a busybox rootfs, FILES small files
# (default 3000) and a 50 MB file, in three gzip layers.  Each run unpacks
# into a fresh bundle directory (removed in hyperfine's --prepare). Prints
# each figure and umoci/builder (above 1: builder is faster). Run from the
# top of the tree after a build, as root.
set -euo pipefail

RUNS=${1:-10}
FILES=${FILES:-3000}
case $RUNS in
  '' | *[!0-9]* | 0)
    echo "usage: $0 [RUNS]   (RUNS: a positive number, default 10)" >&2
    exit 2
    ;;
esac
BUILDER=${BUILDER:-$PWD/builder/builder}
RUNC_LITE=${RUNC_LITE:-$PWD/runc-lite/runc-lite}
BUSYBOX=${BUSYBOX:-/bin/busybox}
[ -x "$BUILDER" ] || { echo "$0: no $BUILDER: build first (make), run from the top of the tree" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "$0: must run as root" >&2; exit 1; }
if [ -r scripts/deps.sh ]; then
  # shellcheck source=../scripts/deps.sh
  . scripts/deps.sh
  rl_install_missing busybox-static jq umoci hyperfine || true
fi
for t in jq umoci hyperfine; do
  command -v "$t" >/dev/null || { echo "$0: $t is missing" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/unpack-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

CTX=$WORK/ctx
mkdir -p "$CTX"/rootfs/{bin,sbin,etc,proc,sys,dev,tmp,root,usr/bin,usr/sbin,var} "$CTX/files"
cp "$BUSYBOX" "$CTX/rootfs/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$CTX/rootfs/bin/$applet"
done
chmod 1777 "$CTX/rootfs/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$CTX/rootfs/etc/passwd"
printf 'root:x:0:\n' >"$CTX/rootfs/etc/group"
python3 - "$CTX/files" "$FILES" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(1, n + 1):
    d = os.path.join(root, "d%d" % (i % 50))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%d" % i), "wb") as f:
        f.write(os.urandom(1024 + (i * 37) % 3072))
PY
head -c 52428800 /dev/urandom >"$CTX/big"
printf 'FROM scratch\nCOPY rootfs/ /\nCOPY files/ /files/\nCOPY big /big\nCMD ["sh"]\n' >"$CTX/Recipe"
STORE=$WORK/store
"$BUILDER" --store "$STORE" build -t bench --timestamp 0 "$CTX" >/dev/null
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
printf '%-16s %10s %10s %10s\n' tool median_s mean_s stddev_s
jq -r '.results[] | [.command, .median, .mean, .stddev] | @tsv' "$WORK/unpack.json" |
  while IFS=$'\t' read -r n med mean sd; do printf '%-16s %10.3f %10.3f %10.3f\n' "$n" "$med" "$mean" "$sd"; done
jq -r '(.results[0].median) as $b | (.results[1].median) as $u | "ratio umoci/builder: \($u / $b * 100 | round / 100)"' "$WORK/unpack.json"
