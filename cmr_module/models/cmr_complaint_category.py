from odoo import api, fields, models

from .cmr_complaint_selections import FACTOR_TYPES
from .cmr_complaint_sla import SEQUENCE_MAX
from .cmr_input_guard import NAME_MAX


class CmrComplaintCategory(models.Model):
    """What a complaint is about: billing, delivery, product, staff attitude."""

    _name = "cmr.complaint.category"
    _inherit = ["cmr.input.guard"]
    _description = "Complaint Category"
    _order = "sequence, id"
    _input_text_limits = {"name": NAME_MAX}
    _input_number_ranges = {"sequence": (0, SEQUENCE_MAX)}

    name = fields.Char(
        required=True, translate=True, help=f"At most {NAME_MAX} characters."
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    default_factor_type = fields.Selection(
        FACTOR_TYPES,
        help="Proposed as the dissatisfaction factor type of new complaints.",
        groups="cmr_module.group_cmr_user",
    )
    company_id = fields.Many2one("res.company", index=True)

    @api.model
    def _portal_categories(self):
        """The categories a customer may choose in the portal: active, shared
        or of the current company (read as superuser, customers cannot read
        the configuration)."""
        return self.sudo().search([("company_id", "in", [False, self.env.company.id])])
