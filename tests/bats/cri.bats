#!/usr/bin/env bats
# Kubernetes through containerd's CRI plugin: a private containerd 1.6 with
# the CRI plugin on (cgroupfs, restrict_oom_score_adj, a CNI plugin of the
# test's own giving pods 127.0.0.1 on eth0), driven over its gRPC socket the
# way the kubelet drives it, by tests/cri/cri-client.py (stubs generated at
# test time from the trimmed CRI API in tests/cri/api.proto).
#
# Three runtime handlers: runc-lite as the default runtime (handler ""),
# runc-lite under the RuntimeClass handler "runc-lite", and runc under the
# handler "runc".  Every case runs the same code for runc-lite and for runc;
# each runtime is reached through a wrapper that logs its argv, and each
# case ends by checking that nothing (pods, containers, runtime state,
# mounts, cgroups, processes) is left behind.

load helpers

CRI_IMAGE=docker.io/library/rl-cri-busybox:1
CRI_PAUSE=docker.io/library/rl-cri-pause:1

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "needs root to run containerd"
  [ -d /sys/fs/cgroup/memory ] && [ -d /sys/fs/cgroup/cpu ] ||
    skip "needs the cgroup v1 memory and cpu controllers (cgroupfs driver)"
  # shellcheck source=../../scripts/deps.sh
  . "$TESTS_DIR/../scripts/deps.sh"
  rl_install_missing containerd runc containernetworking-plugins python3-grpcio python3-grpc-tools ||
    skip "containerd, runc, CNI plugins or python3 grpc could not be installed"
  [ -x "$HELPERS/cri-pause" ] || { echo "$HELPERS/cri-pause is not built (make check builds it)" >&2; return 1; }

  export CRI_STUBS=$BATS_FILE_TMPDIR/stubs
  /usr/bin/python3 "$TESTS_DIR/cri/cri-client.py" --stubs "$CRI_STUBS" gen "$TESTS_DIR/cri/api.proto" || return 1

  # unix socket paths are limited to 108 bytes: a short directory under /run
  local dir=/run/rl-cri-$$
  # the pods' cgroup parents are /CG_ROOT/pod-N; containerd_stop removes
  # /sys/fs/cgroup/*/$CTD_NS at the end
  export CTD_NS=rl-cri-$$ CG_ROOT=rl-cri-$$
  mkdir -p "$dir.cni/bin" "$dir.cni/net.d"
  export CNI_DIR=$dir.cni
  ln -sf /usr/lib/cni/loopback "$CNI_DIR/bin/loopback"
  cp "$TESTS_DIR/cri/cni-eth0" "$CNI_DIR/bin/rl-cni-eth0"
  printf '{"cniVersion":"0.4.0","name":"rl-cri","plugins":[{"type":"rl-cni-eth0"}]}\n' >"$CNI_DIR/net.d/10-rl-cri.conflist"

  local toml
  toml=$(cri_config "$dir")
  containerd_start "$dir" "$toml" || return 1
  export LOGS=$CTD_DIR/logs RL_LOG=$CTD_DIR/runc-lite-argv.log RUNC_LOG=$CTD_DIR/runc-argv.log
  mkdir -p "$LOGS"
  make_argv_wrapper "$CTD_DIR/runc-lite" "$RL_LOG"
  printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>%q\nexec runc "$@"\n' "$RUNC_LOG" >"$CTD_DIR/runc"
  chmod 755 "$CTD_DIR/runc"

  cri_images || return 1
  # the CRI plugin serves once its own set-up is done
  for _ in $(seq 100); do
    cri version >/dev/null 2>&1 && break
    sleep 0.1
  done
  cri version >&2 || { cat "$CTD_DIR/containerd.log" >&2; return 1; }
}

