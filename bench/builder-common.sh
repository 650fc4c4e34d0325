# shellcheck shell=bash
# Shared by bench/build.sh, unpack.sh and run.sh (sourced, from the top of
# the tree): arguments, the tools, a busybox rootfs, a tree of small files,
# the image of both; lifecycle.sh takes only its busybox rootfs.

# bench_setup DEFAULT_RUNS ARG TOOL...: RUNS from ARG, BUILDER, RUNC_LITE,
# BUSYBOX, FILES set; root checked; the Debian packages of the tools
# installed when missing (the tool's package shares its name).
bench_setup() {
  local default=$1 t
  RUNS=${2:-$default}
  shift 2
  FILES=${FILES:-3000}
  case $RUNS in
    '' | *[!0-9]* | 0)
      echo "usage: $0 [RUNS]   (RUNS: a positive number, default $default)" >&2
      exit 2
      ;;
  esac
  BUILDER=${BUILDER:-$PWD/builder/builder}
  RUNC_LITE=${RUNC_LITE:-$PWD/runc-lite/runc-lite}
  BUSYBOX=${BUSYBOX:-/bin/busybox}
  [ -x "$BUILDER" ] || { echo "$0: no $BUILDER: build first (make), run from the top of the tree" >&2; exit 1; }
  [ "$(id -u)" -eq 0 ] || { echo "$0: must run as root" >&2; exit 1; }
  if [ -r scripts/deps.sh ]; then
    # shellcheck source=../scripts/deps.sh
    . scripts/deps.sh
    rl_install_missing busybox-static jq hyperfine "$@" || true
  fi
  for t in jq hyperfine "$@"; do
    command -v "$t" >/dev/null || { echo "$0: $t is missing" >&2; exit 1; }
  done
}

# bench_busybox_rootfs DIR: Debian's busybox-static and its applets.
bench_busybox_rootfs() {
  local applet
  mkdir -p "$1"/{bin,sbin,etc,proc,sys,dev,tmp,root,usr/bin,usr/sbin,var}
  cp "$BUSYBOX" "$1/bin/busybox"
  for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$1/bin/$applet"
  done
  chmod 1777 "$1/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$1/etc/passwd"
  printf 'root:x:0:\n' >"$1/etc/group"
}

# bench_small_files DIR N: N random files of 1-4 KiB in 50 directories.
bench_small_files() {
  python3 - "$1" "$2" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(1, n + 1):
    d = os.path.join(root, "d%d" % (i % 50))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%d" % i), "wb") as f:
        f.write(os.urandom(1024 + (i * 37) % 3072))
PY
}

# bench_image CTX STORE: the image `bench` in STORE, built from CTX (made
# here): a busybox rootfs, FILES small files and a 50 MB file, each
# copied in its own layer.
bench_image() {
  bench_busybox_rootfs "$1/rootfs"
  mkdir -p "$1/files"
  bench_small_files "$1/files" "$FILES"
  head -c 52428800 /dev/urandom >"$1/big"
  printf 'FROM scratch\nCOPY rootfs/ /\nCOPY files/ /files/\nCOPY big /big\nCMD ["sh"]\n' >"$1/Recipe"
  "$BUILDER" --store "$2" build -t bench --timestamp 0 "$1" >/dev/null
}

# bench_rows JSON: "name median mean stddev" per hyperfine result.
bench_rows() {
  jq -r '.results[] | [.command, .median, .mean, .stddev] | @tsv' "$1" |
    while IFS=$'\t' read -r n med mean sd; do printf '%-18s %10.3f %10.3f %10.3f\n' "$n" "$med" "$mean" "$sd"; done
}
