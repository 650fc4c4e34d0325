#!/usr/bin/env bats
# builder build: RUN --mount, ONBUILD, COPY --from=IMAGE, --exclude,
# --parents, heredocs, FROM --platform, ADD of compressed tars.

load helpers
load build_helpers

# the file list of every layer of NAME
all_layers() {
  local l
  for l in $(manifest "$1" | jq -r '.layers[].digest'); do
    tar -tf "$STORE/blobs/sha256/${l#sha256:}"
  done
}

@test "build: RUN --mount=type=cache persists between builds and stays out of the layer" {
  cat >"$CTX/Recipe" <<'R'
FROM busybox
RUN --mount=type=cache,target=/var/cache/thing,sharing=locked echo run >> /var/cache/thing/log && cat /var/cache/thing/log | wc -l > /count
R
  run bld -t c1 "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack c1 "$BATS_TEST_TMPDIR/u1"
  [ "$(cat "$BATS_TEST_TMPDIR/u1/count")" -eq 1 ]
  run bld --no-cache -t c2 "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack c2 "$BATS_TEST_TMPDIR/u2"
  [ "$(cat "$BATS_TEST_TMPDIR/u2/count")" -eq 2 ]
  # neither the cache's content nor the mount point made for it
  run last_layer c2
  echo "$output"
  [[ "$output" != *"var/cache"* ]]
  [[ "$output" == *"count"* ]]
  # an id= shares the cache between targets
  printf 'FROM busybox\nRUN --mount=type=cache,id=shared,target=/a echo x > /a/f\nRUN --mount=type=cache,id=shared,target=/b cat /b/f\n' >"$CTX/Recipe"
  run bld "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"| x"* ]]
  # mode, uid and gid of a new cache directory
  printf 'FROM busybox\nRUN --mount=type=cache,target=/o,uid=1000,gid=1000,mode=0710 stat -c "%%u %%g %%a" /o\n' >"$CTX/Recipe"
  run bld "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"| 1000 1000 710"* ]]
}

@test "build: RUN --mount=type=bind from the context (read-only, rw discarded) and from a stage" {
  mkdir -p "$CTX/src"
  echo v1 >"$CTX/src/data"
  cat >"$CTX/Recipe" <<'R'
FROM busybox AS other
RUN echo from-stage > /made
FROM busybox
RUN --mount=type=bind,source=src,target=/mnt cat /mnt/data > /copied && ! touch /mnt/new 2>/dev/null
RUN --mount=type=bind,source=src,target=/mnt,rw echo changed > /mnt/data && cat /mnt/data
RUN --mount=type=bind,from=other,source=/made,target=/m cat /m > /from-stage
RUN --mount=type=bind,source=src/data,target=/f,rw echo file-changed > /f && cat /f
R
  run bld -t b1 "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"| changed"* ]]
  [[ "$output" == *"| file-changed"* ]]
  [ "$(cat "$CTX/src/data")" = v1 ]
  unpack b1 "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/copied")" = v1 ]
  [ "$(cat "$BATS_TEST_TMPDIR/u/from-stage")" = from-stage ]
  [ ! -e "$BATS_TEST_TMPDIR/u/mnt" ] && [ ! -e "$BATS_TEST_TMPDIR/u/m" ] && [ ! -e "$BATS_TEST_TMPDIR/u/f" ]
  # the bound content is part of the cache key
  run bld -t b2 "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" == *"[4/7] RUN --mount=type=bind,source=src,target=/mnt cat"*"[4/7] | CACHED"* ]]
  echo v2 >"$CTX/src/data"
  run bld -t b3 "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack b3 "$BATS_TEST_TMPDIR/u3"
  [ "$(cat "$BATS_TEST_TMPDIR/u3/copied")" = v2 ]
  printf 'FROM busybox\nRUN --mount=type=bind,source=nope,target=/n true\n' >"$CTX/Recipe"
  run bld "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Recipe:2: RUN: --mount=type=bind,source=nope: not found in the build context"* ]]
}

