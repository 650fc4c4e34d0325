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

# The hook matrix: each hook kind x {exits 0, fails, does not read its
# stdin, outlives its timeout}, each list being [the hook, a second hook
# that records that it ran].  The state carries a 256 KiB annotation, more
# than a pipe holds, so a hook that does not read stdin leaves the runtime
# with a write it cannot finish.  Prints one line per case:
# "BEHAVIOUR create=S start=S delete=S next=yes|no left=yes|no" (S: exit
# status, - when the step was not reached).
hook_matrix() { # hook_matrix RUNTIME KIND
  local rt=$1 kind=$2 root="$BATS_TEST_TMPDIR/root-${1##*/}" dir mark beh id c s d left ran
  mkdir -p "$BUNDLE/rootfs/hk"
  printf '#!/bin/sh\ncat >/dev/null\nexit 0\n' >"$BUNDLE/rootfs/hk/ok"
  printf '#!/bin/sh\ncat >/dev/null\nexit 3\n' >"$BUNDLE/rootfs/hk/fail"
  printf '#!/bin/sh\nexit 0\n' >"$BUNDLE/rootfs/hk/noread"
  printf '#!/bin/sh\nexec sleep 30\n' >"$BUNDLE/rootfs/hk/timeout"
  printf '#!/bin/sh\ncat >/dev/null\necho ran >"$1"\n' >"$BUNDLE/rootfs/hk/next"
  chmod +x "$BUNDLE/rootfs/hk/"*
  head -c 262144 /dev/zero | tr '\0' x >"$BATS_TEST_TMPDIR/big"
  jq --rawfile big "$BATS_TEST_TMPDIR/big" '.annotations = {"big": $big}' "$BUNDLE/config.json" >"$BUNDLE/c.tmp"
  mv "$BUNDLE/c.tmp" "$BUNDLE/config.json"
  dir="$BUNDLE/rootfs/hk" mark="$OUT/next"
  [ "$kind" = startContainer ] && dir=/hk mark=/hookout/next
  for beh in ok fail noread timeout; do
    rm -f "$OUT/next"
    update_config ".hooks = {\"$kind\": [{\"path\": \"$dir/$beh\", \"timeout\": 2},
      {\"path\": \"$dir/next\", \"args\": [\"next\", \"$mark\"]}]}"
    id="m-$kind-$beh"
    s=- d=-
    timeout 60 "$rt" --root "$root" create "$id" >/dev/null 2>&1
    c=$?
    if [ "$c" -eq 0 ]; then
      timeout 60 "$rt" --root "$root" start "$id" >/dev/null 2>&1
      s=$?
    fi
    if "$rt" --root "$root" state "$id" >/dev/null 2>&1; then
      timeout 60 "$rt" --root "$root" delete --force "$id" >/dev/null 2>&1
      d=$?
    fi
    left=no ran=no
    "$rt" --root "$root" state "$id" >/dev/null 2>&1 && left=yes
    [ -e "$OUT/next" ] && ran=yes
    echo "$beh create=$c start=$s delete=$d next=$ran left=$left"
    [ "$left" = no ] || timeout 60 "$rt" --root "$root" delete --force "$id" >/dev/null 2>&1
  done
}

# What runtime.md asks of each kind: a create-time hook failing (or timing
# out) fails create, a startContainer one fails start, poststart fails
# start (the container is stopped), and poststop only warns, the next
# poststop hook still running.  A hook that does not read stdin is fine.
matrix_expect() { # matrix_expect KIND
  case $1 in
  prestart | createRuntime | createContainer)
    printf '%s\n' "ok create=0 start=0 delete=0 next=yes left=no" \
      "fail create=1 start=- delete=- next=no left=no" \
      "noread create=0 start=0 delete=0 next=yes left=no" \
      "timeout create=1 start=- delete=- next=no left=no" ;;
  startContainer | poststart)
    printf '%s\n' "ok create=0 start=0 delete=0 next=yes left=no" \
      "fail create=0 start=1 delete=0 next=no left=no" \
      "noread create=0 start=0 delete=0 next=yes left=no" \
      "timeout create=0 start=1 delete=0 next=no left=no" ;;
  poststop)
    printf '%s\n' "ok create=0 start=0 delete=0 next=yes left=no" \
      "fail create=0 start=0 delete=0 next=yes left=no" \
      "noread create=0 start=0 delete=0 next=yes left=no" \
      "timeout create=0 start=0 delete=0 next=yes left=no" ;;
  esac
}

