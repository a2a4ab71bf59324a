from odoo import fields, models


class CmrPointsAdjustWizard(models.TransientModel):
    """A manager adds or takes off points of a card, with a reason."""

    _name = "cmr.points.adjust.wizard"
    _description = "Adjust Points"

    membership_id = fields.Many2one("cmr.membership", string="Card", required=True)
    points = fields.Integer(
        required=True, help="Positive to add points, negative to take them off."
    )
    reason = fields.Char(required=True)

    def action_adjust(self):
        self.ensure_one()
        self.membership_id.check_access("write")
        self.membership_id._cmr_adjust(self.points, self.reason)
        return {"type": "ir.actions.act_window_close"}
