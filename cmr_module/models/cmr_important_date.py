from odoo import api, fields, models
from odoo.tools import format_date

from .cmr_input_guard import NAME_MAX


class CmrImportantDate(models.Model):
    """A date that matters to the customer: anniversary, child's birthday..."""

    _name = "cmr.important.date"
    _inherit = ["cmr.charter.mixin"]
    _description = "Important Date"
    _order = "partner_id, date"

    name = fields.Char(
        string="Occasion", required=True, help=f"At most {NAME_MAX} characters."
    )
    date = fields.Date(required=True)
    yearly = fields.Boolean(default=True, help="The date comes back every year.")

    _input_text_limits = {"name": NAME_MAX}

    @api.depends("date", "name")
    def _compute_display_name(self):
        for important in self:
            label = format_date(self.env, important.date) if important.date else ""
            important.display_name = f"{important.name or ''} {label}".strip()
