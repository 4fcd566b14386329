#!/usr/bin/env bash
# The project's own PostgreSQL 15 cluster under .data/pg, owned by the `postgres` user when
# we run as root (initdb refuses root). DATABASE_URL overrides all of this.
#   db.sh start | stop | status | reset | url
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
DATA="$ROOT/.data/pg"
RUN="$ROOT/.data/run"
LOG="$ROOT/.data/pg.log"
PORT=${MUTAMBO_PG_PORT:-54329}
DB=${MUTAMBO_DB:-mutambo}

say() { printf '\033[1mdb:\033[0m %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# Run a cluster command as the cluster's owner.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

check_binaries() {
  [ -x "$PGBIN/initdb" ] || die "PostgreSQL 15 not found in $PGBIN. Install it: apt-get install postgresql-15 postgresql-15-cron postgresql-15-pgtap"
  [ -f /usr/share/postgresql/15/extension/pg_cron.control ] || die "pg_cron is missing. Install it: apt-get install postgresql-15-cron"
  [ -f /usr/share/postgresql/15/extension/pgtap.control ] || die "pgTAP is missing. Install it: apt-get install postgresql-15-pgtap"
}

is_running() { [ -f "$DATA/postmaster.pid" ] && as_owner "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

init_cluster() {
  if [ -f "$DATA/PG_VERSION" ] && [ -f "$DATA/postgresql.conf" ] && [ -f "$DATA/mutambo.conf" ]; then return; fi
  if [ -d "$DATA" ] && [ -n "$(ls -A "$DATA" 2>/dev/null)" ]; then
    local aside="$DATA.broken-$(date +%Y%m%d%H%M%S)"
    say "$DATA is half-initialized (an earlier initdb stopped part way); moving it aside to $aside"
    mv "$DATA" "$aside"
  fi
  mkdir -p "$DATA" "$RUN"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "user 'postgres' does not exist; install postgresql-15 (it creates the user)"
    chown postgres:postgres "$DATA" "$RUN"
    chmod 700 "$DATA"
    # postgres must be able to reach .data through the work tree
    as_owner test -x "$ROOT/.data" || die "user postgres cannot enter $ROOT/.data; make the path world-executable (chmod o+x on each parent)"
  fi
  say "initializing a new cluster in $DATA"
  if ! as_owner "$PGBIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=trust >"$ROOT/.data/initdb.log" 2>&1; then
    tail -20 "$ROOT/.data/initdb.log" >&2
    rm -rf "$DATA"
    die "initdb failed (log above, whole log in .data/initdb.log); nothing was left behind"
  fi
  # Our settings live in one file of their own, included last. Trust auth on loopback only:
  # this is a development cluster; deployments use DATABASE_URL with real credentials.
  cat > "$DATA/mutambo.conf.tmp" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$RUN'
shared_preload_libraries = 'pg_cron'
cron.database_name = '$DB'
cron.timezone = 'UTC'
timezone = 'UTC'
max_connections = 300
shared_buffers = 512MB
work_mem = 16MB
max_wal_size = 4GB
checkpoint_timeout = 15min
log_min_messages = warning
log_min_error_statement = panic
CONF
  chown --reference="$DATA" "$DATA/mutambo.conf.tmp" 2>/dev/null || true
  echo "include 'mutambo.conf'" >> "$DATA/postgresql.conf"
  mv "$DATA/mutambo.conf.tmp" "$DATA/mutambo.conf"
}

start() {
  if [ -n "${DATABASE_URL:-}" ]; then
    "$PGBIN/pg_isready" -d "$DATABASE_URL" -q || die "DATABASE_URL is set but that server does not answer"
    return
  fi
  check_binaries
  init_cluster
  if is_running; then
    say "Postgres already running on port $PORT"
  else
    if "$PGBIN/pg_isready" -h 127.0.0.1 -p "$PORT" -q 2>/dev/null; then
      die "port $PORT is already in use by another server; stop it or choose another port with MUTAMBO_PG_PORT=<port>"
    fi
    mkdir -p "$RUN"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$RUN"
    touch "$LOG"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$LOG"
    if ! as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 -o "-p $PORT" start >/dev/null; then
      tail -20 "$LOG" >&2
      die "Postgres did not start (log above, whole log in $LOG)"
    fi
    say "Postgres started on 127.0.0.1:$PORT"
  fi
  if [ "$(psql_super -d postgres -tAc "select 1 from pg_database where datname = '$DB'")" != 1 ]; then
    psql_super -d postgres -qc "create database $DB" >/dev/null
    say "created database $DB"
  fi
}

psql_super() { psql -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }

stop() {
  [ -n "${DATABASE_URL:-}" ] && { say "DATABASE_URL is set: not stopping someone else's server"; return; }
  if is_running; then as_owner "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null; say "Postgres stopped"; else say "Postgres is not running"; fi
}

reset() {
  if [ -n "${DATABASE_URL:-}" ]; then
    die "db:reset with DATABASE_URL set would drop someone else's data; drop and recreate that database by hand"
  fi
  start
  say "dropping and recreating database $DB"
  psql_super -d postgres -qc "drop database if exists $DB with (force)" -c "create database $DB" >/dev/null
  # pg_cron's scheduler stops when its database is dropped; a restart brings it back.
  as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 -o "-p $PORT" restart -m fast >/dev/null
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if is_running; then echo "running on 127.0.0.1:$PORT"; else echo "stopped"; exit 1; fi ;;
  reset) reset ;;
  url) echo "${DATABASE_URL:-postgres://postgres@127.0.0.1:$PORT/$DB}" ;;
  *) die "usage: db.sh start|stop|status|reset|url" ;;
esac
