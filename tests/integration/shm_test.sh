#!/usr/bin/env bash
# Bounded time end to end: `kairos serve` publishes the shm segment, `kairos now` reads it.
# - daemon up: the reading contains the system time and says synchronized;
# - daemon killed with SIGKILL: readers report stale once the heartbeat is older than
#   stale_after; SIGTERM: the segment is removed;
# - a segment of another layout version (older or newer) or a foreign one: clear errors.
# (The sync engine is not wired in yet: the daemon serves its local clock, so "true time"
# here is the system clock.)
source "$(dirname "$0")/lib.sh"

NAME=/kairos-it-$$
# Also remove the segments (the daemon's, if it was SIGKILLed, and the hand-made ones),
# keeping the exit status for lib.sh's cleanup.
cleanup_shm() {
  local rc=$?
  rm -f "/dev/shm${NAME}" "/dev/shm${NAME}-v0" "/dev/shm${NAME}-v2" "/dev/shm${NAME}-x"
  set +e
  (exit $rc)
  cleanup
}
trap cleanup_shm EXIT

"$KAIROS_BIN" now --help | grep -q -- --shm-name || fail "now --help explains --shm-name"
"$KAIROS_BIN" serve --help | grep -q -- --shm-name || fail "serve --help explains --shm-name"

cat >"$SCRATCH/kairos.toml" <<TOML
[shm]
name = "$NAME"
stale_after = "2s"
heartbeat_interval = "200ms"
TOML

start_daemon() {
  local log=$1; shift
  setpriv --bounding-set -sys_time -- "$KAIROS_BIN" serve --state-dir "$SCRATCH/state" --http-listen 127.0.0.1:0 --ntp-listen 127.0.0.1:0 "$@" >"$log" 2>&1 &
  DAEMON=$!
  PIDS+=("$DAEMON")
  wait_for_log "$log" "serving:"
}

# 1. The reading contains the system time, and the status is synchronized.
start_daemon "$SCRATCH/up.log" --config "$SCRATCH/kairos.toml"
grep -q "shm: bounded time published at $NAME" "$SCRATCH/up.log" || fail "no shm log line"
for i in 1 2 3; do
  before=$(date +%s%N)
  out=$("$KAIROS_BIN" now --shm-name "$NAME" --json) || fail "kairos now failed: $out"
  after=$(date +%s%N)
  python3 - "$out" "$before" "$after" <<'PY' || fail "reading does not contain the system time: $out"
import json, sys
r = json.loads(sys.argv[1]); before, after = int(sys.argv[2]), int(sys.argv[3])
assert r["status"] == "synchronized", r
assert r["earliest_ns"] <= after and r["latest_ns"] >= before, (r, before, after)
assert r["earliest_ns"] <= r["midpoint_ns"] <= r["latest_ns"], r
assert r["error_bound_ns"] == r["latest_ns"] - r["midpoint_ns"] and r["error_bound_ns"] >= 0, r
PY
done
"$KAIROS_BIN" now --shm-name "$NAME" | grep -q "^status *synchronized" || fail "text output"
pass "kairos now contains the system time while the daemon runs"

# A second daemon on the same name is refused while the first is alive.
rc=0; "$KAIROS_BIN" serve --state-dir "$SCRATCH/state2" --http-listen 127.0.0.1:0 --ntp-listen 127.0.0.1:0 --shm-name "$NAME" >"$SCRATCH/dup.log" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "second daemon on $NAME started"
grep -q "in use by live process $DAEMON" "$SCRATCH/dup.log" || fail "dup message: $(cat "$SCRATCH/dup.log")"
pass "a live segment is not taken over"

