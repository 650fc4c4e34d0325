# Sourced by scripts/check.sh and scripts/demo.sh: installs the Debian
# packages the build and the tests need, when missing (Debian 12, as root).

RL_BUILD_PACKAGES=(
  build-essential autoconf automake pkg-config git
  libyajl-dev libseccomp-dev libcap-dev libselinux1-dev
  libarchive-dev zlib1g-dev libzstd-dev libssl-dev libcurl4-openssl-dev
)
RL_TEST_PACKAGES=(bats valgrind jq strace groff-base busybox-static runc crun qemu-system-x86 skopeo containerd podman conmon catatonit python3 docker-registry apache2-utils
  umoci oci-image-tool buildah python3-grpcio python3-grpc-tools containernetworking-plugins
  clang libclang-rt-14-dev clang-format-14)
# RUN's private network (builder runs ip and nft); curl: build-network.bats
RL_TEST_PACKAGES+=(iproute2 nftables curl)
# rootless builds: newuidmap/newgidmap, RUN's network (build-rootless.bats)
RL_TEST_PACKAGES+=(uidmap passt slirp4netns)

rl_install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run as root, or apt-get install them)" >&2
    return 1
  fi
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
}

# Configures (once per change of the build files) and builds in the source tree.
rl_build() {
  if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
    ./autogen.sh >/dev/null 2>&1 || { echo "autogen.sh failed" >&2; return 1; }
  fi
  if [ ! -f Makefile ] || [ configure -nt config.status ]; then
    ./configure --enable-werror >/dev/null || { echo "configure failed" >&2; return 1; }
  fi
  make -j"$(nproc)" >/dev/null || { make 2>&1 | tail -40 >&2; return 1; }
}

# Copies the working tree's files (tracked and new, not the ignored ones:
# build output, _fuzz/, _sanitize/) into DEST, mtimes kept so a build there
# redoes only what changed; files copied last time and gone from the tree
# since are removed (DEST/.rl-copied lists them).  For the fuzzing and
# sanitizer builds, which need a tree of their own (the source tree is
# configured in place).
rl_copy_tree() {
  local list
  mkdir -p "$1" || return 1
  list=$(mktemp) || return 1
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z -co --exclude-standard
  else
    find . \( -path ./_fuzz -o -path ./_sanitize -o -name '*.o' \) -prune -o -type f -print0
  fi >"$list"
  if [ -f "$1/.rl-copied" ]; then
    comm -z -23 <(sort -z "$1/.rl-copied") <(sort -z "$list") |
      while IFS= read -r -d '' f; do rm -f -- "$1/$f"; done
  fi
  tar --null -T "$list" -cf - | tar -xf - -C "$1" && mv "$list" "$1/.rl-copied"
}
