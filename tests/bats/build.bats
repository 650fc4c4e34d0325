#!/usr/bin/env bats
# builder build: recipes run into images of a private store.

load helpers
load build_helpers

@test "build: RUN output, created file, CMD/ENV/WORKDIR/USER/ENTRYPOINT in the config" {
  cat >"$CTX/Recipe" <<'R'
FROM busybox
ENV GREETING=hello NAME="a b"
RUN echo "say $GREETING" && echo data > /made
WORKDIR /srv/app
USER app
ENTRYPOINT echo hi
CMD ["x", "y"]
LABEL version=1.0
EXPOSE 80 53/udp
STOPSIGNAL SIGTERM
R
  run bld -t t1 "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"[1/10] FROM busybox"* ]]
  [[ "$output" == *"| say hello"* ]]
  [[ "$output" == *"writing image sha256:"* ]]
  [[ "$output" == *"naming to t1:latest"* ]]
  unpack t1:latest "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/made")" = data ]
  [ -d "$BATS_TEST_TMPDIR/u/srv/app" ]
  config t1:latest >"$BATS_TEST_TMPDIR/c.json"
  jq -e '.config.Env | index("GREETING=hello") != null' "$BATS_TEST_TMPDIR/c.json"
  jq -e '.config.Env | index("NAME=a b") != null' "$BATS_TEST_TMPDIR/c.json"
  [ "$(jq -r .config.WorkingDir "$BATS_TEST_TMPDIR/c.json")" = /srv/app ]
  [ "$(jq -r .config.User "$BATS_TEST_TMPDIR/c.json")" = app ]
  [ "$(jq -c .config.Entrypoint "$BATS_TEST_TMPDIR/c.json")" = '["/bin/sh","-c","echo hi"]' ]
  [ "$(jq -c .config.Cmd "$BATS_TEST_TMPDIR/c.json")" = '["x","y"]' ]
  [ "$(jq -r '.config.Labels.version' "$BATS_TEST_TMPDIR/c.json")" = 1.0 ]
  [ "$(jq -c '.config.ExposedPorts | keys' "$BATS_TEST_TMPDIR/c.json")" = '["53/udp","80/tcp"]' ]
  [ "$(jq -r .config.StopSignal "$BATS_TEST_TMPDIR/c.json")" = SIGTERM ]
  # history: one entry per instruction after FROM, plus the base's
  [ "$(jq '.history | length' "$BATS_TEST_TMPDIR/c.json")" -eq 11 ]
  jq -e '.history[-1].empty_layer == true' "$BATS_TEST_TMPDIR/c.json"
  jq -e '(.history | map(select(.empty_layer != true)) | length) == (.rootfs.diff_ids | length)' "$BATS_TEST_TMPDIR/c.json"
}

@test "build: RUN as USER, RUN exec form, SHELL" {
  cat >"$CTX/Recipe" <<'R'
FROM busybox
USER app
RUN id -u > /tmp/uid
RUN ["/bin/sh", "-c", "echo exec form"]
SHELL ["/bin/sh", "-ec"]
RUN echo "shell $0"
R
  run bld -t t2 "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"| exec form"* ]]
  unpack t2 "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/tmp/uid")" = 1000 ]
}

@test "build: RUN rm of a base file gives a whiteout" {
  printf 'FROM busybox\nRUN rm /etc/base-file\n' >"$CTX/Recipe"
  run bld -t t3 "$CTX"
  [ "$status" -eq 0 ]
  run last_layer t3
  echo "$output"
  [[ "$output" == *"etc/.wh.base-file"* ]]
  unpack t3 "$BATS_TEST_TMPDIR/u"
  [ ! -e "$BATS_TEST_TMPDIR/u/etc/base-file" ]
  [ -e "$BATS_TEST_TMPDIR/u/etc/passwd" ]
}