# 2. SIGKILL: no cleanup; after stale_after (2 s) readers say stale.
kill -KILL "$DAEMON"; wait "$DAEMON" 2>/dev/null || true
"$KAIROS_BIN" now --shm-name "$NAME" --json >/dev/null || fail "fresh reading right after SIGKILL should still be ok"
sleep 2.5
rc=0; out=$("$KAIROS_BIN" now --shm-name "$NAME" --json 2>"$SCRATCH/stale.err") || rc=$?
[ "$rc" -eq 1 ] || fail "stale reading exit code $rc"
python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert r["status"]=="stale", r' "$out" || fail "status not stale: $out"
grep -q "has not updated it for longer than 2s" "$SCRATCH/stale.err" || fail "stale message: $(cat "$SCRATCH/stale.err")"
pass "SIGKILLed writer: readers report stale after stale_after"

# The next daemon replaces the dead one's leftover segment.
start_daemon "$SCRATCH/again.log" --config "$SCRATCH/kairos.toml"
"$KAIROS_BIN" now --shm-name "$NAME" >/dev/null || fail "restarted daemon's segment unreadable"
pass "a restarted daemon replaces the leftover segment"

# 3. SIGTERM removes the segment.
kill -TERM "$DAEMON"; rc=0; wait "$DAEMON" || rc=$?
[ "$rc" -eq 0 ] || fail "serve exited $rc after SIGTERM"
[ ! -e "/dev/shm${NAME}" ] || fail "segment still exists after SIGTERM"
rc=0; "$KAIROS_BIN" now --shm-name "$NAME" 2>"$SCRATCH/gone.err" || rc=$?
[ "$rc" -eq 1 ] || fail "missing segment exit code $rc"
grep -q "no bounded-clock segment $NAME" "$SCRATCH/gone.err" || fail "missing message: $(cat "$SCRATCH/gone.err")"
pass "SIGTERM removes the segment; readers say it is missing"
rc=0; "$KAIROS_BIN" now --shm-name "no-slash" 2>"$SCRATCH/badname.err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "shm name 'no-slash' must be '/' followed by" "$SCRATCH/badname.err" ||
  fail "bad --shm-name: rc $rc, $(cat "$SCRATCH/badname.err")"
pass "a bad --shm-name is a usage error (exit 2)"

# 4. Hand-made segments: an older and a newer layout, and a foreign file.
python3 - "$NAME" <<'PY'
import struct, sys
name = sys.argv[1]
for suffix, version in (("-v0", 0), ("-v2", 2)):
    hdr = struct.pack("<QIIIIq", 0x5454736f7269616b, version, 128, 64, 64, 10**10)
    open("/dev/shm" + name + suffix, "wb").write(hdr.ljust(128, b"\0"))
open("/dev/shm" + name + "-x", "wb").write(b"definitely not kairos".ljust(128, b"\0"))
PY
for v in 0 2; do
  rc=0; "$KAIROS_BIN" now --shm-name "$NAME-v$v" 2>"$SCRATCH/v$v.err" || rc=$?
  [ "$rc" -eq 1 ] || fail "version $v segment exit code $rc"
  grep -q "has layout version $v; this reader understands version 1" "$SCRATCH/v$v.err" ||
    fail "version $v message: $(cat "$SCRATCH/v$v.err")"
done
rc=0; "$KAIROS_BIN" now --shm-name "$NAME-x" 2>"$SCRATCH/x.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "not a kairos bounded-clock segment" "$SCRATCH/x.err" || fail "foreign segment: $(cat "$SCRATCH/x.err")"
pass "older, newer and foreign segments get clear errors"

# 5. --shm-name off publishes nothing; a bad name is refused.
start_daemon "$SCRATCH/off.log" --shm-name off
[ ! -e "/dev/shm${NAME}" ] || fail "segment created with --shm-name off"
kill -TERM "$DAEMON"; wait "$DAEMON"
rc=0; "$KAIROS_BIN" serve --state-dir "$SCRATCH/s" --shm-name bad/name 2>"$SCRATCH/bad.err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "shm name 'bad/name' must be" "$SCRATCH/bad.err" || fail "bad --shm-name: $(cat "$SCRATCH/bad.err")"
pass "--shm-name off and bad names"
