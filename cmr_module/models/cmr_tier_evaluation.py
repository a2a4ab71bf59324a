"""The tier evaluation: re-evaluate every customer of one ladder.

An abstract model, so that another addon can ``_inherit`` it, e.g. to score a
new kind of criterion: add the kind to ``cmr.score.criterion.kind`` with
``selection_add``, give its raw value per customer in ``_extra_metrics`` and
its 0-100 points in ``_criterion_points``.

Everything that touches many customers is one SQL statement: the metrics
(invoices, margins, payments, orders, ratings, referrals) are aggregated in
one pass into a temporary table, scores and tiers are computed with window
functions, and only the standings that change are updated. Python holds the
ids of the customers whose tier moved, nothing per customer otherwise.
"""

import time as timer
from datetime import datetime, time

import psycopg2.errors
from dateutil.relativedelta import relativedelta

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.sql import related_columns, revenue_margin_ctes

# Customers of the company and their raw metrics over the rolling window.
METRICS_QUERY = (
    """
CREATE TEMP TABLE cmr_tier_eval ON COMMIT DROP AS
WITH customers AS (
    SELECT p.id AS partner_id, p.cmr_category_id AS category_id,
           CASE WHEN p.cmr_category_id = ANY(%(own_sets)s::int[])
                THEN p.cmr_category_id ELSE 0 END AS set_id
      FROM res_partner p
     WHERE p.active
       -- The commercial partners (id = commercial_partner_id), said so that
       -- the planner can count them (it guesses one in 200 for two columns
       -- compared, then sorts and merges what it should hash).
       AND (p.is_company OR p.parent_id IS NULL)
       AND (p.company_id IS NULL OR p.company_id = %(company_id)s)
       AND (p.customer_rank > 0 OR p.cmr_category_id IS NOT NULL
            OR p.id IN (SELECT partner_id FROM cmr_partner_tier
                         WHERE ladder_id = %(ladder_id)s))
),"""
    + revenue_margin_ctes(
        window="m.invoice_date BETWEEN %(date_from)s AND %(today)s",
        margin_wanted="%(use_margin)s",
    )
    + """,
due AS (
    -- Invoices that fell due in the window: paid (fully reconciled) when?
    SELECT m.commercial_partner_id AS partner_id,
           m.invoice_date_due AS due_date,
           bool_and(l.reconciled) AS paid,
           MAX(apr.max_date) AS paid_date
      FROM account_move m
      JOIN account_move_line l ON l.move_id = m.id
      JOIN account_account a
        ON a.id = l.account_id AND a.account_type = 'asset_receivable'
      LEFT JOIN account_partial_reconcile apr ON apr.debit_move_id = l.id
     WHERE %(use_payments)s
       AND m.company_id = %(company_id)s
       AND m.state = 'posted'
       AND m.move_type = 'out_invoice'
       AND m.invoice_date_due >= %(date_from)s
       AND m.invoice_date_due < %(today)s
     GROUP BY m.id
),
payments AS (
    SELECT partner_id,
           COUNT(*) FILTER (WHERE paid AND paid_date <= due_date) * 100.0
             / COUNT(*) AS ontime_rate,
           AVG(GREATEST(0, CASE WHEN paid THEN LEAST(paid_date, %(today)s)
                                ELSE %(today)s END - due_date)) AS days_late
      FROM due
     GROUP BY partner_id
),
sales AS (
    SELECT sp.commercial_partner_id AS partner_id,
           SUM(so.amount_untaxed / NULLIF(so.currency_rate, 0)) AS sales
      FROM sale_order so
      JOIN res_partner sp ON sp.id = so.partner_id
     WHERE %(use_sales)s
       AND so.company_id = %(company_id)s
       AND so.state = 'sale'
       AND so.date_order >= %(date_from)s
       AND so.date_order < %(day_after)s
     GROUP BY sp.commercial_partner_id
),
latest_rating AS (
    SELECT DISTINCT ON (rp.commercial_partner_id, r.kind)
           rp.commercial_partner_id AS partner_id, r.kind, r.value
      FROM cmr_score_rating r
      JOIN res_partner rp ON rp.id = r.partner_id
     WHERE %(use_ratings)s AND r.company_id = %(company_id)s
       -- Ratings count from their day on, never ahead of the evaluation.
       AND r.date < %(day_after)s
     ORDER BY rp.commercial_partner_id, r.kind, r.date DESC, r.id DESC
),
ratings AS (
    SELECT partner_id,
           MAX(value) FILTER (WHERE kind = 'compliance') AS compliance,
           MAX(value) FILTER (WHERE kind = 'influence') AS influence
      FROM latest_rating
     GROUP BY partner_id
),
referrals AS (
    SELECT rp.cmr_referred_by_id AS partner_id, COUNT(*) AS referrals
      FROM res_partner rp
     WHERE %(use_referrals)s
       AND rp.cmr_referred_by_id IS NOT NULL
       AND rp.active
       AND rp.create_date >= %(date_from)s
     GROUP BY rp.cmr_referred_by_id
)
SELECT c.partner_id, c.category_id, c.set_id,
       COALESCE(rv.revenue, 0) AS revenue,
       COALESCE(mg.margin, 0) AS margin,
       COALESCE(sa.sales, 0) AS sales,
       ROUND(COALESCE(pa.ontime_rate, 100), 2) AS ontime_rate,
       ROUND(COALESCE(pa.days_late, 0), 2) AS days_late,
       ra.compliance, ra.influence,
       COALESCE(rf.referrals, 0) AS referrals
  FROM customers c
  LEFT JOIN revenue rv ON rv.partner_id = c.partner_id
  LEFT JOIN margin mg ON mg.partner_id = c.partner_id
  LEFT JOIN payments pa ON pa.partner_id = c.partner_id
  LEFT JOIN sales sa ON sa.partner_id = c.partner_id
  LEFT JOIN ratings ra ON ra.partner_id = c.partner_id
  LEFT JOIN referrals rf ON rf.partner_id = c.partner_id
"""
)

