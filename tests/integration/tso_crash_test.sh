#!/usr/bin/env bash
# 50 rounds of: clients draw timestamps and sequence numbers from `kairos serve`, the
# server is killed with SIGKILL at a random moment, and restarted. Every value ever
# returned to a client must be unique, strictly increasing per client, and every value
# after a restart must be above every value before it. A tiny window (20ms) and sequence
# block (500) make the server persist its high-water marks all the time, so kills land
# during store writes too.
source "$(dirname "$0")/lib.sh"

LOAD=$KAIROS_BUILD_DIR/bin/tso_load
[ -x "$LOAD" ] || fail "tso_load not built at $LOAD"
ROUNDS=${TSO_CRASH_ROUNDS:-50}
port=$(free_tcp_port)
ep=127.0.0.1:$port
cat >"$SCRATCH/kairos.toml" <<TOML
state_dir = "$SCRATCH/state"
grpc_listen = "$ep"
[tso]
window = "20ms"
panic_threshold = "10s"
sequence_block = 500
TOML

prev_ts=0; prev_seq=0; served_rounds=0; total=0
for ((round = 1; round <= ROUNDS; round++)); do
  log=$SCRATCH/serve.$round.log
  setpriv --bounding-set -sys_time -- "$KAIROS_BIN" serve --config "$SCRATCH/kairos.toml" --ntp-listen off --http-listen off --shm-name off >"$log" 2>&1 &
  server=$!
  PIDS+=("$server")
  wait_for_log "$log" "gRPC listening" 20
  "$LOAD" record --kind ts --grpc "$ep" --callers 3 --count 3 --timeout 300ms \
    --out "$SCRATCH/r$round.ts" &
  ts_client=$!
  "$LOAD" record --kind seq --grpc "$ep" --callers 2 --count 2 --name crash --timeout 300ms \
    --out "$SCRATCH/r$round.seq" &
  seq_client=$!
  PIDS+=("$ts_client" "$seq_client")
  # Once both kinds are being served, kill at a random moment in the next 0.3 s.
  for ((i = 0; i < 100; i++)); do
    [ -s "$SCRATCH/r$round.ts.0" ] && [ -s "$SCRATCH/r$round.seq.0" ] && break
    sleep 0.05
  done
  sleep "0.$(printf '%03d' $((RANDOM % 300)))"
  kill -KILL "$server"
  wait "$server" 2>/dev/null || true
  wait "$ts_client" || fail "round $round: ts recorder failed"
  wait "$seq_client" || fail "round $round: seq recorder failed"
  PIDS=("${PIDS[@]:0:${#PIDS[@]}-3}")

  for kind in ts seq; do
    files=("$SCRATCH/r$round.$kind".*)
    for f in "${files[@]}"; do
      sort -C -u -n "$f" || fail "round $round: $f is not strictly increasing"
    done
    n=$(cat "${files[@]}" | wc -l)
    total=$((total + n))
    [ "$n" -gt 0 ] || continue
    sort -n "${files[@]}" -o "$SCRATCH/sorted"  # (no pipe into head: pipefail + SIGPIPE)
    min=$(head -1 "$SCRATCH/sorted")
    max=$(tail -1 "$SCRATCH/sorted")
    prev=prev_$kind
    printf '%s\n%s\n' "${!prev}" "$min" | sort -C -u -n ||
      fail "round $round: $kind $min is not above ${!prev}, served before the restart"
    printf -v "$prev" '%s' "$max"
    [ "$kind" = ts ] && served_rounds=$((served_rounds + 1))
  done
done

for kind in ts seq; do
  sort -n "$SCRATCH"/r*."$kind".* -o "$SCRATCH/all.$kind"
  dups=$(uniq -d "$SCRATCH/all.$kind")
  [ -z "$dups" ] || fail "$kind values handed out twice: $dups"
done
((served_rounds >= ROUNDS * 9 / 10)) || fail "only $served_rounds of $ROUNDS rounds served timestamps"
pass "$ROUNDS SIGKILL rounds ($served_rounds served timestamps): $total values, all unique, increasing per client and across every restart"
