#!/usr/bin/env bash
# Issue 5: with five upstream servers of which two lie by seconds, the node marks both
# falsetickers and stays within 1 ms of the truth; with every server gone, the bound
# grows and the node says so.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ntp_lib.sh"
WATCH="$(dirname "$0")/watch_status.py"

servers=()
server_pids=()
for shift in 0 0 0 3s -2s; do
  start_kairos "server$shift-${#servers[@]}" --ntp-listen 127.0.0.1:0 --http-listen off --shm-name off \
    --sim-clock-offset "$shift"
  servers+=(--server "$KAIROS_NTP")
  server_pids+=("$KAIROS_PID")
  [ "$shift" = 0 ] || liars+=("$KAIROS_NTP")
done

# Short polls so that "every server gone" (a source missing 2 polls is polled at minpoll;
# unreachable at an empty reach register, or after 4 misses once its distance exceeds the
# target) is seen in seconds rather than minutes.
printf '[sync]\nminpoll = 1\nmaxpoll = 2\n' >"$SCRATCH/client.toml"
start_kairos client --config "$SCRATCH/client.toml" "${servers[@]}" --ntp-listen off --grpc-listen off \
  --http-listen 127.0.0.1:0 --shm-name off
python3 "$WATCH" --http "$KAIROS_HTTP" --truth 0 --within 1ms --converge-by 30s --watch 34s \
  || fail "client among two liars"
status=$("$KAIROS_BIN" status --http "$KAIROS_HTTP" --json)
python3 - "$status" "${liars[@]}" <<'PY' || fail "falsetickers not marked: $status"
import json, sys
j = json.loads(sys.argv[1])
states = {s["address"]: s["state"] for s in j["sources"]}
for liar in sys.argv[2:]:
    assert states[liar] == "falseticker", (liar, states)
honest = [a for a in states if a not in sys.argv[2:]]
assert all(states[a] in ("selected", "candidate") for a in honest), states
assert any(states[a] == "selected" for a in honest), states
PY
pass "both liars are falsetickers, the honest three are used"
"$KAIROS_BIN" status --http "$KAIROS_HTTP" | grep -c falseticker | grep -qx 2 || fail "human view shows the falsetickers"

# Every server gone: the node keeps its virtual clock, says free-running, and its bound
# grows (at max_drift_ppm, 15 ppm by default) instead of staying small.
bound() { "$KAIROS_BIN" status --http "$KAIROS_HTTP" --json | python3 -c 'import json,sys;j=json.load(sys.stdin);print(j["error_bound_ns"], j["status"])'; }
read -r before _ <<<"$(bound)"
for pid in "${server_pids[@]}"; do kill "$pid"; done
gone_at=$SECONDS
deadline=$((SECONDS + 90))
state=""
while ((SECONDS < deadline)); do
  read -r now_bound state <<<"$(bound)"
  [ "$state" = free-running ] && break
  sleep 1
done
[ "$state" = free-running ] || fail "status '$state' 90 s after every server went away"
echo "free-running $((SECONDS - gone_at)) s after every server went away"
sleep 3
read -r later state <<<"$(bound)"
python3 -c "import sys; b,l=$before,$later; sys.exit(0 if l > b else 1)" || fail "bound did not grow: $before -> $later"
"$KAIROS_BIN" status --http "$KAIROS_HTTP" --json | grep -q '"state": "unreachable"' || fail "sources not unreachable"
pass "with every server gone: free-running, bound grew from $before ns to $later ns"
