#!/usr/bin/env bats
# builder build with docker build's habits: options after the context,
# stdin and tar contexts, --label, -q, --pull, --add-host, --ulimit,
# --shm-size, --build-context, --format docker, the unused --build-arg
# warning, FROM ${BASE} shown expanded.

load helpers
load build_helpers

bats_require_minimum_version 1.5.0

# the image id (the config digest) of NAME
image_id() {
  manifest "$1" | jq -r .config.digest
}

@test "build habits: options after the context, as docker build . -t x" {
  printf 'FROM busybox\nRUN echo hi > /hi\n' >"$CTX/Dockerfile"
  run bld "$CTX" -t after --label a=b
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(config after | jq -r '.config.Labels.a')" = b ]
  cp "$CTX/Dockerfile" "$BATS_TEST_TMPDIR/Other"
  run bld "$CTX" -f "$BATS_TEST_TMPDIR/Other" -t after2
  echo "$output"
  [ "$status" -eq 0 ]
  manifest after2 >/dev/null
  # "--" still ends the options
  run bld -t x -- "$CTX" --label
  [ "$status" -ne 0 ]
  [[ "$output" == *"exactly one CONTEXT"* ]]
}

@test "build habits: --label over LABEL; -q prints the image id alone" {
  printf 'FROM busybox\nLABEL a=recipe keep=yes\n' >"$CTX/Recipe"
  run --separate-stderr bld -q -t lab --label a=cli --label new=1 "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "$(image_id lab)" ]
  [ "${#lines[@]}" -eq 1 ]
  [ "$(config lab | jq -c '.config.Labels')" = '{"a":"cli","keep":"yes","new":"1"}' ]
  run bld --label novalue "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *"--label novalue: want KEY=VALUE"* ]]
}

@test "build habits: an unused --build-arg warns on stderr; FROM \${BASE} shown expanded" {
  printf 'ARG BASE=nothing\nFROM ${BASE}\nARG USED\nRUN echo $USED > /used\n' >"$CTX/Recipe"
  run --separate-stderr bld --progress plain --build-arg BASE=busybox --build-arg USED=1 \
    --build-arg NOPE=2 --build-arg HTTP_PROXY=x --build-arg ALSO "$CTX"
  echo "$output"
  echo "$stderr"
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"[Warning] One or more build-args [NOPE ALSO] were not consumed"* ]]
  [[ "$output" != *Warning* ]]
  [[ "$output" == *"[1/3] FROM busybox"* ]]
  run --separate-stderr bld --build-arg BASE=busybox --build-arg USED=1 "$CTX"
  [ "$status" -eq 0 ]
  [[ "$stderr" != *Warning* ]]
}

@test "build habits: -f - reads the recipe from stdin, the context stays the directory" {
  echo ctxfile >"$CTX/f"
  run bld -t stdinrec -f - "$CTX" <<'R'
FROM busybox
COPY f /f
R
  echo "$output"
  [ "$status" -eq 0 ]
  unpack stdinrec "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/f")" = ctxfile ]
  # the temporary directory is gone
  [ -z "$(ls -d "$STORE"/.store/context-* 2>/dev/null)" ]
}

@test "build habits: - is a context tar on stdin (the recipe inside, or named by -f)" {
  echo intar >"$CTX/f"
  printf 'FROM busybox\nCOPY f /f\n' >"$CTX/Dockerfile"
  mkdir "$CTX/sub"
  printf 'FROM busybox\nCOPY f /g\n' >"$CTX/sub/Other"
  tar -C "$CTX" -cf "$BATS_TEST_TMPDIR/ctx.tar" .
  run bld -t fromtar - <"$BATS_TEST_TMPDIR/ctx.tar"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack fromtar "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/f")" = intar ]
  gzip -c "$BATS_TEST_TMPDIR/ctx.tar" >"$BATS_TEST_TMPDIR/ctx.tgz"
  run bld -t fromtgz -f sub/Other - <"$BATS_TEST_TMPDIR/ctx.tgz"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack fromtgz "$BATS_TEST_TMPDIR/u2"
  [ "$(cat "$BATS_TEST_TMPDIR/u2/g")" = intar ]
  # a recipe alone on stdin: an empty context
  run bld -t alone - <<<'FROM busybox
RUN echo alone > /a'
  echo "$output"
  [ "$status" -eq 0 ]
  [ -z "$(ls -d "$STORE"/.store/context-* 2>/dev/null)" ]
  run bld -f - - </dev/null
  [ "$status" -ne 0 ]
  [[ "$output" == *"cannot both be read from stdin"* ]]
  # stdin is read up to the layer size limit
  head -c 8192 /dev/urandom >"$CTX/big"
  tar -C "$CTX" -cf "$BATS_TEST_TMPDIR/big.tar" .
  BUILDER_MAX_LAYER_SIZE=4K run bld - <"$BATS_TEST_TMPDIR/big.tar"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"the context on stdin: more than 4096 bytes (BUILDER_MAX_LAYER_SIZE)"* ]]
  [ -z "$(ls -d "$STORE"/.store/context-* 2>/dev/null)" ]
}

