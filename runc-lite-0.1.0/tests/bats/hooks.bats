#!/usr/bin/env bats
# Lifecycle hooks (runtime-spec config.md "POSIX-platform Hooks" and
# runtime.md "Lifecycle"): order, state on stdin, namespaces, args/env,
# timeouts and what a failure means for each kind.

load helpers

setup() {
  setup_bundle sleep 100
  OUT="$BATS_TEST_TMPDIR/hooks"
  mkdir -p "$OUT"
  # A host-side hook: records its kind, its stdin, its mount namespace,
  # its argv and an env variable.
  cat >"$BATS_TEST_TMPDIR/hook.sh" <<EOF
#!/bin/sh
kind=\$1
cat >"$OUT/\$kind.json"
readlink /proc/self/ns/mnt >"$OUT/\$kind.mnt"
echo "\$*" >"$OUT/\$kind.args"
echo "\$HOOK_ENV" >"$OUT/\$kind.env"
echo "\$kind" >>"$OUT/order"
exit \${HOOK_EXIT:-0}
EOF
  chmod +x "$BATS_TEST_TMPDIR/hook.sh"
  # startContainer resolves in the container: a copy inside the rootfs
  # writing to a bind mount of $OUT.
  cat >"$BUNDLE/rootfs/bin/hook-in" <<'EOF'
#!/bin/sh
kind=$1
cat >"/hookout/$kind.json"
readlink /proc/self/ns/mnt >"/hookout/$kind.mnt"
echo "$kind" >>/hookout/order
EOF
  chmod +x "$BUNDLE/rootfs/bin/hook-in"
  update_config ".mounts += [{\"destination\": \"/hookout\", \"type\": \"bind\", \"source\": \"$OUT\", \"options\": [\"rbind\"]}]"
}

teardown() {
  cleanup_containers
}

hook() { # hook KIND [extra jq fields]
  echo "{\"path\": \"$BATS_TEST_TMPDIR/hook.sh\", \"args\": [\"hook.sh\", \"$1\", \"arg2\"], \"env\": [\"HOOK_ENV=env-$1\"]${2:+, $2}}"
}

all_hooks() {
  update_config ".hooks = {
    \"prestart\": [$(hook prestart)],
    \"createRuntime\": [$(hook createRuntime)],
    \"createContainer\": [$(hook createContainer)],
    \"startContainer\": [{\"path\": \"/bin/hook-in\", \"args\": [\"hook-in\", \"startContainer\"]}],
    \"poststart\": [$(hook poststart)],
    \"poststop\": [$(hook poststop)]}"
}

@test "all six hooks run in the lifecycle's order, each at its step" {
  all_hooks
  id=$(test_id)
  rl create "$id"
  [ "$(cat "$OUT/order" | tr '\n' ' ')" = "prestart createRuntime createContainer " ]
  rl start "$id"
  [ "$(cat "$OUT/order" | tr '\n' ' ')" = "prestart createRuntime createContainer startContainer poststart " ]
  rl delete --force "$id"
  [ "$(cat "$OUT/order" | tr '\n' ' ')" = "prestart createRuntime createContainer startContainer poststart poststop " ]
}

@test "hooks get the state on stdin, with the status of their moment" {
  all_hooks
  id=$(test_id)
  rl create "$id"
  rl start "$id"
  pid=$(rl state "$id" | jq -r .pid)
  rl delete --force "$id"
  for k in prestart createRuntime createContainer; do
    jq -e ".id == \"$id\" and .status == \"creating\" and .pid == $pid and .bundle == \"$BUNDLE\" and .ociVersion == \"1.3.0\"" "$OUT/$k.json"
  done
  jq -e ".status == \"created\" and .pid == $pid" "$OUT/startContainer.json"
  jq -e ".status == \"running\" and .pid == $pid" "$OUT/poststart.json"
  jq -e ".status == \"stopped\" and .id == \"$id\"" "$OUT/poststop.json"
}