# Each criterion normalised to 0-100 points; the score is their weighted sum.
# A customer without a manual rating scores a neutral 50 on it. The points
# are written as one expression per criteria set (see _score_sql), so the
# score is computed in a single pass over the customers.
# ``%s`` is the criterion's target ("full marks at").
POINTS_SQL = {
    "revenue": "e.revenue * 100 / %s",
    "margin": "e.margin * 100 / %s",
    "sales": "e.sales * 100 / %s",
    "payment_ontime": "e.ontime_rate",
    "payment_delay": "100 - e.days_late * 100 / %s",
    "compliance": "COALESCE(e.compliance, 50)",
    "influence": "COALESCE(e.influence, 50)",
    "referrals": "e.referrals * 100 / %s",
}
SCORE_QUERY = """
CREATE TEMP TABLE cmr_tier_score ON COMMIT DROP AS
SELECT e.*, ROUND(%s, 2) AS score, %s AS breakdown
  FROM cmr_tier_eval e
"""


# Tier computed from this run's scores, by the ladder's method. Customers
# with the same score (or revenue) share a rank, hence a tier.
RANK_QUERIES = {
    "threshold": """
        SELECT s.partner_id, s.score AS rank_value,
               COALESCE((SELECT t.tier_id FROM cmr_tier_pos t
                          WHERE t.bound <= s.score ORDER BY t.pos LIMIT 1),
                        %(last_tier)s) AS tier_id
          FROM cmr_tier_score s
    """,
    "percentile": """
        SELECT r.partner_id, r.score AS rank_value,
               COALESCE((SELECT t.tier_id FROM cmr_tier_pos t
                          WHERE r.share_before < t.bound ORDER BY t.pos LIMIT 1),
                        %(last_tier)s) AS tier_id
          FROM (SELECT partner_id, score,
                       (RANK() OVER (ORDER BY score DESC) - 1) * 100.0
                         / COUNT(*) OVER () AS share_before
                  FROM cmr_tier_score) r
    """,
    "pareto": """
        SELECT r.partner_id, r.rev AS rank_value,
               CASE WHEN r.rev <= 0 THEN %(last_tier)s
               ELSE COALESCE((SELECT t.tier_id FROM cmr_tier_pos t
                               WHERE r.before * 100.0 / r.total < t.bound
                               ORDER BY t.pos LIMIT 1), %(last_tier)s)
               END AS tier_id
          FROM (SELECT partner_id, rev,
                       SUM(rev) OVER (ORDER BY rev DESC)
                         - SUM(rev) OVER (PARTITION BY rev) AS before,
                       SUM(rev) OVER () AS total
                  FROM (SELECT partner_id, GREATEST(revenue, 0) AS rev
                          FROM cmr_tier_score) x) r
    """,
}

