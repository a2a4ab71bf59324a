from odoo import fields, models

from .cmr_input_guard import NAME_MAX


class CmrCareServiceStep(models.Model):
    """One step of a service's checklist, copied onto each visit."""

    _name = "cmr.care.service.step"
    _inherit = ["cmr.input.guard"]
    _description = "Care Service Checklist Step"
    _order = "service_id, sequence, id"
    _input_text_limits = {"name": NAME_MAX}

    service_id = fields.Many2one(
        "cmr.care.service", required=True, index=True, ondelete="cascade"
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Step", required=True, translate=True)
