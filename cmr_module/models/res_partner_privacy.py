from odoo import fields, models
from odoo.exceptions import UserError

from .cmr_privacy_erasure import PERSONAL_FIELDS


class ResPartner(models.Model):
    _inherit = "res.partner"

    cmr_erased = fields.Boolean(
        string="Erased",
        readonly=True,
        copy=False,
        groups="base.group_user",
        help="The customer's personal data was erased on their request: it "
        "cannot be entered again (an import or a sync would undo the erasure).",
    )

    def write(self, vals):
        if not self.env.context.get("cmr_erasure") and any(
            name in vals and vals[name]
            for name in (*PERSONAL_FIELDS, "name", "cmr_erased")
        ):
            erased = self.sudo().filtered("cmr_erased")
            if erased or ("cmr_erased" in vals and not self.env.su):
                raise UserError(
                    self.env._(
                        "%(name)s asked to be forgotten: their personal data cannot "
                        "be entered again.",
                        name=(erased or self)[:1].sudo().name,
                    )
                )
        return super().write(vals)

    def action_cmr_request_erasure(self):
        """Staff file the erasure request on the customer's behalf."""
        self.ensure_one()
        erasure = self.env["cmr.privacy.erasure"]._request(self, "staff")
        return {
            "type": "ir.actions.act_window",
            "res_model": "cmr.privacy.erasure",
            "res_id": erasure.id,
            "view_mode": "form",
            "target": "current",
        }