@test "hooks run in the namespaces runtime-spec assigns them" {
  all_hooks
  id=$(test_id)
  rl create "$id"
  pid=$(rl state "$id" | jq -r .pid)
  host_mnt=$(readlink /proc/self/ns/mnt)
  container_mnt=$(readlink /proc/"$pid"/ns/mnt)
  [ "$host_mnt" != "$container_mnt" ]
  # runtime namespace
  [ "$(cat "$OUT/prestart.mnt")" = "$host_mnt" ]
  [ "$(cat "$OUT/createRuntime.mnt")" = "$host_mnt" ]
  # container namespace
  [ "$(cat "$OUT/createContainer.mnt")" = "$container_mnt" ]
  rl start "$id"
  [ "$(cat "$OUT/startContainer.mnt")" = "$container_mnt" ]
  [ "$(cat "$OUT/poststart.mnt")" = "$host_mnt" ]
  rl delete --force "$id"
  [ "$(cat "$OUT/poststop.mnt")" = "$host_mnt" ]
}

@test "hooks get their args and env exactly as configured" {
  all_hooks
  id=$(test_id)
  rl create "$id"
  [ "$(cat "$OUT/createRuntime.args")" = "createRuntime arg2" ]
  [ "$(cat "$OUT/createRuntime.env")" = "env-createRuntime" ]
  rl delete "$id"
}

@test "a failing createRuntime hook fails create: no container left, poststop runs" {
  update_config ".hooks = {\"createRuntime\": [$(hook createRuntime '"env": ["HOOK_EXIT=3"]')], \"poststop\": [$(hook poststop)]}"
  run rl create "$(test_id)"
  [ "$status" -eq 1 ]
  [[ "$output" == *"createRuntime hook 0 ($BATS_TEST_TMPDIR/hook.sh) failed with exit status 3"* ]]
  [ -z "$(ls "$ROOT")" ]
  [ -e "$OUT/poststop.json" ]
}

@test "a failing createContainer hook fails create with its reason" {
  update_config ".hooks = {\"createContainer\": [$(hook createContainer '"env": ["HOOK_EXIT=4"]')]}"
  run rl create "$(test_id)"
  [ "$status" -eq 1 ]
  [[ "$output" == *"createContainer hook 0"*"exit status 4"* ]]
  [ -z "$(ls "$ROOT")" ]
}

@test "a hook past its timeout is killed and fails the operation" {
  cat >"$BATS_TEST_TMPDIR/slow.sh" <<'EOF'
#!/bin/sh
exec sleep 30
EOF
  chmod +x "$BATS_TEST_TMPDIR/slow.sh"
  update_config ".hooks = {\"prestart\": [{\"path\": \"$BATS_TEST_TMPDIR/slow.sh\", \"timeout\": 1}]}"
  start=$(date +%s)
  run rl create "$(test_id)"
  end=$(date +%s)
  [ "$status" -eq 1 ]
  [[ "$output" == *"prestart hook 0 ($BATS_TEST_TMPDIR/slow.sh) timed out after 1s"* ]]
  [ $((end - start)) -lt 10 ]
}

@test "a failing poststart hook fails start and stops the container" {
  update_config ".hooks = {\"poststart\": [$(hook poststart '"env": ["HOOK_EXIT=1"]')]}"
  id=$(test_id)
  rl create "$id"
  run rl start "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *"poststart hook 0"* ]]
  for _ in $(seq 100); do
    [ "$(rl state "$id" | jq -r .status)" = stopped ] && break
    sleep 0.05
  done
  [ "$(rl state "$id" | jq -r .status)" = stopped ]
}

@test "a failing poststop hook is a warning: delete still succeeds" {
  update_config ".hooks = {\"poststop\": [$(hook poststop '"env": ["HOOK_EXIT=1"]')]}"
  id=$(test_id)
  rl create "$id"
  run rl delete "$id"
  [ "$status" -eq 0 ]
  [[ "$output" == *"warning"*"poststop hook 0"* ]]
  run rl state "$id"
  [ "$status" -eq 1 ]
}

@test "a failing startContainer hook fails start with its reason" {
  update_config '.hooks = {"startContainer": [{"path": "/bin/false"}]}'
  id=$(test_id)
  rl create "$id"
  run rl start "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *"startContainer hook 0 (/bin/false) failed with exit status 1"* ]]
}

@test "a hook that does not exist fails clearly" {
  update_config '.hooks = {"prestart": [{"path": "/no/such/hook"}]}'
  run rl create "$(test_id)"
  [ "$status" -eq 1 ]
  [[ "$output" == *"prestart hook 0 (/no/such/hook) could not be executed"* ]]
}
