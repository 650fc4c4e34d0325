#!/usr/bin/env bats
# Id-mapped bind mounts: the idmap and ridmap options, mounts[].uidMappings
# and gidMappings (runtime-spec config.md).
#
# A mapping reads as in uid_map: {containerID: C, hostID: H} makes the id C
# stored on disk appear as H through the mount (and a file created through
# it as H is stored as C), as the kernel and runc read it.
#
# Checked against runc-lite before idmap support (options refused as
# unsupported): every test but the error ones failed; with the move_mount
# replaced by the plain bind, the ownership tests fail.

load helpers

setup() {
  setup_bundle
  HOSTDIR="$BATS_TEST_TMPDIR/host"
  mkdir -p "$HOSTDIR"
  # The kernel, not the runtime's own features, decides: a runtime that
  # wrongly thinks idmap unsupported must fail here, not skip.
  local v major minor
  v=$(uname -r)
  major=${v%%.*}
  minor=${v#*.}
  minor=${minor%%[!0-9]*}
  if [ "$major" -lt 5 ] || { [ "$major" -eq 5 ] && [ "$minor" -lt 12 ]; }; then
    skip "Linux $v has no MOUNT_ATTR_IDMAP (needs 5.12)"
  fi
}

teardown() {
  cleanup_containers
  if [ -n "${HOST_SUBMOUNT:-}" ]; then
    umount "$HOST_SUBMOUNT" 2>/dev/null || true
  fi
}

in_container() {
  update_config ".process.args = [\"sh\", \"-c\", $(printf '%s' "$1" | jq -Rs .)]"
  run rl run --bundle "$BUNDLE" "$(test_id)"
  echo "$output"
}

# add_mount OPTIONS-JSON [EXTRA-JQ]: mounts $HOSTDIR on /data.
add_mount() {
  update_config ".mounts += [{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$HOSTDIR\",
    \"options\": $1}] ${2:+| .mounts[-1] += $2}"
}

MAP_1000_TO_0='{"uidMappings": [{"containerID": 1000, "hostID": 0, "size": 1}],
  "gidMappings": [{"containerID": 1000, "hostID": 0, "size": 1}]}'

# The container gets a user namespace mapping 0 to host 100000 (65536 ids).
use_userns() {
  chown -R 100000:100000 "$BUNDLE/rootfs"
  allow_traversal "$BUNDLE"
  update_config '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .mounts |= map(if .type == "sysfs" then {"destination": "/sys", "type": "none", "source": "/sys", "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]} else . end)
    | .mounts |= map(select(.type != "cgroup"))'
}

@test "features: mountExtensions.idmap enabled, idmap and ridmap among the mount options" {
  run "$RUNC_LITE" features
  [ "$status" -eq 0 ]
  [ "$(jq '.linux.mountExtensions.idmap.enabled' <<<"$output")" = true ]
  jq -e '.mountOptions | index("idmap") and index("ridmap")' <<<"$output"
}

@test "idmap with its own mappings: files of 1000 on disk are 0 inside, files made inside are 1000 on disk" {
  touch "$HOSTDIR/mine" "$HOSTDIR/roots"
  chown 1000:1000 "$HOSTDIR" "$HOSTDIR/mine"
  add_mount '["bind", "idmap"]' "$MAP_1000_TO_0"
  in_container 'cat /proc/self/mountinfo; stat -c "%n %u:%g" /data /data/mine /data/roots; touch /data/made && echo made'
  [ "$status" -eq 0 ]
  [[ "$output" == *"/data 0:0"* ]]
  [[ "$output" == *"/data/mine 0:0"* ]]
  # host root is not in the mapping: the overflow id
  [[ "$output" == *"/data/roots 65534:65534"* ]]
  [[ "$output" == *made* ]]
  [ "$(stat -c %u:%g "$HOSTDIR/made")" = 1000:1000 ]
  printf '%s\n' "$output" | awk '$5 == "/data"' | grep -q idmapped
  # the option reaches neither the mount's options nor its super options
  ! printf '%s\n' "$output" | awk '$5 == "/data"' | grep -q 'idmap[,[:space:]]'
}

@test "mappings of several ranges, different for uids and gids; ro still applies" {
  touch "$HOSTDIR/a" "$HOSTDIR/b"
  chown 100:210 "$HOSTDIR/a"
  chown 102:231 "$HOSTDIR/b"
  add_mount '["bind", "idmap", "ro"]' '{"uidMappings": [{"containerID": 100, "hostID": 1000, "size": 3}],
    "gidMappings": [{"containerID": 210, "hostID": 2000, "size": 10}, {"containerID": 230, "hostID": 3000, "size": 10}]}'
  in_container 'stat -c "%n %u:%g" /data/a /data/b; touch /data/x 2>&1; true'
  [ "$status" -eq 0 ]
  [[ "$output" == *"/data/a 1000:2000"* ]]
  [[ "$output" == *"/data/b 1002:3001"* ]]
  [[ "$output" == *"Read-only file system"* ]]
}

