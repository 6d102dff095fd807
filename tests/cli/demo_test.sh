#!/usr/bin/env bash
# The README's first command, as a newcomer runs it: scripts/demo must install nothing new,
# build, run the sample campaign end to end, and show its graph with counts, the campaign list,
# a non-empty outbox, the report, the event log and a verified chain. Usage: demo_test.sh SOURCE_DIR
set -euo pipefail
SRC=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
if ! BATON_DEMO_DIR="$T/demo" "$SRC/scripts/demo" >"$T/out" 2>"$T/err"; then
  echo "FAIL: scripts/demo exited non-zero"; cat "$T/out" "$T/err"; exit 1
fi
fail=0
need() { grep -qE "$1" "$T/out" || { echo "FAIL: demo output lacks: $2"; fail=1; }; }
need '^== batonctl run config/campaigns/winter-sale.json' "the run"
need 'run 1 .*completed' "a completed run"
need '^== batonctl campaign list' "the campaign list"
need 'messages; the first one:' "the outbox"
need '"message_id"' "an outbox message"
need '^== batonctl report' "the report"
need 'task_completed' "the event log"
need 'verify' "baton-replay verify"
n=$(sed -n 's/.*email.jsonl): \([0-9]*\) messages.*/\1/p' "$T/out")
[ -n "$n" ] && [ "$n" -gt 0 ] || { echo "FAIL: the outbox is empty (${n:-?} messages)"; fail=1; }
tail -3 "$T/out" | grep -qiE 'ok|intact|verified' || { echo "FAIL: verify did not say ok"; fail=1; }
[ $fail -eq 0 ] || { echo "--- demo output:"; cat "$T/out" "$T/err"; exit 1; }
echo "demo ok: $n messages"
