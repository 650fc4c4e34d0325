#!/usr/bin/env bats
# The container's filesystem: config.mounts, /dev, maskedPaths,
# readonlyPaths, root.readonly, sysctl, rootfsPropagation, and the
# defences against a rootfs that tries to redirect mounts to the host.
#
# The security tests at the end were checked against a runc-lite with each
# defence removed (see the comment on each test): every one of them failed.

load helpers

setup() {
  setup_bundle
  HOSTDIR="$BATS_TEST_TMPDIR/host"
  mkdir -p "$HOSTDIR"
}

teardown() {
  cleanup_containers
  if [ -n "${HOST_SUBMOUNT:-}" ]; then
    umount "$HOST_SUBMOUNT" 2>/dev/null || true
  fi
}

# in_container SCRIPT: runs sh -c SCRIPT in a new container.
in_container() {
  update_config ".process.args = [\"sh\", \"-c\", $(printf '%s' "$1" | jq -Rs .)]"
  run rl run --bundle "$BUNDLE" "$(test_id)"
}

# mount_line MOUNTPOINT: its line of the container's mountinfo ($output).
mount_line() {
  printf '%s\n' "$output" | awk -v mp="$1" '$5 == mp' | tail -n 1
}

# mount_opts MOUNTPOINT: the per-mount options (field 6).
mount_opts() {
  mount_line "$1" | awk '{print $6}'
}

has_opt() { # has_opt OPTS OPT
  case ",$1," in *",$2,"*) return 0 ;; esac
  return 1
}

@test "default spec: proc, /dev tmpfs, devpts, shm, mqueue, sysfs ro, cgroup ro" {
  in_container 'cat /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  mount_line /proc | grep -q ' - proc '
  mount_line /dev | grep -q ' - tmpfs '
  mount_line /dev/pts | grep -q ' - devpts '
  mount_line /dev/shm | grep -q ' - tmpfs '
  mount_line /dev/mqueue | grep -q ' - mqueue '
  mount_line /sys | grep -q ' - sysfs '
  has_opt "$(mount_opts /sys)" ro
  has_opt "$(mount_opts /sys/fs/cgroup)" ro
  has_opt "$(mount_opts /dev/pts)" noexec
  has_opt "$(mount_opts /dev/shm)" nodev
  # the old root is gone: nothing is mounted outside the container's tree
  ! printf '%s\n' "$output" | awk '{print $5}' | grep -q "$BUNDLE"
}

@test "cgroup mount: hierarchies under /sys/fs/cgroup, read-only" {
  in_container 'ls /sys/fs/cgroup; cat /proc/self/mountinfo; touch /sys/fs/cgroup/x 2>&1; mkdir /sys/fs/cgroup/pids/x 2>&1; true'
  [ "$status" -eq 0 ]
  if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
    mount_line /sys/fs/cgroup | grep -q ' - cgroup2 '
  else
    mount_line /sys/fs/cgroup | grep -q ' - tmpfs '
    for h in /sys/fs/cgroup/*; do
      [ -L "$h" ] && continue
      name=${h##*/}
      has_opt "$(mount_opts "/sys/fs/cgroup/$name")" ro
    done
  fi
  [[ "$output" == *"Read-only file system"* ]]
}

@test "/dev: default devices with mode 0666, symlinks, ptmx -> pts/ptmx, no console" {
  in_container 'cd /dev && for d in null zero full random urandom tty; do stat -c "%n %F %a %t:%T" $d; done; for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink $l)"; done; ls /dev; echo hi > /dev/null && head -c 4 /dev/zero | wc -c'
  [ "$status" -eq 0 ]
  [[ "$output" == *"null character special file 666 1:3"* ]]
  [[ "$output" == *"zero character special file 666 1:5"* ]]
  [[ "$output" == *"full character special file 666 1:7"* ]]
  [[ "$output" == *"random character special file 666 1:8"* ]]
  [[ "$output" == *"urandom character special file 666 1:9"* ]]
  [[ "$output" == *"tty character special file 666 5:0"* ]]
  [[ "$output" == *"fd -> /proc/self/fd"* ]]
  [[ "$output" == *"stdin -> /proc/self/fd/0"* ]]
  [[ "$output" == *"stdout -> /proc/self/fd/1"* ]]
  [[ "$output" == *"stderr -> /proc/self/fd/2"* ]]
  [[ "$output" == *"ptmx -> pts/ptmx"* ]]
  ! printf '%s\n' "$output" | grep -qx console
  [ "${lines[-1]}" = 4 ]
}

