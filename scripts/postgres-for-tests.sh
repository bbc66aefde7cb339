#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the tests (scripts/test.sh uses it).
#   bash scripts/postgres-for-tests.sh start       # prints "URL DIR" on stdout
#   bash scripts/postgres-for-tests.sh stop DIR
# Installs Debian's postgresql when no initdb is found and we may (root with apt). As root the
# cluster runs as the `postgres` user (PostgreSQL refuses to run as root).
set -euo pipefail
action=${1:?start or stop}

bindir() {
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v initdb)"
    return
  fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [[ -z $found && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) \
      >/dev/null 2>&1 || true
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  fi
  [[ -n $found ]] || { echo "no PostgreSQL (initdb) found or installable" >&2; return 1; }
  echo "$found"
}

as_owner() {
  if [[ $(id -u) == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case $action in
  start)
    bin=$(bindir)
    dir=$(mktemp -d -t specreview-pg.XXXXXX)
    if [[ $(id -u) == 0 ]]; then chown postgres "$dir"; fi
    user=$(as_owner id -un)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if ! as_owner "$bin/initdb" -D "$dir/data" -U "$user" --auth=trust -E UTF8 \
      >"$dir/initdb.log" 2>&1; then
      tail -5 "$dir/initdb.log" >&2
      rm -rf "$dir"
      exit 1
    fi
    # fsync off: a test cluster's data is thrown away; durability would only cost time.
    if ! as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off" start >/dev/null; then
      tail -5 "$dir/server.log" >&2
      rm -rf "$dir"
      exit 1
    fi
    echo "postgresql://$user@127.0.0.1:$port/postgres $dir"
    ;;
  stop)
    dir=${2:?the folder start printed}
    [[ -d $dir/data ]] || exit 0
    bin=$(bindir)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