@test "build habits: a tar file as the context (plain and gzip); nothing leaves the directory" {
  echo infile >"$CTX/f"
  printf 'FROM busybox\nCOPY f /f\n' >"$CTX/Dockerfile"
  tar -C "$CTX" -cf "$BATS_TEST_TMPDIR/ctx.tar" .
  gzip -c "$BATS_TEST_TMPDIR/ctx.tar" >"$BATS_TEST_TMPDIR/ctx.tar.gz"
  # what a dead build left is reaped by the next one
  local dead
  dead=$(sh -c 'echo $$')
  mkdir -p "$STORE/.store/context-$dead.abcdef/context"
  run bld -t tarfile "$BATS_TEST_TMPDIR/ctx.tar"
  echo "$output"
  [ "$status" -eq 0 ]
  [ ! -e "$STORE/.store/context-$dead.abcdef" ]
  run bld -t tgzfile "$BATS_TEST_TMPDIR/ctx.tar.gz" --label from=gz
  echo "$output"
  [ "$status" -eq 0 ]
  unpack tgzfile "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/f")" = infile ]
  # a symlinked recipe pointing out of the context stays inside it
  local evil="$BATS_TEST_TMPDIR/evil"
  mkdir "$evil"
  echo 'FROM busybox' >"$BATS_TEST_TMPDIR/outside"
  ln -s "$BATS_TEST_TMPDIR/outside" "$evil/Dockerfile"
  tar -C "$evil" -cf "$BATS_TEST_TMPDIR/evil.tar" .
  run bld "$BATS_TEST_TMPDIR/evil.tar"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"no Recipe, Dockerfile or Containerfile in the context archive"* ]]
  run bld -f Dockerfile "$BATS_TEST_TMPDIR/evil.tar"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"the recipe Dockerfile in the context: No such file"* ]]
  # an entry with .. is refused
  python3 - "$BATS_TEST_TMPDIR/dotdot.tar" <<'P'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for name, data in (("Dockerfile", b"FROM busybox\n"), ("../escaped", b"x")):
        i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
P
  run bld - <"$BATS_TEST_TMPDIR/dotdot.tar"
  echo "$output"
  [ "$status" -ne 0 ]
  [ ! -e "$STORE/.store/escaped" ]
  [ -z "$(ls -d "$STORE"/.store/context-* 2>/dev/null)" ]
}

@test "build habits: --ulimit, --shm-size and --add-host reach RUN" {
  printf 'FROM busybox\nRUN ulimit -n > /soft; ulimit -Hn > /hard; df -k /dev/shm | tail -1 > /shm; cat /etc/hosts > /hosts\n' >"$CTX/Recipe"
  run bld -t lim --ulimit nofile=1234:2345 --shm-size 8m --add-host myhost:10.1.2.3 \
    --add-host v6host:fd00::1 "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack lim "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/soft")" = 1234 ]
  [ "$(cat "$BATS_TEST_TMPDIR/u/hard")" = 2345 ]
  cat "$BATS_TEST_TMPDIR/u/shm"
  [ "$(awk '{print $2}' "$BATS_TEST_TMPDIR/u/shm")" = 8192 ]
  cat "$BATS_TEST_TMPDIR/u/hosts"
  grep -q "^10.1.2.3[[:space:]]myhost$" "$BATS_TEST_TMPDIR/u/hosts"
  grep -q "^fd00::1[[:space:]]v6host$" "$BATS_TEST_TMPDIR/u/hosts"
  grep -q "localhost" "$BATS_TEST_TMPDIR/u/hosts"
  # the mount point made for it is not in the layer
  run last_layer lim
  [[ "$output" != *etc/hosts* ]]
  # another limit is another RUN: not the cached one
  run bld -t lim2 --ulimit nofile=1000:2345 --shm-size 8m --add-host myhost:10.1.2.3 --add-host v6host:fd00::1 "$CTX"
  [ "$status" -eq 0 ]
  unpack lim2 "$BATS_TEST_TMPDIR/u3"
  [ "$(cat "$BATS_TEST_TMPDIR/u3/soft")" = 1000 ]
  # docker's default /dev/shm is 64m
  printf 'FROM busybox\nRUN df -k /dev/shm | tail -1 > /shm\n' >"$CTX/Recipe"
  run bld -t shmdef "$CTX"
  [ "$status" -eq 0 ]
  unpack shmdef "$BATS_TEST_TMPDIR/u2"
  [ "$(awk '{print $2}' "$BATS_TEST_TMPDIR/u2/shm")" = 65536 ]
  # bad values: one clear line each
  run bld --ulimit nofile "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *"--ulimit nofile: want NAME=SOFT[:HARD]"* ]]
  run bld --ulimit bogus=1 "$CTX"
  [[ "$output" == *"unknown limit \"bogus\""* ]]
  run bld --ulimit nofile=10:5 "$CTX"
  [[ "$output" == *"soft limit is above the hard one"* ]]
  run bld --add-host nohost "$CTX"
  [[ "$output" == *"--add-host nohost: want HOST:IP"* ]]
  run bld --shm-size lots "$CTX"
  [[ "$output" == *"--shm-size lots"* ]]
  # beyond what root here may raise (no CAP_SYS_RESOURCE: nofile's hard limit is 20000)
  printf 'FROM busybox\nRUN true\n' >"$CTX/Recipe"
  run bld --no-cache --ulimit nofile=100000:100000 "$CTX"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"setrlimit RLIMIT_NOFILE 100000/100000: Operation not permitted"* ]]
}