# The tier each customer ends with: the lock if one holds, upgrades at once,
# downgrades only once the hysteresis allows.
FINAL_QUERY = """
CREATE TEMP TABLE cmr_tier_final ON COMMIT DROP AS
WITH ranked AS MATERIALIZED (%(rank_query)s),
step AS (
    SELECT s.*, r.tier_id AS computed_tier, r.rank_value, cp.pos AS computed_pos,
           st.id AS standing_id, st.tier_id AS old_tier, op.pos AS old_pos,
           st.below_count, st.below_since, st.below_date,
           (st.lock_tier_id IS NOT NULL AND st.lock_until >= %(today)s) AS locked,
           CASE WHEN st.lock_until >= %(today)s THEN st.lock_tier_id END
             AS lock_tier_id,
           CASE WHEN st.lock_until >= %(today)s THEN st.lock_reason END
             AS lock_reason,
           CASE WHEN st.lock_until >= %(today)s THEN st.lock_until END
             AS lock_until,
           CASE WHEN st.below_date = %(today)s THEN COALESCE(st.below_count, 0)
                ELSE COALESCE(st.below_count, 0) + 1 END AS new_below_count,
           COALESCE(st.below_since, %(today)s) AS new_below_since
      FROM cmr_tier_score s
      JOIN ranked r ON r.partner_id = s.partner_id
      JOIN cmr_tier_pos cp ON cp.tier_id = r.tier_id
      LEFT JOIN cmr_partner_tier st
        ON st.partner_id = s.partner_id AND st.ladder_id = %(ladder_id)s
      LEFT JOIN cmr_tier_pos op ON op.tier_id = st.tier_id
),
decided AS (
    SELECT step.*,
           CASE
             WHEN locked THEN 'locked'
             WHEN old_pos IS NULL OR computed_pos <= old_pos THEN 'computed'
             WHEN %(policy)s = 'consecutive' AND new_below_count >= %(below_needed)s
               THEN 'computed'
             WHEN %(policy)s = 'grace'
                  AND %(today)s - new_below_since >= %(grace_days)s THEN 'computed'
             ELSE 'held'
           END AS decision
      FROM step
)
SELECT d.*,
       CASE d.decision WHEN 'locked' THEN d.lock_tier_id
                       WHEN 'held' THEN d.old_tier
                       ELSE d.computed_tier END AS final_tier,
       CASE WHEN d.decision = 'held' THEN d.new_below_count ELSE 0 END
         AS final_below_count,
       CASE WHEN d.decision = 'held' THEN d.new_below_since END AS final_below_since,
       CASE WHEN d.decision = 'held' THEN %(today)s::date END AS final_below_date
  FROM decided d
"""

