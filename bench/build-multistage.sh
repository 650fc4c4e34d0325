# shellcheck shell=bash
# bench/build.sh's multi-stage scenario (sourced by it, after its set-up:
# WORK, PRISTINE, BAH, H_COLD_PREP, B_COLD_PREP and the tools are there).
MCTX=$WORK/mctx
mkdir -p "$MCTX/src"
for i in 1 2 3 4 5 6 7 8; do
  printf 'int f%d (void) { return %d; }\n' "$i" "$i" >"$MCTX/src/f$i.c"
done
# mrecipe BASE: the recipe FROM BASE (both stages); 60 files of 5 MB, odd
# ones text, even ones random
mrecipe() {
  printf 'FROM %s AS build\n' "$1"
  printf '%s\n' 'RUN mkdir -p /toolchain && i=0 && while [ $i -lt 60 ]; do if [ $((i % 2)) = 0 ]; then head -c 5242880 /dev/urandom; else yes "some text of a toolchain $i" | head -c 5242880; fi >/toolchain/f$i; i=$((i + 1)); done' \
    'COPY src/ /src/' \
    'RUN mkdir -p /out && cat /src/*.c /toolchain/f1 | head -c 2000000 >/out/app && chmod +x /out/app'
  printf 'FROM %s\n' "$1"
  printf '%s\n' 'COPY --from=build /out/app /usr/local/bin/app' 'CMD ["app"]'
}
mrecipe "oci:$PRISTINE:busybox:latest" >"$MCTX/Recipe"
mrecipe localhost/busybox:latest >"$MCTX/Dockerfile"

export MCTX
MB_BUILD='"$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" -t multi "$MCTX" >/dev/null'
MH_BUILD="$BAH"' bud --isolation chroot --layers -q -t multi -f "$MCTX/Dockerfile" "$MCTX" >/dev/null'
MH_COLD='id=$('"$BAH"' pull -q "$BASE_REF") && '"$BAH"' tag "$id" localhost/busybox:latest && '"$MH_BUILD"
# one source file changed before each run (untimed): the build stage's
# COPY and last RUN, and the final stage's COPY, are done again
M_CHANGE='date +"int changed_%s%N;" >>"$MCTX/src/f1.c"'

hyperfine --runs "$RUNS" --export-json "$WORK/mcold.json" \
  --prepare "bash -c '$B_COLD_PREP'" -n "builder cold" "bash -c '$MB_BUILD'" \
  --prepare "bash -c '$H_COLD_PREP'" -n "buildah cold" "bash -c '$MH_COLD'" >&2
# changed: the stores as the last cold runs left them
hyperfine --runs "$RUNS" --export-json "$WORK/mchanged.json" \
  --prepare "bash -c '$M_CHANGE'" -n "builder changed" "bash -c '$MB_BUILD'" \
  --prepare "bash -c '$M_CHANGE'" -n "buildah changed" "bash -c '$MH_BUILD'" >&2

echo "multi-stage: 300 MB build stage, a 2 MB binary into the final stage (buildah driver $DRIVER, $RUNS runs)"
printf '%-18s %10s %10s %10s\n' scenario median_s mean_s stddev_s
for f in mcold mchanged; do
  bench_rows "$WORK/$f.json"
  jq -r --arg f "${f#m}" '(.results[0].median) as $b | (.results[1].median) as $h | "ratio builder/buildah \($f): \($b / $h * 100 | round / 100) (goal <= 0.5)"' "$WORK/$f.json"
done
