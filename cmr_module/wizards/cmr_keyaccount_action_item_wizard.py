from datetime import timedelta

from odoo import api, fields, models

from ..models.cmr_input_guard import NAME_MAX, TEXT_MAX

# An action item is due this many days after it is given, unless told.
DEFAULT_DELAY_DAYS = 14


class CmrKeyaccountActionItemWizard(models.TransientModel):
    """Give a team member an action item of a key-account review."""

    _name = "cmr.keyaccount.action.item.wizard"
    _inherit = ["cmr.input.guard"]
    _description = "Add a Review Action Item"

    _input_text_limits = {"summary": NAME_MAX, "note": TEXT_MAX}

    review_id = fields.Many2one(
        "cmr.keyaccount.review", required=True, ondelete="cascade"
    )
    member_user_ids = fields.Many2many(
        "res.users", compute="_compute_member_user_ids", string="Team"
    )
    user_id = fields.Many2one(
        "res.users",
        string="Assigned to",
        required=True,
        domain="[('id', 'in', member_user_ids)]",
        help="A member of the key account's team.",
    )
    summary = fields.Char(string="Action Item", required=True)
    date_deadline = fields.Date(
        string="Due Date",
        required=True,
        default=lambda self: (
            fields.Date.context_today(self) + timedelta(days=DEFAULT_DELAY_DAYS)
        ),
    )
    note = fields.Text()

    @api.depends("review_id")
    def _compute_member_user_ids(self):
        for wizard in self:
            wizard.member_user_ids = wizard.review_id.member_ids.user_id

    def action_add(self):
        self.ensure_one()
        self.review_id._add_action_item(
            self.user_id, self.summary, self.date_deadline, note=self.note
        )
        return {"type": "ir.actions.act_window_close"}
