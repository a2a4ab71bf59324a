from odoo import fields, models


class CmrSuggestionSupport(models.Model):
    """One customer's support of a public suggestion: at most one per
    customer (their commercial partner), held by a unique constraint."""

    _name = "cmr.suggestion.support"
    _description = "Suggestion Support"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    suggestion_id = fields.Many2one(
        "cmr.suggestion", required=True, index=True, ondelete="cascade", readonly=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    company_id = fields.Many2one(related="suggestion_id.company_id", store=True)
    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True)

    _sql_constraints = [
        (
            "suggestion_partner_unique",
            "UNIQUE(suggestion_id, partner_id)",
            "A customer supports a suggestion only once.",
        ),
    ]
