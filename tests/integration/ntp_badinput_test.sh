#!/usr/bin/env bash
# Hostile datagrams: tens of thousands of random, truncated and mangled datagrams (sizes
# 0..1500) at `kairos serve`. No reply may be larger than the request it answers; modes 6/7
# and versions 0/5..7 get no reply; the server keeps answering valid queries afterwards.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ntp_lib.sh"

start_kairos bad --ntp-listen 127.0.0.1:0 --threads 2
host=${KAIROS_NTP%:*}; port=${KAIROS_NTP##*:}

python3 - "$host" "$port" >"$SCRATCH/flood.out" <<'PY' || { cat "$SCRATCH/flood.out"; fail "flood checks"; }
import os, random, select, socket, struct, sys, time
host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.connect((host, port))
rng = random.Random(20261123)

def header(version, mode, tx):
    return bytes([(version << 3) | mode, 0, 6, 0]) + bytes(36) + struct.pack(">Q", tx)

def one_reply(data, wait):
    s.send(data)
    r, _, _ = select.select([s], [], [], wait)
    return s.recv(4096) if r else None

# Explicit cases first, one at a time.
for v in range(1, 5):
    r = one_reply(header(v, 3, 0x1111 + v), 2.0)
    assert r is not None and len(r) == 48 and r[0] & 7 == 4 and (r[0] >> 3) & 7 == v, f"v{v} client"
r = one_reply(header(1, 0, 0x2222), 2.0)
assert r is not None and r[0] & 7 == 4, "NTPv1 mode 0 request is answered"
for v, m, what in [(2, 6, "mode 6"), (2, 7, "mode 7"), (0, 3, "version 0"), (5, 3, "version 5"),
                   (4, 1, "symmetric active"), (4, 4, "server mode")]:
    assert one_reply(header(v, m, 0x3333), 0.3) is None, f"{what} got a reply"
print("explicit cases ok")

sent = 0; replies = 0; too_big = 0; unmatched = 0
min_len = {}  # transmit-timestamp bytes -> shortest request that carried them

def drain(wait):
    global replies, too_big, unmatched
    deadline = time.time() + wait
    while True:
        r, _, _ = select.select([s], [], [], max(0.0, deadline - time.time()))
        if not r:
            return
        data = s.recv(4096)
        replies += 1
        origin = data[24:32] if len(data) >= 32 else None
        if origin not in min_len:
            unmatched += 1
        elif len(data) > min_len[origin]:
            too_big += 1

N = 40000
for i in range(N):
    kind = i % 4
    size = rng.randint(0, 1500)
    tx = rng.getrandbits(64)
    if kind == 0:
        data = rng.randbytes(size)
    elif kind == 1:
        data = header(4, 3, tx)[:rng.randint(0, 48)]
    elif kind == 2:
        data = header(rng.randint(0, 7), rng.randint(0, 7), tx) + rng.randbytes(rng.randint(0, 1452))
    else:
        tail = rng.choice([0, 4, 20, 24, 7, 16, 28, rng.randint(0, 1452)])
        data = header(4, 3, tx) + rng.randbytes(tail)
    if len(data) >= 48:
        key = data[40:48]
        min_len[key] = min(min_len.get(key, 1 << 30), len(data))
    s.send(data)
    sent += 1
    if i % 64 == 63:
        drain(0)
drain(1.5)
print(f"sent={sent} replies={replies} too_big={too_big} unmatched={unmatched}")
assert too_big == 0, "a reply was larger than its request"
assert unmatched == 0, "a reply matched no request"
assert replies > 0, "no request of the flood was answered"
PY
cat "$SCRATCH/flood.out"
pass "no reply larger than its request; modes 6/7 and bad versions dropped"

"$KAIROS_BIN" query "$KAIROS_NTP" -n 2 >/dev/null || fail "server stopped answering after the flood"
pass "server still answers a valid query"
# The same counters on /status while the server runs, and in the log when it stops.
status=$("$KAIROS_BIN" status --http "$KAIROS_HTTP" --json) || fail "kairos status failed"
python3 - "$status" <<'PY' || fail "/status ntp_server counters: $status"
import json, sys
n = json.loads(sys.argv[1])["ntp_server"]
d = n["dropped"]
assert n["received"] >= 38000 and n["replied"] > 0, n
assert d["malformed"] > 10000 and d["control_mode"] > 0 and d["version"] > 0, d
# Every datagram is accounted for: replied, refused by the kernel, or dropped for a reason.
assert n["received"] == n["replied"] + n["send_errors"] + sum(d.values()), n
PY
pass "/status reports the responder's counters"
stop_kairos bad
line=$(grep "ntp: stopped:" "$SCRATCH/bad.log")
echo "$line"
received=$(sed -nE 's/.*received=([0-9]+).*/\1/p' <<<"$line")
malformed=$(sed -nE 's/.*dropped_malformed=([0-9]+).*/\1/p' <<<"$line")
control=$(sed -nE 's/.*dropped_control_mode=([0-9]+).*/\1/p' <<<"$line")
version=$(sed -nE 's/.*dropped_version=([0-9]+).*/\1/p' <<<"$line")
[ "$received" -ge 38000 ] || fail "server counted only $received datagrams of 40000+"
[ "$malformed" -gt 10000 ] && [ "$control" -gt 0 ] && [ "$version" -gt 0 ] ||
  fail "drop counters do not add up: $line"
pass "counters count received and dropped by reason"
