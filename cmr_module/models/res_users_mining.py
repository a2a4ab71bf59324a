from odoo import models


class ResUsers(models.Model):
    """A customer closing their portal account may say why (mining center,
    R7): the reason is recorded as a churn reason of their company."""

    _inherit = "res.users"

    def _deactivate_portal_user(self, **post):
        reason_id = post.pop("cmr_churn_reason_id", False)
        note = post.pop("cmr_churn_note", False)
        partners = self.partner_id
        result = super()._deactivate_portal_user(**post)
        if reason_id:
            Record = self.env["cmr.mining.churn.record"]
            for partner in partners:
                Record._record_from_portal(partner, reason_id, note)
        return result
