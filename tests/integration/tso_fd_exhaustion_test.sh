#!/usr/bin/env bash
# Many idle connections do not take the gRPC API down: gRPC 1.51's own listener never
# accepted again after one EMFILE (grpc/grpc#20418). The daemon runs with a hard limit of
# 128 open files and 200 idle connections come: those that would take the last 64
# descriptors are closed at once, so the store keeps writing; once they all close, a
# client is served again. The log tells the trouble a few times, not once per connection.
source "$(dirname "$0")/lib.sh"

ep=127.0.0.1:$(free_tcp_port)
log=$SCRATCH/serve.log
setpriv --bounding-set -sys_time -- prlimit --nofile=128:128 -- "$KAIROS_BIN" serve \
  --state-dir "$SCRATCH/state" --ntp-listen off --http-listen off --shm-name off \
  --grpc-listen "$ep" >"$log" 2>&1 &
PIDS+=($!)
wait_for_log "$log" "gRPC listening"
"$KAIROS_BIN" tso get --grpc "$ep" >/dev/null || fail "tso get before the connections"

# 200 connections that speak HTTP/2's preface and then wait, held until killed; the daemon
# closes some of them at once.
python3 - "${ep##*:}" >"$SCRATCH/holder.out" 2>&1 <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])
held = []
for _ in range(200):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(preface)
    except OSError:
        pass
    held.append(s)
print("holding", len(held), flush=True)
time.sleep(60)
PY
holder=$!
PIDS+=("$holder")
wait_for_log "$log" "accepting gRPC connections near the open-files limit failed: " 20
wait_for_log "$SCRATCH/holder.out" "holding 200" 20
# The window (3 s) is extended every 1.5 s: the store must write a new one meanwhile.
mark() { grep '^ts ' "$SCRATCH/state/tso.hwm"; }
before=$(mark)
for _ in $(seq 100); do [ "$(mark)" != "$before" ] && break; sleep 0.1; done
[ "$(mark)" != "$before" ] || fail "no new timestamp window written in 10 s while the connections were held"
grep -q "writing the tso store failed" "$log" && fail "the store ran out of descriptors: $(grep 'tso store failed' "$log")"
kill "$holder"; wait "$holder" 2>/dev/null || true
pass "200 idle connections against 128 files: the excess closed, the store still writes"

"$KAIROS_BIN" tso get --grpc "$ep" --timeout 10s >/dev/null || fail "not served after the connections closed"
told=$(grep -c 'accepting gRPC connections.*\(failed\|still failing\)' "$log")
[ "$told" -le 3 ] || fail "the failure was told $told times (once per connection?)"
pass "the connections gone, a client is served again; the failure was told $told time(s)"
