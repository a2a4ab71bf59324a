#!/usr/bin/env bash
# make test-pytest: run cmr_module/tests through pytest-odoo against the test
# database ($CMR_TEST_DB), reused as it is (`make test-install` rebuilds it;
# it is only created here when cmr_module is not installed in it).
# Extra pytest arguments: PYTEST_ARGS, e.g. PYTEST_ARGS='-k gate -x'.
# "No tests collected" (pytest exit 5) is a failure.
set -euo pipefail
# shellcheck source=tools/odoo_conf.sh
. "$(dirname "$0")/odoo_conf.sh"

cmr_require_odoo
cmr_ensure_test_tools
cd "$CMR_ROOT"
tests_dir=$CMR_MODULE/tests
[ -d "$tests_dir" ] || cmr_die "test-pytest: no tests ($tests_dir does not exist)"

ensure_cluster
write_odoo_conf
if [ "$(module_state "$CMR_TEST_DB")" != installed ]; then
    cmr_say "$CMR_MODULE is not installed in $CMR_TEST_DB: installing it first"
    drop_db "$CMR_TEST_DB"
    odoo_install_db "$CMR_TEST_DB" test-install -i
fi

extra=()
eval "extra=(${PYTEST_ARGS:-})"
plugin=()
# pytest-odoo registers itself through its pytest11 entry point ("odoo");
# load it by module name only when plugin autoloading is switched off.
if [ -n "${PYTEST_DISABLE_PLUGIN_AUTOLOAD:-}" ]; then
    plugin=(-p pytest_odoo)
fi
rc=0
"$PYTHON" -m pytest "${plugin[@]}" \
    --odoo-config="$ODOO_CONF" --odoo-database="$CMR_TEST_DB" --odoo-http \
    "${extra[@]}" "$tests_dir" || rc=$?
case $rc in
    0) cmr_say "test-pytest: passed (${SECONDS}s)" ;;
    5) cmr_die "test-pytest: no tests were collected in $tests_dir${PYTEST_ARGS:+ (PYTEST_ARGS=$PYTEST_ARGS)}" ;;
    *) cmr_die "test-pytest: pytest failed (exit $rc)" ;;
esac
