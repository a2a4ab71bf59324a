from odoo import fields, models


class CmrPointsAllocation(models.Model):
    """Which earning a redemption, expiry or negative adjustment consumed,
    and how many points of it (append-only, like the ledger)."""

    _name = "cmr.points.allocation"
    _inherit = ["cmr.points.ledger.mixin"]
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