@test "a read-only /dev tmpfs is filled first (devices, /dev/pts, links), then made read-only, as runc does" {
  update_config '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"]'
  in_container 'cat /proc/self/mountinfo; echo x >/dev/null && echo null-ok; ls /dev/pts/ptmx && echo pts-ok; readlink /dev/fd; touch /dev/new 2>&1; true'
  echo "$output"
  [ "$status" -eq 0 ]
  has_opt "$(mount_opts /dev)" ro
  mount_line /dev/pts | grep -q ' - devpts '
  [[ "$output" == *null-ok* ]]
  [[ "$output" == *pts-ok* ]]
  [[ "$output" == *"/proc/self/fd"* ]]
  [[ "$output" == *"Read-only file system"* ]]
}

@test "a read-only /dev with a terminal: the console is set up before /dev turns read-only" {
  update_config '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"] | .process.terminal = true'
  update_config '.process.args = ["sh", "-c", "tty; awk '"'"'$5 == \"/dev\" { print \"dev-opts=\" $6 }'"'"' /proc/self/mountinfo"]'
  run script -qec "$RUNC_LITE --root $ROOT run $(test_id)" /dev/null </dev/null
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"/dev/pts/"* ]]
  [[ "$output" == *"dev-opts=ro,"* ]]
}

@test "linux.devices: mknod with type, major:minor, fileMode, uid, gid; a fifo outside /dev" {
  update_config '.linux.devices = [
    {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 384, "uid": 1000, "gid": 1001},
    {"path": "/dev/loop-test", "type": "b", "major": 7, "minor": 200, "fileMode": 432},
    {"path": "/opt/fifo", "type": "p", "fileMode": 420}]'
  in_container 'stat -c "%n %F %a %u:%g %t:%T" /dev/fuse /dev/loop-test /opt/fifo'
  [ "$status" -eq 0 ]
  [[ "$output" == *"/dev/fuse character special file 600 1000:1001 a:e5"* ]]
  [[ "$output" == *"/dev/loop-test block special file 660 0:0 7:c8"* ]]
  [[ "$output" == *"/opt/fifo fifo 644 0:0"* ]]
}

@test "linux.devices: a fileMode with the file type bits (podman's st_mode) uses the permissions" {
  # 8612 = 020644, S_IFCHR | 0644, as podman --device /dev/fuse writes it
  update_config '.linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 8612}]'
  in_container 'stat -c "%n %F %a %t:%T" /dev/fuse'
  [ "$status" -eq 0 ]
  [ "$output" = "/dev/fuse character special file 644 a:e5" ]
}

@test "linux.devices: an existing file that is not the device is an error" {
  echo data >"$BUNDLE/rootfs/etc/notadev"
  update_config '.linux.devices = [{"path": "/etc/notadev", "type": "c", "major": 1, "minor": 3}]'
  in_container 'true'
  [ "$status" -ne 0 ]
  [[ "$output" == *"/etc/notadev"*"not the requested device"* ]]
}

