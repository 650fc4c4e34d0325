# Shared by every .bats file: where the built tools and fixtures are.
: "${RUNC_LITE:?RUNC_LITE must point at the built runc-lite (run through make check)}"
: "${BUILDER:?BUILDER must point at the built builder}"
: "${FIXTURES:?FIXTURES must point at tests/fixtures}"
