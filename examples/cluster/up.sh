#!/usr/bin/env bash
# Brings up the Timestamp pattern on one machine:
#   master (chronyd, local clock, stratum 1)
#     → ts1, ts2, ts3 (kairos time servers; one etcd member on each, for the oracle)
#       → lb (nginx UDP load balancer on :123)
#         → app1..appN (kairos client nodes, each with its own simulated clock error)
#       → pool1..poolM (kairos client nodes using ts1..ts3 directly, as a pool)
# Everything it creates is recorded under $CLUSTER_DIR; down.sh removes it.
source "$(dirname "$0")/common.sh"

[ "$(id -u)" -eq 0 ] || { echo "up.sh: needs root (network namespaces)" >&2; exit 1; }
[ -x "$KAIROS_BIN" ] || { echo "up.sh: no kairos binary at $KAIROS_BIN (make release)" >&2; exit 1; }
mkdir -p "$CLUSTER_DIR"

network_up() {
  ip netns add "$SWITCH_NS"
  in_switch() { ip netns exec "$SWITCH_NS" "$@"; }
  in_switch ip link add "$BRIDGE" type bridge
  in_switch ip link set "$BRIDGE" up
  for h in "${!HOST_OCTET[@]}"; do
    local ns; ns=$(host_ns "$h")
    ip netns add "$ns"
    # veth pair: "eth0" inside the host, "<prefix>-<host>" on the switch's bridge.
    ip link add "v${CLUSTER_PREFIX}$h" netns "$SWITCH_NS" type veth peer name eth0 netns "$ns"
    in_switch ip link set "v${CLUSTER_PREFIX}$h" master "$BRIDGE" up
    ip netns exec "$ns" ip addr add "$(host_ip "$h")/24" dev eth0
    ip netns exec "$ns" ip link set eth0 up
    ip netns exec "$ns" ip link set lo up
  done
}

master_up() {
  cat >"$CLUSTER_DIR/master-chrony.conf" <<CONF
# The master source: chronyd serving its own clock at stratum 1 (standing in for GPS or
# an atomic clock). -x keeps it from touching the machine's clock.
local stratum 1
allow all
port 123
cmdport 0
pidfile $CLUSTER_DIR/master-chronyd.pid
CONF
  start_in master master chronyd -x -d -u root -f "$CLUSTER_DIR/master-chrony.conf"
}

# One etcd member per time server; waits until the cluster is healthy (at most 20 s).
etcd_up() {
  for ts in "${TIME_SERVERS[@]}"; do start_etcd "$ts"; done
  local eps; eps=$(each_time_server '%s:2379')
  for _ in $(seq 1 200); do
    in_host ts1 env ETCDCTL_API=3 etcdctl --endpoints "$eps" endpoint health >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "up.sh: the etcd cluster did not become healthy (logs: $CLUSTER_DIR/etcd-*.log)" >&2
  exit 1
}

time_servers_up() {
  write_configs
  for ts in ts1 ts2 ts3; do start_time_server "$ts" --server "$(host_ip master)"; done
}

load_balancer_up() {
  mkdir -p "$CLUSTER_DIR/nginx"
  cat >"$CLUSTER_DIR/nginx.conf" <<CONF
# UDP load balancer in front of the time servers (nginx stream module).
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
user root;
worker_processes 1;
pid $CLUSTER_DIR/nginx.pid;
error_log $CLUSTER_DIR/nginx-error.log info;
events { worker_connections 1024; }
stream {
  upstream time_servers {
    server $(host_ip ts1):123;
    server $(host_ip ts2):123;
    server $(host_ip ts3):123;
  }
  server {
    listen $(host_ip lb):123 udp;
    proxy_pass time_servers;
    proxy_responses 1;   # one reply per request: NTP is request/response
    proxy_timeout 2s;
  }
}
CONF
  start_in lb lb nginx -p "$CLUSTER_DIR/nginx" -c "$CLUSTER_DIR/nginx.conf" -g 'daemon off;'
}

# App nodes pull through the load balancer; app1 runs in blocking mode. Each has its own
# simulated clock error (common.sh: node_offset, node_drift).
apps_up() {
  write_configs
  for i in $(seq 1 "$APP_NODES"); do
    local mode=nonblocking
    [ "$i" -eq 1 ] && mode=blocking
    start_client "app$i" "$i" "$mode" "$(host_ip lb)"
  done
}

# Pool nodes skip the load balancer: each uses the three time servers as its sources, so it
# sees which server said what and can vote a falseticker out.
pool_up() {
  write_configs
  for i in $(seq 1 "$POOL_NODES"); do
    start_client "pool$i" "$((APP_NODES + i))" nonblocking \
      "$(host_ip ts1)" "$(host_ip ts2)" "$(host_ip ts3)"
  done
}

# Phases, in order; arguments pick a subset (e.g. `up.sh network master`).
phases=("$@")
[ ${#phases[@]} -gt 0 ] || phases=(network master etcd servers lb apps pool)
for phase in "${phases[@]}"; do
  case $phase in
    network) network_up ;;
    master) master_up ;;
    etcd) etcd_up ;;
    servers) time_servers_up ;;
    lb) load_balancer_up ;;
    apps) apps_up ;;
    pool) pool_up ;;
    *) echo "up.sh: unknown phase '$phase' (network, master, etcd, servers, lb, apps, pool)" >&2
       exit 2 ;;
  esac
done
echo "cluster up: $(ls "$CLUSTER_DIR/pids" | tr '\n' ' ')(logs in $CLUSTER_DIR)"