@test "bind mount of a host directory with ro, nosuid, nodev, noexec" {
  echo content >"$HOSTDIR/file"
  update_config ".mounts += [{\"destination\": \"/data/in/here\", \"type\": \"bind\", \"source\": \"$HOSTDIR\",
    \"options\": [\"rbind\", \"ro\", \"nosuid\", \"nodev\", \"noexec\"]}]"
  in_container 'cat /proc/self/mountinfo; cat /data/in/here/file; touch /data/in/here/new 2>&1; true'
  [ "$status" -eq 0 ]
  opts=$(mount_opts /data/in/here)
  has_opt "$opts" ro
  has_opt "$opts" nosuid
  has_opt "$opts" nodev
  has_opt "$opts" noexec
  [[ "$output" == *content* ]]
  [[ "$output" == *"Read-only file system"* ]]
  [ ! -e "$HOSTDIR/new" ]
}

@test "bind mount of a host file creates a file target; a bundle-relative source" {
  echo from-bundle >"$BUNDLE/relfile"
  update_config '.mounts += [{"destination": "/etc/newdir/relfile", "type": "none", "source": "relfile", "options": ["bind"]}]'
  in_container 'stat -c %F /etc/newdir/relfile; cat /etc/newdir/relfile'
  [ "$status" -eq 0 ]
  [[ "$output" == *"regular file"* ]]
  [[ "$output" == *from-bundle* ]]
}

