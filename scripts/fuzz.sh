#!/usr/bin/env bash
# The libFuzzer targets of tests/fuzz/ (tests/fuzz/README.md), built with
# clang, ASan and UBSan in a copy of the tree under _fuzz/ (FUZZ_BUILD).
#
#   scripts/fuzz.sh TARGET|all [SECONDS]  fuzz (default 600 s each), niced;
#                                         the corpus grows in _fuzz/corpus/
#   scripts/fuzz.sh --check SECONDS       each target: replay its corpus,
#                                         then fuzz SECONDS; one "ok - " or
#                                         "not ok - " line per target
#   scripts/fuzz.sh --replay [TARGET]     run every corpus input once
#   scripts/fuzz.sh --build | --list
#
# A crash leaves the input in _fuzz/artifacts/; once fixed it goes into
# tests/fuzz/corpus/TARGET/ (replayed by every check), while unfixed into
# tests/fuzz/crashes/TARGET/ (not replayed).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
. scripts/deps.sh
SRC=$PWD
BUILD=${FUZZ_BUILD:-$SRC/_fuzz}
TARGETS=(json runtime-config image recipe ignore layer reference registry archive cache net-subnet user)

fuzz_build() {
  rl_copy_tree "$BUILD/src" || return 1
  (
    cd "$BUILD/src" || exit 1
    if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
      ./autogen.sh >/dev/null 2>&1 || { echo "fuzz: autogen.sh failed" >&2; exit 1; }
    fi
    if [ ! -f Makefile ] || [ configure -nt config.status ]; then
      CC=clang ./configure --enable-fuzzing >"$BUILD/configure.out" 2>&1 ||
        { tail -5 "$BUILD/configure.out" >&2; exit 1; }
    fi
    nice make -j"$(nproc)" fuzz >"$BUILD/make.out" 2>&1 || { tail -30 "$BUILD/make.out" >&2; exit 1; }
  )
}

bin() { echo "$BUILD/src/tests/fuzz/fuzz-$1"; }

# Leaks are findings too; the layer and archive targets allocate in
# libarchive, whose caches are freed at exit.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# replay TARGET: every input of its corpus once.
replay() {
  local dir="$SRC/tests/fuzz/corpus/$1" log="$BUILD/replay-$1.log"
  [ -d "$dir" ] || return 0
  find "$dir" -type f -print0 | xargs -0 -r "$(bin "$1")" -timeout=25 >"$log" 2>&1 ||
    { echo "# fuzz-$1: a corpus input fails:"; grep -E 'ERROR|SUMMARY|assertion|Running' "$log" | tail -5 | sed 's/^/#   /'; return 1; }
}

# run TARGET SECONDS WORKDIR: prints "N execs, cov C, ft F".
run() {
  local t=$1 secs=$2 work=$3 log="$BUILD/fuzz-$1.log" rc
  mkdir -p "$work" "$BUILD/artifacts"
  nice -n 10 "$(bin "$t")" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$BUILD/artifacts/$t-" "$work" "$SRC/tests/fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  awk '/^#[0-9]+/ && / cov: / { for (i = 1; i <= NF; i++) { if ($i == "cov:") c = $(i+1); if ($i == "ft:") f = $(i+1) } }
       /stat::number_of_executed_units/ { e = $2 }
       END { printf "%s execs, cov %s, ft %s", e, c, f }' "$log"
  if [ "$rc" -ne 0 ]; then
    echo
    grep -E 'ERROR:|SUMMARY|assertion failed|Test unit written' "$log" | head -6 | sed 's/^/#   /'
  fi
  return "$rc"
}

case "${1:-}" in
  --build) fuzz_build ;;
  --list) printf '%s\n' "${TARGETS[@]}" ;;
  --replay)
    fuzz_build || exit 1
    failed=0
    for t in ${2:-${TARGETS[@]}}; do
      if replay "$t"; then echo "ok - fuzz-$t corpus"; else echo "not ok - fuzz-$t corpus"; failed=1; fi
    done
    exit "$failed" ;;
  --check)
    secs=${2:-15}
    if ! fuzz_build; then
      for t in "${TARGETS[@]}"; do echo "not ok - fuzz-$t (build failed)"; done
      exit 1
    fi
    failed=0
    for t in "${TARGETS[@]}"; do
      work=$(mktemp -d "$BUILD/check-XXXXXX") res=
      if replay "$t" && res=$(run "$t" "$secs" "$work"); then
        echo "ok - fuzz-$t ($res)"
      else
        echo "not ok - fuzz-$t ${res:-}"
        failed=1
      fi
      rm -rf "$work"
    done
    exit "$failed" ;;
  ""|-h|--help)
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    exit 2 ;;
  *)
    t=$1 secs=${2:-600}
    fuzz_build || exit 1
    [ "$t" = all ] && set -- "${TARGETS[@]}" || set -- "$t"
    failed=0
    for t in "$@"; do
      [ -x "$(bin "$t")" ] || { echo "unknown target $t (--list)" >&2; exit 2; }
      if res=$(run "$t" "$secs" "$BUILD/corpus/$t"); then echo "fuzz-$t: $res"; else echo "fuzz-$t: FAILED $res"; failed=1; fi
    done
    exit "$failed" ;;
esac
