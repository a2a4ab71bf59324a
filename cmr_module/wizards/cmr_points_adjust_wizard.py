from odoo import fields, models

from ..models.cmr_input_guard import NAME_MAX
from ..models.cmr_points_ledger_mixin import POINTS_MAX


class CmrPointsAdjustWizard(models.TransientModel):
    """A manager adds or takes off points of a card, with a reason."""

    _name = "cmr.points.adjust.wizard"
    _description = "Adjust Points"
    _inherit = ["cmr.input.guard"]
    _input_text_limits = {"reason": NAME_MAX}
    _input_number_ranges = {"points": (-POINTS_MAX, POINTS_MAX)}

    membership_id = fields.Many2one("cmr.membership", string="Card", required=True)
    points = fields.Integer(
        required=True,
        help="Positive to add points, negative to take them off (at most "
        f"{POINTS_MAX} either way).",
    )
    reason = fields.Char(required=True, help=f"At most {NAME_MAX} characters.")

    def action_adjust(self):
        self.ensure_one()
        self.membership_id.check_access("write")
        self.membership_id._adjust(self.points, self.reason)
        return {"type": "ir.actions.act_window_close"}