@test "rro makes submounts read-only too (mount_setattr AT_RECURSIVE); ro alone does not" {
  mkdir -p "$HOSTDIR/sub"
  mount -t tmpfs tmpfs "$HOSTDIR/sub"
  HOST_SUBMOUNT="$HOSTDIR/sub"
  update_config ".mounts += [
    {\"destination\": \"/r\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [\"rbind\", \"rro\"]},
    {\"destination\": \"/p\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [\"rbind\", \"ro\"]}]"
  in_container 'cat /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  has_opt "$(mount_opts /r)" ro
  has_opt "$(mount_opts /r/sub)" ro
  has_opt "$(mount_opts /p)" ro
  has_opt "$(mount_opts /p/sub)" rw
}

@test "bind propagation option and rootfsPropagation" {
  update_config ".linux.rootfsPropagation = \"shared\" | .mounts += [
    {\"destination\": \"/s\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [\"rbind\", \"unbindable\"]}]"
  in_container 'cat /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  mount_line / | grep -q 'shared:'
  mount_line /s | grep -q 'unbindable'

  update_config '.linux.rootfsPropagation = "unbindable"'
  in_container 'cat /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  mount_line / | grep -q 'unbindable'
}

@test "rootfsPropagation: runc's recursive forms, as containerd writes them" {
  update_config '.linux.rootfsPropagation = "rshared"'
  in_container 'cat /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  mount_line / | grep -q 'shared:'

  update_config '.linux.rootfsPropagation = "rslave"'
  in_container 'cat /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  ! mount_line / | grep -q 'shared:'
}

# kubelet's Bidirectional volumes (CRI): an rshared bind of a shared host
# directory with rootfsPropagation rshared.  A mount made in the container
# under the volume must appear on the host, and one made on the host must
# appear in the container.  Run in a mount namespace of the test's own
# (unshare -m), where the volume is made shared, so the host is untouched.
# It failed before: / was made rslave first (so the volume's copy was a
# slave of the host's peer group, one-way), and after pivot_root "." named
# the new root, so rslave-ing "the old root" made every mount a slave.
@test "rshared bind + rootfsPropagation rshared: mounts travel both ways (Bidirectional)" {
  command -v unshare >/dev/null || skip "needs unshare (util-linux)"
  vol="$BATS_TEST_TMPDIR/vol"
  mkdir -p "$vol" "$BUNDLE/rootfs/vol"
  id=$(test_id)
  update_config '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
  update_config ".linux.rootfsPropagation = \"rshared\" | .root.readonly = false | .mounts += [
      {\"destination\": \"/vol\", \"type\": \"bind\", \"source\": \"$vol\", \"options\": [\"rbind\", \"rshared\"]}]
    | .process.args = [\"sh\", \"-c\", \"mkdir -p /vol/inner && mount -t tmpfs tmpfs /vol/inner && touch /vol/inner/from-container /tmp/ready && exec sleep 100\"]"
  cat >"$BATS_TEST_TMPDIR/bidi.sh" <<EOF
set -e
RT=\$1
mount --bind '$vol' '$vol'
mount --make-shared '$vol'
\$RT --root '$ROOT' run -d '$id' >/dev/null
for i in \$(seq 100); do [ -e '$BUNDLE/rootfs/tmp/ready' ] && break; sleep 0.05; done
echo "host: \$(ls '$vol/inner')"
mkdir -p '$vol/hostside'
mount -t tmpfs tmpfs '$vol/hostside'
touch '$vol/hostside/from-host'
echo "container: \$(\$RT --root '$ROOT' exec '$id' ls /vol/hostside)"
\$RT --root '$ROOT' delete --force '$id'
EOF
  run timeout -s KILL 60 unshare -m --propagation private sh "$BATS_TEST_TMPDIR/bidi.sh" "$RUNC_LITE"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"host: from-container"* ]]
  [[ "$output" == *"container: from-host"* ]]
  # runc, on the same bundle
  if command -v runc >/dev/null; then
    rm -f "$BUNDLE/rootfs/tmp/ready"
    run timeout -s KILL 60 unshare -m --propagation private sh "$BATS_TEST_TMPDIR/bidi.sh" runc
    echo "runc: $output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"host: from-container"* ]]
    [[ "$output" == *"container: from-host"* ]]
  fi
  # nothing reached the real host's mount table
  ! grep -q " $vol" /proc/self/mountinfo
}

@test "tmpfs with size= and mode= as data; strictatime, noexec as flags" {
  update_config '.mounts += [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
    "options": ["noexec", "size=1m", "mode=1770", "strictatime"]}]'
  in_container 'cat /proc/self/mountinfo; stat -c %a /scratch'
  [ "$status" -eq 0 ]
  line=$(mount_line /scratch)
  [[ "$line" == *"size=1024k"* ]]
  has_opt "$(mount_opts /scratch)" noexec
  [ "${lines[-1]}" = 1770 ]
}

# tmpcopyup (crun's extension; podman adds it to --tmpfs and --read-only's
# tmpfs mounts): the tmpfs starts with the directory's content, owners,
# modes and times kept, symlinks as links.
@test "tmpcopyup: a tmpfs starts with the directory's content, owners, modes and links kept" {
  d="$BUNDLE/rootfs/data"
  mkdir -p "$d/sub/deeper"
  echo hello >"$d/file"
  head -c 300000 /dev/urandom >"$d/sub/big"
  echo deep >"$d/sub/deeper/f"
  ln -s ../file "$d/sub/link"
  ln -s /nowhere "$d/dangling"
  mkfifo "$d/fifo"
  chown 1234:5678 "$d/file"
  chmod 4755 "$d/file"
  chown 7:8 "$d/sub"
  chmod 1755 "$d/sub"
  chown -h 9:10 "$d/sub/link"
  chown 11:12 "$d"
  chmod 1777 "$d"
  touch -d '2001-02-03 04:05:06' "$d/file" "$d/sub/deeper"
  want=$(cd "$d" && find . | sort | while read -r f; do stat -c '%n %F %u:%g %a %Y' "$f"; done)
  sum=$(md5sum <"$d/sub/big")
  update_config '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs",
    "options": ["nosuid", "nodev", "tmpcopyup"]}]'
  in_container 'cd /data && find . | sort | while read -r f; do stat -c "%n %F %u:%g %a %Y" "$f"; done;
    md5sum </data/sub/big; readlink /data/sub/link; cat /data/sub/link /data/sub/deeper/f;
    echo new >/data/new; grep " /data " /proc/self/mountinfo'
  printf 'got:\n%s\nwant:\n%s\n' "$output" "$want"
  [ "$status" -eq 0 ]
  [ "$(printf '%s\n' "$output" | grep -E '^\.( |/)')" = "$want" ]
  [[ "$output" == *"$sum"* ]]
  [[ "$output" == *$'../file\nhello\ndeep'* ]]
  [[ "$(mount_line /data)" == *" - tmpfs "* ]]
  # the copy is the tmpfs's: the rootfs is untouched
  [ ! -e "$d/new" ]
  # and `features` lists it, as runc's does
  rl features | jq -e '.mountOptions | index("tmpcopyup") != null'
}

