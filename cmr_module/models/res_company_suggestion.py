from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    cmr_suggestion_answer_days = fields.Integer(
        string="Suggestion Answer Days",
        default=10,
        help="Working days (of the company's working schedule) within which a "
        "customer's suggestion should be answered: the KPI 'answered in time'.",
    )
