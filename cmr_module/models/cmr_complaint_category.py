from odoo import fields, models


class CmrComplaintCategory(models.Model):
    """What a complaint is about: billing, delivery, product, staff attitude."""

    _name = "cmr.complaint.category"
    _description = "Complaint Category"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    default_factor_type = fields.Selection(
        [
            ("basic", "Basic"),
            ("value", "Value"),
            ("dissatisfaction", "Dissatisfaction"),
            ("secondary", "Secondary"),
        ],
        help="Proposed as the dissatisfaction factor type of new complaints.",
    )
    company_id = fields.Many2one("res.company", index=True)