@test "tmpcopyup: a read-only tmpfs gets the content first; other mount types are refused" {
  mkdir -p "$BUNDLE/rootfs/data"
  echo kept >"$BUNDLE/rootfs/data/f"
  update_config '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["ro", "tmpcopyup"]}]'
  in_container 'cat /data/f; touch /data/g 2>/dev/null && echo WRITABLE; grep " /data " /proc/self/mountinfo'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = kept ]
  [[ "$output" != *WRITABLE* ]]
  update_config '.mounts[-1] = {"destination": "/x", "type": "bind", "source": "/tmp", "options": ["bind", "tmpcopyup"]}'
  in_container 'true'
  [ "$status" -ne 0 ]
  [[ "$output" == *"mounts["*"(/x): tmpcopyup applies to tmpfs mounts only" ]]
}

@test "maskedPaths: files read empty, directories are empty and read-only, missing ones skipped" {
  echo secret >"$BUNDLE/rootfs/etc/secret"
  mkdir -p "$BUNDLE/rootfs/etc/secretdir"
  echo secret >"$BUNDLE/rootfs/etc/secretdir/inside"
  update_config '.linux.maskedPaths += ["/etc/secret", "/etc/secretdir", "/does/not/exist"]'
  in_container 'echo "[$(cat /etc/secret)]"; ls -A /etc/secretdir | wc -l; touch /etc/secretdir/x 2>&1; cat /proc/kcore 2>&1 | head -c 1 | wc -c; true'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "[]" ]
  [ "${lines[1]}" = 0 ]
  [[ "${lines[2]}" == *"Read-only file system"* ]]
}

@test "readonlyPaths: writes fail with EROFS, missing ones skipped" {
  update_config '.root.readonly = false | .linux.readonlyPaths += ["/etc", "/does/not/exist"]'
  in_container 'touch /etc/x 2>&1; echo 1 > /proc/sys/kernel/hostname 2>&1; touch /tmp/ok && echo writable'
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *"Read-only file system"* ]]
  [[ "${lines[1]}" == *"Read-only file system"* ]]
  [ "${lines[2]}" = writable ]
}

@test "root.readonly: / is read-only, the mounts on it are not" {
  update_config '.root.readonly = true'
  in_container 'cat /proc/self/mountinfo; touch /x 2>&1; touch /dev/shm/x && echo shm-ok'
  [ "$status" -eq 0 ]
  has_opt "$(mount_opts /)" ro
  [[ "$output" == *"Read-only file system"* ]]
  [[ "$output" == *shm-ok* ]]
}

@test "sysctl: kernel.shmmax in the container's ipc namespace" {
  host=$(cat /proc/sys/kernel/shmmax)
  update_config '.linux.sysctl = {"kernel.shmmax": "123456789", "fs.mqueue.msg_max": "20"}'
  in_container 'cat /proc/sys/kernel/shmmax /proc/sys/fs/mqueue/msg_max'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 123456789 ]
  [ "${lines[1]}" = 20 ]
  [ "$(cat /proc/sys/kernel/shmmax)" = "$host" ]
}

