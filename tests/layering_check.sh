#!/usr/bin/env bash
# Checks that every src/<module> includes only the modules DESIGN.md lets it depend on
# ("Modules and the direction of dependencies"). Public headers (kairos/...) are allowed
# everywhere except where they would pull a higher module into a lower one.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A allowed=(
  [core]=""
  [logical]="core"
  [crdt]="core logical"
  [ntp]="core"
  [io]="core"
  [shm]="core"
  [clock_driver]="core"
  [sync]="core ntp"
  [server]="core ntp io"
  [sources]="core ntp sync io"
  [sim]="core sync"
  [tso]="core logical"
  [daemon]="core ntp sync io sources server clock_driver shm tso logical"
  [cli]="*"
)

bad=0
for dir in src/*/; do
  module=$(basename "$dir")
  [ "${allowed[$module]+set}" ] || { echo "src/$module is not a module DESIGN.md names"; bad=1; continue; }
  [ "${allowed[$module]}" = "*" ] && continue
  while IFS= read -r line; do
    file=${line%%:*}
    dep=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$line")
    [ "$dep" = "$module" ] && continue
    [ "$dep" = "kairos" ] && continue
    case " ${allowed[$module]} " in *" $dep "*) continue ;; esac
    echo "layering: $file includes $dep/, but $module may only depend on: ${allowed[$module]:-nothing}"
    bad=1
  done < <(grep -rHE '^#include "[a-z_]+/' "$dir" || true)
done
[ $bad -eq 0 ] && echo "layering ok: every module includes only what DESIGN.md allows"
exit $bad
