"""Benchmark of the tier re-evaluation (make bench-retier).

In a throwaway database, builds N customers with M posted invoices, their
product lines and their payments directly in SQL (10k/100k, then
100k/1M), then times on each size:

* the full re-evaluation of a ladder: the monthly run (standings exist, a
  month of new invoices moved the window), the first classification (every
  customer gets a standing and a history line) and the same run again
  (nothing changed, nothing is written);
* the floor: one SQL aggregation that reads the same invoice data (revenue,
  margin, payment integrity per customer) and writes nothing.

It prints both times, their ratio, the growth from the small to the large
size, and the peak Python memory of the re-evaluation. The base and the
first classification are committed (the monthly run is a later transaction
in production: rows inserted by the same transaction would cost it
foreign-key checks and row versions a later month does not pay), then
removed before the next size; the database is a throwaway one.
"""

import time
import tracemalloc

from bench_common import bench_sizes, sized_bench_parser
from dateutil.relativedelta import relativedelta

import odoo
from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry

# The floor: what any implementation must read, aggregated once.
FLOOR_QUERY = """
WITH revenue AS (
    SELECT m.commercial_partner_id AS partner_id,
           SUM(m.amount_untaxed_signed) AS revenue
      FROM account_move m
     WHERE m.company_id = %(company)s AND m.state = 'posted'
       AND m.move_type IN ('out_invoice', 'out_refund')
       AND m.invoice_date BETWEEN %(date_from)s AND %(today)s
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
       AND m.invoice_date BETWEEN %(date_from)s AND %(today)s
     GROUP BY 1
),
due AS (
    SELECT m.commercial_partner_id AS partner_id, m.invoice_date_due AS due_date,
           bool_and(l.reconciled) AS paid, MAX(apr.max_date) AS paid_date
      FROM account_move m
      JOIN account_move_line l ON l.move_id = m.id
      JOIN account_account a
        ON a.id = l.account_id AND a.account_type = 'asset_receivable'
      LEFT JOIN account_partial_reconcile apr ON apr.debit_move_id = l.id
     WHERE m.company_id = %(company)s AND m.state = 'posted'
       AND m.move_type = 'out_invoice'
       AND m.invoice_date_due >= %(date_from)s AND m.invoice_date_due < %(today)s
     GROUP BY m.id
),
payments AS (
    SELECT partner_id,
           COUNT(*) FILTER (WHERE paid AND paid_date <= due_date) AS on_time,
           AVG(GREATEST(0, CASE WHEN paid THEN paid_date ELSE %(today)s END
                           - due_date)) AS days_late
      FROM due GROUP BY 1
)
SELECT (SELECT COUNT(*) FROM revenue), (SELECT SUM(revenue) FROM revenue),
       (SELECT SUM(margin) FROM margin), (SELECT SUM(on_time) FROM payments),
       (SELECT SUM(days_late) FROM payments)
"""


