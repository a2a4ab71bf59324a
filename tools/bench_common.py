"""What the benchmark scripts (tools/bench_*.py) share: the Odoo database
they run in, as superuser, and a query counter."""

import argparse
from contextlib import contextmanager

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry


def bench_parser(description):
    """The arguments tools/bench.sh passes to every benchmark."""
    result = argparse.ArgumentParser(description=description)
    result.add_argument("--config", required=True)
    result.add_argument("--database", required=True)
    return result


def sized_bench_parser(description):
    """bench_parser with a customer base of two sizes: N/10 then N
    customers (and M/10 then M invoices), each timed ``--repeat`` times."""
    result = bench_parser(description)
    result.add_argument("--customers", type=int, default=100_000)
    result.add_argument("--invoices", type=int, default=1_000_000)
    result.add_argument("--repeat", type=int, default=3)
    return result


def bench_sizes(args):
    """[(customers, invoices)]: a tenth of the base, then the whole of it."""
    return [
        (args.customers // 10, args.invoices // 10),
        (args.customers, args.invoices),
    ]


@contextmanager
def bench_env(args, context=None):
    """A superuser environment on the benchmark database; nothing is
    committed unless the script does it."""
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    registry = Registry(args.database)
    with registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, dict(context or {}))


class QueryCounter:
    """``with QueryCounter(cr) as counter: ...`` then ``counter.count``."""

    def __init__(self, cr):
        self.cr = cr

    def __enter__(self):
        self.start = self.cr.sql_log_count
        return self

    def __exit__(self, *exc):
        self.count = self.cr.sql_log_count - self.start
