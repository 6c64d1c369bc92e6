#!/usr/bin/env bash
# The file-mtime source in the daemon (docs/file-time.md): a daemon whose only source is a
# file in a local directory, with its process clock shifted ([testing] sim_clock_offset,
# then libfaketime), measures the shift and reports it in `kairos status` within its
# error bound; a read-only mount and a vanished directory make the source unreachable with
# a clear last_error, and the daemon keeps running.
source "$(dirname "$0")/lib.sh"


# config NAME DIR [SIM_OFFSET [MAX_OFFSET]]: writes $SCRATCH/NAME.toml, a daemon with one
# file source.
config() {
  local name=$1 dir=$2 offset=${3:-} max_offset=${4:-}
  {
    echo 'log_level = "debug"'
    echo 'grpc_listen = "off"'
    echo '[http]'
    echo 'listen = "127.0.0.1:0"'
    echo '[ntp]'
    echo 'listen = "off"'
    echo '[shm]'
    echo 'name = "off"'
    echo '[sync]'
    echo 'minpoll = 0'  # 1 s polls after the burst, so 8 failed polls take seconds
    echo 'maxpoll = 0'
    echo '[[source]]'
    echo 'type = "file"'
    echo "path = \"$dir\""
    [ -z "$max_offset" ] || echo "max_offset = \"$max_offset\""
    if [ -n "$offset" ]; then
      echo '[testing]'
      echo "sim_clock_offset = \"$offset\""
    fi
  } >"$SCRATCH/$name.toml"
}

# started NAME: after a daemon was started in the background as $KAIROS_PID logging to
# $SCRATCH/NAME.log, waits for its banner and sets KAIROS_HTTP.
started() {
  local log=$SCRATCH/$1.log
  wait_for_log "$log" "serving:" 20
  KAIROS_HTTP=$(grep -o 'status on http://[^ ;,]*' "$log" | head -1 | sed 's|status on http://||')
  [ -n "$KAIROS_HTTP" ] || fail "$1: no status address in the log"
}

# wait_status NAME PYTHON_CONDITION [SECONDS]: polls `kairos status --json` (as j, the
# file source as src) until the condition holds; leaves the JSON in $SCRATCH/NAME.json.
wait_status() {
  local name=$1 cond=$2 limit=${3:-40}
  local deadline=$((SECONDS + limit))
  while ((SECONDS < deadline)); do
    if "$KAIROS_BIN" status --http "$KAIROS_HTTP" --json >"$SCRATCH/$name.json" 2>/dev/null &&
      python3 - "$SCRATCH/$name.json" "$cond" <<'PY'; then
import json, sys
j = json.load(open(sys.argv[1]))
src = [s for s in j["sources"] if s["address"].startswith("file:")][0]
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
      return 0
    fi
    sleep 0.5
  done
  echo "--- last status:" >&2; cat "$SCRATCH/$name.json" >&2 || true
  echo "--- log:" >&2; tail -30 "$SCRATCH/$name.log" >&2 || true
  fail "$name: '$cond' did not hold within ${limit}s"
}

# check_offset NAME SHIFT_NS: the synchronized daemon's offset is −SHIFT within its bound,
# and its virtual time agrees with this (unshifted) process's clock within the bound.
check_offset() {
  local name=$1 shift_ns=$2
  local before after
  before=$(date +%s%N)
  "$KAIROS_BIN" status --http "$KAIROS_HTTP" --json >"$SCRATCH/$name.json" || fail "$name: status"
  after=$(date +%s%N)
  python3 - "$SCRATCH/$name.json" "$shift_ns" "$before" "$after" "$name" <<'PY' || fail "$name: offset"
import json, sys
j = json.load(open(sys.argv[1]))
shift, before, after, name = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
off, bound = j["offset_ns"], j["error_bound_ns"]
src = [s for s in j["sources"] if s["address"].startswith("file:")][0]
print(f"{name}: shift {shift/1e6:+.3f} ms -> offset_ns {off/1e6:+.3f} ms, error bound "
      f"{bound/1e6:.3f} ms, source offset {src['offset_ns']/1e6:+.3f} ms, state {src['state']}")
assert j["synchronized"] and j["status"] == "synchronized", j["status"]
assert src["state"] == "selected", src
assert j["reference"] == "FILE" and j["stratum"] == 1, (j["reference"], j["stratum"])
assert abs(off - (-shift)) <= bound, f"|{off} - {-shift}| > {bound}"
# Below the 250 ms shift, so containing the truth means the shift was measured.
assert bound < 200_000_000, f"bound {bound} ns is not a local-disk bound"
# The virtual time, read between `before` and `after` by the true clock, within the bound.
t = j["time_ns"]
assert t - bound <= after + 1_000_000 and t + bound >= before - 1_000_000, (t, before, after, bound)
PY
}

