from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CmrCustomerCategory(models.Model):
    """The churn delay of a customer category (mining center, R7)."""

    _inherit = "cmr.customer.category"

    churn_days = fields.Integer(
        string="Churned after (days)",
        default=0,
        help="Days without a purchase after which a customer of this category "
        "is churned; 0 uses the company's mining policy.",
    )

    @api.constrains("churn_days")
    def _check_churn_days(self):
        for category in self:
            if category.churn_days < 0 or category.churn_days > 3650:
                raise ValidationError(
                    self.env._(
                        "Customer category %(category)s: the churn delay must be "
                        "between 0 (the company's) and 3650 days.",
                        category=category.name,
                    )
                )