@test "build habits: --pull=never|missing|always with local bases" {
  printf 'FROM busybox\nRUN true\n' >"$CTX/Recipe"
  run bld --pull=never "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  # bare --pull (always): a name without a registry host has no other source
  run bld --pull "$CTX" --pull=missing
  [ "$status" -eq 0 ]
  run bld --pull "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  printf 'FROM localhost:1/absent:1\n' >"$CTX/Recipe"
  run bld --pull=never "$CTX"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"localhost:1/absent:1 is not in the store, and --pull=never takes it from nowhere else"* ]]
  [ "${#lines[@]}" -le 3 ]
  # missing: the registry is asked (nothing listens there)
  run bld "$CTX"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"pulling localhost:1/absent:1"* ]]
  # COPY --from=IMAGE too
  printf 'FROM busybox\nCOPY --from=localhost:1/absent:1 / /\n' >"$CTX/Recipe"
  run bld --pull=never "$CTX"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"localhost:1/absent:1 is not in the store, and --pull=never"* ]]
  run bld "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *"pulling localhost:1/absent:1"* ]]
  run bld --pull=sometimes "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *"--pull=sometimes: want always, missing or never"* ]]
}

@test "build habits: --build-context NAME=DIR for COPY --from, RUN --mount from= and FROM" {
  local extra="$BATS_TEST_TMPDIR/extra" root="$BATS_TEST_TMPDIR/rootdir"
  mkdir -p "$extra/sub" "$root/etc"
  echo fromctx >"$extra/sub/file"
  echo rootctx >"$root/etc/marker"
  cat >"$CTX/Recipe" <<'R'
FROM busybox
COPY --from=extra sub/file /copied
RUN --mount=from=extra,target=/m cat /m/sub/file > /mounted
FROM rootctx
COPY --from=0 /copied /mounted /
R
  run bld -t ctxs --build-context extra="$extra" --build-context rootctx="$root" "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack ctxs "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/copied")" = fromctx ]
  [ "$(cat "$BATS_TEST_TMPDIR/u/mounted")" = fromctx ]
  [ "$(cat "$BATS_TEST_TMPDIR/u/etc/marker")" = rootctx ]
  # a changed directory is a changed source
  echo changed >"$extra/sub/file"
  run bld -t ctxs2 --build-context extra="$extra" --build-context rootctx="$root" "$CTX"
  [ "$status" -eq 0 ]
  unpack ctxs2 "$BATS_TEST_TMPDIR/u2"
  [ "$(cat "$BATS_TEST_TMPDIR/u2/copied")" = changed ]
  run bld --build-context extra="$BATS_TEST_TMPDIR/none" --build-context rootctx="$root" "$CTX"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"--build-context extra=$BATS_TEST_TMPDIR/none: No such file or directory"* ]]
  run bld --build-context novalue "$CTX"
  [[ "$output" == *"--build-context novalue: want KEY=VALUE"* ]]
}

@test "build habits: --format docker writes Docker's media types in the store" {
  printf 'FROM busybox\nRUN echo hi > /hi\n' >"$CTX/Recipe"
  run bld -t dfmt --format docker --compression gzip "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "dfmt:latest") | .mediaType' "$STORE/index.json")" = application/vnd.docker.distribution.manifest.v2+json ]
  [ "$(manifest dfmt | jq -r .config.mediaType)" = application/vnd.docker.container.image.v1+json ]
  [ "$(manifest dfmt | jq -r '[.layers[].mediaType] | unique | .[]')" = application/vnd.docker.image.rootfs.diff.tar.gzip ]
  # layers stay uncompressed in the store by default: Docker's plain tar type
  run bld -t dplain --format docker "$CTX"
  [ "$status" -eq 0 ]
  [ "$(manifest dplain | jq -r '.layers[-1].mediaType')" = application/vnd.docker.image.rootfs.diff.tar ]
  # the default stays OCI
  run bld -t ofmt "$CTX"
  [ "$(manifest ofmt | jq -r .mediaType)" = application/vnd.oci.image.manifest.v1+json ]
  run bld --format docker --compression zstd --no-cache "$CTX"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"which Docker's manifest has no type for"* ]]
}
