#!/usr/bin/env bash
# Private PostgreSQL 15 cluster for development and CI.
#
# When CMR_PGHOST is unset, a cluster lives in $CMR_CACHE/pg (default
# .cache/pg in the repository), listens on a unix socket only
# (listen_addresses='') and trusts local connections.  initdb and pg_ctl
# refuse to run as root, so as root they run as the `postgres` OS user (or a
# `cmrpg` system user created on demand) through `runuser -u`.
#
# When CMR_PGHOST is set, that server is used as is (CMR_PGPORT, CMR_PGUSER,
# CMR_PGPASSWORD) and nothing is started or stopped here.
#
# Library (source it) or command:
#   tools/pg.sh ensure|status|stop|clean|env|psql [psql args]
# Functions: ensure_cluster, pg_env, stop_cluster, clean_cluster, db_exists,
#            drop_db.

# shellcheck source=tools/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

pg_vars() {
    cmr_cache_init
    PG_ROOT=$CMR_CACHE/pg
    PGDATA_DIR=$PG_ROOT/data
    PG_LOG=$PG_ROOT/postgres.log
    if [ -n "${CMR_PGHOST:-}" ]; then
        PG_EXTERNAL=1
        PG_HOST=$CMR_PGHOST
    else
        PG_EXTERNAL=
        # A unix socket path is limited to ~107 bytes: fall back to a short
        # per-cache directory in /tmp when the cache path is too long.
        PG_HOST=$PG_ROOT/run
        if [ $((${#PG_HOST} + 16)) -gt 100 ]; then
            PG_HOST=/tmp/cmr-pg-$(printf '%s' "$CMR_CACHE" | md5sum | cut -c1-12)
        fi
    fi
    PG_PORT=${CMR_PGPORT:-5432}
}

# The OS user owning the private cluster (empty: the current user).
pg_os_user() {
    [ "$(id -u)" -eq 0 ] || return 0
    if id -u postgres >/dev/null 2>&1; then
        echo postgres
    else
        if ! id -u cmrpg >/dev/null 2>&1; then
            useradd --system --user-group --no-create-home \
                --home-dir /nonexistent --shell /usr/sbin/nologin cmrpg \
                || cmr_die "cannot create system user cmrpg for PostgreSQL"
        fi
        echo cmrpg
    fi
}

pg_as_owner() {
    if [ -n "$PG_OWNER" ]; then
        runuser -u "$PG_OWNER" -- "$@"
    else
        "$@"
    fi
}

# Let the cluster owner traverse every parent of $1 (adds o+x where missing).
pg_grant_traverse() {
    [ -n "$PG_OWNER" ] || return 0
    local d=$1 path=
    local IFS=/
    for part in $d; do
        [ -n "$part" ] || continue
        path=$path/$part
        if ! runuser -u "$PG_OWNER" -- test -x "$path" 2>/dev/null; then
            cmr_say "granting o+x on $path so that $PG_OWNER can reach the cluster"
            chmod o+x "$path"
        fi
    done
}

pg_require_bins() {
    local b
    for b in initdb pg_ctl postgres; do
        [ -x "$CMR_PG_BIN/$b" ] || cmr_die "PostgreSQL 15 server binaries (initdb, pg_ctl) not found in $CMR_PG_BIN: install postgresql-15, set CMR_PG_BIN, or set CMR_PGHOST to use an existing server"
    done
}

# Environment for psql/createdb/dropdb (and anything libpq based).
pg_env() {
    pg_vars
    export PGHOST=$PG_HOST PGPORT=$PG_PORT PGUSER=$CMR_PGUSER PGDATABASE=postgres
    if [ -n "${CMR_PGPASSWORD:-}" ]; then
        export PGPASSWORD=$CMR_PGPASSWORD
    fi
    if [ -d "$CMR_PG_BIN" ]; then
        case ":$PATH:" in
            *":$CMR_PG_BIN:"*) ;;
            *) PATH=$CMR_PG_BIN:$PATH ;;
        esac
        export PATH
    fi
    command -v psql >/dev/null 2>&1 || cmr_die "psql not found (install postgresql-client-15)"
}

pg_running() {
    [ -f "$PGDATA_DIR/PG_VERSION" ] || return 1
    pg_as_owner "$CMR_PG_BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1 || return 1
    # pg_ctl trusts any live process whose pid is in postmaster.pid; after a
    # reboot that pid may belong to something else: drop such a stale file.
    local pid comm
    pid=$(head -n 1 "$PGDATA_DIR/postmaster.pid" 2>/dev/null) || return 0
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 0
    case $comm in
        postgres* | postmaster*) return 0 ;;
    esac
    cmr_say "stale $PGDATA_DIR/postmaster.pid (pid $pid is $comm): removing it"
    rm -f "$PGDATA_DIR/postmaster.pid"
    return 1
}

pg_initdb() {
    cmr_say "initdb: new PostgreSQL cluster in $PGDATA_DIR (owner ${PG_OWNER:-$(id -un)})"
    rm -rf "$PGDATA_DIR"
    pg_as_owner mkdir -m 700 "$PGDATA_DIR"
    pg_as_owner "$CMR_PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres \
        --auth-local=trust --auth-host=reject -E UTF8 --locale=C \
        --no-sync --no-instructions >"$PG_ROOT/initdb.log" 2>&1 \
        || { tail -n 20 "$PG_ROOT/initdb.log" >&2; cmr_die "initdb failed (log: $PG_ROOT/initdb.log)"; }
    # A throwaway development cluster: durability traded for speed.
    pg_as_owner tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null <<EOF

# --- cmr_module development cluster (tools/pg.sh) ---
listen_addresses = ''
unix_socket_directories = '$PG_HOST'
unix_socket_permissions = 0700
port = $PG_PORT
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
log_min_messages = warning
EOF
}

pg_start() {
    pg_as_owner mkdir -p -m 700 "$PG_HOST"
    cmr_say "starting PostgreSQL (socket $PG_HOST, log $PG_LOG)"
    # fd 9 (the cluster lock) must not be inherited by the server.
    if ! pg_as_owner "$CMR_PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PG_LOG" -w -t 120 \
        -o "-k '$PG_HOST' -p $PG_PORT -c listen_addresses=''" start >/dev/null 9>&-; then
        tail -n 20 "$PG_LOG" >&2
        cmr_die "could not start PostgreSQL (log: $PG_LOG)"
    fi
}

pg_ensure_role() {
    local role=$CMR_PGUSER
    [ "$role" != postgres ] || cmr_die "CMR_PGUSER=postgres: Odoo refuses to run as the postgres superuser"
    local q="SELECT 1 FROM pg_roles WHERE rolname = '${role//\'/\'\'}'"
    if [ -z "$(PGUSER=postgres psql -XtAq -d postgres -c "$q")" ]; then
        cmr_say "creating database role $role (LOGIN CREATEDB)"
        PGUSER=postgres psql -XqAt -v ON_ERROR_STOP=1 -d postgres \
            -c "CREATE ROLE \"${role//\"/\"\"}\" LOGIN CREATEDB" >/dev/null
    fi
}

# Start (and create on first use) the private cluster; with CMR_PGHOST, only
# check that the server answers.  Idempotent and serialised with a lock.
ensure_cluster() {
    pg_vars
    [ -n "$PG_EXTERNAL" ] || pg_require_bins
    pg_env
    if [ -n "$PG_EXTERNAL" ]; then
        psql -XtAq -c 'SELECT 1' >/dev/null \
            || cmr_die "cannot connect to PostgreSQL at CMR_PGHOST=$PG_HOST port $PG_PORT as $PGUSER"
        return 0
    fi
    PG_OWNER=$(pg_os_user)
    # Serialise concurrent callers on fd 9 (closed for the server, see pg_start).
    exec 9>"$CMR_CACHE/.pg.lock"
    flock -w 300 9 || cmr_die "timed out waiting for $CMR_CACHE/.pg.lock"
    if [ ! -d "$PG_ROOT" ]; then
        mkdir -p "$PG_ROOT"
    fi
    if [ -n "$PG_OWNER" ]; then
        chown "$PG_OWNER:" "$PG_ROOT"
        chmod 700 "$PG_ROOT"
        pg_grant_traverse "$PG_ROOT"
        case $PG_HOST in
            "$PG_ROOT"/*) ;;
            *) pg_grant_traverse "$(dirname "$PG_HOST")" ;;
        esac
    fi
    if ! pg_running; then
        [ -f "$PGDATA_DIR/PG_VERSION" ] || pg_initdb
        pg_start
    fi
    pg_ensure_role
    exec 9>&-
}

# A streaming hot standby of the private cluster (CMR_PG_REPLICA=1): a copy
# that follows the primary and serves Odoo's read-only routes when odoo.conf
# names it (db_replica_host/db_replica_port, written by write_odoo_conf).
# Same socket directory, port PG_PORT + 1.
replica_vars() {
    pg_vars
    REPLICA_DATA=$PG_ROOT/replica
    REPLICA_PORT=$((PG_PORT + 1))
    REPLICA_LOG=$PG_ROOT/replica.log
}

ensure_replica() {
    ensure_cluster
    replica_vars
    exec 9>"$CMR_CACHE/.pg.lock"
    flock -w 300 9 || cmr_die "timed out waiting for $CMR_CACHE/.pg.lock"
    [ -z "$PG_EXTERNAL" ] || cmr_die "CMR_PG_REPLICA needs the private cluster (CMR_PGHOST is set)"
    PG_OWNER=$(pg_os_user)
    if [ ! -f "$REPLICA_DATA/PG_VERSION" ]; then
        cmr_say "pg_basebackup: hot standby of the cluster in $REPLICA_DATA"
        rm -rf "$REPLICA_DATA"
        # A replication slot: the primary keeps the WAL the standby has not
        # received yet, also while it is stopped.
        PGUSER=postgres psql -XqAt -d postgres -c "SELECT pg_drop_replication_slot('cmr_replica') FROM pg_replication_slots WHERE slot_name = 'cmr_replica'" >/dev/null
        pg_as_owner "$CMR_PG_BIN/pg_basebackup" -h "$PG_HOST" -p "$PG_PORT" -U postgres \
            -D "$REPLICA_DATA" -X stream -R -C -S cmr_replica --no-sync >/dev/null \
            || cmr_die "pg_basebackup failed"
    fi
    if ! pg_as_owner "$CMR_PG_BIN/pg_ctl" -D "$REPLICA_DATA" status >/dev/null 2>&1; then
        cmr_say "starting the hot standby (port $REPLICA_PORT, log $REPLICA_LOG)"
        pg_as_owner "$CMR_PG_BIN/pg_ctl" -D "$REPLICA_DATA" -l "$REPLICA_LOG" -w -t 120 \
            -o "-k '$PG_HOST' -p $REPLICA_PORT -c listen_addresses='' -c hot_standby=on" \
            start >/dev/null 9>&- \
            || { tail -n 20 "$REPLICA_LOG" >&2; cmr_die "could not start the hot standby"; }
    fi
    exec 9>&-
}

stop_replica() {
    replica_vars
    [ -f "$REPLICA_DATA/PG_VERSION" ] || return 0
    PG_OWNER=$(pg_os_user)
    if pg_as_owner "$CMR_PG_BIN/pg_ctl" -D "$REPLICA_DATA" status >/dev/null 2>&1; then
        cmr_say "stopping the hot standby in $REPLICA_DATA"
        pg_as_owner "$CMR_PG_BIN/pg_ctl" -D "$REPLICA_DATA" -m fast -w stop >/dev/null
    fi
}

stop_cluster() {
    pg_vars
    if [ -n "$PG_EXTERNAL" ]; then
        cmr_say "CMR_PGHOST is set: no private cluster to stop"
        return 0
    fi
    [ -f "$PGDATA_DIR/PG_VERSION" ] || { cmr_say "no private cluster in $PG_ROOT"; return 0; }
    pg_require_bins
    PG_OWNER=$(pg_os_user)
    stop_replica
    if pg_running; then
        cmr_say "stopping PostgreSQL in $PGDATA_DIR"
        pg_as_owner "$CMR_PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null
    else
        cmr_say "PostgreSQL in $PGDATA_DIR is not running"
    fi
}

clean_cluster() {
    stop_cluster
    [ -z "$PG_EXTERNAL" ] || return 0
    cmr_say "removing $PG_ROOT and the Odoo filestores in $CMR_CACHE/odoo-data"
    rm -rf "$PG_ROOT" "$CMR_CACHE/odoo-data/filestore"
    case $PG_HOST in
        "$PG_ROOT"/*) ;;
        *) rm -rf "$PG_HOST" ;;
    esac
}

pg_status() {
    pg_vars
    if [ -n "$PG_EXTERNAL" ]; then
        echo "external server: host=$PG_HOST port=$PG_PORT user=$CMR_PGUSER"
        return 0
    fi
    PG_OWNER=$(pg_os_user)
    if pg_running; then
        echo "running: data=$PGDATA_DIR socket=$PG_HOST port=$PG_PORT"
    else
        echo "stopped: data=$PGDATA_DIR"
        return 3
    fi
}

db_exists() {
    local q="SELECT 1 FROM pg_database WHERE datname = '${1//\'/\'\'}'"
    [ -n "$(psql -XtAq -d postgres -c "$q")" ]
}

# Drop a database (closing its connections) and its Odoo filestore.
drop_db() {
    PGOPTIONS='-c client_min_messages=warning' dropdb --if-exists --force "$1"
    rm -rf "$CMR_CACHE/odoo-data/filestore/$1"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    cmd=${1:-ensure}
    shift || true
    case $cmd in
        ensure) ensure_cluster; pg_status ;;
        replica) ensure_replica ;;
        status) pg_status ;;
        stop) stop_cluster ;;
        clean) clean_cluster ;;
        env)
            pg_env
            printf 'export PGHOST=%q PGPORT=%q PGUSER=%q\n' "$PGHOST" "$PGPORT" "$PGUSER"
            ;;
        psql) ensure_cluster; exec psql "$@" ;;
        *) cmr_die "usage: $0 ensure|replica|status|stop|clean|env|psql [args]" ;;
    esac
fi
