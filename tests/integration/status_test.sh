#!/usr/bin/env bash
# The status endpoint: /status JSON with the documented keys, /healthz, /readyz, the
# `kairos status` and `kairos wait-sync` clients, and bad HTTP input answered with 4xx
# without hurting the daemon.
source "$(dirname "$0")/lib.sh"

start_kairos daemon --http-listen 127.0.0.1:0 --ntp-listen 127.0.0.1:0 --state-dir "$SCRATCH/state"
[ -n "$KAIROS_HTTP" ] || fail "daemon did not log its status address"

"$KAIROS_BIN" status --http "$KAIROS_HTTP" --json >"$SCRATCH/status.json" || fail "kairos status --json"
python3 - "$SCRATCH/status.json" <<'PY' || fail "status JSON lacks documented keys"
import json, sys
j = json.load(open(sys.argv[1]))
for k in ["synchronized", "offset_ns", "error_bound_ns", "frequency_ppm", "stratum",
          "reference", "poll_s", "sources", "status", "ready"]:
    assert k in j, k
assert isinstance(j["sources"], list)
PY
pass "/status has the documented keys"

"$KAIROS_BIN" status --http "$KAIROS_HTTP" | grep -q "^Status *:" || fail "human status view"
pass "kairos status prints a readable view"

reply=$(http_request "$KAIROS_HTTP" 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
grep -q "^HTTP/1.1 200" <<<"$reply" || fail "/healthz: $reply"
reply=$(http_request "$KAIROS_HTTP" 'GET /nope HTTP/1.1\r\n\r\n')
grep -q "^HTTP/1.1 404" <<<"$reply" || fail "unknown path: $reply"
reply=$(http_request "$KAIROS_HTTP" 'POST /status HTTP/1.1\r\n\r\n')
grep -q "^HTTP/1.1 405" <<<"$reply" || fail "POST: $reply"
reply=$(http_request "$KAIROS_HTTP" 'garbage\r\n\r\n')
grep -q "^HTTP/1.1 400" <<<"$reply" || fail "garbage: $reply"
big=$(head -c 10000 /dev/zero | tr '\0' 'a')
reply=$(http_request "$KAIROS_HTTP" "GET /$big HTTP/1.1\r\n\r\n")
grep -q "^HTTP/1.1 400" <<<"$reply" || fail "oversized head: ${reply:0:100}"
"$KAIROS_BIN" status --http "$KAIROS_HTTP" >/dev/null || fail "daemon hurt by bad input"
pass "bad HTTP input gets 4xx and the daemon keeps answering"

synced=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["synchronized"])' "$SCRATCH/status.json")
rc=0; "$KAIROS_BIN" wait-sync --http "$KAIROS_HTTP" --timeout 1s --interval 100ms 2>"$SCRATCH/ws.err" || rc=$?
if [ "$synced" = "True" ]; then
  [ "$rc" -eq 0 ] || fail "wait-sync exit $rc for a synchronized daemon"
  rc=0; "$KAIROS_BIN" wait-sync --http "$KAIROS_HTTP" --max-error 1ns --timeout 1s --interval 100ms 2>"$SCRATCH/ws.err" || rc=$?
  [ "$rc" -eq 1 ] || fail "wait-sync --max-error 1ns exit $rc, want 1"
  grep -q "error bound" "$SCRATCH/ws.err" || fail "wait-sync reason: $(cat "$SCRATCH/ws.err")"
else
  [ "$rc" -eq 1 ] || fail "wait-sync exit $rc for an unsynchronized daemon, want 1"
  grep -q "not synchronized" "$SCRATCH/ws.err" || fail "wait-sync reason: $(cat "$SCRATCH/ws.err")"
fi
pass "wait-sync exits by the daemon's state ($synced)"

# A status endpoint that answers JSON of the wrong shape (another program on the port, or
# a daemon of another version): the clients name the field and exit 1, never abort.
fake_port=$(free_tcp_port)
python3 - "$fake_port" <<'PY' &
import http.server, sys
body = b'{"sources": 1, "synchronized": "yes", "error_bound_ns": 5}'
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
PY
PIDS+=("$!")
for _ in $(seq 50); do http_request "127.0.0.1:$fake_port" 'GET / HTTP/1.1\r\n\r\n' | grep -q 200 && break; sleep 0.1; done
rc=0; "$KAIROS_BIN" status --http "127.0.0.1:$fake_port" 2>"$SCRATCH/shape.err" || rc=$?
[ "$rc" -eq 1 ] || fail "status against a wrong-shaped reply exit $rc, want 1"
grep -q "'synchronized' is not a boolean" "$SCRATCH/shape.err" || fail "status message: $(cat "$SCRATCH/shape.err")"
rc=0; "$KAIROS_BIN" wait-sync --http "127.0.0.1:$fake_port" --timeout 300ms --interval 100ms 2>"$SCRATCH/shape.err" || rc=$?
[ "$rc" -eq 1 ] || fail "wait-sync against a wrong-shaped reply exit $rc, want 1"
grep -q "'synchronized' is not a boolean" "$SCRATCH/shape.err" || fail "wait-sync message: $(cat "$SCRATCH/shape.err")"
pass "clients name the wrong field of a reply they cannot read"

kill -TERM "$KAIROS_PID"; wait "$KAIROS_PID" || fail "daemon exit status"
rc=0; "$KAIROS_BIN" status --http "$KAIROS_HTTP" --timeout 1s 2>"$SCRATCH/down.err" || rc=$?
[ "$rc" -eq 1 ] || fail "status against a stopped daemon exit $rc"
grep -q "cannot reach the kairos daemon" "$SCRATCH/down.err" || fail "unreachable message: $(cat "$SCRATCH/down.err")"
rc=0; "$KAIROS_BIN" wait-sync --http "$KAIROS_HTTP" --timeout 300ms --interval 100ms 2>/dev/null || rc=$?
[ "$rc" -eq 1 ] || fail "wait-sync against a stopped daemon exit $rc"
pass "clients report an unreachable daemon"

# A source address that is not UTF-8 (a --file-source path from the command line) is
# served as U+FFFD in /status, not thrown about (it used to abort the daemon).
odd_dir=$SCRATCH/$(printf 'dir\xff')
mkdir -p "$odd_dir"
start_kairos odd --file-source "$odd_dir/stamp"
reply=$(http_request "$KAIROS_HTTP" 'GET /status HTTP/1.1\r\n\r\n')
grep -q "^HTTP/1.1 200" <<<"$reply" || fail "/status with a non-UTF-8 source: ${reply:0:200}"
kill -0 "$KAIROS_PID" || fail "daemon died serving /status"
"$KAIROS_BIN" status --http "$KAIROS_HTTP" --json >"$SCRATCH/odd.json" || fail "kairos status with a non-UTF-8 source"
grep -q $'dir\xef\xbf\xbd/stamp' "$SCRATCH/odd.json" || fail "/status does not show U+FFFD: $(grep address "$SCRATCH/odd.json")"
kill -TERM "$KAIROS_PID"; wait "$KAIROS_PID" || fail "daemon exit status"
pass "a non-UTF-8 source address does not break /status"

rc=0; "$KAIROS_BIN" serve --http-listen nonsense --state-dir "$SCRATCH/s" 2>"$SCRATCH/bad.err" || rc=$?
[ "$rc" -eq 2 ] || fail "bad --http-listen exit $rc"
grep -q -- "--http-listen" "$SCRATCH/bad.err" || fail "bad --http-listen message: $(cat "$SCRATCH/bad.err")"
pass "bad --http-listen is rejected"
