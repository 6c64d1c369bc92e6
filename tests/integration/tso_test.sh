#!/usr/bin/env bash
# The timestamp oracle and sequencer over gRPC, end to end through `kairos serve` and the
# `kairos tso get` / `kairos seq next` clients: values, restarts, bad requests with clear
# gRPC errors, and an oracle that refuses to serve when its clock is behind the window.
source "$(dirname "$0")/lib.sh"

port=$(free_tcp_port)
ep=127.0.0.1:$port
state=$SCRATCH/state
start_serve() {
  log=$SCRATCH/serve.$1.log
  setpriv --bounding-set -sys_time -- "$KAIROS_BIN" serve --state-dir "$state" --ntp-listen off --http-listen off --shm-name off \
    --grpc-listen "$ep" >"$log" 2>&1 &
  serve_pid=$!
  PIDS+=("$serve_pid")
}

"$KAIROS_BIN" tso get --help | grep -q -- --count || fail "tso get --help explains --count"
"$KAIROS_BIN" seq next --help | grep -q -- --name || fail "seq next --help explains --name"
"$KAIROS_BIN" serve --help | grep -q -- --grpc-listen || fail "serve --help explains --grpc-listen"

start_serve 1
wait_for_log "$log" "gRPC listening"
mapfile -t ts < <("$KAIROS_BIN" tso get --grpc "$ep" --count 5)
[ "${#ts[@]}" -eq 5 ] || fail "tso get --count 5 printed ${#ts[@]} lines"
printf '%s\n' "${ts[@]}" | sort -C -u -n || fail "timestamps not strictly increasing: ${ts[*]}"
now_ms=$(date +%s%3N)
phys=$(( ts[0] >> 18 ))
(( phys >= now_ms - 5000 && phys <= now_ms + 3100 )) || fail "physical part $phys far from now $now_ms"
pass "tso get: 5 increasing hybrid timestamps near the clock"

json=$("$KAIROS_BIN" tso get --grpc "$ep" --json)
grep -q '"physical_time":"20' <<<"$json" || fail "tso get --json: $json"
pass "tso get --json"

[ "$("$KAIROS_BIN" seq next --grpc "$ep" --name orders)" = 1 ] || fail "a new sequence starts at 1"
[ "$("$KAIROS_BIN" seq next --grpc "$ep" --name orders --count 3 | tr '\n' ' ')" = "2 3 4 " ] ||
  fail "seq next --count 3 is not 2 3 4"
[ "$("$KAIROS_BIN" seq next --grpc "$ep" --name other --json)" = '{"count":1,"first":1,"name":"other"}' ] ||
  fail "seq next --json"
pass "seq next: named sequences from 1, contiguous"

expect_error() {  # expect_error WHAT PATTERN CMD...
  local what=$1 pattern=$2; shift 2
  local rc=0
  "$@" >"$SCRATCH/out" 2>"$SCRATCH/err" || rc=$?
  [ "$rc" -eq 1 ] || fail "$what: exit $rc, want 1 ($(cat "$SCRATCH/err"))"
  grep -q -- "$pattern" "$SCRATCH/err" || fail "$what: message '$(cat "$SCRATCH/err")' lacks '$pattern'"
  pass "$what: $(cat "$SCRATCH/err")"
}
expect_error "count 0" "INVALID_ARGUMENT: count must be at least 1" \
  "$KAIROS_BIN" tso get --grpc "$ep" --count 0 --timeout 2s
expect_error "count over the limit" "OUT_OF_RANGE: count 300000 is over the limit of 262144" \
  "$KAIROS_BIN" tso get --grpc "$ep" --count 300000 --timeout 2s
expect_error "bad sequence name" "INVALID_ARGUMENT: sequence name may only contain" \
  "$KAIROS_BIN" seq next --grpc "$ep" --name 'no/slash' --timeout 2s
expect_error "sequence count 0" "INVALID_ARGUMENT: count must be at least 1" \
  "$KAIROS_BIN" seq next --grpc "$ep" --count 0 --timeout 2s
# The server still serves after bad requests.
"$KAIROS_BIN" tso get --grpc "$ep" >/dev/null || fail "tso get after bad requests"

