from odoo import fields, models
from odoo.tools import SQL

from ..models.cmr_suggestion import CATEGORIES, STAGES


class CmrSuggestionReport(models.Model):
    """One row per suggestion with its KPIs, NULL where a KPI does not apply
    yet so that averages are honest: answered in time over the answered
    suggestions (and the unanswered ones past their deadline), adoption rate
    over the decided ones (adopted / adopted + declined + planned)."""

    _name = "cmr.suggestion.report"
    _description = "Suggestion KPIs"
    _auto = False
    _rec_name = "suggestion_id"
    _order = "date_submitted desc"

    suggestion_id = fields.Many2one("cmr.suggestion", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    tier_id = fields.Many2one("cmr.tier", string="Tier at Submission", readonly=True)
    category = fields.Selection(CATEGORIES, readonly=True)
    stage = fields.Selection(STAGES, readonly=True)
    is_public = fields.Boolean(string="Public", readonly=True)
    date_submitted = fields.Datetime(string="Submitted On", readonly=True)
    suggestion_count = fields.Integer(string="Suggestions", readonly=True)
    answered_count = fields.Integer(string="Answered", readonly=True)
    decided_count = fields.Integer(string="Decided", readonly=True)
    adopted_count = fields.Integer(string="Adopted", readonly=True)
    support_count = fields.Integer(string="Supporters", readonly=True)
    in_time_rate = fields.Float(
        string="Answered in Time (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the suggestions answered within the company's working days.",
    )
    adoption_rate = fields.Float(
        string="Adoption Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Adopted suggestions over the decided ones.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT s.id, s.id AS suggestion_id, s.company_id,
                   s.commercial_partner_id AS partner_id, s.tier_id, s.category,
                   s.stage, s.is_public, s.date_submitted,
                   1 AS suggestion_count,
                   (s.answer_date IS NOT NULL)::int AS answered_count,
                   (s.stage IN ('adopted', 'declined', 'planned'))::int
                       AS decided_count,
                   (s.stage = 'adopted')::int AS adopted_count,
                   s.support_count,
                   CASE WHEN s.answer_date IS NOT NULL
                        THEN CASE WHEN s.answered_in_time THEN 100.0 ELSE 0.0 END
                        WHEN s.answer_deadline < NOW() AT TIME ZONE 'UTC' THEN 0.0
                   END AS in_time_rate,
                   CASE WHEN s.stage = 'adopted' THEN 100.0
                        WHEN s.stage IN ('declined', 'planned') THEN 0.0
                   END AS adoption_rate
              FROM cmr_suggestion s
            """
        )