@test "build: COPY file, directory, wildcard, --chown, --chmod, .dockerignore" {
  mkdir -p "$CTX/dir/sub"
  echo one >"$CTX/one.txt"
  echo two >"$CTX/two.txt"
  echo three >"$CTX/dir/sub/three"
  echo secret >"$CTX/secret.txt"
  echo x >"$CTX/skip.log"
  printf '*.log\n' >"$CTX/.dockerignore"
  cat >"$CTX/Recipe" <<'R'
FROM busybox
COPY one.txt /a/renamed
COPY dir /d/
COPY *.txt /w/
COPY --chown=app:app two.txt /owned
COPY --chown=7:8 --chmod=600 one.txt /numeric
WORKDIR /rel
COPY one.txt here
R
  run bld -t t4 "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  u="$BATS_TEST_TMPDIR/u"
  unpack t4 "$u"
  [ "$(cat "$u/a/renamed")" = one ]
  [ "$(cat "$u/d/sub/three")" = three ]
  [ ! -e "$u/d/dir" ]
  [ -f "$u/w/one.txt" ] && [ -f "$u/w/two.txt" ] && [ -f "$u/w/secret.txt" ]
  [ "$(stat -c %u:%g "$u/owned")" = 1000:1000 ]
  [ "$(stat -c %u:%g:%a "$u/numeric")" = 7:8:600 ]
  [ "$(cat "$u/rel/here")" = one ]
  # an ignored file is not found
  printf 'FROM busybox\nCOPY skip.log /\n' >"$CTX/Recipe"
  run bld "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Recipe:2: COPY"*"skip.log"* ]]
}

@test "build: ADD of a local tar extracts it; ADD of a URL fails with no network" {
  mkdir -p "$BATS_TEST_TMPDIR/t/inner"
  echo in >"$BATS_TEST_TMPDIR/t/inner/f"
  tar -czf "$CTX/a.tar.gz" -C "$BATS_TEST_TMPDIR/t" inner
  printf 'FROM busybox\nADD a.tar.gz /x/\n' >"$CTX/Recipe"
  run bld -t t5 "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack t5 "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/x/inner/f")" = in ]
  printf 'FROM busybox\nADD http://example.com/f /f\n' >"$CTX/Recipe"
  run bld "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Recipe:2: ADD: http://example.com/f: no network"* ]]
}

@test "build: multi-stage COPY --from, --target, build args" {
  cat >"$CTX/Recipe" <<'R'
ARG BASE=busybox
FROM $BASE AS build
ARG WHO=nobody
ARG BASE
RUN echo "built by $WHO from $BASE" > /out
FROM busybox
COPY --from=build /out /result
FROM busybox AS other
RUN false
R
  run bld -t t6 --target 1 "$CTX"
  [ "$status" -eq 1 ] # a target must be a stage name
  cat >>"$CTX/Recipe" <<'R'
FROM busybox AS final
COPY --from=0 /out /result
R
  run bld -t t6 --target final --build-arg WHO=me "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" != *"RUN false"* ]]
  unpack t6 "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/result")" = "built by me from busybox" ]
  # build args are not in the image config
  ! config t6 | jq -e '.config.Env | index("WHO=me")'
}

@test "build: a failing RUN stops the build and leaves the store unchanged" {
  printf 'FROM busybox\nRUN echo before\nRUN exit 3\nRUN echo after\n' >"$CTX/Recipe"
  cp "$STORE/index.json" "$BATS_TEST_TMPDIR/index.before"
  run bld -t bad "$CTX"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Recipe:3: RUN: exit status 3"* ]]
  [[ "$output" != *"echo after"* ]]
  cmp "$STORE/index.json" "$BATS_TEST_TMPDIR/index.before"
  ! grep -q build- <(ls -a "$STORE/.store")
}

@test "build: a bad recipe gives file:line" {
  printf 'FROM busybox\nRUN echo ok\nFOO bar\n' >"$CTX/Recipe"
  run bld "$CTX"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Recipe:3:"* ]]
  printf 'FROM nosuchimage\n' >"$CTX/Recipe"
  run bld "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Recipe:1: FROM"* ]]
}

