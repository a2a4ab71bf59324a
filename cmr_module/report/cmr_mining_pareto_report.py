from odoo import fields, models
from odoo.tools import SQL

from ..models.cmr_mining_selections import ACTIVITY_STATES

BUCKETS = [(f"{n:02d}", f"{(n - 1) * 10}-{n * 10} %") for n in range(1, 11)]


class CmrMiningParetoReport(models.Model):
    """The customers ranked by revenue over the margin window, in tenths:
    the 20/80 story. Read from the activity rows (the daily lifetime value
    run stores revenue and margin), so that every figure is instant and
    drills down to the customers behind it."""

    _name = "cmr.mining.pareto.report"
    _description = "Revenue and Margin Concentration"
    _auto = False
    _rec_name = "partner_id"
    _order = "revenue desc"
    _depends = {
        "cmr.mining.activity": [
            "partner_id",
            "company_id",
            "category_id",
            "tier_id",
            "state",
            "revenue",
            "margin",
            "clv",
        ],
    }

    activity_id = fields.Many2one(
        "cmr.mining.activity", string="Activity Row", readonly=True
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    category_id = fields.Many2one("cmr.customer.category", readonly=True)
    tier_id = fields.Many2one("cmr.tier", readonly=True)
    state = fields.Selection(ACTIVITY_STATES, string="Activity", readonly=True)
    bucket = fields.Selection(
        BUCKETS,
        string="Customers by Revenue",
        readonly=True,
        help="The tenth of the customers, ranked by revenue, the customer is in.",
    )
    customer_count = fields.Integer(string="Customers", readonly=True)
    revenue = fields.Monetary(readonly=True)
    margin = fields.Monetary(readonly=True)
    revenue_share = fields.Float(
        string="Share of Revenue (%)",
        readonly=True,
        digits=(6, 2),
        help="The customer's share of the company's revenue; summed by tier or "
        "tenth, the share of that group.",
    )
    margin_share = fields.Float(
        string="Share of Margin (%)", readonly=True, digits=(6, 2)
    )
    clv = fields.Monetary(string="Lifetime Value", readonly=True)

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT a.id, a.id AS activity_id, a.partner_id, a.company_id,
                   a.category_id, a.tier_id, a.state, 1 AS customer_count,
                   COALESCE(a.revenue, 0) AS revenue, COALESCE(a.margin, 0) AS margin,
                   COALESCE(a.clv, 0) AS clv,
                   LPAD((NTILE(10) OVER (PARTITION BY a.company_id
                                         ORDER BY COALESCE(a.revenue, 0) DESC,
                                                  a.id))::text, 2, '0') AS bucket,
                   COALESCE(a.revenue, 0) * 100.0 / NULLIF(SUM(GREATEST(a.revenue, 0))
                       OVER (PARTITION BY a.company_id), 0) AS revenue_share,
                   COALESCE(a.margin, 0) * 100.0 / NULLIF(SUM(GREATEST(a.margin, 0))
                       OVER (PARTITION BY a.company_id), 0) AS margin_share
              FROM cmr_mining_activity a
            """
        )
