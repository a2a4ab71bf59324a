"""Greetings on the customer's birthday and important dates.

One hourly scheduled action finds, in one SQL statement over all
customers, the greetings due today in each customer's own time zone and
not yet handled, asks the contact gate whether each may be sent now on the
customer's preferred channel, sends those allowed, leaves for a later run
those the gate allows later the same local day, and drops (logged) those
it will not allow before the day ends: never late by days, never twice
(a unique key per customer, occasion and day).
"""

from collections import defaultdict

import pytz

from odoo import api, fields, models
from odoo.tools import SQL

# Greetings sent or dropped per transaction by the scheduled action.
GREETING_BATCH = 2000

DUE_QUERY = """
WITH zone (tz, local_date, leap) AS (
    SELECT * FROM unnest(%(tz)s::varchar[], %(local_date)s::date[], %(leap)s::bool[])
),
customer AS (
    SELECT p.id, p.cmr_birthday, zone.local_date, zone.leap
      FROM res_partner p
      JOIN zone ON zone.tz = COALESCE(p.tz, '')
     WHERE p.active AND NOT COALESCE(p.cmr_do_not_contact, FALSE)
),
due AS (
    SELECT c.id AS partner_id, 'birthday' AS occasion, NULL::int AS date_id,
           c.local_date
      FROM customer c
     WHERE c.cmr_birthday IS NOT NULL
       AND (to_char(c.cmr_birthday, 'MM-DD') = to_char(c.local_date, 'MM-DD')
            OR (NOT c.leap AND to_char(c.cmr_birthday, 'MM-DD') = '02-29'
                AND to_char(c.local_date, 'MM-DD') = '02-28'))
    UNION ALL
    SELECT c.id, 'important_date', d.id, c.local_date
      FROM customer c
      JOIN cmr_important_date d ON d.partner_id = c.id
     WHERE (d.yearly AND (to_char(d.date, 'MM-DD') = to_char(c.local_date, 'MM-DD')
                          OR (NOT c.leap AND to_char(d.date, 'MM-DD') = '02-29'
                              AND to_char(c.local_date, 'MM-DD') = '02-28')))
        OR (NOT d.yearly AND d.date = c.local_date)
)
SELECT due.partner_id, due.occasion, due.date_id, due.local_date
  FROM due
 WHERE NOT EXISTS (
     SELECT 1 FROM cmr_care_greeting g
      WHERE g.partner_id = due.partner_id
        AND g.occasion = due.occasion
        AND g.date_key = COALESCE(due.date_id, 0)
        AND g.day = due.local_date
 )
 ORDER BY due.partner_id
"""