@test "build: -f, Dockerfile default, several -t, --compression zstd" {
  printf 'FROM busybox\nRUN echo z > /z\n' >"$CTX/Dockerfile"
  run bld -t a:1 -t b:2 --compression zstd "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(manifest a:1 | jq -r .config.digest)" = "$(manifest b:2 | jq -r .config.digest)" ]
  manifest a:1 | jq -e '.layers[-1].mediaType == "application/vnd.oci.image.layer.v1.tar+zstd"'
  mv "$CTX/Dockerfile" "$CTX/other"
  run bld -f "$CTX/other" -t c "$CTX"
  [ "$status" -eq 0 ]
}

@test "build: --timestamp gives the same digest in different directories" {
  for d in c1 c2; do
    mkdir -p "$BATS_TEST_TMPDIR/$d"
    echo same >"$BATS_TEST_TMPDIR/$d/f"
    printf 'FROM busybox\nCOPY f /f\nRUN echo x > /x\nENV A=b\n' >"$BATS_TEST_TMPDIR/$d/Recipe"
    sleep 1
  done
  run bld --no-cache --timestamp 1700000000 "$BATS_TEST_TMPDIR/c1"
  [ "$status" -eq 0 ]
  d1=$(echo "$output" | grep 'writing image')
  run env SOURCE_DATE_EPOCH=1700000000 "$BUILDER" --store "$STORE" build --no-cache --runtime "$RUNC_LITE" "$BATS_TEST_TMPDIR/c2"
  [ "$status" -eq 0 ]
  d2=$(echo "$output" | grep 'writing image')
  [ "$d1" = "$d2" ]
}

@test "build: a rebuild hits the cache, --no-cache does not" {
  echo v1 >"$CTX/f"
  printf 'FROM busybox\nRUN echo running-now\nCOPY f /f\n' >"$CTX/Recipe"
  run bld -t c1 "$CTX"
  [[ "$output" == *"| running-now"* ]]
  run bld -t c2 "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" != *"| running-now"* ]]
  [[ "$output" == *"CACHED"* ]]
  # a changed source invalidates the COPY step only
  echo v2 >"$CTX/f"
  run bld -t c3 "$CTX"
  [ "$(echo "$output" | grep -c CACHED)" -eq 1 ]
  unpack c3 "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/f")" = v2 ]
  run bld --no-cache -t c4 "$CTX"
  [[ "$output" == *"| running-now"* ]]
}

@test "build: examples/hello builds on a busybox image" {
  run bld -t hello "$TESTS_DIR/../examples/hello"
  echo "$output"
  [ "$status" -eq 0 ]
  unpack hello "$BATS_TEST_TMPDIR/u"
  [ -f "$BATS_TEST_TMPDIR/u/srv/hello/message.txt" ]
  grep -q "built on" "$BATS_TEST_TMPDIR/u/srv/hello/build-info"
}

@test "build: usage errors" {
  run "$BUILDER" --store "$STORE" build
  [ "$status" -eq 1 ]
  [[ "$output" == *"CONTEXT"* ]]
  run "$BUILDER" --store "$STORE" build --compression lz4 "$CTX"
  [ "$status" -eq 1 ]
  run "$BUILDER" --store "$STORE" build "$BATS_TEST_TMPDIR/empty-dir-missing"
  [ "$status" -eq 1 ]
}

@test "build: heredocs in RUN and COPY" {
  cat >"$CTX/Recipe" <<'R'
FROM busybox
RUN <<EOF
echo from-heredoc
echo made > /h
EOF
COPY <<EOF /etc/greeting
hello heredoc
EOF
RUN cat /etc/greeting
R
  run bld -t hd "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"| from-heredoc"* ]]
  [[ "$output" == *"| hello heredoc"* ]]
}

@test "build: FROM oci:DIR:NAME and a build arg in FROM" {
  # A plain layout (no .store/ of ours) is only read: nothing is added to it.
  cp -a "$STORE" "$BATS_TEST_TMPDIR/layout"
  rm -rf "$BATS_TEST_TMPDIR/layout/.store"
  before=$(cd "$BATS_TEST_TMPDIR/layout" && find . | sort)
  printf 'ARG IMG\nFROM oci:%s:${IMG}\nRUN echo ok > /ok\n' "$BATS_TEST_TMPDIR/layout" >"$CTX/Recipe"
  run "$BUILDER" --store "$BATS_TEST_TMPDIR/store2" build --runtime "$RUNC_LITE" --build-arg IMG=busybox:latest -t o "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(cd "$BATS_TEST_TMPDIR/layout" && find . | sort)" = "$before" ]
  STORE="$BATS_TEST_TMPDIR/store2" unpack o "$BATS_TEST_TMPDIR/u"
  [ -f "$BATS_TEST_TMPDIR/u/ok" ] && [ -x "$BATS_TEST_TMPDIR/u/bin/busybox" ]
}

