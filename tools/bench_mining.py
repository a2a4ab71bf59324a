"""Benchmark of the mining center's daily runs (make bench-mining).

In a throwaway database, builds N customers with M posted invoices, their
product lines and payments directly in SQL (the same base as bench-retier:
N/10 and M/10, then N and M), then times on each size:

* the daily churn run: the first one (every customer gets an activity row,
  and the history its first events) and the next day's (rows exist, most
  customers' gap moved by a day);
* the lifetime value run (margin, revenue, churn rate per category and tier,
  the discounted value of every customer): the first one and the next day's;
* their floors: one SQL aggregation that reads the same invoices (purchase
  days per customer for the churn run; revenue and margin per customer for
  the lifetime value) and writes nothing.

It prints the times, their ratios (target: each run under 2x its floor), the
growth from the small to the large size, and the time of the dashboard's
figures (Pareto by tenth and tier, churn by category). The base and the
first churn run are committed (the daily runs are separate transactions in
production: a row inserted by the same transaction would cost foreign-key
checks a later day does not pay), then truncated before the next size; the
database is a throwaway one.
"""

import time

from bench_common import bench_sizes, sized_bench_parser
from bench_retier import build
from bench_retier import clean as clean_base
from dateutil.relativedelta import relativedelta

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry

# What the churn run must read, aggregated once: purchase days per customer.
CHURN_FLOOR = """
SELECT COUNT(*), MIN(first_day), MAX(last_day), SUM(n)
  FROM (SELECT m.commercial_partner_id, MIN(m.invoice_date) AS first_day,
               MAX(m.invoice_date) AS last_day,
               COUNT(DISTINCT m.invoice_date) AS n
          FROM account_move m
         WHERE m.company_id = %(company)s AND m.state = 'posted'
           AND m.move_type = 'out_invoice' AND m.invoice_date <= %(today)s
         GROUP BY 1) x
"""
# What the lifetime value must read, aggregated once: revenue and margin.
CLV_FLOOR = """
WITH revenue AS (
    SELECT m.commercial_partner_id AS partner_id,
           SUM(m.amount_untaxed_signed) AS revenue
      FROM account_move m
     WHERE m.company_id = %(company)s AND m.state = 'posted'
       AND m.move_type IN ('out_invoice', 'out_refund')
       AND m.invoice_date > %(date_from)s AND m.invoice_date <= %(today)s
     GROUP BY 1
),
margin AS (
    SELECT m.commercial_partner_id AS partner_id,
           SUM(-l.balance - l.quantity * (pp.standard_price ->> %(key)s)::numeric)
             AS margin
      FROM account_move m
      JOIN account_move_line l ON l.move_id = m.id AND l.display_type = 'product'
      JOIN product_product pp ON pp.id = l.product_id
     WHERE m.company_id = %(company)s AND m.state = 'posted'
       AND m.move_type IN ('out_invoice', 'out_refund')
       AND m.invoice_date > %(date_from)s AND m.invoice_date <= %(today)s
     GROUP BY 1
)
SELECT (SELECT COUNT(*) FROM revenue), (SELECT SUM(revenue) FROM revenue),
       (SELECT SUM(margin) FROM margin)
"""


def clean(cr):
    """Remove what a size committed, so that the next starts empty."""
    cr.execute("DELETE FROM cmr_mining_event; DELETE FROM cmr_mining_activity")
    clean_base(cr)