# 1. [testing] sim_clock_offset: the daemon acts as if its clock were 250 ms fast.
mkdir -p "$SCRATCH/shared"
config sim "$SCRATCH/shared" 250ms
setpriv --bounding-set -sys_time -- "$KAIROS_BIN" serve --config "$SCRATCH/sim.toml" \
  --state-dir "$SCRATCH/state-sim" >"$SCRATCH/sim.log" 2>&1 &
KAIROS_PID=$!; PIDS+=("$KAIROS_PID")
started sim
grep -q "TESTING: acting as if the system clock were off by 250ms" "$SCRATCH/sim.log" ||
  fail "no testing warning in the log"
wait_status sim 'j["synchronized"] and src["state"] == "selected"'
check_offset sim 250000000
ls -a "$SCRATCH/shared" | grep -q "^\.kairos-probe\.$(hostname)$" || fail "no per-node probe file"
pass "sim_clock_offset 250ms: kairos status reports offset ≈ −250 ms within its bound"

# 2. The vanished directory, on the same daemon: unreachable, clear error, still running.
rm -rf "$SCRATCH/shared"
wait_status vanished 'src["state"] == "unreachable" and "No such file or directory" in src["last_error"] and j["status"] == "free-running"'
kill -0 "$KAIROS_PID" 2>/dev/null || fail "daemon died after its directory vanished"
[ ! -e "$SCRATCH/shared" ] || fail "the daemon created something where the directory was"
python3 -c 'import json,sys; print("vanished: last_error:", [s for s in json.load(open(sys.argv[1]))["sources"]][0]["last_error"])' "$SCRATCH/vanished.json"
pass "vanished directory: source unreachable, last_error names the cause, daemon alive"
kill -TERM "$KAIROS_PID"; wait "$KAIROS_PID" || fail "sim daemon exit status"

# 3. libfaketime: the process clock is 2 s ahead; the kernel stamps mtimes with the true
# clock (NO_FAKE_STAT keeps libfaketime from shifting the stat results too), and the
# timerfd shim (lib.sh) keeps the daemon's timers running.
build_timerfd_shim
faked=$(LD_PRELOAD=$FAKETIME_LIB FAKETIME=+2s date +%s); real=$(date +%s)
[ $((faked - real)) -ge 1 ] || fail "libfaketime does not shift the clock here ($faked vs $real)"

# start_faked NAME: the daemon of $SCRATCH/NAME.toml with its realtime clock 2 s ahead.
start_faked() {
  setpriv --bounding-set -sys_time -- env LD_PRELOAD="$TIMERFD_SHIM $FAKETIME_LIB" \
    FAKETIME=+2s NO_FAKE_STAT=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
    ASAN_OPTIONS=verify_asan_link_order=0 \
    "$KAIROS_BIN" serve --config "$SCRATCH/$1.toml" --state-dir "$SCRATCH/state-$1" \
    >"$SCRATCH/$1.log" 2>&1 &
  KAIROS_PID=$!; PIDS+=("$KAIROS_PID")
  started "$1"
}

