from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    cmr_suggestion_count = fields.Integer(
        string="Suggestions",
        compute="_compute_cmr_suggestion_count",
        groups="cmr_module.group_cmr_user",
    )

    def _compute_cmr_suggestion_count(self):
        counts = dict(
            self.env["cmr.suggestion"]._read_group(
                [("commercial_partner_id", "in", self.commercial_partner_id.ids)],
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.cmr_suggestion_count = counts.get(
                partner.commercial_partner_id._origin, 0
            )

    def action_cmr_view_suggestions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cmr_module.cmr_suggestion_action"
        )
        action["domain"] = [
            ("commercial_partner_id", "=", self.commercial_partner_id.id)
        ]
        action["context"] = {"default_partner_id": self.id}
        return action
