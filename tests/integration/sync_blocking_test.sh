#!/usr/bin/env bash
# Blocking mode: a node serves no NTP and reports not-ready until its error bound is
# within the target delta; then it serves. A non-blocking node serves at once, flagged
# unsynchronized (leap 3, stratum 16) until it is synchronized.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ntp_lib.sh"

# The upstream is not there yet: nothing can sync.
upstream_port=$(free_udp_port)
start_kairos blocking --server "127.0.0.1:$upstream_port" --sync-mode blocking --target-delta 5ms \
  --ntp-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --shm-name off
blocking_http=$KAIROS_HTTP
grep -q "NTP once synchronized (blocking)" "$SCRATCH/blocking.log" || fail "blocking node does not say it waits"
[ -z "$KAIROS_NTP" ] || fail "blocking node listens for NTP before it is synchronized"
reply=$(http_request "$blocking_http" 'GET /readyz HTTP/1.1\r\n\r\n')
grep -q "^HTTP/1.1 503" <<<"$reply" || fail "blocking node ready before sync: $reply"
pass "blocking node: not ready, no NTP, while unsynchronized"

start_kairos nonblocking --server "127.0.0.1:$upstream_port" --ntp-listen 127.0.0.1:0 \
  --http-listen 127.0.0.1:0 --shm-name off
out=$("$KAIROS_BIN" query "$KAIROS_NTP" --json 2>&1 || true)
grep -q "not synchronized (leap 3, stratum 16)" <<<"$out" || fail "non-blocking node should answer flagged unsynchronized: $out"
pass "non-blocking node answers at once, flagged unsynchronized"

# The upstream appears on the port both were told about.
start_kairos upstream --ntp-listen "127.0.0.1:$upstream_port" --http-listen off --shm-name off
"$KAIROS_BIN" wait-sync --http "$blocking_http" --max-error 5ms --timeout 60s >/dev/null \
  || fail "blocking node never synchronized"
wait_for_log "$SCRATCH/blocking.log" "ntp: listening on" 10
reply=$(http_request "$blocking_http" 'GET /readyz HTTP/1.1\r\n\r\n')
grep -q "^HTTP/1.1 200" <<<"$reply" || fail "blocking node not ready after sync: $reply"
ntp=$(sed -nE 's/.*ntp: listening on ([^ ]+) .*/\1/p' "$SCRATCH/blocking.log" | head -1)
"$KAIROS_BIN" query "$ntp" --json | grep -q '"stratum":11' || fail "blocking node does not serve stratum 11"
pass "once within 5 ms: ready, and serving NTP at stratum 11"