# Next tier up and the gap to it, from the entry values of this run.
GAP_QUERY = """
CREATE TEMP TABLE cmr_tier_gap ON COMMIT DROP AS
WITH entry AS (
    SELECT t.tier_id, t.pos, t.bound,
           MIN(f.score) AS min_score, MIN(GREATEST(f.revenue, 0)) AS min_revenue
      FROM cmr_tier_pos t
      LEFT JOIN cmr_tier_final f ON f.computed_tier = t.tier_id
     GROUP BY t.tier_id, t.pos, t.bound
)
SELECT f.partner_id, nx.tier_id AS next_tier,
       CASE WHEN nx.tier_id IS NULL THEN 0
            WHEN %(method)s = 'threshold' THEN GREATEST(nx.bound - f.score, 0)
            WHEN %(method)s = 'percentile'
              THEN GREATEST(COALESCE(nx.min_score,
                                     (SELECT MAX(score) FROM cmr_tier_final))
                            - f.score, 0)
            ELSE 0 END AS gap_score,
       CASE WHEN nx.tier_id IS NOT NULL AND %(method)s = 'pareto'
            THEN GREATEST(COALESCE(nx.min_revenue, 0) - GREATEST(f.revenue, 0), 0)
            ELSE 0 END AS gap_revenue
  FROM cmr_tier_final f
  JOIN cmr_tier_pos fp ON fp.tier_id = f.final_tier
  LEFT JOIN entry nx ON nx.pos = fp.pos - 1
"""

UPDATE_QUERY = """
UPDATE cmr_partner_tier st
   SET tier_id = f.final_tier, category_id = f.category_id, score = f.score,
       breakdown = f.breakdown,
       revenue = f.revenue, margin = f.margin, sales = f.sales,
       ontime_rate = f.ontime_rate, days_late = f.days_late,
       compliance = f.compliance, influence = f.influence,
       referrals = f.referrals,
       below_count = f.final_below_count, below_since = f.final_below_since,
       below_date = f.final_below_date,
       lock_tier_id = f.lock_tier_id, lock_reason = f.lock_reason,
       lock_until = f.lock_until,
       next_tier_id = g.next_tier, gap_score = g.gap_score,
       gap_revenue = g.gap_revenue,
       write_uid = %(uid)s, write_date = %(now)s
  FROM cmr_tier_final f
  JOIN cmr_tier_gap g ON g.partner_id = f.partner_id
 WHERE st.id = f.standing_id
   AND (st.tier_id, st.category_id, st.score, st.breakdown, st.revenue,
        st.margin, st.sales, st.ontime_rate, st.days_late, st.compliance,
        st.influence, st.referrals,
        st.below_count, st.below_since, st.below_date, st.lock_tier_id,
        st.lock_reason, st.lock_until, st.next_tier_id, st.gap_score,
        st.gap_revenue)
       IS DISTINCT FROM
       (f.final_tier, f.category_id, f.score, f.breakdown, f.revenue,
        f.margin, f.sales, f.ontime_rate, f.days_late, f.compliance,
        f.influence, f.referrals::int,
        f.final_below_count, f.final_below_since, f.final_below_date,
        f.lock_tier_id, f.lock_reason, f.lock_until, g.next_tier, g.gap_score,
        g.gap_revenue)
"""

# Raw insert: the ORM would create the new standings one by one. Stored
# related fields (the partner's category) are copied by _related_sql.
INSERT_QUERY = """
INSERT INTO cmr_partner_tier (
    partner_id, ladder_id, company_id, tier_id, score, breakdown, revenue,
    margin, sales, ontime_rate, days_late, compliance, influence, referrals,
    below_count, below_since, below_date, next_tier_id, gap_score, gap_revenue,
    create_uid, create_date, write_uid, write_date %(related_columns)s)
SELECT f.partner_id, %(ladder_id)s, %(company_id)s, f.final_tier, f.score,
       f.breakdown, f.revenue, f.margin, f.sales, f.ontime_rate, f.days_late,
       f.compliance, f.influence, f.referrals, 0, NULL, NULL, g.next_tier,
       g.gap_score, g.gap_revenue, %(uid)s, %(now)s, %(uid)s, %(now)s
       %(related_values)s
  FROM cmr_tier_final f
  JOIN cmr_tier_gap g ON g.partner_id = f.partner_id
  JOIN res_partner p ON p.id = f.partner_id
 WHERE f.standing_id IS NULL
"""

