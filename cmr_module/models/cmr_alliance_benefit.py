from odoo import fields, models


class CmrAllianceBenefit(models.Model):
    """A benefit an alliance grants its members (per customer tier when the
    tiers exist: the tiers link themselves here)."""

    _name = "cmr.alliance.benefit"
    _description = "Alliance Benefit"
    _order = "alliance_id, sequence, id"

    alliance_id = fields.Many2one(
        "cmr.alliance", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    description = fields.Text(translate=True)
