from odoo import api, fields, models
from odoo.tools import format_date

from .cmr_input_guard import NAME_MAX


class CmrQuietDay(models.Model):
    """A date on which the customer does not want to be contacted at all."""

    _name = "cmr.quiet.day"
    _inherit = ["cmr.charter.mixin"]
    _description = "Quiet Day"
    _order = "partner_id, date"

    date = fields.Date(required=True)
    name = fields.Char(string="Note", help=f"At most {NAME_MAX} characters.")

    _input_text_limits = {"name": NAME_MAX}

    _sql_constraints = [
        (
            "partner_date_uniq",
            "unique (partner_id, date)",
            "This quiet day is already recorded for the customer.",
        ),
    ]

    @api.depends("date", "name")
    def _compute_display_name(self):
        for day in self:
            label = format_date(self.env, day.date) if day.date else ""
            day.display_name = f"{label} {day.name}" if day.name else label