teardown_file() {
  [ -n "${CTD_DIR:-}" ] || return 0
  cri_remove_all_pods
  # what a failed case could not stop: the runtimes' containers, then
  # the shims of this containerd (by PID)
  local pid
  delete_all "$RUNC_LITE" "$CTD_DIR/rl/k8s.io"
  delete_all runc "$CTD_DIR/runc-root/k8s.io"
  for pid in $(pgrep -f -- "containerd-shim-runc-v2 .*-address $CTD_SOCK"); do
    kill "$pid" 2>/dev/null || true
  done
  find /sys/fs/cgroup/*/"$CG_ROOT" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
  containerd_stop
  rm -rf "$CNI_DIR"
}

# delete_all RUNTIME ROOT: delete --force of every container under ROOT.
delete_all() {
  local id
  for id in $("$1" --root "$2" list -q 2>/dev/null); do
    "$1" --root "$2" delete --force "$id" >/dev/null 2>&1 || true
  done
}

teardown() {
  [ -n "${CTD_DIR:-}" ] || return 0
  cri_remove_all_pods
  # a failed propagation case may leave its host mounts
  local m
  for m in $(awk -v d="$BATS_TEST_TMPDIR" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
}

# cri_config DIR: the CRI plugin's section of containerd's config.
cri_config() {
  local d=$1 cri='plugins."io.containerd.grpc.v1.cri"' snap=overlayfs
  grep -qw overlay /proc/filesystems || snap=native
  cat <<EOF
[$cri]
  sandbox_image = "$CRI_PAUSE"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  netns_mounts_under_state_dir = true
  [$cri.containerd]
    snapshotter = "$snap"
    default_runtime_name = "runc-lite"
    [$cri.containerd.runtimes.runc-lite]
      runtime_type = "io.containerd.runc.v2"
      [$cri.containerd.runtimes.runc-lite.options]
        BinaryName = "$d/runc-lite"
        Root = "$d/rl"
        SystemdCgroup = false
    [$cri.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [$cri.containerd.runtimes.runc.options]
        BinaryName = "$d/runc"
        Root = "$d/runc-root"
        SystemdCgroup = false
  [$cri.cni]
    bin_dir = "$d.cni/bin"
    conf_dir = "$d.cni/net.d"
  [$cri.registry]
    config_path = "$d/certs.d"
EOF
}

# cri_images: the pause image (the static cri-pause alone) and a busybox
# image, made with builder import, saved as one oci-archive and imported
# into containerd's k8s.io namespace.
cri_images() {
  local store=$CTD_DIR/builder-store pause=$CTD_DIR/pause-rootfs
  mkdir -p "$pause"
  cp "$HELPERS/cri-pause" "$pause/pause"
  "$BUILDER" --store "$store" import --config <(printf '{"Entrypoint":["/pause"]}') \
    "$pause" "${CRI_PAUSE#docker.io/library/}" >&2 || return 1
  "$BUILDER" --store "$store" import \
    --config <(printf '{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]}') \
    "$(busybox_rootfs_cache)" "${CRI_IMAGE#docker.io/library/}" >&2 || return 1
  "$BUILDER" --store "$store" save "${CRI_PAUSE#docker.io/library/}" "${CRI_IMAGE#docker.io/library/}" \
    "oci-archive:$CTD_DIR/images.tar" >&2 || return 1
  ctr -a "$CTD_SOCK" -n k8s.io images import --snapshotter "$CTD_SNAPSHOTTER" "$CTD_DIR/images.tar" >&2
}

# cri ARGS: the CRI client on the private containerd; every gRPC call has a
# deadline of CRI_TIMEOUT seconds (30), the whole run twice that.
cri() {
  local t=${CRI_TIMEOUT:-30}
  timeout $((2 * t)) /usr/bin/python3 "$TESTS_DIR/cri/cri-client.py" --stubs "$CRI_STUBS" \
    --socket "$CTD_SOCK" --timeout "$t" "$@"
}

# cri_remove_all_pods: StopPodSandbox and RemovePodSandbox of every pod
# (teardown: 10 s deadlines, a hung runtime already failed the case).
cri_remove_all_pods() {
  local p
  for p in $(CRI_TIMEOUT=10 cri pods 2>/dev/null | jq -r '.items[].id'); do
    CRI_TIMEOUT=10 cri stopp "$p" || true
    CRI_TIMEOUT=10 cri rmp "$p" || true
  done
}

# use_handler default|runc-lite|runc: the RuntimeClass handler the case's
# pods ask for (default: "", containerd's default runtime, runc-lite), and
# which runtime binary, state root and argv log belong to it.
use_handler() {
  case $1 in
    default) HANDLER='' RT=runc-lite RT_BIN=$RUNC_LITE RT_ROOT=$CTD_DIR/rl/k8s.io ARGV_LOG=$RL_LOG ;;
    runc-lite) HANDLER=runc-lite RT=runc-lite RT_BIN=$RUNC_LITE RT_ROOT=$CTD_DIR/rl/k8s.io ARGV_LOG=$RL_LOG ;;
    runc) HANDLER=runc RT=runc RT_BIN=runc RT_ROOT=$CTD_DIR/runc-root/k8s.io ARGV_LOG=$RUNC_LOG ;;
    *) return 1 ;;
  esac
  : >"$ARGV_LOG"
}

# pod_config NAME [JQ]: writes the PodSandboxConfig of pod NAME, the way
# the kubelet fills it (metadata, hostname, log directory, a cgroup parent,
# the kubelet's namespace options), edited by JQ; prints its path.
pod_config() {
  local f=$BATS_TEST_TMPDIR/pod-$1.json
  jq -n --arg name "$1" --arg uid "uid-$BATS_TEST_NUMBER-$1" --arg logs "$LOGS/$BATS_TEST_NUMBER-$1" \
    --arg cg "/$CG_ROOT/pod-$BATS_TEST_NUMBER-$1" '
    {metadata: {name: $name, uid: $uid, namespace: "rl-cri", attempt: 0},
     hostname: $name, log_directory: $logs,
     linux: {cgroup_parent: $cg,
             security_context: {namespace_options: {network: "POD", pid: "CONTAINER", ipc: "POD"}}}}
    | '"${2:-.}" >"$f" || return 1
  mkdir -p "$LOGS/$BATS_TEST_NUMBER-$1"
  echo "$f"
}

# run_pod NAME [JQ]: RunPodSandbox with the handler; sets POD (the id) and
# POD_JSON.
run_pod() {
  POD_JSON=$(pod_config "$@") || return 1
  local args=(runp "$POD_JSON")
  [ -z "$HANDLER" ] || args+=(--handler "$HANDLER")
  POD=$(cri "${args[@]}") || return 1
  [ -n "$POD" ]
}

# new_container NAME JQ CMD...: CreateContainer in $POD (the busybox image,
# CMD as the command, log path NAME.log, JQ editing the ContainerConfig),
# then StartContainer unless NAME starts with "created-"; sets CID.
new_container() {
  local name=$1 filter=$2 f=$BATS_TEST_TMPDIR/ctr-$1.json
  shift 2
  printf '%s\n' "$@" | jq -R . | jq -s --arg name "$name" --arg image "$CRI_IMAGE" '
    {metadata: {name: $name, attempt: 0}, image: {image: $image}, command: .,
     log_path: ($name + ".log"),
     linux: {security_context: {namespace_options: {network: "POD", pid: "CONTAINER", ipc: "POD"}}}}
    | '"$filter" >"$f" || return 1
  CID=$(cri create "$POD" "$f" "$POD_JSON") || return 1
  [ -n "$CID" ] || return 1
  [[ $name == created-* ]] || cri start "$CID"
}

# gone PID: no process PID any more.
gone() {
  ! kill -0 "$1" 2>/dev/null
}

# ctr_state ID / ctr_pid ID / pod_state ID: fields of ContainerStatus and
# PodSandboxStatus.
ctr_state() {
  cri inspect "$1" | jq -r .status.state
}

ctr_pid() {
  cri inspect "$1" | jq -r '.info.info | fromjson | .pid'
}

pause_pid() {
  cri inspectp "$1" | jq -r '.info.info | fromjson | .pid'
}

# wait_ctr_state ID STATE: up to 10 s.
wait_ctr_state() {
  local s
  for _ in $(seq 100); do
    s=$(ctr_state "$1")
    [ "$s" = "$2" ] && return 0
    sleep 0.1
  done
  echo "container $1 is $s, not $2" >&2
  return 1
}

# served COMMAND ID: the handler's runtime was called with COMMAND on ID
# by the shim (its --root under our private Root).
served() {
  grep -E -- "^--root $RT_ROOT --log [^ ]*/$2/log.json --log-format json $1( .*)? $2( .*)?$" "$ARGV_LOG" >/dev/null ||
    { echo "no $RT $1 call for $2 in $ARGV_LOG:" >&2; cat "$ARGV_LOG" >&2; return 1; }
}

