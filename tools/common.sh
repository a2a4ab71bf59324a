# shellcheck shell=bash
# Common settings for the cmr_module developer/CI helpers.  Source it:
#   . "$(dirname "$0")/common.sh"
# Every setting can be overridden from the environment (see README.md,
# "Configuration (environment variables)").

CMR_ROOT=${CMR_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)}
CMR_CACHE=${CMR_CACHE:-$CMR_ROOT/.cache}
CMR_MODULE=${CMR_MODULE:-cmr_module}
CMR_DB=${CMR_DB:-cmr_demo}
CMR_TEST_DB=${CMR_TEST_DB:-cmr_test}
CMR_HTTP_PORT=${CMR_HTTP_PORT:-8069}
CMR_HTTP_INTERFACE=${CMR_HTTP_INTERFACE:-127.0.0.1}
CMR_PGUSER=${CMR_PGUSER:-odoo}
CMR_PG_BIN=${CMR_PG_BIN:-/usr/lib/postgresql/15/bin}
PYTHON=${PYTHON:-python3}
export CMR_ROOT CMR_CACHE CMR_MODULE PYTHON

cmr_say() { printf '==> %s\n' "$*" >&2; }
cmr_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Absolute, canonical cache dir (created on demand).
cmr_cache_init() {
    mkdir -p "$CMR_CACHE" || cmr_die "cannot create cache dir $CMR_CACHE"
    CMR_CACHE=$(cd "$CMR_CACHE" && pwd -P)
    export CMR_CACHE
    mkdir -p "$CMR_CACHE/logs"
}

# One-line failure when python3 cannot import Odoo 18.
cmr_require_odoo() {
    "$PYTHON" - <<'PY' 2>/dev/null || cmr_die "$PYTHON cannot import Odoo 18.0 (install Odoo 18.0 Community from its official source: see README.md, Prerequisites)"
import sys
import odoo.release as r
sys.exit(0 if r.version_info[0] == 18 else 1)
PY
}

# The pinned test and lint tools of requirements-test.txt: installed from the
# package registries, with one line saying which, when one is missing or at
# another version; nothing is installed when they all are there.
cmr_ensure_test_tools() {
    local wanted=$CMR_ROOT/requirements-test.txt missing
    missing=$("$PYTHON" - "$wanted" <<'PY'
import re
import sys
from importlib.metadata import PackageNotFoundError, version

missing = []
for line in open(sys.argv[1]):
    pin = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line.split("#")[0].strip())
    if not pin:
        continue
    try:
        if version(pin[1]) != pin[2]:
            missing.append(pin[0])
    except PackageNotFoundError:
        missing.append(pin[0])
print(" ".join(missing))
PY
)
    [ -z "$missing" ] && return 0
    cmr_say "installing the pinned test tools from PyPI: $missing"
    "$PYTHON" -m pip install --disable-pip-version-check --root-user-action=ignore \
        -q -r "$wanted" || cmr_die "could not install $wanted (see the pip output above)"
}

# Run odoo the way its console script does (TZ=UTC before anything imports
# time), with the interpreter we checked, so no `odoo` on PATH is needed.
CMR_ODOO_MAIN='import os, sys
os.environ["TZ"] = "UTC"
sys.argv[0] = "odoo"
import odoo.cli
odoo.cli.main()'
cmr_odoo() {
    "$PYTHON" -c "$CMR_ODOO_MAIN" "$@"
}
