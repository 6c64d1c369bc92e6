# Shared helpers for integration tests (sourced). Every test starts what it needs on
# loopback, and the EXIT trap stops it by PID and removes its scratch directory.
set -euo pipefail

: "${KAIROS_BIN:?KAIROS_BIN must point at the kairos binary (ctest sets it)}"
SCRATCH=$(mktemp -d /tmp/kairos-it.XXXXXX)
PIDS=()

cleanup() {
  local rc=$?
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$SCRATCH"
  exit $rc
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# wait_for_log FILE PATTERN [SECONDS]: polls FILE until PATTERN appears (bounded).
wait_for_log() {
  local file=$1 pattern=$2 limit=${3:-10}
  local deadline=$((SECONDS + limit))
  while ((SECONDS < deadline)); do
    grep -q -- "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "--- $file:" >&2; cat "$file" >&2 || true
  fail "'$pattern' did not appear in $file within ${limit}s"
}

# free_udp_port / free_tcp_port: a port nothing listens on now (the kernel picks it).
free_udp_port() { python3 -c 'import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
free_tcp_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
