#!/usr/bin/env bash
# A private PostgreSQL 15 for the data-plane tests: `tests/pg_server.sh start DIR` initialises a
# cluster in a fresh temporary directory (trust auth, 127.0.0.1 on a free port, fsync off), starts
# it, writes its URL to DIR/url and prints it; `tests/pg_server.sh stop DIR` stops it and removes
# the cluster. As root, the server runs as user postgres (runuser), as PostgreSQL requires.
# BATON_PG_DURABLE=1 starts it durable instead (fsync, synchronous_commit, full_page_writes on;
# 100 connections): the PostgreSQL peer of benchmark P9.
set -euo pipefail

usage() { echo "usage: tests/pg_server.sh start|stop DIR" >&2; exit 2; }
(($# == 2)) || usage
cmd="$1"
dir="$2"
bin="${BATON_PG_BIN:-/usr/lib/postgresql/15/bin}"

as_pg() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 12000))  # below the kernel's ephemeral range (32768-): no client takes it
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  echo "pg_server.sh: no free port found" >&2
  return 1
}

stop() {
  [[ -f "$dir/cluster" ]] || return 0
  local cluster
  cluster="$(cat "$dir/cluster")"
  if [[ -d "$cluster/data" ]]; then
    as_pg "$bin/pg_ctl" -D "$cluster/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$cluster"
  rm -f "$dir/cluster" "$dir/url"
}

case "$cmd" in
  start)
    [[ -x "$bin/initdb" ]] || { echo "pg_server.sh: $bin/initdb not found (apt-get install postgresql)" >&2; exit 1; }
    mkdir -p "$dir"
    stop  # a cluster left by an interrupted run
    cluster="$(mktemp -d /tmp/baton-pg.XXXXXX)"
    echo "$cluster" >"$dir/cluster"
    [[ "$(id -u)" == 0 ]] && chown postgres "$cluster"
    chmod 700 "$cluster"
    as_pg "$bin/initdb" -D "$cluster/data" -A trust -U postgres -E UTF8 --no-sync >"$cluster/initdb.log" 2>&1 ||
      { cat "$cluster/initdb.log" >&2; exit 1; }
    # A port found free can be taken before the server binds it (other tests start servers
    # too): try another one.
    opts="-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
    [[ "${BATON_PG_DURABLE:-}" == 1 ]] &&
      opts="-c fsync=on -c synchronous_commit=on -c full_page_writes=on -c max_connections=100"
    for attempt in 1 2 3; do
      port="$(free_port)"
      if as_pg "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
        -o "-p $port -c listen_addresses=127.0.0.1 -k $cluster $opts" \
        start >/dev/null; then
        break
      fi
      echo "pg_server.sh: start on port $port failed (attempt $attempt):" >&2
      cat "$cluster/server.log" >&2
      ((attempt < 3)) || exit 1
    done
    url="postgresql://postgres@127.0.0.1:$port/postgres"
    echo "$url" >"$dir/url"
    echo "$url"
    ;;
  stop) stop ;;
  *) usage ;;
esac