def best_of(repeat, func):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(env, repeat):
    cr = env.cr
    company = env.company
    engine = env["cmr.mining.engine"]
    today = fields.Date.context_today(env.user)
    policy = env["cmr.mining.policy"]._get(company)
    params = {
        "company": company.id,
        "key": str(company.id),
        "today": today,
        "date_from": today - relativedelta(months=policy.clv_window_months),
    }

    def floor(query):
        def run():
            cr.execute(query, params)
            cr.fetchall()

        return run

    churn_floor = best_of(repeat, floor(CHURN_FLOOR))
    clv_floor = best_of(repeat, floor(CLV_FLOOR))
    env.invalidate_all()
    start = time.perf_counter()
    customers = engine._run_churn(company, today - relativedelta(days=1))
    first = time.perf_counter() - start
    start = time.perf_counter()
    engine._run_clv(company, today - relativedelta(days=1))
    first_clv = time.perf_counter() - start
    cr.commit()
    cr.execute("ANALYZE cmr_mining_activity; ANALYZE cmr_mining_event")
    cr.execute("SAVEPOINT bench_run")
    cr.execute("SELECT COUNT(*) FROM cmr_mining_event")
    first_events = cr.fetchone()[0]
    env.invalidate_all()
    start = time.perf_counter()
    engine._run_churn(company, today)
    daily = time.perf_counter() - start
    cr.execute("SELECT COUNT(*) FROM cmr_mining_event")
    daily_events = cr.fetchone()[0] - first_events
    env.invalidate_all()
    start = time.perf_counter()
    engine._run_clv(company, today)
    clv = time.perf_counter() - start
    env.invalidate_all()
    # The dashboard's figures, as the graph and pivot views read them.
    Pareto = env["cmr.mining.pareto.report"]
    Churn = env["cmr.mining.churn.report"]
    dashboard = {
        "pareto by tenth": lambda: Pareto._read_group(
            [], ["bucket"], ["revenue_share:sum", "margin_share:sum"]
        ),
        "revenue by tier": lambda: Pareto._read_group(
            [], ["tier_id"], ["revenue:sum", "margin:sum", "customer_count:sum"]
        ),
        "churn by category": lambda: Churn._read_group(
            [], ["category_id", "event"], ["customer_count:sum"]
        ),
        "churn reasons KPI": lambda: Churn._read_group(
            [("event", "=", "churned")], ["reason_id"], ["reason_in_time:sum"]
        ),
        "activity by category": lambda: env["cmr.mining.activity"]._read_group(
            [], ["category_id", "state"], ["customer_count:sum"]
        ),
    }
    figures = {name: best_of(repeat, func) for name, func in dashboard.items()}
    cr.execute("ROLLBACK TO SAVEPOINT bench_run")
    env.invalidate_all()
    return {
        "customers": customers,
        "churn_floor": churn_floor,
        "clv_floor": clv_floor,
        "first": first,
        "first_events": first_events,
        "daily": daily,
        "daily_events": daily_events,
        "clv": clv,
        "first_clv": first_clv,
        "figures": figures,
    }


def main():
    args = sized_bench_parser(__doc__).parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    registry = Registry(args.database)
    sizes = bench_sizes(args)
    results = {}
    for customers, invoices in sizes:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            cr.execute(
                "UPDATE res_partner SET customer_rank = 0, cmr_category_id = NULL"
            )
            cr.execute("DELETE FROM cmr_mining_event; DELETE FROM cmr_mining_activity")
            env.invalidate_all()
            start = time.perf_counter()
            build(env, customers, invoices)
            cr.commit()
            print(
                f"built {customers:,} customers, {invoices:,} invoices in "
                f"{time.perf_counter() - start:.1f} s"
            )
            result = measure(env, args.repeat)
            results[customers] = result
            figures = ", ".join(
                f"{name} {seconds * 1000:.0f} ms"
                for name, seconds in result["figures"].items()
            )
            print(
                f"N={customers:,} M={invoices:,}:\n"
                f"    churn floor (purchase days per customer) "
                f"{result['churn_floor']:.2f} s\n"
                f"    first churn run {result['first']:.2f} s "
                f"(ratio {result['first'] / result['churn_floor']:.2f}): "
                f"{result['customers']:,} customers, "
                f"{result['first_events']:,} events\n"
                f"    daily churn run {result['daily']:.2f} s "
                f"(ratio {result['daily'] / result['churn_floor']:.2f}, "
                f"target <= 2.0): {result['daily_events']:,} new events\n"
                f"    lifetime value floor (revenue and margin per customer) "
                f"{result['clv_floor']:.2f} s\n"
                f"    first lifetime value run {result['first_clv']:.2f} s "
                f"(ratio {result['first_clv'] / result['clv_floor']:.2f})\n"
                f"    daily lifetime value run {result['clv']:.2f} s "
                f"(ratio {result['clv'] / result['clv_floor']:.2f}, "
                f"target <= 2.0)\n"
                f"    dashboard figures (target < 1 s each): {figures}"
            )
            cr.rollback()
            if customers != sizes[-1][0]:
                clean(cr)
    small, large = (results[size[0]] for size in sizes)
    print(
        f"growth: 10x the data took {large['daily'] / small['daily']:.1f}x the "
        f"time for the daily churn run, {large['clv'] / small['clv']:.1f}x for "
        f"the lifetime value (floors {large['churn_floor'] / small['churn_floor']:.1f}x"
        f" and {large['clv_floor'] / small['clv_floor']:.1f}x)"
    )


if __name__ == "__main__":
    main()
