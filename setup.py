"""Packaging of the cmr_module addon as odoo-addon-cmr_module.

The wheel installs the addon as the namespace package odoo.addons.cmr_module.
Odoo 18.0 itself is installed separately (see README.md), so nothing is
required here.
"""

import ast
import os

from setuptools import find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE = "cmr_module"
MODULE_DIR = os.path.join(HERE, MODULE)
PACKAGE = f"odoo.addons.{MODULE}"


def _manifest():
    with open(os.path.join(MODULE_DIR, "__manifest__.py"), encoding="utf-8") as f:
        return ast.literal_eval(f.read())


def _package_data():
    """Every file of the addon that is not compiled Python: views, data, demo,
    security CSV, translations, static assets, readme fragments, migration
    scripts in non-package folders..."""
    files = []
    for dirpath, dirnames, filenames in os.walk(MODULE_DIR):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in filenames:
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(dirpath, name)
            files.append(os.path.relpath(path, MODULE_DIR).replace(os.sep, "/"))
    return sorted(files)


manifest = _manifest()

setup(
    name=f"odoo-addon-{MODULE}",
    version=manifest.get("version", "18.0.1.0.0"),
    description=manifest.get("summary", manifest["name"]),
    long_description=manifest.get("summary", manifest["name"]),
    author=manifest.get("author"),
    url=manifest.get("website"),
    license=manifest.get("license"),
    python_requires=">=3.10",
    install_requires=[],
    packages=[PACKAGE] + [f"{PACKAGE}.{p}" for p in find_packages(MODULE_DIR)],
    package_dir={PACKAGE: MODULE},
    package_data={PACKAGE: _package_data()},
    include_package_data=False,
    zip_safe=False,
    classifiers=[
        "Programming Language :: Python",
        "Framework :: Odoo",
        "Framework :: Odoo :: 18.0",
        "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)",
    ],
)
