from collections import defaultdict

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

# Queued contacts the scheduled action releases per transaction.
RELEASE_BATCH = 1000

GATE_REASONS = [
    ("do_not_contact", "Do not contact"),
    ("channel_refused", "Channel not accepted"),
    ("topic_not_wanted", "Topic not wanted"),
    ("quiet_day", "Quiet day"),
    ("outside_window", "Outside contact window"),
    ("cap_reached", "Frequency cap reached"),
]


class CmrContactLog(models.Model):
    """Every contact the company makes, or wants to make, with a customer.

    It is both the outbox of the contact gate (messages wait here until the
    customer's charter allows them) and the contact log that frequency caps
    count. Staff log the calls and visits they make here too.
    """

    _name = "cmr.contact"
    _description = "Contact Log Entry"
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    channel_id = fields.Many2one(
        "cmr.channel", required=True, index=True, ondelete="restrict"
    )
    topic_id = fields.Many2one("cmr.topic", ondelete="restrict")
    subject = fields.Char(required=True)
    body = fields.Html()
    state = fields.Selection(
        [
            ("queued", "Waiting for the Customer's Window"),
            ("to_deliver", "To Deliver"),
            ("sent", "Done"),
            ("refused", "Refused"),
            ("cancelled", "Cancelled"),
        ],
        default="sent",
        required=True,
        index=True,
    )
    date = fields.Datetime(
        string="Contact Date",
        default=fields.Datetime.now,
        index=True,
        help="When the contact was made, or released by the gate.",
    )
    scheduled_date = fields.Datetime(
        string="Next Try", help="The first moment the customer's charter allows."
    )
    refusal_reason = fields.Selection(
        GATE_REASONS, readonly=True, groups="cmr_module.group_cmr_user"
    )
    user_id = fields.Many2one(
        "res.users",
        string="Staff",
        default=lambda self: self.env.user,
        groups="cmr_module.group_cmr_user",
    )
    res_model = fields.Char(
        string="Origin Model", readonly=True, groups="cmr_module.group_cmr_user"
    )
    res_id = fields.Many2oneReference(
        string="Origin Record",
        model_field="res_model",
        readonly=True,
        index=True,
        groups="cmr_module.group_cmr_user",
    )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_made(self):
        if any(contact.state in ("sent", "to_deliver") for contact in self):
            raise UserError(
                self.env._(
                    "Contacts made are kept: frequency caps and the customer's "
                    "history count them. Cancel a contact instead."
                )
            )

    # ------------------------------------------------------------------
    # Sending through the gate
    # ------------------------------------------------------------------
    @api.model
    def _send(self, partners, channel, topic, subject, body, origin=None, deliver=True):
        """Send ``subject``/``body`` to each partner if the gate allows it now.

        ``subject``, ``body`` and ``origin`` (the record the contact is
        about) are one value for all, or dicts keyed by partner id. Refused
        contacts that time will allow are queued for the next allowed
        moment; the others are kept as refused. Returns the contacts, as
        superuser. With ``deliver=False`` even the contacts the gate allows
        now wait in the queue: the scheduled action sends them by batches
        (bulk notices such as the tier changes).
        """
        channel = self.env["cmr.channel"]._get_by_code(channel)
        Topic = self.env["cmr.topic"]
        topic = Topic._get_by_code(topic) if topic else Topic
        # Internal sends work whoever triggered them (e.g. a customer in the
        # portal): the gate answers employees only, and the log is the addon's.
        partners = partners.sudo()
        now_ids = set()
        if deliver:
            # Delivering now spends the customers' caps: two sends to one
            # customer (this one and the queue's release) never both pass.
            # A scheduled action (context ``cmr_contact_skip_locked``) does
            # not wait for a customer another transaction holds: that
            # customer's contact waits in the queue for the release instead.
            now_ids = set(
                self._lock_partners(
                    partners.ids,
                    skip_locked=self.env.context.get("cmr_contact_skip_locked"),
                )
            )
        answers = partners.cmr_check_contact(channel, topic or None)
        now = fields.Datetime.now()
        vals_list = []
        for partner in partners:
            answer = answers[partner.id]
            source = origin.get(partner.id) if isinstance(origin, dict) else origin
            vals = {
                "partner_id": partner.id,
                "company_id": (partner.company_id or self.env.company).id,
                "channel_id": channel.id,
                "topic_id": topic.id,
                "subject": subject[partner.id]
                if isinstance(subject, dict)
                else subject,
                "body": body[partner.id] if isinstance(body, dict) else body,
                "date": now,
                "res_model": source and source._name,
                "res_id": source and source.id,
            }
            if not answer["allowed"]:
                vals.update(
                    state="queued" if answer["next_allowed"] else "refused",
                    refusal_reason=answer["reason"],
                    scheduled_date=answer["next_allowed"],
                    date=False,
                )
            else:
                vals["state"] = "queued"
                if partner.id not in now_ids:
                    vals.update(scheduled_date=now, date=False)
            vals_list.append(vals)
        contacts = self.sudo().create(vals_list)
        if deliver:
            contacts.filtered(
                lambda c: not c.refusal_reason and c.partner_id.id in now_ids
            )._deliver()
        return contacts

    def _deliver(self):
        """Deliver contacts the gate has let through."""
        now = fields.Datetime.now()
        by_email = self.filtered(lambda c: c.channel_id.delivery == "email")
        for contact in by_email:
            contact.partner_id.message_post(
                body=contact.body,
                subject=contact.subject,
                partner_ids=contact.partner_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        by_email.write({"state": "sent", "date": now, "refusal_reason": False})
        manual = self - by_email
        for contact in manual:
            contact.partner_id.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._(
                    "%(channel)s: %(subject)s",
                    channel=contact.channel_id.name,
                    subject=contact.subject,
                ),
                note=contact.body,
                user_id=(
                    contact.partner_id.user_id or contact.user_id or self.env.user
                ).id,
            )
        manual.write({"state": "to_deliver", "date": now, "refusal_reason": False})

    @api.model
    def _lock_partners(self, partner_ids, skip_locked=False):
        """Lock the customers' rows until the transaction ends, and rewrite
        them (same values), before the gate counts their contacts against
        the caps: a second sender waits; in REPEATABLE READ it is then
        refused (serialization failure) and retried, and counts the first's
        contact. With ``skip_locked``, customers another transaction holds
        are left out. Returns the ids locked."""
        ids = sorted(set(partner_ids))
        if not ids:
            return []
        self.env["res.partner"].flush_model()
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM res_partner WHERE id = ANY(%s) ORDER BY id "
                "FOR NO KEY UPDATE %s",
                ids,
                SQL("SKIP LOCKED") if skip_locked else SQL(),
            )
        )
        locked = [row[0] for row in rows]
        if locked:
            self.env.execute_query(
                SQL(
                    "UPDATE res_partner SET write_date = write_date WHERE id = ANY(%s)",
                    locked,
                )
            )
        return locked

    @api.model
    def _queued_due(self, now, limit):
        """The next ``limit`` queued contacts due at ``now``, locked; those
        another transaction holds are skipped."""
        self.flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT id FROM cmr_contact
                 WHERE state = 'queued' AND scheduled_date <= %s
                 ORDER BY scheduled_date, id
                 LIMIT %s
                   FOR NO KEY UPDATE SKIP LOCKED
                """,
                now,
                limit,
            )
        )
        return self.browse(row[0] for row in rows)

    @api.model
    def _cron_send_queued(self, batch_size=RELEASE_BATCH):
        """Send the queued contacts whose next allowed moment has come, a
        batch per call (the scheduler commits it and calls again while some
        are due). Contacts and customers another transaction holds (staff
        cancelling the contact, a send to the customer now) are skipped:
        the next call takes them."""
        now = fields.Datetime.now()
        queued = self._queued_due(now, batch_size)
        locked = set(self._lock_partners(queued.partner_id.ids, skip_locked=True))
        queued = queued.filtered(lambda c: c.partner_id.id in locked)
        groups = {}
        for contact in queued:
            groups.setdefault((contact.channel_id, contact.topic_id), self.browse())
            groups[(contact.channel_id, contact.topic_id)] |= contact
        for (channel, topic), contacts in groups.items():
            answers = contacts.partner_id.cmr_check_contact(channel, topic or None)
            released = contacts.filtered(
                lambda c, a=answers: a[c.partner_id.id]["allowed"]
            )
            # One write per new (state, reason, next try), not per contact.
            updates = defaultdict(lambda: self.browse())
            for contact in contacts - released:
                answer = answers[contact.partner_id.id]
                key = (
                    "queued" if answer["next_allowed"] else "refused",
                    answer["reason"],
                    answer["next_allowed"],
                )
                updates[key] |= contact
            for (state, reason, next_allowed), waiting in updates.items():
                waiting.write(
                    {
                        "state": state,
                        "refusal_reason": reason,
                        "scheduled_date": next_allowed,
                    }
                )
            # Two contacts for the same customer may not both pass one cap.
            seen = set()
            first = self.browse()
            for contact in released:
                if contact.partner_id.id not in seen:
                    seen.add(contact.partner_id.id)
                    first |= contact
            first._deliver()
        self.flush_model()
        remaining = self.search_count(
            [("state", "=", "queued"), ("scheduled_date", "<=", now)]
        )
        self.env["ir.cron"]._notify_progress(done=len(queued), remaining=remaining)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_mark_delivered(self):
        if any(contact.state != "to_deliver" for contact in self):
            raise UserError(
                self.env._("Only contacts to deliver can be marked as done.")
            )
        self.write({"state": "sent", "date": fields.Datetime.now()})

    def action_cancel(self):
        if any(contact.state == "sent" for contact in self):
            raise UserError(self.env._("A contact already made cannot be cancelled."))
        self.write({"state": "cancelled"})

    # ------------------------------------------------------------------
    # Messages of this addon
    # ------------------------------------------------------------------
    @api.model
    def _send_on_preferred_channel(
        self, partners, topic, subject, body, origin=None, deliver=True
    ):
        """``_send`` on each partner's preferred channel, or else on the first
        channel accepted by default; partners with neither are skipped."""
        default_channel = self.env["cmr.channel"].search(
            [("accepted_by_default", "=", True)], limit=1
        )
        by_channel = defaultdict(lambda: self.env["res.partner"])
        for partner in partners:
            channel = partner.cmr_preferred_channel_id or default_channel
            if channel:
                by_channel[channel] |= partner
        contacts = self.browse()
        for channel, channel_partners in by_channel.items():
            contacts |= self._send(
                channel_partners,
                channel,
                topic,
                subject,
                body,
                origin=origin,
                deliver=deliver,
            )
        return contacts

    @api.model
    def _notify_charter_change(self, ledger_lines):
        """Tell customers, each in their language and on their preferred
        channel, what staff changed in their charter."""
        topic = self.env.ref(
            "cmr_module.cmr_topic_relationship", raise_if_not_found=False
        )
        if not topic:
            return self.browse()
        subjects, bodies = {}, {}
        for partner in ledger_lines.partner_id:
            lines = ledger_lines.filtered(lambda line, p=partner: line.partner_id == p)
            subjects[partner.id], bodies[partner.id] = self._charter_change_message(
                partner, lines
            )
        return self._send_on_preferred_channel(
            ledger_lines.partner_id, topic, subjects, bodies
        )

    def _charter_change_message(self, partner, ledger_lines):
        """Subject and body of the notice, in the customer's language."""
        env = partner.with_context(lang=partner.lang or self.env.lang).env
        items = Markup("").join(
            Markup("<li>%s: %s → %s</li>")
            % (line.item, line.old_value or "-", line.new_value or "-")
            for line in ledger_lines
        )
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            escape(
                env._(
                    "%(user)s changed your relationship charter:",
                    user=self.env.user.name,
                )
            ),
            items,
        )
        return env._("Your relationship charter was updated"), body
