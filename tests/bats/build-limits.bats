#!/usr/bin/env bats
# builder build on odd and hostile recipes: empty values, images without
# layers, the expansion limits (depth, size, pattern work) and big recipes.
# Every recipe here starts FROM scratch and runs nothing: no base image,
# no runtime.

load helpers

setup() {
  [ "$(id -u)" = 0 ] || skip "builder build needs root (overlayfs)"
  STORE="$BATS_TEST_TMPDIR/store"
  CTX="$BATS_TEST_TMPDIR/ctx"
  mkdir -p "$CTX"
}

teardown() {
  [ -z "${STORE:-}" ] || "$BUILDER" --store "$STORE" prune >/dev/null 2>&1 || true
}

bld() {
  "$BUILDER" --store "$STORE" build --timestamp 0 "$@"
}

# config NAME: the image config JSON of NAME, read from the store's files
config() {
  local d
  d=$(jq -r --arg n "$1:latest" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' "$STORE/index.json")
  d=$(jq -r .config.digest "$STORE/blobs/sha256/${d#sha256:}")
  cat "$STORE/blobs/sha256/${d#sha256:}"
}

@test "build: empty values (ENV E=\"\", LABEL a=\"\", WORKDIR \"\", an empty heredoc) are empty strings in the config" {
  cat >"$CTX/Recipe" <<'R'
FROM scratch
ENV E="" F=
LABEL a="" b=''
WORKDIR /app
WORKDIR ""
COPY <<EOT /empty
EOT
R
  run bld -t empty "$CTX"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  c=$(config empty)
  [ "$(jq -c '.config.Env[1:]' <<<"$c")" = '["E=","F="]' ]
  [ "$(jq -c .config.Labels <<<"$c")" = '{"a":"","b":""}' ]
  # as BuildKit: an empty WORKDIR keeps the current one
  [ "$(jq -r .config.WorkingDir <<<"$c")" = /app ]
  # the heredoc's file: present and empty
  d=$(jq -r '.manifests[0].digest' "$STORE/index.json")
  l=$(jq -r '.layers[-1].digest' "$STORE/blobs/sha256/${d#sha256:}")
  run tar -tvf "$STORE/blobs/sha256/${l#sha256:}" empty
  [ "$status" -eq 0 ] && [ "$(awk '{ print $3 }' <<<"$output")" = 0 ]
}

@test "build: an image without layers has rootfs.diff_ids [], inspects, and serves as a FROM" {
  printf 'FROM scratch AS meta\nENV A=1\nFROM meta\nLABEL b=2\n' >"$CTX/Recipe"
  run bld -t nolayers "$CTX"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [ "$(config nolayers | jq -c .rootfs)" = '{"type":"layers","diff_ids":[]}' ]
  run "$BUILDER" --store "$STORE" inspect nolayers
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  printf 'FROM nolayers\nENV C=3\n' >"$CTX/Recipe"
  run bld -t child "$CTX"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [ "$(config child | jq -c '.config.Env[1:]')" = '["A=1","C=3"]' ]
}

@test "build: \${B:-\${B:-...}} nested 20,000 deep is an error naming the line, not a crash" {
  python3 -c 'print("FROM scratch\nENV A=1\nENV X=" + "${B:-" * 20000 + "x" + "}" * 20000)' >"$CTX/Recipe"
  run bld -t deep "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"builder: $CTX/Recipe:3: ENV: variable expansions nested deeper than 64 levels"* ]]
}

@test "build: ARG A=\${A}\${A} doubling stops at 1 MiB with an error naming the line" {
  { echo 'FROM scratch'; echo 'ARG A=0123456789abcdef'; for i in $(seq 30); do echo 'ARG A=${A}${A}'; done; } >"$CTX/Recipe"
  run bld -t big "$CTX"
  [ "$status" -eq 1 ]
  # 16 bytes doubled 16 times is 1 MiB, once more is past it: line 2 + 17
  [[ "$output" == *"builder: $CTX/Recipe:19: ARG: the expansion gives more than 1048576 bytes"* ]]
}

@test "build: many ENV lines of a big value stop at 16 MiB for the stage, naming the line" {
  { echo 'FROM scratch'; echo 'ARG A=0123456789abcdef'; for i in $(seq 15); do echo 'ARG A=${A}${A}'; done
    for i in $(seq 40); do echo "ENV X$i=\${A}"; done; } >"$CTX/Recipe"
  run bld -t stagebig "$CTX"
  [ "$status" -eq 1 ]
  # 16 lines of ARG hold about 1 MiB, each ENV 512 KiB: the 30th ENV (line 47) passes 16 MiB
  [[ "$output" == *"builder: $CTX/Recipe:47: ENV: the stage's ENV, LABEL and ARG lines hold more than 16777216 bytes"* ]]
}

@test "build: \${A//pattern/repl} on a long value is fast, and a costly pattern is an error" {
  { echo 'FROM scratch'; printf 'ARG A=%s\n' "$(printf 'a%.0s' $(seq 4800))"; echo 'ENV B=${A//a*b/x} C=${A//?/y} D=${A%%*b} E=${A##*a*a*a*a*a*a*b}'; } >"$CTX/Recipe"
  SECONDS=0
  run bld -t pat "$CTX"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [ "$SECONDS" -lt 10 ]
  [ "$(config pat | jq -r '.config.Env[] | select(startswith("C="))' | wc -c)" -eq 4803 ]
  { echo 'FROM scratch'; echo 'ARG A=aaaaaaaaaaaaaaaa'; for i in $(seq 15); do echo 'ARG A=${A}${A}'; done; echo 'ENV B=${A//a*b/x}'; } >"$CTX/Recipe"
  run bld -t costly "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"builder: $CTX/Recipe:18: ENV: pattern \"a*b\" on a value of 524288 bytes needs more than 67108864 matching steps"* ]]
}

