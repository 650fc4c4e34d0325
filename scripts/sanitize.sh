#!/usr/bin/env bash
# Both programs, the libraries and the unit tests built with ASan and UBSan
# (gcc, ./configure --enable-sanitizers) in a copy of the tree under
# _sanitize/ (SANITIZE_BUILD), then the unit tests and the bats suites that
# need no containerd, podman, registry or qemu run against them.  Every
# sanitizer report goes to _sanitize/reports/ and fails the run even when
# the test around it passed (docs/limits.md and tests/fuzz/README.md).
#
#   scripts/sanitize.sh [SUITE.bats ...]   (default: the list below)
#
# Prints one "ok - " / "not ok - " line per suite and one for the reports;
# the .trs files of the run are in _sanitize/src for check.sh to count.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
. scripts/deps.sh
SRC=$PWD
BUILD=${SANITIZE_BUILD:-$SRC/_sanitize}
# Not here: containerd, podman, registry, image-interop, cgroup-v2-vm
# (other programs, or a VM, do the work) and rootless (its exec as an
# ordinary user hangs under ASan; docs/limits.md).
SUITES=(cli lifecycle exec process hooks mounts security resources events idmap
  build build-robust build-features builder-images unpack-attacks store-interop
  build-network builder-run builder-messages)
[ $# -gt 0 ] && SUITES=("$@")

rl_copy_tree "$BUILD/src" || exit 1
cd "$BUILD/src" || exit 1
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
  ./autogen.sh >/dev/null 2>&1 || { echo "not ok - sanitizer build (autogen.sh)"; exit 1; }
fi
if [ ! -f Makefile ] || [ configure -nt config.status ]; then
  ./configure --enable-werror --enable-sanitizers >"$BUILD/configure.out" 2>&1 ||
    { echo "not ok - sanitizer build (configure)"; tail -5 "$BUILD/configure.out"; exit 1; }
fi
if ! nice make -j"$(nproc)" all >"$BUILD/make.out" 2>&1; then
  echo "not ok - sanitizer build"; tail -30 "$BUILD/make.out"; exit 1
fi

REPORTS="$BUILD/reports"
rm -rf "$REPORTS"
mkdir -p "$REPORTS" && chmod 1777 "$REPORTS" # rootless.bats runs us as another user
# Reports to files (a test that expects one line of stderr still sees
# one); leaks count.  A container's init and the processes it execs are
# the user's program: only our own exits are checked.
export ASAN_OPTIONS="log_path=$REPORTS/asan:detect_leaks=1:fast_unwind_on_malloc=0:abort_on_error=0:allow_user_segv_handler=1"
export UBSAN_OPTIONS="log_path=$REPORTS/ubsan:print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$SRC/tests/sanitize.supp"
# A hang (a sanitizer report in a process another one waits for) fails
# its test instead of the run.
export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-300}

tests=""
for s in "${SUITES[@]}"; do tests="$tests tests/bats/$s.bats"; done
find . -name '*.trs' -delete
nice make -k -j"$(nproc)" check TESTS="\$(UNIT_TESTS)$tests" >"$BUILD/check.out" 2>&1
failed=0
for t in $(sed -n 's/^UNIT_TESTS += //p' Makefile.am) $tests; do
  trs="${t%.bats}.trs"
  [ -f "$trs" ] || trs="$t.trs"
  if [ -f "$trs" ] && ! grep -qE '^:test-result: (FAIL|XPASS|ERROR)' "$trs"; then
    echo "ok - sanitized $t"
  else
    echo "not ok - sanitized $t"; failed=1
    log="${trs%.trs}.log"
    [ -f "$log" ] && grep -E -A6 '^(not ok|Bail out)' "$log" | head -20 | sed 's/^/#   /'
  fi
done
if [ -n "$(ls -A "$REPORTS")" ]; then
  echo "not ok - sanitizer reports ($(ls "$REPORTS" | wc -l) in $REPORTS)"
  for f in "$REPORTS"/*; do grep -m3 -E 'ERROR|SUMMARY|runtime error' "$f" | sed "s|^|#   $(basename "$f"): |"; done | head -30
  failed=1
else
  echo "ok - no sanitizer reports"
fi
exit "$failed"
