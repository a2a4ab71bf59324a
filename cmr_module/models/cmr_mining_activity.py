from odoo import api, fields, models

from ..tools.sql import set_fillfactor
from .cmr_mining_selections import ACTIVITY_STATES


class CmrMiningActivity(models.Model):
    """A customer's buying activity with a company: when they last bought,
    how often they usually buy, whether they are active, at risk or churned,
    and their estimated lifetime value.

    Rows are written in bulk by the daily scheduled actions
    (``cmr.mining.engine``); nobody edits them. Every change of state is
    kept in ``cmr.mining.event``.
    """

    _name = "cmr.mining.activity"
    _description = "Customer Activity"
    _order = "last_purchase_date desc, id"
    _rec_name = "partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    category_id = fields.Many2one(
        "cmr.customer.category",
        readonly=True,
        index=True,
        help="The customer's category at the last run.",
    )
    tier_id = fields.Many2one(
        "cmr.tier",
        readonly=True,
        index=True,
        help="The customer's tier on the company's ladder at the last run.",
    )
    first_purchase_date = fields.Date(readonly=True)
    last_purchase_date = fields.Date(readonly=True, index=True)
    purchase_count = fields.Integer(
        string="Purchases",
        readonly=True,
        help="Days with a confirmed sales order or a posted invoice that does "
        "not come from an order.",
    )
    usual_interval = fields.Float(
        string="Usual Interval (days)",
        digits=(10, 1),
        readonly=True,
        aggregator="avg",
        help="Average number of days between two purchases: (last purchase - "
        "first purchase) / (purchases - 1). Empty with a single purchase.",
    )
    gap_days = fields.Integer(
        string="Days Since Last Purchase",
        compute="_compute_gap_days",
        help="As of today.",
    )
    churn_days = fields.Integer(
        string="Churned after (days)",
        readonly=True,
        aggregator="avg",
        help="The delay in force for this customer: their category's or the company's.",
    )
    state = fields.Selection(
        ACTIVITY_STATES,
        string="Activity",
        readonly=True,
        index=True,
        help="Active; at risk once the days since the last purchase exceed the "
        "usual interval times the company's at-risk factor; churned after the "
        "churn delay without a purchase.",
    )
    state_date = fields.Date(
        string="In This State Since",
        readonly=True,
        help="The day the customer crossed into the state.",
    )
    run_date = fields.Date(
        string="Changed On",
        readonly=True,
        help="The day of the daily run that last changed this row (a run "
        "writes only the customers whose activity changed).",
    )
    # Lifetime value (its own scheduled action)
    revenue = fields.Monetary(
        string="Revenue in Window",
        readonly=True,
        help="Invoiced net of credit notes over the policy's margin window.",
    )
    margin = fields.Monetary(
        string="Margin in Window",
        readonly=True,
        help="Gross margin of the invoice lines whose cost is known, net of "
        "credit notes, over the policy's margin window.",
    )
    margin_month = fields.Monetary(
        string="Average Margin per Month",
        readonly=True,
        aggregator="avg",
        help="Margin in window / months of the window.",
    )
    churn_rate = fields.Float(
        string="Churn Rate (% a month)",
        digits=(6, 3),
        readonly=True,
        aggregator="avg",
        help="Monthly churn rate of the customer's category and tier: customers "
        "of that category and tier who churned during the margin window / "
        "customers of that category and tier / months of the window (the "
        "policy's default when the segment has fewer customers than the "
        "policy asks for).",
    )
    expected_lifetime = fields.Float(
        string="Expected Remaining Lifetime (months)",
        digits=(8, 1),
        readonly=True,
        aggregator="avg",
        help="Sum over the next H months (the policy's horizon) of the chance "
        "to still be a customer: Σ (1 - r)^t for t = 1..H, r the monthly churn "
        "rate.",
    )
    clv = fields.Monetary(
        string="Lifetime Value",
        readonly=True,
        help="Estimated customer lifetime value: m × Σ_{t=1..H} ((1 - r) / "
        "(1 + d))^t, with m the average margin per month, r the monthly churn "
        "rate of the customer's category and tier, d the monthly discount rate "
        "((1 + yearly rate)^(1/12) - 1) and H the horizon in months. "
        "0 for a churned customer.",
    )
    clv_date = fields.Date(
        string="Value Changed On",
        readonly=True,
        help="The day of the lifetime value run that last changed the value.",
    )
    customer_count = fields.Integer(
        string="Customers", default=1, readonly=True, aggregator="sum"
    )

    _sql_constraints = [
        (
            "partner_company_uniq",
            "unique (partner_id, company_id)",
            "A customer has one activity row per company.",
        ),
    ]

    @api.depends("last_purchase_date")
    @api.depends_context("cmr_mining_today")
    def _compute_gap_days(self):
        today = self.env.context.get("cmr_mining_today") or fields.Date.context_today(
            self
        )
        for row in self:
            row.gap_days = (
                (today - row.last_purchase_date).days if row.last_purchase_date else 0
            )

    def init(self):
        # Every daily run rewrites the gap of most customers.
        set_fillfactor(self.env, self._table, 70)

    @api.model
    def _cron_evaluate_churn(self):
        """Daily: activity and churn state of every customer of every company,
        a batch per call (the scheduler calls again while batches remain)."""
        self.env["cmr.mining.engine"]._cron_churn_step()

    @api.model
    def _cron_compute_clv(self):
        """Daily: lifetime value of every customer, a company per call."""
        self.env["cmr.mining.engine"]._cron_clv_step()

    def action_record_churn_reason(self):
        self.ensure_one()
        return self.partner_id.action_cmr_record_churn_reason()
