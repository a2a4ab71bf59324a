from odoo import api, models
from odoo.exceptions import UserError

# Points of one ledger line, either way: far above any real movement, far
# below what overflows the integer columns of the ledger and the statements.
POINTS_MAX = 100_000_000


class CmrPointsLedgerMixin(models.AbstractModel):
    """Append-only rows of the points ledger (lines and their allocations).

    Rows are appended by the card's methods (earn, redeem, adjust, expire),
    which check the balance and hold the card's lock, as superuser; never
    directly by a user or a client. Nobody changes or deletes them
    (``cmr.append.only.mixin``).
    """

    _name = "cmr.points.ledger.mixin"
    _inherit = ["cmr.append.only.mixin"]
    _description = "CMR Points Ledger Row"

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            self.check_access("create")
            raise UserError(
                self.env._(
                    "Points are earned, redeemed or adjusted from the card, "
                    "not written into the ledger directly."
                )
            )
        return super().create(vals_list)

    def _append_only_hint(self):
        return self.env._(
            "Adjust the card's points instead: the correction is a new line."
        )
