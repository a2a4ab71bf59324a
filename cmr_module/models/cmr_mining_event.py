from odoo import fields, models

from .cmr_mining_selections import ACTIVITY_STATES, EVENTS


class CmrMiningEvent(models.Model):
    """Append-only history of customers' activity: when they entered at
    risk, churned, recovered or were won back.

    Written in bulk by the daily churn run; nobody changes or deletes them.
    """

    _name = "cmr.mining.event"
    _inherit = ["cmr.append.only.mixin"]
    _description = "Customer Activity Event"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

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
    category_id = fields.Many2one("cmr.customer.category", readonly=True, index=True)
    tier_id = fields.Many2one("cmr.tier", readonly=True)
    event = fields.Selection(EVENTS, required=True, readonly=True, index=True)
    from_state = fields.Selection(ACTIVITY_STATES, readonly=True)
    to_state = fields.Selection(ACTIVITY_STATES, required=True, readonly=True)
    date = fields.Date(
        required=True,
        readonly=True,
        index=True,
        help="The day the customer crossed the threshold (or bought again).",
    )
    run_date = fields.Date(string="Detected On", readonly=True)
    last_purchase_date = fields.Date(readonly=True)
    gap_days = fields.Integer(string="Days Since Last Purchase", readonly=True)
    customer_count = fields.Integer(
        string="Customers", default=1, readonly=True, aggregator="sum"
    )

    def _append_only_hint(self):
        return self.env._("The activity history is written by the daily run only.")