# Raw insert: one history line per customer who moved, in one statement.
HISTORY_QUERY = """
INSERT INTO cmr_tier_history (
    partner_id, company_id, ladder_id, run_id, date, user_id, from_tier_id,
    to_tier_id, direction, reason, score, breakdown, revenue, customer_count,
    create_uid, create_date, write_uid, write_date)
SELECT f.partner_id, %(company_id)s, %(ladder_id)s, %(run_id)s, %(moment)s, %(uid)s,
       f.old_tier, f.final_tier,
       CASE WHEN f.old_tier IS NULL THEN 'initial'
            WHEN fp.pos < f.old_pos THEN 'up' ELSE 'down' END,
       'evaluation', f.score, f.breakdown, f.revenue, 1,
       %(uid)s, %(now)s, %(uid)s, %(now)s
  FROM cmr_tier_final f
  JOIN cmr_tier_pos fp ON fp.tier_id = f.final_tier
 WHERE f.final_tier IS DISTINCT FROM f.old_tier
"""

ENTRY_QUERY = """
UPDATE cmr_tier t
   SET last_min_score = e.min_score, last_min_revenue = e.min_revenue
  FROM (SELECT p.tier_id, MIN(f.score) AS min_score,
               MIN(GREATEST(f.revenue, 0)) AS min_revenue
          FROM cmr_tier_pos p
          LEFT JOIN cmr_tier_final f ON f.computed_tier = p.tier_id
         GROUP BY p.tier_id) e
 WHERE t.id = e.tier_id
   AND (t.last_min_score, t.last_min_revenue)
       IS DISTINCT FROM (e.min_score, e.min_revenue)
"""

# Criteria whose raw value is already a 0-100 score: they need no target.
SCORE_KINDS = ("payment_ontime", "compliance", "influence")
# Temporary tables of a run, dropped at commit (and before a second run in
# the same transaction).
TEMP_TABLES = (
    "cmr_tier_eval",
    "cmr_tier_score",
    "cmr_tier_pos",
    "cmr_tier_final",
    "cmr_tier_gap",
)