# 3a. With the default max_offset (1 s), a 2 s offset is an alarm, not a correction.
mkdir -p "$SCRATCH/shared2"
config alarm "$SCRATCH/shared2"
start_faked alarm
wait_status alarm '"alarm: offset -2" in src["last_error"] and "exceeds the allowed 1s" in src["last_error"]'
wait_status alarm 'not j["synchronized"] and src["state"] == "unreachable" and src["reach"] == 0' 5
grep -q "ALARM: offset -2" "$SCRATCH/alarm.log" || fail "the alarm is not in the log"
kill -TERM "$KAIROS_PID"; wait "$KAIROS_PID" || fail "alarm daemon exit status"
pass "libfaketime +2s, max_offset 1s: alarm in status and log, clock not corrected"

# 3b. With max_offset = 10s the file source corrects the 2 s.
config faketime "$SCRATCH/shared2" "" 10s
start_faked faketime
wait_status faketime 'j["synchronized"] and src["state"] == "selected"'
check_offset faketime 2000000000
kill -TERM "$KAIROS_PID"; wait "$KAIROS_PID" || fail "faketime daemon exit status"
pass "libfaketime +2s: kairos status reports offset ≈ −2 s within its bound"

# 4. A read-only mount (tmpfs, ro, in a private mount namespace of the daemon's own).
mkdir -p "$SCRATCH/ro"
config ro "$SCRATCH/ro"
unshare -m --propagation private sh -c \
  'mount -t tmpfs -o ro tmpfs "$1" && shift && exec "$@"' sh "$SCRATCH/ro" \
  setpriv --bounding-set -sys_time -- "$KAIROS_BIN" serve --config "$SCRATCH/ro.toml" \
  --state-dir "$SCRATCH/state-ro" >"$SCRATCH/ro.log" 2>&1 &
KAIROS_PID=$!; PIDS+=("$KAIROS_PID")
started ro
wait_status ro 'src["state"] == "unreachable" and "Read-only file system" in src["last_error"] and src["reach"] == 0 and not j["synchronized"]'
kill -0 "$KAIROS_PID" 2>/dev/null || fail "daemon died on a read-only mount"
python3 -c 'import json,sys; print("read-only: last_error:", json.load(open(sys.argv[1]))["sources"][0]["last_error"])' "$SCRATCH/ro.json"
grep -q "Read-only file system" "$SCRATCH/ro.log" || fail "the log does not name the read-only mount"
kill -TERM "$KAIROS_PID"; wait "$KAIROS_PID" || fail "read-only daemon exit status"
pass "read-only mount: source unreachable with 'Read-only file system', no crash"

# 5. --file-source PATH adds a file source from the command line.
mkdir -p "$SCRATCH/shared3"
start_kairos flag --http-listen 127.0.0.1:0 --ntp-listen off --shm-name off \
  --file-source "$SCRATCH/shared3"
grep -q "syncing from file:$SCRATCH/shared3" "$SCRATCH/flag.log" || fail "--file-source not used"
wait_status flag 'src["address"] == "file:'"$SCRATCH/shared3"'" and src["reach"] > 0'
pass "--file-source adds a file source"

# 6. A directory the daemon may not write (no CAP_DAC_OVERRIDE, mode 0555): unreachable
# with "Permission denied".
mkdir -p "$SCRATCH/locked" && chmod 0555 "$SCRATCH/locked"
config locked "$SCRATCH/locked"
setpriv --bounding-set -sys_time,-dac_override,-dac_read_search -- "$KAIROS_BIN" serve \
  --config "$SCRATCH/locked.toml" --state-dir "$SCRATCH/state-locked" >"$SCRATCH/locked.log" 2>&1 &
KAIROS_PID=$!; PIDS+=("$KAIROS_PID")
started locked
wait_status locked 'src["state"] == "unreachable" and "Permission denied" in src["last_error"]'
kill -0 "$KAIROS_PID" 2>/dev/null || fail "daemon died on an unwritable directory"
kill -TERM "$KAIROS_PID"; wait "$KAIROS_PID" || fail "locked daemon exit status"
pass "unwritable directory: source unreachable with 'Permission denied'"
