#!/usr/bin/env bash
# The accuracy race, with real processes: a kairos client and a `chronyd -x` client sync to
# the same kairos server, whose clock is shifted by a known +OFFSET (--sim-clock-offset,
# checked with ntpdig), through the same impairment proxy (tests/tools/impair_proxy.cc:
# netem in user space). All profiles run at the same time, each with its own proxy and its
# own pair of clients. After both clients of a profile are synchronized and a warm-up has
# passed, bench/accuracy_sample.py reads both once a second and this prints, per profile
# and client, p50 / p99 / max of |estimate - truth|, the fraction of samples whose own
# error bound contained the truth, the median poll interval, and kairos p99 / chronyd p99;
# and how late each proxy sent its datagrams (noise the profile did not ask for).
#
# What is compared: kairos's /status offset_ns (the correction its virtual clock applies)
# and chronyd's "System time" from `chronyc -c tracking` (the correction its estimate of
# true time applies to the system clock, which -x leaves alone): both are each daemon's
# filtered estimate of server - system, which is exactly +OFFSET. Same poll settings for
# both (minpoll/maxpoll), same start (iburst / kairos's burst), no drift file for either.
#
# Usage (root: the server binds 127.x.y.z:123 so ntpdig can check it; chronyd needs -u root):
#   cmake --preset release && cmake --build --preset release -j2 --target kairos_cli impair_proxy
#   bench/accuracy_vs_chrony.sh
# Env: PROFILES ("lan wan"; also "wan-asym"), WARMUP (s after both synchronized, 60),
#      MEASURE (s of samples, 240), MINPOLL / MAXPOLL (log2 s, both clients, 3 / 3),
#      OFFSET (server shift, 250ms), SEED (proxy PRNG, 1), SHORT=1 (WARMUP 20, MEASURE 40),
#      KEEP=DIR (copy CSVs and chrony logs there), BIN (build/release/bin).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/release/bin}
PROFILES=${PROFILES:-"lan wan"}
if [ "${SHORT:-0}" = 1 ]; then WARMUP=${WARMUP:-20}; MEASURE=${MEASURE:-40}; fi
WARMUP=${WARMUP:-60}
MEASURE=${MEASURE:-240}
MINPOLL=${MINPOLL:-3}
MAXPOLL=${MAXPOLL:-3}
OFFSET=${OFFSET:-250ms}
SEED=${SEED:-1}
CONVERGE_TIMEOUT=180

for f in "$BIN/kairos" "$BIN/impair_proxy"; do
  [ -x "$f" ] || {
    echo "missing $f: cmake --build --preset release --target kairos_cli impair_proxy" >&2
    exit 1
  }
done
for tool in chronyd chronyc ntpdig setpriv; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "run as root (port 123 for ntpdig, chronyd -u root)" >&2; exit 1; }

WAN_NOISE="--jitter 2ms --jitter-kind exponential --loss 0.01"
# Each profile: proxy flags. Asymmetry biases every NTP client by (up - down)/2.
profile_flags() {
  case $1 in
    lan) echo "--delay-up 50us --delay-down 50us --jitter 20us --jitter-kind uniform --loss 0" ;;
    wan) echo "--delay-up 15ms --delay-down 15ms $WAN_NOISE" ;;
    wan-asym) echo "--delay-up 20ms --delay-down 10ms $WAN_NOISE" ;;
    *) echo "unknown profile '$1' (lan, wan, wan-asym)" >&2; exit 2 ;;
  esac
}

for prof in $PROFILES; do profile_flags "$prof" >/dev/null; done  # unknown names stop here

