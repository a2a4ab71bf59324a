import uuid
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from .cmr_complaint_selections import (
    CHANNELS_RECEIVED,
    FACTOR_TYPES,
    OPEN_STATES,
    PRIORITIES,
    STATES,
)
from .cmr_input_guard import (
    CONTROL_CHARACTERS,
    LONG_TEXT_MAX,
    NAME_MAX,
    TEXT_MAX,
    has_control_characters,
)

# Complaints the scheduled actions handle per transaction.
ESCALATION_BATCH = 2000
AUTO_CLOSE_BATCH = 500

# Set by the complaint's workflow only (buttons, scheduled actions), never
# by a plain write: the owner, the stage and what the KPIs are made of.
WORKFLOW_FIELDS = frozenset(
    {
        "user_id",
        "state",
        "handover_user_id",
        "acknowledge_date",
        "answer_date",
        "close_date",
        "reopen_date",
        "reopen_count",
        "timeliness",
        "reminded_deadline",
        "escalated_deadline",
        "breached",
        "breach_date",
        "breach_count",
        "ack_deadline",
        "reply_deadline",
        "sla_id",
        "closing_rating_id",
    }
)


def check_customer_text(env, text, limit, length=None):
    """Refuse, with a translated UserError, a text a customer typed that is
    longer than ``limit`` (``length`` characters as shown, ``text``'s own
    length by default) or holds control characters (the portal's forms and
    chatter, the rating page's feedback)."""
    length = len(text) if length is None else length
    if has_control_characters(text):
        raise UserError(
            env._("Your text contains control characters: remove them and try again.")
        )
    # What the browser sent was not UTF-8: werkzeug replaced it.
    if "\ufffd" in text:
        raise UserError(
            env._("Your text contains characters we could not read: type it again.")
        )
    if length > limit:
        raise UserError(
            env._(
                "Your text is too long: %(length)s characters, at most %(limit)s.",
                length=length,
                limit=limit,
            )
        )


# Files a customer attaches at once (filing form, chatter post), and their size.
MAX_FILES = 5
MAX_FILE_SIZE = 10 * 1024 * 1024
# A chatter post's HTML may hold markup around its text, but not megabytes.
MAX_POST_HTML = 4 * TEXT_MAX


# Internal to the complaint desk: the portal shows none of these, so a portal
# user cannot read them over RPC either.
STAFF = "cmr_module.group_cmr_user"


