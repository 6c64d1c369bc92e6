# Shared settings for the cluster example (sourced by up.sh, down.sh, test.sh).
#
# One machine, several hosts: every host is a network namespace joined to a bridge that
# lives in its own namespace (so the machine's own network is never touched). Addresses
# come from 198.18.0.0/15, the range RFC 2544 sets aside for network tests.
set -euo pipefail

CLUSTER_PREFIX=${CLUSTER_PREFIX:-kc}                  # namespace/interface name prefix (≤ 6 chars)
CLUSTER_DIR=${CLUSTER_DIR:-/tmp/kairos-cluster-$CLUSTER_PREFIX}
CLUSTER_NET=${CLUSTER_NET:-198.18.77}                  # /24
KAIROS_BIN=${KAIROS_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/release/bin/kairos}
APP_NODES=${APP_NODES:-5}                              # nodes pulling through the load balancer
POOL_NODES=${POOL_NODES:-2}                            # nodes using ts1..ts3 as a pool themselves
DELTA=${DELTA:-5ms}                                    # how closely nodes must agree
MINPOLL=${MINPOLL:-1}                                  # log2 s: short polls, so the demo is quick
MAXPOLL=${MAXPOLL:-3}                                  #   (production: `kairos plan`, docs/deployment.md)

SWITCH_NS=${CLUSTER_PREFIX}-switch
BRIDGE=${CLUSTER_PREFIX}br0

# host name -> last octet
declare -A HOST_OCTET=([master]=10 [ts1]=11 [ts2]=12 [ts3]=13 [lb]=20)
for i in $(seq 1 "$APP_NODES"); do HOST_OCTET[app$i]=$((30 + i)); done
for i in $(seq 1 "$POOL_NODES"); do HOST_OCTET[pool$i]=$((50 + i)); done

TIME_SERVERS=(ts1 ts2 ts3)

host_ns() { echo "${CLUSTER_PREFIX}-$1"; }
host_ip() { echo "$CLUSTER_NET.${HOST_OCTET[$1]}"; }
host_http() { echo "$(host_ip "$1"):11180"; }
host_shm() { echo "/${CLUSTER_PREFIX}-$1"; }
in_host() { local h=$1; shift; ip netns exec "$(host_ns "$h")" "$@"; }
# The timestamp oracle on the time servers: gRPC on :11190, its high-water marks and
# leader election in an etcd cluster with one member on each time server.
host_grpc() { echo "$(host_ip "$1"):11190"; }
# each_time_server FORMAT: FORMAT (printf's, %s = the address) for every time server,
# comma-separated.
each_time_server() {
  local out=() ts
  for ts in "${TIME_SERVERS[@]}"; do out+=("$(printf "$1" "$(host_ip "$ts")")"); done
  local IFS=,
  echo "${out[*]}"
}
tso_endpoints() { each_time_server '%s:11190'; }  # what clients name

# start_in HOST NAME CMD...: runs CMD in HOST's namespace in the background, without
# CAP_SYS_TIME (nothing here may steer the machine's clock), logging to
# $CLUSTER_DIR/NAME.log (appending, so a restarted daemon keeps its history) and recording
# its PID in $CLUSTER_DIR/pids/NAME. `ip netns exec` and setpriv exec the command, so the
# PID is the daemon's own.
start_in() {
  local host=$1 name=$2; shift 2
  mkdir -p "$CLUSTER_DIR/pids"
  ip netns exec "$(host_ns "$host")" setpriv --bounding-set -sys_time -- "$@" \
    >>"$CLUSTER_DIR/$name.log" 2>&1 &
  echo $! >"$CLUSTER_DIR/pids/$name"
}

# pid_alive PID: the process exists and has not exited (an exited daemon whose parent,
# up.sh, is gone stays a zombie until init reaps it; it counts as stopped).
pid_alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$(cut -d' ' -f1 <<<"${stat##*) }")" != Z ]
}

# stop_named NAME: SIGTERM the process started as NAME, SIGKILL it after 5 s.
stop_named() {
  local f=$CLUSTER_DIR/pids/$1
  [ -f "$f" ] || return 0
  local pid; pid=$(cat "$f")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do pid_alive "$pid" || break; sleep 0.1; done
  pid_alive "$pid" && kill -9 "$pid" 2>/dev/null
  rm -f "$f"
}

