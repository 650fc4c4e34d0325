#!/usr/bin/env bash
# Whether the C sources follow .clang-format: one "FILE: not formatted"
# line per file that clang-format would change, exit 1 if there is any
# (0 when all are formatted, 2 when clang-format is missing).
#
#   scripts/format-check.sh [FILE ...]   (default: every tracked .c and .h
#                                         of the directories below)
#
# To format a file: clang-format-14 -i FILE.  The version is pinned
# (CLANG_FORMAT overrides it): another version formats some constructs
# differently.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
DIRS=(oci-spec builder runc-lite common tests/unit tests/fuzz)
CF=${CLANG_FORMAT:-clang-format-14}
command -v "$CF" >/dev/null || { echo "format-check: $CF not found (set CLANG_FORMAT)" >&2; exit 2; }

if [ $# -gt 0 ]; then
  files=("$@")
elif git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files -- "${DIRS[@]/%//*.c}" "${DIRS[@]/%//*.h}")
else
  mapfile -t files < <(find "${DIRS[@]}" -name '*.[ch]' 2>/dev/null | sort)
fi

rc=0
for f in "${files[@]}"; do
  case $f in *.c | *.h) ;; *) continue ;; esac
  [ -f "$f" ] || continue
  if ! "$CF" --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "$f: not formatted"
    rc=1
  fi
done
exit $rc