def build(env, customers, invoices):
    """Customers, posted invoices (receivable + product line), payments."""
    cr = env.cr
    company = env.company
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    receivable = (
        env["res.partner"]
        ._fields["property_account_receivable_id"]
        .get_company_dependent_fallback(env["res.partner"])
    )
    income = journal.default_account_id
    product = env["product.product"].create(
        {"name": "Bench gas", "type": "service", "standard_price": 0.7}
    )
    # One payment line all partials are matched with: the re-evaluation only
    # reads the invoice side (reconciled flag, partial dates).
    payment_move = env["account.move"].create(
        {
            "move_type": "entry",
            "journal_id": journal.id,
            "line_ids": [
                Command.create({"account_id": receivable.id, "credit": 1.0}),
                Command.create({"account_id": income.id, "debit": 1.0}),
            ],
        }
    )
    payment_line = payment_move.line_ids.filtered(lambda line: line.credit)
    today = fields.Date.context_today(env.user)
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, active, type, is_company,
                                 customer_rank, autopost_bills, create_date,
                                 write_date)
        SELECT 'Retier ' || i, 'Retier ' || i, TRUE, 'contact', TRUE, 1, 'ask',
               now(), now()
          FROM generate_series(1, %(n)s) AS i
        RETURNING id
        """,
        {"n": customers},
    )
    ids = [row[0] for row in cr.fetchall()]
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", [ids]
    )
    # Invoices over 15 months, Pareto-like amounts; 1 in 10 is a credit note.
    cr.execute(
        """
        CREATE TEMP TABLE bench_moves AS
        SELECT i, (%(ids)s::int[])[1 + (i::bigint * 7919) %% %(n)s] AS partner_id,
               %(today)s::date - (i %% 450) AS invoice_date,
               CASE WHEN i %% 10 = 0 THEN 'out_refund' ELSE 'out_invoice' END
                 AS move_type,
               ROUND((50 + (i %% 97) * (1 + (i %% 13) * (i %% 11)))::numeric, 2)
                 AS amount
          FROM generate_series(1, %(m)s) AS i
        """,
        {"ids": ids, "n": customers, "m": invoices, "today": today},
    )
    cr.execute(
        """
        INSERT INTO account_move (name, journal_id, company_id, currency_id,
            partner_id, commercial_partner_id, state, move_type, auto_post,
            date, invoice_date, invoice_date_due, amount_untaxed,
            amount_untaxed_signed, amount_total, amount_total_signed,
            payment_state, create_date, write_date)
        SELECT 'RETIER/' || b.i, %(journal)s, %(company)s, %(currency)s,
               b.partner_id, b.partner_id, 'posted', b.move_type, 'no',
               b.invoice_date, b.invoice_date, b.invoice_date + 30, b.amount,
               CASE WHEN b.move_type = 'out_refund' THEN -b.amount ELSE b.amount END,
               b.amount,
               CASE WHEN b.move_type = 'out_refund' THEN -b.amount ELSE b.amount END,
               CASE WHEN b.i %% 5 = 0 THEN 'not_paid' ELSE 'paid' END, now(), now()
          FROM bench_moves b
         ORDER BY b.i
        RETURNING id
        """,
        {
            "journal": journal.id,
            "company": company.id,
            "currency": company.currency_id.id,
        },
    )
    cr.execute(
        """
        CREATE TEMP TABLE bench_ids AS
        SELECT m.id AS move_id, b.*
          FROM account_move m JOIN bench_moves b ON m.name = 'RETIER/' || b.i
        """
    )
    cr.execute(
        """
        INSERT INTO account_move_line (move_id, journal_id, company_id, currency_id,
            partner_id, account_id, display_type, parent_state, date, date_maturity,
            balance, debit, credit, amount_currency, amount_residual, reconciled,
            product_id, quantity, price_unit, price_subtotal)
        SELECT b.move_id, %(journal)s, %(company)s, %(currency)s, b.partner_id,
               %(receivable)s, 'payment_term', 'posted', b.invoice_date,
               b.invoice_date + 30, s * b.amount, GREATEST(s * b.amount, 0),
               GREATEST(-s * b.amount, 0), s * b.amount,
               CASE WHEN b.i %% 5 = 0 THEN s * b.amount ELSE 0 END, b.i %% 5 <> 0,
               NULL, NULL, NULL, NULL
          FROM bench_ids b,
               LATERAL (SELECT CASE WHEN b.move_type = 'out_refund' THEN -1 ELSE 1
                               END AS s) x
        UNION ALL
        SELECT b.move_id, %(journal)s, %(company)s, %(currency)s, b.partner_id,
               %(income)s, 'product', 'posted', b.invoice_date, NULL,
               -s * b.amount, GREATEST(-s * b.amount, 0), GREATEST(s * b.amount, 0),
               -s * b.amount, 0, FALSE, %(product)s, b.amount, 1, b.amount
          FROM bench_ids b,
               LATERAL (SELECT CASE WHEN b.move_type = 'out_refund' THEN -1 ELSE 1
                               END AS s) x
        """,
        {
            "journal": journal.id,
            "company": company.id,
            "currency": company.currency_id.id,
            "receivable": receivable.id,
            "income": income.id,
            "product": product.id,
        },
    )
    # Paid invoices: 7 in 10 by the due date, the others up to 40 days late.
    cr.execute(
        """
        INSERT INTO account_partial_reconcile (debit_move_id, credit_move_id,
            amount, debit_amount_currency, credit_amount_currency,
            debit_currency_id, credit_currency_id, company_id, max_date,
            create_date, write_date)
        SELECT l.id, %(payment_line)s, b.amount, b.amount, b.amount,
               %(currency)s, %(currency)s, %(company)s,
               b.invoice_date + CASE WHEN b.i %% 10 < 7 THEN 20 ELSE 30 + b.i %% 41 END,
               now(), now()
          FROM bench_ids b
          JOIN account_move_line l
            ON l.move_id = b.move_id AND l.display_type = 'payment_term'
         WHERE b.move_type = 'out_invoice' AND b.i %% 5 <> 0
        """,
        {
            "payment_line": payment_line.id,
            "currency": company.currency_id.id,
            "company": company.id,
        },
    )
    cr.execute("DROP TABLE bench_moves; DROP TABLE bench_ids")
    cr.execute(
        "ANALYZE res_partner; ANALYZE account_move; ANALYZE account_move_line; "
        "ANALYZE account_partial_reconcile"
    )
    return ids


def clean(cr):
    """Remove what a size committed (its base, ladder, standings and
    history), so that the next size starts empty."""
    cr.execute(
        """
        DELETE FROM cmr_tier_history WHERE ladder_id IN
            (SELECT id FROM cmr_tier_ladder WHERE name->>'en_US' = 'Bench ladder');
        DELETE FROM cmr_partner_tier WHERE ladder_id IN
            (SELECT id FROM cmr_tier_ladder WHERE name->>'en_US' = 'Bench ladder');
        DELETE FROM cmr_tier_run WHERE ladder_id IN
            (SELECT id FROM cmr_tier_ladder WHERE name->>'en_US' = 'Bench ladder');
        DELETE FROM cmr_tier WHERE ladder_id IN
            (SELECT id FROM cmr_tier_ladder WHERE name->>'en_US' = 'Bench ladder');
        DELETE FROM cmr_score_criterion WHERE ladder_id IN
            (SELECT id FROM cmr_tier_ladder WHERE name->>'en_US' = 'Bench ladder');
        DELETE FROM cmr_tier_ladder WHERE name->>'en_US' = 'Bench ladder';
        CREATE TEMP TABLE bench_gone AS
        SELECT id FROM account_move WHERE name LIKE 'RETIER/%%';
        DELETE FROM account_partial_reconcile p USING account_move_line l
         WHERE l.id = p.debit_move_id AND l.move_id IN (SELECT id FROM bench_gone);
        DELETE FROM account_move_line WHERE move_id IN (SELECT id FROM bench_gone);
        DELETE FROM account_move WHERE id IN (SELECT id FROM bench_gone);
        DELETE FROM res_partner WHERE name LIKE 'Retier %%';
        DROP TABLE bench_gone;
        """
    )
    cr.commit()
    # The next size must not scan the dead rows of this one (autovacuum
    # would get there, at its own time).
    with Registry(cr.dbname).cursor() as vacuum_cr:
        vacuum_cr._cnx.autocommit = True  # VACUUM runs outside a transaction
        vacuum_cr.execute(
            "VACUUM ANALYZE account_move, account_move_line, "
            "account_partial_reconcile, res_partner"
        )
        vacuum_cr._cnx.autocommit = False


def make_ladder(env):
    env["cmr.tier.ladder"].search([]).action_archive()
    ladder = env["cmr.tier.ladder"].create(
        {
            "name": "Bench ladder",
            "active": False,
            "method": "threshold",
            "tier_ids": [
                Command.create({"name": "Gold", "sequence": 1, "bound": 70}),
                Command.create({"name": "Ordinary", "sequence": 2, "bound": 40}),
                Command.create({"name": "Low", "sequence": 3, "bound": 0}),
            ],
            "criterion_ids": [
                Command.create({"kind": "revenue", "weight": 50, "target": 20000}),
                Command.create({"kind": "margin", "weight": 10, "target": 6000}),
                Command.create({"kind": "payment_ontime", "weight": 20}),
                Command.create({"kind": "payment_delay", "weight": 20, "target": 30}),
            ],
        }
    )
    ladder.action_use_ladder()
    return ladder


def measure(env, ladder, repeat):
    cr = env.cr
    today = fields.Date.context_today(env.user)
    params = {
        "company": env.company.id,
        "key": str(env.company.id),
        "today": today,
        "date_from": today - relativedelta(months=ladder.window_months),
    }
    floors = []
    for _ in range(repeat):
        start = time.perf_counter()
        cr.execute(FLOOR_QUERY, params)
        cr.fetchall()
        floors.append(time.perf_counter() - start)
    env.invalidate_all()
    start = time.perf_counter()
    run = ladder._evaluate(trigger="cron", today=today - relativedelta(months=1))
    first = time.perf_counter() - start
    first_changes = run.change_count
    cr.commit()
    # What autovacuum does after the first classification's inserts.
    cr.execute("ANALYZE cmr_partner_tier; ANALYZE cmr_tier_history")
    cr.execute("SAVEPOINT bench_run")
    # The monthly run: standings exist, a month of invoices moved the window.
    env.invalidate_all()
    tracemalloc.start()
    start = time.perf_counter()
    run = ladder._evaluate(trigger="cron")
    monthly = time.perf_counter() - start
    __, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    customers, changes = run.customer_count, run.change_count
    cr.execute(
        "SELECT COUNT(*) FROM cmr_partner_tier"
        " WHERE ladder_id = %s AND write_date = %s",
        [ladder.id, run.create_date],
    )
    rewritten = cr.fetchone()[0]
    env.invalidate_all()
    start = time.perf_counter()
    again = ladder._evaluate(trigger="cron")
    second = time.perf_counter() - start
    second_changes = again.change_count
    cr.execute("ROLLBACK TO SAVEPOINT bench_run")
    env.invalidate_all()
    return {
        "floor": min(floors),
        "first": first,
        "first_changes": first_changes,
        "monthly": monthly,
        "second": second,
        "peak": peak,
        "customers": customers,
        "changes": changes,
        "rewritten": rewritten,
        "second_changes": second_changes,
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
            # The bench owns the customer base of the company.
            cr.execute(
                "UPDATE res_partner SET customer_rank = 0, cmr_category_id = NULL"
            )
            env.invalidate_all()
            start = time.perf_counter()
            build(env, customers, invoices)
            ladder = make_ladder(env)
            cr.commit()
            print(
                f"built {customers:,} customers, {invoices:,} invoices in "
                f"{time.perf_counter() - start:.1f} s"
            )
            result = measure(env, ladder, args.repeat)
            results[customers] = result
            floor = result["floor"]
            print(
                f"N={customers:,} M={invoices:,}: floor aggregation {floor:.2f} s\n"
                f"    monthly re-evaluation {result['monthly']:.2f} s "
                f"(ratio {result['monthly'] / floor:.2f}, target <= 2.0): "
                f"{result['customers']:,} customers, {result['rewritten']:,} "
                f"standings rewritten, {result['changes']:,} tier changes\n"
                f"    first classification {result['first']:.2f} s "
                f"(ratio {result['first'] / floor:.2f}): "
                f"{result['first_changes']:,} standings and history lines created\n"
                f"    same run again {result['second']:.2f} s: "
                f"{result['second_changes']} changes\n"
                f"    peak Python memory of the monthly run "
                f"{result['peak'] / 1e6:.1f} MB"
            )
            cr.rollback()
            if customers != sizes[-1][0]:
                clean(cr)
    small, large = (results[size[0]] for size in sizes)
    print(
        f"growth: 10x the data took {large['monthly'] / small['monthly']:.1f}x "
        f"the time (first classification {large['first'] / small['first']:.1f}x) "
        f"(target <= 12x); floor grew {large['floor'] / small['floor']:.1f}x; "
        f"peak memory {small['peak'] / 1e6:.1f} MB -> {large['peak'] / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
