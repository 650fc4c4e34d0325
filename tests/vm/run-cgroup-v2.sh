#!/bin/bash
# Boots a Debian 6.1 kernel in qemu with cgroup v2 only, runs runc-lite
# containers there with linux.resources and prints the guest's TAP lines
# ("ok N - name", "not ok N - name") and a final RL-VM-PASS / RL-VM-FAIL.
#
#   tests/vm/run-cgroup-v2.sh [LOG]
#
# RUNC_LITE: the built runtime (default ./runc-lite/runc-lite); BUSYBOX: a
# static busybox (/bin/busybox, from busybox-static); RL_VM_CACHE: where the
# kernel package is downloaded and unpacked (/var/tmp/runc-lite-vm).
# RL_VM_DEBUG=1: the kernel's messages on the console, the work folder kept.
# RL_VM_GUEST_SCRIPT: what the guest runs instead of guest-tests.sh (the
# same contract: RL-VM-PASS when it exits 0); RL_VM_EXTRA_BINS: more host
# programs copied to the guest's /bin with their libraries (bench/
# lifecycle-v2-vm.sh: crun and hyperfine).
# Needs qemu-system-x86 and apt-get (see scripts/deps.sh).
# Exit status: 0 when the guest printed RL-VM-PASS, 1 otherwise.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
RUNC_LITE=${RUNC_LITE:-$here/../../runc-lite/runc-lite}
BUSYBOX=${BUSYBOX:-/bin/busybox}
CACHE=${RL_VM_CACHE:-/var/tmp/runc-lite-vm}
LOG=${1:-/dev/stdout}
QEMU_TIMEOUT=${RL_VM_TIMEOUT:-300}

die() { echo "run-cgroup-v2.sh: $*" >&2; exit 2; }
[ -x "$RUNC_LITE" ] || die "no runtime at $RUNC_LITE (build first, or set RUNC_LITE)"
[ -x "$BUSYBOX" ] || die "no busybox at $BUSYBOX"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
command -v jq >/dev/null || die "jq missing"
mkdir -p "$CACHE"

