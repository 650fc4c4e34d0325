#!/bin/bash
# bench/build.sh [RUNS]: `builder build` against `buildah bud`, in one run,
# on the same recipe and context:
#   FROM busybox (a busybox-static rootfs image in an OCI layout)
#   COPY of FILES small files (default 3000, 1-4 KiB each)
#   RUN writing 50 MB (head -c of /dev/zero... through the shell)
#   ENV, LABEL, WORKDIR, CMD
# cold: an empty store and build cache (builder imports the base from the
# layout through FROM oci:DIR:NAME; buildah, with a fresh --root, pulls it
# from the same layout, timed); cached: the same build again, every step
# cached.  The cold build is also timed with BUILDER_SNAPSHOTTER=copy (the
# copying snapshotter, no overlayfs).
# buildah runs with a private --root/--runroot, the overlay driver (vfs if
# overlay fails), --isolation chroot and --layers (its step cache); builder
# RUNs through runc-lite. Prints each figure and buildah/builder (above 1:
# builder is faster). Run from the top of the tree after a build, as root.
set -euo pipefail

RUNS=${1:-5}
FILES=${FILES:-3000}
case $RUNS in
  '' | *[!0-9]* | 0)
    echo "usage: $0 [RUNS]   (RUNS: a positive number, default 5)" >&2
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
  rl_install_missing busybox-static jq buildah hyperfine || true
fi
for t in jq buildah hyperfine; do
  command -v "$t" >/dev/null || { echo "$0: $t is missing" >&2; exit 1; }
done

