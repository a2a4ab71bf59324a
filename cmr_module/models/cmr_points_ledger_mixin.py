from odoo import api, models
from odoo.exceptions import UserError

# Points of one ledger line, either way: far above any real movement, far
# below what overflows the integer columns of the ledger and the statements.
POINTS_MAX = 100_000_000


class CmrPointsLedgerMixin(models.AbstractModel):
    """Append-only rows of the points ledger (lines and their allocations).

    Rows are appended by the card's methods (earn, redeem, adjust, expire),
    which check the balance and hold the card's lock, as superuser; never
    directly by a user or a client. Nobody changes or deletes them.
    """

    _name = "cmr.points.ledger.mixin"
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

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(
            self.env._("The points ledger is append-only: lines cannot be changed.")
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._("The points ledger is append-only: lines cannot be deleted.")
        )
