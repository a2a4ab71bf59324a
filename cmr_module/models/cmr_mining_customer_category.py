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

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_churn_days_value(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_churn_days_value(vals)
        return super().write(vals)

    @api.model
    def _check_churn_days_value(self, vals):
        """Refuse a bad delay before anything is written (forms and RPC)."""
        days = vals.get("churn_days")
        if days is not None and days is not False and not 0 <= days <= 3650:
            raise ValidationError(
                self.env._(
                    "The churn delay must be between 0 (the company's) and 3650 days."
                )
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
