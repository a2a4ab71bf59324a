"""The mining center's daily runs: activity and churn, then lifetime value.

An abstract model, so that another addon can ``_inherit`` it, e.g. to count
point-of-sale orders as purchases: extend ``_purchase_sources`` with one
more ``SELECT partner_id, day`` (commercial partner, purchase day).

Everything is set-based: per batch of customers (a range of commercial
partner ids) one statement aggregates the purchases into a temporary table,
one inserts the history events, one updates the rows that changed and one
inserts the new ones. Python holds batch bounds, nothing per customer.
"""

import math

import psycopg2.errors
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.sql import revenue_margin_ctes

# Customers per batch of the churn run.
BATCH_SIZE = 100_000

TEMP_TABLE = "cmr_mining_stats"
# Upper bound of the last batch (PostgreSQL integer).
MAX_ID = 2**31 - 1

# A posted invoice is a purchase unless it invoices a sales order (the order
# is the purchase, dated when it was confirmed).
INVOICE_PURCHASES = """
SELECT m.commercial_partner_id AS partner_id, m.invoice_date AS day
  FROM account_move m
 WHERE m.company_id = %(company_id)s
   AND m.state = 'posted'
   AND m.move_type = 'out_invoice'
   AND m.invoice_date <= %(today)s
   AND m.commercial_partner_id BETWEEN %(lo)s AND %(hi)s
   AND NOT EXISTS (SELECT 1
                     FROM sale_order_line_invoice_rel r
                     JOIN account_move_line l ON l.id = r.invoice_line_id
                    WHERE l.move_id = m.id)
"""
ORDER_PURCHASES = """
SELECT p.commercial_partner_id AS partner_id, so.date_order::date AS day
  FROM sale_order so
  JOIN res_partner p ON p.id = so.partner_id
 WHERE so.company_id = %(company_id)s
   AND so.state = 'sale'
   AND so.date_order < %(day_after)s
   AND p.commercial_partner_id BETWEEN %(lo)s AND %(hi)s
"""

# Purchase days per customer of the batch: the one pass over the invoices.
STATS_QUERY = """
CREATE TEMP TABLE cmr_mining_stats ON COMMIT DROP AS
SELECT partner_id, MIN(day) AS first_day, MAX(day) AS last_day,
       COUNT(DISTINCT day) AS n
  FROM (%(purchases)s) purchases
 GROUP BY partner_id
"""

