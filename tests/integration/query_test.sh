#!/usr/bin/env bash
# `kairos serve` answers NTP on its --ntp-listen address; `kairos query` reads it back
# (text and JSON), flags and [ntp] config keys take effect, rate limiting sends a RATE
# Kiss-o'-Death, and query errors (timeout, bad address) are clear.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ntp_lib.sh"

"$KAIROS_BIN" query --help | grep -q -- --samples || fail "query --help"
"$KAIROS_BIN" serve --help | grep -q -- --ntp-listen || fail "serve --help lists --ntp-listen"

start_kairos basic --ntp-listen 127.0.0.1:0 --local-stratum 7 --threads 2
grep -q "2 threads, local stratum 7" "$SCRATCH/basic.log" || fail "flags not applied: $(cat "$SCRATCH/basic.log")"
out=$("$KAIROS_BIN" query "$KAIROS_NTP" --samples 3)
echo "$out"
grep -q "stratum 7, refid 76.79.67.76, leap none" <<<"$out" || fail "query text output"
json=$("$KAIROS_BIN" query "$KAIROS_NTP" --json)
echo "$json"
for k in offset_ns delay_ns stratum refid leap root_delay_ns root_dispersion_ns server; do
  json_field "$json" "$k" >/dev/null || fail "--json lacks $k"
done
[ "$(json_field "$json" stratum)" = 7 ] || fail "stratum in json"
[ "$(json_field "$json" server)" = "$KAIROS_NTP" ] || fail "server in json"
abs_le "$(json_field "$json" offset_ns)" 1000000 || fail "offset on loopback over 1 ms"
pass "kairos query reads kairos serve (stratum from --local-stratum)"
stop_kairos basic
grep -qE "ntp: stopped: received=[1-9][0-9]* replied=[1-9]" "$SCRATCH/basic.log" || fail "counters at stop"
pass "counters logged at stop"

# The [ntp] section of a config file, IPv6, and flags overriding it.
cat >"$SCRATCH/ntp.toml" <<TOML
[ntp]
listen = "[::1]:0"
local_stratum = 4
threads = 1
TOML
if python3 -c 'import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1", 0))' 2>/dev/null; then
  start_kairos v6 --config "$SCRATCH/ntp.toml" --http-listen 127.0.0.1:0 --shm-name off
  [[ "$KAIROS_NTP" == "[::1]:"* ]] || fail "IPv6 listen address: $KAIROS_NTP"
  [ "$(json_field "$("$KAIROS_BIN" query "$KAIROS_NTP" --json -n 1)" stratum)" = 4 ] || fail "v6 query"
  stop_kairos v6
  pass "IPv6 listen from the config file"
else
  echo "note: ::1 is not available here; IPv6 case not run"
fi
start_kairos override --config "$SCRATCH/ntp.toml" --ntp-listen 127.0.0.1:0 --local-stratum 9 --http-listen 127.0.0.1:0 --shm-name off
[ "$(json_field "$("$KAIROS_BIN" query "$KAIROS_NTP" --json -n 1)" stratum)" = 9 ] || fail "flags override [ntp]"
stop_kairos override
pass "flags override the [ntp] section"

# --ntp-listen off: no NTP responder.
log=$SCRATCH/off.log
setpriv --bounding-set -sys_time -- "$KAIROS_BIN" serve --state-dir "$SCRATCH/off" --ntp-listen off --http-listen off --shm-name off >"$log" 2>&1 &
pid=$!; PIDS+=("$pid")
wait_for_log "$log" "serving:"
grep -q "NTP off" "$log" || fail "--ntp-listen off not reported"
! grep -q "ntp: listening" "$log" || fail "listening although off"
kill -TERM "$pid"; wait "$pid"
pass "--ntp-listen off"

# Bad flags and config values.
rc=0; "$KAIROS_BIN" serve --state-dir "$SCRATCH/b" --ntp-listen 127.0.0.1 2>"$SCRATCH/bad.log" || rc=$?
[ "$rc" -eq 2 ] && grep -q "no port" "$SCRATCH/bad.log" || fail "bad --ntp-listen: rc=$rc $(cat "$SCRATCH/bad.log")"
rc=0; "$KAIROS_BIN" serve --state-dir "$SCRATCH/b" --local-stratum 16 2>"$SCRATCH/bad.log" || rc=$?
[ "$rc" -eq 2 ] && grep -q "1..15" "$SCRATCH/bad.log" || fail "bad --local-stratum: rc=$rc"
pass "bad NTP flags are rejected"

# Rate limiting (loopback opted in): a burst of 2, then a RATE Kiss-o'-Death.
cat >"$SCRATCH/rl.toml" <<TOML
[ntp]
listen = "127.0.0.1:0"
threads = 1
rate_limit_loopback = true
rate_limit_per_second = 0.1
rate_limit_burst = 2
TOML
start_kairos rl --config "$SCRATCH/rl.toml" --http-listen 127.0.0.1:0 --shm-name off
rc=0; "$KAIROS_BIN" query "$KAIROS_NTP" --samples 5 --interval 0 2>"$SCRATCH/kod.err" || rc=$?
[ "$rc" -eq 1 ] || fail "query past the rate limit exited $rc"
grep -q "kiss-o'-death RATE" "$SCRATCH/kod.err" || fail "no RATE KoD: $(cat "$SCRATCH/kod.err")"
stop_kairos rl
grep -qE "kod=[1-9][0-9]* rate_limited=[1-9]" "$SCRATCH/rl.log" || fail "rate-limit counters"
pass "rate limit answers with a RATE Kiss-o'-Death"

# Query errors: a closed port (the ICMP error ends it at once), a server that never
# answers, an unresolvable host.
port=$(free_udp_port)
rc=0; "$KAIROS_BIN" query "127.0.0.1:$port" -n 1 --timeout 5s 2>"$SCRATCH/refused.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "ICMP error: Connection refused" "$SCRATCH/refused.err" ||
  fail "closed port: rc=$rc $(cat "$SCRATCH/refused.err")"
python3 -c 'import socket, signal
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print("port", s.getsockname()[1], flush=True); signal.pause()' >"$SCRATCH/silent.out" &
PIDS+=("$!")
wait_for_log "$SCRATCH/silent.out" "^port "
port=$(awk '{print $2}' "$SCRATCH/silent.out")
rc=0; "$KAIROS_BIN" query "127.0.0.1:$port" -n 1 --timeout 300ms 2>"$SCRATCH/to.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "no reply within 300ms" "$SCRATCH/to.err" || fail "timeout: rc=$rc $(cat "$SCRATCH/to.err")"
rc=0; "$KAIROS_BIN" query "no-such-host.invalid" -n 1 2>"$SCRATCH/dns.err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "cannot resolve" "$SCRATCH/dns.err" || fail "bad host: rc=$rc"
rc=0; "$KAIROS_BIN" query "127.0.0.1:0" -n 1 2>"$SCRATCH/port0.err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "port 0 is no server's port" "$SCRATCH/port0.err" ||
  fail "port 0: rc=$rc $(cat "$SCRATCH/port0.err")"
pass "query reports refused ports, timeouts, bad hosts and port 0"
