import logging
from datetime import datetime, time, timedelta

import psycopg2.errors
import pytz
from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, format_date, format_datetime

from .cmr_complaint_selections import OPEN_STATES
from .cmr_input_guard import LONG_TEXT_MAX, NAME_MAX

_logger = logging.getLogger(__name__)

# A review is held on time within this many days of its plan.
ON_TIME_DAYS = 14
# How far ahead the planner looks for a slot in the customer's windows.
SLOT_SEARCH_DAYS = 28

STATES = [("planned", "Planned"), ("held", "Held"), ("cancelled", "Cancelled")]


class CmrKeyaccountReview(models.Model):
    """A review meeting of a key account with its team: planned every few
    months (quarterly by default) in the customer's preferred place and
    contact window, with an agenda prefilled from the mining center,
    minutes, decisions and action items (activities assigned to team
    members). The meeting is a calendar event with the team as attendees;
    the customer's contacts are invited through the contact gate."""

    _name = "cmr.keyaccount.review"
    _inherit = ["mail.thread", "mail.activity.mixin", "cmr.input.guard"]
    _description = "Key-account Review"
    _order = "planned_date desc, id desc"
    _check_company_auto = True

    _input_text_limits = {
        "name": NAME_MAX,
        "location": NAME_MAX,
        "agenda": LONG_TEXT_MAX,
        "minutes": LONG_TEXT_MAX,
        "decisions": LONG_TEXT_MAX,
    }
    _input_number_ranges = {"duration": (0.25, 8.0)}

    name = fields.Char(required=True, default=lambda s: s.env._("Quarterly review"))
    partner_id = fields.Many2one(
        "res.partner",
        string="Key Account",
        required=True,
        index=True,
        ondelete="cascade",
        tracking=True,
        domain="[('cmr_key_account', '=', True)]",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda s: s.env.company
    )
    state = fields.Selection(STATES, default="planned", required=True, tracking=True)
    planned_date = fields.Datetime(
        string="Planned For",
        required=True,
        tracking=True,
        help="Inside one of the customer's contact windows, in their time zone.",
    )
    duration = fields.Float(default=1.0, help="Hours.")
    held_date = fields.Datetime(string="Held On", tracking=True, copy=False)
    location = fields.Char(help="The customer's preferred place.")
    event_id = fields.Many2one(
        "calendar.event", string="Meeting", copy=False, ondelete="set null"
    )
    member_ids = fields.One2many(related="partner_id.cmr_keyaccount_member_ids")
    lead_id = fields.Many2one(
        "res.users", compute="_compute_lead_id", string="Team Lead", store=True
    )
    agenda = fields.Html(help="Prefilled from the mining center when planned.")
    minutes = fields.Html()
    decisions = fields.Html()
    shared = fields.Boolean(
        string="Shared with the Customer",
        tracking=True,
        help="The customer reads the minutes and decisions in the portal.",
    )
    held_on_time = fields.Boolean(
        string="Held Within 14 Days",
        compute="_compute_held_on_time",
        store=True,
        help="Held within 14 days of the planned date.",
    )
    review_count = fields.Integer(
        string="Reviews", default=1, readonly=True, aggregator="sum"
    )
    held_on_time_count = fields.Integer(
        string="Held on Time",
        compute="_compute_held_on_time",
        store=True,
        aggregator="sum",
    )
    invitation_ids = fields.Many2many(
        "cmr.contact",
        string="Invitations",
        copy=False,
        readonly=True,
        help="The invitations sent (or queued, or refused) by the contact gate.",
    )

    _sql_constraints = [
        # The scheduled action and a user planning at the same moment: one
        # planned review per key account, the second waits and is refused.
        (
            "one_planned",
            "EXCLUDE (partner_id WITH =) WHERE (state = 'planned')",
            "A key account has one planned review at a time: hold or cancel it "
            "before planning the next.",
        ),
    ]

    @api.depends("partner_id.cmr_keyaccount_member_ids.is_lead")
    def _compute_lead_id(self):
        for review in self:
            leads = review.partner_id.cmr_keyaccount_member_ids.filtered("is_lead")
            review.lead_id = leads[:1].user_id

    @api.depends("state", "held_date", "planned_date")
    def _compute_held_on_time(self):
        for review in self:
            on_time = (
                review.state == "held"
                and review.held_date
                and abs((review.held_date - review.planned_date).days) <= ON_TIME_DAYS
            )
            review.held_on_time = bool(on_time)
            review.held_on_time_count = 1 if on_time else 0

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("planned_date", "duration", "partner_id", "state")
    def _check_in_window(self):
        for review in self.filtered(lambda r: r.state == "planned"):
            if not review.partner_id._cmr_in_contact_window(
                review.planned_date, review.duration
            ):
                raise ValidationError(
                    self.env._(
                        "%(customer)s is not to be met at %(moment)s: plan the review "
                        "inside one of their contact windows (%(windows)s).",
                        customer=review.partner_id.display_name,
                        moment=format_datetime(
                            self.env,
                            review.planned_date,
                            tz=review.partner_id.tz or "UTC",
                        ),
                        windows=", ".join(
                            review.partner_id.cmr_window_ids.mapped("display_name")
                        ),
                    )
                )

    @api.constrains("planned_date", "duration", "partner_id", "state")
    def _check_quiet_day(self):
        for review in self.filtered(lambda r: r.state == "planned"):
            if review.partner_id._cmr_on_quiet_day(
                review.planned_date, review.duration
            ):
                raise ValidationError(
                    self.env._(
                        "%(customer)s asked not to be contacted on %(day)s (a quiet "
                        "day of their charter): plan the review on another day.",
                        customer=review.partner_id.display_name,
                        day=format_date(
                            self.env,
                            pytz.utc.localize(review.planned_date)
                            .astimezone(pytz.timezone(review.partner_id.tz or "UTC"))
                            .date(),
                        ),
                    )
                )

    @api.constrains("partner_id")
    def _check_key_account(self):
        for review in self:
            if not review.partner_id.sudo().cmr_key_account:
                raise ValidationError(
                    self.env._(
                        "%(customer)s is not a key account: flag it and give it "
                        "a team first.",
                        customer=review.partner_id.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        partners = self.env["res.partner"].browse(
            {vals["partner_id"] for vals in vals_list if vals.get("partner_id")}
        )
        agendas = self._prepare_agendas(partners)
        for vals in vals_list:
            partner_id = vals.get("partner_id")
            if partner_id and not vals.get("agenda"):
                vals["agenda"] = agendas[partner_id]
            if partner_id and not vals.get("location"):
                vals["location"] = self._default_location(
                    self.env["res.partner"].browse(partner_id)
                )
        # A review held or cancelled just before, still in the cache, must
        # reach the database before the one-planned-review check sees this one.
        self.flush_model(["state"])
        reviews = super().create(vals_list)
        reviews.filtered(lambda r: r.state == "planned")._sync_events()
        return reviews

    def write(self, vals):
        result = super().write(vals)
        if {"planned_date", "duration", "location", "name"} & set(vals):
            self.filtered(lambda r: r.state == "planned")._sync_events()
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_mark_held(self):
        self.ensure_one()
        self.write(
            {"state": "held", "held_date": self.held_date or fields.Datetime.now()}
        )
        return True

    def action_cancel(self):
        self.ensure_one()
        self.write({"state": "cancelled"})
        if self.event_id:
            self.event_id.sudo().with_context(no_mail_to_attendees=True).write(
                {"active": False}
            )
        return True

    def action_invite_customer(self):
        """Invite the customer's contacts through the contact gate."""
        self.ensure_one()
        contacts = self._send_invitations()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._(
                    "%(sent)s invitation(s) sent or queued, %(refused)s refused by "
                    "the customers' charters.",
                    sent=len(contacts.filtered(lambda c: c.state != "refused")),
                    refused=len(contacts.filtered(lambda c: c.state == "refused")),
                ),
            },
        }

    def action_add_action_item(self):
        """Give a team member an action item (an activity on the review)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Add an Action Item"),
            "res_model": "cmr.keyaccount.action.item.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_review_id": self.id},
        }

    def _get_form_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    @api.model
    def _default_location(self, partner):
        places = dict(
            partner._fields["cmr_preferred_place"]._description_selection(self.env)
        )
        place = places.get(partner.cmr_preferred_place) or self.env._("Office")
        address = ", ".join(filter(None, [partner.street, partner.city]))
        return f"{place} – {address}" if address else place

    @api.model
    def _prepare_agendas(self, partners):
        """{partner id: agenda} of ``partners``; the extra items of all of
        them are read at once (``_agenda_extra_items_multi``)."""
        extra = self._agenda_extra_items_multi(partners)
        moves, complaints = self._agenda_figures(partners)
        return {
            p.id: self._prepare_agenda(
                p,
                extra.get(p.id, []),
                moves.get(p.id, self.env["cmr.tier.history"]),
                complaints.get(p.id, 0),
            )
            for p in partners
        }

    @api.model
    def _agenda_figures(self, partners):
        """The last three tier moves and the number of open complaints of
        each of ``partners``, in two queries: ``({partner id: moves, newest
        first}, {partner id: open complaints})``."""
        if not partners:
            return {}, {}
        History = self.env["cmr.tier.history"].sudo()
        History.flush_model(["partner_id", "date"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT id FROM (
                    SELECT id, ROW_NUMBER() OVER (
                               PARTITION BY partner_id ORDER BY date DESC, id DESC
                           ) AS rank
                      FROM cmr_tier_history
                     WHERE partner_id = ANY(%s)
                ) ranked
                 WHERE rank <= 3
                """,
                partners.ids,
            )
        )
        moves = {}
        for move in History.browse(row[0] for row in rows).sorted():
            moves.setdefault(move.partner_id.id, History)
            moves[move.partner_id.id] |= move
        complaints = {
            partner.id: count
            for partner, count in self.env["cmr.complaint"]
            .sudo()
            ._read_group(
                [
                    ("commercial_partner_id", "in", partners.ids),
                    ("state", "in", OPEN_STATES),
                ],
                ["commercial_partner_id"],
                ["__count"],
            )
        }
        return moves, complaints

    @api.model
    def _prepare_agenda(self, partner, extra_items=None, moves=None, complaints=None):
        """The agenda, prefilled from the mining center: tier and score
        trend, open complaints, churn risk and value, care usage."""
        if extra_items is None:
            return self._prepare_agendas(partner)[partner.id]
        partner = partner.sudo()
        env = self.env
        items = []
        if partner.cmr_tier_id:
            score = "%.1f" % partner.cmr_score
            trend = " → ".join(
                f"{m.to_tier_id.name} ({m.score:.1f})" for m in reversed(moves or [])
            )
            items.append(
                env._(
                    "Tier and score: %(tier)s, score %(score)s; last moves: %(trend)s",
                    tier=partner.cmr_tier_id.name,
                    score=score,
                    trend=trend or "-",
                )
            )
        items.append(env._("Open complaints: %s", complaints or 0))
        activity = partner.cmr_activity_id
        if activity:
            states = dict(activity._fields["state"]._description_selection(env))
            value = f"{activity.clv:,.2f}"
            items.append(
                env._(
                    "Churn risk: %(state)s; last purchase %(date)s, usually every "
                    "%(interval)s days; lifetime value %(clv)s",
                    state=states.get(activity.state),
                    date=format_date(env, activity.last_purchase_date),
                    interval=activity.usual_interval or "-",
                    clv=value,
                )
            )
        items.extend(extra_items)
        items.append(env._("Action items of the last review"))
        items.append(env._("Decisions and next steps"))
        return Markup("<ol>%s</ol>") % Markup("").join(
            Markup("<li>%s</li>") % item for item in items
        )

    @api.model
    def _agenda_extra_items(self, partner):
        """Hook: more agenda items of one key account."""
        return []

    @api.model
    def _agenda_extra_items_multi(self, partners):
        """Hook: {partner id: [more agenda items]} for many key accounts at
        once; override this one to read their figures in one query (care
        usage: ``cmr_keyaccount_review_care.py``)."""
        return {partner.id: self._agenda_extra_items(partner) for partner in partners}

    def _sync_events(self):
        """Create or move the calendar events of planned reviews; the team
        attends. No calendar e-mail: the customer is invited through the
        contact gate (``_send_invitations``)."""
        Event = (
            self.env["calendar.event"]
            .sudo()
            .with_context(no_mail_to_attendees=True, mail_create_nolog=True)
        )
        model = self.env["ir.model"]._get_id(self._name)
        creates, reviews = [], self.browse()
        for review in self:
            vals = {
                "name": f"{review.name}: {review.partner_id.display_name}",
                "start": review.planned_date,
                "stop": review.planned_date + timedelta(hours=review.duration),
                "location": review.location,
                "description": review.agenda,
                "partner_ids": [(6, 0, review.member_ids.user_id.partner_id.ids)],
                "user_id": review.lead_id.id or self.env.uid,
                "res_model_id": model,
                "res_id": review.id,
            }
            if review.event_id:
                review.event_id.sudo().with_context(no_mail_to_attendees=True).write(
                    vals
                )
            else:
                creates.append(vals)
                reviews |= review
        for review, event in zip(reviews, Event.create(creates), strict=True):
            # The event_id is not among the fields that move the event.
            review.event_id = event

    def _send_invitations(self):
        """The invitation, to the company and its contacts, through the gate."""
        contacts = self.env["cmr.contact"]
        for review in self:
            partner = review.partner_id
            people = partner | partner.child_ids.filtered(
                lambda p: p.type == "contact" and p.active
            )
            moment = format_datetime(
                self.env, review.planned_date, tz=partner.tz or "UTC"
            )
            subject = self.env._(
                "Invitation: %(name)s on %(moment)s", name=review.name, moment=moment
            )
            team = ", ".join(
                f"{m.user_id.name} ({m.role_id.name})" for m in review.member_ids
            )
            body = Markup("<p>%s</p><p>%s</p>%s") % (
                self.env._(
                    "We would like to meet you for our %(name)s on %(moment)s "
                    "at %(place)s.",
                    name=review.name,
                    moment=moment,
                    place=review.location or "-",
                ),
                self.env._("Your team: %s", team),
                review.agenda or "",
            )
            sent = contacts._send_on_preferred_channel(
                people, "relationship", subject, body, origin=review
            )
            review.sudo().invitation_ids = [(4, c.id) for c in sent]
            contacts |= sent
        return contacts

    def _add_action_item(self, user, summary, deadline, note=None):
        """An action item: an activity on the review for a team member."""
        self.ensure_one()
        if user not in self.member_ids.user_id:
            raise ValidationError(
                self.env._(
                    "%(user)s is not on the team of %(customer)s: action items go "
                    "to team members.",
                    user=user.name,
                    customer=self.partner_id.display_name,
                )
            )
        return self.activity_schedule(
            "cmr_module.mail_activity_type_keyaccount_action",
            date_deadline=deadline,
            summary=summary,
            note=note,
            user_id=user.id,
        )

    @api.model
    def _plan_next(self, partners):
        """Plan the next review of each key account that has none planned:
        one interval after its last review (or in a week), at the first
        slot of the customer's contact windows. Returns the new reviews."""
        partners = partners.filtered("cmr_key_account")
        last = dict(
            self._read_group(
                [("partner_id", "in", partners.ids), ("state", "!=", "cancelled")],
                ["partner_id"],
                ["planned_date:max"],
            )
        )
        waiting = {
            partner
            for [partner] in self._read_group(
                [("partner_id", "in", partners.ids), ("state", "=", "planned")],
                ["partner_id"],
            )
        }
        now = fields.Datetime.now()
        vals_list = []
        no_slot = partners.browse()
        for partner in partners:
            if partner in waiting:
                continue
            base = last.get(partner)
            if base:
                base += relativedelta(months=partner.cmr_review_interval_months)
            if not base or base < now:
                base = now + timedelta(days=7)
            start = partner._cmr_first_slot(base, 1.0)
            if not start:
                no_slot |= partner
                continue
            vals_list.append(
                {
                    "partner_id": partner.id,
                    # Named in the customer's language: the portal shows it.
                    "name": self.with_context(lang=partner.lang or self.env.lang).env._(
                        "Quarterly review"
                    ),
                    "planned_date": start,
                    "company_id": (partner.company_id or self.env.company).id,
                }
            )
        reviews = self.create(vals_list)
        # Marked: the scheduled action tries those again tomorrow only.
        no_slot.sudo().write(
            {"cmr_review_no_slot_date": fields.Date.context_today(self)}
        )
        reviews.partner_id.sudo().filtered("cmr_review_no_slot_date").write(
            {"cmr_review_no_slot_date": False}
        )
        return reviews

    # ------------------------------------------------------------------
    # Portal
    # ------------------------------------------------------------------
    @api.model
    def _portal_team(self, partner):
        """The team of ``partner``'s company (as superuser: the domain pins
        the company of the logged-in customer)."""
        commercial = partner.commercial_partner_id.sudo()
        if not commercial.cmr_key_account:
            return self.env["cmr.keyaccount.member"]
        return (
            self.env["cmr.keyaccount.member"]
            .sudo()
            .search([("partner_id", "=", commercial.id)])
        )

    @api.model
    def _portal_values(self, partner):
        """Team, next review and shared past reviews of ``partner``'s
        company, for /my/team; nothing else of the review is read."""
        commercial = partner.commercial_partner_id
        companies = self.env.companies.ids
        team = self._portal_team(partner)
        reviews = self.sudo().browse()
        next_review = reviews
        if team:
            next_review = self.sudo().search(
                [
                    ("partner_id", "=", commercial.id),
                    ("company_id", "in", companies),
                    ("state", "=", "planned"),
                    ("planned_date", ">=", fields.Datetime.now()),
                ],
                order="planned_date",
                limit=1,
            )
            reviews = self.sudo().search(
                [
                    ("partner_id", "=", commercial.id),
                    ("company_id", "in", companies),
                    ("state", "=", "held"),
                    ("shared", "=", True),
                ],
                order="held_date desc",
                limit=20,
            )
        return {
            "team": team,
            "next_review": next_review,
            "shared_reviews": reviews,
            "customer_tz": commercial.tz or "UTC",
        }

    @api.model
    def _to_plan_domain(self, today=None):
        """The key accounts the planner still has to plan today: no planned
        review, and no slot found for them today already."""
        today = today or fields.Date.context_today(self)
        planned = self.sudo()._search([("state", "=", "planned")])
        return [
            ("cmr_key_account", "=", True),
            ("id", "not in", planned.subselect("partner_id")),
            "|",
            ("cmr_review_no_slot_date", "=", False),
            ("cmr_review_no_slot_date", "<", today),
        ]

    @api.model
    def _plan_batch(self, partners):
        """``_plan_next`` for a batch of key accounts, safe against a user
        planning one of them at the same moment: the one-planned-review
        constraint refuses the second review; the batch is then planned
        one by one, skipping the key account planned meanwhile."""
        try:
            with self.env.cr.savepoint():
                return self._plan_next(partners)
        except psycopg2.errors.ExclusionViolation:
            _logger.info(
                "Key-account reviews: a review was planned meanwhile in the "
                "batch %s; planning it one by one.",
                partners.ids,
            )
        reviews = self.browse()
        for partner in partners:
            try:
                with self.env.cr.savepoint():
                    reviews |= self._plan_next(partner)
            except psycopg2.errors.ExclusionViolation:
                continue
        return reviews

    @api.model
    def _cron_plan_reviews(self, batch_size=200):
        """Daily: plan the next review of every key account that has none,
        a batch per call (the scheduler calls again while some remain, and
        a crash loses only the batch under way). A key account without any
        slot in its windows and quiet days is marked and retried tomorrow."""
        today = fields.Date.context_today(self)
        Partner = self.env["res.partner"]
        domain = self._to_plan_domain(today)
        partners = Partner.search(domain, order="id", limit=batch_size)
        reviews = self._plan_batch(partners)
        reviews._send_invitations()
        self.env["ir.cron"]._notify_progress(
            done=len(partners), remaining=Partner.search_count(domain)
        )
        return reviews


def local_week_hour(moment_utc, tz_name):
    """Hours since Monday 00:00 of the week, in ``tz_name``, of a naive UTC
    datetime."""
    local = pytz.utc.localize(moment_utc).astimezone(pytz.timezone(tz_name or "UTC"))
    return local.weekday() * 24 + local.hour + local.minute / 60 + local.second / 3600


def to_utc(local_day, hour, tz_name):
    """A naive UTC datetime for ``hour`` on ``local_day`` in ``tz_name``."""
    tz = pytz.timezone(tz_name or "UTC")
    naive = datetime.combine(local_day, time()) + timedelta(hours=hour)
    return tz.localize(naive).astimezone(pytz.utc).replace(tzinfo=None)


__all__ = ["CmrKeyaccountReview", "SLOT_SEARCH_DAYS", "local_week_hour", "to_utc"]
