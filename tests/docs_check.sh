#!/usr/bin/env bash
# Keeps the docs true to the code where a script can tell:
# - docs/config.md's copy of the embedded default config is the file itself;
# - every subcommand has --help, and every `kairos serve` flag appears in docs/config.md;
# - a usage error exits 2 (docs/tso.md, `kairos wait-sync --help`), not CLI11's own codes.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KAIROS_BIN:?}"
bad=0

doc_copy=$(sed -n '/^## The embedded default/,$p' docs/config.md | sed -n '/^```toml$/,/^```$/p' | sed '1d;$d')
if [ "$doc_copy" != "$(cat src/daemon/default_config.toml)" ]; then
  echo "docs/config.md: the embedded default differs from src/daemon/default_config.toml"
  bad=1
fi

for flag in $("$KAIROS_BIN" serve --help | grep -oE '^\s+--[a-z0-9-]+' | tr -d ' ' | sort -u); do
  case $flag in --help|--config) continue ;; esac
  grep -q -- "$flag" docs/config.md || { echo "docs/config.md does not mention serve flag $flag"; bad=1; }
done

commands=$("$KAIROS_BIN" --help | sed -n '/^Subcommands:/,$p' | grep -oE '^  [a-z][a-z-]*' | tr -d ' ')
[ "$(wc -w <<<"$commands")" -ge 5 ] || { echo "found too few subcommands in kairos --help: $commands"; bad=1; }
for cmd in $commands; do
  # A subcommand's own help starts with its name in the usage line.
  "$KAIROS_BIN" "$cmd" --help 2>&1 | grep -q "kairos $cmd" || { echo "kairos $cmd --help does not describe it"; bad=1; }
  grep -rq -- "kairos $cmd" README.md docs/ || { echo "no doc mentions 'kairos $cmd'"; bad=1; }
  # Usage errors exit 2 (as the docs say of bad flags), whichever CLI11 error it is.
  rc=0
  "$KAIROS_BIN" "$cmd" --no-such-flag >/dev/null 2>&1 || rc=$?
  [ "$rc" -eq 2 ] || { echo "kairos $cmd --no-such-flag exited $rc, not 2"; bad=1; }
done
rc=0
"$KAIROS_BIN" tso get --count abc >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || { echo "kairos tso get --count abc exited $rc, not 2"; bad=1; }
rc=0
"$KAIROS_BIN" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || { echo "kairos without a subcommand exited $rc, not 2"; bad=1; }
"$KAIROS_BIN" --version >/dev/null || { echo "kairos --version failed"; bad=1; }
[ $bad -eq 0 ] && echo "docs ok: default config copy, serve flags documented, every subcommand has --help, usage errors exit 2"
exit $bad
