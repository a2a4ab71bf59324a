from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .cmr_input_guard import AMOUNT_MAX


class CmrComplaintAuthority(models.Model):
    """How much compensation a user, or the members of a group, may grant on
    their own. Above it a manager approves."""

    _name = "cmr.complaint.authority"
    _inherit = ["cmr.input.guard"]
    _description = "Compensation Authority Limit"
    _order = "company_id, max_amount desc, id"
    _check_company_auto = True
    _input_number_ranges = {"max_amount": (0, AMOUNT_MAX)}

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one("res.users", index=True, ondelete="cascade")
    group_id = fields.Many2one("res.groups", index=True, ondelete="cascade")
    max_amount = fields.Monetary(
        string="Maximum Amount",
        required=True,
        help="The most this user or group may grant for one complaint, all its "
        f"compensations together, without a manager's approval; at most "
        f"{AMOUNT_MAX:,}.",
    )

    @api.constrains("user_id", "group_id", "max_amount")
    def _check_target(self):
        for limit in self:
            if bool(limit.user_id) == bool(limit.group_id):
                raise ValidationError(
                    self.env._("An authority limit is for one user or one group.")
                )
            if limit.max_amount < 0:
                raise ValidationError(
                    self.env._("An authority limit cannot be negative.")
                )

    @api.model
    def _limit_for(self, user, company):
        """The user's own limit, else the highest of their groups', else 0."""
        limits = self.sudo().search(
            [
                ("company_id", "=", company.id),
                "|",
                ("user_id", "=", user.id),
                ("group_id", "in", user.groups_id.ids),
            ]
        )
        own = limits.filtered(lambda limit: limit.user_id == user)
        if own:
            return own[0].max_amount
        return max(limits.mapped("max_amount"), default=0.0)
