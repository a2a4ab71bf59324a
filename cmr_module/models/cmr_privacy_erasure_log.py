from odoo import fields, models


class CmrPrivacyErasureLog(models.Model):
    """What an erasure request went through: append-only."""

    _name = "cmr.privacy.erasure.log"
    _description = "Erasure Log Line"
    _inherit = ["cmr.append.only.mixin"]
    _order = "date, id"

    erasure_id = fields.Many2one(
        "cmr.privacy.erasure",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users",
        default=lambda self: self.env.user,
        readonly=True,
        ondelete="set null",
    )
    action = fields.Char(required=True, readonly=True)
    note = fields.Text(readonly=True)
    count = fields.Integer(readonly=True)
