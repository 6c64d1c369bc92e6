#!/usr/bin/env bash
# `discipline_system_clock = true` is refused, with an error naming the key, when the
# daemon may not set the clock (started without CAP_SYS_TIME, as every test daemon is)
# and when a simulated clock shift is on. The kernel driver itself is never run here: it
# would steer this machine's clock (its logic is unit-tested against a fake kernel).
source "$(dirname "$0")/lib.sh"

printf '[sync]\ndiscipline_system_clock = true\n' >"$SCRATCH/kernel.toml"

# refused NAME PATTERN ARGS...: serve must exit 2 before serving, its log matching PATTERN.
refused() {
  local name=$1 pattern=$2; shift 2
  local log=$SCRATCH/$name.log rc=0
  setpriv --bounding-set -sys_time -- timeout 20 "$KAIROS_BIN" serve --config "$SCRATCH/kernel.toml" \
    --state-dir "$SCRATCH/state-$name" --ntp-listen off --http-listen off --shm-name off \
    --grpc-listen off --server 127.0.0.1:9 "$@" >"$log" 2>&1 || rc=$?
  [ "$rc" -eq 2 ] || { cat "$log" >&2; fail "$name: exit code $rc, want 2"; }
  grep -q -- "$pattern" "$log" || { cat "$log" >&2; fail "$name: no '$pattern' in the error"; }
  grep -q "serving:" "$log" && fail "$name: the daemon started serving"
  return 0
}

refused nocap "sync.discipline_system_clock = true needs CAP_SYS_TIME"
pass "without CAP_SYS_TIME: refused, naming sync.discipline_system_clock and CAP_SYS_TIME"

refused simoffset "sync.discipline_system_clock = true cannot be combined with --sim-clock-offset" \
  --sim-clock-offset 250ms
refused simdrift "cannot be combined with --sim-clock-offset / --sim-clock-drift-ppm" \
  --sim-clock-drift-ppm 20
pass "with a simulated clock shift: refused, naming the key and the flags"
