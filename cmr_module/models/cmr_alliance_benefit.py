from odoo import fields, models

from .cmr_input_guard import NAME_MAX, TEXT_MAX


class CmrAllianceBenefit(models.Model):
    """A benefit an alliance grants its members, or only those of some tiers."""

    _name = "cmr.alliance.benefit"
    _description = "Alliance Benefit"
    _order = "alliance_id, sequence, id"
    _inherit = ["cmr.input.guard"]
    _input_text_limits = {"name": NAME_MAX, "description": TEXT_MAX}

    alliance_id = fields.Many2one(
        "cmr.alliance", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(
        required=True, translate=True, help=f"At most {NAME_MAX} characters."
    )
    description = fields.Text(translate=True, help=f"At most {TEXT_MAX} characters.")
    tier_ids = fields.Many2many(
        "cmr.tier",
        string="Only for Tiers",
        help="Empty: every member. Otherwise only members whose customer tier "
        "(on the ladder their company uses) is one of these.",
        groups="cmr_module.group_cmr_user",
    )

    def _for_partner(self, partner):
        """The benefits of these that ``partner``'s tier entitles them to."""
        tier = partner.commercial_partner_id.sudo().cmr_tier_id
        return self.filtered(lambda b: not b.tier_ids or tier in b.tier_ids)