# Everything else in one statement over the (analysed) purchase days: the
# new state, the day it began and the event it makes, then the history
# events, the rows that changed and the new rows. Raw SQL: the ORM would
# write the rows one by one. Returns (customers, new rows, events).
APPLY_QUERY = """
WITH new AS (
    SELECT s.partner_id, p.cmr_category_id AS category_id, st.tier_id,
           s.first_day, s.last_day, s.n,
           CASE WHEN s.n > 1
                THEN ROUND((s.last_day - s.first_day)::numeric / (s.n - 1), 1)
           END AS usual_interval,
           %(today)s::date - s.last_day AS gap_days,
           COALESCE(NULLIF(c.churn_days, 0), %(churn_days)s) AS churn_days,
           a.id AS activity_id, a.state AS old_state,
           a.state_date AS old_state_date,
           (a.category_id, a.tier_id, a.first_purchase_date,
            a.last_purchase_date, a.purchase_count, a.usual_interval,
            a.churn_days) AS old_values
      FROM cmr_mining_stats s
      JOIN res_partner p ON p.id = s.partner_id
      LEFT JOIN cmr_customer_category c ON c.id = p.cmr_category_id
      LEFT JOIN cmr_partner_tier st
        ON st.partner_id = s.partner_id AND st.ladder_id = %(ladder_id)s
      LEFT JOIN cmr_mining_activity a
        ON a.partner_id = s.partner_id AND a.company_id = %(company_id)s
),
judged AS (
    SELECT n.*,
           CASE WHEN n.gap_days > n.churn_days THEN 'churned'
                WHEN n.usual_interval IS NOT NULL
                     AND n.gap_days > n.usual_interval * %(factor)s THEN 'at_risk'
                ELSE 'active' END AS new_state
      FROM new n
),
state AS MATERIALIZED (
    SELECT j.*,
           CASE WHEN j.new_state = j.old_state THEN j.old_state_date
                WHEN j.new_state = 'churned'
                  THEN LEAST(%(today)s::date, j.last_day + j.churn_days + 1)
                WHEN j.new_state = 'at_risk'
                  THEN LEAST(%(today)s::date, j.last_day
                             + FLOOR(j.usual_interval * %(factor)s)::int + 1)
                WHEN j.old_state IS NULL THEN j.first_day
                -- Back to active by a purchase, or because the thresholds
                -- changed.
                WHEN j.last_day > j.old_state_date THEN j.last_day
                ELSE %(today)s::date END AS new_state_date,
           CASE WHEN j.new_state IS NOT DISTINCT FROM j.old_state THEN NULL
                WHEN j.new_state IN ('at_risk', 'churned') THEN j.new_state
                WHEN j.old_state = 'churned' THEN 'won_back'
                WHEN j.old_state = 'at_risk' THEN 'recovered'
           END AS event
      FROM judged j
),
-- Only the rows that change: most customers' day is like yesterday.
changes AS (
    SELECT s.*
      FROM state s
     WHERE s.activity_id IS NOT NULL
       AND (s.old_values, s.old_state, s.old_state_date)
           IS DISTINCT FROM
           ((s.category_id, s.tier_id, s.first_day, s.last_day, s.n::int,
             s.usual_interval, s.churn_days), s.new_state, s.new_state_date)
),
events AS (
    INSERT INTO cmr_mining_event (
        partner_id, company_id, category_id, tier_id, event, from_state,
        to_state, date, run_date, last_purchase_date, gap_days, customer_count,
        create_uid, create_date, write_uid, write_date)
    SELECT s.partner_id, %(company_id)s, s.category_id, s.tier_id, s.event,
           s.old_state, s.new_state, s.new_state_date, %(today)s, s.last_day,
           s.gap_days, 1, %(uid)s, %(now)s, %(uid)s, %(now)s
      FROM state s
     WHERE s.event IS NOT NULL
    RETURNING 1
),
changed AS (
    UPDATE cmr_mining_activity a
       SET category_id = s.category_id, tier_id = s.tier_id,
           first_purchase_date = s.first_day, last_purchase_date = s.last_day,
           purchase_count = s.n, usual_interval = s.usual_interval,
           churn_days = s.churn_days, state = s.new_state,
           state_date = s.new_state_date, run_date = %(today)s,
           write_uid = %(uid)s, write_date = %(now)s
      FROM changes s
     WHERE a.id = s.activity_id
    RETURNING 1
),
added AS (
    INSERT INTO cmr_mining_activity (
        partner_id, company_id, category_id, tier_id, first_purchase_date,
        last_purchase_date, purchase_count, usual_interval, churn_days,
        state, state_date, run_date, customer_count,
        create_uid, create_date, write_uid, write_date)
    SELECT s.partner_id, %(company_id)s, s.category_id, s.tier_id, s.first_day,
           s.last_day, s.n, s.usual_interval, s.churn_days,
           s.new_state, s.new_state_date, %(today)s, 1,
           %(uid)s, %(now)s, %(uid)s, %(now)s
      FROM state s
     WHERE s.activity_id IS NULL
    RETURNING 1
)
SELECT (SELECT COUNT(*) FROM state), (SELECT COUNT(*) FROM added),
       (SELECT COUNT(*) FROM changed), (SELECT COUNT(*) FROM events)
"""

