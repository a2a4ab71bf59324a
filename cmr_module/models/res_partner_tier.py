from odoo import api, fields, models
from odoo.exceptions import UserError


class ResPartner(models.Model):
    """The customer's tier on the current company's ladder (R2)."""

    _inherit = "res.partner"

    cmr_referred_by_id = fields.Many2one(
        "res.partner",
        string="Referred by",
        index=True,
        ondelete="set null",
        help="The customer who brought this one: counts in their influence.",
    )
    cmr_tier_standing_id = fields.Many2one(
        "cmr.partner.tier",
        string="Tier Standing",
        compute="_compute_cmr_tier",
        groups="cmr_module.group_cmr_user",
    )
    cmr_tier_id = fields.Many2one(
        "cmr.tier",
        string="Tier",
        compute="_compute_cmr_tier",
        search="_search_cmr_tier_id",
        help="The customer's tier on the ladder the current company uses.",
    )
    cmr_tier_color = fields.Integer(compute="_compute_cmr_tier")
    cmr_score = fields.Float(
        string="Score",
        digits=(16, 2),
        compute="_compute_cmr_tier",
        groups="cmr_module.group_cmr_user",
    )
    cmr_upgrade_path = fields.Char(
        string="Upgrade Path",
        compute="_compute_cmr_tier",
        groups="cmr_module.group_cmr_user",
    )
    cmr_tier_history_count = fields.Integer(
        compute="_compute_cmr_tier_history_count",
        string="Tier Moves",
        groups="cmr_module.group_cmr_user",
    )

    @api.depends_context("company")
    def _compute_cmr_tier(self):
        ladder = self.env["cmr.tier.ladder"].sudo()._get_current()
        standings = (
            self.env["cmr.partner.tier"]
            .sudo()
            .search(
                [
                    ("ladder_id", "=", ladder.id),
                    ("partner_id", "in", self.commercial_partner_id.ids),
                ]
            )
        )
        by_partner = {standing.partner_id: standing for standing in standings}
        for partner in self:
            standing = by_partner.get(
                partner.commercial_partner_id, self.env["cmr.partner.tier"]
            )
            partner.cmr_tier_standing_id = standing
            partner.cmr_tier_id = standing.tier_id
            partner.cmr_tier_color = standing.tier_id.color
            partner.cmr_score = standing.score
            partner.cmr_upgrade_path = standing.upgrade_path

    def _search_cmr_tier_id(self, operator, value):
        ladder = self.env["cmr.tier.ladder"].sudo()._get_current()
        standings = (
            self.env["cmr.partner.tier"]
            .sudo()
            ._search([("ladder_id", "=", ladder.id), ("tier_id", operator, value)])
        )
        return [("commercial_partner_id", "in", standings.subselect("partner_id"))]

    def _compute_cmr_tier_history_count(self):
        for partner, count in self._cmr_count_by_partner("cmr.tier.history").items():
            partner.cmr_tier_history_count = count

    def action_cmr_view_tier_history(self):
        self.ensure_one()
        return self._cmr_partner_action("cmr_module.cmr_tier_history_action")

    def action_cmr_change_tier(self):
        self.ensure_one()
        standing = self.cmr_tier_standing_id
        if not standing:
            raise UserError(
                self.env._(
                    "%(customer)s has no tier yet: re-evaluate the tier ladder first.",
                    customer=self.commercial_partner_id.display_name,
                )
            )
        return standing.action_change_tier()
