# Shared helpers for integration tests (sourced). Every test starts what it needs on
# loopback, and the EXIT trap stops it by PID and removes its scratch directory.
set -euo pipefail

: "${KAIROS_BIN:?KAIROS_BIN must point at the kairos binary (ctest sets it)}"
SCRATCH=$(mktemp -d /tmp/kairos-it.XXXXXX)
PIDS=()
CLEANUP_HOOKS=()  # commands run on exit once the processes in PIDS are stopped

cleanup() {
  local rc=$?
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  for hook in "${CLEANUP_HOOKS[@]}"; do $hook || true; done
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

# libfaketime shifts (or speeds up) one process's clock_gettime; the tests that use it
# read no socket timestamps, which it cannot shift.
FAKETIME_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1

# build_timerfd_shim: checks libfaketime is here and builds $TIMERFD_SHIM, a library to
# preload before it that passes timerfd_settime/gettime straight to the kernel. libfaketime
# rewrites absolute timerfd deadlines even with FAKETIME_DONT_FAKE_MONOTONIC, and turns
# asio's "expire now" deadline {0 s, 1 ns} into a negative one (EINVAL), which stalls every
# timer of the daemon (passing them through is right: the monotonic clock is not faked).
build_timerfd_shim() {
  [ -r "$FAKETIME_LIB" ] || fail "libfaketime missing: run scripts/install-deps (package faketime)"
  command -v cc >/dev/null || fail "no C compiler for the timerfd shim (build-essential)"
  cat >"$SCRATCH/timerfd_shim.c" <<'EOF'
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>
int timerfd_settime(int fd, int flags, const struct itimerspec* v, struct itimerspec* old) {
  return (int)syscall(SYS_timerfd_settime, fd, flags, v, old);
}
int timerfd_gettime(int fd, struct itimerspec* v) {
  return (int)syscall(SYS_timerfd_gettime, fd, v);
}
EOF
  TIMERFD_SHIM=$SCRATCH/timerfd_shim.so
  cc -shared -fPIC -O2 -o "$TIMERFD_SHIM" "$SCRATCH/timerfd_shim.c" || fail "timerfd shim"
}

# start_kairos NAME ARGS...: starts `kairos serve ARGS` (no CAP_SYS_TIME) logging to
# $SCRATCH/NAME.log, waits until it says what it serves, and sets KAIROS_PID, KAIROS_NTP
# (the NTP responder's ADDR:PORT) and KAIROS_HTTP (the status endpoint's), each empty
# when that part is off. Unless ARGS name them, the state dir is $SCRATCH/state-NAME, NTP
# and HTTP listen on kernel-chosen loopback ports and the shm segment is off: a test never
# takes the default ports or segment another daemon on this machine may hold. With
# --config the file decides those three (the test's file must not use the defaults).
start_kairos() {
  local name=$1; shift
  local log=$SCRATCH/$name.log
  local defaults=()
  [[ " $* " == *" --state-dir "* ]] || defaults+=(--state-dir "$SCRATCH/state-$name")
  if [[ " $* " != *" --config "* ]]; then
    [[ " $* " == *" --ntp-listen "* ]] || defaults+=(--ntp-listen 127.0.0.1:0)
    [[ " $* " == *" --http-listen "* ]] || defaults+=(--http-listen 127.0.0.1:0)
    [[ " $* " == *" --shm-name "* ]] || defaults+=(--shm-name off)
    [[ " $* " == *" --grpc-listen "* ]] || defaults+=(--grpc-listen off)
  fi
  setpriv --bounding-set -sys_time -- "$KAIROS_BIN" serve "${defaults[@]}" "$@" >"$log" 2>&1 &
  KAIROS_PID=$!
  PIDS+=("$KAIROS_PID")
  wait_for_log "$log" "serving:" 20
  KAIROS_NTP=$(sed -nE 's/.*ntp: listening on ([^ ]+) .*/\1/p' "$log" | head -1)
  KAIROS_HTTP=$({ grep -o 'status on http://[^ ;,]*' "$log" || true; } | head -1 | sed 's|status on http://||')
}

# http_request ADDR:PORT RAW: sends RAW bytes to a TCP endpoint, prints the reply.
http_request() {
  python3 - "$1" "$2" <<'PY'
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
s.sendall(sys.argv[2].encode("latin-1").decode("unicode_escape").encode("latin-1"))
out = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    out += chunk
sys.stdout.write(out.decode("latin-1"))
PY
}
