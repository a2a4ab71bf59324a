from odoo import fields, models

from .cmr_alliance import CmrAlliance as AllianceBase

# Bound of the value of one point at erasure (in the field's help too).
POINT_VALUE_MAX = 1000


class CmrAlliance(models.Model):
    """What an erasure does with the alliance's cards (R9)."""

    _inherit = "cmr.alliance"
    _input_number_ranges = dict(
        AllianceBase._input_number_ranges, erasure_point_value=(0, POINT_VALUE_MAX)
    )

    erasure_card_policy = fields.Selection(
        [
            ("forfeit", "Forfeit the balance"),
            ("settle", "Settle the balance (credit note)"),
        ],
        string="Points at Erasure",
        required=True,
        default="forfeit",
        help="What becomes of a member's points when the member's data is erased: "
        "forfeited (the points are taken off the card), or settled (the points "
        "are taken off the card and a draft credit note for their value is made "
        "for the customer, for the accountant to check and post).",
        groups="cmr_module.group_cmr_user",
    )
    erasure_point_value = fields.Float(
        string="Value of a Point at Erasure",
        digits=(16, 4),
        default=0.0,
        help="Amount in the company's currency paid back per point when the "
        f"balance is settled at erasure (0 to {POINT_VALUE_MAX}).",
        groups="cmr_module.group_cmr_user",
    )

    _sql_constraints = [
        (
            "erasure_point_value_range",
            f"CHECK(erasure_point_value >= 0 AND erasure_point_value <= "
            f"{POINT_VALUE_MAX})",
            "The value of a point at erasure is between 0 and 1000.",
        ),
    ]