@test "idmap without mappings takes the container's user namespace; a plain bind does not" {
  use_userns
  touch "$HOSTDIR/roots"
  chmod 0777 "$HOSTDIR"
  add_mount '["bind", "idmap"]'
  update_config ".mounts += [{\"destination\": \"/plain\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [\"bind\"]}]"
  in_container 'cat /proc/self/uid_map; stat -c "%n %u:%g" /data/roots /plain/roots; touch /data/made && echo made'
  [ "$status" -eq 0 ]
  # host 0 on disk is host 100000 through the mount: the container's root
  [[ "$output" == *"/data/roots 0:0"* ]]
  [[ "$output" == *"/plain/roots 65534:65534"* ]]
  [[ "$output" == *made* ]]
  # container root (host 100000) writes host 0 to disk
  [ "$(stat -c %u:%g "$HOSTDIR/made")" = 0:0 ]
}

@test "mount mappings win over the container's user namespace" {
  use_userns
  touch "$HOSTDIR/f"
  chown 7:7 "$HOSTDIR/f"
  add_mount '["bind", "idmap"]' '{"uidMappings": [{"containerID": 7, "hostID": 100005, "size": 1}],
    "gidMappings": [{"containerID": 7, "hostID": 100006, "size": 1}]}'
  in_container 'stat -c "%n %u:%g" /data/f'
  [ "$status" -eq 0 ]
  [[ "$output" == *"/data/f 5:6"* ]]
}

# rbind of a directory with a tmpfs mounted in it: ridmap maps both, idmap
# only the top.
rbind_with_submount() {
  mkdir -p "$HOSTDIR/sub"
  mount -t tmpfs tmpfs "$HOSTDIR/sub"
  HOST_SUBMOUNT="$HOSTDIR/sub"
  touch "$HOSTDIR/top" "$HOSTDIR/sub/inner"
  chown 1000:1000 "$HOSTDIR/top" "$HOSTDIR/sub/inner"
  add_mount "[\"rbind\", \"$1\"]" "$MAP_1000_TO_0"
  in_container 'cat /proc/self/mountinfo; stat -c "%n %u:%g" /data/top /data/sub/inner'
}

@test "ridmap on an rbind maps the submounts too" {
  rbind_with_submount ridmap
  [ "$status" -eq 0 ]
  [[ "$output" == *"/data/top 0:0"* ]]
  [[ "$output" == *"/data/sub/inner 0:0"* ]]
  printf '%s\n' "$output" | awk '$5 == "/data/sub"' | grep -q idmapped
}

@test "idmap on an rbind maps the top mount only" {
  rbind_with_submount idmap
  [ "$status" -eq 0 ]
  [[ "$output" == *"/data/top 0:0"* ]]
  [[ "$output" == *"/data/sub/inner 1000:1000"* ]]
  printf '%s\n' "$output" | awk '$5 == "/data"' | grep -q idmapped
  ! printf '%s\n' "$output" | awk '$5 == "/data/sub"' | grep -q idmapped
}

@test "idmap on a mount that is not a bind is refused, naming it" {
  n=$(jq '.mounts | length' "$BUNDLE/config.json")
  update_config '.mounts += [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"]}]'
  in_container true
  [ "$status" -ne 0 ]
  [[ "$output" == *"mounts[$n] (/scratch): idmap: only bind mounts can be id-mapped"* ]]
}

@test "uidMappings without gidMappings is refused" {
  n=$(jq '.mounts | length' "$BUNDLE/config.json")
  add_mount '["bind", "idmap"]' '{"uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}'
  in_container true
  [ "$status" -ne 0 ]
  [[ "$output" == *"mounts[$n] (/data): uidMappings given without gidMappings"* ]]
}

@test "idmap without mappings in a container without a user namespace is refused" {
  n=$(jq '.mounts | length' "$BUNDLE/config.json")
  add_mount '["bind", "ridmap"]'
  in_container true
  [ "$status" -ne 0 ]
  [[ "$output" == *"mounts[$n] (/data): ridmap without uidMappings and gidMappings needs a user namespace"* ]]
}

@test "a filesystem that cannot be id-mapped is an error naming the mount and its source" {
  n=$(jq '.mounts | length' "$BUNDLE/config.json")
  update_config ".mounts += [{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"/proc/sys\",
    \"options\": [\"bind\", \"idmap\"]}] | .mounts[-1] += $MAP_1000_TO_0"
  in_container true
  [ "$status" -ne 0 ]
  [[ "$output" == *"mounts[$n]: source \"/proc/sys\": cannot id-map it"* ]]
  # nothing is left behind
  [ -z "$(rl list -q)" ]
}
