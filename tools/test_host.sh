#!/usr/bin/env bash
# make test-host: Odoo's own test suites with cmr_module installed.
# Builds a separate database ($CMR_HOST_DB, default cmr_host) with
# cmr_module and privacy_lookup (demo data on), then runs, each on its own,
# the suites of the host modules (default: portal, sale, privacy_lookup,
# CMR_HOST_SUITES="portal sale privacy_lookup") after the install, the way
# they meet the addon in production, plus the addon's privacy_lookup check
# (TestPrivacyLookupAfterErasure). Prints tests run / failed / errors per
# suite and fails when one of them fails. Not part of `make test` (long).
# Extra Odoo options: ODOO_ARGS (e.g. ODOO_ARGS='--test-tags /sale:TestSaleOrder'
# replaces the suites).
set -euo pipefail
# shellcheck source=tools/odoo_conf.sh
. "$(dirname "$0")/odoo_conf.sh"

CMR_HOST_DB=${CMR_HOST_DB:-cmr_host}
CMR_HOST_SUITES=${CMR_HOST_SUITES:-portal sale privacy_lookup}

cmr_require_odoo
ensure_cluster
write_odoo_conf
if [ "${CMR_HOST_REUSE:-0}" = 1 ] && [ "$(module_state "$CMR_HOST_DB" privacy_lookup)" = installed ]; then
    cmr_say "test-host: reusing $CMR_HOST_DB (CMR_HOST_REUSE=1)"
else
    drop_db "$CMR_HOST_DB"
    odoo_install_db "$CMR_HOST_DB" test-host-install -i "$CMR_MODULE,privacy_lookup"
fi

extra=()
eval "extra=(${ODOO_ARGS:-})"
summary=()
failed=0
for suite in $CMR_HOST_SUITES; do
    tags=/$suite
    if [ "$suite" = privacy_lookup ]; then
        tags="$tags,/$CMR_MODULE:TestPrivacyLookupAfterErasure"
    fi
    log=$CMR_CACHE/logs/test-host-$suite.log
    : >"$log"
    cmr_say "test-host: --test-tags $tags on $CMR_HOST_DB (log: $log)"
    start=$SECONDS
    rc=0
    cmr_odoo -c "$ODOO_CONF" -d "$CMR_HOST_DB" --test-tags "$tags" --stop-after-init \
        --log-level=info --logfile="$log" "${extra[@]}" || rc=$?
    # "N failed, M error(s) of K tests when loading database ..."
    line=$(grep -oE '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$log" | tail -n 1 || true)
    [ -n "$line" ] || line="no test report (exit $rc)"
    summary+=("$suite: $line ($((SECONDS - start))s)")
    if [ "$rc" -ne 0 ] || ! [[ $line =~ ^0\ failed,\ 0\ error ]]; then
        failed=1
        grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$log" | cut -c1-300 | head -n 30 >&2 || true
    fi
done
printf '%s\n' "${summary[@]}" | tee "$CMR_CACHE/logs/test-host-summary.txt" >&2
[ "$failed" -eq 0 ] || cmr_die "test-host: a suite failed (logs in $CMR_CACHE/logs/test-host-*.log)"
cmr_say "test-host: passed (${SECONDS}s)"
