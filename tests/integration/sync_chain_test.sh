#!/usr/bin/env bash
# Issue 5: a three-tier chain on loopback (kairos on its local clock → kairos → kairos)
# delivers stratum and root distance correctly, and ntpdig at the bottom tier agrees with
# the top.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ntp_lib.sh"

top_addr=$(private_loopback)
start_kairos top --ntp-listen "$top_addr:123" --local-stratum 1 --http-listen off --shm-name off
start_kairos middle --server "$top_addr" --ntp-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --shm-name off
middle_ntp=$KAIROS_NTP
middle_http=$KAIROS_HTTP
bottom_addr=$(private_loopback)
while [ "$bottom_addr" = "$top_addr" ]; do bottom_addr=$(private_loopback); done
start_kairos bottom --server "$middle_ntp" --ntp-listen "$bottom_addr:123" --http-listen 127.0.0.1:0 --shm-name off
bottom_http=$KAIROS_HTTP

"$KAIROS_BIN" wait-sync --http "$middle_http" --timeout 60s >/dev/null || fail "middle tier never synchronized"
"$KAIROS_BIN" wait-sync --http "$bottom_http" --timeout 60s >/dev/null || fail "bottom tier never synchronized"
pass "both lower tiers synchronized"

middle=$("$KAIROS_BIN" status --http "$middle_http" --json)
bottom=$("$KAIROS_BIN" status --http "$bottom_http" --json)
python3 - "$middle" "$bottom" <<'PY' || fail "stratum or root distance wrong: middle $middle bottom $bottom"
import json, sys
m, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert m["stratum"] == 2, m["stratum"]
assert b["stratum"] == 3, b["stratum"]
assert m["reference"] != "LOCL" and b["reference"] != "LOCL"
# Root delay accumulates along the chain: the bottom's is the middle's plus its own
# measured delay to the middle.
sel = [s for s in b["sources"] if s["state"] == "selected"][0]
assert b["root_delay_ns"] >= m["root_delay_ns"], (b["root_delay_ns"], m["root_delay_ns"])
assert abs(b["root_delay_ns"] - (m["root_delay_ns"] + sel["delay_ns"])) <= max(m["root_delay_ns"], 200000), \
    (b["root_delay_ns"], m["root_delay_ns"], sel["delay_ns"])
assert m["root_delay_ns"] > 0 and b["root_dispersion_ns"] > 0
# The bottom's bound covers the whole chain's.
assert b["error_bound_ns"] >= b["root_delay_ns"] // 2
print(f"middle: stratum 2, root delay {m['root_delay_ns']} ns; bottom: stratum 3, root delay {b['root_delay_ns']} ns")
PY
pass "stratum 1 → 2 → 3, root delay accumulates"

top_dig=$(timeout 10 ntpdig -t 2 -p 4 -g 100 "$top_addr") || fail "ntpdig top: $top_dig"
bottom_dig=$(timeout 10 ntpdig -t 2 -p 4 -g 100 "$bottom_addr") || fail "ntpdig bottom: $bottom_dig"
grep -q " s3 " <<<"$bottom_dig" || fail "ntpdig sees the bottom at another stratum: $bottom_dig"
top_off=$(awk '{print $4}' <<<"$top_dig")
bottom_off=$(awk '{print $4}' <<<"$bottom_dig")
abs_le "$(python3 -c "print($top_off - ($bottom_off))")" 0.001 \
  || fail "ntpdig: top $top_off s, bottom $bottom_off s differ by more than 1 ms"
pass "ntpdig at the bottom ($bottom_off s) agrees with the top ($top_off s)"
