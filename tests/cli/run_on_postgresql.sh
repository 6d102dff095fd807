#!/usr/bin/env bash
# End to end on PostgreSQL: `batonctl run` of the sample campaign against the private server the
# CTest fixture started — targeting, data activities and an email through the file outbox — and
# the same counts as on SQLite for the same data.
set -euo pipefail
build=$1
url=$(cat "$build/pg/url")
B=$build/tools
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$B/baton-sample-data" --seed 3 --profiles 1500 --out "$work/sample" >/dev/null
counts() {  # the task counts of the run, one "activity status countIn outputs" line each
  "$B/batonctl" --data-dir "$1" campaign show "$2" --json |
    python3 -c 'import json,sys; [print(t["activity"], t["status"], t["countIn"], json.dumps(t["outputs"], sort_keys=True)) for t in json.load(sys.stdin)["runs"][-1]["tasks"]]'
}
for backend in sqlite postgres; do
  d=$work/$backend
  "$B/batonctl" --data-dir "$d" init >/dev/null
  if [ "$backend" = postgres ]; then
    # a fresh database per run, so that reruns start clean
    db=baton_cli_$$
    psql "$url" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
    sed -i "s|\"url\": \"\"|\"url\": \"${url%/*}/$db\"|" "$d/config.json"
  fi
  "$B/batonctl" --data-dir "$d" schema apply "$src/config/schema.json" >/dev/null
  for e in households profiles purchases; do "$B/batonctl" --data-dir "$d" data load "$e" "$work/sample/$e.csv" >/dev/null 2>&1; done
  "$B/batonctl" --data-dir "$d" run "$src/config/campaigns/winter-sale.json" >/dev/null 2>"$work/$backend.err"
  id=$("$B/batonctl" --data-dir "$d" campaign list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
  counts "$d" "$id" > "$work/$backend.counts"
  wc -l < "$d/outbox/email.jsonl" > "$work/$backend.sent"
  "$B/baton-replay" --data-dir "$d" verify >/dev/null
done
grep -q "mail_vip done" "$work/postgres.counts" || { cat "$work/postgres.err" "$work/postgres.counts"; exit 1; }
diff "$work/sqlite.counts" "$work/postgres.counts"
diff "$work/sqlite.sent" "$work/postgres.sent"
echo "postgres and sqlite agree: $(cat "$work/postgres.sent") messages sent"
