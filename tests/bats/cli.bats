#!/usr/bin/env bats
# The two command-line tools' common behaviour: version, help, unknown
# commands and options.

load helpers

@test "runc-lite --version prints version, commit and spec like runc" {
  run "$RUNC_LITE" --version
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "runc-lite version $PACKAGE_VERSION" ]]
  [[ "${lines[1]}" =~ ^commit:\ [0-9a-f]{40}|^commit:\ unknown ]]
  [[ "${lines[2]}" == "spec: 1.3.0" ]]
  [[ "${lines[3]}" =~ ^libseccomp:\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "runc-lite -v is --version" {
  run "$RUNC_LITE" -v
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "runc-lite version $PACKAGE_VERSION" ]]
}

@test "builder --version prints version, commit and both spec versions" {
  run "$BUILDER" --version
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "builder version $PACKAGE_VERSION" ]]
  [[ "${lines[1]}" =~ ^commit:\ [0-9a-f]{40}|^commit:\ unknown ]]
  [[ "${lines[2]}" == "image-spec: 1.1.1" ]]
  [[ "${lines[3]}" == "runtime-spec: 1.3.0" ]]
}

@test "both tools print help with exit 0" {
  run "$RUNC_LITE" --help
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == Usage:* ]]
  run "$BUILDER" --help
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == Usage:* ]]
}

@test "an unknown command fails with one line and exit 1" {
  run "$RUNC_LITE" frobnicate
  [ "$status" -eq 1 ]
  [ "$output" = 'runc-lite: unknown command "frobnicate"' ]
  run "$BUILDER" frobnicate
  [ "$status" -eq 1 ]
  [ "$output" = 'builder: unknown command "frobnicate"' ]
}

@test "an unknown global option fails with exit 1" {
  run "$RUNC_LITE" --no-such-flag list
  [ "$status" -eq 1 ]
  [[ "$output" == *'--no-such-flag'* ]]
  run "$BUILDER" --no-such-flag images
  [ "$status" -eq 1 ]
  [[ "$output" == *'--no-such-flag'* ]]
}

@test "a bad --log-format is refused" {
  run "$RUNC_LITE" --log-format xml list
  [ "$status" -eq 1 ]
  [[ "$output" == *'expected text or json'* ]]
}

@test "no command at all prints usage to stderr and fails" {
  run "$RUNC_LITE"
  [ "$status" -eq 1 ]
  [[ "$output" == Usage:* ]]
}

@test "single-dash words are long options (as in runc), never clusters of short ones" {
  run "$RUNC_LITE" create -bogus x
  [ "$status" -eq 1 ]
  [[ "$output" == *'unknown option "-bogus"'* ]]
  run "$RUNC_LITE" -debug=maybe list
  [ "$status" -eq 1 ]
  [[ "$output" == *"expected true or false"* ]]
}

@test "checkpoint and restore say plainly that they are not supported; features agrees" {
  run "$RUNC_LITE" checkpoint some-id
  [ "$status" -eq 1 ]
  [[ "$output" == *"checkpoint is not supported by runc-lite"* ]]
  run "$RUNC_LITE" restore some-id
  [ "$status" -eq 1 ]
  [[ "$output" == *"restore is not supported by runc-lite"* ]]
  "$RUNC_LITE" features | jq -e '.annotations["org.opencontainers.runc-lite.checkpoint.enabled"] == "false"'
}
