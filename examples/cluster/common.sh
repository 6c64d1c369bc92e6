# Shared settings for the cluster example (sourced by up.sh, down.sh, test.sh).
#
# One machine, several hosts: every host is a network namespace joined to a bridge that
# lives in its own namespace (so the machine's own network is never touched). Addresses
# come from 198.18.0.0/15, the range RFC 2544 sets aside for network tests.
set -euo pipefail

CLUSTER_PREFIX=${CLUSTER_PREFIX:-kc}                  # namespace/interface name prefix
CLUSTER_DIR=${CLUSTER_DIR:-/tmp/kairos-cluster-$CLUSTER_PREFIX}
CLUSTER_NET=${CLUSTER_NET:-198.18.77}                  # /24
KAIROS_BIN=${KAIROS_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/release/bin/kairos}
APP_NODES=${APP_NODES:-5}
DELTA=${DELTA:-5ms}                                    # how closely nodes must agree

SWITCH_NS=${CLUSTER_PREFIX}-switch
BRIDGE=${CLUSTER_PREFIX}br0

# host name -> last octet
declare -A HOST_OCTET=([master]=10 [ts1]=11 [ts2]=12 [ts3]=13 [lb]=20)
for i in $(seq 1 "$APP_NODES"); do HOST_OCTET[app$i]=$((30 + i)); done

host_ns() { echo "${CLUSTER_PREFIX}-$1"; }
host_ip() { echo "$CLUSTER_NET.${HOST_OCTET[$1]}"; }
in_host() { local h=$1; shift; ip netns exec "$(host_ns "$h")" "$@"; }

# Every daemon runs without CAP_SYS_TIME: nothing here may steer the machine's clock.
no_time() { setpriv --bounding-set -sys_time -- "$@"; }

# start_in HOST NAME CMD...: runs CMD in HOST's namespace in the background, logging to
# $CLUSTER_DIR/NAME.log and recording its PID in $CLUSTER_DIR/pids/NAME.
start_in() {
  local host=$1 name=$2; shift 2
  mkdir -p "$CLUSTER_DIR/pids"
  ip netns exec "$(host_ns "$host")" setpriv --bounding-set -sys_time -- "$@" \
    >"$CLUSTER_DIR/$name.log" 2>&1 &
  echo $! >"$CLUSTER_DIR/pids/$name"
}

stop_named() {
  local f=$CLUSTER_DIR/pids/$1
  [ -f "$f" ] || return 0
  local pid; pid=$(cat "$f")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$f"
}
