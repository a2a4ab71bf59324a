from odoo import models


class ResUsers(models.Model):
    _inherit = "res.users"

    def write(self, vals):
        # At a user's first login Odoo sets their time zone from the browser
        # (res.users._login). A customer's time zone is part of the charter
        # they chose: a browser in another zone must not change it, nor
        # write a change the customer never made into their ledger.
        if set(vals) == {"tz"} and len(self) == 1 and self._cmr_is_login_tz_guess():
            return True
        return super().write(vals)

    def _cmr_is_login_tz_guess(self):
        self.ensure_one()
        user = self.sudo()
        return (
            self.env.uid == user.id
            and user.share
            and not user.login_date
            and bool(user.partner_id.tz)
        )
