# Developer / CI entry points for the cmr_module Odoo 18.0 addon.
# The logic lives in tools/*.sh; settings come from the environment
# (README.md, "Configuration (environment variables)").

SHELL := /bin/bash
.DEFAULT_GOAL := help
# Targets share one database server and one test database: never in parallel.
.NOTPARALLEL:

# Benchmarks: `make bench-NAME` runs tools/bench_NAME.py (tools/bench.sh).
# Add a benchmark by adding its NAME here.
BENCHES := gate retier points complaints care timeline mining portal

export PYTEST_ARGS ODOO_ARGS BENCH_ARGS

BENCH_TARGETS := $(addprefix bench-,$(BENCHES))

.PHONY: help run screenshots test test-install test-pytest lint lint-fix wheel-check \
	db-start db-status stop-db clean-db psql $(BENCH_TARGETS)

help:
	@echo "make run           serve Odoo with cmr_module and demo data on http://localhost:8069"
	@echo "make screenshots   pictures of the main screens (en_US, zh_CN) in static/description"
	@echo "make test          test-install + test-pytest + lint + wheel-check"
	@echo "make test-install  fresh test database with cmr_module installed"
	@echo "make test-pytest   pytest-odoo on cmr_module/tests (PYTEST_ARGS='-k gate')"
	@echo "make lint          pylint-odoo, oca-checks-odoo-module, oca-checks-po, ruff"
	@echo "make lint-fix      apply the automatic fixes of ruff and the OCA checks"
	@echo "make wheel-check   build the wheel and check its content"
	@echo "make test-host     Odoo's portal, sale, privacy_lookup suites with cmr_module (long)"
	@echo "make bench-NAME    tools/bench_NAME.py on a throwaway database ($(BENCHES))"
	@echo "make db-status | stop-db | clean-db | psql   the private PostgreSQL cluster"

run:
	@tools/run.sh

screenshots:
	@tools/screenshots.sh

test: test-install test-pytest lint wheel-check

test-install:
	@tools/test_install.sh

test-pytest:
	@tools/test_pytest.sh

lint:
	@tools/lint.sh

lint-fix:
	python3 tools/gen_readme.py
	ruff check --fix .
	ruff format .
	-oca-checks-odoo-module --fix --disable=prefer-readme-rst cmr_module/__manifest__.py
	-find cmr_module -path '*/i18n*' \( -name '*.po' -o -name '*.pot' \) -type f \
		-exec oca-checks-po --fix {} +

wheel-check:
	@tools/wheel_check.sh

$(BENCH_TARGETS): bench-%:
	@tools/bench.sh $*

db-start:
	@tools/pg.sh ensure

db-status:
	@tools/pg.sh status || true

stop-db:
	@tools/pg.sh stop

clean-db:
	@tools/pg.sh clean

psql:
	@tools/pg.sh psql -d $${CMR_DB:-cmr_demo}

.PHONY: test-host

# Odoo's own suites with the addon installed (long: not part of `make test`).
test-host:
	@tools/test_host.sh
