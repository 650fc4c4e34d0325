#!/usr/bin/env bats
# The docs and comments match the tree: docs/HACKING.md's Layout names
# every source file, and no comment, HACKING.md or ARCHITECTURE.md names
# a .c file that does not exist.  Reads the source tree only (TESTS_DIR).

load helpers

setup() {
  : "${TESTS_DIR:?TESTS_DIR must point at tests/ (run through make check)}"
  SRC=$(cd "$TESTS_DIR/.." && pwd)
  # Every file of the tree (relative paths), the generated header aside.
  ALL="$BATS_TEST_TMPDIR/all-files"
  (cd "$SRC" && find oci-spec common runc-lite builder tests scripts bench docs \
    -type f ! -name '*.o' ! -name '*.a' ! -name git-commit.h) | sort >"$ALL"
}

# Prints each .c name in the text on stdin that names no file of the
# tree.  A name with a directory must be a path (or the end of one) of
# the tree, unless its first directory is none of ours (the kernel's
# mm/hugetlb_cgroup.c, crun's tests/no_openat2.c are elsewhere); an
# upper-case placeholder (fuzz-TARGET.c) is no name.
missing_c_names() {
  grep -oE '[A-Za-z0-9_./-]*[A-Za-z0-9_-]+\.c\b' | sort -u | while read -r n; do
    n=${n#./}
    # a placeholder (fuzz-TARGET.c, test-NAME.c) names no one file
    [[ "$n" =~ [A-Z]{3,} ]] && continue
    case "$n" in
      */*)
        first=${n%%/*}
        case "$first" in
          oci-spec | common | runc-lite | builder | cli | lib | frontend | exec | image | distribution | tests | unit | helpers | fuzz) ;;
          *) continue ;;
        esac
        grep -qE "(^|/)${n//./\\.}\$" "$ALL" || echo "$n"
        ;;
      *) grep -qE "(^|/)${n//./\\.}\$" "$ALL" || echo "$n" ;;
    esac
  done
}

@test "docs: HACKING.md's Layout names every source file of the libraries and programs" {
  layout=$(sed -n '/^## Layout/,/^## Conventions/p' "$SRC/docs/HACKING.md")
  [ -n "$layout" ]
  missing=()
  while read -r f; do
    b=${f##*/}
    stem=${b%.*}
    if grep -qF -- "$b" <<<"$layout"; then continue; fi
    if grep -qE "(^|[ (/])${stem}\\.\\[ch\\]" <<<"$layout"; then continue; fi
    missing+=("$f")
  done < <(grep -E '^(oci-spec|common|runc-lite|builder)/.*\.[ch]$' "$ALL")
  if [ "${#missing[@]}" -ne 0 ]; then
    printf 'not in HACKING.md Layout: %s\n' "${missing[@]}"
    return 1
  fi
}

@test "docs: the .c files comments name exist" {
  out=$(cd "$SRC" && grep -rhE '^\s*(/\*|\*|//)|/\*' --include='*.[ch]' oci-spec common runc-lite builder tests | missing_c_names)
  if [ -n "$out" ]; then
    echo "comments name files that do not exist: $out"
    return 1
  fi
}

@test "docs: the .c files HACKING.md and ARCHITECTURE.md name exist" {
  for doc in HACKING.md ARCHITECTURE.md; do
    [ -f "$SRC/docs/$doc" ]
    out=$(missing_c_names <"$SRC/docs/$doc")
    if [ -n "$out" ]; then
      echo "docs/$doc names files that do not exist: $out"
      return 1
    fi
  done
}
