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
#
# Then the multi-stage scenario (issue 13), its own table:
#   FROM busybox AS build
#   RUN writing 300 MB of mixed files (random and text, 5 MB each: a
#       toolchain's worth), COPY src/, RUN "compiling" src into /out/app
#   FROM busybox, COPY --from=build /out/app, CMD
# cold (empty stores, the base pulled as above) and "changed": one source
# file changed, the rest cached.  Prints builder/buildah (goal <= 0.5).
#
# Then the CI scenario (issue 14, bench/build-cache.sh): a fresh runner
# cold against a fresh runner with --cache-from a registry that another
# runner filled (--cache-to ...,mode=max).  Prints cached/cold (goal <= 0.2).
# Then the rootless scenario (bench/build-rootless.sh, its own process: it
# makes a user for the run): rootless builder against rootless buildah.
# SCENARIO=small|multistage|cache|rootless runs only one (default all).
set -euo pipefail

# shellcheck source=builder-common.sh
. "$(dirname "$0")/builder-common.sh"
bench_setup 5 "${1:-}" buildah

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
bench_busybox_rootfs "$BASE/rootfs"
printf 'FROM scratch\nCOPY rootfs/ /\nCMD ["sh"]\n' >"$BASE/Recipe"
PRISTINE=$WORK/pristine
"$BUILDER" --store "$PRISTINE" build -t busybox --timestamp 0 "$BASE" >/dev/null
# only the base's blobs: no build cache
rm -rf "$PRISTINE/.store/layers" "$PRISTINE/.store/cache"

# The context.
CTX=$WORK/ctx
mkdir -p "$CTX/files"
bench_small_files "$CTX/files" "$FILES"
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

SCENARIO=${SCENARIO:-all}
if [ "$SCENARIO" = all ] || [ "$SCENARIO" = small ]; then
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
printf '%-18s %10s %10s %10s\n' scenario median_s mean_s stddev_s
for f in cold cached; do
  bench_rows "$WORK/$f.json"
  jq -r --arg f "$f" '(.results[0].median) as $b | (.results[1].median) as $h | "ratio buildah/builder \($f): \($h / $b * 100 | round / 100)"' "$WORK/$f.json"
done
jq -r '(.results[2].median) as $c | (.results[1].median) as $h | "ratio buildah/builder cold with the copying snapshotter: \($h / $c * 100 | round / 100)"' "$WORK/cold.json"
fi

if [ "$SCENARIO" = all ] || [ "$SCENARIO" = multistage ]; then
  # shellcheck source=build-multistage.sh
  . "$(dirname "$0")/build-multistage.sh"
fi
if [ "$SCENARIO" = all ] || [ "$SCENARIO" = cache ]; then
  # shellcheck source=build-cache.sh
  . "$(dirname "$0")/build-cache.sh"
fi
if [ "$SCENARIO" = all ] || [ "$SCENARIO" = rootless ]; then
  bash "$(dirname "$0")/build-rootless.sh" "$RUNS"
fi
