#!/usr/bin/env bash
# make lint: static checks.  Every check runs; the exit code is non-zero when
# any of them failed.
#   pylint + pylint_odoo (.pylintrc)           on cmr_module
#   oca-checks-odoo-module                     on cmr_module (XML/CSV/manifest)
#   oca-checks-po                              on cmr_module/i18n*/*.po[t]
#   ruff check, ruff format --check (ruff.toml) on the repository
#   README.rst and static/description/index.html up to date with readme/
set -uo pipefail
# shellcheck source=tools/common.sh
. "$(dirname "$0")/common.sh"
cd "$CMR_ROOT" || exit 1

failed=()
run_check() {
    local name=$1
    shift
    printf '\n==> %s: %s\n' "$name" "$*" >&2
    if "$@"; then
        printf '==> %s: ok\n' "$name" >&2
    else
        printf '==> %s: FAILED\n' "$name" >&2
        failed+=("$name")
    fi
}

cmr_ensure_test_tools
for tool in pylint oca-checks-odoo-module oca-checks-po ruff; do
    command -v "$tool" >/dev/null 2>&1 \
        || cmr_die "$tool not found: pip install -r requirements-test.txt"
done

run_check pylint pylint --rcfile=.pylintrc "$CMR_MODULE"
# Checks that fight Odoo's own conventions are disabled here:
#   prefer-readme-rst: the OCA readme/ fragments are the module's readme.
run_check oca-checks-odoo-module oca-checks-odoo-module \
    --disable=prefer-readme-rst "$CMR_MODULE/__manifest__.py"
mapfile -t po_files < <(find "$CMR_MODULE" -path '*/i18n*' \
    \( -name '*.po' -o -name '*.pot' \) -type f | sort)
if [ ${#po_files[@]} -gt 0 ]; then
    run_check oca-checks-po oca-checks-po "${po_files[@]}"
else
    printf '\n==> oca-checks-po: no .po/.pot files in %s yet, skipped\n' "$CMR_MODULE" >&2
fi
run_check ruff-check ruff check --output-format=concise .
run_check ruff-format ruff format --check --output-format=concise .
run_check readme "$PYTHON" tools/gen_readme.py --check

echo >&2
if [ ${#failed[@]} -gt 0 ]; then
    cmr_die "lint failed: ${failed[*]} (auto-fixable parts: make lint-fix)"
fi
cmr_say "lint: all checks passed (${SECONDS}s)"
