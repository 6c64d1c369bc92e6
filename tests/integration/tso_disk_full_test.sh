#!/usr/bin/env bash
# The file store on a full disk: the oracle stops handing out timestamps it could not
# persist, clients are told why, and the daemon's log says so once (not once per retry),
# then says when writing works again; what is served after is above all served before.
# Needs root for a 64 KiB tmpfs; without one it exits 77 (ctest: skipped).
source "$(dirname "$0")/lib.sh"

tiny=$SCRATCH/tiny
mkdir -p "$tiny"
if ! mount -t tmpfs -o size=64k kairos-it "$tiny" 2>/dev/null; then
  echo "skipped: cannot mount a tmpfs here (needs root)"
  exit 77
fi
# Stop the daemon before the disk goes, then lib.sh's cleanup (with this script's status).
unmount_then_cleanup() {
  local rc=$?
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  umount -l "$tiny" || true
  (exit "$rc")
  cleanup
}
trap unmount_then_cleanup EXIT

ep=127.0.0.1:$(free_tcp_port)
log=$SCRATCH/serve.log
setpriv --bounding-set -sys_time -- "$KAIROS_BIN" serve --state-dir "$tiny/state" --ntp-listen off \
  --http-listen off --shm-name off --grpc-listen "$ep" >"$log" 2>&1 &
PIDS+=($!)
wait_for_log "$log" "gRPC listening"
"$KAIROS_BIN" tso get --grpc "$ep" >"$SCRATCH/served" || fail "tso get before the disk filled"

dd if=/dev/zero of="$tiny/fill" bs=4k 2>/dev/null || true  # until ENOSPC
wait_for_log "$log" "writing the tso store failed: .*No space left on device" 10
# The window (3 s) runs out: then calls fail, naming the cause.
refused=no
for _ in $(seq 40); do
  if "$KAIROS_BIN" tso get --grpc "$ep" --timeout 500ms >>"$SCRATCH/served" 2>"$SCRATCH/err"; then
    sleep 0.25
  else
    refused=yes
    break
  fi
done
[ "$refused" = yes ] || fail "still serving 10 s after the disk filled"
grep -q "No space left on device" "$SCRATCH/err" || fail "client error: $(cat "$SCRATCH/err")"
pass "disk full: clients refused once the window ran out: $(cat "$SCRATCH/err")"

sleep 1  # ten more retries of the extender
[ "$(grep -c "writing the tso store failed" "$log")" -eq 1 ] ||
  fail "the failure was logged $(grep -c "writing the tso store failed" "$log") times: $(grep warning "$log" | head -5)"
pass "logged once: $(grep -o 'writing the tso store failed.*' "$log")"

rm -f "$tiny/fill"
wait_for_log "$log" "writing the tso store works again after" 10
after=$("$KAIROS_BIN" tso get --grpc "$ep") || fail "tso get after space came back"
[ "$after" -gt "$(sort -n "$SCRATCH/served" | tail -1)" ] || fail "after the disk came back $after is not above all served before"
sort -C -u -n "$SCRATCH/served" || fail "values served while the disk filled are not increasing"
pass "space back: $(grep -o 'writing the tso store works again.*' "$log"); next value above all $(wc -l <"$SCRATCH/served") served"
