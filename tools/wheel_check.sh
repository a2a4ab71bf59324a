#!/usr/bin/env bash
# make wheel-check: build the addon's wheel (setup.py, no build isolation) from
# a copy of the work tree and check that it installs as odoo/addons/cmr_module
# with every file of the addon.
set -euo pipefail
# shellcheck source=tools/common.sh
. "$(dirname "$0")/common.sh"
cd "$CMR_ROOT"
cmr_ensure_test_tools

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cmr-wheel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Build from a copy so that build/ and *.egg-info never land in the tree.
mkdir "$tmp/src" "$tmp/dist"
tar -c --exclude=./.git --exclude=./.cache --exclude='__pycache__' --exclude='*.pyc' \
    --exclude=./build --exclude=./dist --exclude='*.egg-info' . | tar -x -C "$tmp/src"
cmr_say "pip wheel --no-deps --no-build-isolation (log: $tmp/build.log)"
if ! "$PYTHON" -m pip wheel --no-deps --no-build-isolation --disable-pip-version-check \
    -w "$tmp/dist" "$tmp/src" >"$tmp/build.log" 2>&1; then
    tail -n 40 "$tmp/build.log" >&2
    cmr_die "wheel-check: pip wheel failed"
fi
"$PYTHON" - "$tmp/dist" "$tmp/src/$CMR_MODULE" "$CMR_MODULE" <<'PY'
import glob
import os
import sys
import zipfile

dist, src, module = sys.argv[1:]
wheels = glob.glob(os.path.join(dist, "*.whl"))
if len(wheels) != 1:
    sys.exit(f"error: wheel-check: expected one wheel, found {wheels}")
names = set(zipfile.ZipFile(wheels[0]).namelist())
prefix = f"odoo/addons/{module}/"
expected = {
    prefix + os.path.relpath(os.path.join(d, f), src).replace(os.sep, "/")
    for d, _dirs, files in os.walk(src)
    for f in files
}
missing = sorted(expected - names)
if prefix + "__manifest__.py" not in names:
    sys.exit(f"error: wheel-check: {prefix}__manifest__.py is not in the wheel")
if missing:
    sys.exit(
        f"error: wheel-check: {len(missing)} file(s) of {module} missing from the "
        f"wheel, e.g. {missing[:5]} (see package_data in setup.py)"
    )
stray = sorted(n for n in names if not n.startswith(prefix) and ".dist-info/" not in n)
if stray:
    sys.exit(f"error: wheel-check: unexpected files in the wheel: {stray[:5]}")
print(
    f"==> wheel-check: {os.path.basename(wheels[0])}: {len(expected)} files under {prefix}",
    file=sys.stderr,
)
PY
cmr_say "wheel-check: ok (${SECONDS}s)"