@test "build: COPY --chown owns the directories it creates, not existing ones; /tmp keeps 1777; --chmod keeps directories searchable" {
  mkdir -p "$CTX/dir/sub"
  echo f >"$CTX/f"
  echo s >"$CTX/dir/sub/s"
  chmod 700 "$CTX/dir/sub"
  cat >"$CTX/Recipe" <<'R'
FROM busybox
COPY --chown=app f /a/b/c/
COPY f /tmp/
COPY --chmod=640 dir /d/
RUN mkdir -p /e/x && chown 5 /e
COPY --chown=app:app f /e/x/y/z
RUN stat -c '%n %u:%g %a' /a /a/b /a/b/c /a/b/c/f /tmp /d/sub /d/sub/s /e /e/x /e/x/y /e/x/y/z
R
  run bld "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  got=$(grep '^\[7/7\] | ' <<<"$output" | sed 's/^\[7\/7\] | //')
  [ "$got" = "$(printf '%s\n' '/a 1000:1000 755' '/a/b 1000:1000 755' '/a/b/c 1000:1000 755' \
    '/a/b/c/f 1000:1000 644' '/tmp 0:0 1777' '/d/sub 0:0 750' '/d/sub/s 0:0 640' '/e 5:0 755' \
    '/e/x 0:0 755' '/e/x/y 1000:1000 755' '/e/x/y/z 1000:1000 644')" ]
}

@test "build: RUN has docker build's capabilities as root, only bounding ones as another USER" {
  cat >"$CTX/Recipe" <<'R'
FROM busybox
RUN touch /f && chown 5:6 /f && chmod u+s /f && grep -E '^Cap(Eff|Bnd)' /proc/self/status
USER app
RUN grep -E '^Cap(Eff|Bnd)' /proc/self/status
R
  run bld "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  # CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
  # NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
  [[ "$output" == *"[2/4] | CapEff:"*"a80425fb"* ]]
  [[ "$output" == *"[2/4] | CapBnd:"*"a80425fb"* ]]
  [[ "$output" == *"[4/4] | CapEff:	0000000000000000"* ]]
  [[ "$output" == *"[4/4] | CapBnd:"*"a80425fb"* ]]
}

@test "build: a relative --store path" {
  cd "$BATS_TEST_TMPDIR"
  printf 'FROM busybox\nRUN echo relative > /r\n' >"$CTX/Recipe"
  run "$BUILDER" --store store build --runtime "$RUNC_LITE" -t rel ctx
  echo "$output"
  [ "$status" -eq 0 ]
  unpack rel "$BATS_TEST_TMPDIR/u"
  [ "$(cat "$BATS_TEST_TMPDIR/u/r")" = relative ]
}

@test "build: proxy build args reach RUN without an ARG line and stay out of the history and the cache key" {
  printf 'FROM busybox\nRUN echo "proxy=$HTTP_PROXY no=$no_proxy other=$OTHER"\n' >"$CTX/Recipe"
  run bld -t px --build-arg HTTP_PROXY=http://p:3128 --build-arg no_proxy=x --build-arg OTHER=o "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"| proxy=http://p:3128 no=x other="* ]]
  ! config px | grep -q 'p:3128'
  run bld -t px --build-arg HTTP_PROXY=http://q:3128 "$CTX"
  [[ "$output" == *"| CACHED"* ]]
  # Declared, it is an ordinary ARG: in the history, part of the key.
  printf 'FROM busybox\nARG HTTP_PROXY\nRUN echo "proxy=$HTTP_PROXY"\n' >"$CTX/Recipe"
  run bld -t px2 --build-arg HTTP_PROXY=http://p:3128 "$CTX"
  [[ "$output" == *"| proxy=http://p:3128"* ]]
  config px2 | grep -q 'p:3128'
  run bld -t px2 --build-arg HTTP_PROXY=http://q:3128 "$CTX"
  [[ "$output" == *"| proxy=http://q:3128"* ]]
}

