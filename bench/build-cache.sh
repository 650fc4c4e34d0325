# shellcheck shell=bash
# bench/build.sh's CI scenario (issue 14; sourced by it, after its set-up:
# WORK, PRISTINE, STORE, BUILDER, RUNC_LITE, RUNS and the tools are there):
# a fresh runner (an empty store) building cold against a fresh runner
# that takes the steps from a cache another runner exported to a registry
# (Debian's docker-registry on loopback, `--cache-to type=registry,...,
# mode=max`).  The recipe:
#   FROM busybox AS build
#   RUN writing 100 MB of mixed files (20 of 5 MB, random and text)
#   COPY src/, RUN "compiling": sha256sum and gzip -9 of every file, the
#       sources and a digest list into a small /out/app
#   FROM busybox, COPY --from=build /out/app, CMD
# Both timed builds start from an empty store and read the base from the
# same OCI layout (FROM oci:DIR:NAME).  Prints builder cached/cold (goal:
# at most 0.2).
rl_install_missing docker-registry curl python3 || true
for t in docker-registry curl python3; do
  command -v "$t" >/dev/null || { echo "$0: $t is missing" >&2; exit 1; }
done

CCTX=$WORK/cctx
mkdir -p "$CCTX/src"
for i in 1 2 3 4 5 6 7 8; do
  printf 'int g%d (void) { return %d; }\n' "$i" "$i" >"$CCTX/src/g$i.c"
done
{
  printf 'FROM oci:%s:busybox:latest AS build\n' "$PRISTINE"
  printf '%s\n' 'RUN echo EXEC-toolchain && mkdir -p /toolchain && i=0 && while [ $i -lt 20 ]; do if [ $((i % 2)) = 0 ]; then head -c 5242880 /dev/urandom; else yes "some text of a toolchain $i" | head -c 5242880; fi >/toolchain/f$i; i=$((i + 1)); done' \
    'COPY src/ /src/' \
    'RUN echo EXEC-compile && mkdir -p /out /work && for f in /toolchain/f*; do gzip -9 -c $f >/work/${f##*/}.gz; done && sha256sum /toolchain/* /work/* >/out/sums && cat /src/*.c /out/sums /toolchain/f1 | head -c 2000000 >/out/app && chmod +x /out/app'
  printf 'FROM oci:%s:busybox:latest\n' "$PRISTINE"
  printf '%s\n' 'COPY --from=build /out/app /usr/local/bin/app' 'CMD ["app"]'
} >"$CCTX/Recipe"

# The registry, on a free loopback port; stopped by its PID at the end.
REGDIR=$WORK/registry
mkdir -p "$REGDIR/data"
REG=127.0.0.1:$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s/data\nhttp:\n  addr: %s\n' \
  "$REGDIR" "$REG" >"$REGDIR/config.yml"
docker-registry serve "$REGDIR/config.yml" >"$REGDIR/log" 2>&1 &
REG_PID=$!
cache_stop_registry() {
  kill "$REG_PID" 2>/dev/null || true
  wait "$REG_PID" 2>/dev/null || true
  cleanup
}
trap cache_stop_registry EXIT
for _ in $(seq 100); do
  curl -s -o /dev/null "http://$REG/v2/" && break
  sleep 0.1
done
curl -s -o /dev/null "http://$REG/v2/" || { echo "$0: the registry on $REG does not answer" >&2; exit 1; }

# Runner 1 (untimed): builds and exports every stage's steps.
CACHE="type=registry,ref=$REG/cache/bench:ci,registry.insecure=true"
RUNNER1=$WORK/runner1
"$BUILDER" --store "$RUNNER1" build --runtime "$RUNC_LITE" --timestamp 0 -t cachebench \
  --cache-to "$CACHE,mode=max" "$CCTX" >/dev/null

export CCTX CACHE
CB_BUILD='"$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" --timestamp 0 -t cachebench'
# A check (untimed): with --cache-from, no RUN runs (a RUN prints EXEC-
# when it does) and the image is runner 1's, digest for digest.
"$BUILDER" --store "$STORE.check" build --runtime "$RUNC_LITE" --timestamp 0 --progress plain -t cachebench \
  --cache-from "$CACHE" "$CCTX" >"$WORK/cache-check.log" 2>&1
cache_digest() {
  jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "cachebench:latest") | .digest' "$1/index.json"
}
if grep -q '| EXEC-' "$WORK/cache-check.log" || ! grep -q '| CACHED' "$WORK/cache-check.log"; then
  echo "$0: a RUN ran in the build with --cache-from ($WORK/cache-check.log)" >&2
  exit 1
fi
if [ "$(cache_digest "$STORE.check")" != "$(cache_digest "$RUNNER1")" ]; then
  echo "$0: the build with --cache-from gave another image than runner 1's" >&2
  exit 1
fi
rm -rf "$STORE.check" "$RUNNER1"

hyperfine --runs "$RUNS" --export-json "$WORK/ccache.json" \
  --prepare "bash -c '$B_COLD_PREP'" -n "fresh runner cold" "bash -c '$CB_BUILD \"\$CCTX\" >/dev/null'" \
  --prepare "bash -c '$B_COLD_PREP'" -n "fresh, cache-from" "bash -c '$CB_BUILD --cache-from \"\$CACHE\" \"\$CCTX\" >/dev/null'" >&2

echo "CI: a fresh runner cold vs with --cache-from a registry (mode=max), 100 MB build stage ($RUNS runs)"
printf '%-18s %10s %10s %10s\n' scenario median_s mean_s stddev_s
bench_rows "$WORK/ccache.json"
jq -r '(.results[0].median) as $c | (.results[1].median) as $r | "ratio cache-from/cold: \($r / $c * 100 | round / 100) (goal <= 0.2)"' "$WORK/ccache.json"
