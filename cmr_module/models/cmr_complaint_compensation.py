from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .cmr_input_guard import AMOUNT_MAX, NAME_MAX


class CmrComplaintCompensation(models.Model):
    """Compensation or goodwill granted on a complaint: a credit note, a
    gift or a free service, within the granting user's authority limit or
    approved by a manager."""

    _name = "cmr.complaint.compensation"
    _inherit = ["cmr.input.guard", "cmr.workflow.guard.mixin"]
    _description = "Complaint Compensation"
    _order = "id"
    _check_company_auto = True
    # Set by the grant / approval buttons only.
    _workflow_fields = frozenset(
        {"state", "approved_by_id", "credit_note_id", "requested_by_id"}
    )
    _input_text_limits = {"description": NAME_MAX}
    _input_number_ranges = {"amount": (0, AMOUNT_MAX)}

    complaint_id = fields.Many2one(
        "cmr.complaint", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="complaint_id.company_id", store=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(
        [
            ("credit_note", "Credit Note"),
            ("gift", "Gift"),
            ("free_service", "Free Service"),
        ],
        required=True,
        default="credit_note",
    )
    description = fields.Char(required=True, help=f"At most {NAME_MAX} characters.")
    amount = fields.Monetary(
        help=f"The amount refunded, or the value of the gift, at most {AMOUNT_MAX:,}."
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("to_approve", "Waiting for Approval"),
            ("granted", "Granted"),
            ("refused", "Refused"),
        ],
        default="draft",
        required=True,
        readonly=True,
        index=True,
    )
    requested_by_id = fields.Many2one(
        "res.users", readonly=True, default=lambda s: s.env.user
    )
    approved_by_id = fields.Many2one("res.users", readonly=True)
    credit_note_id = fields.Many2one("account.move", readonly=True, copy=False)

    @api.constrains("kind", "amount")
    def _check_amount(self):
        for line in self:
            if line.amount < 0 or (line.kind == "credit_note" and not line.amount):
                raise ValidationError(
                    self.env._("A credit note needs a positive amount.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                if self._workflow_fields.intersection(vals) - {"requested_by_id"}:
                    raise UserError(
                        self.env._(
                            "A compensation starts as a draft: grant it, or ask "
                            "a manager's approval, with its buttons."
                        )
                    )
                vals["requested_by_id"] = self.env.user.id
        return super().create(vals_list)

    def _check_workflow_write(self, vals):
        if self._workflow_fields.intersection(vals):
            raise UserError(
                self.env._(
                    "Grant a compensation, or ask a manager's approval, with its "
                    "buttons."
                )
            )
        if any(line.state != "draft" for line in self):
            raise UserError(
                self.env._("A compensation can only be changed while it is a draft.")
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_granted(self):
        if any(line.state not in ("draft", "refused") for line in self):
            raise UserError(self.env._("A compensation asked for or granted is kept."))

    def _check_draft(self):
        if any(line.state != "draft" for line in self):
            raise UserError(self.env._("Only draft compensations can be granted."))
        self.complaint_id._check_owner()

    def action_grant(self):
        """Grant within the user's own authority limit. The limit is for the
        whole complaint: what is already granted on it counts, so a large
        compensation cannot be split into small ones."""
        self._check_draft()
        # The complaint's row holds what was granted on it: lock it before
        # reading, so that two grants at the same moment do not both fit in
        # the limit (the second waits, then is retried and sees the first).
        self.complaint_id._lock_for_update()
        self.invalidate_recordset(["state"])
        if any(line.state != "draft" for line in self):
            raise UserError(self.env._("Only draft compensations can be granted."))
        Authority = self.env["cmr.complaint.authority"]
        for complaint in self.complaint_id:
            lines = self.filtered(lambda line, c=complaint: line.complaint_id == c)
            granted = complaint.sudo().compensation_granted
            total = granted + sum(lines.mapped("amount"))
            limit = Authority._limit_for(self.env.user, complaint.company_id)
            if total > limit:
                raise UserError(
                    self.env._(
                        "%(amount)s on %(complaint)s (with %(granted)s already "
                        "granted on it) is above your authority limit of "
                        "%(limit)s: ask a manager to approve it.",
                        amount=lines[0]._format_amount(total),
                        complaint=complaint.name,
                        granted=lines[0]._format_amount(granted),
                        limit=lines[0]._format_amount(limit),
                    )
                )
        self._grant()
        return True

    def action_ask_approval(self):
        self._check_draft()
        self._set_state("to_approve")
        for line in self:
            manager = line.complaint_id._escalation_user()
            line.complaint_id.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Approve a compensation"),
                note=self.env._(
                    "%(description)s: %(amount)s",
                    description=line.description,
                    amount=line._format_amount(line.amount),
                ),
                user_id=manager.id or self.env.user.id,
            )
        return True

    def action_approve(self):
        if not self.env.user.has_group("cmr_module.group_cmr_manager"):
            raise AccessError(self.env._("Only a manager can approve a compensation."))
        if any(line.state != "to_approve" for line in self):
            raise UserError(self.env._("This compensation waits for no approval."))
        self._workflow_write({"approved_by_id": self.env.user.id})
        self._grant()
        return True

    def action_refuse(self):
        if not self.env.user.has_group("cmr_module.group_cmr_manager"):
            raise AccessError(self.env._("Only a manager can refuse a compensation."))
        if any(line.state != "to_approve" for line in self):
            raise UserError(self.env._("This compensation waits for no approval."))
        self._set_state("refused")
        return True

    def _format_amount(self, amount):
        return f"{amount:,.2f} {self.currency_id.name or ''}".strip()

    def _grant(self):
        for line in self:
            values = {}
            if line.kind == "credit_note":
                values["credit_note_id"] = line._create_credit_note().id
            line._set_state("granted", **values)
            line.complaint_id.message_post(
                body=self.env._(
                    "Compensation granted: %(description)s (%(amount)s).",
                    description=line.description,
                    amount=line._format_amount(line.amount),
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _create_credit_note(self):
        """A draft credit note for the customer, linked to the complaint and
        to the invoice concerned."""
        self.ensure_one()
        complaint = self.complaint_id
        invoice = complaint.invoice_id.sudo()
        journal = invoice.journal_id or self.env["account.journal"].sudo().search(
            [("type", "=", "sale"), ("company_id", "=", self.company_id.id)], limit=1
        )
        if not journal:
            raise UserError(
                self.env._("The company has no sales journal for the credit note.")
            )
        # The amount is in the company's currency; the credit note is in the
        # invoice's.
        currency = invoice.currency_id or self.currency_id
        price = self.currency_id._convert(
            self.amount, currency, self.company_id, fields.Date.context_today(self)
        )
        move = (
            self.env["account.move"]
            .sudo()
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "out_refund",
                    "partner_id": (
                        invoice.partner_id or complaint.commercial_partner_id
                    ).id,
                    "journal_id": journal.id,
                    "company_id": self.company_id.id,
                    "currency_id": currency.id,
                    "reversed_entry_id": invoice.id or False,
                    "invoice_origin": complaint.name,
                    "ref": self.env._(
                        "Complaint %(complaint)s", complaint=complaint.name
                    ),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": self.description,
                                "quantity": 1,
                                "price_unit": price,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        move.message_post(
            body=self.env._(
                "Credit note for complaint %(complaint)s.", complaint=complaint.name
            )
        )
        return move
