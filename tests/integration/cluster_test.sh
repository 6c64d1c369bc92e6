#!/usr/bin/env bash
# The cluster example end to end (examples/cluster/test.sh): master → three time servers →
# nginx → app nodes in network namespaces, with the built binary. Needs root; without
# network namespaces it exits 77, which ctest reports as skipped (SKIP_RETURN_CODE in
# tests/CMakeLists.txt), never as passed.
set -euo pipefail
: "${KAIROS_BIN:?KAIROS_BIN must point at the kairos binary (ctest sets it)}"
exec bash "$(dirname "$0")/../../examples/cluster/test.sh"
