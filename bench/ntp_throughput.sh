#!/usr/bin/env bash
# NTP throughput on loopback: `kairos serve --threads 1`, a chronyd server and the minimal
# batched UDP reflector (bench/udp_reflector.cc, the floor of this machine), each loaded by
# `kairos loadgen` in the same run. Servers are pinned to CPU $SERVER_CPU, the load
# generator to CPU $LOADGEN_CPU. Prints replies/s, latency p50/p99 and server CPU-µs per
# reply for all three, the ratios, p99 at half of kairos's peak rate for kairos and chronyd,
# and kairos with 1 and 2 responder threads.
#
# On a shared or virtual machine single runs swing by tens of percent, so the peak and the
# half-rate runs are repeated ROUNDS times, the servers taking turns; throughput verdicts
# use the median of the per-round ratios, latency verdicts the median of each server's p99.
#
# Usage: bench/ntp_throughput.sh   (after `cmake --build --preset release`)
# Env: DURATION (s per run, default 5), ROUNDS (5), SERVER_CPU (1), LOADGEN_CPU (0).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/release/bin}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-5}
SERVER_CPU=${SERVER_CPU:-1}
LOADGEN_CPU=${LOADGEN_CPU:-0}
for f in "$BIN/kairos" "$BIN/udp_reflector"; do
  [ -x "$f" ] || { echo "missing $f: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
done
command -v chronyd >/dev/null || { echo "chronyd is not installed" >&2; exit 1; }

SCRATCH=$(mktemp -d /tmp/kairos-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$SCRATCH"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
jf() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
CLK_TCK=$(getconf CLK_TCK)

wait_udp() {  # wait until something answers NTP on $1
  for _ in $(seq 1 50); do
    "$BIN/kairos" query "$1" -n 1 --timeout 200ms >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "nothing answers on $1" >&2; exit 1
}

# run NAME PID TARGET [LOADGEN ARGS...]: one loadgen run; prints a table row; sets RPS,
# P99 (of the replies) and P99S (of every request sent, unanswered ones counting as the
# slowest; "inf" when over 1% got no reply).
run() {
  local name=$1 pid=$2 target=$3; shift 3
  local t0 t1 out
  t0=$(ticks "$pid")
  # loadgen exits 1 when any reply failed validation; the table reports the count instead.
  out=$(taskset -c "$LOADGEN_CPU" "$BIN/kairos" loadgen "$target" --duration "$DURATION" --json "$@") || true
  t1=$(ticks "$pid")
  RPS=$(jf "$out" replies_per_second)
  P99=$(jf "$out" latency_p99_ns)
  P99S=$(python3 -c "import json,sys; v=json.loads(sys.argv[1])['latency_p99_of_sent_ns']; print('inf' if v is None else v)" "$out")
  local replies cpu_us
  replies=$(jf "$out" replies)
  cpu_us=$(python3 -c "print(f'{($t1 - $t0) * 1e6 / $CLK_TCK / max($replies, 1):.2f}')")
  printf '%-28s %12.0f %10.1f %10.1f %10.1f %8s %10s %s\n' "$name" "$RPS" \
    "$(python3 -c "print($(jf "$out" latency_p50_ns) / 1000)")" \
    "$(python3 -c "print($P99 / 1000)")" "$(python3 -c "print(float('$P99S') / 1000)")" \
    "$(jf "$out" loss_ratio | cut -c1-6)" "$cpu_us" "$(jf "$out" invalid)"
}
header() {
  printf '%-28s %12s %10s %10s %10s %8s %10s %s\n' server "replies/s" "p50 us" "p99 us" \
    "p99 sent" loss "cpu us/rep" invalid
}

# kairos
kport=$(free_port)
taskset -c "$SERVER_CPU" "$BIN/kairos" serve --state-dir "$SCRATCH/state" \
  --ntp-listen "127.0.0.1:$kport" --http-listen off --shm-name off --grpc-listen off --threads 1 --log-level warn >"$SCRATCH/kairos.log" 2>&1 &
KPID=$!; PIDS+=("$KPID")
# chronyd as a plain server on the local clock, never touching the system clock
cport=$(free_port)
cat >"$SCRATCH/chrony.conf" <<CONF
local stratum 8
allow 127.0.0.0/8
bindaddress 127.0.0.1
port $cport
cmdport 0
pidfile $SCRATCH/chronyd.pid
CONF
taskset -c "$SERVER_CPU" setpriv --bounding-set -sys_time -- chronyd -x -d -u root \
  -f "$SCRATCH/chrony.conf" >"$SCRATCH/chronyd.log" 2>&1 &
CPID=$!; PIDS+=("$CPID")
# the reflector
rport=$(free_port)
taskset -c "$SERVER_CPU" "$BIN/udp_reflector" 127.0.0.1 "$rport" >"$SCRATCH/reflector.log" 2>&1 &
RPID=$!; PIDS+=("$RPID")
wait_udp "127.0.0.1:$kport"; wait_udp "127.0.0.1:$cport"; wait_udp "127.0.0.1:$rport"

median() { python3 -c "import statistics,sys; print(statistics.median(map(float, sys.argv[1:])))" "$@"; }

echo "== peak (loadgen max mode, window 256, 1 thread on CPU $LOADGEN_CPU; servers on CPU $SERVER_CPU; ${DURATION}s each, $ROUNDS rounds)"
echo "date: $(date -u +%FT%TZ)  machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
header
R_ALL=(); C_ALL=(); K_ALL=()
for _ in $(seq "$ROUNDS"); do
  run "reflector (floor)" "$RPID" "127.0.0.1:$rport"; R_ALL+=("$RPS")
  run "chronyd $(chronyd -v | awk '{print $4}')" "$CPID" "127.0.0.1:$cport"; C_ALL+=("$RPS")
  run "kairos serve --threads 1" "$KPID" "127.0.0.1:$kport"; K_ALL+=("$RPS")
done
K_RPS=$(median "${K_ALL[@]}"); C_RPS=$(median "${C_ALL[@]}"); R_RPS=$(median "${R_ALL[@]}")
python3 - "${K_ALL[*]}" "${C_ALL[*]}" "${R_ALL[*]}" <<'PY'
import statistics, sys
k, c, r = ([float(x) for x in a.split()] for a in sys.argv[1:])
print(f"medians: kairos {statistics.median(k):.0f}/s, chronyd {statistics.median(c):.0f}/s, "
      f"reflector {statistics.median(r):.0f}/s")
# Ratios within a round (runs seconds apart) drift less than the machine does between rounds.
kc = statistics.median(a / b for a, b in zip(k, c))
kr = statistics.median(a / b for a, b in zip(k, r))
print(f"median of per-round ratios: kairos/chronyd = {kc:.2f}x (target >= 1.2x)   "
      f"kairos/reflector = {100 * kr:.0f}% (target >= 90%)")
PY

half=$(python3 -c "print(int($K_RPS / 2))")
echo
echo "== latency at half of kairos's peak: offered $half requests/s, $ROUNDS rounds"
header
KP_ALL=(); CP_ALL=(); KS_ALL=(); CS_ALL=()
for _ in $(seq "$ROUNDS"); do
  run "kairos serve --threads 1" "$KPID" "127.0.0.1:$kport" --rate "$half"; KP_ALL+=("$P99"); KS_ALL+=("$P99S")
  run "chronyd" "$CPID" "127.0.0.1:$cport" --rate "$half"; CP_ALL+=("$P99"); CS_ALL+=("$P99S")
done
K_P99=$(median "${KP_ALL[@]}"); C_P99=$(median "${CP_ALL[@]}")
K_P99S=$(median "${KS_ALL[@]}"); C_P99S=$(median "${CS_ALL[@]}")
python3 - "$K_P99" "$C_P99" "$K_P99S" "$C_P99S" <<'PY'
import sys
k, c, ks, cs = map(float, sys.argv[1:])
us = lambda v: "lost (over 1% unanswered)" if v == float("inf") else f"{v / 1000:.1f} us"
print(f"median p99 of replies: kairos {us(k)} vs chronyd {us(c)}")
print(f"median p99 of every request sent (unanswered = slowest): kairos {us(ks)} vs chronyd {us(cs)}"
      f" (target: kairos <= chronyd: {'met' if ks <= cs else 'missed'})")
PY

kill "$KPID"; wait "$KPID" 2>/dev/null || true
echo
echo "== scaling: kairos --threads 1 vs 2, server and 2 loadgen threads sharing CPUs 0-1"
k2port=$(free_port)
for t in 1 2; do
  port=$(free_port)
  taskset -c 0-1 "$BIN/kairos" serve --state-dir "$SCRATCH/state" \
    --ntp-listen "127.0.0.1:$port" --threads "$t" --log-level warn >"$SCRATCH/k$t.log" 2>&1 &
  pid=$!; PIDS+=("$pid")
  wait_udp "127.0.0.1:$port"
  LOADGEN_CPU=0-1 run "kairos --threads $t" "$pid" "127.0.0.1:$port" --threads 2
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
