#!/usr/bin/env bash
# `kairos serve` starts on the embedded config, says what it serves, and stops cleanly on
# SIGINT, SIGTERM and SIGHUP, also with its log pipe closed; raises its open-files limit;
# bad config and bad flags get clear errors and a non-zero exit.
source "$(dirname "$0")/lib.sh"

"$KAIROS_BIN" --version | grep -Eq '^kairos [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version"
"$KAIROS_BIN" --help | grep -q serve || fail "--help lists serve"
"$KAIROS_BIN" serve --grpc-listen 127.0.0.1:0 --help | grep -q -- --state-dir || fail "serve --help explains --state-dir"
pass "version and help"

for sig in INT TERM HUP; do
  log=$SCRATCH/serve-$sig.log
  setpriv --bounding-set -sys_time -- "$KAIROS_BIN" serve --http-listen 127.0.0.1:0 --ntp-listen 127.0.0.1:0 --shm-name off --grpc-listen 127.0.0.1:0 --state-dir "$SCRATCH/state-$sig" >"$log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  wait_for_log "$log" "serving:"
  [ -d "$SCRATCH/state-$sig" ] || fail "state dir was not created"
  kill -"$sig" "$pid"
  rc=0; wait "$pid" || rc=$?
  [ "$rc" -eq 0 ] || fail "serve exited $rc after SIG$sig"
  grep -q "stopped" "$log" || fail "no 'stopped' line after SIG$sig"
  pass "SIG$sig stops serve cleanly"
done

# Its log pipe's reader gone, the daemon still serves and still stops cleanly (SIGPIPE
# would end it on the "shutting down" line, leaving its shared-memory segment behind).
mkfifo "$SCRATCH/log.fifo"
shm=/kairos-it-pipe-$$
setpriv --bounding-set -sys_time -- "$KAIROS_BIN" serve --http-listen 127.0.0.1:0 --ntp-listen 127.0.0.1:0 --shm-name "$shm" \
  --grpc-listen off --state-dir "$SCRATCH/state-pipe" 2>"$SCRATCH/log.fifo" &
pid=$!
PIDS+=("$pid")
# Read up to the line that says it serves, then the pipe has no reader.
timeout 20 grep -q -m1 "serving:" "$SCRATCH/log.fifo" || fail "serve did not say it serves within 20 s"
[ -e "/dev/shm$shm" ] || fail "no shared-memory segment /dev/shm$shm"
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
left=no; [ -e "/dev/shm$shm" ] && left=yes && rm -f "/dev/shm$shm"
[ "$rc" -eq 0 ] || fail "serve exited $rc after SIGTERM with its log pipe closed"
[ "$left" = no ] || fail "segment left behind with the log pipe closed"
pass "a closed log pipe: serve still stops cleanly and removes its segment"

# The soft open-files limit is raised to the hard one (each gRPC connection holds a file,
# and gRPC stops accepting for good at EMFILE).
log=$SCRATCH/nofile.log
prlimit --nofile=256:4096 -- "$KAIROS_BIN" serve --http-listen 127.0.0.1:0 --ntp-listen 127.0.0.1:0 --shm-name off --grpc-listen 127.0.0.1:0 --state-dir "$SCRATCH/state-nofile" >"$log" 2>&1 &
pid=$!; PIDS+=("$pid")
wait_for_log "$log" "serving:"
grep -Eq '^Max open files +4096 +4096' "/proc/$pid/limits" || fail "open files limit not raised: $(grep 'open files' "/proc/$pid/limits")"
grep -q "open files limit raised from 256 to 4096" "$log" || fail "the raise is not logged"
kill -TERM "$pid"; wait "$pid"
pass "the open files limit is raised to the hard limit"

# XDG_STATE_HOME is the default home of state.
log=$SCRATCH/xdg.log
XDG_STATE_HOME=$SCRATCH/xdg "$KAIROS_BIN" serve --http-listen 127.0.0.1:0 --ntp-listen 127.0.0.1:0 --shm-name off --grpc-listen 127.0.0.1:0 >"$log" 2>&1 &
pid=$!; PIDS+=("$pid")
wait_for_log "$log" "serving:"
kill -TERM "$pid"; wait "$pid"
[ -d "$SCRATCH/xdg/kairos" ] || fail "default state dir under XDG_STATE_HOME not created"
pass "default state dir"

printf 'log_level = "info"\nbogus_key = 1\n' >"$SCRATCH/bad.toml"
rc=0; "$KAIROS_BIN" serve --grpc-listen 127.0.0.1:0 --config "$SCRATCH/bad.toml" --state-dir "$SCRATCH/s" 2>"$SCRATCH/bad.log" || rc=$?
[ "$rc" -eq 2 ] || fail "bad config exit code $rc, want 2"
grep -q "bad.toml:2: unknown key 'bogus_key'" "$SCRATCH/bad.log" || fail "bad config message: $(cat "$SCRATCH/bad.log")"
pass "unknown config key is rejected with file and line"

rc=0; "$KAIROS_BIN" serve --grpc-listen 127.0.0.1:0 --log-level loud --state-dir "$SCRATCH/s" 2>"$SCRATCH/lvl.log" || rc=$?
[ "$rc" -eq 2 ] || fail "bad --log-level exit code $rc"
grep -q "unknown log level 'loud'" "$SCRATCH/lvl.log" || fail "bad --log-level message"
pass "bad --log-level is rejected"

rc=0; "$KAIROS_BIN" serve --grpc-listen 127.0.0.1:0 --config "$SCRATCH/missing.toml" 2>"$SCRATCH/missing.log" || rc=$?
[ "$rc" -ne 0 ] || fail "missing config file accepted"
pass "missing config file is rejected"

# Flags override the file.
printf 'log_level = "warn"\n' >"$SCRATCH/warn.toml"
log=$SCRATCH/override.log
"$KAIROS_BIN" serve --config "$SCRATCH/warn.toml" --log-level debug --http-listen 127.0.0.1:0 --ntp-listen 127.0.0.1:0 --shm-name off --grpc-listen 127.0.0.1:0 --state-dir "$SCRATCH/s" >"$log" 2>&1 &
pid=$!; PIDS+=("$pid")
wait_for_log "$log" "serving:"
kill -TERM "$pid"; wait "$pid"
pass "flags override the config file"
