#!/usr/bin/env bash
# integration/clock_watch.py, the wrapper of every integration test: its step finder on
# made-up readings, then whole runs against a clock that libfaketime makes run 10 % fast
# for the wrapper alone (CLOCK_MONOTONIC left true): what a stepping hypervisor agent looks
# like to it. This machine's clock is never touched.
set -euo pipefail
cd "$(dirname "$0")/integration"
FAKETIME_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
[ -r "$FAKETIME_LIB" ] || { echo "libfaketime missing: run scripts/install-deps (package faketime)"; exit 1; }

python3 clock_watch.py --self-test

# expect WANT FAKED COMMAND...: clock_watch.py COMMAND exits WANT (FAKED=1: clock 10 % fast).
expect() {
  local want=$1 faked=$2 rc=0; shift 2
  if [ "$faked" = 1 ]; then
    LD_PRELOAD=$FAKETIME_LIB FAKETIME="+0 x1.1" FAKETIME_DONT_FAKE_MONOTONIC=1 \
      python3 clock_watch.py "$@" 2>"$TMP" &
    local pid=$!
    wait "$pid" || rc=$?
    # libfaketime leaves its shared memory behind when Python exits: remove this run's.
    rm -f "/dev/shm/faketime_shm_$pid" "/dev/shm/sem.faketime_sem_$pid"
  else
    python3 clock_watch.py "$@" 2>"$TMP" || rc=$?
  fi
  [ "$rc" = "$want" ] || { cat "$TMP"; echo "FAIL: clock_watch.py $* (faked=$faked): exit $rc, want $want"; exit 1; }
}
TMP=$(mktemp); trap 'rm -f "$TMP"' EXIT
# This machine's own clock, unfaked: steady, unless something outside steps it now (as on
# the CI VM that gained 5 ms a second); then the wrapper must say so and void the failure.
rc=0; python3 clock_watch.py bash -c 'sleep 0.5; exit 3' 2>"$TMP" || rc=$?
if grep -q "reported as skipped" "$TMP"; then
  [ "$rc" = 77 ] || { cat "$TMP"; echo "FAIL: said void, yet exit $rc, want 77"; exit 1; }
  echo "ok: this machine's clock is being stepped from outside now: the failure is void (77)"
else
  [ "$rc" = 3 ] || { cat "$TMP"; echo "FAIL: exit $rc, want 3 (a failure on a steady clock)"; exit 1; }
  echo "ok: a failure on a steady clock stays a failure (exit 3)"
fi

expect 77 1 bash -c 'sleep 0.5; exit 1'
grep -q "stepped from outside" "$TMP" || { cat "$TMP"; echo "FAIL: no step report"; exit 1; }
grep -q "reported as skipped" "$TMP" || { cat "$TMP"; echo "FAIL: no word on the void result"; exit 1; }
echo "ok: a failure while the clock moved is void: exit 77 (skipped), the steps printed"

expect 0 1 bash -c 'sleep 0.5'
grep -q "stepped from outside" "$TMP" || { cat "$TMP"; echo "FAIL: no step report"; exit 1; }
echo "ok: a pass while the clock moved stays a pass, the steps printed"

expect 77 0 bash -c 'exit 77'
echo "ok: a test's own skip (77) passes through"