# The margin window read once per customer into an analysed temporary table:
# a statement that creates a table may read in parallel (as the floor does),
# an UPDATE may not.
CLV_AGGREGATE_QUERY = (
    """
CREATE TEMP TABLE cmr_mining_clv ON COMMIT DROP AS
WITH"""
    + revenue_margin_ctes(
        window="m.invoice_date > %(date_from)s AND m.invoice_date <= %(today)s"
    )
    + """
SELECT COALESCE(rv.partner_id, mg.partner_id) AS partner_id, rv.revenue, mg.margin
  FROM revenue rv
  FULL JOIN margin mg ON mg.partner_id = rv.partner_id
"""
)

# Lifetime value of every customer of the company, in one statement. The
# formula is in the help of cmr.mining.activity.clv and in the README.
CLV_QUERY = """
-- MATERIALIZED: each aggregate is computed once, whatever the planner thinks
-- of a table just filled (a nested loop over an inlined aggregate is
-- quadratic).
WITH churned AS MATERIALIZED (
    SELECT e.partner_id, COUNT(*) AS n
      FROM cmr_mining_event e
     WHERE e.company_id = %(company_id)s
       AND e.event = 'churned'
       AND e.date > %(date_from)s
       AND e.date <= %(today)s
     GROUP BY e.partner_id
),
segment AS (
    SELECT COALESCE(a.category_id, 0) AS category, COALESCE(a.tier_id, 0) AS tier,
           COUNT(*) AS customers, COALESCE(SUM(ch.n), 0) AS churned
      FROM cmr_mining_activity a
      LEFT JOIN churned ch ON ch.partner_id = a.partner_id
     WHERE a.company_id = %(company_id)s
     GROUP BY 1, 2
),
rate AS MATERIALIZED (
    SELECT category, tier,
           CASE WHEN customers >= %(min_customers)s
                THEN LEAST(1.0, churned::float8 / customers / %(window)s)
                ELSE %(default_rate)s END AS r
      FROM segment
),
v AS MATERIALIZED (
    SELECT a.id, a.state, COALESCE(agg.revenue, 0) AS revenue,
           COALESCE(agg.margin, 0) AS margin,
           COALESCE(agg.margin, 0)::float8 / %(window)s AS m, rt.r,
           1 - rt.r AS s, (1 - rt.r) / (1 + %(d)s) AS q
      FROM cmr_mining_activity a
      JOIN rate rt
        ON rt.category = COALESCE(a.category_id, 0)
       AND rt.tier = COALESCE(a.tier_id, 0)
      LEFT JOIN cmr_mining_clv agg ON agg.partner_id = a.partner_id
     WHERE a.company_id = %(company_id)s
)
UPDATE cmr_mining_activity a
   SET revenue = x.revenue, margin = x.margin, margin_month = x.margin_month,
       churn_rate = x.churn_rate, expected_lifetime = x.expected_lifetime,
       clv = x.clv, clv_date = %(today)s,
       write_uid = %(uid)s, write_date = %(now)s
  FROM (SELECT v.id, v.revenue, v.margin,
               ROUND(v.m::numeric, 2) AS margin_month,
               ROUND((v.r * 100)::numeric, 3) AS churn_rate,
               ROUND((CASE WHEN v.s >= 1 THEN %(horizon)s
                           ELSE v.s * (1 - power(v.s, %(horizon)s))
                                / (1 - v.s) END)::numeric, 1) AS expected_lifetime,
               ROUND((CASE WHEN v.state = 'churned' THEN 0
                           WHEN v.q >= 1 THEN v.m * %(horizon)s
                           ELSE v.m * v.q * (1 - power(v.q, %(horizon)s)) / (1 - v.q)
                      END)::numeric, 2) AS clv
          FROM v) x
 WHERE a.id = x.id
   -- Only the values that changed.
   AND (a.revenue, a.margin, a.margin_month, a.churn_rate,
        a.expected_lifetime, a.clv)
       IS DISTINCT FROM
       (x.revenue, x.margin, x.margin_month, x.churn_rate::float8,
        x.expected_lifetime::float8, x.clv)
"""


