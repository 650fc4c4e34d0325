#!/usr/bin/env bats
# builder build: hard links survive COPY (from the context, --from a stage)
# and ADD of an archive: two names of one source inode are two names of
# one inode in the image.  As BuildKit and buildah (checked with `buildah
# bud` on the same recipe), links are kept within one source of a COPY,
# not between two sources.

load helpers
load build_helpers

# the verbose file list of layer INDEX (from 0) of NAME
layer_of() {
  local l
  l=$(manifest "$1" | jq -r ".layers[$2].digest")
  tar -tvf "$STORE/blobs/sha256/${l#sha256:}" # compressed or not
}

# "inode nlink" of each path (inside DIR)
inodes() {
  local d="$1"
  shift
  (cd "$d" && stat -c '%i %h' "$@")
}

@test "build: COPY keeps the hard links of a context directory, cached rebuild too; changed links rebuild" {
  mkdir -p "$CTX/d/sub" "$CTX/e"
  echo payload >"$CTX/d/a"
  ln "$CTX/d/a" "$CTX/d/b"
  ln "$CTX/d/a" "$CTX/d/sub/c"
  ln "$CTX/d/a" "$CTX/e/x"
  echo other >"$CTX/d/z"
  cat >"$CTX/Recipe" <<'R'
FROM busybox
COPY --chown=1000:1000 --chmod=640 d /d
COPY d/a e/x /two/
RUN stat -c '%i %h %u %a' /d/a /d/b /d/sub/c /d/z > /stat
R
  run bld -t hl "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  # in the layer: the later names are tar hard links to the first
  run layer_of hl 1
  echo "$output"
  [[ "$output" == *"d/b link to d/a"* ]]
  [[ "$output" == *"d/sub/c link to d/a"* ]]
  unpack hl "$BATS_TEST_TMPDIR/u"
  local u="$BATS_TEST_TMPDIR/u"
  [ "$(cat "$u/d/sub/c")" = payload ]
  run inodes "$u" d/a d/b d/sub/c d/z
  echo "$output"
  local a=${lines[0]%% *}
  [ "${lines[0]}" = "$a 3" ]
  [ "${lines[1]}" = "$a 3" ]
  [ "${lines[2]}" = "$a 3" ]
  [ "${lines[3]}" != "$a 1" ]
  [[ "${lines[3]}" == *" 1" ]]
  # seen from the container: one inode, 3 names, --chown/--chmod applied to it
  read -r i1 h1 u1 m1 <<<"$(sed -n 1p "$u/stat")"
  [ "$h1" = 3 ]
  [ "$u1" = 1000 ]
  [ "$m1" = 640 ]
  [ "$(sed -n 2p "$u/stat")" = "$i1 3 1000 640" ]
  [ "$(sed -n 3p "$u/stat")" = "$i1 3 1000 640" ]
  # two sources of one COPY: two files, as BuildKit and buildah
  run inodes "$u" two/a two/x
  echo "$output"
  [[ "${lines[0]}" == *" 1" ]]
  [[ "${lines[1]}" == *" 1" ]]
  [ "${lines[0]}" != "${lines[1]}" ]

  # a rebuild from the cache gives the same image, links and all
  local m1d
  m1d=$(manifest hl | sha256sum)
  run bld -t hl2 "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"[2/4] | CACHED"* ]]
  [ "$(manifest hl2 | sha256sum)" = "$m1d" ]
  unpack hl2 "$BATS_TEST_TMPDIR/u2"
  run inodes "$BATS_TEST_TMPDIR/u2" d/a d/b
  [ "${lines[0]}" = "${lines[1]}" ]
  [[ "${lines[0]}" == *" 3" ]]

  # the same content as two files instead of links: the key changes
  rm "$CTX/d/b"
  cp -p "$CTX/d/a" "$CTX/d/b"
  run bld -t hl3 "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" != *"[2/4] | CACHED"* ]]
  unpack hl3 "$BATS_TEST_TMPDIR/u3"
  run inodes "$BATS_TEST_TMPDIR/u3" d/a d/b d/sub/c
  echo "$output"
  [ "${lines[0]}" != "${lines[1]}" ]
  [[ "${lines[1]}" == *" 1" ]]
  [ "${lines[0]}" = "${lines[2]}" ]
  [[ "${lines[0]}" == *" 2" ]]
}

@test "build: COPY --from a stage keeps its hard links, with --parents too; ADD of a tar with hard links" {
  mkdir -p "$BATS_TEST_TMPDIR/t/in"
  echo tarred >"$BATS_TEST_TMPDIR/t/in/f"
  ln "$BATS_TEST_TMPDIR/t/in/f" "$BATS_TEST_TMPDIR/t/in/g"
  tar -C "$BATS_TEST_TMPDIR/t" -cf "$CTX/links.tar" in
  cat >"$CTX/Recipe" <<'R'
FROM busybox AS s
RUN mkdir -p /l/deep && echo staged > /l/a && ln /l/a /l/deep/b && ln -s a /l/sym && ln /l/sym /l/sym2
FROM busybox
COPY --from=s /l /l
ADD links.tar /t/
COPY --from=s --parents /l /p/
RUN stat -c '%i %h' /l/a /l/deep/b /l/sym /l/sym2 /t/in/f /t/in/g /p/l/a /p/l/deep/b > /stat
R
  run bld -t hf "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack hf "$BATS_TEST_TMPDIR/u"
  local u="$BATS_TEST_TMPDIR/u"
  cat "$u/stat"
  mapfile -t s <"$u/stat"
  [[ "${s[0]}" == *" 2" ]]
  [ "${s[0]}" = "${s[1]}" ]
  # a hard-linked symlink becomes two symlinks, as with BuildKit and buildah
  [[ "${s[2]}" == *" 1" ]]
  [[ "${s[3]}" == *" 1" ]]
  [ "${s[2]}" != "${s[3]}" ]
  [ "$(readlink "$u/l/sym2")" = a ]
  [[ "${s[4]}" == *" 2" ]]
  [ "${s[4]}" = "${s[5]}" ]
  # --parents: the same, below the kept directories
  [[ "${s[6]}" == *" 2" ]]
  [ "${s[6]}" = "${s[7]}" ]
  [ "$(cat "$u/l/deep/b")" = staged ]
  [ "$(cat "$u/t/in/g")" = tarred ]
}
