#!/usr/bin/env bash
# The size rules of docs/HACKING.md for builder/, runc-lite/ and common/:
# no source file over 1,200 lines, no function over 120 lines (from the
# definition's opening brace at column 0 to its closing brace).  Prints
# one line per breach and "ok - sizes" or "not ok - sizes".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
max_file=${MAX_FILE_LINES:-1200} max_fn=${MAX_FUNCTION_LINES:-120}
mapfile -t files < <(git ls-files -- 'builder/*.[ch]' 'runc-lite/*.[ch]' 'common/*.[ch]' 2>/dev/null)
bad=0
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  n=$(wc -l <"$f")
  if [ "$n" -gt "$max_file" ]; then echo "# $f: $n lines (over $max_file)"; bad=1; fi
  out=$(awk -v max="$max_fn" -v file="$f" '
    /^[A-Za-z_].*\(/ { name = $0; sub(/[ \t]*\(.*/, "", name); n = split(name, w, /[ \t*]+/); name = w[n] }
    /^\{/ { start = NR }
    /^\}/ { if (start && NR - start > max) printf "# %s: %s is %d lines (over %d)\n", file, name, NR - start, max; start = 0 }' "$f")
  if [ -n "$out" ]; then echo "$out"; bad=1; fi
done
if [ "$bad" -eq 0 ]; then echo "ok - sizes (${#files[@]} files: none over $max_file lines, no function over $max_fn)"; else echo "not ok - sizes"; fi
exit "$bad"