@test "sysctl: a key that is not namespaced is refused, naming it" {
  host=$(cat /proc/sys/kernel/pid_max)
  update_config '.linux.sysctl = {"kernel.pid_max": "4096"}'
  in_container 'true'
  [ "$status" -ne 0 ]
  [[ "$output" == *'sysctl "kernel.pid_max" is not in a separate kernel namespace'* ]]
  [ "$(cat /proc/sys/kernel/pid_max)" = "$host" ]
}

@test "sysctl: an ipc key without an ipc namespace is refused" {
  update_config '.linux.namespaces |= map(select(.type != "ipc")) | .linux.sysctl = {"kernel.shmmax": "1"}'
  in_container 'true'
  [ "$status" -ne 0 ]
  [[ "$output" == *'sysctl "kernel.shmmax" is not allowed in the host'*'ipc namespace'* ]]
}

# ---- security ----

# CVE-2021-30465 style: the rootfs makes a mount's parent a symlink to "/".
# Verified: with RESOLVE_IN_ROOT dropped from rl_path_open (path.c), the
# directory is created on the host's "/" and this test fails.
@test "security: a destination under a symlink to / stays inside the rootfs" {
  name="rl-mounts-test-$$-$BATS_TEST_NUMBER"
  ln -s / "$BUNDLE/rootfs/link"
  update_config ".mounts += [{\"destination\": \"/link/$name\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"}]"
  in_container "cat /proc/self/mountinfo"
  rc=$status
  out=$output
  if [ -e "/$name" ]; then
    rmdir "/$name"
    echo "created /$name on the host" >&2
    false
  fi
  [ "$rc" -eq 0 ]
  [[ "$out" == *" /$name "*tmpfs* ]]
  [ -d "$BUNDLE/rootfs/$name" ]
}

# The same through a relative symlink that climbs out with "..".
# Verified: without RESOLVE_IN_ROOT the tmpfs lands in (and the directory
# is created under) $HOSTDIR and this test fails.
@test "security: a destination under ../../.. symlink stays inside the rootfs" {
  ln -s "../../../../../../../../../../..$HOSTDIR" "$BUNDLE/rootfs/esc"
  update_config '.mounts += [{"destination": "/esc/created", "type": "tmpfs", "source": "tmpfs"}]'
  in_container 'cat /proc/self/mountinfo'
  [ ! -e "$HOSTDIR/created" ]
  [ "$status" -eq 0 ]
  [ -d "$BUNDLE/rootfs$HOSTDIR/created" ]
}

# A dangling symlink as the last component: its target is created inside
# the rootfs, for a relative target climbing out with ".." as for an
# absolute one.  Verified: with RESOLVE_IN_ROOT dropped from rl_path_open
# (path.c; paths joined to the rootfs fd instead), $HOSTDIR/rel-target is
# created on the host and this test fails.
@test "security: a dangling symlink destination is created inside the rootfs" {
  ln -s "../../../../../../../../../..$HOSTDIR/rel-target" "$BUNDLE/rootfs/dangling-rel"
  ln -s "$HOSTDIR/abs-target" "$BUNDLE/rootfs/dangling-abs"
  update_config '.mounts += [{"destination": "/dangling-rel", "type": "tmpfs", "source": "tmpfs"},
    {"destination": "/dangling-abs", "type": "tmpfs", "source": "tmpfs"}]'
  in_container 'true'
  [ ! -e "$HOSTDIR/rel-target" ]
  [ ! -e "$HOSTDIR/abs-target" ]
  [ "$status" -eq 0 ]
  [ -d "$BUNDLE/rootfs$HOSTDIR/rel-target" ]
  [ -d "$BUNDLE/rootfs$HOSTDIR/abs-target" ]
}

# The image's own /proc is a symlink: procfs must not be mounted where the
# image points (CVE-2019-19921 family).  Verified: with the
# RESOLVE_NO_SYMLINKS check removed from open_plain_dir (mounts.c), the
# container runs with proc mounted on /etc and this test fails.
@test "security: rootfs/proc as a symlink is refused" {
  rmdir "$BUNDLE/rootfs/proc"
  ln -s /etc "$BUNDLE/rootfs/proc"
  in_container 'true'
  [ "$status" -ne 0 ]
  [[ "$output" == *'"/proc" is or passes through a symlink in the rootfs'* ]]
}

