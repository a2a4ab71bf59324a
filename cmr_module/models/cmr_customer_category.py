from odoo import fields, models


class CmrCustomerCategory(models.Model):
    """Business type of a customer (residential gas, CNG bus fleet, ...).

    Tier ladders may weigh their criteria differently per category.
    """

    _name = "cmr.customer.category"
    _inherit = "cmr.code.mixin"
    _description = "Customer Category"

    description = fields.Text(translate=True)
    partner_count = fields.Integer(string="Customers", compute="_compute_partner_count")

    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("cmr_category_id", "in", self.ids)],
                ["cmr_category_id"],
                ["__count"],
            )
        )
        for category in self:
            category.partner_count = counts.get(category, 0)

    def action_view_partners(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cmr_module.res_partner_action_cmr_customers"
        )
        action["domain"] = [("cmr_category_id", "=", self.id)]
        return action
