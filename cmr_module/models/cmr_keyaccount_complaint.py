from odoo import api, models


class CmrComplaint(models.Model):
    """A key account's new complaints are followed by its team (R8)."""

    _inherit = "cmr.complaint"

    @api.model_create_multi
    def create(self, vals_list):
        complaints = super().create(vals_list)
        members = (
            self.env["cmr.keyaccount.member"]
            .sudo()
            .search([("partner_id", "in", complaints.commercial_partner_id.ids)])
        )
        for complaint in complaints:
            users = members.filtered(
                lambda m, c=complaint: m.partner_id == c.commercial_partner_id
            ).user_id
            if users:
                complaint.sudo().message_subscribe(partner_ids=users.partner_id.ids)
        return complaints
