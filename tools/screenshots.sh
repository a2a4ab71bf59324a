#!/usr/bin/env bash
# make screenshots: prepare the demo database (as make run does), serve it on
# a free port for the time of the pictures, and save them with
# tools/screenshots.py in cmr_module/static/description/screenshots
# (<screen>.<lang>.png, en_US and zh_CN). Extra arguments: SHOTS_ARGS, e.g.
# SHOTS_ARGS='portal-home --lang zh_CN'.
set -euo pipefail
# shellcheck source=tools/odoo_conf.sh
. "$(dirname "$0")/odoo_conf.sh"
# shellcheck source=tools/demo_db.sh
. "$(dirname "$0")/demo_db.sh"

cmr_require_odoo
cmr_ensure_test_tools
command -v chromium >/dev/null 2>&1 || cmr_die "screenshots need Debian's chromium (apt-get install chromium fonts-noto-cjk)"
ensure_cluster
[ "${CMR_PG_REPLICA:-0}" != 1 ] || ensure_replica
write_odoo_conf
prepare_demo_db

port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$CMR_CACHE/logs/screenshots-server.log
cmr_say "serving $CMR_DB on port $port for the screenshots (log: $log)"
# The interpreter itself in the background (not a shell function), so that
# $! is the server and the trap stops it.
"$PYTHON" -c "$CMR_ODOO_MAIN" -c "$ODOO_CONF" -d "$CMR_DB" --http-port="$port" \
    --http-interface=127.0.0.1 --max-cron-threads=0 --logfile="$log" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
up=
for _ in $(seq 120); do
    if curl -fs "http://127.0.0.1:$port/web/health" >/dev/null 2>&1; then
        up=1
        break
    fi
    kill -0 "$server" 2>/dev/null || cmr_die "the Odoo server stopped (see $log)"
    sleep 1
done
[ -n "$up" ] || cmr_die "the Odoo server did not answer in 120 s (see $log)"
read -ra extra <<<"${SHOTS_ARGS:-}"
"$PYTHON" "$CMR_ROOT/tools/screenshots.py" --url "http://127.0.0.1:$port" --db "$CMR_DB" \
    --out "$CMR_ROOT/$CMR_MODULE/static/description/screenshots" "${extra[@]}"
cmr_say "screenshots: done (${SECONDS}s)"
