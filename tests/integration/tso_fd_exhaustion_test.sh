#!/usr/bin/env bash
# Out of file descriptors, the gRPC API pauses instead of dying: gRPC 1.51's own listener
# never accepted again after one EMFILE (grpc/grpc#20418). The daemon runs with a hard
# limit of 128 open files, 200 idle connections use them up, and once they close a client
# is served again; the log tells the failure once and its end.
source "$(dirname "$0")/lib.sh"

ep=127.0.0.1:$(free_tcp_port)
log=$SCRATCH/serve.log
setpriv --bounding-set -sys_time -- prlimit --nofile=128:128 -- "$KAIROS_BIN" serve \
  --state-dir "$SCRATCH/state" --ntp-listen off --http-listen off --shm-name off \
  --grpc-listen "$ep" >"$log" 2>&1 &
PIDS+=($!)
wait_for_log "$log" "gRPC listening"
"$KAIROS_BIN" tso get --grpc "$ep" >/dev/null || fail "tso get before the connections"

# 200 connections that speak HTTP/2's preface and then wait, held until killed.
python3 - "${ep##*:}" >"$SCRATCH/holder.out" 2>&1 <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])
held = []
for _ in range(200):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(preface)
    held.append(s)
print("holding", len(held), flush=True)
time.sleep(60)
PY
holder=$!
PIDS+=("$holder")
wait_for_log "$log" "accepting gRPC connections failed: Too many open files" 20
wait_for_log "$SCRATCH/holder.out" "holding 200" 20
kill "$holder"; wait "$holder" 2>/dev/null || true
pass "out of descriptors: told ($(grep -c 'accepting gRPC connections failed' "$log") line)"

"$KAIROS_BIN" tso get --grpc "$ep" --timeout 10s >/dev/null || fail "not served after the connections closed"
wait_for_log "$log" "accepting gRPC connections works again after" 10
[ "$(grep -c 'accepting gRPC connections failed' "$log")" -eq 1 ] || fail "the failure was told more than once"
pass "the connections gone, a client is served again and the log says so"