# runc 1.1.5 differs in three places, each documented there: a failing
# (or timed out) poststop hook stops its remaining poststop hooks; a
# failing startContainer hook fails the init after `start` has returned 0
# (runc-lite's start waits for the exec and reports it); and poststart
# hooks run during `create` (fixed in runc 1.2), so they fail create.
runc_expect() { # runc_expect KIND
  case $1 in
  poststop) matrix_expect poststop | sed -E '/^(fail|timeout)/s/next=yes/next=no/' ;;
  startContainer) matrix_expect startContainer | sed -E '/^(fail|timeout)/s/start=1/start=0/' ;;
  poststart) matrix_expect poststart | sed -E '/^(fail|timeout)/s/create=0 start=1 delete=0/create=1 start=- delete=-/' ;;
  *) matrix_expect "$1" ;;
  esac
}

check_matrix() { # check_matrix KIND
  run hook_matrix "$RUNC_LITE" "$1"
  echo "runc-lite:"$'\n'"$output"
  [ "$output" = "$(matrix_expect "$1")" ]
  if command -v runc >/dev/null; then
    run hook_matrix runc "$1"
    echo "runc:"$'\n'"$output"
    [ "$output" = "$(runc_expect "$1")" ]
  fi
}

@test "hook matrix: prestart" { check_matrix prestart; }
@test "hook matrix: createRuntime" { check_matrix createRuntime; }
@test "hook matrix: createContainer" { check_matrix createContainer; }
@test "hook matrix: startContainer" { check_matrix startContainer; }
@test "hook matrix: poststart" { check_matrix poststart; }
@test "hook matrix: poststop" { check_matrix poststop; }

# runc chdirs to the rootfs before the createContainer hooks (issue 10, 24).
@test "createContainer hooks start in the rootfs (as runc's), the others where the runtime runs" {
  update_config ".hooks = {\"createContainer\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"pwd >$OUT/cc.pwd\"]}],
    \"createRuntime\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"pwd >$OUT/cr.pwd\"]}]}"
  id=$(test_id)
  rl create "$id"
  [ "$(cat "$OUT/cc.pwd")" = "$BUNDLE/rootfs" ]
  [ "$(cat "$OUT/cr.pwd")" = "$BUNDLE" ]
  rl delete --force "$id"
  if command -v runc >/dev/null; then
    rm "$OUT/cc.pwd"
    runc --root "$BATS_TEST_TMPDIR/runc-root" create "$id"
    runc --root "$BATS_TEST_TMPDIR/runc-root" delete --force "$id"
    [ "$(cat "$OUT/cc.pwd")" = "$BUNDLE/rootfs" ]
  fi
}

# runc loads the container's filter before the startContainer hooks, so
# they run under it (issue 10, 15 and 24).
@test "startContainer hooks run under the container's seccomp filter, as runc's do" {
  update_config '.root.readonly = false | .process.args = ["sh", "-c", "mkdir /by-process 2>/dev/null; echo $? >/hookout/process"]
    | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
    | .hooks = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "mkdir /by-hook 2>/dev/null; echo $? >/hookout/hook"]}]}'
  for rt in "$RUNC_LITE" runc; do
    command -v "$rt" >/dev/null || continue
    rm -f "$OUT/hook" "$OUT/process"
    run "$rt" --root "$BATS_TEST_TMPDIR/root-${rt##*/}" run "$(test_id)"
    echo "$rt: $output"
    [ "$status" -eq 0 ]
    [ "$(cat "$OUT/hook")" = 1 ]
    [ "$(cat "$OUT/process")" = 1 ]
    [ ! -e "$BUNDLE/rootfs/by-hook" ]
  done
}
