#!/usr/bin/env bash
# tools/bench.sh NAME [args...]  (make bench-NAME, extra args: BENCH_ARGS)
# Runs the benchmark script tools/bench_NAME.py against a throwaway database
# cmr_bench_NAME with cmr_module installed (demo data on):
#   python3 tools/bench_NAME.py --config CONF --database cmr_bench_NAME [args]
# The database is dropped afterwards (keep it with CMR_KEEP_BENCH_DB=1).
set -euo pipefail
# shellcheck source=tools/odoo_conf.sh
. "$(dirname "$0")/odoo_conf.sh"

[ $# -ge 1 ] || cmr_die "usage: $0 NAME [args...]"
name=$1
shift
script=tools/bench_$name.py
cd "$CMR_ROOT"
[ -f "$script" ] || cmr_die "bench-$name: $script does not exist yet (it belongs to the addon); nothing to run"

cmr_require_odoo
ensure_cluster
[ "${CMR_PG_REPLICA:-0}" != 1 ] || ensure_replica
write_odoo_conf
db=cmr_bench_$name
cleanup() {
    if [ -z "${CMR_KEEP_BENCH_DB:-}" ]; then
        cmr_say "dropping $db"
        # An autovacuum worker still analysing the bulk-loaded tables cannot
        # be terminated by the database's owner: wait for it once.
        drop_db "$db" || { sleep 10 && drop_db "$db"; } || true
    fi
}
drop_db "$db"
trap cleanup EXIT
odoo_install_db "$db" "bench-$name" -i
extra=()
eval "extra=(${BENCH_ARGS:-})"
cmr_say "$PYTHON $script --config $ODOO_CONF --database $db $* ${BENCH_ARGS:-}"
"$PYTHON" "$script" --config "$ODOO_CONF" --database "$db" "$@" "${extra[@]}"
