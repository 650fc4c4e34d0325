#!/usr/bin/env bash
# Every test: installs what is missing, builds with -Werror, runs the unit,
# bats and interop tests through `make check`, then `make distcheck`, then
# every fuzz target's corpus and a short run of each (scripts/fuzz.sh, one
# test point per target), and ends with one line "N passed, N failed, N
# skipped".  Exit status non-zero when anything failed.
#
#   scripts/check.sh [--no-sanitize]
#
# It also builds both programs with ASan and UBSan and runs the unit tests
# and the suites that need no containerd, podman, registry or qemu against
# them (scripts/sanitize.sh, one point per suite and one for "no sanitizer
# reports"; about 12 minutes); --no-sanitize leaves that out for a quicker
# local run.  FUZZ_SECONDS (default 15) is each target's run.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
. scripts/deps.sh

sanitize=true
case "${1:-}" in
  --no-sanitize) sanitize=false ;;
  --sanitize | "") ;;
  *) echo "usage: scripts/check.sh [--no-sanitize]" >&2; exit 2 ;;
esac

summary() { echo "$1 passed, $2 failed, $3 skipped"; }

if ! rl_install_missing "${RL_BUILD_PACKAGES[@]}" "${RL_TEST_PACKAGES[@]}" || ! rl_build; then
  echo "build failed" >&2
  summary 0 1 0
  exit 1
fi

find . -name '*.trs' -delete
make -k -j"$(nproc)" check >/dev/null 2>&1
check_status=$?

# Counts per test point, from the .trs files automake's TAP driver writes.
read -r passed failed skipped < <(
  find . -name '*.trs' -exec grep -h '^:test-result:' {} + |
    awk '{ r = $2 }
         r == "PASS" || r == "XFAIL" { p++ }
         r == "FAIL" || r == "XPASS" || r == "ERROR" { f++ }
         r == "SKIP" { s++ }
         END { print p + 0, f + 0, s + 0 }')

if [ "$check_status" -ne 0 ] || [ "$failed" -ne 0 ]; then
  echo "--- failures ---"
  find . -name '*.log' ! -name config.log ! -name test-suite.log -print0 |
    xargs -0 grep -l -E '^(not ok|ERROR|FAIL)' 2>/dev/null |
    while read -r log; do echo "== $log"; grep -E -A8 '^(not ok|ERROR|FAIL|Bail out)' "$log" | head -60; done
  [ "$failed" -eq 0 ] && failed=1   # make check failed without a counted test
fi

# A release tarball must build and pass its tests out of tree.  The bats
# suites already ran above on this very code: the out-of-tree run keeps the
# unit tests and the CLI basics, which is what a broken tarball would break
# (plain `make distcheck` runs everything).
if make distcheck TESTS='$(UNIT_TESTS) tests/bats/cli.bats' >distcheck.out 2>&1; then
  passed=$((passed + 1))
  echo "ok - make distcheck"
else
  failed=$((failed + 1))
  echo "not ok - make distcheck"; tail -40 distcheck.out
fi

# count_points FILE: adds its "ok - " / "not ok - " lines to the totals.
count_points() {
  local p f
  p=$(grep -c '^ok - ' "$1")
  f=$(grep -c '^not ok - ' "$1")
  passed=$((passed + p))
  failed=$((failed + f))
  grep -E '^not ok - ' -A6 "$1" | grep -E '^(not ok|#)' | head -40

}

# The code's shape (docs/HACKING.md): no file over 1,200 lines, no
# function over 120 in builder/, runc-lite/ and common/.
scripts/size-check.sh >sizes.out 2>&1
count_points sizes.out

# Every fuzz target: its corpus replayed (crashes once found and fixed),
# then FUZZ_SECONDS of fuzzing.
scripts/fuzz.sh --check "${FUZZ_SECONDS:-15}" >fuzz.out 2>&1
fuzz_status=$?
count_points fuzz.out
if [ "$fuzz_status" -ne 0 ] && ! grep -q '^not ok - ' fuzz.out; then
  failed=$((failed + 1)); echo "not ok - fuzz"; tail -20 fuzz.out
fi

if $sanitize; then
  scripts/sanitize.sh >sanitize.out 2>&1
  sanitize_status=$?
  count_points sanitize.out
  if [ "$sanitize_status" -ne 0 ] && ! grep -q '^not ok - ' sanitize.out; then
    failed=$((failed + 1)); echo "not ok - sanitize"; tail -20 sanitize.out
  fi
fi

summary "$passed" "$failed" "$skipped"
[ "$failed" -eq 0 ]
