#!/usr/bin/env bash
# Timestamp oracle and sequencer benchmarks, all in one run on this machine:
#  1. timestamps/s from one `kairos serve` with the batching client and 64 callers
#     (server pinned to CPU 1, load to CPU 0), one timestamp per call: 64 logical callers
#     on the async API (closed loop: a caller issues its next call from the callback of its
#     previous one), and 64 threads on the blocking API; then 64 blocking threads with
#     TSO_BENCH_COUNT timestamps per call, and TSO_BENCH_WIDE async callers (default 1024)
#     one per call: what the client and server carry when 64 callers cannot keep them busy
#     (a closed loop of N callers reaches at most N / mean latency); and, right after the
#     64 async callers, the same closed loop on a bare gRPC client (bench/bare_tso_client:
#     no library, no work per call), sending as the library does (blocking API, 2 messages
#     in flight), reported as library / bare, and on gRPC's async API polling without
#     sleeping (1 message in flight): about the most 64 callers get from gRPC here; then
#     both again against a second server on a Unix socket (--grpc-listen unix:PATH), the
#     transport for clients on the server's host;
#  2. p99 latency per call at half the measured rate: async (open loop, paced every 100 us,
#     at most 64 calls outstanding) and blocking (64 threads, each paced); and at
#     1,000,000 timestamps/s (half the 2M/s target) drawn TSO_BENCH_COUNT per call;
#  3. durable sequence numbers/s (64 callers, one number per call: async, as for
#     timestamps, and 64 blocking threads) against Pilcrow's way: an SQLite table
#     `event_sequence` incremented in one transaction per event (default journal mode,
#     synchronous=FULL), on the same disk; prints both ratios.
# Usage: bench/tso_bench.sh [BUILD_DIR]   (default build/release; needs kairos, tso_load,
#        bare_tso_client)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
KAIROS=$build/bin/kairos
LOAD=$build/bin/tso_load
BARE=$build/bin/bare_tso_client
DURATION=${TSO_BENCH_DURATION:-5s}
SQLITE_EVENTS=${TSO_BENCH_SQLITE_EVENTS:-2000}
COUNT=${TSO_BENCH_COUNT:-32}
WIDE=${TSO_BENCH_WIDE:-1024}
for b in "$KAIROS" "$LOAD" "$BARE"; do [ -x "$b" ] || { echo "missing $b (cmake --build --preset release)" >&2; exit 1; }; done
command -v sqlite3 >/dev/null || { echo "sqlite3 not installed" >&2; exit 1; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/kairos-tso-bench.XXXXXX")
server=""
unix_server=""
stop() { if [ -n "$1" ]; then kill "$1" 2>/dev/null && wait "$1" 2>/dev/null || true; fi; }
cleanup() { stop "$unix_server"; stop "$server"; rm -rf "$scratch"; }
trap cleanup EXIT
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
ep=127.0.0.1:$port
setpriv --bounding-set -sys_time -- taskset -c 1 "$KAIROS" serve --state-dir "$scratch/state" --ntp-listen off --http-listen off --shm-name off \
  --grpc-listen "$ep" --log-level warn >"$scratch/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do "$KAIROS" tso get --grpc "$ep" --timeout 100ms >/dev/null 2>&1 && break; sleep 0.05; done
load() { taskset -c 0 "$LOAD" load --grpc "$ep" "$@"; }
field() { sed -E "s/.* $1=([0-9.]+).*/\1/"; }

echo "# kairos TSO benchmark, $(date -u +%FT%TZ), $(nproc) CPUs, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
tsa=$(load --kind ts --api async --callers 64 --count 1 --duration "$DURATION")
echo "timestamps, 64 async callers, 1 per call: $tsa"
bare=$(taskset -c 0 "$BARE" --grpc "$ep" --callers 64 --duration "$DURATION")
echo "bare gRPC client, 64 callers, 1 per call:  $bare"
bare_poll=$(taskset -c 0 "$BARE" --grpc "$ep" --callers 64 --in-flight 1 --busy-poll 200us --duration "$DURATION")
echo "the same, polling, 1 message in flight:    $bare_poll"
uep=unix:$scratch/tso.sock
setpriv --bounding-set -sys_time -- taskset -c 1 "$KAIROS" serve --state-dir "$scratch/unix-state" --ntp-listen off --http-listen off \
  --shm-name off --grpc-listen "$uep" --log-level warn >"$scratch/unix-serve.log" 2>&1 &
unix_server=$!
for _ in $(seq 100); do "$KAIROS" tso get --grpc "$uep" --timeout 100ms >/dev/null 2>&1 && break; sleep 0.05; done
tsu=$(taskset -c 0 "$LOAD" load --grpc "$uep" --kind ts --api async --callers 64 --count 1 --duration "$DURATION")
echo "on a Unix socket, 64 async callers:        $tsu"
bare_poll_u=$(taskset -c 0 "$BARE" --grpc "$uep" --callers 64 --in-flight 1 --busy-poll 200us --duration "$DURATION")
echo "on a Unix socket, bare client polling:     $bare_poll_u"
stop "$unix_server"
unix_server=""
arate=$(field calls_per_s <<<"$tsa")
ahalf=$(python3 -c "print(int($arate/2))")
tsah=$(load --kind ts --api async --callers 64 --count 1 --duration "$DURATION" --rate "$ahalf")
echo "async at half rate ($ahalf calls/s):     $tsah"
tsw=$(load --kind ts --api async --callers "$WIDE" --count 1 --duration "$DURATION")
echo "timestamps, $WIDE async callers, 1 per call: $tsw"
ts1=$(load --kind ts --callers 64 --count 1 --duration "$DURATION")
echo "timestamps, 64 threads, 1 per call:      $ts1"
tsn=$(load --kind ts --callers 64 --count "$COUNT" --duration "$DURATION")
echo "timestamps, 64 threads, $COUNT per call:     $tsn"
rate=$(field calls_per_s <<<"$ts1")
half=$(python3 -c "print(int($rate/2))")
tsh=$(load --kind ts --callers 64 --count 1 --duration "$DURATION" --rate "$half")
echo "timestamps at half rate ($half calls/s): $tsh"
rate_1m=$((1000000 / COUNT))
tsm=$(load --kind ts --callers 64 --count "$COUNT" --duration "$DURATION" --rate "$rate_1m")
echo "timestamps at 1M/s ($rate_1m calls/s of $COUNT): $tsm"
seqa=$(load --kind seq --api async --callers 64 --count 1 --duration "$DURATION" --name bench)
echo "sequence numbers, 64 async callers, 1 per call: $seqa"
seq1=$(load --kind seq --callers 64 --count 1 --duration "$DURATION" --name bench)
echo "sequence numbers, 64 threads, 1 per call:       $seq1"

# Pilcrow's approach: one transaction per event on an SQLite table, fsync per commit.
db=$scratch/pilcrow.db
sqlite3 "$db" "CREATE TABLE event_sequence (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
               INSERT INTO event_sequence VALUES ('events', 0);"
{
  echo "PRAGMA synchronous=FULL;"
  for ((i = 0; i < SQLITE_EVENTS; i++)); do
    echo "BEGIN; UPDATE event_sequence SET value = value + 1 WHERE name = 'events' RETURNING value; COMMIT;"
  done
} >"$scratch/events.sql"
t0=$(date +%s%N)
taskset -c 0 sqlite3 "$db" <"$scratch/events.sql" >"$scratch/events.out"
t1=$(date +%s%N)
[ "$(tail -1 "$scratch/events.out")" = "$SQLITE_EVENTS" ] || { echo "sqlite run incomplete" >&2; exit 1; }
sqlite_rate=$(python3 -c "print(round($SQLITE_EVENTS / (($t1 - $t0) / 1e9)))")
echo "sqlite event_sequence, 1 txn/event (journal_mode=$(sqlite3 "$db" 'PRAGMA journal_mode;'), synchronous=FULL, $(df --output=source "$scratch" | tail -1)): $sqlite_rate events/s"

ts_rate=$(field values_per_s <<<"$ts1")
tsn_rate=$(field values_per_s <<<"$tsn")
seq_rate=$(field values_per_s <<<"$seq1")
python3 - "$ts_rate" "$tsn_rate" "$seq_rate" "$sqlite_rate" "$(field p99_us <<<"$tsh")" "$COUNT" \
  "$(field values_per_s <<<"$tsm")" "$(field p99_us <<<"$tsm")" \
  "$(field values_per_s <<<"$tsa")" "$(field values_per_s <<<"$tsah")" "$(field p99_us <<<"$tsah")" \
  "$(field values_per_s <<<"$tsw")" "$WIDE" "$(field values_per_s <<<"$seqa")" \
  "$(field calls_per_s <<<"$bare")" "$(field calls_per_s <<<"$bare_poll")" \
  "$(field values_per_s <<<"$tsu")" "$(field calls_per_s <<<"$bare_poll_u")" <<'PY'
import sys
(ts, tsn, seq, sqlite, p99, count, m_rate, m_p99, a, ah, ah_p99, w, wide, seqa, bare, bare_poll,
 unix, unix_bare_poll) = map(float, sys.argv[1:])
print(f"SUMMARY timestamps/s (64 async callers, 1 per call) {a:,.0f} = {a/2e6:.3f} x the 2,000,000/s target")
print(f"SUMMARY the same 64 callers on a bare gRPC client (no library) {bare:,.0f}/s: library / bare = {a/bare:.2f}")
print(f"SUMMARY the bare client polling, 1 message in flight {bare_poll:,.0f}/s = {bare_poll/2e6:.3f} x the target")
print(f"SUMMARY on a Unix socket: 64 async callers {unix:,.0f}/s = {unix/2e6:.3f} x the target; bare client polling {unix_bare_poll:,.0f}/s")
print(f"SUMMARY p99 per call at half that rate ({ah:,.0f}/s reached, async, open loop) {ah_p99:.0f} us (target < 1000 us)")
print(f"SUMMARY timestamps/s ({wide:.0f} async callers, 1 per call) {w:,.0f} = {w/2e6:.3f} x the 2,000,000/s target")
print(f"SUMMARY timestamps/s (64 blocking threads, 1 per call) {ts:,.0f} = {ts/2e6:.3f} x the 2,000,000/s target")
print(f"SUMMARY timestamps/s ({count:.0f} per call) {tsn:,.0f} = {tsn/2e6:.3f} x the 2,000,000/s target")
print(f"SUMMARY p99 per call at half the blocking 1-per-call rate {p99:.0f} us (target < 1000 us)")
print(f"SUMMARY p99 per call at {m_rate:,.0f} timestamps/s ({count:.0f} per call) {m_p99:.0f} us (target < 1000 us)")
print(f"SUMMARY durable sequence numbers/s (64 async callers) {seqa:,.0f} vs sqlite {sqlite:,.0f}/s = {seqa/sqlite:,.0f} x (target >= 100 x)")
print(f"SUMMARY durable sequence numbers/s (64 blocking threads) {seq:,.0f} vs sqlite {sqlite:,.0f}/s = {seq/sqlite:,.0f} x")
PY
