#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the service tests, on 127.0.0.1 only.
#
#   eval "$(scripts/start-postgres.sh)"      # start; exports MATEQUITY_TEST_POSTGRES_URL
#   scripts/start-postgres.sh stop "$MATEQUITY_PG_DIR"
#
# The cluster lives in a new temporary folder, runs as a non-root user (the
# 'postgres' account the Debian package creates, or one made here) with a random
# password (scram-sha-256), listens on a free loopback port and holds one empty
# database. Installs PostgreSQL with apt when initdb is missing and we are root.
# Only the export lines go to stdout; everything else goes to stderr.
set -euo pipefail

if [ "${1:-}" = "stop" ]; then
  dir="${2:?usage: start-postgres.sh stop DIR}"
  if [ -f "$dir/bin" ] && [ -d "$dir/data" ]; then
    bin="$(cat "$dir/bin")"
    user="$(cat "$dir/user")"
    if [ "$(id -u)" = "0" ] && [ "$user" != "root" ]; then
      runuser -u "$user" -- "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    else
      "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    fi
  fi
  rm -rf "$dir"
  exit 0
fi

find_bin() {
  if command -v initdb >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v initdb)")"; return; fi
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then echo "$d"; return; fi
  done
}

bin="$(find_bin || true)"
if [ -z "$bin" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "postgres: installing with apt" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 postgresql >&2
    bin="$(find_bin)"
  else
    echo "postgres: initdb not found and cannot install (need root and apt-get)" >&2
    exit 1
  fi
fi

user="$(id -un)"
if [ "$(id -u)" = "0" ]; then
  if id postgres >/dev/null 2>&1; then
    user=postgres
  else
    user=matequity-pg
    id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
  fi
fi
as_user() {
  if [ "$(id -u)" = "0" ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

dir="$(mktemp -d "${TMPDIR:-/tmp}/matequity-pg.XXXXXX")"
chmod 700 "$dir"
password="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$password" > "$dir/pwfile"
mkdir "$dir/socket"
echo "$bin" > "$dir/bin"
echo "$user" > "$dir/user"
[ "$(id -u)" = "0" ] && chown -R "$user" "$dir"

as_user "$bin/initdb" -D "$dir/data" -U matequity --pwfile="$dir/pwfile" \
  --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
rm -f "$dir/pwfile"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
as_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/socket -c fsync=off" start >&2 \
  || { cat "$dir/server.log" >&2; exit 1; }
PGPASSWORD="$password" "$bin/createdb" -h 127.0.0.1 -p "$port" -U matequity matequity_test >&2

url="postgresql+psycopg://matequity:${password}@127.0.0.1:${port}/matequity_test"
echo "export MATEQUITY_TEST_POSTGRES_URL='$url'"
echo "export MATEQUITY_PG_DIR='$dir'"
echo "postgres: running on 127.0.0.1:$port (data in $dir)" >&2