# The image's /dev is a symlink out of the rootfs and no mount covers /dev:
# the devices and /dev symlinks are made in the rootfs directly, and must
# go inside it, never into the host directory.  Verified: with
# RESOLVE_IN_ROOT dropped from rl_path_open, the device nodes are created
# in $HOSTDIR and this test fails.
@test "security: rootfs/dev as a symlink to a host directory creates nothing there" {
  rmdir "$BUNDLE/rootfs/dev"
  ln -s "../../../../../../../../../..$HOSTDIR" "$BUNDLE/rootfs/dev"
  update_config '.mounts |= map(select(.destination | startswith("/dev") | not))'
  in_container 'ls /dev'
  [ -z "$(ls -A "$HOSTDIR")" ]
  [ "$status" -eq 0 ]
  [[ "$output" == *urandom* ]]
}

# CVE-2025-31133: masking binds /dev/null; a /dev/null that is a regular
# file (or a symlink) in a bind-mounted /dev would expose instead of mask.
# Verified: with the char 1:3 check
# (and O_NOFOLLOW) removed from open_dev_null (mounts.c), the
# container starts with the regular file bound over the masked paths and
# this test fails.
@test "security: masking refuses a /dev/null that is not the null device" {
  mkdir -p "$HOSTDIR/dev"
  echo not-null >"$HOSTDIR/dev/null"
  update_config ".mounts |= map(select(.destination | startswith(\"/dev\") | not))
    | .mounts += [{\"destination\": \"/dev\", \"type\": \"bind\", \"source\": \"$HOSTDIR/dev\", \"options\": [\"rbind\"]}]"
  in_container 'true'
  [ "$status" -ne 0 ]
  [[ "$output" == *"/dev/null in the container is not the null device"* ]]

  rm "$HOSTDIR/dev/null"
  ln -s /etc/passwd "$HOSTDIR/dev/null"
  in_container 'true'
  [ "$status" -ne 0 ]
  [[ "$output" == *"/dev/null in the container is a symlink"* ]]
}

# ---- in a user namespace ----

@test "user namespace: devices are bound from the host, a ro bind keeps the host's locked flags" {
  echo content >"$HOSTDIR/file"
  # the mapped root must be able to reach the bundle (bats makes 0700 dirs)
  allow_traversal "$BUNDLE"
  chmod o+rx "$HOSTDIR"
  # the rootfs belongs to the host's root, unwritable for the mapped root
  mkdir "$BUNDLE/rootfs/data"
  touch "$BUNDLE/rootfs/etc/hosts-copy"
  update_config ".root.readonly = true
    | .linux.namespaces += [{\"type\": \"user\"}]
    | .linux.uidMappings = [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]
    | .linux.gidMappings = [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]
    | .mounts += [{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [\"rbind\", \"ro\"]},
                  {\"destination\": \"/etc/hosts-copy\", \"type\": \"bind\", \"source\": \"/etc/hosts\", \"options\": [\"bind\", \"ro\", \"nosuid\"]}]"
  in_container 'cat /proc/self/mountinfo; stat -c "%n %F %t:%T" /dev/null /dev/tty; echo x > /dev/null && echo null-ok; cat /data/file'
  [ "$status" -eq 0 ]
  mount_line /dev/null | grep -q ' - devtmpfs '
  [[ "$output" == *"/dev/null character special file 1:3"* ]]
  [[ "$output" == *null-ok* ]]
  [[ "$output" == *content* ]]
  has_opt "$(mount_opts /data)" ro
  has_opt "$(mount_opts /etc/hosts-copy)" nosuid
  has_opt "$(mount_opts /)" ro
}