# 100,000 ENV lines did not finish in 200 s, one LABEL of 60,000 pairs took
# 30 s: the executor was quadratic (a linear search per ENV/LABEL, the
# whole state hashed and a cache file written per step).
@test "build: 20,000 ENV lines and a LABEL of 60,000 pairs build in seconds; a rebuild hits the step cache" {
  python3 -c '
print("FROM scratch")
for i in range(20000): print("ENV V%d=value%d" % (i, i))
print("ENV V7=changed")' >"$CTX/Recipe"
  SECONDS=0
  run "$BUILDER" --store "$STORE" build -t many "$CTX"
  [ "$status" -eq 0 ] || { echo "$output" | tail -5; false; }
  [ "$SECONDS" -lt 20 ]
  c=$(config many)
  [ "$(jq '.config.Env | length' <<<"$c")" -eq 20001 ]
  [ "$(jq -r '.config.Env[8]' <<<"$c")" = V7=changed ]
  # an unchanged rebuild (times from the step cache) gives the same image
  sleep 1
  run "$BUILDER" --store "$STORE" build -t many2 "$CTX"
  [ "$status" -eq 0 ]
  [ "$(config many2)" = "$c" ]
  python3 -c '
print("FROM scratch")
print("LABEL " + " \\\n  ".join("k%d=v%d" % (i, i) for i in range(60000)))' >"$CTX/Recipe"
  SECONDS=0
  run bld -t labels "$CTX"
  [ "$status" -eq 0 ] || { echo "$output" | tail -5; false; }
  [ "$SECONDS" -lt 20 ]
  [ "$(config labels | jq '.config.Labels | length')" -eq 60000 ]
}

@test "build: 80,000 ARG lines read back by 80,000 ENV lines and 80,000 EXPOSE ports build in linear time" {
  python3 -c '
print("FROM scratch")
for i in range(80000): print("ARG A%d=v%d" % (i, i))
for i in range(80000): print("ENV X%d=$A%d" % (i, i))
for i in range(80000): print("EXPOSE %d/%s" % (i % 40000 + 1, "tcp" if i < 40000 else "udp"))' >"$CTX/Recipe"
  # about 2 s here (9 s under ASan); the quadratic executor took over 300 s
  SECONDS=0
  run bld -t args "$CTX"
  [ "$status" -eq 0 ] || { echo "$output" | tail -5; false; }
  [ "$SECONDS" -lt 60 ]
  c=$(config args)
  [ "$(jq -r '.config.Env[-1]' <<<"$c")" = X79999=v79999 ]
  [ "$(jq '.config.ExposedPorts | length' <<<"$c")" -eq 80000 ]
}

@test "build: a second HEALTHCHECK frees the first (valgrind: no definite leak)" {
  command -v valgrind >/dev/null || skip "valgrind is not installed"
  printf 'FROM scratch\nHEALTHCHECK --interval=5s CMD ["true", "a"]\nHEALTHCHECK CMD false\nMAINTAINER me\nARG X=1\n' >"$CTX/Recipe"
  run valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
    "$BUILDER" --store "$STORE" build --timestamp 0 -t hc "$CTX"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [ "$(config hc | jq -c .config.Healthcheck.Test)" = '["CMD-SHELL","false"]' ]
  [ "$(config hc | jq -r .author)" = me ]
}
