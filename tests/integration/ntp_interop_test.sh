#!/usr/bin/env bash
# Real NTP peers from Debian packages against kairos, on loopback:
# - ntpdig (ntpsec-ntpdate) and sntp query `kairos serve` and see an offset within 1 ms;
# - chronyd -Q (never allowed to set the clock) reads a sane offset and kairos's stratum;
# - `kairos query` and ntpdig agree within 1 ms about a chronyd server.
# ntpdig and sntp only ask port 123, so each server gets a loopback address of its own.
# ntpdig (Python, user-space timestamps) takes 4 samples and keeps its best, as ntpdate
# and sntp do: one slow exchange on a loaded machine puts a single sample off by ~delay/2.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ntp_lib.sh"
for tool in ntpdig sntp chronyd; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps)"
done

addr=$(private_loopback)
[ -n "$addr" ] || fail "no free loopback address for port 123"
start_kairos interop --ntp-listen "$addr:123" --threads 1 --local-stratum 10

out=$(timeout 20 ntpdig -j -p 4 -g 100 "$addr") || fail "ntpdig failed: $out"
echo "ntpdig: $out"
[ "$(json_field "$out" stratum)" = 10 ] || fail "ntpdig stratum"
abs_le "$(json_field "$out" offset)" 0.001 || fail "ntpdig offset over 1 ms"
pass "ntpdig reads kairos serve within 1 ms"

out=$(timeout 20 sntp "$addr" 2>&1) || fail "sntp failed: $out"
echo "sntp: $out"
line=$(grep -E " $addr s10 " <<<"$out") || fail "sntp did not report stratum 10"
offset=$(awk '{print $4}' <<<"$line")
abs_le "$offset" 0.001 || fail "sntp offset $offset over 1 ms"
pass "sntp reads kairos serve within 1 ms"

mkdir -p "$SCRATCH/chrony-q"
cat >"$SCRATCH/chrony-q.conf" <<CONF
server $addr iburst maxsamples 4
cmdport 0
pidfile $SCRATCH/chrony-q.pid
logdir $SCRATCH/chrony-q
log measurements
CONF
timeout 60 setpriv --bounding-set -sys_time -- chronyd -Q -u root -f "$SCRATCH/chrony-q.conf" \
  >"$SCRATCH/chrony-q.log" 2>&1 || { cat "$SCRATCH/chrony-q.log"; fail "chronyd -Q failed"; }
cat "$SCRATCH/chrony-q.log"
wrong=$(sed -nE 's/.*System clock wrong by (-?[0-9.]+) seconds.*/\1/p' "$SCRATCH/chrony-q.log")
[ -n "$wrong" ] || fail "chronyd -Q reported no offset"
abs_le "$wrong" 0.001 || fail "chronyd -Q offset $wrong over 1 ms"
# measurements.log: date time IP L St ...; every sample from kairos is stratum 10.
strata=$(awk -v a="$addr" '$3 == a {print $5}' "$SCRATCH/chrony-q/measurements.log" | sort -u)
[ "$strata" = 10 ] || fail "chronyd saw stratum '$strata'"
pass "chronyd -Q: offset $wrong s, stratum 10"
stop_kairos interop

# kairos query and ntpdig against one chronyd server.
addr2=$(private_loopback)
[ -n "$addr2" ] || fail "no free loopback address for chronyd"
cat >"$SCRATCH/chrony-s.conf" <<CONF
local stratum 8
allow 127.0.0.0/8
bindaddress $addr2
port 123
cmdport 0
pidfile $SCRATCH/chrony-s.pid
CONF
setpriv --bounding-set -sys_time -- chronyd -x -d -u root -f "$SCRATCH/chrony-s.conf" \
  >"$SCRATCH/chrony-s.log" 2>&1 &
PIDS+=($!)
ok=0
for _ in $(seq 1 50); do
  if "$KAIROS_BIN" query "$addr2" -n 1 --timeout 200ms >/dev/null 2>&1; then ok=1; break; fi
  sleep 0.2
done
[ $ok = 1 ] || { cat "$SCRATCH/chrony-s.log"; fail "chronyd server did not answer"; }
ours=$("$KAIROS_BIN" query "$addr2" --json -n 4 --interval 100ms)
theirs=$(timeout 20 ntpdig -j -p 4 -g 100 "$addr2")
echo "kairos query: $ours"
echo "ntpdig:       $theirs"
[ "$(json_field "$ours" stratum)" = 8 ] || fail "kairos query: chronyd stratum"
[ "$(json_field "$theirs" stratum)" = 8 ] || fail "ntpdig: chronyd stratum"
diff=$(python3 -c "import sys; print(float(sys.argv[1]) * 1e-9 - float(sys.argv[2]))" \
  "$(json_field "$ours" offset_ns)" "$(json_field "$theirs" offset)")
abs_le "$diff" 0.001 || fail "kairos query and ntpdig differ by $diff s"
pass "kairos query agrees with ntpdig about chronyd (difference $diff s)"