# cgroup_of PID CONTROLLER: the v1 cgroup path of PID in CONTROLLER.
cgroup_of() {
  awk -F: -v c="$2" '{ n = split($2, cs, ","); for (i = 1; i <= n; i++) if (cs[i] == c) print $3 }' /proc/"$1"/cgroup
}

# stop_and_remove_pod: StopPodSandbox and RemovePodSandbox of $POD, as the
# kubelet ends a pod, then nothing_left.
stop_and_remove_pod() {
  cri stopp "$POD" || return 1
  [ "$(cri inspectp "$POD" | jq -r .status.state)" = SANDBOX_NOTREADY ] || return 1
  cri rmp "$POD" || return 1
  run cri inspectp "$POD"
  [ "$status" -eq 125 ] && [[ $output == *NOT_FOUND* ]] ||
    { echo "PodSandboxStatus of a removed pod: $output" >&2; return 1; }
  nothing_left
}

# nothing_left: no pod, container, runtime state, mount, cgroup or process
# of the test is left: the CRI lists are empty, the runtime lists nothing
# under its root, no mount under containerd's state and root but the
# snapshots' own, no cgroup below the test's pod cgroups, no shim or
# container process.
nothing_left() {
  local pods ctrs left m
  pods=$(cri pods | jq -r '.items | length')
  ctrs=$(cri ps | jq -r '.containers | length')
  [ "$pods" = 0 ] && [ "$ctrs" = 0 ] ||
    { echo "left: $pods pods, $ctrs containers" >&2; return 1; }
  left=$("$RT_BIN" --root "$RT_ROOT" list -q 2>/dev/null)
  [ -z "$left" ] || { echo "$RT still lists: $left" >&2; return 1; }
  left=$(awk -v d="$CTD_DIR/state" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo)
  [ -z "$left" ] || { echo "mounts left: $left" >&2; return 1; }
  left=$(awk -v d="$CTD_DIR/root/io.containerd.runtime" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo)
  [ -z "$left" ] || { echo "rootfs mounts left: $left" >&2; return 1; }
  left=$(find /sys/fs/cgroup/*/"$CG_ROOT" -mindepth 2 -type d 2>/dev/null)
  [ -z "$left" ] || { echo "cgroups left: $left" >&2; return 1; }
  # the shims exit once their last container is deleted
  for _ in $(seq 50); do
    left=$(pgrep -f -- "containerd-shim-runc-v2 .*-address $CTD_SOCK" || true)
    [ -z "$left" ] && break
    sleep 0.1
  done
  [ -z "$left" ] || { echo "shims left: $(ps -o pid,args -p "${left//$'\n'/,}")" >&2; return 1; }
  # every pod cgroup is empty: remove them, as the kubelet does
  for m in /sys/fs/cgroup/*/"$CG_ROOT"/pod-*; do
    [ -d "$m" ] || continue
    [ -z "$(cat "$m/cgroup.procs")" ] || { echo "processes left in $m" >&2; return 1; }
    rmdir "$m"
  done
}

# ---- the cases, each run with every handler ----

case_pod_lifecycle() {
  run cri img "$CRI_IMAGE"
  [ "$status" -eq 0 ]
  [ "$(jq -r '.image.repo_tags[0]' <<<"$output")" = "$CRI_IMAGE" ]

  run_pod p
  run cri inspectp "$POD"
  [ "$status" -eq 0 ]
  [ "$(jq -r .status.state <<<"$output")" = SANDBOX_READY ]
  [ "$(jq -r .status.network.ip <<<"$output")" = 127.0.0.1 ]
  [ "$(jq -r .status.runtime_handler <<<"$output")" = "$HANDLER" ]
  [ "$(jq -r .status.metadata.name <<<"$output")" = p ]
  served create "$POD"
  served start "$POD"
  # the pause process runs as PID 1 of the pod, in the pod's cgroup parent
  pid=$(pause_pid "$POD")
  [ "$(tr '\0' ' ' </proc/"$pid"/cmdline)" = "/pause " ]
  [ "$(awk '/^NSpid:/ { print $NF }' /proc/"$pid"/status)" = 1 ]
  [[ $(cgroup_of "$pid" memory) == "/$CG_ROOT/pod-$BATS_TEST_NUMBER-p/$POD" ]]
  # its hostname and a loopback that is up (CNI's loopback plugin)
  [ "$(nsenter -t "$pid" -u hostname)" = p ]
  [ "$(jq -r '.items | length' < <(cri pods))" = 1 ]

  cri stopp "$POD"
  [ "$(cri inspectp "$POD" | jq -r .status.state)" = SANDBOX_NOTREADY ]
  gone "$pid"
  served kill "$POD"
  served delete "$POD"
  # StopPodSandbox is idempotent
  cri stopp "$POD"
  cri rmp "$POD"
  run cri inspectp "$POD"
  [ "$status" -eq 125 ]
  [[ $output == *NOT_FOUND* ]]
  nothing_left
}

case_container_lifecycle() {
  run_pod p
  # created, not started: CREATED, no process yet
  new_container created-c '.' sh -c 'echo never'
  [ "$(ctr_state "$CID")" = CONTAINER_CREATED ]
  cri rm "$CID"
  run cri inspect "$CID"
  [ "$status" -eq 125 ]

  # a long-running container that reports SIGTERM and exits 42 on it
  new_container c '.envs = [{key: "GREETING", value: "hello"}]' \
    sh -c 'trap "echo got TERM; exit 42" TERM; echo "$GREETING from $(hostname)"; echo to stderr >&2; while :; do sleep 0.1; done'
  wait_ctr_state "$CID" CONTAINER_RUNNING
  served create "$CID"
  served start "$CID"
  pid=$(ctr_pid "$CID")
  [[ $(tr '\0' ' ' </proc/"$pid"/cmdline) == "sh -c trap "* ]]

  # ExecSync: output, stderr and exit status of the command
  run cri exec-sync "$CID" sh -c 'echo out; echo err >&2; exit 7'
  [ "$status" -eq 7 ]
  [ "${lines[0]}" = out ]
  [[ $output == *err* ]]
  served exec "$CID"
  run cri exec-sync "$CID" sh -c 'tr "\0" " " </proc/1/cmdline'
  [ "$status" -eq 0 ]
  [[ $output == "sh -c trap "* ]]
  # an exec of a missing program fails, the container keeps running
  run cri exec-sync "$CID" /no/such/program
  [ "$status" -ne 0 ]
  [ "$(ctr_state "$CID")" = CONTAINER_RUNNING ]
  # ExecSync's timeout ends a command that runs too long
  run cri exec-sync --cmd-timeout 1 "$CID" sleep 30
  [ "$status" -ne 0 ]
  [[ $output == *"timeout"* || $output == *"deadline"* ]]

  # Exec: the URL of the streaming server, then the stream as kubectl reads it
  run cri exec "$CID" --url-only echo x
  [ "$status" -eq 0 ]
  [[ $output == http://127.0.0.1:*/exec/* ]]
  run cri exec "$CID" sh -c 'echo streamed; echo to-err >&2; exit 5'
  [ "$status" -eq 5 ]
  [[ $output == *streamed* ]]
  [[ $output == *to-err* ]]
  run cri exec "$CID" sh -c 'echo ok'
  [ "$status" -eq 0 ]
  [ "$output" = ok ]

  # StopContainer with a grace period: SIGTERM, the trap's exit code
  cri stop --grace 10 "$CID"
  [ "$(ctr_state "$CID")" = CONTAINER_EXITED ]
  run cri inspect "$CID"
  [ "$(jq -r .status.exit_code <<<"$output")" = 42 ]
  [ "$(jq -r .status.reason <<<"$output")" = Error ]
  [ "$(jq -r .status.finished_at <<<"$output")" != 0 ]
  served kill "$CID"
  gone "$pid"
  # StopContainer of a stopped container returns at once
  cri stop "$CID"
  # the container log in CRI format: TIME STREAM F LINE
  log=$LOGS/$BATS_TEST_NUMBER-p/c.log
  [ "$(jq -r .status.log_path <<<"$output")" = "$log" ]
  grep -E '^[0-9T:.+Z-]+ stdout F hello from p$' "$log"
  grep -E '^[0-9T:.+Z-]+ stderr F to stderr$' "$log"
  grep -E '^[0-9T:.+Z-]+ stdout F got TERM$' "$log"
  cri rm "$CID"
  served delete "$CID"

  # a container that exits by itself: EXITED with its code, reason Error;
  # exit 0 gives Completed
  new_container fails '.' sh -c 'exit 3'
  wait_ctr_state "$CID" CONTAINER_EXITED
  run cri inspect "$CID"
  [ "$(jq -r .status.exit_code <<<"$output")" = 3 ]
  [ "$(jq -r .status.reason <<<"$output")" = Error ]
  cri rm "$CID"
  new_container ok '.' true
  wait_ctr_state "$CID" CONTAINER_EXITED
  run cri inspect "$CID"
  [ "$(jq -r .status.exit_code <<<"$output")" = 0 ]
  [ "$(jq -r .status.reason <<<"$output")" = Completed ]

  # StopContainer with grace 0 kills at once (SIGKILL: 137)
  new_container k '.' sleep 1000
  wait_ctr_state "$CID" CONTAINER_RUNNING
  cri stop "$CID"
  run cri inspect "$CID"
  [ "$(jq -r .status.exit_code <<<"$output")" = 137 ]
  # a running container left in the pod: RemovePodSandbox after
  # StopPodSandbox removes the pod's containers too
  new_container left '.' sleep 1000
  wait_ctr_state "$CID" CONTAINER_RUNNING
  stop_and_remove_pod
}

case_resources() {
  run_pod p
  new_container r '.linux.resources = {memory_limit_in_bytes: 67108864, cpu_quota: 50000, cpu_period: 100000, cpu_shares: 512}' \
    sleep 1000
  wait_ctr_state "$CID" CONTAINER_RUNNING
  pid=$(ctr_pid "$CID")
  cg=$(cgroup_of "$pid" memory)
  [ "$cg" = "/$CG_ROOT/pod-$BATS_TEST_NUMBER-p/$CID" ]
  [ "$(cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes")" = 67108864 ]
  cg=$(cgroup_of "$pid" cpu)
  [ "$cg" = "/$CG_ROOT/pod-$BATS_TEST_NUMBER-p/$CID" ]
  [ "$(cat "/sys/fs/cgroup/cpu$cg/cpu.cfs_quota_us")" = 50000 ]
  [ "$(cat "/sys/fs/cgroup/cpu$cg/cpu.cfs_period_us")" = 100000 ]
  [ "$(cat "/sys/fs/cgroup/cpu$cg/cpu.shares")" = 512 ]
  # the container's processes stay in it, an exec'd one too
  run cri exec-sync "$CID" cat /proc/self/cgroup
  [[ $output == *":memory:$cg"* ]]
  [ "$(cat "/sys/fs/cgroup/memory$cg/cgroup.procs" | head -1)" = "$pid" ]
  # above the limit, the kernel kills the container: OOMKilled
  new_container oom '.linux.resources = {memory_limit_in_bytes: 16777216}' \
    sh -c 'x=$(head -c 67108864 /dev/zero | tr "\0" a); echo survived'
  wait_ctr_state "$CID" CONTAINER_EXITED
  run cri inspect "$CID"
  [ "$(jq -r .status.exit_code <<<"$output")" = 137 ]
  [ "$(jq -r .status.reason <<<"$output")" = OOMKilled ]
  stop_and_remove_pod
}

case_security() {
  run_pod p '.linux.security_context.privileged = true'
  # unprivileged: the default capabilities, not all of them; no mount
  new_container plain '.' sleep 1000
  wait_ctr_state "$CID" CONTAINER_RUNNING
  run cri exec-sync "$CID" sh -c 'grep CapEff /proc/self/status'
  [ "$output" = "CapEff:	00000000a80425fb" ]
  run cri exec-sync "$CID" mount -t tmpfs none /tmp
  [ "$status" -ne 0 ]
  # privileged: every capability, mount works, host devices are there
  new_container priv '.linux.security_context.privileged = true' sleep 1000
  wait_ctr_state "$CID" CONTAINER_RUNNING
  run cri exec-sync "$CID" sh -c 'grep CapEff /proc/self/status'
  [ "$output" = "CapEff:	$(awk '/^CapBnd/ { print $2 }' /proc/self/status)" ]
  run cri exec-sync "$CID" sh -c 'mount -t tmpfs none /tmp && grep " /tmp " /proc/mounts'
  [ "$status" -eq 0 ]
  [[ $output == "none /tmp tmpfs"* ]]
  run cri exec-sync "$CID" sh -c 'test -c /dev/kmsg && echo kmsg'
  [ "$output" = kmsg ]
  # read-only rootfs: / can't be written, /dev/shm and the pod's
  # /etc/hosts mounts can
  new_container ro '.linux.security_context.readonly_rootfs = true' sleep 1000
  wait_ctr_state "$CID" CONTAINER_RUNNING
  run cri exec-sync "$CID" touch /newfile
  [ "$status" -ne 0 ]
  [[ $output == *"Read-only file system"* ]]
  run cri exec-sync "$CID" sh -c 'echo x >/dev/shm/f && cat /dev/shm/f'
  [ "$output" = x ]
  # run as user and group: the process and an exec'd one
  new_container user '.linux.security_context.run_as_user = {value: 1000} | .linux.security_context.run_as_group = {value: 1001}' \
    sh -c 'id -u >/dev/shm/init-id; id -g >>/dev/shm/init-id; sleep 1000'
  wait_ctr_state "$CID" CONTAINER_RUNNING
  pid=$(ctr_pid "$CID")
  [ "$(awk '/^Uid:/ { print $2 } /^Gid:/ { print $2 }' /proc/"$pid"/status | tr '\n' ' ')" = "1000 1001 " ]
  run cri exec-sync "$CID" sh -c 'id -u; id -g'
  [ "$output" = "1000
1001" ]
  run cri exec-sync "$CID" touch /root-only
  [ "$status" -ne 0 ]
  stop_and_remove_pod
}

case_namespaces() {
  # POD namespaces: the containers share the pause's network and IPC; the
  # kubelet's CONTAINER pid namespace is the container's own
  run_pod p
  pause=$(pause_pid "$POD")
  new_container own-pid '.' sleep 1000
  wait_ctr_state "$CID" CONTAINER_RUNNING
  pid=$(ctr_pid "$CID")
  for ns in net ipc uts; do
    [ "$(readlink /proc/"$pid"/ns/$ns)" = "$(readlink /proc/"$pause"/ns/$ns)" ]
  done
  [ "$(readlink /proc/"$pid"/ns/pid)" != "$(readlink /proc/"$pause"/ns/pid)" ]
  [ "$(readlink /proc/"$pid"/ns/net)" != "$(readlink /proc/self/ns/net)" ]
  run cri exec-sync "$CID" sh -c 'tr "\0" " " </proc/1/cmdline'
  [ "$output" = "sleep 1000 " ]
  # the pod's address on eth0 and lo up (CNI), seen from the container
  run cri exec-sync "$CID" hostname
  [ "$output" = p ]
  # pid POD: the pause is PID 1 for the container
  new_container pod-pid '.linux.security_context.namespace_options.pid = "POD"' sleep 1000
  wait_ctr_state "$CID" CONTAINER_RUNNING
  pid=$(ctr_pid "$CID")
  [ "$(readlink /proc/"$pid"/ns/pid)" = "$(readlink /proc/"$pause"/ns/pid)" ]
  run cri exec-sync "$CID" sh -c 'tr "\0" " " </proc/1/cmdline'
  [ "$output" = "/pause " ]
  stop_and_remove_pod

  # host network and host pid (hostNetwork, hostPID): the host's namespaces
  run_pod h '.linux.security_context.namespace_options = {network: "NODE", pid: "NODE", ipc: "NODE"} | del(.hostname)'
  [ "$(cri inspectp "$POD" | jq -r .status.network.ip)" = "" ]
  new_container host '.linux.security_context.namespace_options = {network: "NODE", pid: "NODE", ipc: "NODE"}' sleep 1000
  wait_ctr_state "$CID" CONTAINER_RUNNING
  pid=$(ctr_pid "$CID")
  for ns in net pid ipc; do
    [ "$(readlink /proc/"$pid"/ns/$ns)" = "$(readlink /proc/$$/ns/$ns)" ]
  done
  [ "$(readlink /proc/"$pid"/ns/mnt)" != "$(readlink /proc/$$/ns/mnt)" ]
  # the host's processes are visible: this test's shell by its pid
  run cri exec-sync "$CID" sh -c "tr '\\0' ' ' </proc/$$/cmdline"
  [ "$status" -eq 0 ]
  [[ $output == *bats* ]]
  stop_and_remove_pod
}

# prop_dir NAME: a host directory that is its own shared mount point, as
# kubelet's pod volume directories are (containerd requires it).
prop_dir() {
  local d=$BATS_TEST_TMPDIR/$1
  mkdir -p "$d"
  mount --bind "$d" "$d" && mount --make-rshared "$d" && echo "$d"
}

case_propagation_host_to_container() {
  run_pod p
  # a host mount made after the start reaches the container, its unmount too
  h2c=$(prop_dir h2c)
  new_container h2c '.mounts = [{container_path: "/vol", host_path: "'"$h2c"'", propagation: "PROPAGATION_HOST_TO_CONTAINER"}]' sleep 1000
  wait_ctr_state "$CID" CONTAINER_RUNNING
  mkdir "$h2c/late"
  mount -t tmpfs -o size=1m rl-cri-h2c "$h2c/late"
  echo from-host >"$h2c/late/f"
  run cri exec-sync "$CID" cat /vol/late/f
  [ "$output" = from-host ]
  run cri exec-sync "$CID" grep -c rl-cri-h2c /proc/self/mountinfo
  [ "$output" = 1 ]
  umount "$h2c/late"
  run cri exec-sync "$CID" grep -c rl-cri-h2c /proc/self/mountinfo
  [ "$output" = 0 ]
  stop_and_remove_pod
  umount "$h2c"
}

# bidi_propagates: a mount the container made on its Bidirectional volume
# reached the host (up to 5 s).
bidi_propagates() {
  for _ in $(seq 50); do
    grep -q " $bidi/inner .* - tmpfs rl-cri-bidi " /proc/self/mountinfo && return 0
    sleep 0.1
  done
  return 1
}

case_propagation_bidirectional() {
  run_pod p '.linux.security_context.privileged = true'
  # a mount made in the (privileged) container reaches the host, and a
  # host mount the container
  bidi=$(prop_dir bidi)
  new_container bidi '.linux.security_context.privileged = true | .mounts = [{container_path: "/vol", host_path: "'"$bidi"'", propagation: "PROPAGATION_BIDIRECTIONAL"}]' \
    sh -c 'mkdir -p /vol/inner && mount -t tmpfs -o size=1m rl-cri-bidi /vol/inner && echo from-container >/vol/inner/f; sleep 1000'
  wait_ctr_state "$CID" CONTAINER_RUNNING
  if ! bidi_propagates; then
    echo "$RT: the container's mount on a Bidirectional volume did not reach the host; host's mountinfo:" >&2
    grep "$BATS_TEST_TMPDIR" /proc/self/mountinfo >&2
    echo "the container's:" >&2
    cri exec-sync "$CID" grep /vol /proc/self/mountinfo >&2
    return 1
  fi
  [ "$(cat "$bidi/inner/f")" = from-container ]
  mkdir "$bidi/late"
  mount -t tmpfs -o size=1m rl-cri-bidi2 "$bidi/late"
  run cri exec-sync "$CID" grep -c rl-cri-bidi2 /proc/self/mountinfo
  [ "$output" = 1 ]
  stop_and_remove_pod
  umount "$bidi/late" "$bidi/inner" "$bidi"
}

# ---- runc-lite: the default runtime and the RuntimeClass handler ----

@test "cri runc-lite (default runtime): RunPodSandbox with the pause image, status, Stop/RemovePodSandbox" {
  use_handler default
  case_pod_lifecycle
}

@test "cri runc-lite (RuntimeClass handler runc-lite): the same pod lifecycle" {
  use_handler runc-lite
  case_pod_lifecycle
}

@test "cri runc-lite: Create/Start/Stop/RemoveContainer, ExecSync, streaming Exec, logs, exit codes" {
  use_handler default
  case_container_lifecycle
}

@test "cri runc-lite: memory and cpu limits in the container's cgroups, OOMKilled" {
  use_handler default
  case_resources
}

@test "cri runc-lite: privileged, read-only rootfs, run as user and group" {
  use_handler default
  case_security
}

@test "cri runc-lite: pod and host namespaces (network, pid, ipc)" {
  use_handler default
  case_namespaces
}

@test "cri runc-lite: HostToContainer mount propagation" {
  use_handler default
  case_propagation_host_to_container
}

# Known failing with runc-lite (issue 10, item 8): a Bidirectional volume
# does not carry the container's mounts back to the host (runc passes the
# same case below).  Strict: while marked, the case must still fail; the fix
# removes the mark and the case must pass.
RL_BIDI_KNOWN_FAILING=1

@test "cri runc-lite: Bidirectional mount propagation" {
  use_handler default
  if [ -n "$RL_BIDI_KNOWN_FAILING" ]; then
    if (case_propagation_bidirectional) >"$BATS_TEST_TMPDIR/bidi.log" 2>&1; then
      echo "Bidirectional propagation works with runc-lite now: remove RL_BIDI_KNOWN_FAILING" >&2
      return 1
    fi
    cat "$BATS_TEST_TMPDIR/bidi.log" >&3
    skip "KNOWN FAILING, issue 10 item 8: runc-lite does not propagate a container's mounts back through a Bidirectional (rshared) volume"
  fi
  case_propagation_bidirectional
}

# ---- runc: the same cases ----

@test "cri runc: RunPodSandbox with the pause image, status, Stop/RemovePodSandbox" {
  use_handler runc
  case_pod_lifecycle
}

@test "cri runc: Create/Start/Stop/RemoveContainer, ExecSync, streaming Exec, logs, exit codes" {
  use_handler runc
  case_container_lifecycle
}

@test "cri runc: memory and cpu limits in the container's cgroups, OOMKilled" {
  use_handler runc
  case_resources
}

@test "cri runc: privileged, read-only rootfs, run as user and group" {
  use_handler runc
  case_security
}

@test "cri runc: pod and host namespaces (network, pid, ipc)" {
  use_handler runc
  case_namespaces
}

@test "cri runc: HostToContainer mount propagation" {
  use_handler runc
  case_propagation_host_to_container
}

@test "cri runc: Bidirectional mount propagation" {
  use_handler runc
  case_propagation_bidirectional
}
