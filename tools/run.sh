#!/usr/bin/env bash
# make run: start the database server (private cluster unless CMR_PGHOST),
# create or upgrade the demo database with cmr_module and its demo data, then
# serve Odoo on http://localhost:$CMR_HTTP_PORT.  Extra odoo options: ODOO_ARGS.
set -euo pipefail
# shellcheck source=tools/odoo_conf.sh
. "$(dirname "$0")/odoo_conf.sh"
# shellcheck source=tools/demo_db.sh
. "$(dirname "$0")/demo_db.sh"

cmr_require_odoo
ensure_cluster
[ "${CMR_PG_REPLICA:-0}" != 1 ] || ensure_replica
write_odoo_conf

prepare_demo_db

case $CMR_HTTP_INTERFACE in
    127.0.0.1 | 0.0.0.0 | localhost) host=localhost ;;
    *) host=$CMR_HTTP_INTERFACE ;;
esac
url=http://$host:$CMR_HTTP_PORT
cat <<MSG

  Odoo 18 with $CMR_MODULE: $url   (database $CMR_DB, config $ODOO_CONF)

  Log in as an employee (backend):   login admin          password admin     (English)
                                     login agent.li       password agent.li  (简体中文)
                                     $url/odoo
  Log in as a portal customer:       login portal.wechat  password portal.wechat
                                     $url/my

  Stop with Ctrl+C.  The database server keeps running: \`make stop-db\`.

MSG
# shellcheck disable=SC2086 # ODOO_ARGS is a list of options
exec "$PYTHON" -c "$CMR_ODOO_MAIN" -c "$ODOO_CONF" -d "$CMR_DB" ${ODOO_ARGS:-}
