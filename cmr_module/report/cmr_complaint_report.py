from odoo import fields, models
from odoo.tools import SQL

from ..models.cmr_complaint_selections import (
    CHANNELS_RECEIVED,
    FACTOR_TYPES,
    OPEN_STATES,
    PRIORITIES,
    STATES,
)


class CmrComplaintReport(models.Model):
    """One row per complaint with its KPIs, NULL where a KPI does not apply
    yet, so that averages are honest: timeliness over the answered
    complaints, satisfaction over the rated ones, reopen rate over those
    answered at least once."""

    _name = "cmr.complaint.report"
    _description = "Complaint KPIs"
    _auto = False
    _rec_name = "complaint_id"
    _order = "date_received desc"

    complaint_id = fields.Many2one("cmr.complaint", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Owner", readonly=True)
    team_id = fields.Many2one("crm.team", readonly=True)
    category_id = fields.Many2one("cmr.complaint.category", readonly=True)
    factor_type = fields.Selection(FACTOR_TYPES, readonly=True)
    channel_received = fields.Selection(
        CHANNELS_RECEIVED, string="Received By", readonly=True
    )
    state = fields.Selection(STATES, readonly=True)
    priority = fields.Selection(PRIORITIES, readonly=True)
    date_received = fields.Datetime(string="Received On", readonly=True)
    complaint_count = fields.Integer(string="Complaints", readonly=True)
    open_count = fields.Integer(string="Open", readonly=True)
    breach_count = fields.Integer(string="Breaches", readonly=True)
    answered_count = fields.Integer(string="Answered", readonly=True)
    rated_count = fields.Integer(string="Rated", readonly=True)
    timeliness = fields.Float(
        string="Timeliness (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the answered complaints answered by their deadline.",
    )
    satisfaction = fields.Float(
        string="Satisfaction (1-5)",
        readonly=True,
        aggregator="avg",
        help="The customers' rating of the handling, over the rated complaints.",
    )
    satisfied_rate = fields.Float(
        string="Satisfied (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the rated complaints rated 4 or 5.",
    )
    reopen_rate = fields.Float(
        string="Reopened (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the answered complaints the customer reopened: the one "
        "definition of this KPI (the teams' dashboard reads it here).",
    )
    breach_rate = fields.Float(
        string="Breached (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the complaints that missed a deadline.",
    )
    answer_hours = fields.Float(
        string="Hours to Answer",
        readonly=True,
        aggregator="avg",
        help="Elapsed hours from receipt to the (last) answer.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT c.id AS id,
                   c.id AS complaint_id,
                   c.company_id, c.partner_id, c.user_id, c.team_id,
                   c.category_id, c.factor_type, c.channel_received, c.state,
                   c.priority, c.date_received,
                   1 AS complaint_count,
                   CASE WHEN c.state IN %(open)s THEN 1 ELSE 0 END AS open_count,
                   COALESCE(c.breach_count, 0) AS breach_count,
                   CASE WHEN c.answer_date IS NOT NULL THEN 1 ELSE 0 END
                       AS answered_count,
                   CASE WHEN c.rating_last_value > 0 THEN 1 ELSE 0 END AS rated_count,
                   CASE WHEN c.answer_date IS NOT NULL
                        THEN COALESCE(c.timeliness, 0) END AS timeliness,
                   NULLIF(c.rating_last_value, 0) AS satisfaction,
                   CASE WHEN c.rating_last_value >= 4 THEN 100.0
                        WHEN c.rating_last_value > 0 THEN 0.0 END AS satisfied_rate,
                   CASE WHEN c.answer_date IS NOT NULL
                        THEN CASE WHEN c.reopen_count > 0 THEN 100.0 ELSE 0.0 END
                   END AS reopen_rate,
                   CASE WHEN c.breached THEN 100.0 ELSE 0.0 END AS breach_rate,
                   EXTRACT(EPOCH FROM c.answer_date - c.date_received) / 3600.0
                       AS answer_hours
              FROM cmr_complaint c
            """,
            open=OPEN_STATES,
        )
