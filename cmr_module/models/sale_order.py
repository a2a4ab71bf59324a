from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _action_cancel(self):
        result = super()._action_cancel()
        # The points the orders earned go back at once, whoever cancels
        # (a salesperson has no rights on the alliance ledger).
        self.env["cmr.points.line"].sudo()._take_back_cancelled_orders(self)
        return result