class CmrComplaint(models.Model):
    """A customer's complaint, owned by the employee who first received it.

    The owner stays accountable until the complaint is closed: helpers can
    be added, but ownership moves only through a handover the new owner
    accepts. Complaints filed in the portal or by e-mail wait, unowned, in a
    queue with their own deadline until an employee acknowledges them.
    """

    _name = "cmr.complaint"
    _description = "Customer Complaint"
    _inherit = [
        "portal.mixin",
        "rating.mixin",
        "mail.activity.mixin",
        "cmr.input.guard",
        "cmr.workflow.guard.mixin",
    ]
    # Without the staff-only priority and deadline, so that a portal user's
    # search keeps its default order; the desk's views sort by them.
    _order = "date_received desc, id desc"
    _check_company_auto = True
    _workflow_fields = WORKFLOW_FIELDS
    # Portal filing: how many of the customer's latest orders and invoices
    # are offered.
    _portal_documents_limit = 50
    _input_text_limits = {
        "name": NAME_MAX,
        "subject": NAME_MAX,
        "description": LONG_TEXT_MAX,
        "resolution": LONG_TEXT_MAX,
        "root_cause": TEXT_MAX,
    }

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/"
    )
    # Made with the complaint, not on the first view of its page: the pages
    # only read (read replica).
    access_token = fields.Char(copy=False, default=lambda self: str(uuid.uuid4()))
    subject = fields.Char(
        required=True, tracking=True, help=f"At most {NAME_MAX} characters."
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True
    )
    channel_received = fields.Selection(
        CHANNELS_RECEIVED,
        required=True,
        default="phone",
        string="Received By",
        groups=STAFF,
    )
    category_id = fields.Many2one(
        "cmr.complaint.category", index=True, tracking=True, check_company=True
    )
    factor_type = fields.Selection(
        FACTOR_TYPES,
        index=True,
        tracking=True,
        groups=STAFF,
        help="Basic: an expected feature is missing; value: the customer gets "
        "less than paid for; dissatisfaction: what the customer feels (attitude, "
        "waiting); secondary: side services around the product.",
    )
    priority = fields.Selection(
        PRIORITIES,
        default="0",
        index=True,
        groups=STAFF,
    )
    description = fields.Html(help=f"At most {LONG_TEXT_MAX} characters.")
    resolution = fields.Html(
        help=f"The answer sent to the customer, at most {LONG_TEXT_MAX} characters.",
        groups=STAFF,
    )
    root_cause = fields.Text(help=f"At most {TEXT_MAX} characters.", groups=STAFF)
    sale_order_id = fields.Many2one(
        "sale.order",
        check_company=True,
        domain="[('partner_id', 'child_of', commercial_partner_id)]",
    )
    invoice_id = fields.Many2one(
        "account.move",
        check_company=True,
        domain="[('move_type', 'in', ('out_invoice', 'out_refund')), "
        "('commercial_partner_id', '=', commercial_partner_id)]",
    )
    concerned_user_id = fields.Many2one(
        "res.users",
        string="Employee Concerned",
        help="The employee the complaint is about (staff attitude).",
        groups="cmr_module.group_cmr_user",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        index=True,
        tracking=True,
        readonly=True,
        copy=False,
        help="The first responder: accountable until the complaint is closed.",
    )
    helper_ids = fields.Many2many(
        "res.users",
        "cmr_complaint_helper_rel",
        "complaint_id",
        "user_id",
        string="Helpers",
        help="Colleagues who help the owner; the owner stays accountable.",
        groups="cmr_module.group_cmr_user",
    )
    team_id = fields.Many2one(
        "crm.team",
        index=True,
        check_company=True,
        help="The team that helps; its leader is told of breaches.",
        groups=STAFF,
    )
    handover_ids = fields.One2many(
        "cmr.complaint.handover", "complaint_id", groups="cmr_module.group_cmr_user"
    )
    compensation_ids = fields.One2many(
        "cmr.complaint.compensation",
        "complaint_id",
        string="Compensations",
        groups=STAFF,
    )
    currency_id = fields.Many2one(related="company_id.currency_id", groups=STAFF)
    compensation_granted = fields.Monetary(
        compute="_compute_compensation_granted",
        store=True,
        help="All the compensations granted on the complaint: the authority "
        "limits count them together.",
        groups=STAFF,
    )
    handover_user_id = fields.Many2one(
        "res.users",
        string="Handover Pending To",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups=STAFF,
    )
    state = fields.Selection(
        STATES,
        default="new",
        required=True,
        index=True,
        tracking=True,
        group_expand="_group_expand_state",
    )
    date_received = fields.Datetime(
        string="Received On", required=True, default=fields.Datetime.now
    )
    reply_channel_id = fields.Many2one(
        "cmr.channel",
        required=True,
        help="How the customer wants the answer.",
    )
    reply_by = fields.Datetime(
        string="Customer's Reply-by", help="When the customer wants the answer."
    )
    sla_id = fields.Many2one(
        "cmr.complaint.sla",
        string="Service Level",
        compute="_compute_deadlines",
        store=True,
        readonly=True,
        groups=STAFF,
    )
    ack_deadline = fields.Datetime(
        string="Acknowledge By",
        compute="_compute_deadlines",
        store=True,
        groups=STAFF,
    )
    reply_deadline = fields.Datetime(
        compute="_compute_deadlines",
        store=True,
        tracking=True,
        help="The earlier of the customer's reply-by time and the service level, "
        "in business hours.",
    )
    deadline = fields.Datetime(
        compute="_compute_deadline",
        store=True,
        index=True,
        help="The next deadline: acknowledging for new complaints, the reply "
        "afterwards.",
        groups=STAFF,
    )
    reminder_date = fields.Datetime(
        compute="_compute_deadline", store=True, index=True, groups=STAFF
    )
    reminded_deadline = fields.Datetime(
        readonly=True,
        copy=False,
        help="The deadline the owner was last reminded of: a new deadline "
        "(acknowledged, reopened) gets a new reminder.",
        groups="cmr_module.group_cmr_user",
    )
    escalated_deadline = fields.Datetime(
        readonly=True,
        copy=False,
        help="The deadline whose breach was last escalated: a reopened "
        "complaint that misses its new deadline is escalated again.",
        groups="cmr_module.group_cmr_user",
    )
    breached = fields.Boolean(
        readonly=True,
        copy=False,
        index=True,
        help="A deadline was missed. The flag is kept after the answer.",
        groups=STAFF,
    )
    breach_date = fields.Datetime(
        string="First Breach",
        readonly=True,
        copy=False,
        groups="cmr_module.group_cmr_user",
    )
    breach_count = fields.Integer(
        string="Breaches",
        readonly=True,
        copy=False,
        aggregator="sum",
        help="How many deadlines of this complaint were missed.",
        groups="cmr_module.group_cmr_user",
    )
    acknowledge_date = fields.Datetime(readonly=True, copy=False, groups=STAFF)
    answer_date = fields.Datetime(readonly=True, copy=False, groups=STAFF)
    close_date = fields.Datetime(readonly=True, copy=False, groups=STAFF)
    closing_rating_id = fields.Many2one(
        "rating.rating",
        string="Rating of this Closing",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The customer's rating since the complaint was last closed: one "
        "per closing, cleared when it is reopened.",
        groups=STAFF,
    )
    reopen_date = fields.Datetime(
        string="Last Reopened",
        readonly=True,
        copy=False,
        help="A reopened complaint's reply deadline counts from here.",
        groups=STAFF,
    )
    reopen_count = fields.Integer(
        readonly=True, copy=False, aggregator="sum", groups=STAFF
    )
    timeliness = fields.Float(
        string="Timeliness (%)",
        readonly=True,
        copy=False,
        aggregator="avg",
        help="100 when the last answer left by the reply deadline, 0 when late.",
        groups="cmr_module.group_cmr_user",
    )

    can_edit = fields.Boolean(
        compute="_compute_can_edit",
        help="Whether you may change the complaint: its owner, helpers and "
        "team, and managers; other agents only read it.",
        groups=STAFF,
    )

    show_breached = fields.Boolean(
        compute="_compute_show_breached",
        help="Breached, as the lists show it: always off for whoever may not "
        "read breaches (the portal).",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends_context("uid")
    def _compute_show_breached(self):
        staff = self.env.user.has_group(STAFF)
        for complaint in self:
            complaint.show_breached = staff and complaint.sudo().breached

    @api.depends_context("uid")
    def _compute_can_edit(self):
        saved = self.filtered("id")
        editable = saved._filtered_access("write")
        for complaint in self:
            complaint.can_edit = complaint in editable or complaint not in saved

    @api.model
    def _group_expand_state(self, states, domain):
        return [key for key, _label in STATES]

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for complaint in self:
            complaint.access_url = f"/my/complaints/{complaint.id}"
        return result

    @api.depends("compensation_ids.state", "compensation_ids.amount")
    def _compute_compensation_granted(self):
        for complaint in self:
            complaint.compensation_granted = sum(
                line.amount
                for line in complaint.compensation_ids
                if line.state == "granted"
            )

    @api.depends(
        "date_received",
        "reply_by",
        "reopen_date",
        "partner_id",
        "category_id",
        "company_id",
    )
    def _compute_deadlines(self):
        """Deadlines = service level hours in business hours from intake,
        the reply one capped by the customer's own time."""
        Sla = self.env["cmr.complaint.sla"].sudo()
        by_company = defaultdict(lambda: self.browse())
        for complaint in self:
            by_company[complaint.company_id] |= complaint
        for company, complaints in by_company.items():
            policies = Sla.search([("company_id", "=", company.id)])
            partners = complaints.partner_id.with_company(company)
            tiers = {partner.id: partner.cmr_tier_id for partner in partners}
            for complaint in complaints:
                tier = tiers.get(complaint.partner_id.id, self.env["cmr.tier"])
                sla = policies._best_for(tier, complaint.category_id)
                complaint.sla_id = sla
                start = complaint.date_received or fields.Datetime.now()
                if sla:
                    calendar = sla._working_calendar()
                    ack = calendar.plan_hours(
                        sla.first_response_hours, start, compute_leaves=True
                    )
                    reply = calendar.plan_hours(
                        sla.resolution_hours, start, compute_leaves=True
                    )
                else:
                    ack = reply = False
                if complaint.reply_by:
                    reply = (
                        min(reply, complaint.reply_by) if reply else complaint.reply_by
                    )
                    ack = min(ack, reply) if ack else False
                if complaint.reopen_date:
                    # Reopened: a fresh resolution time from the reopening.
                    reply = (
                        calendar.plan_hours(
                            sla.resolution_hours,
                            complaint.reopen_date,
                            compute_leaves=True,
                        )
                        if sla
                        else False
                    )
                complaint.ack_deadline = ack
                complaint.reply_deadline = reply

    @api.depends("state", "ack_deadline", "reply_deadline", "sla_id.reminder_hours")
    def _compute_deadline(self):
        for complaint in self:
            if complaint.state == "new":
                deadline = complaint.ack_deadline or complaint.reply_deadline
            elif complaint.state in OPEN_STATES:
                deadline = complaint.reply_deadline
            else:
                deadline = False
            complaint.deadline = deadline
            complaint.reminder_date = deadline and deadline - timedelta(
                hours=complaint.sla_id.reminder_hours
            )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("reply_by")
    def _check_reply_by(self):
        now = fields.Datetime.now()
        for complaint in self:
            if complaint.reply_by and complaint.reply_by < now - timedelta(minutes=1):
                raise ValidationError(
                    self.env._(
                        "The reply-by time %(moment)s is in the past: ask the "
                        "customer for a time to come.",
                        moment=complaint.reply_by,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        # The employee who records a complaint owns it; intake from the
        # portal or e-mail waits unowned until someone acknowledges it.
        unowned = self.env.context.get("cmr_complaint_unowned")
        first_responder = (
            self.env.user
            if self.env.user._is_internal()
            and not unowned
            and self.env.user.has_group("cmr_module.group_cmr_user")
            else self.env["res.users"]
        )
        for vals in vals_list:
            if unowned:
                vals.pop("user_id", None)
            elif not vals.get("user_id") and first_responder:
                vals["user_id"] = first_responder.id
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(
                    vals.get("company_id") or self.env.company.id
                )
                vals["name"] = self.env["ir.sequence"].with_company(
                    company
                ).next_by_code("cmr.complaint") or self.env._("New")
            if vals.get("user_id") and not vals.get("team_id"):
                user = self.env["res.users"].browse(vals["user_id"])
                vals["team_id"] = user.sudo().sale_team_id.id
        complaints = super().create(vals_list)
        owned = complaints.filtered("user_id")
        for complaint in owned:
            complaint.message_subscribe(partner_ids=complaint.user_id.partner_id.ids)
        return complaints

    def _check_workflow_write(self, vals):
        # The owner, the stage and what the KPIs are made of: each refusal
        # says what to do instead.
        if "user_id" in vals:
            if any(complaint.user_id for complaint in self):
                raise UserError(
                    self.env._(
                        "The owner of a complaint stays accountable until it is "
                        "closed: nobody can clear or replace them. Hand the "
                        "complaint over instead; it moves when the new owner "
                        "accepts."
                    )
                )
            raise UserError(
                self.env._(
                    "An unowned complaint is owned by the first employee who "
                    "acknowledges it."
                )
            )
        if "state" in vals:
            raise UserError(
                self.env._("Use the buttons of the complaint to change its stage.")
            )
        if self._workflow_fields.intersection(vals):
            raise UserError(
                self.env._(
                    "Deadlines, breaches and answer dates are kept by the "
                    "complaint's workflow; they cannot be changed by hand."
                )
            )
        if "date_received" in vals and any(
            complaint.state != "new" for complaint in self
        ):
            raise UserError(
                self.env._(
                    "The reception date of an acknowledged complaint is fixed: "
                    "its deadlines count from it."
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_recorded(self):
        raise UserError(
            self.env._(
                "Complaints are kept: nobody loses a complaint. Close it instead."
            )
        )

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A complaint by e-mail: unowned until acknowledged, answered by
        e-mail unless the customer says otherwise. An unknown sender becomes
        a contact, so the complaint has a customer."""
        values = dict(custom_values or {})
        email_channel = self.env["cmr.channel"].search(
            [("code", "=", "email")], limit=1
        )
        # A mail is not refused for a long subject or body: the subject is
        # cut to its bound, and a body too long for the description stays in
        # the mail that lands in the chatter.
        subject = CONTROL_CHARACTERS.sub("", msg_dict.get("subject") or "").strip()
        values.setdefault("subject", subject[:NAME_MAX] or self.env._("No subject"))
        # The reference comes from the sequence, not from the subject.
        values.setdefault("name", "/")
        values.setdefault("channel_received", "email")
        values.setdefault("reply_channel_id", email_channel.id)
        body = msg_dict.get("body") or ""
        if len(body) <= LONG_TEXT_MAX and not has_control_characters(body):
            values.setdefault("description", body)
        if not values.get("partner_id"):
            partner = self.env["res.partner"].browse(msg_dict.get("author_id"))
            if not partner and msg_dict.get("email_from"):
                partner = self._mail_find_partner_from_emails(
                    [msg_dict["email_from"]], force_create=True
                )[0]
            values["partner_id"] = partner.id
        if values.get("partner_id") and not values.get("company_id"):
            partner = self.env["res.partner"].browse(values["partner_id"])
            values["company_id"] = (partner.company_id or self.env.company).id
        # The customer does not follow it: what they receive goes through the
        # contact gate, on the channel they chose. Their e-mail replies still
        # land on it (by the message references).
        return super(
            CmrComplaint,
            self.with_context(cmr_complaint_unowned=True, mail_create_nosubscribe=True),
        ).message_new(msg_dict, custom_values=values)

    def message_post(self, **kwargs):
        # Mail from the customer (a new complaint or a reply) and their posts
        # in the portal's chatter do not make them a follower: what we send
        # them goes through the contact gate.
        thread = self
        customer = not self.env.user._is_internal()
        if self.env.context.get("from_alias") or customer:
            thread = self.with_context(
                mail_create_nosubscribe=True, mail_post_autofollow=False
            )
        if customer:
            self._check_customer_post(kwargs.get("body"), kwargs.get("attachment_ids"))
        # What the customer posts in the chatter (the thread comes from
        # _get_thread_with_access) is a comment on an open complaint; the
        # addon's own messages in their name keep their type (confirmation,
        # rating).
        if customer and self.env.context.get("cmr_customer_post"):
            if self.state == "closed":
                raise UserError(
                    self.env._("This complaint is closed: reopen it to write to us.")
                )
            kwargs.pop("subtype_id", None)
            kwargs.update(message_type="comment", subtype_xmlid="mail.mt_comment")
        return super(CmrComplaint, thread).message_post(**kwargs)

    def _message_post_after_hook(self, message, msg_values):
        # The files of a message get their download token when posted, not
        # when the customer's page lists them: that page only reads.
        message.attachment_ids.sudo().filtered(
            lambda a: not a.access_token
        ).generate_access_token()
        return super()._message_post_after_hook(message, msg_values)

    def _check_customer_post(self, body, attachment_ids=None):
        """Bound what a customer writes in the chatter, as the filing form
        bounds it: the text, its markup, and the files attached to it."""
        self.ensure_one()
        body = body or ""
        shown = body.striptags() if isinstance(body, Markup) else str(body)
        check_customer_text(self.env, str(body), TEXT_MAX, length=len(shown))
        if len(str(body)) > MAX_POST_HTML:
            raise UserError(self.env._("Your message is too long."))
        attachments = self.env["ir.attachment"].sudo().browse(attachment_ids or [])
        if len(attachments) > MAX_FILES:
            raise UserError(
                self.env._(
                    "Attach at most %(count)s files to a message.", count=MAX_FILES
                )
            )
        for attachment in attachments:
            check_customer_text(self.env, attachment.name or "", NAME_MAX)
            if attachment.file_size > MAX_FILE_SIZE:
                raise UserError(
                    self.env._(
                        "The file %(name)s is too large: at most %(size)s MB.",
                        name=attachment.name,
                        size=MAX_FILE_SIZE // (1024 * 1024),
                    )
                )

    def _message_update_content(
        self,
        message,
        body,
        attachment_ids=None,
        partner_ids=None,
        strict=True,
        **kwargs,
    ):
        # A customer's edit is bounded like their post (a rating updates its
        # own message, not strictly).
        if strict and not self.env.user._is_internal():
            if self.sudo().state == "closed":
                raise UserError(
                    self.env._("This complaint is closed: reopen it to write to us.")
                )
            self._check_customer_post(body, attachment_ids)
        return super()._message_update_content(
            message,
            body,
            attachment_ids=attachment_ids,
            partner_ids=partner_ids,
            strict=strict,
            **kwargs,
        )

    def _message_subscribe(self, partner_ids=None, subtype_ids=None, customer_ids=None):
        # Only staff follow a complaint: the customer (and anyone outside the
        # company) hears from us through the contact gate, never by a
        # follower's notification, whoever tries to subscribe them.
        if partner_ids:
            partners = self.env["res.partner"].sudo().browse(partner_ids)
            partner_ids = partners.filtered(
                lambda partner: any(user._is_internal() for user in partner.user_ids)
            ).ids
        return super()._message_subscribe(
            partner_ids=partner_ids, subtype_ids=subtype_ids, customer_ids=customer_ids
        )

    @api.model
    def _get_thread_with_access(self, thread_id, mode="read", **kwargs):
        """Reading with a link's token is for whoever holds it; writing in
        the chatter without the write access of staff is for the complaint's
        customer and their company's contacts only."""
        thread = super()._get_thread_with_access(thread_id, mode, **kwargs)
        if not thread or mode == "read" or thread.sudo(False).has_access(mode):
            return thread
        # A closed complaint takes no more posts or files: reopening it does.
        if thread._is_customer_side(self.env.user) and thread.sudo().state != "closed":
            return thread.with_context(cmr_customer_post=True)
        return self.browse()

    def _is_customer_side(self, user):
        """Whether ``user`` acts on the complaint as its customer: the
        customer or a contact of their company, logged in. Not whoever holds
        the link's token, and not staff, who may only see some complaints and
        work on them in the back office."""
        self.ensure_one()
        return (
            user.share
            and not user._is_public()
            and self.sudo().partner_id.commercial_partner_id
            == user.partner_id.commercial_partner_id
        )

    # ------------------------------------------------------------------
    # Stage changes
    # ------------------------------------------------------------------
    def _check_owner(self):
        """Only the owner, a helper or a manager may move the complaint."""
        if self.env.su or self.env.user.has_group("cmr_module.group_cmr_manager"):
            return
        for complaint in self:
            if self.env.user not in complaint._helping_users():
                raise AccessError(
                    self.env._(
                        "Only the owner of %(complaint)s, their helpers or a "
                        "manager may do this.",
                        complaint=complaint.name,
                    )
                )

    def _flag_late(self):
        """Deadlines missed since the last escalation run count as breaches
        (the complaint is being dealt with now: no escalation)."""
        now = fields.Datetime.now()
        for complaint in self:
            if (
                complaint.deadline
                and complaint.deadline < now
                and complaint.escalated_deadline != complaint.deadline
            ):
                complaint._workflow_write(
                    {
                        "breached": True,
                        "breach_date": complaint.breach_date or now,
                        "breach_count": complaint.breach_count + 1,
                        "escalated_deadline": complaint.deadline,
                    }
                )

    def _helping_users(self):
        """The owner and whoever helps: helpers, the team and its leader."""
        self.ensure_one()
        team = self.sudo().team_id
        return self.user_id | self.helper_ids | team.user_id | team.member_ids

    def action_acknowledge(self):
        """Acknowledge: an unowned complaint becomes the acknowledger's."""
        if any(complaint.state != "new" for complaint in self):
            raise UserError(self.env._("Only new complaints can be acknowledged."))
        user = self.env.user
        unowned = self.filtered(lambda c: not c.user_id)
        if unowned and not user.has_group("cmr_module.group_cmr_user"):
            raise AccessError(
                self.env._("Only customer-service staff can take a complaint.")
            )
        (self - unowned)._check_owner()
        self._flag_late()
        now = fields.Datetime.now()
        if unowned:
            unowned._workflow_write({"user_id": user.id})
            for complaint in unowned.filtered(lambda c: not c.team_id):
                complaint.team_id = user.sale_team_id
            unowned.message_subscribe(partner_ids=user.partner_id.ids)
        self._set_state("acknowledged", acknowledge_date=now)
        for complaint in self:
            complaint.message_post(
                body=self.env._(
                    "We have received your complaint; %(owner)s is in charge of "
                    "it and will answer by %(deadline)s.",
                    owner=complaint.user_id.name,
                    deadline=complaint._format_datetime(complaint.reply_deadline),
                ),
                subtype_xmlid="mail.mt_comment",
            )
        return True

    def action_start(self):
        if any(c.state not in ("acknowledged", "reopened") for c in self):
            raise UserError(
                self.env._("Only acknowledged or reopened complaints can be started.")
            )
        self._check_owner()
        self._set_state("in_progress")
        return True

    def action_answer(self):
        """Send the resolution on the channel the customer chose."""
        for complaint in self:
            if complaint.state not in ("acknowledged", "in_progress", "reopened"):
                raise UserError(
                    self.env._(
                        "Complaint %(complaint)s cannot be answered at this stage.",
                        complaint=complaint.name,
                    )
                )
            if not complaint.resolution or not complaint.resolution.striptags().strip():
                raise UserError(
                    self.env._(
                        "Write the resolution of %(complaint)s before answering.",
                        complaint=complaint.name,
                    )
                )
        self._check_owner()
        self._flag_late()
        now = fields.Datetime.now()
        on_time = self.filtered(
            lambda c: not c.reply_deadline or now <= c.reply_deadline
        )
        on_time._set_state("answered", answer_date=now, timeliness=100.0)
        (self - on_time)._set_state("answered", answer_date=now, timeliness=0.0)
        self._send_reply()
        # The deadline's reminders and escalations are dealt with.
        self.activity_feedback(
            [
                "cmr_module.mail_activity_type_cmr_complaint_reminder",
                "cmr_module.mail_activity_type_cmr_complaint_breach",
            ],
            feedback=self.env._("Answered."),
        )
        return True

    def action_confirm(self):
        """The customer is satisfied with the answer: close."""
        if any(c.state != "answered" for c in self):
            raise UserError(self.env._("Only answered complaints can be confirmed."))
        self._set_state("closed", close_date=fields.Datetime.now())
        for complaint in self:
            complaint.message_post(
                body=self.env._("The customer confirmed the answer; complaint closed."),
                subtype_xmlid="mail.mt_note",
            )
        if not self.env.user.share:
            # Confirmed by phone or at the counter: ask for the rating. In the
            # portal the customer rates on the complaint's page (the portal
            # acts as superuser on behalf of the logged-in customer, who stays
            # the environment's user).
            self._request_rating()
        return True

    def _is_rated(self):
        """Rated since it was last closed (a reopened complaint is rated
        again)."""
        self.ensure_one()
        return bool(self.sudo().closing_rating_id)

    def _lock_for_update(self):
        """Lock the complaints' rows until the transaction ends, before
        reading what concurrent requests may change (its rating, what was
        granted on it): a second request waits, and is retried when the first
        changed the row."""
        if self.ids:
            self.env.execute_query(
                SQL(
                    "SELECT id FROM cmr_complaint WHERE id IN %s FOR NO KEY UPDATE",
                    tuple(self.ids),
                )
            )
        self.invalidate_recordset()

    def _request_rating(self):
        """Ask each customer, on the channel they chose and through the
        contact gate, to rate the handling on Odoo's rating page (no login
        needed): one contact per complaint, sent by channel in batches."""
        topic = self.env.ref(
            "cmr_module.cmr_topic_relationship", raise_if_not_found=False
        )
        labels = (
            (5, self.env._("Satisfied")),
            (3, self.env._("Okay")),
            (1, self.env._("Dissatisfied")),
        )
        tokens = self.sudo()._rating_tokens()
        pending = self.sudo()
        while pending:
            # One complaint per customer and channel in each batch: the
            # contact log takes one message per customer per call.
            batch, seen = self.browse().sudo(), set()
            for complaint in pending:
                key = (complaint.partner_id.id, complaint.reply_channel_id.id)
                if key not in seen:
                    seen.add(key)
                    batch |= complaint
            pending -= batch
            for company, channel in {(c.company_id, c.reply_channel_id) for c in batch}:
                complaints = batch.filtered(
                    lambda c, co=company, ch=channel: (
                        c.company_id == co and c.reply_channel_id == ch
                    )
                )
                subjects, bodies, origins = {}, {}, {}
                for complaint in complaints:
                    partner = complaint.partner_id
                    token = tokens[complaint.id]
                    base_url = complaint.get_base_url()
                    links = Markup(" · ").join(
                        Markup('<a href="%s/rate/%s/%s">%s</a>')
                        % (base_url, token, score, label)
                        for score, label in labels
                    )
                    subjects[partner.id] = self.env._(
                        "How did we handle your complaint %(complaint)s?",
                        complaint=complaint.name,
                    )
                    bodies[partner.id] = Markup("<p>%s</p><p>%s</p>") % (
                        self.env._(
                            "Your complaint %(complaint)s is closed. How did we "
                            "handle it?",
                            complaint=complaint.name,
                        ),
                        links,
                    )
                    origins[partner.id] = complaint
                self.env["cmr.contact"].with_company(company)._send(
                    complaints.partner_id,
                    channel,
                    topic,
                    subjects,
                    bodies,
                    origin=origins,
                )
        return True

    def _rating_tokens(self):
        """{complaint id: access token} of an open rating request for each
        complaint's customer: the existing ones reused, the missing ones
        created in one batch (what ``_rating_get_access_token`` does one
        complaint at a time)."""
        Rating = self.env["rating.rating"].sudo()
        tokens = {}
        for rating in Rating.search(
            [
                ("res_model", "=", self._name),
                ("res_id", "in", self.ids),
                ("consumed", "=", False),
            ]
        ):
            tokens.setdefault((rating.res_id, rating.partner_id.id), rating)
        missing = self.filtered(lambda c: (c.id, c.partner_id.id) not in tokens)
        if missing:
            model_id = self.env["ir.model"]._get_id(self._name)
            for rating in Rating.create(
                [
                    {
                        "partner_id": complaint.partner_id.id,
                        "rated_partner_id": complaint._rating_get_operator().id,
                        "res_model_id": model_id,
                        "res_id": complaint.id,
                        "is_internal": False,
                    }
                    for complaint in missing
                ]
            ):
                tokens[(rating.res_id, rating.partner_id.id)] = rating
        return {
            complaint.id: tokens[(complaint.id, complaint.partner_id.id)].access_token
            for complaint in self
        }

    def action_reopen(self):
        """The answer did not settle it: reopen with a fresh reply deadline."""
        if any(c.state not in ("answered", "closed") for c in self):
            raise UserError(
                self.env._("Only answered or closed complaints can be reopened.")
            )
        now = fields.Datetime.now()
        for complaint in self:
            complaint._set_state(
                "reopened",
                reopen_count=complaint.reopen_count + 1,
                reopen_date=now,
                close_date=False,
                closing_rating_id=False,
            )
            complaint.message_post(
                body=self.env._("The complaint was reopened."),
                subtype_xmlid="mail.mt_comment",
            )
        return True

    def _rate(self, partner, rate, feedback=None):
        """``partner`` rates the handling of their closed complaint: only the
        complaint's customer, once per closing. (The rating link sent to them
        goes through ``rating_apply`` too.)"""
        self.ensure_one()
        if partner != self.partner_id:
            raise AccessError(
                self.env._(
                    "Only the customer who filed %(complaint)s can rate its handling.",
                    complaint=self.name,
                )
            )
        if rate not in (1, 2, 3, 4, 5):
            raise UserError(self.env._("Rate the handling from 1 to 5."))
        self.check_access("read")
        complaint = self.sudo()
        complaint._check_rateable()
        token = complaint._rating_get_access_token(complaint.partner_id)
        return complaint.rating_apply(rate, token=token, feedback=feedback)

    def _check_rateable(self, rating=None):
        """Closed and not rated since, except by ``rating`` itself (the
        customer changing their rating or adding feedback)."""
        self.ensure_one()
        if self.state != "closed":
            raise UserError(self.env._("A complaint can be rated once it is closed."))
        if self.closing_rating_id and self.closing_rating_id != rating:
            raise UserError(
                self.env._(
                    "%(complaint)s is already rated: thank you. Reopen it if "
                    "something is still wrong.",
                    complaint=self.name,
                )
            )

    def rating_apply(
        self,
        rate,
        token=None,
        rating=None,
        feedback=None,
        subtype_xmlid=None,
        notify_delay_send=False,
    ):
        """One rating per closing, from the portal or the rating link, even
        when two arrive at the same moment: the complaint's row is locked,
        then checked, then written (so a concurrent rating is retried and
        refused)."""
        self.ensure_one()
        if token:
            rating = (
                self.env["rating.rating"]
                .sudo()
                .search([("access_token", "=", token)], limit=1)
            )
        if feedback:
            check_customer_text(self.env, feedback, TEXT_MAX)
        self._lock_for_update()
        self._check_rateable(rating)
        rating = super().rating_apply(
            rate,
            rating=rating,
            feedback=feedback,
            subtype_xmlid=subtype_xmlid,
            notify_delay_send=notify_delay_send,
        )
        if self.sudo().closing_rating_id != rating:
            self._workflow_write({"closing_rating_id": rating.id})
        return rating

    # ------------------------------------------------------------------
    # Handover
    # ------------------------------------------------------------------
    def action_request_handover(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Hand Over"),
            "res_model": "cmr.complaint.handover",
            "view_mode": "form",
            "target": "new",
            "context": {"default_complaint_id": self.id},
        }

    # ------------------------------------------------------------------
    # Replies and notices
    # ------------------------------------------------------------------
    def _format_datetime(self, value):
        if not value:
            return self.env._("the time agreed")
        tz = self.partner_id.tz or self.env.user.tz or "UTC"
        return fields.Datetime.to_string(
            fields.Datetime.context_timestamp(self.with_context(tz=tz), value)
        )[:16]

    def _send_reply(self):
        """Send the answer on the channel the customer chose.

        The contact gate may not refuse it: the customer asked for this reply
        on this channel at this time, which overrides their charter's general
        refusals, windows and caps for this one message. It is logged with
        the other contacts (and counts in the caps)."""
        topic = self.env.ref(
            "cmr_module.cmr_topic_relationship", raise_if_not_found=False
        )
        now = fields.Datetime.now()
        contacts = (
            self.env["cmr.contact"]
            .sudo()
            .create(
                [
                    {
                        "partner_id": complaint.partner_id.id,
                        "company_id": complaint.company_id.id,
                        "channel_id": complaint.reply_channel_id.id,
                        "topic_id": topic.id if topic else False,
                        "subject": self.env._(
                            "Answer to your complaint %(complaint)s",
                            complaint=complaint.name,
                        ),
                        "body": complaint.resolution,
                        "state": "queued",
                        "date": now,
                        "user_id": self.env.user.id,
                        "res_model": self._name,
                        "res_id": complaint.id,
                    }
                    for complaint in self
                ]
            )
        )
        contacts._deliver()
        for complaint in self:
            complaint.message_post(
                body=Markup("<p>%s</p>%s")
                % (
                    self.env._(
                        "Answer sent by %(channel)s:",
                        channel=complaint.reply_channel_id.name,
                    ),
                    complaint.resolution,
                ),
                subtype_xmlid="mail.mt_comment",
            )
        return contacts

    def _notify_new_owner(self):
        """Tell the customer who now owns their complaint, through the gate."""
        topic = self.env.ref(
            "cmr_module.cmr_topic_relationship", raise_if_not_found=False
        )
        for complaint in self:
            body = self.env._(
                "%(owner)s now owns your complaint %(complaint)s and is accountable "
                "for its answer.",
                owner=complaint.user_id.name,
                complaint=complaint.name,
            )
            complaint.message_post(body=body, subtype_xmlid="mail.mt_comment")
            self.env["cmr.contact"].with_company(complaint.company_id)._send(
                complaint.partner_id,
                complaint.reply_channel_id,
                topic,
                self.env._(
                    "New owner of your complaint %(complaint)s",
                    complaint=complaint.name,
                ),
                body,
                origin=complaint,
            )

    # ------------------------------------------------------------------
    # Portal
    # ------------------------------------------------------------------
    @api.model
    def _portal_reply_channels(self):
        """The channels a customer may choose for the answer."""
        return self.env["cmr.channel"].sudo().search([("code", "!=", "post")])

    @api.model
    def _portal_company(self, partner):
        """The company a complaint filed in the portal by ``partner`` goes to."""
        return partner.company_id or self.env.company

    @api.model
    def _portal_sale_orders(self, partner):
        """The sale orders ``partner`` may link to a complaint in the portal:
        the confirmed orders of their company (commercial partner) in the
        complaint's company, the most recent first (read as superuser, a
        customer may follow only some of them)."""
        return (
            self.env["sale.order"]
            .sudo()
            .search(
                [
                    ("state", "=", "sale"),
                    ("partner_id", "child_of", partner.commercial_partner_id.id),
                    ("company_id", "=", self._portal_company(partner).id),
                ],
                order="date_order desc, id desc",
                limit=self._portal_documents_limit,
            )
        )

    @api.model
    def _portal_invoices(self, partner):
        """The invoices and credit notes ``partner`` may link to a complaint in
        the portal: the posted ones of their company (commercial partner) in
        the complaint's company, the most recent first."""
        return (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("move_type", "in", ("out_invoice", "out_refund")),
                    ("state", "=", "posted"),
                    (
                        "commercial_partner_id",
                        "=",
                        partner.commercial_partner_id.id,
                    ),
                    ("company_id", "=", self._portal_company(partner).id),
                ],
                order="invoice_date desc, id desc",
                limit=self._portal_documents_limit,
            )
        )

    def _portal_attach(self, partner, files, description=False):
        """Attach the customer's files to the complaint and post them, with
        the description, as the customer's message in the chatter. The files
        get an access token: the complaint's page links them to its
        customer."""
        self.ensure_one()
        if not files:
            return self.env["ir.attachment"]
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                [
                    {
                        "name": filename or self.env._("Attachment"),
                        "raw": content,
                        "mimetype": mimetype or False,
                        "res_model": self._name,
                        "res_id": self.id,
                    }
                    for filename, content, mimetype in files
                ]
            )
        )
        attachments.generate_access_token()
        # Posted by the server in the customer's name: the description is
        # bounded by its field, not as a message the customer types, and the
        # customer does not follow the complaint.
        self.with_user(SUPERUSER_ID).with_context(
            mail_create_nosubscribe=True, mail_post_autofollow=False
        ).message_post(
            body=description or self.env._("Files attached to the complaint."),
            author_id=partner.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachment_ids=attachments.ids,
        )
        return attachments

    @api.model
    def _create_from_portal(self, partner, values, files=None):
        """File the complaint ``partner`` sends from the portal, with the
        form's clean ``values`` (subject, reply channel and time, category,
        order, invoice, description) and ``files`` ((filename, content bytes,
        mimetype) tuples) to attach: unowned until an employee acknowledges
        it, in the customer's company, its factor type the category's."""
        category = self.env["cmr.complaint.category"].browse(values.get("category_id"))
        # The customer does not follow the complaint: what we send them goes
        # through the contact gate, on the channel they chose.
        complaint = (
            self.sudo()
            .with_context(cmr_complaint_unowned=True, mail_create_nosubscribe=True)
            .create(
                {
                    **values,
                    "partner_id": partner.id,
                    "company_id": self._portal_company(partner).id,
                    "channel_received": "portal",
                    "factor_type": category.sudo().default_factor_type,
                }
            )
        )
        complaint._portal_attach(partner, files, complaint.description)
        return complaint

    def _post_from_portal(self, partner, message):
        """``partner`` writes ``message`` (plain text) on their complaint."""
        self.ensure_one()
        return self.sudo().message_post(
            body=Markup("<p>%s</p>") % message,
            author_id=partner.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    def _portal_documents(self, user):
        """The order and invoice the complaint is about, for its portal page
        seen by ``user``: dicts of label, reference and the document's own
        portal page (False when ``user`` cannot open it). The portal reads the
        complaint as superuser: who looks at it is told, not taken from the
        environment."""
        self.ensure_one()
        documents = []
        for document in (self.sudo().sale_order_id, self.sudo().invoice_id):
            if not document:
                continue
            visible = document.with_user(user).has_access("read")
            documents.append(
                {
                    "label": document.type_name,
                    "name": document.name,
                    "url": document.access_url if visible else False,
                }
            )
        return documents

    def _portal_attachments(self):
        """The files the customer may download: those of the messages they
        see (never an internal note's), each with its access token."""
        self.ensure_one()
        messages = self.sudo().message_ids.filtered(
            lambda m: (
                m.message_type == "comment"
                and m.subtype_id == self.env.ref("mail.mt_comment")
            )
        )
        attachments = messages.attachment_ids.sorted("id")
        attachments.filtered(lambda a: not a.access_token).generate_access_token()
        return attachments

    # ------------------------------------------------------------------
    # Demo
    # ------------------------------------------------------------------
    def _demo_act_as(self, user_id, action):
        """Demo data only: press the ``action_*`` button ``action`` on these
        complaints as the user ``user_id``."""
        if not action.startswith("action_"):
            raise UserError(self.env._("Only buttons can be pressed in the demo."))
        return getattr(self.with_user(user_id), action)()

    def _demo_rate(self, rate, feedback=None):
        """Demo data only: each complaint's customer rates its handling."""
        for complaint in self:
            complaint._rate(complaint.partner_id, rate, feedback)
        return True

    # ------------------------------------------------------------------
    # Scheduled actions
    # ------------------------------------------------------------------
    def _activity_values(self, activity_type, user, date_deadline):
        """Values of an automated activity on the complaint, for one batch
        create (the document name is given, not computed one at a time)."""
        self.ensure_one()
        return {
            "res_model_id": self.env["ir.model"]._get_id(self._name),
            "res_model": self._name,
            "res_id": self.id,
            "res_name": self.display_name,
            "automated": True,
            "activity_type_id": activity_type.id,
            "summary": activity_type.summary,
            "user_id": user.id,
            "date_deadline": date_deadline,
        }

    def _escalation_user(self, default_managers=None):
        """Whom breaches and approvals go to: the team leader, else the
        service level's escalation manager, else a CMR manager of the
        company."""
        self.ensure_one()
        user = self.team_id.user_id or self.sla_id.escalation_user_id
        if user:
            return user
        if default_managers is None:
            default_managers = self._managers_by_company()
        return default_managers.get(self.company_id.id, self.env["res.users"])

    def _managers_by_company(self):
        """The first CMR manager of each of these complaints' companies."""
        manager_group = self.env.ref("cmr_module.group_cmr_manager")
        managers = {}
        for company in self.company_id:
            managers[company.id] = (
                self.env["res.users"]
                .sudo()
                .search(
                    [
                        ("groups_id", "in", manager_group.id),
                        ("company_ids", "in", company.id),
                        ("share", "=", False),
                    ],
                    order="id",
                    limit=1,
                )
            )
        return managers

    @api.model
    def _cron_escalate(self, batch_size=ESCALATION_BATCH):
        """Remind owners before the deadline; flag breaches and tell the
        manager. Each deadline is reminded and escalated once: a new one
        (acknowledged, reopened) is followed again. A few set-based queries
        whatever the number of complaints; the activities are created in
        one batch. At most ``batch_size`` of each per call, locked: the
        scheduler commits each call and calls again while some are due. A
        complaint its owner is handling at this moment (acknowledging,
        answering: they flag a missed deadline themselves) is skipped; the
        flags are written with the activities, so a call that crashed left
        neither and the next one does both, once."""
        now = fields.Datetime.now()
        to_remind, breaches = self._escalation_due(now, batch_size)
        reminder_type = self.env.ref(
            "cmr_module.mail_activity_type_cmr_complaint_reminder"
        )
        breach_type = self.env.ref("cmr_module.mail_activity_type_cmr_complaint_breach")
        default_managers = breaches._managers_by_company()
        activities = [
            complaint._activity_values(
                reminder_type, complaint.user_id, complaint.deadline.date()
            )
            for complaint in to_remind
        ] + [
            complaint._activity_values(
                breach_type,
                complaint._escalation_user(default_managers)
                or complaint.user_id
                or self.env.user,
                now.date(),
            )
            for complaint in breaches
        ]
        if activities:
            self.env["mail.activity"].with_context(
                mail_activity_quick_update=True, mail_notify_force_send=False
            ).create(activities)
        # Flags in two statements rather than one UPDATE per batch of the ORM:
        # nothing depends on these technical fields.
        if to_remind:
            self.env.execute_query(
                SQL(
                    """UPDATE cmr_complaint
                          SET reminded_deadline = deadline,
                              write_uid = %(uid)s, write_date = %(now)s
                        WHERE id = ANY(%(ids)s)
                          AND reminded_deadline IS DISTINCT FROM deadline""",
                    uid=self.env.uid,
                    now=now,
                    ids=to_remind.ids,
                )
            )
        if breaches:
            self.env.execute_query(
                SQL(
                    """UPDATE cmr_complaint
                          SET escalated_deadline = deadline,
                              breached = true,
                              breach_date = COALESCE(breach_date, %(now)s),
                              breach_count = COALESCE(breach_count, 0) + 1,
                              write_uid = %(uid)s, write_date = %(now)s
                        WHERE id = ANY(%(ids)s)
                          AND escalated_deadline IS DISTINCT FROM deadline""",
                    uid=self.env.uid,
                    now=now,
                    ids=breaches.ids,
                )
            )
        (to_remind | breaches).invalidate_recordset(
            [
                "reminded_deadline",
                "escalated_deadline",
                "breached",
                "breach_date",
                "breach_count",
                "write_uid",
                "write_date",
            ]
        )
        done = to_remind | breaches
        remaining = 0
        if done:
            remaining = sum(
                len(found) for found in self._escalation_due(now, None, lock=False)
            )
        self.env["ir.cron"]._notify_progress(done=len(done), remaining=remaining)
        return {"reminded": len(to_remind), "breached": len(breaches)}

    @api.model
    def _escalation_due(self, now, limit, lock=True):
        """(to remind, breached) at ``now``: the first ``limit`` of each,
        locked (those another transaction holds are skipped) unless
        ``lock`` is False."""
        self.flush_model()
        suffix = SQL(
            "ORDER BY id %s %s",
            SQL("LIMIT %s", limit) if limit else SQL(),
            SQL("FOR NO KEY UPDATE SKIP LOCKED") if lock else SQL(),
        )
        to_remind = self.browse(
            id_
            for [id_] in self.env.execute_query(
                SQL(
                    """SELECT id FROM cmr_complaint
                        WHERE state IN %(open)s AND user_id IS NOT NULL
                          AND reminder_date <= %(now)s AND deadline >= %(now)s
                          AND reminded_deadline IS DISTINCT FROM deadline
                          %(suffix)s""",
                    open=OPEN_STATES,
                    now=now,
                    suffix=suffix,
                )
            )
        )
        breaches = self.browse(
            id_
            for [id_] in self.env.execute_query(
                SQL(
                    """SELECT id FROM cmr_complaint
                        WHERE state IN %(open)s AND deadline < %(now)s
                          AND escalated_deadline IS DISTINCT FROM deadline
                          %(suffix)s""",
                    open=OPEN_STATES,
                    now=now,
                    suffix=suffix,
                )
            )
        )
        return to_remind, breaches

    @api.model
    def _cron_auto_close(self, batch_size=AUTO_CLOSE_BATCH):
        """Close answered complaints the customer left unconfirmed, a batch
        per call (the scheduler commits it and calls again while some are
        due). A complaint the customer or staff is confirming or reopening
        at this moment is skipped (locked): their action decides;
        a complaint changed since this call began is refused by the
        database and the batch is tried again."""
        now = fields.Datetime.now()
        closed = self._auto_close_due(now, batch_size)
        if not closed:
            return closed
        closed._set_state("closed", close_date=now)
        body = self.env._(
            "Closed automatically: the customer did not reply to the answer."
        )
        closed._message_log_batch({complaint.id: body for complaint in closed})
        # A customer busy elsewhere (a send to them at this moment) gets the
        # rating request through the queue rather than failing the batch.
        closed.with_context(cmr_contact_skip_locked=True)._request_rating()
        remaining = len(self._auto_close_due(now, None, lock=False))
        self.env["ir.cron"]._notify_progress(done=len(closed), remaining=remaining)
        return closed

    @api.model
    def _auto_close_due(self, now, limit, lock=True):
        """The answered complaints whose customer has not replied within
        their service level's days at ``now``: the first ``limit``, locked
        (those another transaction holds are skipped) unless ``lock`` is
        False. Archived service levels still apply."""
        self.flush_model()
        self.env["cmr.complaint.sla"].flush_model(["auto_close_days"])
        rows = self.env.execute_query(
            SQL(
                """SELECT c.id FROM cmr_complaint c
                     JOIN cmr_complaint_sla s ON s.id = c.sla_id
                    WHERE c.state = 'answered'
                      AND c.answer_date <= %(now)s
                          - make_interval(days => s.auto_close_days)
                    ORDER BY c.id %(limit)s %(lock)s""",
                now=now,
                limit=SQL("LIMIT %s", limit) if limit else SQL(),
                lock=SQL("FOR NO KEY UPDATE OF c SKIP LOCKED") if lock else SQL(),
            )
        )
        return self.browse(row[0] for row in rows)
