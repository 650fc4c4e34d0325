#!/usr/bin/env bash
# The main job, end to end: build the example image from examples/hello
# with builder, run it with `builder run`, then run the same image's bundle
# with `runc-lite run`.  Installs what is missing and builds first.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

rl_install_missing "${RL_BUILD_PACKAGES[@]}" busybox-static jq
rl_build

BUILDER="$PWD/builder/builder"
RUNC_LITE="$PWD/runc-lite/runc-lite"
STORE="${DEMO_STORE:-/var/lib/builder}"
WORK=$(mktemp -d /tmp/runc-lite-demo.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. a busybox base image from Debian's busybox-static"
mkdir -p "$WORK/rootfs"/{bin,etc,proc,sys,dev,tmp,root}
cp /bin/busybox "$WORK/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$WORK/rootfs/bin/$applet"
done
chmod 1777 "$WORK/rootfs/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$WORK/rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$WORK/rootfs/etc/group"
"$BUILDER" --store "$STORE" import "$WORK/rootfs" busybox

step "2. builder build -t hello examples/hello"
cat examples/hello/Recipe
"$BUILDER" --store "$STORE" build -t hello examples/hello

step "3. builder images / history"
"$BUILDER" --store "$STORE" images
"$BUILDER" --store "$STORE" history hello

step "4. builder run --rm hello"
"$BUILDER" --store "$STORE" run --rm hello

step "5. the runc way: builder unpack hello BUNDLE; runc-lite run"
"$BUILDER" --store "$STORE" unpack hello "$WORK/bundle"
jq -c '.process | {args, env, cwd}' "$WORK/bundle/config.json" 2>/dev/null || true
"$RUNC_LITE" run --bundle "$WORK/bundle" "demo-hello-$$"

step "done"