@test "build: the COPY cache key: content, names, modes and every source, not mtimes; an unchanged rebuild writes no blob" {
  mkdir -p "$CTX/d"
  echo 1 >"$CTX/one"
  echo 2 >"$CTX/two"
  echo 3 >"$CTX/d/three"
  printf 'FROM busybox\nCOPY one two /s/\nENV A=b\nCOPY d /d\nRUN echo ran\nCMD ["sh"]\n' >"$CTX/Recipe"
  run bld -t ck "$CTX"
  [ "$status" -eq 0 ]
  first=$(grep 'writing image' <<<"$output")
  blobs() { find "$STORE/blobs" -type f | sort; }
  before=$(blobs)
  # mtime only, a second later: all cached, the same image, nothing written
  sleep 1
  touch -d '2001-01-01' "$CTX/one" "$CTX/d/three"
  run bld -t ck2 "$CTX"
  [ "$(grep -c '| CACHED' <<<"$output")" -eq 3 ]
  [ "$(grep 'writing image' <<<"$output")" = "$first" ]
  [ "$(blobs)" = "$before" ]
  hits() { bld -t ck "$CTX" | grep -c '| CACHED' || true; }
  # the second of several sources changed
  echo 22 >"$CTX/two"
  [ "$(hits)" -eq 0 ]
  # a mode change
  chmod 600 "$CTX/d/three"
  [ "$(hits)" -eq 1 ]
  # a file added to, then renamed in, a copied directory
  echo 4 >"$CTX/d/four"
  [ "$(hits)" -eq 1 ]
  mv "$CTX/d/four" "$CTX/d/five"
  [ "$(hits)" -eq 1 ]
  # removed again: the state the chmod built, all cached
  rm "$CTX/d/five"
  [ "$(hits)" -eq 3 ]
}

@test "build: RUN as USER gets the user's supplementary groups; COPY --chown=UID alone takes UID as GID" {
  echo f >"$CTX/f"
  cat >"$CTX/Recipe" <<'R'
FROM busybox
RUN echo 'extra:x:2000:nobody,app' >>/etc/group
COPY --chown=7 f /seven
USER app
RUN id -G && stat -c %u:%g /seven
USER app:extra
RUN id -G
USER ghost
RUN true
R
  run bld "$CTX"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"[5/9] | 1000 2000"* ]]
  [[ "$output" == *"[5/9] | 7:7"* ]]
  [[ "$output" == *"[7/9] | 2000"* ]]
  [[ "$output" == *'Recipe:9: RUN: user "ghost" not found'* ]]
}

@test "build: steps with identical diffs (two RUNs that change nothing) stack: one lowerdir, two layers" {
  printf 'FROM busybox\nRUN true\nRUN true\nRUN echo third >/t\nRUN cat /t\n' >"$CTX/Recipe"
  run bld -t same "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"[5/5] | third"* ]]
  ids=$(config same | jq -r '.rootfs.diff_ids[1:3] | unique | length')
  [ "$ids" -eq 1 ]
}

@test "build: .builderignore wins over .dockerignore; COPY --link is accepted; several sources need a directory destination" {
  echo a >"$CTX/a.txt"
  echo b >"$CTX/b.log"
  printf '*.txt\n' >"$CTX/.dockerignore"
  printf '*.log\n' >"$CTX/.builderignore"
  printf 'FROM busybox\nCOPY --link a.txt /a\n' >"$CTX/Recipe"
  run bld -t ign "$CTX"
  echo "$output"
  [ "$status" -eq 0 ]
  printf 'FROM busybox\nCOPY b.log /b\n' >"$CTX/Recipe"
  run bld "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Recipe:2: COPY"*"b.log"* ]]
  printf 'FROM busybox\nCOPY a.txt Recipe /dest\n' >"$CTX/Recipe"
  run bld "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Recipe:2: COPY"*"the destination must be a directory and end with a /"* ]]
  printf 'FROM busybox\nCOPY a.txt Recipe /dest/\n' >"$CTX/Recipe"
  run bld -t two "$CTX"
  [ "$status" -eq 0 ]
  unpack two "$BATS_TEST_TMPDIR/u"
  [ -f "$BATS_TEST_TMPDIR/u/dest/a.txt" ] && [ -f "$BATS_TEST_TMPDIR/u/dest/Recipe" ]
}

