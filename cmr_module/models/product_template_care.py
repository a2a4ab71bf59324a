from odoo import fields, models


class ProductTemplate(models.Model):
    """Gifts of the care programme: flagged products, tagged with the
    interests they suit, with their value and a quantity kept by the addon
    (no dependency on stock)."""

    _inherit = "product.template"

    cmr_is_gift = fields.Boolean(
        string="Care Gift", help="Offered as a gift in the care programme."
    )
    cmr_gift_interest_ids = fields.Many2many(
        "cmr.interest",
        "cmr_interest_product_template_rel",
        "product_template_id",
        "interest_id",
        string="Suits Interests",
    )
    cmr_gift_value = fields.Monetary(
        string="Gift Value", help="What one gift counts against the budget."
    )
    cmr_gift_qty = fields.Integer(
        string="Gifts in Hand", help="Gifts left to give; confirming a gift takes one."
    )

    _sql_constraints = [
        (
            "cmr_gift_qty_positive",
            "CHECK (cmr_gift_qty IS NULL OR cmr_gift_qty >= 0)",
            "The quantity of gifts in hand cannot be negative.",
        ),
        (
            "cmr_gift_value_positive",
            "CHECK (cmr_gift_value IS NULL OR cmr_gift_value >= 0)",
            "A gift's value cannot be negative.",
        ),
    ]
