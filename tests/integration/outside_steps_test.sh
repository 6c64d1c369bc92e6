#!/usr/bin/env bash
# A daemon whose clock another program keeps stepping (as a hypervisor's time agent did to
# a CI VM: CLOCK_REALTIME gained 5 ms a second on CLOCK_MONOTONIC for minutes). libfaketime
# runs the daemon's realtime clock 1 % fast and leaves its monotonic clock true, so the
# daemon sees a step of 10 ms or a little more every second: it warns of each, keeps serving, and names the
# likely cause once. This machine's clock is never touched, and the daemon reads no socket
# timestamps (its one source, the discard port, never answers).
source "$(dirname "$0")/lib.sh"
build_timerfd_shim

log=$SCRATCH/stepped.log
setpriv --bounding-set -sys_time -- env LD_PRELOAD="$TIMERFD_SHIM $FAKETIME_LIB" \
  FAKETIME="+0 x1.01" FAKETIME_DONT_FAKE_MONOTONIC=1 ASAN_OPTIONS=verify_asan_link_order=0 \
  "$KAIROS_BIN" serve --state-dir "$SCRATCH/state" --ntp-listen off --http-listen 127.0.0.1:0 \
  --shm-name off --grpc-listen off --server 127.0.0.1:9 >"$log" 2>&1 &
PIDS+=($!)
wait_for_log "$log" "serving:" 20

steps() { grep -c "system clock stepped by" "$log" || true; }
wait_for_log "$log" "stepped 3 times in" 30
pass "after 3 steps: $(grep -o 'the system clock was stepped.*' "$log")"

# Three more steps, then: still one telling, every step warned of, each about 10 ms.
deadline=$((SECONDS + 30))
while (($(steps) < 6)); do
  ((SECONDS < deadline)) || { cat "$log" >&2; fail "fewer than 6 steps seen in 30 s"; }
  sleep 0.2
done
[ "$(grep -c "by a program other than kairos" "$log")" = 1 ] || { cat "$log" >&2; fail "the cause was named more than once"; }
# Each step is 1 % of the time between two checks: at least the 1 s interval, more when
# the loop is late (a loaded machine), never twice that here.
sizes=$(grep -oE "system clock stepped by [0-9.]+ms" "$log" | grep -oE "[0-9.]+")
for ms in $sizes; do
  python3 -c 'import sys; v = float(sys.argv[1]); sys.exit(0 if 9.5 <= v <= 20 else 1)' "$ms" ||
    { cat "$log" >&2; fail "a step of ${ms}ms, want 10 ms or a little more (1 % of ~1 s)"; }
done
pass "$(steps) steps warned of ($(echo $sizes | tr ' ' ',') ms), the cause named once"

http=$(sed -nE 's|.*status on http://([^ ;,]+).*|\1|p' "$log" | head -1)
reply=$(http_request "$http" 'GET /status HTTP/1.0\r\n\r\n')
[[ $reply == *"200 OK"* ]] || fail "no status reply from the stepped daemon: $reply"
pass "the daemon still serves its status"
