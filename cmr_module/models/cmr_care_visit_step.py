from odoo import fields, models

from .cmr_input_guard import NAME_MAX


class CmrCareVisitStep(models.Model):
    """A step of a visit's checklist, ticked by whoever delivers it."""

    _name = "cmr.care.visit.step"
    _inherit = ["cmr.input.guard"]
    _description = "Care Visit Checklist Step"
    _order = "visit_id, sequence, id"
    _input_text_limits = {"name": NAME_MAX}

    visit_id = fields.Many2one(
        "cmr.care.visit", required=True, index=True, ondelete="cascade"
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Step", required=True)
    done = fields.Boolean()