class CmrMiningEngine(models.AbstractModel):
    _name = "cmr.mining.engine"
    _description = "Mining Center Runs"

    # ------------------------------------------------------------------
    # Extension points
    # ------------------------------------------------------------------
    @api.model
    def _purchase_sources(self, params):
        """SQL statements each selecting ``(partner_id, day)``: one row per
        purchase of a commercial partner of the batch (``params``: company_id,
        today, day_after, lo, hi). Extend to count other purchases."""
        return [SQL(INVOICE_PURCHASES, **params), SQL(ORDER_PURCHASES, **params)]

    # ------------------------------------------------------------------
    # Churn run
    # ------------------------------------------------------------------
    @api.model
    def _cron_churn_step(self, today=None, batch_size=BATCH_SIZE):
        """One batch of the day's churn run of the first company not done
        yet; tells the scheduler how many batches remain, so that it commits
        and calls again (a crash loses one batch, which the next call
        redoes: the run is a function of the day's data, it writes no event
        twice). Returns the number of customers evaluated."""
        today = today or fields.Date.context_today(self)
        companies = self.env["res.company"].sudo().search([("active", "=", True)])
        todo = [
            (company, policy)
            for company in companies
            for policy in [self.env["cmr.mining.policy"]._get(company)]
            if policy.churn_run_date != today or policy.churn_run_partner_id >= 0
        ]
        if not todo:
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return 0
        company, policy = todo[0]
        engine = self.with_company(company)
        lo = policy.churn_run_partner_id + 1 if policy.churn_run_date == today else 0
        bounds = engine._batch_bounds(batch_size, lo)
        count = engine._run_churn(company, today, batch_size, bounds[:1])
        # -1: the company's run of the day is complete.
        last = bounds[0][1] if len(bounds) > 1 else -1
        policy.write({"churn_run_date": today, "churn_run_partner_id": last})
        self.env["ir.cron"]._notify_progress(
            done=1, remaining=len(bounds) - 1 + len(todo) - 1
        )
        return count

    @api.model
    def _run_churn(self, company, today=None, batch_size=BATCH_SIZE, bounds=None):
        """Activity and churn state of the company's customers as of
        ``today`` (those of ``bounds``, ranges of commercial partner ids, if
        given); returns the number of customers evaluated."""
        env = self.env
        today = today or fields.Date.context_today(self)
        policy = env["cmr.mining.policy"]._get(company)
        ladder = env["cmr.tier.ladder"].sudo()._get_current(company)
        env.flush_all()
        self._lock_policy(policy)
        params = {
            "company_id": company.id,
            "today": today,
            "day_after": today + relativedelta(days=1),
            "churn_days": policy.churn_days,
            "factor": policy.risk_factor,
            "ladder_id": ladder.id or 0,
            "uid": env.uid,
            "now": env.cr.now(),
        }
        done = added = 0
        for lo, hi in bounds or self._batch_bounds(batch_size):
            params.update(lo=lo, hi=hi)
            customers, new_rows = self._run_churn_batch(params)
            done += customers
            added += new_rows
        if added and added == done:
            # The company's first run: fresh statistics for the plans of the
            # next runs (new customers of a day are autovacuum's job).
            env.execute_query(SQL("ANALYZE cmr_mining_activity"))
        for model in ("cmr.mining.activity", "cmr.mining.event"):
            env[model].invalidate_model()
        return done

    @api.model
    def _lock_policy(self, policy):
        """Make a second, overlapping run for the same company stop at once
        (nothing is written twice, no event recorded twice)."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.execute_query(
                    SQL(
                        "SELECT id FROM cmr_mining_policy WHERE id = %s "
                        "FOR NO KEY UPDATE NOWAIT",
                        policy.id,
                    )
                )
        except psycopg2.errors.LockNotAvailable as error:
            raise UserError(
                self.env._(
                    "The mining center of %(company)s is running right now; this "
                    "run stops so that nothing is written twice.",
                    company=policy.company_id.name,
                )
            ) from error

    @api.model
    def _batch_bounds(self, batch_size, start=0):
        """Ranges of commercial partner ids from ``start``, ``batch_size``
        customers each (the last one open-ended, for customers created
        meanwhile). One index scan per batch."""

        def nth_customer_from(lo, offset):
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT id FROM res_partner
                     WHERE id = commercial_partner_id AND id >= %s
                     ORDER BY id OFFSET %s LIMIT 1
                    """,
                    lo,
                    offset,
                )
            )
            return rows[0][0] if rows else None

        bounds = []
        lo = start
        # A remainder of less than half a batch joins the last batch: a
        # batch reads every invoice of the company, whatever its size.
        while nth_customer_from(lo, batch_size + batch_size // 2) is not None:
            hi = nth_customer_from(lo, batch_size)
            bounds.append((lo, hi - 1))
            lo = hi
        bounds.append((lo, MAX_ID))
        return bounds

    @api.model
    def _run_churn_batch(self, params):
        """Evaluate the customers of one batch; returns how many there were
        and how many got their first activity row."""
        env = self.env
        env.execute_query(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(TEMP_TABLE)))
        purchases = SQL(" UNION ALL ").join(self._purchase_sources(params))
        env.execute_query(SQL(STATS_QUERY, purchases=purchases))
        # The planner's estimate of an aggregate over a union is a guess
        # (200 rows): with the real figures it hash-joins the customers.
        env.execute_query(SQL("ANALYZE %s", SQL.identifier(TEMP_TABLE)))
        [[customers, added, __, __]] = env.execute_query(SQL(APPLY_QUERY, **params))
        return customers, added

    # ------------------------------------------------------------------
    # Lifetime value
    # ------------------------------------------------------------------
    @api.model
    def _cron_clv_step(self, today=None):
        """The lifetime value of the first company not done today; tells the
        scheduler how many companies remain (it commits between them, and a
        crash redoes only the company it stopped in)."""
        today = today or fields.Date.context_today(self)
        companies = self.env["res.company"].sudo().search([("active", "=", True)])
        todo = [
            policy
            for policy in (self.env["cmr.mining.policy"]._get(c) for c in companies)
            if policy.clv_run_date != today
        ]
        if todo:
            policy = todo[0]
            self.with_company(policy.company_id)._run_clv(policy.company_id, today)
            policy.clv_run_date = today
        self.env["ir.cron"]._notify_progress(
            done=1 if todo else 0, remaining=max(len(todo) - 1, 0)
        )

    @api.model
    def _clv_params(self, company, today):
        policy = self.env["cmr.mining.policy"]._get(company)
        return {
            "company_id": company.id,
            "company_key": str(company.id),
            "today": today,
            "date_from": today - relativedelta(months=policy.clv_window_months),
            "window": policy.clv_window_months,
            "horizon": policy.clv_horizon_months,
            "d": self._monthly_rate(policy.clv_discount_rate),
            "default_rate": policy.clv_default_churn_rate / 100.0,
            "min_customers": policy.clv_min_customers,
            "uid": self.env.uid,
            "now": self.env.cr.now(),
        }

    @api.model
    def _monthly_rate(self, yearly_percent):
        """The monthly rate equivalent to a yearly rate in %."""
        return math.pow(1 + yearly_percent / 100.0, 1 / 12.0) - 1

    @api.model
    def _run_clv(self, company, today=None):
        """Lifetime value of the company's customers as of ``today``."""
        today = today or fields.Date.context_today(self)
        self.env.flush_all()
        self._lock_policy(self.env["cmr.mining.policy"]._get(company))
        params = self._clv_params(company, today)
        self.env.execute_query(SQL("DROP TABLE IF EXISTS cmr_mining_clv"))
        self.env.execute_query(SQL(CLV_AGGREGATE_QUERY, **params))
        self.env.execute_query(SQL("ANALYZE cmr_mining_clv"))
        self.env.execute_query(SQL(CLV_QUERY, **params))
        self.env["cmr.mining.activity"].invalidate_model()
