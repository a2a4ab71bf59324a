from odoo import fields, models

from ..models.cmr_input_guard import TEXT_MAX


class CmrCareGoodwillWizard(models.TransientModel):
    """Grant a service outside the customer's entitlement, with a reason
    (recorded on the visit, counted as goodwill in the KPIs)."""

    _name = "cmr.care.goodwill.wizard"
    _inherit = ["cmr.input.guard"]
    _description = "Grant a Care Service as Goodwill"
    _input_text_limits = {"reason": TEXT_MAX}

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    service_id = fields.Many2one("cmr.care.service", required=True)
    reason = fields.Text(required=True)
    date_start = fields.Datetime(string="Slot Start")

    def action_grant(self):
        self.ensure_one()
        visit = self.env["cmr.care.visit"]._grant_goodwill(
            self.partner_id, self.service_id, self.reason, self.date_start
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "cmr.care.visit",
            "res_id": visit.id,
            "view_mode": "form",
        }