last=$("$KAIROS_BIN" tso get --grpc "$ep")
kill -TERM "$serve_pid"; wait "$serve_pid" || fail "serve did not stop cleanly"
start_serve 2
wait_for_log "$log" "gRPC listening"
after=$("$KAIROS_BIN" tso get --grpc "$ep")
printf '%s\n%s\n' "$last" "$after" | sort -C -u -n || fail "after a restart $after <= $last"
[ "$("$KAIROS_BIN" seq next --grpc "$ep" --name orders)" -gt 4 ] || fail "sequence went back"
pass "restart: timestamps and sequences continue above what was served"
# A second daemon (its own state) on the same port is refused: gRPC alone would share the
# port (SO_REUSEPORT), and the two sequencers would each count from where their store is.
rc=0
timeout 10 "$KAIROS_BIN" serve --state-dir "$SCRATCH/state2" --ntp-listen off --http-listen off --shm-name off \
  --grpc-listen "$ep" >"$SCRATCH/dup.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q "cannot listen for gRPC on $ep: Address already in use" "$SCRATCH/dup.log" ||
  fail "second daemon on $ep: rc $rc, $(cat "$SCRATCH/dup.log")"
fresh=$(for _ in 1 2 3 4 5 6; do "$KAIROS_BIN" seq next --grpc "$ep" --name fresh; done | tr '\n' ' ')
[ "$fresh" = "1 2 3 4 5 6 " ] || fail "six connections drew '$fresh' from a new sequence"
pass "a second daemon on the same TCP port is refused: $(grep -o 'cannot listen.*' "$SCRATCH/dup.log")"
kill -TERM "$serve_pid"; wait "$serve_pid"

# A window persisted 1 h ahead of this clock: the oracle refuses instead of jumping.
python3 - "$state/tso.hwm" <<'PY'
import sys, time
body = b"kairos-tso-hwm 1\nts %d\n" % (int(time.time() * 1000) + 3600 * 1000)
h = 14695981039346656037
for c in body:
    h = ((h ^ c) * 1099511628211) % (1 << 64)
open(sys.argv[1], "wb").write(body + b"checksum %016x\n" % h)
PY
rc=0
setpriv --bounding-set -sys_time -- "$KAIROS_BIN" serve --state-dir "$state" --grpc-listen "$ep" \
  >"$SCRATCH/panic.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "serve with the clock 1h behind the window exited $rc"
grep -q "behind the persisted timestamp window, more than the panic threshold" "$SCRATCH/panic.log" ||
  fail "panic message: $(cat "$SCRATCH/panic.log")"
pass "clock behind the persisted window: refuses to serve ($(grep -o 'clock is.*' "$SCRATCH/panic.log"))"

printf 'garbage\n' >"$state/tso.hwm"
rc=0
"$KAIROS_BIN" serve --state-dir "$state" --grpc-listen "$ep" >"$SCRATCH/corrupt.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q "tso.hwm: line 1: expected the header" "$SCRATCH/corrupt.log" ||
  fail "corrupt tso.hwm: rc $rc, $(cat "$SCRATCH/corrupt.log")"
pass "a corrupt high-water-mark file stops the daemon with a clear error"

# On a Unix socket: local clients are served; a second daemon on the live path is refused
# (gRPC alone would take the path over); the socket file a killed daemon leaves is replaced
# when it restarts, and a clean stop removes it.
sock=unix:$SCRATCH/tso.sock
serve_off() { "$KAIROS_BIN" serve --ntp-listen off --http-listen off --shm-name off "$@"; }
start_unix() {
  log=$SCRATCH/unix.$1.log
  setpriv --bounding-set -sys_time -- "$KAIROS_BIN" serve --state-dir "$SCRATCH/ustate" --ntp-listen off \
    --http-listen off --shm-name off --grpc-listen "$sock" >"$log" 2>&1 &
  serve_pid=$!
  PIDS+=("$serve_pid")
  wait_for_log "$log" "gRPC listening on $sock"
}
start_unix 1
before=$("$KAIROS_BIN" tso get --grpc "$sock") || fail "tso get over $sock"
[ "$("$KAIROS_BIN" seq next --grpc "$sock" --name local)" = 1 ] || fail "seq next over $sock"
rc=0
serve_off --state-dir "$SCRATCH/ustate2" --grpc-listen "$sock" >"$SCRATCH/unix.dup.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q "another process is serving on $sock" "$SCRATCH/unix.dup.log" ||
  fail "second daemon on a live socket: rc $rc, $(cat "$SCRATCH/unix.dup.log")"
