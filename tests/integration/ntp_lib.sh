# Helpers for the NTP integration tests (sourced after lib.sh).

# stop_kairos NAME: SIGTERM, wait, and check it stopped cleanly.
stop_kairos() {
  kill -TERM "$KAIROS_PID"
  local rc=0; wait "$KAIROS_PID" || rc=$?
  [ "$rc" -eq 0 ] || fail "kairos serve ($1) exited $rc"
}

# private_loopback: prints an address 127.A.B.C (not 127.0.0.1) whose port 123 is free,
# for peers that only talk to port 123 (ntpdig, sntp). Needs root.
private_loopback() {
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

# abs_le VALUE LIMIT: true when |VALUE| <= LIMIT (decimal numbers).
abs_le() { python3 -c "import sys; sys.exit(0 if abs(float('$1')) <= float('$2') else 1)"; }

# json_field JSON KEY
json_field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
