#!/usr/bin/env bats
# The suites that resolve paths inside a root, run again as on a kernel
# without openat2 (before 5.6, or a seccomp profile refusing it):
# helpers/no-openat2 makes openat2 fail with ENOSYS for everything it
# starts, so common/root_path.c's fallback walk does all the resolving
# (crun's tests/no_openat2.c does the same).

load helpers

# Runs a command under the filter; its output is shown when it fails.
without_openat2() {
  run "$HELPERS/no-openat2" "$@"
  if [ "$status" -ne 0 ]; then
    echo "$output" | grep -v '^ok ' | tail -40
  fi
  [ "$status" -eq 0 ]
}

@test "no-openat2: openat2 answers ENOSYS under the wrapper, and the wrapper needs a command" {
  run "$HELPERS/no-openat2"
  [ "$status" -eq 2 ]
  [[ "$output" == *usage* ]]
  # the wrapper checks the filter itself before running the command
  without_openat2 true
}

@test "no-openat2: unit tests of the toolbox and of layer extraction" {
  without_openat2 "$HELPERS/../unit/test-common"
  without_openat2 "$HELPERS/../unit/test-layer-apply"
}

@test "no-openat2: mounts.bats (mount destinations and masks resolved in the rootfs)" {
  without_openat2 bats --tap "$TESTS_DIR/bats/mounts.bats"
}

@test "no-openat2: unpack-attacks.bats (hostile layers)" {
  without_openat2 bats --tap "$TESTS_DIR/bats/unpack-attacks.bats"
}

@test "no-openat2: build.bats (COPY, RUN --mount, USER through the rootfs)" {
  without_openat2 bats --tap "$TESTS_DIR/bats/build.bats"
}

@test "no-openat2: build-hardlinks.bats (COPY's hard links made through the rootfs)" {
  without_openat2 bats --tap "$TESTS_DIR/bats/build-hardlinks.bats"
}