SCRATCH=$(mktemp -d /tmp/kairos-race.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "${KEEP:-}" ]; then
    mkdir -p "$KEEP" && cp -r "$SCRATCH"/. "$KEEP"/ 2>/dev/null || true
  fi
  rm -rf "$SCRATCH"
}
trap cleanup EXIT
free_udp_port() {
  python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_for_log() {  # FILE PATTERN SECONDS
  local deadline=$((SECONDS + $3))
  until grep -q -- "$2" "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || { echo "'$2' not in $1:" >&2; cat "$1" >&2; exit 1; }
    sleep 0.1
  done
}
private_loopback() {  # 127.A.B.C (not 127.0.0.1) whose port 123 is free
  python3 - <<'PY'
import random, socket
for _ in range(200):
    a = "127.%d.%d.%d" % (random.randint(1, 254), random.randint(0, 255), random.randint(2, 254))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((a, 123))
    except OSError:
        continue
    finally:
        s.close()
    print(a)
    break
PY
}
truth_ns=$(python3 -c "
import re, sys
m = re.fullmatch(r'([-+]?[0-9.]+)(ns|us|ms|s)', '$OFFSET') or sys.exit('bad OFFSET $OFFSET')
print(round(float(m[1]) * {'ns': 1, 'us': 1e3, 'ms': 1e6, 's': 1e9}[m[2]]))")

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "accuracy race: profiles [$PROFILES], warm-up ${WARMUP}s, measure ${MEASURE}s," \
  "minpoll $MINPOLL maxpoll $MAXPOLL, truth +$OFFSET"
echo "load average before: $load_before ($(nproc) CPUs)"

# The shifted server, on its own loopback address so ntpdig (port 123 only) can check it.
addr=$(private_loopback)
setpriv --bounding-set -sys_time -- "$BIN/kairos" serve --state-dir "$SCRATCH/server-state" \
  --ntp-listen "$addr:123" --http-listen off --shm-name off --sim-clock-offset "$OFFSET" \
  >"$SCRATCH/server.log" 2>&1 &
PIDS+=($!)
wait_for_log "$SCRATCH/server.log" "serving:" 20
# ntpdig time-stamps in user space (Python): on a loaded machine it is off by a few ms.
seen=$(timeout 10 ntpdig -t 2 "$addr" | awk '{print $4}')
python3 -c "import sys; sys.exit(abs($seen - $truth_ns / 1e9) > 0.005)" \
  || { echo "ntpdig sees the server at $seen s, want $OFFSET within 5 ms" >&2; exit 1; }
echo "server $addr:123: ntpdig sees its clock at ${seen} s (truth +$OFFSET)"

run_len=$((CONVERGE_TIMEOUT + WARMUP + MEASURE + 30))
samplers=()
proxies=()
for prof in $PROFILES; do
  d=$SCRATCH/$prof
  mkdir -p "$d"
  # shellcheck disable=SC2046
  "$BIN/impair_proxy" --listen 127.0.0.1:0 --upstream "$addr:123" $(profile_flags "$prof") \
    --seed "$SEED" --duration "${run_len}s" >"$d/proxy.log" 2>&1 &
  PIDS+=($!)
  proxies+=($!)
  wait_for_log "$d/proxy.log" "listening on" 10
  pport=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$d/proxy.log")

  # chronyd: client only (port 0), one fixed source port (the proxy keys clients by
  # address), monitoring only over its own Unix socket (no UDP command port).
  cat >"$d/chrony.conf" <<CONF
server 127.0.0.1 port $pport iburst minpoll $MINPOLL maxpoll $MAXPOLL
port 0
acquisitionport $(free_udp_port)
cmdport 0
bindcmdaddress $d/cmd/chronyd.sock
pidfile $d/chronyd.pid
driftfile $d/chrony.drift
logdir $d
log measurements tracking statistics
CONF
  setpriv --bounding-set -sys_time -- chronyd -x -d -u root -f "$d/chrony.conf" \
    >"$d/chronyd.log" 2>&1 &
  PIDS+=($!)

  cat >"$d/kairos.toml" <<CONF
state_dir = "$d/kairos-state"
[http]
listen = "127.0.0.1:0"
[ntp]
listen = "off"
[shm]
name = "off"
[sync]
minpoll = $MINPOLL
maxpoll = $MAXPOLL
CONF
  setpriv --bounding-set -sys_time -- "$BIN/kairos" serve --config "$d/kairos.toml" --log-level debug \
    --server "127.0.0.1:$pport" >"$d/kairos.log" 2>&1 &
  PIDS+=($!)
  wait_for_log "$d/kairos.log" "serving:" 20
  http=$(grep -o 'status on http://[^ ;,]*' "$d/kairos.log" | head -1 | sed 's|status on http://||')
  wait_for_log "$d/chronyd.log" "chronyd version" 10

  python3 bench/accuracy_sample.py --profile "$prof" --kairos-http "$http" \
    --chronyc-socket "$d/cmd/chronyd.sock" --truth-ns "$truth_ns" \
    --converge-timeout "$CONVERGE_TIMEOUT" --warmup "$WARMUP" --measure "$MEASURE" \
    --csv "$d/samples.csv" >"$d/summary.json" &
  samplers+=($!)
  PIDS+=($!)
done

rc=0
for s in "${samplers[@]}"; do wait "$s" || rc=1; done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average after: $load_after"
# Stopped, each proxy prints how late it sent datagrams: its own share of the delay noise.
for p in "${proxies[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
for prof in $PROFILES; do
  echo "proxy $prof: $(grep 'forwarded' "$SCRATCH/$prof/proxy.log" | sed 's/^impair_proxy: //')"
done
echo
# shellcheck disable=SC2086  # one argument per profile
python3 - "$SCRATCH" $PROFILES <<'PY'
import json, sys
scratch, profiles = sys.argv[1], sys.argv[2:]
us = lambda ns: f"{ns / 1e3:.1f}"
print(f"{'profile':9} {'client':8} {'n':>4} {'p50 |err| us':>13} {'p99 |err| us':>13} "
      f"{'max us':>9} {'median err us':>14} {'bound held':>10} {'poll s':>6}  kairos/chronyd p99")
for prof in profiles:
    try:
        s = json.load(open(f"{scratch}/{prof}/summary.json"))
    except ValueError:
        s = {"error": "the sampler failed (its error is above)"}
    if "error" in s:
        print(f"{prof:9} {s['error']}")
        continue
    k, c = s["kairos"], s["chronyd"]
    for name, r in (("kairos", k), ("chronyd", c)):
        ratio = f"{k['p99_ns'] / c['p99_ns']:.2f}" if name == "kairos" and c["p99_ns"] else ""
        print(f"{prof:9} {name:8} {r['synced']:>4} {us(r['p50_ns']):>13} {us(r['p99_ns']):>13} "
              f"{us(r['max_ns']):>9} {us(r['median_signed_ns']):>14} {r['bound_held']:>10.4f} "
              f"{r['poll_s_median']:>6.0f}  {ratio}")
    met = k["p99_ns"] <= c["p99_ns"] and k["bound_held"] == 1.0
    print(f"{'':9} (both synchronized {s['converged_after_s']} s after start; "
          f"{k['samples']} samples each over {s['measure_s']:.0f} s after a {s['warmup_s']:.0f} s "
          f"warm-up) target kairos p99 <= chronyd p99 and bound held 100%: "
          f"{'MET' if met else 'MISSED'}")
print("bound held: fraction of samples with |err| <= the client's own bound (kairos: "
      "error_bound_ns; chronyd, for information only: root_delay/2 + root_dispersion)")
PY
exit $rc
