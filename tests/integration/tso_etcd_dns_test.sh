#!/usr/bin/env bash
# etcd endpoints by name, when name lookups go wrong: in a network namespace of its own
# whose name server takes queries and never answers (a blackholed DNS), and whose
# /etc/hosts (`ip netns exec` mounts /etc/netns/NAME/hosts over it) has "localhost" on ::1
# and 127.0.0.1, with etcd listening on 127.0.0.1 only. etcd_dns_check then checks that a
# name's every address is tried, that a hanging lookup costs a call no more than its time,
# and that a name gone from the hosts file is reached at its last good address.
# Needs root (network namespaces); without them it exits 77 (skipped, never passed).
source "$(dirname "$0")/lib.sh"
command -v etcd >/dev/null || fail "etcd not installed (Debian: etcd-server)"
CHECK=$KAIROS_BUILD_DIR/bin/etcd_dns_check

NS=kairos-dns-$$
[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root for a network namespace"; exit 77; }
ip netns add "$NS" 2>"$SCRATCH/netns.err" || { cat "$SCRATCH/netns.err"; echo "skipped: no network namespaces"; exit 77; }
remove_namespace() {
  ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "/etc/netns/$NS"
}
CLEANUP_HOOKS+=(remove_namespace)
in_ns() { ip netns exec "$NS" "$@"; }

mkdir -p "/etc/netns/$NS"
printf '127.0.0.1 localhost\n::1 localhost\n127.0.0.1 etcd-a.test\n' >"/etc/netns/$NS/hosts"
# 5 s per try, 2 tries: a lookup outside the hosts file takes 10 s, against 1 s per call.
printf 'nameserver 127.0.0.53\noptions timeout:5 attempts:2\n' >"/etc/netns/$NS/resolv.conf"
in_ns ip link set lo up

# The silent name server: reads queries (UDP and TCP) and never answers.
in_ns python3 -c '
import socket, select
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.53", 53))
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.53", 53)); t.listen(16)
held = []
while True:
    r, _, _ = select.select([u, t], [], [], 60)
    if not r: break
    for s in r:
        if s is u: u.recvfrom(4096)
        else: held.append(t.accept()[0])
' >"$SCRATCH/dns.log" 2>&1 &
PIDS+=($!)

port=$(in_ns python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
peer=$(in_ns python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
in_ns setpriv --bounding-set -sys_time -- etcd --name dns1 --data-dir "$SCRATCH/etcd" \
  --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
  --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
  --initial-cluster "dns1=http://127.0.0.1:$peer" >"$SCRATCH/etcd.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
  in_ns env ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:$port" endpoint health >/dev/null 2>&1 && break
  sleep 0.1
done
in_ns env ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:$port" endpoint health >/dev/null 2>&1 ||
  { tail -5 "$SCRATCH/etcd.log" >&2; fail "etcd did not start in the namespace"; }
pass "etcd on 127.0.0.1:$port in namespace $NS, whose name server never answers"

in_ns "$CHECK" "$port" "/etc/netns/$NS/hosts" >"$SCRATCH/check.out" 2>&1 ||
  { cat "$SCRATCH/check.out" >&2; fail "etcd endpoints by name"; }
cat "$SCRATCH/check.out"
pass "etcd endpoints by name: $(grep -c '^ok' "$SCRATCH/check.out") checks"