@test "build: RUN --mount=type=tmpfs and type=secret" {
  printf s3cr3t >"$BATS_TEST_TMPDIR/tok"
  cat >"$CTX/Recipe" <<'R'
FROM busybox
RUN --mount=type=tmpfs,target=/scratch echo t > /scratch/t && grep -q ' /scratch tmpfs' /proc/mounts
RUN --mount=type=secret,id=tok cat /run/secrets/tok > /seen
RUN --mount=type=secret,id=tok,target=/etc/tok,env=TOK test "$TOK" = s3cr3t && test -s /etc/tok
R
  run bld -t s1 --secret id=tok,src="$BATS_TEST_TMPDIR/tok" "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack s1 "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/seen")" = s3cr3t ]
  run all_layers s1
  [[ "$output" != *"run/secrets"* ]]
  [[ "$output" != *"etc/tok"* ]]
  [[ "$output" != *"scratch"* ]]
  # a required secret that was not given
  printf 'FROM busybox\nRUN --mount=type=secret,id=nope,required cat /run/secrets/nope\n' >"$CTX/Recipe"
  run bld "$CTX"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Recipe:2: RUN: --mount=type=secret: secret nope is required but was not given (--secret id=nope,src=FILE)"* ]]
  # a secret from an environment variable, into one (env= alone: no file)
  printf 'FROM busybox\nRUN --mount=type=secret,id=e,env=E test "$E" = from-env && test ! -e /run/secrets/e\n' >"$CTX/Recipe"
  run env MY_SECRET=from-env "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" --secret id=e,env=MY_SECRET "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  run env -u MY_SECRET "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" --no-cache --secret id=e,env=MY_SECRET "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Recipe:2: RUN: secret e: the environment variable MY_SECRET is not set"* ]]
  run bld --secret nonsense "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"--secret nonsense: want id=ID,src=FILE or id=ID,env=VARIABLE"* ]]
}

@test "build: RUN --network=none has no interface but lo, --network=host sees the host's" {
  host_net_mark_add
  cat >"$CTX/Recipe" <<'R'
FROM busybox
RUN --network=none ls /sys/class/net > /none
RUN --network=host ls /sys/class/net > /host
R
  run bld -t n1 "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack n1 "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/none")" = lo ]
  # (the host's whole list changes as other tests make veths: look for ours)
  grep -qx "$NET_MARK" "$BATS_TEST_TMPDIR/u/host"
  host_net_mark_del
}

@test "build: ONBUILD triggers run after FROM in the child's context and are not inherited" {
  mkdir -p "$BATS_TEST_TMPDIR/parent"
  printf 'FROM busybox\nONBUILD COPY x /x\nONBUILD RUN cat /x > /y && echo trigger-ran\nONBUILD RUN <<EOF\necho heredoc-trigger > /z\nEOF\n' \
    >"$BATS_TEST_TMPDIR/parent/Recipe"
  run bld -t parent "$BATS_TEST_TMPDIR/parent"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" != *"| trigger-ran"* ]]
  [ "$(config parent | jq -c .config.OnBuild)" = '["COPY x /x","RUN cat /x > /y && echo trigger-ran","RUN <<EOF\necho heredoc-trigger > /z\nEOF"]' ]
  echo child-x >"$CTX/x"
  printf 'FROM parent\nRUN test -f /y\n' >"$CTX/Recipe"
  run bld -t child "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"ONBUILD COPY x /x"* ]]
  [[ "$output" == *"| trigger-ran"* ]]
  unpack child "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/x")" = child-x ]
  [ "$(cat "$BATS_TEST_TMPDIR/u/y")" = child-x ]
  [ "$(cat "$BATS_TEST_TMPDIR/u/z")" = heredoc-trigger ]
  [ "$(config child | jq -c .config.OnBuild)" = null ]
  # a grandchild sees no trigger
  printf 'FROM child\nRUN test -f /y\n' >"$CTX/Recipe"
  run bld -t grandchild "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" != *"ONBUILD"* ]]
  # a trigger that fails names the FROM line
  printf 'FROM busybox\nONBUILD RUN false\n' >"$BATS_TEST_TMPDIR/parent/Recipe"
  bld -t parent2 "$BATS_TEST_TMPDIR/parent"
  printf '# comment\nFROM parent2\n' >"$CTX/Recipe"
  run bld "$CTX"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Recipe:2: ONBUILD trigger of the base image:1: RUN: exit status 1"* ]]
  # refused at parse time, with Docker's words
  printf 'FROM busybox\nONBUILD MAINTAINER me\n' >"$CTX/Recipe"
  run bld "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Recipe:2:9: ONBUILD: MAINTAINER isn't allowed as an ONBUILD trigger"* ]]
}

