from odoo import fields, models
from odoo.tools import SQL

from ..models.cmr_complaint_selections import FACTOR_TYPES
from ..models.cmr_mining_churn_record import REASON_DAYS, SOURCES
from ..models.cmr_mining_selections import EVENTS


class CmrMiningChurnReport(models.Model):
    """One row per activity event (entered at risk, churned, recovered, won
    back) with the first churn reason recorded for it: from the customer's
    last purchase up to 14 days after the event."""

    _name = "cmr.mining.churn.report"
    _description = "Churn and Win-back Analysis"
    _auto = False
    _rec_name = "partner_id"
    _order = "date desc"
    _depends = {
        "cmr.mining.event": [
            "partner_id",
            "company_id",
            "category_id",
            "tier_id",
            "event",
            "date",
            "last_purchase_date",
        ],
        "cmr.mining.churn.record": [
            "partner_id",
            "company_id",
            "reason_id",
            "factor_type",
            "date",
            "source",
        ],
    }

    event_id = fields.Many2one(
        "cmr.mining.event", string="Activity Event", readonly=True
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    category_id = fields.Many2one("cmr.customer.category", readonly=True)
    tier_id = fields.Many2one("cmr.tier", readonly=True)
    event = fields.Selection(EVENTS, readonly=True)
    date = fields.Date(readonly=True)
    reason_id = fields.Many2one(
        "cmr.mining.churn.reason", string="Churn Reason", readonly=True
    )
    factor_type = fields.Selection(FACTOR_TYPES, readonly=True)
    reason_source = fields.Selection(
        SOURCES,
        string="Reason Given by",
        readonly=True,
        help="Staff, or the customer when closing their portal account.",
    )
    customer_count = fields.Integer(string="Customers", readonly=True)
    reason_in_time = fields.Integer(
        string="With a Reason in 14 Days",
        readonly=True,
        help="1 when a churn reason was recorded between the customer's last "
        "purchase and 14 days after the event.",
    )
    reason_rate = fields.Float(
        string="Reason Recorded (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the events with a churn reason recorded within 14 days.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT e.id, e.id AS event_id, e.partner_id, e.company_id,
                   e.category_id, e.tier_id, e.event, e.date,
                   r.reason_id, r.factor_type, r.source AS reason_source,
                   1 AS customer_count,
                   CASE WHEN r.id IS NULL THEN 0 ELSE 1 END AS reason_in_time,
                   CASE WHEN r.id IS NULL THEN 0.0 ELSE 100.0 END AS reason_rate
              FROM cmr_mining_event e
              LEFT JOIN LATERAL (
                  SELECT c.id, c.reason_id, c.factor_type, c.source
                    FROM cmr_mining_churn_record c
                   WHERE c.partner_id = e.partner_id
                     AND c.company_id = e.company_id
                     AND c.date >= e.last_purchase_date
                     AND c.date < e.date + %s
                   ORDER BY c.date, c.id
                   LIMIT 1
              ) r ON e.event IN ('at_risk', 'churned')
            """,
            REASON_DAYS + 1,
        )
