#!/usr/bin/env bash
# Stops everything up.sh started (by PID) and removes every namespace it made.
# Safe to run twice and after a partial up.sh.
source "$(dirname "$0")/common.sh"

if [ -d "$CLUSTER_DIR/pids" ]; then
  # etcd last: a time server that leads the oracle revokes its etcd lease when it stops.
  for f in "$CLUSTER_DIR"/pids/*; do
    [[ -e $f && $(basename "$f") != etcd-* ]] && stop_named "$(basename "$f")"
  done
  for f in "$CLUSTER_DIR"/pids/etcd-*; do
    [ -e "$f" ] && stop_named "$(basename "$f")"
  done
fi
for h in "${!HOST_OCTET[@]}"; do
  ip netns del "$(host_ns "$h")" 2>/dev/null || true
done
ip netns del "$SWITCH_NS" 2>/dev/null || true
# A daemon removes its segment when stopped; a killed one leaves it behind.
for h in $(app_hosts) $(pool_hosts); do rm -f "/dev/shm$(host_shm "$h")"; done
rm -rf "$CLUSTER_DIR"
echo "cluster down"
