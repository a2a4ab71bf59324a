from odoo import fields, models

from ..models.cmr_input_guard import TEXT_MAX


class CmrMiningChurnReasonWizard(models.TransientModel):
    """Staff record why a churned or at-risk customer left (or is leaving)."""

    _name = "cmr.mining.churn.reason.wizard"
    _inherit = ["cmr.input.guard"]
    _description = "Record a Churn Reason"

    _input_text_limits = {"note": TEXT_MAX}

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    state = fields.Selection(related="partner_id.cmr_activity_state")
    reason_id = fields.Many2one("cmr.mining.churn.reason", required=True)
    note = fields.Text(help="What the customer said, in their words.")

    def action_record(self):
        self.ensure_one()
        self.env["cmr.mining.churn.record"].create(
            {
                "partner_id": self.partner_id.id,
                "reason_id": self.reason_id.id,
                "note": self.note,
            }
        )
        return {"type": "ir.actions.act_window_close"}
