#!/bin/bash
# bench/build-rootless.sh [RUNS]: rootless `builder build` against rootless
# `buildah bud --layers`, both run by an ordinary user made for the run
# (rl-bench, with a subuid/subgid range; removed at the end), on the same
# context:
#   FROM scratch, COPY of a busybox rootfs
#   COPY of FILES small files (default 3000, 1-4 KiB each)
#   RUN writing 50 MB, CMD
# cold: empty stores; changed: one file of the context changed (the COPY
# and the RUN after it run again).  buildah takes its defaults for a user
# (vfs here without fuse-overlayfs) and runc (crun refuses this host's
# hybrid cgroups); builder RUNs through runc-lite, --network none for both.
# Prints each figure and buildah/builder (above 1: builder is faster). Run
# from the top of the tree after a build, as root.
set -euo pipefail

# shellcheck source=builder-common.sh
. "$(dirname "$0")/builder-common.sh"
bench_setup 3 "${1:-}" buildah
rl_install_missing uidmap
command -v newuidmap >/dev/null || { echo "$0: newuidmap is missing (package uidmap)" >&2; exit 1; }

U=rl-bench
WORK=$(mktemp -d /tmp/bld-bench-rootless.XXXXXX)
chmod 755 "$WORK"
cleanup() {
  userdel "$U" 2>/dev/null || true
  sed -i "/^$U:/d" /etc/subuid /etc/subgid
  rm -rf "$WORK"
}
trap cleanup EXIT
userdel "$U" 2>/dev/null || true
useradd -M -d "$WORK/home" -s /bin/sh "$U"
sed -i "/^$U:/d" /etc/subuid /etc/subgid
echo "$U:400000:65536" >>/etc/subuid
echo "$U:400000:65536" >>/etc/subgid
mkdir -p "$WORK/bin" "$WORK/home"
cp "$BUILDER" "$RUNC_LITE" "$WORK/bin/"
chown "$U:" "$WORK/home"

CTX=$WORK/ctx
bench_busybox_rootfs "$CTX/rootfs"
mkdir -p "$CTX/files"
bench_small_files "$CTX/files" "$FILES"
cat >"$CTX/Dockerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
COPY files/ /files/
RUN head -c 52428800 /dev/urandom > /big && ls /files | wc -l
CMD ["sh"]
EOF
chmod -R a+rX "$CTX"

AS="runuser -u $U -- env -i HOME=$WORK/home TMPDIR=$WORK/home PATH=/usr/sbin:/usr/bin:/bin"
B_BUILD="cd $CTX && $AS $WORK/bin/builder build --network none -t b -f Dockerfile ."
H_BUILD="cd $CTX && $AS buildah bud --runtime runc --layers --network none -t b -f Dockerfile . >/dev/null"
B_RESET="$AS rm -rf $WORK/home/.local/share/builder"
H_RESET="$AS buildah rm -a >/dev/null 2>&1; $AS buildah rmi -a -f >/dev/null 2>&1; true"
CHANGE="date +%N >$CTX/files/d0/changed; chmod a+r $CTX/files/d0/changed"

hyperfine -N --runs "$RUNS" --export-json "$WORK/cold.json" \
  --prepare "bash -c '$B_RESET'" -n "builder cold" "bash -c '$B_BUILD'" \
  --prepare "bash -c '$H_RESET'" -n "buildah cold" "bash -c '$H_BUILD'" >&2
hyperfine -N --runs "$RUNS" --export-json "$WORK/changed.json" \
  --prepare "bash -c '$CHANGE'" -n "builder changed" "bash -c '$B_BUILD'" \
  --prepare "bash -c '$CHANGE'" -n "buildah changed" "bash -c '$H_BUILD'" >&2
$AS buildah rm -a >/dev/null 2>&1 || true
$AS buildah rmi -a -f >/dev/null 2>&1 || true

echo "rootless builder build vs rootless buildah bud ($FILES files, 50 MB RUN, $RUNS runs)"
for f in cold changed; do
  jq -r '.results[] | "\(.command): median \(.median * 1000 | round) ms"' "$WORK/$f.json"
  jq -r --arg f "$f" '(.results[0].median) as $b | (.results[1].median) as $h | "ratio buildah/builder \($f): \($h / $b * 100 | round / 100)"' "$WORK/$f.json"
done
