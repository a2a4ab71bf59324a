from odoo import models


class ResPartner(models.Model):
    _inherit = "res.partner"

    def action_cmr_timeline(self):
        """The customer's timeline, newest first, one page at a time."""
        self.ensure_one()
        return self.env["cmr.timeline.wizard"]._open_for(self)
