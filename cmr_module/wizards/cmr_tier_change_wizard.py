from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class CmrTierChangeWizard(models.TransientModel):
    """Put customers in a tier by hand, optionally locked until a date."""

    _name = "cmr.tier.change.wizard"
    _description = "Change or Lock a Customer's Tier"

    standing_ids = fields.Many2many(
        "cmr.partner.tier", string="Customers", required=True
    )
    ladder_id = fields.Many2one("cmr.tier.ladder", compute="_compute_ladder_id")
    tier_id = fields.Many2one(
        "cmr.tier",
        required=True,
        domain="[('ladder_id', '=', ladder_id)]",
    )
    lock = fields.Boolean(
        default=True,
        help="A locked tier holds against evaluations until the date. Without a "
        "lock, the next evaluation may move the customer again.",
    )
    lock_until = fields.Date(string="Locked Until")
    reason = fields.Char(required=True)

    @api.depends("standing_ids")
    def _compute_ladder_id(self):
        for wizard in self:
            wizard.ladder_id = wizard.standing_ids.ladder_id[:1]

    def action_apply(self):
        self.ensure_one()
        if not self.env.user.has_group("cmr_module.group_cmr_manager"):
            raise UserError(self.env._("Only CMR managers can change tiers by hand."))
        # Standings are written by the evaluation and this wizard only (no
        # group may write them directly): the manager must be able to see
        # them, the change itself runs as superuser with a history line.
        self.standing_ids.check_access("read")
        if not (self.reason or "").strip():
            raise ValidationError(self.env._("Say why the tier changes."))
        if len(self.standing_ids.ladder_id) > 1 or (
            self.tier_id.ladder_id != self.standing_ids.ladder_id
        ):
            raise ValidationError(
                self.env._("The tier must belong to the customers' tier ladder.")
            )
        if self.lock and (
            not self.lock_until or self.lock_until < fields.Date.context_today(self)
        ):
            raise ValidationError(
                self.env._("A tier lock needs an expiry date from today on.")
            )
        standings = self.standing_ids.sudo()
        # History first: it reads the tier before the change.
        history = (
            self.env["cmr.tier.history"]
            .sudo()
            ._record_moves(
                [
                    {
                        "standing": standing,
                        "to_tier": self.tier_id,
                        "reason": "lock" if self.lock else "manual",
                        "note": self.reason,
                    }
                    for standing in standings
                ]
            )
        )
        vals = {
            "tier_id": self.tier_id.id,
            "below_count": 0,
            "below_since": False,
            "below_date": False,
        }
        if self.lock:
            vals.update(
                lock_tier_id=self.tier_id.id,
                lock_reason=self.reason,
                lock_until=self.lock_until,
            )
        else:
            # A manual change replaces an earlier lock; kept, the lock would
            # put the old tier back at the next evaluation.
            vals.update(lock_tier_id=False, lock_reason=False, lock_until=False)
        standings.write(vals)
        history.filtered(
            lambda line: line.direction in ("up", "down")
        )._notify_customers()
        return {"type": "ir.actions.act_window_close"}
