import base64

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .cmr_input_guard import NAME_MAX, TEXT_MAX

CATEGORIES = [
    ("product", "Product"),
    ("service", "Service"),
    ("process", "Process"),
]
STAGES = [
    ("submitted", "Submitted"),
    ("under_review", "Under Review"),
    ("answered", "Answered"),
    ("adopted", "Adopted"),
    ("declined", "Declined"),
    ("planned", "Planned"),
]
DECIDED_STAGES = ("adopted", "declined", "planned")
# What a suggestion filed in the portal may carry.
MAX_FILES = 5
MAX_FILE_SIZE = 5 * 1024 * 1024
STAFF = "cmr_module.group_cmr_user"


class CmrSuggestion(models.Model):
    """A customer's idea for a product, a service or a process.

    Customers submit it in the portal, optionally public so that other
    customers support it (once each); staff review it in stages, answer
    on the customer's preferred channel through the contact gate and mark
    it adopted, declined or planned. The suggester hears of an adoption.
    """

    _name = "cmr.suggestion"
    _description = "Customer Suggestion"
    _inherit = [
        "portal.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "cmr.input.guard",
        "cmr.workflow.guard.mixin",
    ]
    _order = "date_submitted desc, id desc"
    _check_company_auto = True
    _workflow_fields = frozenset(
        {"stage", "answer_date", "decision_date", "answered_in_time", "support_count"}
    )
    _input_text_limits = {
        "name": NAME_MAX,
        "description": TEXT_MAX,
        "answer": TEXT_MAX,
        "internal_note": TEXT_MAX,
    }

    name = fields.Char(
        string="Title",
        required=True,
        tracking=True,
        help=f"At most {NAME_MAX} characters.",
    )
    description = fields.Text(required=True, help=f"At most {TEXT_MAX} characters.")
    category = fields.Selection(
        CATEGORIES, required=True, default="product", tracking=True
    )
    is_public = fields.Boolean(
        string="Public",
        tracking=True,
        help="Other customers see a public suggestion in their portal and may "
        "support it.",
    )
    stage = fields.Selection(
        STAGES,
        default="submitted",
        required=True,
        index=True,
        tracking=True,
        copy=False,
    )
    # Who suggested it is staff's to know: other customers see public ideas,
    # never their authors (the portal asks ``is_mine``).
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        tracking=True,
        groups="base.group_user",
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id",
        store=True,
        index=True,
        groups="base.group_user",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users",
        string="Reviewer",
        tracking=True,
        groups=STAFF,
        domain=lambda self: [("groups_id", "in", self.env.ref(STAFF).id)],
    )
    date_submitted = fields.Datetime(
        string="Submitted On",
        required=True,
        default=fields.Datetime.now,
        index=True,
        readonly=True,
    )
    answer = fields.Text(
        help="What the company answers, sent to the customer on their channel. "
        f"At most {TEXT_MAX} characters.",
    )
    answer_date = fields.Datetime(readonly=True, copy=False)
    decision_date = fields.Datetime(readonly=True, copy=False)
    answer_deadline = fields.Datetime(
        readonly=True,
        copy=False,
        groups=STAFF,
        help="Submission plus the company's working days to answer.",
    )
    answered_in_time = fields.Boolean(readonly=True, copy=False, groups=STAFF)
    tier_id = fields.Many2one(
        "cmr.tier",
        string="Tier at Submission",
        readonly=True,
        groups=STAFF,
        ondelete="set null",
    )
    internal_note = fields.Text(groups=STAFF, help=f"At most {TEXT_MAX} characters.")
    support_ids = fields.One2many(
        "cmr.suggestion.support", "suggestion_id", groups=STAFF
    )
    support_count = fields.Integer(string="Supporters", readonly=True, copy=False)
    is_mine = fields.Boolean(compute="_compute_is_mine")

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends_context("uid")
    def _compute_is_mine(self):
        own = self.env.user.partner_id.commercial_partner_id
        for suggestion in self:
            suggestion.is_mine = suggestion.commercial_partner_id == own

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for suggestion in self:
            suggestion.access_url = f"/my/suggestions/{suggestion.id}"
        return result

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        suggestions = super().create(vals_list)
        suggestions._set_deadline_and_tier()
        return suggestions

    def _set_deadline_and_tier(self):
        """The answer deadline in the company's working days, and the tier
        the customer had at submission (the KPIs are per tier)."""
        standings = (
            self.env["cmr.partner.tier"]
            .sudo()
            .search([("partner_id", "in", self.commercial_partner_id.ids)])
        )
        tier_of = {
            standing.partner_id.id: standing.tier_id.id for standing in standings
        }
        for suggestion in self.sudo():
            company = suggestion.company_id
            calendar = company.resource_calendar_id
            days = company.cmr_suggestion_answer_days or 10
            deadline = (
                calendar.plan_days(days, suggestion.date_submitted)
                if calendar
                else False
            )
            suggestion.with_context(cmr_workflow=True).write(
                {
                    "answer_deadline": deadline and deadline.replace(tzinfo=None),
                    "tier_id": tier_of.get(suggestion.commercial_partner_id.id, False),
                }
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_decided(self):
        if any(s.stage in DECIDED_STAGES for s in self) and not self.env.is_superuser():
            raise UserError(
                self.env._(
                    "Decided suggestions are kept: the adoption rate counts them."
                )
            )

    # ------------------------------------------------------------------
    # Actions (staff)
    # ------------------------------------------------------------------
    def _check_stage(self, allowed):
        bad = self.filtered(lambda s: s.stage not in allowed)
        if bad:
            raise UserError(
                self.env._(
                    "%(name)s is %(stage)s: this step does not apply.",
                    name=bad[0].name,
                    stage=dict(self._fields["stage"]._description_selection(self.env))[
                        bad[0].stage
                    ],
                )
            )

    def action_review(self):
        self._check_stage(("submitted",))
        for suggestion in self:
            suggestion.write({"user_id": suggestion.user_id.id or self.env.uid})
        self._set_state("under_review")

    def _set_state(self, state, **values):
        return self._workflow_write(dict(values, stage=state))

    def action_answer(self):
        """Send the answer to the suggester on their channel through the gate."""
        self._check_stage(("submitted", "under_review", "answered"))
        if any(not (s.answer or "").strip() for s in self):
            raise UserError(self.env._("Write the answer before sending it."))
        now = fields.Datetime.now()
        for suggestion in self:
            suggestion._send_to_customer(
                self.env._(
                    "Our answer to your suggestion %(name)s", name=suggestion.name
                ),
                suggestion.answer,
            )
            deadline = suggestion.sudo().answer_deadline
            suggestion._set_state(
                "answered",
                answer_date=now,
                answered_in_time=bool(deadline and now <= deadline),
            )

    def _decide(self, stage):
        self._check_stage(("submitted", "under_review", "answered", "planned"))
        now = fields.Datetime.now()
        for suggestion in self:
            values = {"decision_date": now}
            if not suggestion.answer_date:
                deadline = suggestion.sudo().answer_deadline
                values.update(
                    answer_date=now, answered_in_time=bool(deadline and now <= deadline)
                )
            suggestion._set_state(stage, **values)

    def action_adopt(self):
        self._decide("adopted")
        for suggestion in self:
            suggestion._send_to_customer(
                self.env._("Your suggestion %(name)s is adopted", name=suggestion.name),
                self.env._(
                    "Thank you: we adopted your suggestion %(name)s. %(answer)s",
                    name=suggestion.name,
                    answer=suggestion.answer or "",
                ),
            )

    def action_decline(self):
        self._decide("declined")

    def action_plan(self):
        self._decide("planned")

    def _send_to_customer(self, subject, text):
        topic = self.env.ref(
            "cmr_module.cmr_topic_relationship", raise_if_not_found=False
        )
        body = Markup("<p>%s</p>") % escape(text)
        return self.env["cmr.contact"]._send_on_preferred_channel(
            self.partner_id, topic, subject, body, origin=self
        )

    # ------------------------------------------------------------------
    # Portal
    # ------------------------------------------------------------------
    @api.model
    def _portal_domain(self, partner, scope="mine"):
        """The portal's lists: ``mine`` (the customer's company's) or
        ``public`` (other customers' public ideas not declined)."""
        customer = partner.commercial_partner_id
        if scope == "public":
            return [
                ("is_public", "=", True),
                ("stage", "!=", "declined"),
                ("commercial_partner_id", "!=", customer.id),
            ]
        return [("commercial_partner_id", "=", customer.id)]

    @api.model
    def _portal_count(self, partner, scope):
        # As superuser with a domain pinned to the customer: who suggested
        # what is a staff-only field.
        return self.sudo().search_count(self._portal_domain(partner, scope))

    @api.model
    def _portal_list(self, partner, scope, limit=None, offset=0):
        return self.sudo().search(
            self._portal_domain(partner, scope), limit=limit, offset=offset
        )

    @api.model
    def _portal_submit(self, partner, values, files=None):
        """Create ``partner``'s suggestion from clean portal ``values``
        (name, description, category, is_public) with ``files``, a list of
        (filename, content, mimetype). Raises a translated UserError when
        something is too large; nothing is written then."""
        files = self._check_files(files)
        vals = {
            "name": values["name"],
            "description": values["description"],
            "category": values["category"],
            "is_public": bool(values.get("is_public")),
            "partner_id": partner.id,
            "company_id": (partner.company_id or self.env.company).id,
        }
        suggestion = self.sudo().create(vals)
        if files:
            self.env["ir.attachment"].sudo().create(
                [
                    {
                        "name": filename,
                        "datas": base64.b64encode(content),
                        "mimetype": mimetype or False,
                        "res_model": self._name,
                        "res_id": suggestion.id,
                    }
                    for filename, content, mimetype in files
                ]
            )
        return suggestion.sudo(False)

    @api.model
    def _check_files(self, files):
        files = [f for f in files or [] if f[1]]
        if len(files) > MAX_FILES:
            raise UserError(
                self.env._(
                    "Attach at most %(count)s files to a suggestion.", count=MAX_FILES
                )
            )
        size_mb = f"{MAX_FILE_SIZE / 1024 / 1024:g}"
        for filename, content, _mimetype in files:
            if len(filename or "") > NAME_MAX:
                raise UserError(self.env._("A file name is too long."))
            if len(content) > MAX_FILE_SIZE:
                raise UserError(
                    self.env._(
                        "The file %(name)s is larger than %(size)s MB: attach a "
                        "smaller one.",
                        name=filename,
                        size=size_mb,
                    )
                )
        return files

    def _portal_support(self, partner):
        """``partner``'s company supports this public suggestion, once."""
        self.ensure_one()
        customer = partner.commercial_partner_id
        suggestion = self.sudo()
        if not suggestion.is_public or suggestion.stage == "declined":
            raise UserError(self.env._("Only public suggestions can be supported."))
        if suggestion.commercial_partner_id == customer:
            raise UserError(self.env._("You cannot support your own suggestion."))
        # Serialises supporters: the second of two concurrent supports waits,
        # then fails on the count written by the first and is retried.
        self.env.cr.execute(
            SQL(
                "SELECT id FROM cmr_suggestion WHERE id = %s FOR NO KEY UPDATE", self.id
            )
        )
        support = (
            self.env["cmr.suggestion.support"]
            .sudo()
            .search(
                [("suggestion_id", "=", self.id), ("partner_id", "=", customer.id)],
                limit=1,
            )
        )
        if support:
            raise UserError(self.env._("You already support this suggestion."))
        self.env["cmr.suggestion.support"].sudo().create(
            {"suggestion_id": self.id, "partner_id": customer.id}
        )
        suggestion._workflow_write({"support_count": suggestion.support_count + 1})
        return True

    def _portal_supported(self, partner):
        """The ids of these suggestions ``partner``'s company supports."""
        supports = (
            self.env["cmr.suggestion.support"]
            .sudo()
            .search(
                [
                    ("suggestion_id", "in", self.ids),
                    ("partner_id", "=", partner.commercial_partner_id.id),
                ]
            )
        )
        return set(supports.suggestion_id.ids)

    def _portal_attachments(self):
        return (
            self.env["ir.attachment"]
            .sudo()
            .search([("res_model", "=", self._name), ("res_id", "in", self.ids)])
        )