# ---- the kernel: Debian's newest linux-image-6.1.0-N-amd64, vmlinux extracted ----
kernel_package() {
  local deb pkg
  deb=$(ls "$CACHE"/linux-image-6.1.0-*-amd64_*.deb 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$deb" ]; then
    pkg=$(apt-cache pkgnames linux-image-6.1.0- | grep -E '^linux-image-6\.1\.0-[0-9]+-amd64$' | sort -V | tail -1)
    [ -n "$pkg" ] || die "no linux-image-6.1.0-*-amd64 package known to apt (apt-get update?)"
    (cd "$CACHE" && apt-get download "$pkg" >&2) || die "apt-get download $pkg failed"
    deb=$(ls "$CACHE"/"$pkg"_*.deb | tail -1)
  fi
  echo "$deb"
}

# vmlinux from a bzImage: find a compressed payload that decompresses to an
# ELF file (what the kernel tree's scripts/extract-vmlinux does).
extract_vmlinux() {
  local img=$1 out=$2 magic tool off
  for pair in '\xfd\x37\x7a\x58\x5a\x00:xz -dc' '\x1f\x8b\x08:gzip -dc' '\x28\xb5\x2f\xfd:zstd -dc' \
    '\x02\x21\x4c\x18:lz4 -dc' '\x5d\x00\x00\x00:xz -F lzma -dc'; do
    magic=${pair%%:*} tool=${pair#*:}
    command -v "${tool%% *}" >/dev/null || continue
    for off in $(LC_ALL=C grep -aboP "$magic" "$img" 2>/dev/null | cut -d: -f1); do
      tail -c +$((off + 1)) "$img" | $tool >"$out.tmp" 2>/dev/null || true
      if [ "$(head -c4 "$out.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
        mv "$out.tmp" "$out"
        return 0
      fi
    done
  done
  rm -f "$out.tmp"
  return 1
}

deb=$(kernel_package)
kdir="$CACHE/$(basename "$deb" .deb)"
if [ ! -f "$kdir/vmlinux" ]; then
  rm -rf "$kdir.tmp"
  dpkg -x "$deb" "$kdir.tmp"
  extract_vmlinux "$(ls "$kdir.tmp"/boot/vmlinuz-*)" "$kdir.tmp/vmlinux" || die "no vmlinux found in $deb"
  rm -rf "$kdir"
  mv "$kdir.tmp" "$kdir"
fi
kver=$(ls "$kdir/lib/modules")

# ---- the initramfs: busybox, runc-lite and its libraries, bundles, tests ----
work=$(mktemp -d "${TMPDIR:-/tmp}/rl-vm.XXXXXX")
if [ -n "${RL_VM_DEBUG:-}" ]; then echo "work folder: $work" >&2; else trap 'rm -rf "$work"' EXIT; fi
quiet=quiet
[ -z "${RL_VM_DEBUG:-}" ] || quiet=
root="$work/root"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,mnt,newroot,lib/modules}
cp "$BUSYBOX" "$root/bin/busybox"
for a in $("$BUSYBOX" --list); do
  [ "$a" = busybox ] || ln -sf busybox "$root/bin/$a"
done
cp "$RUNC_LITE" "$root/bin/runc-lite"
for bin in "$RUNC_LITE" ${RL_VM_EXTRA_BINS:-}; do
  [ "$bin" = "$RUNC_LITE" ] || cp -L "$bin" "$root/bin/"
  for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
done
for m in drivers/block/loop.ko; do
  [ -f "$kdir/lib/modules/$kver/kernel/$m" ] && cp "$kdir/lib/modules/$kver/kernel/$m" "$root/lib/modules/"
done

# The bundle's rootfs and one config per case, made here with jq.
b="$root/bundle"
mkdir -p "$b/rootfs"/{bin,proc,sys,dev,tmp,etc}
cp "$BUSYBOX" "$b/rootfs/bin/busybox"
for a in $("$BUSYBOX" --list); do
  [ "$a" = busybox ] || ln -sf busybox "$b/rootfs/bin/$a"
done
(cd "$b" && "$RUNC_LITE" spec)
base=$(jq '.process.terminal = false | .process.args = ["sleep", "1000"]' "$b/config.json")
rm "$b/config.json"
cfg() { # NAME JQ-FILTER
  jq "$2" <<<"$base" >"$b/config-$1.json"
}
cfg memory '.linux.resources.memory = {"limit": 67108864, "swap": 100663296, "reservation": 33554432, "swappiness": 10, "kernel": 1000000}'
cfg oom '.linux.resources.memory = {"limit": 16777216} | .process.args = ["sh", "-c", "head -c 64m /dev/zero | tail"]'
cfg pids '.linux.resources.pids = {"limit": 10}'
cfg bomb '.linux.resources.pids = {"limit": 10} | .process.args = ["sh", "-c", "for i in $(seq 30); do sleep 10 & done; echo all started"]'
cfg cpu '.linux.resources.cpu = {"shares": 1024, "quota": 50000, "period": 100000, "burst": 1000, "cpus": "0", "mems": "0", "idle": 0}'
cfg cpumax '.linux.resources.cpu = {"quota": -1, "period": 50000}'
cfg io '.linux.resources.blockIO = {"weight": 500, "throttleReadBpsDevice": [{"major": 7, "minor": 0, "rate": 1048576}], "throttleWriteIOPSDevice": [{"major": 7, "minor": 0, "rate": 100}]}'
cfg hugetlb '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
cfg devdeny '.process.capabilities |= with_entries(.value += ["CAP_MKNOD"]) | .process.args = ["sh", "-c", "head -c1 /dev/zero | wc -c; mknod /dev/k c 1 11 && echo x > /dev/k; echo status=$?"]'
cfg devallow '.process.capabilities |= with_entries(.value += ["CAP_MKNOD"]) | .linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}] | .process.args = ["sh", "-c", "mknod /dev/k c 1 11 && echo x > /dev/k; echo status=$?"]'
cfg unified '.linux.resources.unified = {"pids.max": "7", "memory.high": "50000000"}'
cfg badkey '.linux.resources.unified = {"../pids.max": "7"}'
cfg network '.linux.resources.network = {"classID": 1048577}'
cfg rt '.linux.resources.cpu = {"realtimeRuntime": 1000, "realtimePeriod": 100000}'
cfg nested '.linux.cgroupsPath = "/rl/nested/c" | .linux.resources.memory = {"limit": 33554432} | .linux.resources.pids = {"limit": 20}'

cfg true '.process.args = ["true"] | .ociVersion = "1.0.2"' # for bench/lifecycle-v2-vm.sh (crun 1.8 wants 1.0.x)

cp "${RL_VM_GUEST_SCRIPT:-$here/guest-tests.sh}" "$root/tests.sh"
cat >"$root/init" <<'INIT'
#!/bin/sh
# Stage 1 (root is the initramfs, where pivot_root fails): copy it to a tmpfs
# and switch_root there.  Stage 2: mount the cgroup2 hierarchy, run the tests.
export PATH=/bin:/sbin
if [ ! -e /.stage2 ]; then
  echo "rl-vm: stage 1"
  mount -t tmpfs -o size=512m tmpfs /newroot
  for d in /*; do
    case "$d" in /newroot|/proc|/sys|/dev) mkdir -p "/newroot$d" ;; *) cp -a "$d" /newroot/ ;; esac
  done
  touch /newroot/.stage2
  exec switch_root /newroot /init
fi
echo "rl-vm: stage 2"
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control; done
for m in /lib/modules/*.ko; do [ -f "$m" ] && insmod "$m" 2>/dev/null; done
[ -b /dev/loop0 ] || mknod /dev/loop0 b 7 0 2>/dev/null
if sh /tests.sh; then echo RL-VM-PASS; else echo RL-VM-FAIL; fi
sync
poweroff -f
INIT
chmod +x "$root/init" "$root/tests.sh"
(cd "$root" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null) >"$work/initramfs.cpio"

# ---- boot; the serial console is the log.  qemu exits 0 whatever the
# tests did: the marker decides, and a run without one is tried again. ----
boot() {
  timeout "$QEMU_TIMEOUT" qemu-system-x86_64 -accel tcg -M pc -m 1024 -smp 2 -nographic -no-reboot \
    -kernel "$kdir/vmlinux" -initrd "$work/initramfs.cpio" \
    -append "console=ttyS0 $quiet panic=-1 cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1" \
    </dev/null 2>&1 | tr -d '\r' >"$work/log" || true
}
boot
grep -q '^RL-VM-\(PASS\|FAIL\)' "$work/log" || boot
cat "$work/log" >"$LOG"
grep -q '^RL-VM-PASS' "$work/log"
