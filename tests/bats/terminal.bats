#!/usr/bin/env bats
# process.terminal in the foreground (`run`, `exec -t` without
# --console-socket): runc-lite proxies the container's pty to its own
# stdio.  Driven on a pty of our own (tests/helpers/pty-run.py), as a
# terminal emulator would.

load helpers

PTY_RUN="$TESTS_DIR/helpers/pty-run.py"

setup() {
  setup_bundle sh
  update_config '.process.terminal = true'
}

teardown() {
  cleanup_containers
  [ -z "${LOAD_PIDS:-}" ] || kill $LOAD_PIDS 2>/dev/null || true
}

@test "terminal: run passes a resize of our terminal (SIGWINCH) to the container's pty" {
  update_config '.process.args = ["sh", "-c", "stty size; echo READY; read x; stty size"]'
  run "$PTY_RUN" 24 80 --on READY 50 132 go -- "$RUNC_LITE" --root "$ROOT" run "$(test_id)"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | tr -d '\r' | grep -E '^[0-9]+ [0-9]+$' | tr '\n' ' ')" = "24 80 50 132 " ]
}

@test "terminal: exec -t passes a resize of our terminal to the process's pty" {
  update_config '.process.terminal = false | .process.args = ["sleep", "100"]'
  id=$(test_id)
  rl run -d "$id"
  run "$PTY_RUN" 30 90 --on READY 41 101 go -- "$RUNC_LITE" --root "$ROOT" exec -t "$id" \
    sh -c 'stty size; echo READY; read x; stty size'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | tr -d '\r' | grep -E '^[0-9]+ [0-9]+$' | tr '\n' ' ')" = "30 90 41 101 " ]
}

@test "terminal: the pty belongs to process.user's uid (group kept), as runc does" {
  update_config '.process.user = {"uid": 1000, "gid": 100}
    | .process.args = ["sh", "-c", "stat -c \"%u %g %a\" $(tty)"]'
  run "$PTY_RUN" 24 80 -- "$RUNC_LITE" --root "$ROOT" run "$(test_id)"
  echo "$output"
  [ "$status" -eq 0 ]
  # devpts's gid=5,mode=620 of the default spec; the owner is the user
  [ "$(echo "$output" | tr -d '\r')" = "1000 5 620" ]
  update_config '.process.user = {"uid": 0, "gid": 0} | .process.terminal = false | .process.args = ["sleep", "100"]'
  id=$(test_id)-e
  rl run -d "$id"
  run "$PTY_RUN" 24 80 -- "$RUNC_LITE" --root "$ROOT" exec -t --user 1000:100 "$id" sh -c 'stat -c "%u %g" $(tty)'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | tr -d '\r')" = "1000 5" ]
}

# Issue 10 item 21: with the machine busy, a short-lived process's output
# was lost when it exited before runc-lite started reading the pty.
@test "terminal: run and exec -t never lose the output on a busy machine (50 runs each)" {
  LOAD_PIDS=
  for _ in 1 2 3; do
    nice -n 19 sh -c 'exec yes' >/dev/null &
    LOAD_PIDS="$LOAD_PIDS $!"
  done
  update_config '.process.args = ["echo", "tty-output"]'
  lost=0
  for i in $(seq 50); do
    out=$("$RUNC_LITE" --root "$ROOT" run "$(test_id)-$i" </dev/null)
    [[ "$out" == *tty-output* ]] || lost=$((lost + 1))
  done
  echo "run: $lost of 50 lost"
  [ "$lost" -eq 0 ]
  update_config '.process.terminal = false | .process.args = ["sleep", "100"]'
  id=$(test_id)-x
  rl run -d "$id"
  for i in $(seq 50); do
    out=$("$RUNC_LITE" --root "$ROOT" exec -t "$id" echo tty-output </dev/null)
    [[ "$out" == *tty-output* ]] || lost=$((lost + 1))
  done
  echo "exec -t: $lost of 50 lost"
  [ "$lost" -eq 0 ]
}