"$KAIROS_BIN" tso get --grpc "$sock" --timeout 2s >/dev/null || fail "the first daemon lost its socket"
kill -KILL "$serve_pid"
wait "$serve_pid" 2>/dev/null || true
[ -S "$SCRATCH/tso.sock" ] || fail "a killed daemon's socket file is expected to stay"
start_unix 2
after=$("$KAIROS_BIN" tso get --grpc "$sock") || fail "tso get after a restart on $sock"
printf '%s\n%s\n' "$before" "$after" | sort -C -u -n || fail "after a restart $after <= $before"
kill -TERM "$serve_pid"
wait "$serve_pid" || fail "serve on $sock did not stop cleanly"
[ ! -e "$SCRATCH/tso.sock" ] || fail "a clean stop left the socket file"
pass "unix socket: served, not taken over, replaced after SIGKILL, removed on stop"
rc=0
serve_off --state-dir "$SCRATCH/ustate" --grpc-listen "unix:" >"$SCRATCH/unix.bad.log" 2>&1 || rc=$?
[ "$rc" -eq 2 ] && grep -q "empty socket path in 'unix:'" "$SCRATCH/unix.bad.log" ||
  fail "--grpc-listen unix: gave rc $rc, $(cat "$SCRATCH/unix.bad.log")"
pass "--grpc-listen unix: (no path): $(cat "$SCRATCH/unix.bad.log")"

# tso.socket_mode decides who may connect: as another user (nobody), a 0600 socket of
# root's refuses the client and a 0666 one serves it. Root itself would pass any mode.
chmod 0711 "$SCRATCH"
cp "$KAIROS_BIN" "$SCRATCH/kairos-for-nobody"
chmod 0755 "$SCRATCH/kairos-for-nobody"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$SCRATCH/kairos-for-nobody" "$@"; }
for mode in 0600 0666; do
  printf '[tso]\nsocket_mode = "%s"\n' "$mode" >"$SCRATCH/mode.toml"
  log=$SCRATCH/unix.mode$mode.log
  setpriv --bounding-set -sys_time -- "$KAIROS_BIN" serve --config "$SCRATCH/mode.toml" \
    --state-dir "$SCRATCH/ustate" --ntp-listen off --http-listen off --shm-name off \
    --grpc-listen "$sock" >"$log" 2>&1 &
  serve_pid=$!
  PIDS+=("$serve_pid")
  wait_for_log "$log" "gRPC listening on $sock"
  [ "$(stat -c %a "$SCRATCH/tso.sock")" = "${mode#0}" ] ||
    fail "socket_mode $mode gave mode $(stat -c %a "$SCRATCH/tso.sock")"
  rc=0
  out=$(as_nobody tso get --grpc "$sock" --timeout 1s 2>&1) || rc=$?
  if [ "$mode" = 0600 ]; then
    [ "$rc" -ne 0 ] && grep -qi "permission denied" <<<"$out" ||
      fail "nobody on a 0600 socket: rc $rc, $out"
    refused=$out
  else
    [ "$rc" -eq 0 ] || fail "nobody on a 0666 socket: rc $rc, $out"
  fi
  kill -TERM "$serve_pid"
  wait "$serve_pid" || fail "serve with socket_mode $mode did not stop cleanly"
done
pass "tso.socket_mode: 0600 refuses another user ($refused), 0666 serves it"
printf '[tso]\nsocket_mode = "0660"\n' >"$SCRATCH/mode.toml"
rc=0
serve_off --config "$SCRATCH/mode.toml" --state-dir "$SCRATCH/ustate" --grpc-listen "$ep" \
  >"$SCRATCH/mode.tcp.log" 2>&1 || rc=$?
[ "$rc" -eq 2 ] && grep -q "tso.socket_mode is for a Unix socket" "$SCRATCH/mode.tcp.log" ||
  fail "socket_mode with a TCP listen: rc $rc, $(cat "$SCRATCH/mode.tcp.log")"
pass "tso.socket_mode with a TCP grpc_listen is refused"