class CmrTierEvaluation(models.AbstractModel):
    _name = "cmr.tier.evaluation"
    _description = "Tier Evaluation"

    # ------------------------------------------------------------------
    # Extension points
    # ------------------------------------------------------------------
    @api.model
    def _score_kinds(self):
        """Criterion kinds whose raw value is already 0-100 (no target)."""
        return SCORE_KINDS

    @api.model
    def _extra_metrics(self, ladder, params):
        """Raw values of criterion kinds added by other addons.

        ``{column: SQL}``, each SQL selecting ``(partner_id, value)`` for the
        customers of ``ladder`` (``params`` has ``company_id``, ``date_from``,
        ``today``, ``day_after``…). The values land in column ``column`` of
        the run's metrics table (0 for a customer without a row), where
        ``_criterion_points`` reads them as ``e.<column>``. One statement per
        metric, whatever the number of customers.
        """
        return {}

    @api.model
    def _criterion_points(self, criterion):
        """SQL expression of ``criterion``'s points (0-100 after clamping)
        for one row ``e`` of the metrics table."""
        if criterion.kind in self._score_kinds():
            return SQL(POINTS_SQL[criterion.kind])
        return SQL(POINTS_SQL[criterion.kind], criterion.target)

    # ------------------------------------------------------------------
    # The run
    # ------------------------------------------------------------------
    @api.model
    def _evaluate(self, ladder, today, trigger="manual"):
        """Evaluate ``ladder`` as of ``today``, write what changed, return
        the run (``cmr.tier.run``)."""
        ladder.ensure_one()
        started = timer.monotonic()
        env = self.env
        ladder._check_ready()
        self._lock_ladder(ladder)
        env.flush_all()
        params = self._params(ladder, today)
        run = (
            env["cmr.tier.run"]
            .sudo()
            .create(
                {
                    "ladder_id": ladder.id,
                    "company_id": ladder.company_id.id,
                    "evaluation_date": today,
                    "trigger": trigger,
                }
            )
        )
        env.flush_all()
        params["run_id"] = run.id
        for table in TEMP_TABLES:
            env.execute_query(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))
        env.execute_query(
            SQL(
                """
                CREATE TEMP TABLE cmr_tier_pos ON COMMIT DROP AS
                SELECT * FROM unnest(%s::int[], %s::numeric[])
                       WITH ORDINALITY AS t(tier_id, bound, pos)
                """,
                params["t_id"],
                params["t_bound"],
            )
        )
        env.execute_query(SQL(METRICS_QUERY, **params))
        self._add_extra_metrics(ladder, params)
        env.execute_query(SQL(SCORE_QUERY, *self._score_sql(ladder)))
        env.execute_query(SQL("ANALYZE cmr_tier_pos"))
        params["rank_query"] = SQL(RANK_QUERIES[ladder.method], **params)
        env.execute_query(SQL(FINAL_QUERY, **params))
        env.execute_query(SQL(GAP_QUERY, **params))
        # Statistics on the columns the writes join on (a sample of every
        # column, the scores' JSON included, costs more than it tells).
        env.execute_query(
            SQL(
                """
                ANALYZE cmr_tier_final (partner_id, standing_id, final_tier,
                                        old_tier, computed_tier);
                ANALYZE cmr_tier_gap (partner_id)
                """
            )
        )
        [[customer_count, held_count]] = env.execute_query(
            SQL(
                """
                SELECT COUNT(*),
                       COUNT(*) FILTER (WHERE decision = 'held'
                                           OR (decision = 'locked'
                                               AND computed_pos > final_pos))
                  FROM (SELECT f.*, p.pos AS final_pos
                          FROM cmr_tier_final f
                          JOIN cmr_tier_pos p ON p.tier_id = f.final_tier) x
                """
            )
        )
        # Raw writes: the ORM would write the standings one by one.
        env.execute_query(SQL(UPDATE_QUERY, **params))
        env.execute_query(SQL(INSERT_QUERY, **params, **self._related_sql()))
        env.execute_query(SQL(HISTORY_QUERY, **params))
        moves = dict(
            env.execute_query(
                SQL(
                    """
                    SELECT direction, COUNT(*) FROM cmr_tier_history
                     WHERE run_id = %s GROUP BY direction
                    """,
                    run.id,
                )
            )
        )
        env.execute_query(SQL(ENTRY_QUERY, **params))
        for model in ("cmr.partner.tier", "cmr.tier.history", "cmr.tier"):
            env[model].invalidate_model()
        run.write(
            {
                "customer_count": customer_count,
                "change_count": sum(moves.values()),
                "upgrade_count": moves.get("up", 0),
                "downgrade_count": moves.get("down", 0),
                "held_count": held_count,
                "duration": timer.monotonic() - started,
            }
        )
        return run

    @api.model
    def _lock_ladder(self, ladder):
        """Make a second, overlapping run of the same ladder stop at once."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.execute_query(
                    SQL(
                        "SELECT id FROM %s WHERE id = %s FOR UPDATE NOWAIT",
                        SQL.identifier(ladder._table),
                        ladder.id,
                    )
                )
        except psycopg2.errors.LockNotAvailable as error:
            raise UserError(
                self.env._(
                    "The tier ladder %(ladder)s is being re-evaluated right now; "
                    "this run stops so that nothing is written twice.",
                    ladder=ladder.name,
                )
            ) from error

    @api.model
    def _params(self, ladder, today):
        criteria = ladder.criterion_ids
        kinds = set(criteria.mapped("kind"))
        tiers = ladder._ordered_tiers()
        now = self.env.cr.now()
        # A run as of a past day (back-filling, demo) dates its moves that day.
        moment = now if today >= now.date() else datetime.combine(today, time())
        return {
            "ladder_id": ladder.id,
            "company_id": ladder.company_id.id,
            "company_key": str(ladder.company_id.id),
            "today": today,
            "day_after": today + relativedelta(days=1),
            "date_from": today - relativedelta(months=ladder.window_months),
            "own_sets": [cat.id for cat in criteria.category_id],
            "use_margin": "margin" in kinds,
            "use_payments": bool(kinds & {"payment_ontime", "payment_delay"}),
            "use_sales": "sales" in kinds,
            "use_ratings": bool(kinds & {"compliance", "influence"}),
            "use_referrals": "referrals" in kinds,
            "t_id": tiers.ids,
            "t_bound": tiers.mapped("bound"),
            "last_tier": tiers[-1].id,
            "method": ladder.method,
            "policy": ladder.downgrade_policy,
            "below_needed": ladder.downgrade_after,
            "grace_days": ladder.grace_days,
            "uid": self.env.uid,
            "now": now,
            "moment": moment,
        }

    @api.model
    def _related_sql(self):
        """Columns and values of the standings' stored related fields, read
        from the partner ``p`` of a raw insert."""
        related = related_columns(self.env["cmr.partner.tier"], "partner_id")
        return {
            "related_columns": SQL("").join(
                SQL(", %s", SQL.identifier(column)) for column, __ in related
            ),
            "related_values": SQL("").join(
                SQL(", p.%s", SQL.identifier(source)) for __, source in related
            ),
        }

    @api.model
    def _add_extra_metrics(self, ladder, params):
        for column, query in self._extra_metrics(ladder, params).items():
            self.env.execute_query(
                SQL(
                    """ALTER TABLE cmr_tier_eval
                       ADD COLUMN %s numeric NOT NULL DEFAULT 0""",
                    SQL.identifier(column),
                )
            )
            self.env.execute_query(
                SQL(
                    """
                    UPDATE cmr_tier_eval e SET %(column)s = COALESCE(m.value, 0)
                      FROM (%(query)s) AS m (partner_id, value)
                     WHERE m.partner_id = e.partner_id
                    """,
                    column=SQL.identifier(column),
                    query=query,
                )
            )

    @api.model
    def _score_sql(self, ladder):
        """The score and breakdown expressions: CASE over the criteria sets."""
        by_set = {}
        for criterion in ladder.criterion_ids:
            by_set.setdefault(criterion.category_id.id or 0, []).append(criterion)
        scores, breakdowns = [], []
        for set_id, criteria in by_set.items():
            points = [
                SQL("GREATEST(0, LEAST(100, %s))", self._criterion_points(c))
                for c in criteria
            ]
            score = SQL(" + ").join(
                SQL("%s * %s", c.weight / 100.0, point)
                for c, point in zip(criteria, points, strict=True)
            )
            breakdown = SQL(
                "jsonb_build_object(%s)",
                SQL(", ").join(
                    SQL("%s, ROUND(%s, 2)", c.kind, point)
                    for c, point in zip(criteria, points, strict=True)
                ),
            )
            scores.append(SQL("WHEN %s THEN %s", set_id, score))
            breakdowns.append(SQL("WHEN %s THEN %s", set_id, breakdown))
        return (
            SQL("CASE e.set_id %s END", SQL(" ").join(scores)),
            SQL("CASE e.set_id %s END", SQL(" ").join(breakdowns)),
        )
