from odoo import api, fields, models
from odoo.exceptions import UserError


class CmrPointsAllocation(models.Model):
    """Which earning a redemption, expiry or negative adjustment consumed,
    and how many points of it (append-only, like the ledger)."""

    _name = "cmr.points.allocation"
    _description = "Points Allocation"
    _order = "id"
    # Written only by the ledger's own methods, hundreds of thousands at a
    # time by the expiry run: who and when are on the consuming line.
    _log_access = False

    consumer_line_id = fields.Many2one(
        "cmr.points.line", required=True, index=True, ondelete="restrict", readonly=True
    )
    earn_line_id = fields.Many2one(
        "cmr.points.line", required=True, index=True, ondelete="restrict", readonly=True
    )
    points = fields.Integer(required=True, readonly=True)

    _sql_constraints = [
        ("points_positive", "CHECK(points > 0)", "Allocated points are positive."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        # Lines are appended by the card's methods (earn, redeem, adjust,
        # expire), which check the balance and hold the card's lock, as
        # superuser; never directly by a user or a client.
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