# lowercase: buildah names an oci: pull after its path
WORK=/tmp/bld-bench-$$
rm -rf "$WORK"; mkdir -m 0700 "$WORK"
cleanup() {
  buildah --root "$WORK/buildah-root" --runroot "$WORK/buildah-run" --storage-driver "${DRIVER:-overlay}" \
    rm -a >/dev/null 2>&1 || true
  umount -R "$WORK/buildah-root" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The base image, in a store of ours (an OCI layout buildah reads as oci:).
BASE=$WORK/base
mkdir -p "$BASE"/rootfs/{bin,sbin,etc,proc,sys,dev,tmp,root,usr/bin,usr/sbin,var}
cp "$BUSYBOX" "$BASE/rootfs/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$BASE/rootfs/bin/$applet"
done
chmod 1777 "$BASE/rootfs/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$BASE/rootfs/etc/passwd"
printf 'root:x:0:\n' >"$BASE/rootfs/etc/group"
printf 'FROM scratch\nCOPY rootfs/ /\nCMD ["sh"]\n' >"$BASE/Recipe"
PRISTINE=$WORK/pristine
"$BUILDER" --store "$PRISTINE" build -t busybox --timestamp 0 "$BASE" >/dev/null
# only the base's blobs: no build cache
rm -rf "$PRISTINE/.store/layers" "$PRISTINE/.store/cache"

# The context.
CTX=$WORK/ctx
mkdir -p "$CTX/files"
python3 - "$CTX/files" "$FILES" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(1, n + 1):
    d = os.path.join(root, "d%d" % (i % 50))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%d" % i), "wb") as f:
        f.write(os.urandom(1024 + (i * 37) % 3072))
PY
body='COPY files/ /files/
RUN head -c 52428800 /dev/urandom > /big && ls /files | wc -l
ENV APP=bench
LABEL bench=build
WORKDIR /app
CMD ["sh"]'
# builder reads the base from the layout (oci:DIR:NAME, imported into its
# store); buildah 1.28 takes no transport in FROM: it pulls first (timed)
printf 'FROM oci:%s:busybox:latest\n%s\n' "$PRISTINE" "$body" >"$CTX/Recipe"
printf 'FROM localhost/busybox:latest\n%s\n' "$body" >"$CTX/Dockerfile"

STORE=$WORK/store
BROOT=$WORK/buildah-root
BRUN=$WORK/buildah-run
DRIVER=overlay
bah() { buildah --root "$BROOT" --runroot "$BRUN" --storage-driver "$DRIVER" "$@"; }
bah_reset() { bah rm -a >/dev/null 2>&1 || true; umount -R "$BROOT" 2>/dev/null || true; rm -rf "$BROOT" "$BRUN"; }
BASE_REF="oci:$PRISTINE:busybox:latest"
bah_base() { local id; id=$(bah pull -q "$BASE_REF") && bah tag "$id" localhost/busybox:latest; }
if ! bah_base 2>"$WORK/probe.err" ||
  ! bah bud --isolation chroot --layers -q -t probe -f "$CTX/Dockerfile" "$CTX" >/dev/null 2>"$WORK/probe.err"; then
  echo "$0: buildah with overlay failed ($(tail -1 "$WORK/probe.err")): vfs" >&2
  bah_reset
  DRIVER=vfs
  bah_base
  bah bud --isolation chroot --layers -q -t probe -f "$CTX/Dockerfile" "$CTX" >/dev/null
fi
bah_reset

export BUILDER RUNC_LITE STORE PRISTINE CTX BROOT BRUN DRIVER BASE_REF
B_BUILD='"$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" -t bench "$CTX" >/dev/null'
B_COLD_PREP='rm -rf "$STORE"'
BAH='buildah --root "$BROOT" --runroot "$BRUN" --storage-driver "$DRIVER"'
H_BUILD="$BAH"' bud --isolation chroot --layers -q -t bench -f "$CTX/Dockerfile" "$CTX" >/dev/null'
# cold: the pull of the base is part of the build, as builder imports it
H_COLD='id=$('"$BAH"' pull -q "$BASE_REF") && '"$BAH"' tag "$id" localhost/busybox:latest && '"$H_BUILD"
H_COLD_PREP='buildah --root "$BROOT" --runroot "$BRUN" --storage-driver "$DRIVER" rm -a >/dev/null 2>&1; umount -R "$BROOT" 2>/dev/null; rm -rf "$BROOT" "$BRUN"; true'

hyperfine -N 2>/dev/null >/dev/null || true
hyperfine --runs "$RUNS" --export-json "$WORK/cold.json" \
  --prepare "bash -c '$B_COLD_PREP'" -n "builder cold" "bash -c '$B_BUILD'" \
  --prepare "bash -c '$H_COLD_PREP'" -n "buildah cold" "bash -c '$H_COLD'" \
  --prepare "bash -c '$B_COLD_PREP'" -n "builder cold copy" "bash -c 'BUILDER_SNAPSHOTTER=copy $B_BUILD'" >&2
# cached: the stores as the last cold runs left them (one build done)
# (buildah's base is still tagged from the cold runs)
hyperfine --runs "$RUNS" --warmup 1 --export-json "$WORK/cached.json" \
  -n "builder cached" "bash -c '$B_BUILD'" \
  -n "buildah cached" "bash -c '$H_BUILD'" >&2

echo "builder build vs buildah bud ($FILES files, 50 MB RUN, buildah storage driver $DRIVER, $RUNS runs)"
printf '%-16s %10s %10s %10s\n' scenario median_s mean_s stddev_s
for f in cold cached; do
  jq -r '.results[] | [.command, .median, .mean, .stddev] | @tsv' "$WORK/$f.json" |
    while IFS=$'\t' read -r n med mean sd; do printf '%-16s %10.3f %10.3f %10.3f\n' "$n" "$med" "$mean" "$sd"; done
  jq -r --arg f "$f" '(.results[0].median) as $b | (.results[1].median) as $h | "ratio buildah/builder \($f): \($h / $b * 100 | round / 100)"' "$WORK/$f.json"
done
jq -r '(.results[2].median) as $c | (.results[1].median) as $h | "ratio buildah/builder cold with the copying snapshotter: \($h / $c * 100 | round / 100)"' "$WORK/cold.json"
