#!/usr/bin/env bash
# make test-install: drop and re-create the test database ($CMR_TEST_DB) with
# cmr_module installed (demo data on); fail when the install logs an ERROR.
set -euo pipefail
# shellcheck source=tools/odoo_conf.sh
. "$(dirname "$0")/odoo_conf.sh"

cmr_require_odoo
cmr_ensure_test_tools
ensure_cluster
write_odoo_conf
drop_db "$CMR_TEST_DB"
odoo_install_db "$CMR_TEST_DB" test-install -i
cmr_say "test-install: $CMR_MODULE installed in $CMR_TEST_DB (${SECONDS}s)"
