from odoo import api, models


class CmrCareVisit(models.Model):
    """A key account's new care visits are followed by its team (R8)."""

    _inherit = "cmr.care.visit"

    @api.model_create_multi
    def create(self, vals_list):
        visits = super().create(vals_list)
        commercials = visits.partner_id.commercial_partner_id
        members = (
            self.env["cmr.keyaccount.member"]
            .sudo()
            .search([("partner_id", "in", commercials.ids)])
        )
        if not members:
            return visits
        for visit in visits:
            users = members.filtered(
                lambda m, v=visit: m.partner_id == v.partner_id.commercial_partner_id
            ).user_id
            if users:
                visit.sudo().message_subscribe(partner_ids=users.partner_id.ids)
        return visits
