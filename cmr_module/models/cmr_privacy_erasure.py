from datetime import timedelta

from markupsafe import Markup, escape
from psycopg2.errors import UniqueViolation

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, mute_logger

MANAGER = "cmr_module.group_cmr_manager"
REMINDER_TYPE = "cmr_module.mail_activity_type_cmr_erasure_due"
# Requests reminded per transaction of the scheduled action.
REMIND_BATCH = 200
# A customer with more messages, contacts and ledger lines than this is
# erased in the background (cmr.job); smaller ones at once.
ERASE_INLINE_MAX = 2000
# What an erased customer's texts become: kept rows say something was there.
ANONYMISED = "anonymised"
# Partner fields that identify a person, emptied by an erasure and refused
# afterwards (a later import cannot put them back).
PERSONAL_FIELDS = (
    "email",
    "phone",
    "mobile",
    "street",
    "street2",
    "zip",
    "city",
    "website",
    "function",
    "comment",
    "image_1920",
    "cmr_birthday",
    "cmr_gift_preference",
    "title",
    "ref",
)


class CmrPrivacyErasure(models.Model):
    """A customer's request to be forgotten, and what was done about it.

    Filed in the portal or by staff on the customer's behalf, due within the
    company's delay (30 days by default), reviewed by a CMR Manager. The
    erasure keeps what the law keeps (posted invoices and credit notes,
    payments, their tax data: the company's books do not change) with the
    customer's name replaced by a pseudonym or kept, per the company's
    setting; everything else about the customer is anonymised or deleted.
    Every step is written to the request's append-only log."""

    _name = "cmr.privacy.erasure"
    _description = "Erasure Request"
    _inherit = ["mail.thread", "mail.activity.mixin", "cmr.workflow.guard.mixin"]
    _order = "date_requested desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="restrict",
        readonly=True,
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        readonly=True,
    )
    origin = fields.Selection(
        [
            ("portal", "Customer in the portal"),
            ("staff", "Staff on the customer's behalf"),
        ],
        required=True,
        readonly=True,
    )
    requested_by_id = fields.Many2one(
        "res.users",
        default=lambda self: self.env.user,
        readonly=True,
        ondelete="set null",
    )
    date_requested = fields.Datetime(
        default=fields.Datetime.now, required=True, readonly=True
    )
    due_date = fields.Date(readonly=True)
    state = fields.Selection(
        [
            ("requested", "To Review"),
            ("done", "Erased"),
            ("refused", "Refused"),
        ],
        default="requested",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    reviewer_id = fields.Many2one(
        "res.users",
        readonly=True,
        ondelete="set null",
        groups="cmr_module.group_cmr_user",
    )
    review_date = fields.Datetime(readonly=True)
    date_reminded = fields.Datetime(
        string="Managers Reminded On",
        readonly=True,
        copy=False,
        help="When the CMR Managers got a to-do for the coming due date.",
        groups="cmr_module.group_cmr_user",
    )
    refusal_reason = fields.Text(
        help="Why the erasure is refused (shown to the customer)."
    )
    pseudonym = fields.Char(readonly=True)
    open_complaint_count = fields.Integer(
        compute="_compute_review_counts", groups="cmr_module.group_cmr_user"
    )
    unpaid_invoice_count = fields.Integer(
        compute="_compute_review_counts", groups="cmr_module.group_cmr_user"
    )
    held_move_count = fields.Integer(
        string="Legally Held Documents",
        compute="_compute_review_counts",
        groups="cmr_module.group_cmr_user",
    )
    card_plan = fields.Html(
        string="Cards",
        compute="_compute_card_plan",
        sanitize=False,
        help="What the erasure does with each of the customer's cards, per its "
        "alliance's rule.",
        groups="cmr_module.group_cmr_user",
    )
    credit_note_ids = fields.Many2many(
        "account.move",
        string="Settlement Credit Notes",
        readonly=True,
        copy=False,
        help="Draft credit notes for the card balances settled at erasure.",
        groups="cmr_module.group_cmr_user",
    )
    log_ids = fields.One2many(
        "cmr.privacy.erasure.log",
        "erasure_id",
        readonly=True,
        groups="cmr_module.group_cmr_user",
    )

    _workflow_fields = frozenset(
        {
            "state",
            "reviewer_id",
            "review_date",
            "pseudonym",
            "due_date",
            "credit_note_ids",
            "date_reminded",
        }
    )

    def init(self):
        # One open request per customer.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS cmr_privacy_erasure_one_open "
                "ON cmr_privacy_erasure (partner_id) WHERE state = 'requested'"
            )
        )

    @api.depends("partner_id", "date_requested")
    def _compute_name(self):
        for erasure in self:
            erasure.name = self.env._(
                "Erasure of %(customer)s",
                customer=erasure.pseudonym or erasure.partner_id.name,
            )

    def _compute_review_counts(self):
        partners = self.partner_id
        if not partners:
            self.update(
                {
                    "open_complaint_count": 0,
                    "unpaid_invoice_count": 0,
                    "held_move_count": 0,
                }
            )
            return
        complaints = dict(
            self.env["cmr.complaint"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "child_of", partners.ids),
                    ("state", "not in", ("answered", "closed")),
                ],
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        Move = self.env["account.move"].sudo()
        unpaid = dict(
            Move._read_group(
                [
                    ("commercial_partner_id", "in", partners.ids),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                    ("state", "=", "posted"),
                    ("payment_state", "not in", ("paid", "reversed", "in_payment")),
                ],
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        held = dict(
            Move._read_group(
                [
                    ("commercial_partner_id", "in", partners.ids),
                    ("state", "=", "posted"),
                ],
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        for erasure in self:
            partner = erasure.partner_id
            erasure.open_complaint_count = complaints.get(partner, 0)
            erasure.unpaid_invoice_count = unpaid.get(partner, 0)
            erasure.held_move_count = held.get(partner, 0)

    def _compute_card_plan(self):
        plans = self._card_plans()
        for erasure in self:
            rows = plans.get(erasure.id, [])
            if not rows or erasure.state != "requested":
                erasure.card_plan = False
                continue
            erasure.card_plan = Markup(
                "<table class='table table-sm o_cmr_card_plan'><thead><tr>"
                "<th>%s</th><th>%s</th><th class='text-end'>%s</th><th>%s</th>"
                "</tr></thead><tbody>%s</tbody></table>"
            ) % (
                self.env._("Card"),
                self.env._("Alliance"),
                self.env._("Points"),
                self.env._("At erasure"),
                Markup().join(
                    Markup(
                        "<tr><td>%s</td><td>%s</td><td class='text-end'>%s</td>"
                        "<td>%s</td></tr>"
                    )
                    % (
                        row["card"].card_number,
                        row["card"].alliance_id.display_name,
                        row["balance"],
                        row["summary"],
                    )
                    for row in rows
                ),
            )

    def _card_plans(self):
        """{erasure id: [{card, balance, policy, amount, summary}]}: what the
        erasure does with each card of the customer (two queries)."""
        partners = (
            self.env["res.partner"]
            .with_context(active_test=False)
            .sudo()
            .search([("id", "child_of", self.partner_id.ids)])
        )
        cards = (
            self.env["cmr.membership"]
            .sudo()
            .search([("partner_id", "in", partners.ids)])
        )
        balances = cards._balances() if cards else {}
        by_customer = cards.grouped(lambda c: c.partner_id.commercial_partner_id)
        plans = {}
        for erasure in self:
            rows = plans.setdefault(erasure.id, [])
            for card in by_customer.get(erasure.partner_id, []):
                alliance = card.alliance_id.sudo()
                balance = balances.get(card.id, 0)
                policy = alliance.erasure_card_policy
                amount = 0.0
                if balance <= 0:
                    summary = self.env._("No points: card suspended")
                elif policy == "settle" and alliance.erasure_point_value:
                    currency = card.company_id.currency_id
                    amount = currency.round(balance * alliance.erasure_point_value)
                    summary = self.env._(
                        "Settled: credit note of %(amount)s %(currency)s",
                        amount=amount,
                        currency=currency.name,
                    )
                else:
                    policy = "forfeit"
                    summary = self.env._("Forfeited")
                rows.append(
                    {
                        "card": card,
                        "balance": balance,
                        "policy": policy,
                        "amount": amount,
                        "summary": summary,
                    }
                )
        return plans

    # ------------------------------------------------------------------
    # Requests
    # ------------------------------------------------------------------
    @api.model
    def _request(self, partner, origin):
        """File ``partner``'s customer's erasure request (one open at a time)."""
        customer = partner.commercial_partner_id
        Erasure = self.sudo()
        if customer.cmr_erased:
            raise UserError(self.env._("This customer's data is already erased."))
        already = UserError(
            self.env._(
                "An erasure request is already open: we review it within the due date."
            )
        )
        if Erasure.search_count(
            [("partner_id", "=", customer.id), ("state", "=", "requested")]
        ):
            raise already
        company = customer.company_id or self.env.company
        now = fields.Datetime.now()
        try:
            # The unique index decides between two requests at the same
            # moment: the second waits for the first, then is refused.
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                erasure = Erasure.create(
                    {
                        "partner_id": customer.id,
                        "company_id": company.id,
                        "origin": origin,
                        "requested_by_id": self.env.uid,
                        "date_requested": now,
                    }
                )
                erasure.flush_recordset()
        except UniqueViolation as error:
            raise already from error
        erasure._workflow_write(
            {"due_date": (now + timedelta(days=company.cmr_erasure_days or 30)).date()}
        )
        erasure._log(
            "request",
            self.env._(
                "Erasure requested (%(origin)s).",
                origin=dict(self._fields["origin"]._description_selection(self.env))[
                    origin
                ],
            ),
        )
        return erasure

    # ------------------------------------------------------------------
    # Review (CMR Manager)
    # ------------------------------------------------------------------
    def _check_manager(self):
        if not self.env.user.has_group(MANAGER):
            raise AccessError(
                self.env._("Only a CMR Manager can review an erasure request.")
            )

    def action_approve(self):
        """Erase now: confirmation to the customer first, then the data. A
        customer with much history is erased by a background run (one
        transaction: nothing half-erased), whose form the button opens."""
        self._check_manager()
        jobs = self.env["cmr.job"]
        for erasure in self:
            if erasure.state != "requested" or erasure.sudo().reviewer_id:
                raise UserError(self.env._("Only a request to review can be approved."))
            erasure._workflow_write(
                {"reviewer_id": self.env.uid, "review_date": fields.Datetime.now()}
            )
            if erasure._size() > ERASE_INLINE_MAX:
                erasure._log("approve", self.env._("Approved: erasure queued."))
                jobs |= self.env["cmr.job"]._enqueue(
                    self.env._("Erase %(request)s", request=erasure.name),
                    erasure,
                    "_job_erase",
                )
            else:
                erasure.sudo()._erase()
                erasure._close_reminders()
        if len(jobs) == 1:
            return jobs._action_open()
        return True

    def _size(self):
        """How many messages, contacts and ledger lines the erasure of this
        customer touches (one query)."""
        self.ensure_one()
        self.env.flush_all()
        partners = (
            self.env["res.partner"]
            .with_context(active_test=False)
            .sudo()
            .search([("id", "child_of", self.partner_id.id)])
            .ids
        )
        return self.env.execute_query(
            SQL(
                """
            SELECT (SELECT COUNT(*) FROM mail_message
                     WHERE author_id = ANY(%(p)s)
                        OR (model = 'res.partner' AND res_id = ANY(%(p)s)))
                 + (SELECT COUNT(*) FROM cmr_contact WHERE partner_id = ANY(%(p)s))
                 + (SELECT COUNT(*) FROM cmr_charter_log WHERE partner_id = ANY(%(p)s))
                 + (SELECT COUNT(*) FROM cmr_points_line WHERE partner_id = ANY(%(p)s))
                """,
                p=partners,
            )
        )[0][0]

    def _job_erase(self, job):
        """The queued work of *Approve and Erase*: the whole erasure in one
        step (one transaction), as the manager who approved."""
        self._check_manager()
        for erasure in self.filtered(lambda e: e.state == "requested"):
            erasure.sudo()._erase()
            erasure._close_reminders()
        job._set_progress(len(self), len(self))
        job._set_result(self, self.env._("Customer's personal data erased."))
        return True

    def action_refuse(self):
        self._check_manager()
        for erasure in self:
            if erasure.state != "requested" or erasure.sudo().reviewer_id:
                raise UserError(self.env._("Only a request to review can be refused."))
            if not (erasure.refusal_reason or "").strip():
                raise UserError(self.env._("Write why the erasure is refused."))
            erasure._set_state(
                "refused", reviewer_id=self.env.uid, review_date=fields.Datetime.now()
            )
            erasure._log("refuse", erasure.refusal_reason)
        self._close_reminders()

    def _close_reminders(self):
        """The managers' to-dos on these requests are done (kept, archived)."""
        activities = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("activity_type_id", "=", self.env.ref(REMINDER_TYPE).id),
                ]
            )
        )
        if activities:
            activities.action_feedback(feedback=self.env._("Request reviewed."))

    # ------------------------------------------------------------------
    # Due-date reminder (scheduled action)
    # ------------------------------------------------------------------
    @api.model
    def _cron_remind_due(self, batch_size=REMIND_BATCH):
        """Daily: a to-do for the CMR Managers on every request still to
        review whose due date is within the company's reminder days, once
        per request. Each request's row is locked and re-checked first: a
        reminder running twice, or a manager reviewing at the same moment,
        waits, then finds the request reminded or reviewed."""
        today = fields.Date.context_today(self)
        self.env.flush_all()
        candidates = """
            SELECT e.id
              FROM cmr_privacy_erasure e
              JOIN res_company c ON c.id = e.company_id
             WHERE e.state = 'requested'
               AND e.reviewer_id IS NULL
               AND e.date_reminded IS NULL
               AND e.due_date IS NOT NULL
               AND c.cmr_erasure_reminder_days > 0
               AND e.due_date <= %(today)s::date + c.cmr_erasure_reminder_days
        """
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    candidates + " ORDER BY e.due_date, e.id LIMIT %(limit)s",
                    today=today,
                    limit=batch_size,
                )
            )
        ]
        locked = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "SELECT id FROM cmr_privacy_erasure WHERE id = ANY(%s) "
                    "AND state = 'requested' AND date_reminded IS NULL "
                    "ORDER BY id FOR NO KEY UPDATE",
                    ids,
                )
            )
        ]
        erasures = self.sudo().browse(locked)
        erasures.invalidate_recordset()
        erasures._remind()
        remaining = self.env.execute_query(
            SQL(
                "SELECT COUNT(*) FROM (" + candidates + ") todo",
                today=today,
            )
        )[0][0]
        self.env["ir.cron"]._notify_progress(done=len(erasures), remaining=remaining)
        return erasures

    def _remind(self):
        """One to-do per CMR Manager of the request's company (one create)."""
        if not self:
            return
        managers = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("groups_id", "in", self.env.ref(MANAGER).id),
                    ("share", "=", False),
                ]
            )
        )
        activity_type = self.env.ref(REMINDER_TYPE)
        model_id = self.env["ir.model"]._get_id(self._name)
        values = []
        for erasure in self:
            for manager in managers.filtered(
                lambda u, company=erasure.company_id: company in u.company_ids
            ):
                values.append(
                    {
                        "res_model_id": model_id,
                        "res_id": erasure.id,
                        "activity_type_id": activity_type.id,
                        "user_id": manager.id,
                        "date_deadline": erasure.due_date,
                        "summary": self.env._(
                            "Erasure request due on %(date)s",
                            date=erasure.due_date,
                        ),
                    }
                )
        self.env["mail.activity"].sudo().create(values)
        self._workflow_write({"date_reminded": fields.Datetime.now()})

    # ------------------------------------------------------------------
    # Erasure (runs as superuser, after the manager's approval)
    # ------------------------------------------------------------------
    def _erase(self):
        """Anonymise or delete everything about the customer but what the law
        keeps. Idempotent: a second run finds nothing left to do."""
        self.ensure_one()
        customer = self.partner_id.with_context(active_test=False)
        partners = (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search([("id", "child_of", customer.id)])
        )
        if self.state == "done" and customer.cmr_erased:
            return
        confirmation = self._send_confirmation(customer)
        pseudonym = self.pseudonym or self.env._(
            "Erased customer %(number)s", number=customer.id
        )
        self._workflow_write({"pseudonym": pseudonym})
        old_names = [name for name in partners.mapped("name") if name]
        self._erase_cards(partners)
        self._erase_complaints(partners)
        self._erase_suggestions(partners)
        self._erase_contacts(partners)
        self._erase_care(partners)
        # Users first: Odoo e-mails a changed login, the messages step
        # deletes that e-mail before it goes.
        self._erase_portal_users(partners)
        self._erase_messages(partners, old_names, pseudonym, keep=confirmation)
        self._erase_access_tokens(partners)
        self._erase_partners(partners, customer, pseudonym)
        self._erase_ledgers(partners)
        self._set_state("done")
        self._log("done", self.env._("Erasure completed."))

    def _log(self, action, note, count=0):
        self.env["cmr.privacy.erasure.log"].sudo().create(
            {"erasure_id": self.id, "action": action, "note": note, "count": count}
        )

    def _send_confirmation(self, customer):
        """By e-mail, whatever the charter says (the customer asked for it),
        before the portal access and the address go."""
        if not customer.email:
            self._log("confirm", self.env._("No e-mail address: no confirmation sent."))
            return self.env["mail.mail"]
        body = Markup("<p>%s</p><p>%s</p>") % (
            escape(self.env._("Dear customer,")),
            escape(
                self.env._(
                    "As you asked, we erased your personal data. We keep only what "
                    "the law requires (invoices and payments). Your portal access "
                    "is closed."
                )
            ),
        )
        mail = (
            self.env["mail.mail"]
            .sudo()
            .create(
                {
                    "subject": self.env._("Your personal data is erased"),
                    "body_html": body,
                    "email_to": customer.email,
                    "email_from": (
                        self.company_id.email_formatted or self.env.user.email_formatted
                    ),
                    "auto_delete": True,
                }
            )
        )
        self._log("confirm", self.env._("Confirmation e-mailed to the customer."))
        return mail

    def _erase_cards(self, partners):
        """Each card's balance forfeited or settled, per its alliance's rule
        (``erasure_card_policy``), then the card suspended. Settled points
        leave the card as a redemption at the alliance's point value, and a
        draft credit note of that value is made for the customer: the
        accountant checks and posts it (the books change only then)."""
        cards = self.env["cmr.membership"].search([("partner_id", "in", partners.ids)])
        forfeited = settled = 0
        credit_lines = {}
        reason = {
            "forfeit": self.env._("Forfeited on erasure"),
            "settle": self.env._("Settled on erasure"),
        }
        if cards:
            cards._lock()
            cards._expire()
        for row in self._card_plans().get(self.id, []):
            card, balance = row["card"], row["balance"]
            if balance <= 0:
                continue
            if row["policy"] == "settle":
                self.env["cmr.points.line"].sudo()._consume(
                    card,
                    balance,
                    {
                        "kind": "redeem",
                        "reason": reason["settle"],
                        "amount": row["amount"],
                        "reference": self.env._("Erasure %(number)s", number=self.id),
                    },
                )
                credit_lines.setdefault(card.company_id, []).append(row)
                settled += 1
            else:
                card._adjust(-balance, reason["forfeit"])
                forfeited += 1
        credit_notes = self.env["account.move"]
        for company, rows in credit_lines.items():
            credit_notes |= self._settlement_credit_note(company, rows)
        if credit_notes:
            self._workflow_write(
                {"credit_note_ids": [Command.link(m.id) for m in credit_notes]}
            )
        active = cards.filtered(lambda c: c.state == "active")
        if active:
            active.action_suspend()
        self._log(
            "cards",
            self.env._(
                "%(cards)s cards suspended; %(forfeited)s balances forfeited, "
                "%(settled)s settled by draft credit notes %(notes)s.",
                cards=len(cards),
                forfeited=forfeited,
                settled=settled,
                notes=", ".join(credit_notes.mapped(lambda m: m.name or f"#{m.id}"))
                or "-",
            ),
            len(cards),
        )

    def _settlement_credit_note(self, company, rows):
        """A draft customer credit note paying back the settled points of
        the cards ``rows`` (one line per card, no tax)."""
        journal = self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(company),
                ("type", "=", "sale"),
            ],
            limit=1,
        )
        if not journal.default_account_id:
            raise UserError(
                self.env._(
                    "Set up a sales journal with a default account for %(company)s "
                    "before settling card balances at erasure.",
                    company=company.name,
                )
            )
        return (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_refund",
                    "partner_id": self.partner_id.id,
                    "journal_id": journal.id,
                    "company_id": company.id,
                    "currency_id": company.currency_id.id,
                    "invoice_origin": self.name,
                    "ref": self.env._(
                        "Loyalty points settled at erasure %(number)s",
                        number=self.id,
                    ),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": self.env._(
                                    "Card %(number)s: %(points)s points",
                                    number=row["card"].card_number,
                                    points=row["balance"],
                                ),
                                "account_id": journal.default_account_id.id,
                                "quantity": row["balance"],
                                "price_unit": row["card"]
                                .alliance_id.sudo()
                                .erasure_point_value,
                                "tax_ids": [Command.clear()],
                            }
                        )
                        for row in rows
                    ],
                }
            )
        )

    def _erase_access_tokens(self, partners):
        """Old links to the customer's documents stop working: every
        portal document (sales orders, invoices, anything with the portal
        mixin) pointing to the customer gets no access token (a new one is
        made when staff share it again). Plain SQL: posted invoices are
        not rewritten through the ORM, and the token is no accounting data."""
        count = 0
        self.env.flush_all()
        for model_name in self._portal_models():
            Model = self.env[model_name]
            columns = [
                name
                for name, field in Model._fields.items()
                if field.type == "many2one"
                and field.comodel_name == "res.partner"
                and field.store
                and field.column_type
            ]
            if not columns or not Model._fields["access_token"].store:
                continue
            rows = self.env.execute_query(
                SQL(
                    "UPDATE %s SET access_token = NULL "
                    "WHERE access_token IS NOT NULL AND (%s) RETURNING id",
                    SQL.identifier(Model._table),
                    SQL(" OR ").join(
                        SQL("%s = ANY(%s)", SQL.identifier(column), partners.ids)
                        for column in columns
                    ),
                )
            )
            if rows:
                Model.invalidate_model(["access_token"])
                count += len(rows)
        self._log(
            "tokens",
            self.env._("Links shared with the customer revoked."),
            count,
        )

    def _portal_models(self):
        """Names of the stored models with the portal mixin."""
        names, todo = set(), ["portal.mixin"]
        while todo:
            for child in self.env.registry[todo.pop()]._inherit_children:
                if child not in names:
                    names.add(child)
                    todo.append(child)
        return sorted(
            name
            for name in names
            if name in self.env
            and not self.env[name]._abstract
            and not self.env[name]._transient
            and self.env[name]._auto
        )

    def _erase_complaints(self, partners):
        """Texts anonymised, files and messages gone; the rows stay for KPIs."""
        complaints = self.env["cmr.complaint"].search(
            [("partner_id", "in", partners.ids)]
        )
        if complaints:
            self.env.execute_query(
                SQL(
                    "UPDATE cmr_complaint SET subject = %s, description = NULL, "
                    "resolution = NULL, root_cause = NULL WHERE id = ANY(%s)",
                    ANONYMISED,
                    complaints.ids,
                )
            )
            self._delete_threads("cmr.complaint", complaints.ids)
            complaints.invalidate_recordset()
        self._log(
            "complaints", self.env._("Complaint texts anonymised."), len(complaints)
        )

    def _erase_suggestions(self, partners):
        """Adopted suggestions stay, anonymous; the others go."""
        suggestions = self.env["cmr.suggestion"].search(
            [("partner_id", "in", partners.ids)]
        )
        adopted = suggestions.filtered(lambda s: s.stage == "adopted")
        anonymous = self.env.ref("cmr_module.cmr_partner_anonymous")
        if adopted:
            adopted.write({"partner_id": anonymous.id, "internal_note": False})
            self._delete_threads("cmr.suggestion", adopted.ids, keep_records=True)
        rest = suggestions - adopted
        self.env["cmr.suggestion.support"].search(
            [("partner_id", "in", partners.ids)]
        ).unlink()
        if rest:
            self._delete_threads("cmr.suggestion", rest.ids)
            rest.unlink()
        self._log(
            "suggestions",
            self.env._(
                "%(adopted)s adopted suggestions kept anonymous, %(deleted)s deleted.",
                adopted=len(adopted),
                deleted=len(rest),
            ),
            len(suggestions),
        )

    def _erase_contacts(self, partners):
        contacts = self.env["cmr.contact"].search([("partner_id", "in", partners.ids)])
        if contacts:
            self.env.execute_query(
                SQL(
                    "UPDATE cmr_contact SET subject = %s, body = NULL "
                    "WHERE id = ANY(%s)",
                    ANONYMISED,
                    contacts.ids,
                )
            )
            contacts.invalidate_recordset()
        self._log("contacts", self.env._("Contact log anonymised."), len(contacts))

    def _erase_care(self, partners):
        """Open visits cancelled (their units go back to the entitlement)
        and plans stopped; the visits kept for the KPIs (state, dates,
        on-time, cost) lose their notes, outcome, reasons, photos,
        messages and rating comments, their calendar events the customer's
        name; proposed gifts cancelled, given gifts kept for the budget
        without their note; greetings deleted (their day is a birthday)."""
        Visit = self.env["cmr.care.visit"].with_context(active_test=False)
        visits = Visit.search([("partner_id", "in", partners.ids)])
        cancelled_reason = self.env._("Cancelled on erasure")
        if visits:
            photos = visits.photo_ids
            self.env.flush_all()
            self.env.execute_query(
                SQL(
                    "UPDATE cmr_care_visit SET notes = NULL, outcome = NULL, "
                    "reason = CASE WHEN reason IS NULL OR reason = %(ours)s "
                    "THEN reason ELSE %(anonymised)s END, "
                    "goodwill_reason = CASE WHEN goodwill THEN %(anonymised)s END "
                    "WHERE id = ANY(%(ids)s)",
                    ours=cancelled_reason,
                    anonymised=ANONYMISED,
                    ids=visits.ids,
                )
            )
            self.env.execute_query(
                SQL(
                    "UPDATE rating_rating SET feedback = NULL "
                    "WHERE res_model = 'cmr.care.visit' AND res_id = ANY(%s)",
                    visits.ids,
                )
            )
            photos.unlink()
            self._delete_threads("cmr.care.visit", visits.ids, keep_records=True)
            # The events of done visits stay in the employees' calendars,
            # named after the service only.
            for service, done in (
                visits.filtered("calendar_event_id").grouped("service_id").items()
            ):
                done.calendar_event_id.with_context(no_mail_to_attendees=True).write(
                    {"name": service.name}
                )
            visits.invalidate_recordset()
            self.env["rating.rating"].invalidate_model(["feedback"])
        # After the texts are gone: the reason says why they were cancelled.
        open_visits = visits.filtered(lambda v: v.state in ("requested", "scheduled"))
        if open_visits:
            open_visits._set_state("cancelled", reason=cancelled_reason)
            open_visits._sync_calendar()
        plans = (
            self.env["cmr.care.plan"]
            .with_context(active_test=False)
            .search([("partner_id", "in", partners.ids), ("active", "=", True)])
        )
        if plans:
            plans.write({"active": False, "last_error": False})
        gifts = self.env["cmr.care.gift"].search([("partner_id", "in", partners.ids)])
        proposed = gifts.filtered(lambda g: g.state == "draft")
        if proposed:
            proposed._set_state("cancelled")
        if gifts:
            self.env.flush_all()
            self.env.execute_query(
                SQL(
                    "UPDATE cmr_care_gift SET note = NULL WHERE id = ANY(%s)", gifts.ids
                )
            )
            self._delete_threads("cmr.care.gift", gifts.ids, keep_records=True)
            gifts.invalidate_recordset(["note"])
        # Greetings are append-only for everybody else: this is an exception.
        greetings = self.env.execute_query(
            SQL(
                "DELETE FROM cmr_care_greeting WHERE partner_id = ANY(%s) RETURNING id",
                partners.ids,
            )
        )
        self.env["cmr.care.greeting"].invalidate_model()
        self._log(
            "care",
            self.env._(
                "%(cancelled)s open visits cancelled, %(plans)s plans stopped, "
                "%(visits)s visits anonymised, %(gifts)s gifts kept without "
                "notes, %(greetings)s greetings deleted.",
                cancelled=len(open_visits),
                plans=len(plans),
                visits=len(visits),
                gifts=len(gifts),
                greetings=len(greetings),
            ),
            len(visits) + len(gifts) + len(greetings),
        )

    def _delete_threads(self, model, ids, keep_records=False):
        """Messages, their tracking values and mails, and files of records."""
        messages = self.env["mail.message"].search(
            [("model", "=", model), ("res_id", "in", ids)]
        )
        messages.unlink()
        self.env["ir.attachment"].search(
            [("res_model", "=", model), ("res_id", "in", ids)]
        ).unlink()

    def _erase_messages(self, partners, old_names, pseudonym, keep=None):
        """The customer's chatter: on their own record, deleted; written by
        them or sent to them on documents, emptied (legally held documents
        keep their own messages, without the customer's words). Tracking
        values naming them get the pseudonym."""
        Message = self.env["mail.message"]
        own = Message.search(
            [("model", "=", "res.partner"), ("res_id", "in", partners.ids)]
        )
        own.unlink()
        emails = [e for e in partners.mapped("email") if e]
        email_domain = [("email_from", "ilike", email) for email in emails]
        authored = Message.search(
            ["|"] * len(email_domain)
            + [("author_id", "in", partners.ids)]
            + email_domain
        )
        if authored:
            self.env.execute_query(
                SQL(
                    "UPDATE mail_message SET body = NULL, subject = NULL, "
                    "email_from = NULL, "
                    "author_id = NULL, reply_to = NULL WHERE id = ANY(%s)",
                    authored.ids,
                )
            )
        # E-mails to them, sent or not, but the confirmation they asked for.
        mail_domain = [("recipient_ids", "in", partners.ids)]
        for email in emails:
            mail_domain = ["|", ("email_to", "ilike", email), *mail_domain]
        self.env["mail.mail"].search(
            [("id", "not in", (keep or self.env["mail.mail"]).ids), *mail_domain]
        ).unlink()
        self.env["mail.followers"].search([("partner_id", "in", partners.ids)]).unlink()
        if old_names:
            # Tracked many2one changes store the partner's name as text.
            field_ids = (
                self.env["ir.model.fields"]
                .sudo()
                .search([("ttype", "=", "many2one"), ("relation", "=", "res.partner")])
                .ids
            )
            for column, id_column in (
                ("old_value_char", "old_value_integer"),
                ("new_value_char", "new_value_integer"),
            ):
                self.env.execute_query(
                    SQL(
                        "UPDATE mail_tracking_value SET %s = %s "
                        "WHERE field_id = ANY(%s) "
                        "AND %s = ANY(%s)",
                        SQL.identifier(column),
                        pseudonym,
                        field_ids,
                        SQL.identifier(id_column),
                        partners.ids,
                    )
                )
            self.env.execute_query(
                SQL(
                    "DELETE FROM mail_tracking_value WHERE old_value_char = ANY(%s) "
                    "OR new_value_char = ANY(%s)",
                    old_names,
                    old_names,
                )
            )
        Message.invalidate_model()
        self._log(
            "messages",
            self.env._("Messages deleted or emptied."),
            len(own) + len(authored),
        )

    def _erase_portal_users(self, partners):
        users = (
            self.env["res.users"]
            .with_context(active_test=False)
            .search([("partner_id", "in", partners.ids), ("share", "=", True)])
        )
        for user in users:
            user.write({"active": False, "login": f"erased-{user.id}"})
        self.env["res.users.log"].search([("create_uid", "in", users.ids)]).unlink()
        self._log("users", self.env._("Portal access closed."), len(users))

    def _erase_partners(self, partners, customer, pseudonym):
        """Contact details, interests and charter gone; the name replaced by
        the pseudonym where the company's setting allows."""
        rename = self.company_id.cmr_erasure_name_policy == "pseudonymise"
        charter = {
            "cmr_interest_ids": [(5, 0, 0)],
            "cmr_topic_ids": [(5, 0, 0)],
            "cmr_channel_pref_ids": [(5, 0, 0)],
            "cmr_window_ids": [(5, 0, 0)],
            "cmr_quiet_day_ids": [(5, 0, 0)],
            "cmr_important_date_ids": [(5, 0, 0)],
            "cmr_do_not_contact": True,
        }
        vals = dict(
            {name: False for name in PERSONAL_FIELDS if name in partners._fields},
            **charter,
        )
        # active_test on: Odoo checks that no active user is left on a partner.
        for partner in partners.with_context(cmr_erasure=True, active_test=True):
            values = dict(vals, cmr_erased=True, active=False)
            if rename:
                values["name"] = (
                    pseudonym
                    if partner == customer
                    else self.env._("%(pseudonym)s, contact", pseudonym=pseudonym)
                )
            partner.write(values)
        self._log(
            "partner",
            self.env._(
                "Contact details, interests and charter removed; name %(what)s.",
                what=self.env._("pseudonymised") if rename else self.env._("kept"),
            ),
            len(partners),
        )

    def _erase_ledgers(self, partners):
        """The charter ledger keeps that a change happened, not its content
        (append-only for everybody else: this is the one exception)."""
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                "UPDATE cmr_charter_log SET old_value = NULL, new_value = NULL, "
                "old_key = NULL, new_key = NULL WHERE partner_id = ANY(%s)",
                partners.ids,
            )
        )
        self.env["cmr.charter.log"].invalidate_model()
        self._log("ledger", self.env._("Charter ledger values removed."))
