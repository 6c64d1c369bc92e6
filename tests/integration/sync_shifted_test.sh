#!/usr/bin/env bash
# Issue 5: a client node tracks a server whose clock is shifted by a known amount, within
# 1 ms of the truth by 30 s, and its error bound always contains the truth; the same with
# the shift on the client side instead; and against a plain chronyd server (truth 0).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ntp_lib.sh"
WATCH=${WATCH:-"$(dirname "$0")/watch_status.py"}

# 1. A kairos server shifted by +250 ms, on an address of its own so ntpdig can ask it.
addr=$(private_loopback)
start_kairos shifted --ntp-listen "$addr:123" --http-listen off --shm-name off --sim-clock-offset 250ms
server_pid=$KAIROS_PID
out=$(timeout 10 ntpdig -t 2 "$addr") || fail "ntpdig against the shifted server: $out"
seen=$(awk '{print $4}' <<<"$out")
abs_le "$(python3 -c "print($seen - 0.250)")" 0.002 || fail "ntpdig sees $seen s, want +0.250 s"
pass "ntpdig confirms the server's shift: $seen s"

start_kairos client --server "$addr" --ntp-listen off --http-listen 127.0.0.1:0 --shm-name off
python3 "$WATCH" --http "$KAIROS_HTTP" --truth 250ms --within 1ms --converge-by 30s --watch 34s \
  || fail "client against the shifted server"
kill "$KAIROS_PID" "$server_pid"
pass "client tracks a server shifted by +250 ms"

# 2. The shift on the client side: its own clock reads 250 ms fast, the server is true.
start_kairos server2 --ntp-listen 127.0.0.1:0 --http-listen off --shm-name off
server_pid=$KAIROS_PID
start_kairos client2 --server "$KAIROS_NTP" --ntp-listen off --http-listen 127.0.0.1:0 --shm-name off \
  --sim-clock-offset 250ms
grep -q "TESTING: acting as if the system clock were off by 250ms" "$SCRATCH/client2.log" \
  || fail "the test feature is not logged loudly"
python3 "$WATCH" --http "$KAIROS_HTTP" --truth=-250ms --within 1ms --converge-by 30s --watch 34s \
  || fail "shifted client against a true server"
kill "$KAIROS_PID" "$server_pid"
pass "a client shifted by +250 ms corrects itself by -250 ms"

# 3. A plain chronyd server (its own clock, stratum 8): truth is zero.
port=$(free_udp_port)
cat >"$SCRATCH/chrony.conf" <<CONF
local stratum 8
allow 127.0.0.0/8
port $port
bindaddress 127.0.0.1
cmdport 0
pidfile $SCRATCH/chronyd.pid
CONF
setpriv --bounding-set -sys_time -- chronyd -x -d -u root -f "$SCRATCH/chrony.conf" >"$SCRATCH/chronyd.log" 2>&1 &
PIDS+=($!)
start_kairos client3 --server "127.0.0.1:$port" --ntp-listen off --http-listen 127.0.0.1:0 --shm-name off
python3 "$WATCH" --http "$KAIROS_HTTP" --truth 0 --within 1ms --converge-by 30s --watch 34s \
  || fail "client against chronyd"
stratum=$("$KAIROS_BIN" status --http "$KAIROS_HTTP" --json | python3 -c 'import json,sys;print(json.load(sys.stdin)["stratum"])')
[ "$stratum" = 9 ] || fail "stratum $stratum behind a stratum-8 chronyd, want 9"
pass "client tracks chronyd (truth 0) and serves stratum 9"