@test "build: HEALTHCHECK, VOLUME, SHELL, ONBUILD, EXPOSE in the config; ENTRYPOINT and CMD forms as Docker" {
  cat >"$CTX/Recipe" <<'R'
FROM busybox AS base
CMD ["base-cmd"]
FROM base AS a
ENTRYPOINT ["/bin/echo", "e"]
FROM base AS b
ENTRYPOINT echo shell-form
CMD ignored-by-shell-entrypoint
FROM base AS c
CMD echo "$HOME"
HEALTHCHECK --interval=5s --timeout=3s --start-period=1s --retries=2 CMD wget -q localhost || exit 1
VOLUME /v1 /v2
VOLUME ["/v3"]
SHELL ["/bin/sh", "-ec"]
ONBUILD RUN echo child
EXPOSE 8080-8081/tcp 9 53/udp
R
  for t in base a b c; do
    run bld -t "m-$t" --target "$t" "$CTX"
    [ "$status" -eq 0 ]
  done
  [ "$(config m-base | jq -c '[.config.Entrypoint, .config.Cmd]')" = '[null,["base-cmd"]]' ]
  # an ENTRYPOINT of the stage resets the inherited CMD
  [ "$(config m-a | jq -c '[.config.Entrypoint, .config.Cmd]')" = '[["/bin/echo","e"],null]' ]
  [ "$(config m-b | jq -c '[.config.Entrypoint, .config.Cmd]')" = '[["/bin/sh","-c","echo shell-form"],["/bin/sh","-c","ignored-by-shell-entrypoint"]]' ]
  c=$(config m-c)
  [ "$(jq -c .config.Cmd <<<"$c")" = '["/bin/sh","-c","echo \"$HOME\""]' ]
  [ "$(jq -c .config.Healthcheck <<<"$c")" = '{"Test":["CMD-SHELL","wget -q localhost || exit 1"],"Interval":5000000000,"Timeout":3000000000,"StartPeriod":1000000000,"Retries":2}' ]
  [ "$(jq -c '.config.Volumes | keys' <<<"$c")" = '["/v1","/v2","/v3"]' ]
  [ "$(jq -c .config.Shell <<<"$c")" = '["/bin/sh","-ec"]' ]
  [ "$(jq -c .config.OnBuild <<<"$c")" = '["RUN echo child"]' ]
  [ "$(jq -c '.config.ExposedPorts | keys' <<<"$c")" = '["53/udp","8080-8081/tcp","9/tcp"]' ]
  # the shell-form ENTRYPOINT runs, its CMD is ignored (sh -c takes one string)
  run "$BUILDER" --store "$STORE" run --rm --runtime "$RUNC_LITE" m-b
  [ "$output" = shell-form ]
  run "$BUILDER" --store "$STORE" run --rm --runtime "$RUNC_LITE" m-a x y
  [ "$output" = "e x y" ]
}

@test "build: COPY of a wildcard that matches nothing is a one-line error naming the line (no crash)" {
  mkdir -p "$CTX/src"
  echo x >"$CTX/src/a.h"
  printf 'FROM busybox\nCOPY src/*.c /b/\n' >"$CTX/Recipe"
  run bld "$CTX"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "$(grep -c '^builder: ' <<<"$output")" -eq 1 ]
  [[ "$output" == *'Recipe:2: COPY: no source files match "src/*.c"'* ]]
  # a match that the ignore file then drops
  printf 'src/a.h\n' >"$CTX/.dockerignore"
  printf 'FROM busybox\nCOPY src/*.h /b/\n' >"$CTX/Recipe"
  run bld "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Recipe:2: COPY: src/*.h: no source files were specified (not found or excluded by .dockerignore)"* ]]
}