# The config files every kairos here runs on (flags add the per-host parts).
write_configs() {
  cat >"$CLUSTER_DIR/time-server.toml" <<CONF
# Time servers (ts1..ts3): sync from the master, serve NTP on :123 and, when leading, the
# timestamp oracle on :11190.
[sync]
# Serve nothing until synchronized: behind a load balancer a (re)starting server then
# gets no traffic, rather than answering "unsynchronized" to whoever it is sent.
mode = "blocking"
minpoll = $MINPOLL
maxpoll = $MAXPOLL
[ntp]
# Behind a load balancer every request arrives from the balancer's address, so a
# per-client-address limit would throttle all clients together: limit at the balancer.
rate_limit = false
[tso]
# The timestamp oracle and sequencer, highly available: the time servers campaign for
# leadership in etcd; only the leader serves, the others send clients to it.
store = "etcd"
etcd_endpoints = [$(each_time_server '"%s:2379"')]
etcd_lease_ttl = "2s"
CONF
  cat >"$CLUSTER_DIR/app.toml" <<CONF
# Application nodes: clients only (no NTP served), bounded time in shared memory.
[sync]
minpoll = $MINPOLL
maxpoll = $MAXPOLL
target_delta = "$DELTA"
CONF
}

# start_time_server TS [EXTRA ARGS...]: kairos on TS, syncing from the master (unless the
# extra arguments say otherwise), serving NTP on TS:123, status on TS:11180 and the
# timestamp oracle on TS:11190 (when it leads).
start_time_server() {
  local ts=$1; shift
  start_in "$ts" "$ts" "$KAIROS_BIN" serve --config "$CLUSTER_DIR/time-server.toml" \
    --ntp-listen "$(host_ip "$ts"):123" --http-listen "$(host_http "$ts")" --shm-name off \
    --grpc-listen "$(host_grpc "$ts")" --state-dir "$CLUSTER_DIR/state-$ts" "$@"
}

# start_etcd TS: TS's member of the etcd cluster (client :2379, peers :2380).
start_etcd() {
  local ts=$1 peers=() t
  for t in "${TIME_SERVERS[@]}"; do peers+=("$t=http://$(host_ip "$t"):2380"); done
  local IFS=,
  start_in "$ts" "etcd-$ts" etcd --name "$ts" --data-dir "$CLUSTER_DIR/etcd-$ts" \
    --listen-client-urls "http://$(host_ip "$ts"):2379" \
    --advertise-client-urls "http://$(host_ip "$ts"):2379" \
    --listen-peer-urls "http://$(host_ip "$ts"):2380" \
    --initial-advertise-peer-urls "http://$(host_ip "$ts"):2380" \
    --initial-cluster "${peers[*]}" --initial-cluster-state new \
    --initial-cluster-token "kairos-$CLUSTER_PREFIX"
}

# tso_leader: the time server whose kairos last said it leads the oracle and still runs
# ("" if none).
tso_leader() {
  local ts last
  for ts in "${TIME_SERVERS[@]}"; do
    [ -f "$CLUSTER_DIR/pids/$ts" ] && pid_alive "$(cat "$CLUSTER_DIR/pids/$ts")" || continue
    last=$(grep -E "tso: leader, serving|stepped down|cannot serve" "$CLUSTER_DIR/$ts.log" 2>/dev/null \
      | tail -1 || true)
    [[ $last == *"tso: leader, serving"* ]] && { echo "$ts"; return; }
  done
}

# Node N's simulated clock error: off by N·7 ms (alternating sign), drifting N·10 ppm.
node_offset() { local i=$1; echo "$(((i % 2 ? 1 : -1) * i * 7))ms"; }
node_drift() { local i=$1; echo "$(((i % 2 ? -1 : 1) * i * 10))"; }

# start_client HOST N MODE SERVER...: a kairos client node (NTP off) with clock error N.
start_client() {
  local host=$1 n=$2 mode=$3; shift 3
  local servers=()
  for s in "$@"; do servers+=(--server "$s"); done
  start_in "$host" "$host" "$KAIROS_BIN" serve --config "$CLUSTER_DIR/app.toml" \
    "${servers[@]}" --ntp-listen off --sync-mode "$mode" --target-delta "$DELTA" \
    --http-listen "$(host_http "$host")" --shm-name "$(host_shm "$host")" \
    --sim-clock-offset "$(node_offset "$n")" --sim-clock-drift-ppm "$(node_drift "$n")" \
    --state-dir "$CLUSTER_DIR/state-$host"
}

app_hosts() { for i in $(seq 1 "$APP_NODES"); do echo "app$i"; done; }
pool_hosts() { for i in $(seq 1 "$POOL_NODES"); do echo "pool$i"; done; }
