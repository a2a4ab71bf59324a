#!/usr/bin/env bash
# make test-host: Odoo's own test suites with cmr_module installed.
# Installs cmr_module and privacy_lookup (demo data on) on a fresh database
# ($CMR_HOST_DB, default cmr_host) with the tests of the host modules
# enabled (default: portal, sale, privacy_lookup; CMR_HOST_SUITES="portal
# sale privacy_lookup") and the addon's privacy_lookup check
# (TestPrivacyLookupAfterErasure), the way Odoo's CI runs them: each
# module's at_install tests when it is installed, all post_install tests
# once everything, cmr_module included, is installed. (Run on an installed
# database, at_install tests would meet a registry without the modules
# loaded after theirs: they fail for reasons of their own.) Prints tests run
# / failed / errors per suite and fails when one of them fails. Not part of
# `make test` (long). Extra Odoo options: ODOO_ARGS.
set -euo pipefail
# shellcheck source=tools/odoo_conf.sh
. "$(dirname "$0")/odoo_conf.sh"

CMR_HOST_DB=${CMR_HOST_DB:-cmr_host}
CMR_HOST_SUITES=${CMR_HOST_SUITES:-portal sale privacy_lookup}
CHECK_CLASS=TestPrivacyLookupAfterErasure

cmr_require_odoo
ensure_cluster
write_odoo_conf
tags=/$CMR_MODULE:$CHECK_CLASS
for suite in $CMR_HOST_SUITES; do
    tags="$tags,/$suite"
done
extra=()
eval "extra=(${ODOO_ARGS:-})"
log=$CMR_CACHE/logs/test-host.log
: >"$log"
drop_db "$CMR_HOST_DB"
cmr_say "test-host: odoo -i $CMR_MODULE,privacy_lookup --test-tags $tags on $CMR_HOST_DB (log: $log)"
rc=0
cmr_odoo -c "$ODOO_CONF" -d "$CMR_HOST_DB" -i "$CMR_MODULE,privacy_lookup" \
    --test-tags "$tags" --stop-after-init --log-level=info --logfile="$log" \
    "${extra[@]}" || rc=$?

# Per suite: tests started, failures, errors (incl. a class's setUpClass).
count() { grep -cE "$1" "$log" || true; }
summary=()
failed=0
for suite in $CMR_HOST_SUITES $CMR_MODULE; do
    run=$(count " INFO $CMR_HOST_DB odoo\.addons\.$suite\.tests\.[a-z_.]*: Starting ")
    fails=$(count " ERROR $CMR_HOST_DB odoo\.addons\.$suite\.tests\.[a-z_.]*: FAIL: ")
    errors=$(($(count " ERROR $CMR_HOST_DB odoo\.addons\.$suite\.tests\.[a-z_.]*: ERROR: ") \
        + $(count " ERROR $CMR_HOST_DB odoo\.tests\.suite: ERROR: (setUpClass|tearDownClass) \(odoo\.addons\.$suite\.")))
    name=$suite
    [ "$suite" = "$CMR_MODULE" ] && name="$CMR_MODULE:$CHECK_CLASS"
    summary+=("$name: $run tests, $fails failed, $errors errors")
    [ "$fails" -eq 0 ] && [ "$errors" -eq 0 ] || failed=1
done
total=$(grep -oE '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$log" | tail -n 1 || true)
summary+=("all: ${total:-no test report} (exit $rc, ${SECONDS}s)")
printf '%s\n' "${summary[@]}" | tee "$CMR_CACHE/logs/test-host-summary.txt" >&2
if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] || ! [[ $total =~ ^0\ failed,\ 0\ error ]]; then
    grep -E "^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) " "$log" | cut -c1-300 | head -n 40 >&2 || true
    cmr_die "test-host: a suite failed (log: $log)"
fi
cmr_say "test-host: passed (${SECONDS}s)"