class CmrCareGreeting(models.Model):
    """One greeting per customer, occasion and day: sent, or dropped with
    the gate's reason. The unique key makes a second one impossible."""

    _name = "cmr.care.greeting"
    _inherit = ["cmr.append.only.mixin"]
    _description = "Care Greeting"
    _order = "day desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", index=True, default=lambda self: self.env.company
    )
    occasion = fields.Selection(
        [("birthday", "Birthday"), ("important_date", "Important Date")],
        required=True,
    )
    important_date_id = fields.Many2one("cmr.important.date", ondelete="set null")
    date_key = fields.Integer(
        required=True, default=0, help="The important date's id; 0 for a birthday."
    )
    day = fields.Date(required=True, help="The customer's local day of the occasion.")
    state = fields.Selection(
        [("sent", "Queued through the Gate"), ("dropped", "Dropped")],
        required=True,
        default="sent",
    )
    refusal_reason = fields.Char(readonly=True)
    contact_id = fields.Many2one("cmr.contact", ondelete="set null", readonly=True)

    _sql_constraints = [
        (
            "once_a_day",
            "UNIQUE (partner_id, occasion, date_key, day)",
            "A customer is greeted once per occasion and day.",
        ),
    ]

    # ------------------------------------------------------------------
    # Finding what is due
    # ------------------------------------------------------------------
    @api.model
    def _zones(self, now):
        """Each stored time zone with its local date at ``now``."""
        default_tz = self.env.company.partner_id.tz or "UTC"
        rows = self.env.execute_query(
            SQL("SELECT DISTINCT COALESCE(tz, '') FROM res_partner WHERE active")
        )
        columns = defaultdict(list)
        for (tz_name,) in rows:
            try:
                zone = pytz.timezone(tz_name or default_tz)
            except pytz.UnknownTimeZoneError:
                zone = pytz.timezone(default_tz)
            local = pytz.utc.localize(now).astimezone(zone)
            year = local.year
            columns["tz"].append(tz_name or "")
            columns["local_date"].append(local.date())
            columns["leap"].append(
                year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
            )
        return columns

    @api.model
    def _due(self, now=None):
        """``[(partner_id, occasion, important_date_id, local_day)]`` due at
        ``now`` (naive UTC) and not handled yet: one SQL statement."""
        now = now or fields.Datetime.now()
        for model in ("res.partner", "cmr.important.date", "cmr.care.greeting"):
            self.env[model].flush_model()
        params = self._zones(now)
        return self.env.execute_query(SQL(DUE_QUERY, **params))

    @api.model
    def _expire(self, now):
        """Cancel the greetings' contacts still waiting in the queue once the
        customer's day is over (the gate closed before they could go): a
        greeting is never sent late. One statement finds them."""
        self.env["cmr.contact"].flush_model()
        self.flush_model()
        params = self._zones(now)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT g.id, g.contact_id
                  FROM cmr_care_greeting g
                  JOIN cmr_contact c ON c.id = g.contact_id AND c.state = 'queued'
                  JOIN res_partner p ON p.id = g.partner_id
                  JOIN unnest(%(tz)s::varchar[], %(local_date)s::date[])
                       AS zone(tz, local_date) ON zone.tz = COALESCE(p.tz, '')
                 WHERE g.state = 'sent' AND g.day < zone.local_date
                """,
                tz=params["tz"],
                local_date=params["local_date"],
            )
        )
        if not rows:
            return
        self.env["cmr.contact"].sudo().browse([row[1] for row in rows]).action_cancel()
        # Greetings are append-only for people; the day's outcome is the
        # scheduled action's to record.
        self.env.execute_query(
            SQL(
                "UPDATE cmr_care_greeting SET state = 'dropped', "
                "refusal_reason = 'expired' WHERE id = ANY(%s)",
                [row[0] for row in rows],
            )
        )
        self.invalidate_model(["state", "refusal_reason"])

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------
    @api.model
    def _cron_send_greetings(self, now=None, batch_size=GREETING_BATCH):
        """Send the greetings due now (see the module's docstring), at most
        ``batch_size`` sent or dropped per call: the scheduler commits each
        call and calls again while some are left. A greeting row is written
        with its contact in the same transaction, under the unique key: a
        call that crashed left neither, the next one sends it, once."""
        now = now or fields.Datetime.now()
        self._expire(now)
        due = self._due(now)
        if not due:
            return self.browse()
        Partner = self.env["res.partner"].sudo()
        partners = Partner.browse({row[0] for row in due})
        default_channel = self.env["cmr.channel"].search(
            [("accepted_by_default", "=", True)], limit=1
        )
        topic = self.env.ref(
            "cmr_module.cmr_topic_relationship", raise_if_not_found=False
        )
        # Records taken from the batch keep its prefetching: one read for all.
        by_id = {partner.id: partner for partner in partners}
        by_channel = defaultdict(list)
        for row in due:
            channel = by_id[row[0]].cmr_preferred_channel_id or default_channel
            by_channel[channel].append(row)
        Contact = self.env["cmr.contact"].sudo()
        gate = self.env["cmr.contact.gate"]
        # What this run can do now: (channel, refusal or None to send, row).
        # Greetings the gate allows later today wait; a customer's second
        # occasion of the day waits for the next call (one greeting per
        # customer per call to the contact log).
        actions, deferred = [], 0
        for channel, rows in by_channel.items():
            if not channel:
                actions += [(channel, "channel_refused", row) for row in rows]
                continue
            answers = gate._check(
                list({row[0] for row in rows}), channel, topic or None, now
            )
            seen = set()
            for row in rows:
                answer = answers[row[0]]
                if answer["allowed"]:
                    if row[0] in seen:
                        deferred += 1
                        continue
                    seen.add(row[0])
                    actions.append((channel, None, row))
                elif not self._later_today(by_id[row[0]], answer, row[3]):
                    actions.append((channel, answer["reason"], row))
        batch = actions[:batch_size]
        drop, send = defaultdict(list), defaultdict(list)
        for channel, reason, row in batch:
            if reason:
                drop[reason].append(row)
            else:
                send[channel].append(row)
        created = self.browse()
        for reason, dropped in drop.items():
            created |= self._record(dropped, "dropped", reason)
        for channel, rows in send.items():
            created |= self._send(rows, channel, topic, Contact)
        self.env["ir.cron"]._notify_progress(
            done=len(batch), remaining=len(actions) - len(batch) + deferred
        )
        return created

    @api.model
    def _later_today(self, partner, answer, day):
        """Whether the gate allows this customer later on their local
        ``day``: then the greeting waits for the next run."""
        next_allowed = answer.get("next_allowed")
        if not next_allowed:
            return False
        zone = self.env["cmr.care.visit"]._partner_zone(partner)
        local = pytz.utc.localize(next_allowed).astimezone(zone)
        return local.date() == day

    @api.model
    def _record(self, rows, state, reason=False):
        return self.sudo().create(
            [
                {
                    "partner_id": partner_id,
                    "occasion": occasion,
                    "important_date_id": date_id,
                    "date_key": date_id or 0,
                    "day": day,
                    "state": state,
                    "refusal_reason": reason,
                }
                for partner_id, occasion, date_id, day in rows
            ]
        )

    @api.model
    def _send(self, rows, channel, topic, Contact):
        """Render each customer's greeting in their language and send it
        through the gate; the greeting rows are written first (the unique
        key refuses a concurrent second run)."""
        greetings = self._record(rows, "sent")
        subjects, bodies, origins = {}, {}, {}
        templates = {
            "birthday": self.env.ref(
                "cmr_module.mail_template_cmr_care_birthday", raise_if_not_found=False
            ),
            "important_date": self.env.ref(
                "cmr_module.mail_template_cmr_care_important_date",
                raise_if_not_found=False,
            ),
        }
        for occasion in ("birthday", "important_date"):
            group = greetings.filtered(lambda g, o=occasion: g.occasion == o)
            template = templates[occasion]
            if not group or not template:
                continue
            # The template renders the greeting (the customer's language
            # comes from its lang field); one render per field for the group.
            subject = template._render_field("subject", group.ids, compute_lang=True)
            body = template._render_field("body_html", group.ids, compute_lang=True)
            for greeting in group:
                subjects[greeting.partner_id.id] = subject[greeting.id]
                bodies[greeting.partner_id.id] = body[greeting.id]
                origins[greeting.partner_id.id] = greeting
        # Queued through the gate: the contact log's scheduled action
        # delivers them by batches (triggered now), each in the window the
        # gate found open; one still waiting when the customer's day is over
        # is cancelled by the next run (``_expire``).
        contacts = Contact._send(
            greetings.partner_id,
            channel,
            topic,
            subjects,
            bodies,
            origin=origins,
            deliver=False,
        )
        cron = self.env.ref("cmr_module.ir_cron_cmr_send_queued", False)
        if cron:
            cron._trigger()
        by_partner = {contact.partner_id.id: contact for contact in contacts}
        # One row each: the contact ids differ (an UPDATE ... FROM VALUES).
        if contacts:
            self.env.execute_query(
                SQL(
                    "UPDATE cmr_care_greeting g SET contact_id = v.contact_id "
                    "FROM unnest(%s::int[], %s::int[]) AS v(greeting_id, contact_id) "
                    "WHERE g.id = v.greeting_id",
                    [g.id for g in greetings if g.partner_id.id in by_partner],
                    [
                        by_partner[g.partner_id.id].id
                        for g in greetings
                        if g.partner_id.id in by_partner
                    ],
                )
            )
            greetings.invalidate_recordset(["contact_id"])
        return greetings
