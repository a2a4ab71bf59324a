from odoo import api, fields, models

from .cmr_input_guard import AMOUNT_MAX


class CmrCareBudget(models.Model):
    """What the gifts to one customer of a tier may cost in a calendar
    year, and the gift given when nothing else suits them."""

    _name = "cmr.care.budget"
    _inherit = ["cmr.input.guard"]
    _description = "Care Gift Budget"
    _order = "tier_id"
    _check_company_auto = True
    _input_number_ranges = {"amount": (0, AMOUNT_MAX)}

    tier_id = fields.Many2one(
        "cmr.tier", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(
        related="tier_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(
        string="Budget per Customer and Year", required=True, default=0.0
    )
    default_product_id = fields.Many2one(
        "product.product",
        string="Default Gift",
        domain=[("cmr_is_gift", "=", True)],
        help="Suggested when the customer has neither interests nor gift "
        "preferences that match a gift.",
    )

    _sql_constraints = [
        ("tier_uniq", "UNIQUE (tier_id)", "A tier has one gift budget."),
        ("amount_positive", "CHECK (amount >= 0)", "A budget cannot be negative."),
    ]

    @api.depends("tier_id", "amount")
    def _compute_display_name(self):
        for budget in self:
            budget.display_name = budget.tier_id.display_name or ""
