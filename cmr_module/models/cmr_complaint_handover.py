from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .cmr_input_guard import TEXT_MAX


class CmrComplaintHandover(models.Model):
    """A request to move a complaint to a new owner, and its answer.

    Ownership moves only when the new owner accepts; every request stays in
    the complaint's log.
    """

    _name = "cmr.complaint.handover"
    _inherit = ["cmr.input.guard", "cmr.workflow.guard.mixin"]
    _description = "Complaint Handover"
    _order = "create_date desc, id desc"
    _input_text_limits = {"reason": TEXT_MAX}

    complaint_id = fields.Many2one(
        "cmr.complaint", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="complaint_id.company_id", store=True)
    from_user_id = fields.Many2one(
        "res.users",
        string="From",
        readonly=True,
        default=lambda self: self.env.user,
    )
    to_user_id = fields.Many2one("res.users", string="To", required=True)
    reason = fields.Text(required=True, help=f"At most {TEXT_MAX} characters.")
    state = fields.Selection(
        [
            ("pending", "Waiting for Acceptance"),
            ("accepted", "Accepted"),
            ("refused", "Refused"),
            ("cancelled", "Cancelled"),
        ],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    answer_date = fields.Datetime(readonly=True)
    activity_id = fields.Many2one("mail.activity", readonly=True, ondelete="set null")

    @api.constrains("to_user_id", "complaint_id")
    def _check_to_user(self):
        for handover in self:
            complaint = handover.complaint_id
            user = handover.to_user_id
            if user == complaint.user_id:
                raise ValidationError(
                    self.env._(
                        "%(user)s already owns %(complaint)s: hand it over to "
                        "someone else.",
                        user=user.name,
                        complaint=complaint.name,
                    )
                )
            if (
                not user.has_group("cmr_module.group_cmr_user")
                or complaint.company_id not in user.company_ids
            ):
                raise ValidationError(
                    self.env._(
                        "%(user)s has no access to the complaints of %(company)s "
                        "and cannot own %(complaint)s.",
                        user=user.name,
                        company=complaint.company_id.name,
                        complaint=complaint.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            # Who asks is who is logged in, never a name sent by the client.
            for vals in vals_list:
                vals["from_user_id"] = self.env.user.id
                vals.pop("state", None)
        handovers = super().create(vals_list)
        for handover in handovers:
            complaint = handover.complaint_id
            if complaint.state == "closed":
                raise UserError(self.env._("A closed complaint cannot be handed over."))
            if not complaint.user_id:
                raise UserError(
                    self.env._(
                        "Acknowledge %(complaint)s first: an unowned complaint "
                        "belongs to whoever acknowledges it.",
                        complaint=complaint.name,
                    )
                )
            if self.env.user != complaint.user_id and not self.env.user.has_group(
                "cmr_module.group_cmr_manager"
            ):
                raise AccessError(
                    self.env._("Only the owner or a manager can hand a complaint over.")
                )
            if complaint.handover_user_id:
                raise UserError(
                    self.env._(
                        "%(complaint)s already waits for %(user)s to accept it.",
                        complaint=complaint.name,
                        user=complaint.handover_user_id.name,
                    )
                )
            complaint._workflow_write({"handover_user_id": handover.to_user_id.id})
            handover._workflow_write(
                {
                    "activity_id": complaint.activity_schedule(
                        "mail.mail_activity_data_todo",
                        summary=self.env._("Accept or refuse the handover"),
                        note=handover.reason,
                        user_id=handover.to_user_id.id,
                    ).id
                }
            )
            complaint.message_post(
                body=self.env._(
                    "%(from_user)s asks %(to_user)s to take over the complaint: "
                    "%(reason)s",
                    from_user=handover.from_user_id.name,
                    to_user=handover.to_user_id.name,
                    reason=handover.reason,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return handovers

    def _check_workflow_write(self, vals):
        # A request is not edited: it is accepted, refused or cancelled by
        # its buttons, whatever field is written.
        raise UserError(
            self.env._("Accept, refuse or cancel the handover with its buttons.")
        )

    def _check_answerable(self):
        for handover in self:
            if handover.state != "pending":
                raise UserError(self.env._("This handover was already answered."))
            if self.env.user != handover.to_user_id and not self.env.su:
                raise AccessError(
                    self.env._(
                        "Only %(user)s can accept or refuse this handover.",
                        user=handover.to_user_id.name,
                    )
                )

    def action_accept(self):
        """The new owner accepts: ownership moves, the customer is told."""
        self._check_answerable()
        for handover in self:
            complaint = handover.complaint_id.sudo()
            if complaint.handover_user_id != handover.to_user_id:
                raise UserError(
                    self.env._(
                        "%(complaint)s does not wait for %(user)s to take it over.",
                        complaint=complaint.name,
                        user=handover.to_user_id.name,
                    )
                )
            previous = complaint.user_id
            complaint._workflow_write(
                {"user_id": handover.to_user_id.id, "handover_user_id": False}
            )
            complaint.message_subscribe(partner_ids=handover.to_user_id.partner_id.ids)
            handover._set_state("accepted", answer_date=fields.Datetime.now())
            complaint.message_post(
                body=self.env._(
                    "Handover accepted: %(to_user)s takes over from %(from_user)s.",
                    to_user=handover.to_user_id.name,
                    from_user=previous.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
            complaint._notify_new_owner()
        self._close_activities()
        return True

    def action_refuse(self):
        self._check_answerable()
        self._set_state("refused", answer_date=fields.Datetime.now())
        for handover in self:
            handover.complaint_id._workflow_write({"handover_user_id": False})
            handover.complaint_id.sudo().message_post(
                body=self.env._(
                    "%(user)s refused the handover; %(owner)s remains the owner.",
                    user=handover.to_user_id.name,
                    owner=handover.complaint_id.user_id.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        self._close_activities()
        return True

    def action_cancel(self):
        for handover in self:
            if handover.state != "pending":
                raise UserError(self.env._("This handover was already answered."))
            if self.env.user != handover.from_user_id and not self.env.user.has_group(
                "cmr_module.group_cmr_manager"
            ):
                raise AccessError(
                    self.env._("Only who asked for a handover can cancel it.")
                )
        self._set_state("cancelled", answer_date=fields.Datetime.now())
        for handover in self:
            handover.complaint_id._workflow_write({"handover_user_id": False})
        self._close_activities()
        return True

    def _close_activities(self):
        for handover in self.filtered("activity_id"):
            handover.activity_id.sudo().action_feedback(
                feedback=self.env._("Handover answered.")
            )

    def _demo_accept_as(self, user_id):
        """Demo data only: the new owner ``user_id`` accepts the handover."""
        return self.with_user(user_id).action_accept()