@test "build: COPY --from=IMAGE from the store and from oci:DIR; an unknown name fails" {
  cat >"$CTX/Recipe" <<R
FROM scratch
COPY --from=busybox /etc/base-file /from-store
COPY --from=oci:$STORE:busybox:latest /etc/base-file /from-oci
R
  run bld -t fi "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack fi "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/from-store")" = base ]
  [ "$(cat "$BATS_TEST_TMPDIR/u/from-oci")" = base ]
  printf 'FROM scratch\nCOPY --from=no-such-image /x /x\n' >"$CTX/Recipe"
  run bld "$CTX"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Recipe:2: COPY: --from=no-such-image: not a stage, nor an image: "* ]]
  # RUN --mount=type=bind,from= takes images the same way
  printf 'FROM busybox\nRUN --mount=type=bind,from=busybox,source=/etc/base-file,target=/bf cat /bf\n' >"$CTX/Recipe"
  run bld "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"| base"* ]]
}

@test "build: COPY --exclude and COPY --parents" {
  mkdir -p "$CTX/src/sub" "$CTX/x/y" "$CTX/z"
  touch "$CTX/src/a.c" "$CTX/src/a.txt" "$CTX/src/sub/b.c" "$CTX/src/sub/b.md" "$CTX/x/y/f" "$CTX/z/g" "$CTX/top.txt"
  cat >"$CTX/Recipe" <<'R'
FROM busybox
ARG EXT=md
COPY --exclude=*.txt --exclude=**/*.${EXT} src/ /ex/
COPY --exclude=*.txt top.txt src/a.c /ex2/
COPY --parents x/y/f z /par/
COPY --parents ./x/./y/f /piv/
R
  run bld -t ep "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack ep "$BATS_TEST_TMPDIR/u"
  local u="$BATS_TEST_TMPDIR/u"
  [ -f "$u/ex/a.c" ] && [ -f "$u/ex/sub/b.c" ]
  [ ! -e "$u/ex/a.txt" ] && [ ! -e "$u/ex/sub/b.md" ]
  [ -f "$u/ex2/a.c" ] && [ ! -e "$u/ex2/top.txt" ]
  [ -f "$u/par/x/y/f" ] && [ -f "$u/par/z/g" ]
  [ -f "$u/piv/y/f" ] && [ ! -e "$u/piv/x" ]
  # an excluded file does not change the cache key
  echo changed >"$CTX/src/a.txt"
  run bld -t ep2 "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" == *"[3/6] COPY --exclude"*"[3/6] | CACHED"* ]]
}

@test "build: COPY heredoc expands unless the delimiter is quoted; RUN heredoc with a shebang runs as a file" {
  cat >"$CTX/Recipe" <<'R'
FROM busybox
ARG WHO=world
ENV GREETING=hello
COPY <<EOF /expanded
$GREETING "${WHO}" 'q' \$GREETING
EOF
COPY <<"EOF" /literal
$GREETING ${WHO}
EOF
RUN <<EOF
#!/bin/awk -f
BEGIN { print "awk-ran"; print "by-awk" > "/awk-out" }
EOF
R
  run bld -t hd2 "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"| awk-ran"* ]]
  unpack hd2 "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/expanded")" = "hello \"world\" 'q' \$GREETING" ]
  [ "$(cat "$BATS_TEST_TMPDIR/u/literal")" = '$GREETING ${WHO}' ]
  [ "$(cat "$BATS_TEST_TMPDIR/u/awk-out")" = by-awk ]
  [ ! -e "$BATS_TEST_TMPDIR/u/dev/pipes" ]
}

@test "build: FROM --platform is checked against the base image; platform and proxy ARGs" {
  local arch
  case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
  cat >"$CTX/Recipe" <<'R'
FROM --platform=$BUILDPLATFORM busybox AS b
ARG TARGETPLATFORM
ARG TARGETARCH
ARG BUILDOS
RUN echo "$TARGETPLATFORM $TARGETARCH $BUILDOS" > /plat && echo "proxy=$HTTP_PROXY" > /proxy
FROM --platform=${TARGETPLATFORM} b
RUN echo "undeclared=$TARGETARCH" > /undeclared
R
  run bld -t pl --build-arg HTTP_PROXY=http://proxy.example:3128 "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack pl "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/plat")" = "linux/$arch $arch linux" ]
  [ "$(cat "$BATS_TEST_TMPDIR/u/proxy")" = "proxy=http://proxy.example:3128" ]
  [ "$(cat "$BATS_TEST_TMPDIR/u/undeclared")" = "undeclared=" ]
  # the proxy is not part of the cache key
  run bld -t pl2 --build-arg HTTP_PROXY=http://other:1 "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" == *"[5/7] | CACHED"* ]]
  local other=arm64
  [ "$arch" = arm64 ] && other=amd64
  printf 'FROM busybox\nRUN true\nFROM --platform=linux/%s busybox\n' "$other" >"$CTX/Recipe"
  run bld "$CTX"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Recipe:3: FROM: FROM busybox: busybox: the image is linux/$arch, not linux/$other"* ]]
}

@test "build: ADD extracts tars compressed with xz, bzip2, lzma, zstd, lz4 (by magic); a non-archive is copied" {
  mkdir -p "$BATS_TEST_TMPDIR/t/inner"
  echo payload >"$BATS_TEST_TMPDIR/t/inner/file"
  tar -C "$BATS_TEST_TMPDIR/t" -cf "$BATS_TEST_TMPDIR/a.tar" inner
  local c recipe='FROM busybox'
  for c in xz bzip2 lzma zstd lz4; do
    command -v "$c" >/dev/null || { echo "no $c on the host" >&2; return 1; }
    # named without the usual extension: the content decides
    "$c" -c "$BATS_TEST_TMPDIR/a.tar" >"$CTX/archive-$c.bin"
    recipe="$recipe"$'\n'"ADD archive-$c.bin /x-$c/"
  done
  echo 'not an archive' >"$CTX/fake.tar.xz"
  recipe="$recipe"$'\n'"ADD fake.tar.xz /fake/"
  echo "$recipe" >"$CTX/Recipe"
  run bld -t ad "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack ad "$BATS_TEST_TMPDIR/u"
  for c in xz bzip2 lzma zstd lz4; do
    [ "$(cat "$BATS_TEST_TMPDIR/u/x-$c/inner/file")" = payload ]
  done
  [ "$(cat "$BATS_TEST_TMPDIR/u/fake/fake.tar.xz")" = 'not an archive' ]
  # a truncated xz tar fails with the file named
  head -c 200000 /dev/urandom >"$BATS_TEST_TMPDIR/t/inner/big"
  tar -C "$BATS_TEST_TMPDIR/t" -cf - inner | xz -c | head -c 100000 >"$CTX/broken.bin"
  printf 'FROM busybox\nADD broken.bin /b/\n' >"$CTX/Recipe"
  run bld "$CTX"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Recipe:2: ADD: extract broken.bin: "* ]]
}

@test "build: RUN --mount=type=cache,from=STAGE seeds a new cache; sharing=locked serialises two builds" {
  cat >"$CTX/Recipe" <<'R'
FROM busybox AS seed
RUN mkdir -p /seed && echo seeded > /seed/s
FROM busybox
RUN --mount=type=cache,id=seeded,target=/c,from=seed,source=/seed cat /c/s > /got
R
  run bld -t cs "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack cs "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/got")" = seeded ]

  # Two builds at once on one locked cache: each RUN holds a marker for
  # a second; without the lock they would overlap and one would fail.
  local i
  for i in 1 2; do
    mkdir -p "$BATS_TEST_TMPDIR/ctx$i"
    printf 'FROM busybox\nRUN --mount=type=cache,id=lk,target=/c,sharing=locked mkdir /c/busy && sleep 1 && rmdir /c/busy && echo %s\n' "$i" \
      >"$BATS_TEST_TMPDIR/ctx$i/Recipe"
  done
  bld "$BATS_TEST_TMPDIR/ctx1" >"$BATS_TEST_TMPDIR/out1" 2>&1 &
  local p1=$!
  bld "$BATS_TEST_TMPDIR/ctx2" >"$BATS_TEST_TMPDIR/out2" 2>&1 &
  local p2=$!
  local s1=0 s2=0
  wait "$p1" || s1=$?
  wait "$p2" || s2=$?
  cat "$BATS_TEST_TMPDIR/out1" "$BATS_TEST_TMPDIR/out2"
  [ "$s1" -eq 0 ] && [ "$s2" -eq 0 ]
}

@test "build: RUN --mount=type=bind of the context leaves out what .dockerignore excludes" {
  mkdir -p "$CTX/src"
  echo keep >"$CTX/src/data"
  echo hidden >"$CTX/src/secret.txt"
  printf 'src/secret.txt\n' >"$CTX/.dockerignore"
  cat >"$CTX/Recipe" <<'R'
FROM busybox
RUN --mount=type=bind,target=/ctx ls /ctx/src > /listing && ! touch /ctx/x 2>/dev/null
RUN --mount=type=bind,source=src/data,target=/d cat /d > /d-copy
R
  run bld -t ig "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack ig "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/listing")" = data ]
  [ "$(cat "$BATS_TEST_TMPDIR/u/d-copy")" = keep ]
  # an ignored file is no input of the step
  echo changed >"$CTX/src/secret.txt"
  run bld -t ig2 "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" == *"[2/3] | CACHED"* ]]
}

@test "build: RUN --mount=type=ssh forwards the agent given with --ssh" {
  local sock="$BATS_TEST_TMPDIR/agent.sock" pid
  pid=$(ssh-agent -a "$sock" | sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p')
  [ -n "$pid" ]
  cat >"$CTX/Recipe" <<'R'
FROM busybox
RUN --mount=type=ssh test -S "$SSH_AUTH_SOCK" && echo "agent at $SSH_AUTH_SOCK"
RUN --mount=type=ssh,id=other,target=/a.sock test -S /a.sock && echo "other ok"
R
  run env SSH_AUTH_SOCK="$sock" "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" --ssh default --ssh other="$sock" -t ssh1 "$CTX"
  kill "$pid"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"| agent at /run/buildkit/ssh_agent.0"* ]]
  [[ "$output" == *"| other ok"* ]]
  run all_layers ssh1
  [[ "$output" != *"run/buildkit"* ]] && [[ "$output" != *"a.sock"* ]]
  # no --ssh: no mount, no variable; unless required
  printf 'FROM busybox\nRUN --mount=type=ssh test -z "$SSH_AUTH_SOCK" && echo no-agent\n' >"$CTX/Recipe"
  run env -u SSH_AUTH_SOCK "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"| no-agent"* ]]
  printf 'FROM busybox\nRUN --mount=type=ssh,required=true true\n' >"$CTX/Recipe"
  run bld "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Recipe:2: RUN: --mount=type=ssh: the SSH agent default is required but was not given (--ssh default[=SOCKET])"* ]]
}

@test "build: an ONBUILD trigger's --from naming a stage the target skipped is refused by name" {
  # The plan does not see the trigger's --from: stage a is never built, and
  # was used as an empty rootfs (overlay: ELOOP; copy: "not in the build context").
  mkdir -p "$BATS_TEST_TMPDIR/parent"
  printf 'FROM busybox\nONBUILD COPY --from=a /a /a\n' >"$BATS_TEST_TMPDIR/parent/Recipe"
  bld -t parent "$BATS_TEST_TMPDIR/parent"
  printf 'FROM busybox AS a\nRUN touch /a\nFROM parent\nRUN true\n' >"$CTX/Recipe"
  run bld "$CTX"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"builder: ./Recipe:3: ONBUILD trigger of the base image:1: COPY: --from=a: stage a was not built"* ]] ||
    [[ "$output" == *"Recipe:3: ONBUILD trigger of the base image:1: COPY: --from=a: stage a was not built"* ]]
  [ "$(echo "$output" | grep -c '^builder:')" -eq 1 ]
  printf 'FROM busybox\nONBUILD RUN --mount=type=bind,from=a,target=/m ls /m\n' >"$BATS_TEST_TMPDIR/parent/Recipe"
  bld -t parent "$BATS_TEST_TMPDIR/parent"
  run bld "$CTX"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Recipe:3: ONBUILD trigger of the base image:1: RUN: "*"stage a was not built"* ]]
  ! grep -q "$STORE" /proc/self/mountinfo
}

@test "build: one RUN mounting the same cache id twice (sharing=locked, shared) does not wait for itself" {
  # The second mount's flock, on a new open of the lock, waited for the
  # first one's: the build hung, and SIGTERM did not end the wait.
  printf 'FROM busybox\nRUN --mount=type=cache,id=x,target=/a,sharing=locked --mount=type=cache,id=x,target=/b,sharing=locked touch /a/f && test -f /b/f\nRUN --mount=type=cache,id=y,target=/a --mount=type=cache,id=y,target=/b,sharing=locked true\n' >"$CTX/Recipe"
  run timeout -s KILL 60 "$BUILDER" --store "$STORE" build --runtime "$RUNC_LITE" "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
}
