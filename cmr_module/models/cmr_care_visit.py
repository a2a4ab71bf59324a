"""A delivery of a care service to a customer: requested (in the portal,
by staff or by a recurring plan), scheduled in one of the customer's
contact windows, then done, cancelled or missed.

A visit holds one unit of the customer's entitlement from its request
until it is cancelled or missed; a done visit consumed it. Units are
allocated in ``create`` under a lock on the customer's row, so that two
requests arriving together never take more than the quota.
"""

from collections import defaultdict
from datetime import timedelta

import pytz
from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_date, format_datetime

from .cmr_care_entitlement import HOLDING_STATES
from .cmr_input_guard import TEXT_MAX

VISIT_STATES = [
    ("requested", "Requested"),
    ("scheduled", "Scheduled"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
    ("missed", "Missed"),
]
# A visit recorded this late after its slot's end is not on time.
ON_TIME_GRACE = timedelta(hours=1)
# How far ahead a slot may be requested.
BOOKING_HORIZON_DAYS = 400


class CmrCareVisit(models.Model):
    _name = "cmr.care.visit"
    _inherit = [
        "portal.mixin",
        "rating.mixin",
        "mail.activity.mixin",
        "cmr.input.guard",
        "cmr.workflow.guard.mixin",
    ]
    _description = "Care Visit"
    _order = "date_start desc, id desc"
    _check_company_auto = True
    _input_text_limits = {
        "notes": TEXT_MAX,
        "reason": TEXT_MAX,
        "goodwill_reason": TEXT_MAX,
    }
    _workflow_fields = frozenset(
        {
            "state",
            "entitlement_id",
            "done_user_id",
            "done_date",
            "on_time",
            "partner_id",
            "origin",
            "tier_id",
            "cost",
            "calendar_event_id",
        }
    )

    name = fields.Char(
        string="Reference", readonly=True, copy=False, default="/", index=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="restrict",
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    service_id = fields.Many2one(
        "cmr.care.service",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
    )
    delivery_mode = fields.Selection(related="service_id.delivery_mode")
    state = fields.Selection(
        VISIT_STATES,
        default="requested",
        required=True,
        index=True,
        tracking=True,
        copy=False,
    )
    origin = fields.Selection(
        [("portal", "Customer (Portal)"), ("staff", "Staff"), ("plan", "Plan")],
        default="staff",
        required=True,
        readonly=True,
        groups="cmr_module.group_cmr_user",
    )
    plan_id = fields.Many2one(
        "cmr.care.plan",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        groups="cmr_module.group_cmr_user",
    )
    entitlement_id = fields.Many2one(
        "cmr.care.entitlement",
        index="btree_not_null",
        ondelete="restrict",
        readonly=True,
        copy=False,
        help="The entitlement one unit of which this visit holds.",
        groups="cmr_module.group_cmr_user",
    )
    tier_id = fields.Many2one(
        "cmr.tier",
        string="Tier at Request",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        groups="cmr_module.group_cmr_user",
    )
    goodwill = fields.Boolean(
        readonly=True,
        copy=False,
        help="Granted by staff outside the customer's entitlement.",
        groups="cmr_module.group_cmr_user",
    )
    goodwill_reason = fields.Text(
        readonly=True, copy=False, groups="cmr_module.group_cmr_user"
    )
    date_start = fields.Datetime(string="Slot Start", tracking=True, copy=False)
    date_end = fields.Datetime(
        string="Slot End",
        compute="_compute_date_end",
        store=True,
        readonly=False,
        precompute=True,
    )
    period_date = fields.Date(
        compute="_compute_period_date",
        store=True,
        precompute=True,
        index=True,
        help="The day whose entitlement period the visit counts in.",
        groups="cmr_module.group_cmr_user",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Assigned To",
        index="btree_not_null",
        tracking=True,
        domain=[("share", "=", False)],
        groups="cmr_module.group_cmr_user",
    )
    team_id = fields.Many2one(
        "crm.team",
        index="btree_not_null",
        check_company=True,
        tracking=True,
        groups="cmr_module.group_cmr_user",
    )
    step_ids = fields.One2many("cmr.care.visit.step", "visit_id", string="Checklist")
    checklist_done = fields.Boolean(compute="_compute_checklist_done")
    outcome = fields.Selection(
        [
            ("ok", "Completed"),
            ("follow_up", "Follow-up Needed"),
            ("issue", "Issue Found"),
        ],
        tracking=True,
    )
    notes = fields.Text(groups="cmr_module.group_cmr_user")
    photo_ids = fields.Many2many(
        "ir.attachment",
        "cmr_care_visit_ir_attachment_rel",
        "visit_id",
        "attachment_id",
        string="Photos",
        groups="cmr_module.group_cmr_user",
    )
    done_user_id = fields.Many2one(
        "res.users", string="Done By", readonly=True, groups="cmr_module.group_cmr_user"
    )
    done_date = fields.Datetime(string="Done On", readonly=True)
    on_time = fields.Boolean(
        readonly=True,
        aggregator="bool_and",
        help="Done before the end of its slot (with an hour's grace).",
        groups="cmr_module.group_cmr_user",
    )
    on_time_rate = fields.Float(
        string="On Time (%)",
        compute="_compute_on_time_rate",
        store=True,
        aggregator="avg",
        help="100 for a visit done on time, 0 for one done late: its average "
        "is the on-time rate.",
        groups="cmr_module.group_cmr_user",
    )
    reason = fields.Text(
        string="Cancellation Reason", help="Why the visit was cancelled or missed."
    )
    cost = fields.Monetary(
        readonly=True, aggregator="sum", groups="cmr_module.group_cmr_user"
    )
    calendar_event_id = fields.Many2one(
        "calendar.event",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The scheduled visit in the assigned employee's calendar.",
        groups="cmr_module.group_cmr_user",
    )

    _sql_constraints = [
        (
            "goodwill_has_reason",
            "CHECK (NOT goodwill OR goodwill_reason IS NOT NULL)",
            "A goodwill visit needs a reason.",
        ),
    ]

    def init(self):
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS cmr_care_visit_quota_idx ON cmr_care_visit "
            "(partner_id, entitlement_id, period_date) "
            "WHERE entitlement_id IS NOT NULL"
        )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("date_start", "service_id.duration")
    def _compute_date_end(self):
        for visit in self:
            if visit.date_start:
                visit.date_end = visit.date_start + timedelta(
                    hours=visit.service_id.duration or 1.0
                )
            else:
                visit.date_end = False

    @api.depends("date_start")
    def _compute_period_date(self):
        today = fields.Date.context_today(self)
        for visit in self:
            visit.period_date = (
                self._local_day(visit.partner_id, visit.date_start)
                if visit.date_start
                else visit.period_date
            ) or today

    @api.depends("step_ids.done")
    def _compute_checklist_done(self):
        for visit in self:
            visit.checklist_done = all(visit.step_ids.mapped("done"))

    @api.depends("on_time", "state")
    def _compute_on_time_rate(self):
        for visit in self:
            if visit.state == "done":
                visit.on_time_rate = 100.0 if visit.on_time else 0.0
            else:
                visit.on_time_rate = False

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for visit in self:
            visit.access_url = f"/my/care/visits/{visit.id}"
        return res

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("partner_id", "company_id")
    def _check_partner_company(self):
        for visit in self:
            company = visit.partner_id.company_id
            if company and company != visit.company_id:
                raise ValidationError(
                    self.env._(
                        "%(customer)s belongs to another company.",
                        customer=visit.partner_id.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        Service = self.env["cmr.care.service"]
        for vals in vals_list:
            service = Service.browse(vals.get("service_id"))
            if not vals.get("user_id") and not vals.get("team_id"):
                vals["user_id"] = service.user_ids[:1].id
                vals["team_id"] = service.team_id.id
            vals.setdefault("cost", service.cost)
            if vals.get("goodwill") and not (vals.get("goodwill_reason") or "").strip():
                raise ValidationError(
                    self.env._(
                        "A service granted outside the customer's entitlement "
                        "needs a reason."
                    )
                )
            if vals.get("goodwill") and not self.env.user.has_group(
                "cmr_module.group_cmr_user"
            ):
                raise AccessError(
                    self.env._("Only staff grant a service outside entitlement.")
                )
        self._check_slots(vals_list)
        if not self.env.context.get("cmr_care_allocated"):
            __, refused = self._allocate(vals_list)
            if refused:
                raise UserError(refused[0][1])
        self._set_tiers(vals_list)
        unnamed = [vals for vals in vals_list if vals.get("name", "/") == "/"]
        for vals, name in zip(unnamed, self._next_names(len(unnamed)), strict=True):
            vals["name"] = name
        visits = super().create(vals_list)
        steps = [
            {"visit_id": visit.id, "sequence": step.sequence, "name": step.name}
            for visit in visits
            for step in visit.service_id.step_ids
        ]
        self.env["cmr.care.visit.step"].create(steps)
        return visits

    def write(self, vals):
        if "date_start" in vals or "service_id" in vals:
            if "service_id" in vals and any(v.state != "requested" for v in self):
                raise UserError(
                    self.env._("Only a requested visit can change its service.")
                )
            if any(visit.state not in ("requested", "scheduled") for visit in self):
                raise UserError(self.env._("A closed visit keeps its slot."))
            if vals.get("date_start"):
                service = self.env["cmr.care.service"].browse(vals.get("service_id"))
                self._check_slots(
                    [
                        {
                            "partner_id": visit.partner_id.id,
                            "service_id": (service or visit.service_id).id,
                            "date_start": vals["date_start"],
                            "state": visit.state,
                        }
                        for visit in self
                    ]
                )
        res = super().write(vals)
        if {"date_start", "date_end", "user_id", "service_id"} & set(vals):
            self.filtered(lambda v: v.state == "scheduled")._sync_calendar()
        if "date_start" in vals:
            # A new slot may fall in another period: its unit moves with it.
            moved = self.filtered(
                lambda v: v.entitlement_id and v.state in HOLDING_STATES
            )
            if moved:
                moved._reallocate()
        return res

    @api.model
    def _next_names(self, count):
        """``count`` references of the visits' sequence: one query for a
        batch (a plan run creates thousands), where ``next_by_code`` would
        run two per visit."""
        if not count:
            return []
        Sequence = self.env["ir.sequence"].sudo()
        sequence = Sequence.search(
            [
                ("code", "=", "cmr.care.visit"),
                ("company_id", "in", [self.env.company.id, False]),
            ],
            order="company_id",
            limit=1,
        )
        if not sequence:
            return ["/"] * count
        if sequence.implementation != "standard" or sequence.use_date_range:
            return [sequence._next() for __ in range(count)]
        numbers = self.env.execute_query(
            SQL(
                "SELECT nextval(%s) FROM generate_series(1, %s)",
                f"ir_sequence_{sequence.id:03d}",
                count,
            )
        )
        return [sequence.get_next_char(number) for (number,) in numbers]

    @api.ondelete(at_uninstall=False)
    def _unlink_except_held(self):
        if any(visit.state != "cancelled" for visit in self):
            raise UserError(
                self.env._(
                    "Visits are the customer's history: cancel a visit instead "
                    "of deleting it."
                )
            )

    # ------------------------------------------------------------------
    # Slots
    # ------------------------------------------------------------------
    @api.model
    def _check_slots(self, vals_list):
        """A requested or scheduled visit's slot lies ahead, within the
        booking horizon, fits in one of the customer's contact windows (in
        their time zone) and not on one of their quiet days."""
        now = fields.Datetime.now()
        Partner = self.env["res.partner"].sudo()
        Service = self.env["cmr.care.service"].sudo()
        for vals in vals_list:
            if vals.get("state", "requested") not in ("requested", "scheduled"):
                continue
            start = fields.Datetime.to_datetime(vals.get("date_start"))
            if not start:
                continue
            partner = Partner.browse(vals["partner_id"])
            service = Service.browse(vals["service_id"])
            if start < now:
                raise ValidationError(
                    self.env._(
                        "The slot %(slot)s has already passed: choose a later one.",
                        slot=self._format_slot(partner, start),
                    )
                )
            if start > now + timedelta(days=BOOKING_HORIZON_DAYS):
                raise ValidationError(
                    self.env._(
                        "The slot %(slot)s is too far ahead: at most %(days)s days.",
                        slot=self._format_slot(partner, start),
                        days=BOOKING_HORIZON_DAYS,
                    )
                )
            end = start + timedelta(hours=service.duration or 1.0)
            if not self._slot_fits(partner, start, end):
                raise ValidationError(
                    self.env._(
                        "The slot %(slot)s is outside %(customer)s's contact "
                        "windows: choose a time inside them.",
                        slot=self._format_slot(partner, start),
                        customer=partner.display_name,
                    )
                )

    @api.model
    def _partner_zone(self, partner):
        try:
            return pytz.timezone(partner.tz or self.env.company.partner_id.tz or "UTC")
        except pytz.UnknownTimeZoneError:
            return pytz.utc

    @api.model
    def _local_day(self, partner, moment):
        """The customer's local date of ``moment`` (naive UTC): the day whose
        entitlement period a visit counts in."""
        zone = self._partner_zone(partner)
        return pytz.utc.localize(moment).astimezone(zone).date()

    @api.model
    def _slot_fits(self, partner, start, end):
        """Whether [start, end) (naive UTC) lies in one window of the
        customer's charter and not on a quiet day (local dates). A customer
        without windows may be visited at any time."""
        zone = self._partner_zone(partner)
        local_start = pytz.utc.localize(start).astimezone(zone).replace(tzinfo=None)
        local_end = pytz.utc.localize(end).astimezone(zone).replace(tzinfo=None)
        quiet = set(partner.cmr_quiet_day_ids.mapped("date"))
        if local_start.date() in quiet or local_end.date() in quiet:
            return False
        windows = partner.cmr_window_ids
        if not windows:
            return True
        hour = local_start.weekday() * 24 + local_start.hour + local_start.minute / 60
        length = (local_end - local_start).total_seconds() / 3600
        for window in windows:
            for low, high in window._week_intervals():
                for shift in (0, 168, -168):
                    if low + shift <= hour and hour + length <= high + shift:
                        return True
        return False

    @api.model
    def _free_slots(self, partner, service, days=14, step=1.0, limit=60):
        """Slots (naive UTC starts) in the customer's windows over the next
        ``days`` days, every ``step`` hours, where the service fits."""
        zone = self._partner_zone(partner)
        now = fields.Datetime.now()
        local_now = pytz.utc.localize(now).astimezone(zone).replace(tzinfo=None)
        duration = service.duration or 1.0
        slots = []
        windows = partner.cmr_window_ids or [None]
        day0 = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
        for offset in range(days + 1):
            day = day0 + timedelta(days=offset)
            for window in windows:
                if window is None:
                    low, high = 9.0, 18.0
                elif int(window.weekday) != day.weekday():
                    continue
                else:
                    low, high = window.hour_from, window.hour_to
                    if high <= low:
                        high += 24
                hour = low
                while hour + duration <= high + 1e-9:
                    local = day + timedelta(hours=hour)
                    start = self.env["cmr.contact.gate"]._to_utc(zone, local)
                    end = start + timedelta(hours=duration)
                    if start > now and self._slot_fits(partner, start, end):
                        slots.append(start)
                    hour += step
        return sorted(set(slots))[:limit]

    @api.model
    def _format_slot(self, partner, moment):
        return format_datetime(
            self.env,
            moment,
            tz=self._partner_zone(partner).zone,
            dt_format="EEE d MMM y HH:mm",
        )

    # ------------------------------------------------------------------
    # Quota
    # ------------------------------------------------------------------
    @api.model
    def _lock_partners(self, partner_ids):
        """Lock the customers' rows until the transaction ends, and rewrite
        them (same values): in REPEATABLE READ a request that waited for the
        lock would still read its older snapshot; the rewrite makes
        PostgreSQL refuse it (serialization failure) and Odoo retries it,
        then it sees the first request's visit."""
        ids = sorted(set(partner_ids))
        if not ids:
            return
        self.env["res.partner"].flush_model()
        self.env.execute_query(
            SQL(
                "SELECT id FROM res_partner WHERE id = ANY(%s) "
                "ORDER BY id FOR NO KEY UPDATE",
                ids,
            )
        )
        self.env.execute_query(
            SQL(
                "UPDATE res_partner SET write_date = write_date WHERE id = ANY(%s)",
                ids,
            )
        )

    @api.model
    def _allocate(self, vals_list):
        """Give each visit of ``vals_list`` (not goodwill, holding quota) a
        unit of the customer's entitlement for its service, in its slot's
        period; ``(allocated vals, [(vals, refusal message)])``. Locks the
        customers first."""
        Entitlement = self.env["cmr.care.entitlement"]
        holding = [
            vals
            for vals in vals_list
            if not vals.get("goodwill")
            and vals.get("state", "requested") in HOLDING_STATES
        ]
        if not holding:
            return vals_list, []
        self._lock_partners([vals["partner_id"] for vals in holding])
        by_day = defaultdict(list)
        today = fields.Date.context_today(self)
        partners = (
            self.env["res.partner"]
            .sudo()
            .browse({vals["partner_id"] for vals in holding})
        )
        by_id = {partner.id: partner for partner in partners}
        for vals in holding:
            start = fields.Datetime.to_datetime(vals.get("date_start"))
            day = self._local_day(by_id[vals["partner_id"]], start) if start else today
            by_day[day].append(vals)
        refused = []
        for day, day_vals in by_day.items():
            left = Entitlement.sudo()._left(
                [vals["partner_id"] for vals in day_vals],
                day=day,
                service_ids={vals["service_id"] for vals in day_vals},
            )
            for vals in day_vals:
                line = left.get(vals["partner_id"], {}).get(vals["service_id"])
                units = [
                    entry for entry in (line or {}).get("entitlements", []) if entry[1]
                ]
                if vals.get("entitlement_id"):
                    units = [u for u in units if u[0] == vals["entitlement_id"]]
                if not units:
                    refused.append((vals, self._no_entitlement_message(vals, line)))
                    continue
                entitlement_id, __, __ = min(units, key=lambda u: (u[2], u[0]))
                vals["entitlement_id"] = entitlement_id
                # The next visit of the batch sees one unit less.
                for index, entry in enumerate(line["entitlements"]):
                    if entry[0] == entitlement_id:
                        line["entitlements"][index] = (entry[0], entry[1] - 1, entry[2])
                line["left"] -= 1
        refused_ids = {id(vals) for vals, __ in refused}
        return [vals for vals in vals_list if id(vals) not in refused_ids], refused

    @api.model
    def _no_entitlement_message(self, vals, line):
        service = self.env["cmr.care.service"].sudo().browse(vals["service_id"])
        partner = self.env["res.partner"].sudo().browse(vals["partner_id"])
        env = self.env
        if not line:
            return env._(
                "%(customer)s is not entitled to %(service)s: their tier and "
                "cards do not include it.",
                customer=partner.display_name,
                service=service.name,
            )
        return env._(
            "%(customer)s has no %(service)s left for this period (%(used)s of "
            "%(quota)s used); it renews on %(renews)s.",
            customer=partner.display_name,
            service=service.name,
            used=line["used"],
            quota=line["quota"],
            renews=format_date(env, line["renews"]),
        )

    def _reallocate(self):
        """The slot moved: take the unit again, in the new slot's period."""
        for visit in self:
            vals = {
                "partner_id": visit.partner_id.id,
                "service_id": visit.service_id.id,
                "date_start": visit.date_start,
            }
            # Release this visit's unit while the new one is looked for.
            visit._workflow_write({"entitlement_id": False})
            __, refused = self._allocate([vals])
            if refused:
                raise UserError(refused[0][1])
            visit._workflow_write({"entitlement_id": vals["entitlement_id"]})

    @api.model
    def _set_tiers(self, vals_list):
        """The customer's tier in the visit's company when requested, for
        the KPIs: one query for the batch."""
        partner_ids = {vals["partner_id"] for vals in vals_list}
        standings = (
            self.env["cmr.partner.tier"]
            .sudo()
            .search_read(
                [("partner_id", "in", list(partner_ids)), ("tier_id", "!=", False)],
                ["partner_id", "company_id", "tier_id"],
            )
        )
        tiers = {
            (row["partner_id"][0], row["company_id"][0]): row["tier_id"][0]
            for row in standings
        }
        company = self.env.company.id
        for vals in vals_list:
            vals.setdefault(
                "tier_id",
                tiers.get((vals["partner_id"], vals.get("company_id") or company)),
            )

    # ------------------------------------------------------------------
    # Requests
    # ------------------------------------------------------------------
    @api.model
    def _request_from_portal(self, partner, service, date_start):
        """``partner`` (the logged-in customer) requests ``service`` in the
        slot ``date_start``: one unit of their entitlement is reserved."""
        service = service.sudo()
        if not service.active or service.company_id not in (
            partner.company_id or service.company_id
        ):
            raise UserError(self.env._("This service is not offered to you."))
        return (
            self.sudo()
            .with_company(service.company_id)
            .create(
                {
                    "partner_id": partner.id,
                    "service_id": service.id,
                    "company_id": service.company_id.id,
                    "date_start": date_start,
                    "origin": "portal",
                }
            )
        )

    @api.model
    def _grant_goodwill(self, partner, service, reason, date_start=False):
        """Staff grant ``service`` outside entitlement, with a reason."""
        self.check_access("create")
        return self.create(
            {
                "partner_id": partner.id,
                "service_id": service.id,
                "date_start": date_start,
                "goodwill": True,
                "goodwill_reason": reason,
            }
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def _check_staff(self):
        self.check_access("write")
        if not self.env.user.has_group("cmr_module.group_cmr_user"):
            raise AccessError(self.env._("Only staff record visits."))

    def action_schedule(self):
        self._check_staff()
        for visit in self:
            if visit.state != "requested":
                raise UserError(self.env._("Only a requested visit can be scheduled."))
            if not visit.date_start or not visit.user_id:
                raise UserError(
                    self.env._(
                        "%(visit)s: set the slot and the employee first.",
                        visit=visit.name,
                    )
                )
        self._set_state("scheduled")
        self._sync_calendar()
        return True

    def action_done(self):
        self._check_staff()
        now = fields.Datetime.now()
        for visit in self:
            if visit.state not in ("requested", "scheduled"):
                raise UserError(self.env._("Only an open visit can be done."))
            if not visit.checklist_done:
                raise UserError(
                    self.env._(
                        "%(visit)s: tick every step of the checklist first.",
                        visit=visit.name,
                    )
                )
            if not visit.outcome:
                raise UserError(
                    self.env._("%(visit)s: record the outcome first.", visit=visit.name)
                )
            visit._set_state(
                "done",
                done_user_id=self.env.user.id,
                done_date=now,
                on_time=bool(
                    not visit.date_end or now <= visit.date_end + ON_TIME_GRACE
                ),
            )
        self._request_rating()
        return True

    def action_cancel(self):
        return self._close("cancelled")

    def action_missed(self):
        return self._close("missed")

    def _close(self, state):
        """Cancel or mark missed, with a reason: the unit is released."""
        self._check_staff()
        for visit in self:
            if visit.state not in ("requested", "scheduled"):
                raise UserError(
                    self.env._("Only an open visit can be cancelled or missed.")
                )
            if not (visit.reason or "").strip():
                raise UserError(
                    self.env._("%(visit)s: give the reason first.", visit=visit.name)
                )
        self._set_state(state)
        self._sync_calendar()
        return True

    def _cancel_from_portal(self, partner, reason):
        """The customer cancels their own upcoming visit."""
        self.ensure_one()
        if self.partner_id != partner:
            raise AccessError(self.env._("This visit is not yours."))
        if self.state not in ("requested", "scheduled"):
            raise UserError(self.env._("Only an upcoming visit can be cancelled."))
        self.sudo()._check_input_values({"reason": reason})
        self._set_state("cancelled", reason=reason)
        self._sync_calendar()
        return True

    def _sync_calendar(self):
        """Keep each scheduled visit in its employee's calendar (an event
        linked to the visit); a visit cancelled or missed leaves it. No
        invitation is mailed: the employee sees it in their calendar."""
        Event = (
            self.env["calendar.event"]
            .sudo()
            .with_context(no_mail_to_attendees=True, mail_create_nolog=True)
        )
        model_id = self.env["ir.model"]._get_id(self._name)
        for visit in self.sudo():
            event = visit.calendar_event_id
            if visit.state in ("cancelled", "missed") or not (
                visit.date_start and visit.user_id
            ):
                if event and visit.state != "done":
                    visit._workflow_write({"calendar_event_id": False})
                    event.with_context(no_mail_to_attendees=True).unlink()
                continue
            values = {
                "name": self.env._(
                    "%(service)s: %(customer)s",
                    service=visit.service_id.name,
                    customer=visit.partner_id.display_name,
                ),
                "start": visit.date_start,
                "stop": visit.date_end,
                "user_id": visit.user_id.id,
                "partner_ids": [Command.set(visit.user_id.partner_id.ids)],
                "res_model_id": model_id,
                "res_id": visit.id,
            }
            if event:
                event.with_context(no_mail_to_attendees=True).write(values)
            else:
                visit._workflow_write({"calendar_event_id": Event.create(values).id})

    # ------------------------------------------------------------------
    # Feedback
    # ------------------------------------------------------------------
    def _rating_get_partner(self):
        return self.partner_id

    def _rating_get_operator(self):
        return (self.done_user_id or self.user_id).partner_id

    def _request_rating(self):
        """Ask each customer, through the contact gate on their preferred
        channel, to rate the visit on Odoo's rating page."""
        topic = self.env.ref(
            "cmr_module.cmr_topic_relationship", raise_if_not_found=False
        )
        visits = self.sudo()
        Contact = self.env["cmr.contact"]
        contacts = Contact.browse()
        # One visit per customer in each call: the contact log takes one
        # message per customer per call.
        pending = visits
        while pending:
            batch, seen = visits.browse(), set()
            for visit in pending:
                if visit.partner_id.id not in seen:
                    seen.add(visit.partner_id.id)
                    batch |= visit
            pending -= batch
            subjects, bodies, origins = {}, {}, {}
            for visit in batch:
                partner = visit.partner_id
                env = visit.with_context(lang=partner.lang or self.env.lang).env
                token = visit._rating_get_access_token(partner)
                base_url = visit.get_base_url()
                links = Markup(" · ").join(
                    Markup('<a href="%s/rate/%s/%s">%s</a>')
                    % (base_url, token, score, label)
                    for score, label in (
                        (5, env._("Satisfied")),
                        (3, env._("Okay")),
                        (1, env._("Dissatisfied")),
                    )
                )
                subjects[partner.id] = env._(
                    "How was your %(service)s?", service=visit.service_id.name
                )
                bodies[partner.id] = Markup("<p>%s</p><p>%s</p>") % (
                    env._(
                        "We delivered %(service)s (%(visit)s). How was it?",
                        service=visit.service_id.name,
                        visit=visit.name,
                    ),
                    links,
                )
                origins[partner.id] = visit
            contacts |= Contact._send_on_preferred_channel(
                batch.partner_id, topic, subjects, bodies, origin=origins
            )
        return contacts

    def _rate(self, partner, rate, feedback=None):
        """``partner`` rates their done visit from the portal, once."""
        self.ensure_one()
        if partner != self.partner_id:
            raise AccessError(self.env._("Only the visited customer rates a visit."))
        if rate not in (1, 2, 3, 4, 5):
            raise UserError(self.env._("Rate the visit from 1 to 5."))
        visit = self.sudo()
        if visit.state != "done":
            raise UserError(self.env._("A visit can be rated once it is done."))
        if feedback:
            visit._check_input_values({"notes": feedback})
        visit._lock_rows()
        if visit._is_rated():
            raise UserError(self.env._("You already rated this visit: thank you."))
        token = visit._rating_get_access_token(partner)
        return visit.rating_apply(rate, token=token, feedback=feedback)

    def _is_rated(self):
        self.ensure_one()
        return bool(
            self.env["rating.rating"]
            .sudo()
            .search_count(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "=", self.id),
                    ("consumed", "=", True),
                ],
                limit=1,
            )
        )

    def _lock_rows(self):
        self.env.execute_query(
            SQL(
                "SELECT id FROM cmr_care_visit WHERE id = ANY(%s) FOR NO KEY UPDATE",
                self.ids,
            )
        )
        self.env.execute_query(
            SQL(
                "UPDATE cmr_care_visit SET write_date = write_date WHERE id = ANY(%s)",
                self.ids,
            )
        )
