from odoo import fields, models


class ResPartner(models.Model):
    """The customer's alliance cards and points (R4)."""

    _inherit = "res.partner"

    cmr_membership_ids = fields.One2many(
        "cmr.membership", "partner_id", string="Alliance Cards"
    )
    cmr_membership_count = fields.Integer(
        string="Cards",
        compute="_compute_cmr_membership_stats",
        groups="cmr_module.group_cmr_user",
    )
    cmr_points_balance = fields.Integer(
        string="Points",
        compute="_compute_cmr_membership_stats",
        groups="cmr_module.group_cmr_user",
    )

    def _compute_cmr_membership_stats(self):
        memberships = self.env["cmr.membership"].search(
            [("partner_id", "in", self.ids)]
        )
        balances = memberships._balances()
        counts, points = {}, {}
        for membership in memberships:
            partner_id = membership.partner_id.id
            counts[partner_id] = counts.get(partner_id, 0) + 1
            points[partner_id] = points.get(partner_id, 0) + balances.get(
                membership.id, 0
            )
        for partner in self:
            partner.cmr_membership_count = counts.get(partner.id, 0)
            partner.cmr_points_balance = points.get(partner.id, 0)

    def action_cmr_view_memberships(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cmr_module.cmr_membership_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action
