from collections import defaultdict
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

# Visits are generated this many days ahead of their date.
GENERATE_AHEAD_DAYS = 30


class CmrCarePlan(models.Model):
    """A customer's recurring care (tank cleaning every quarter...): the
    scheduled action generates its visits ahead, each holding a unit of the
    customer's entitlement."""

    _name = "cmr.care.plan"
    _inherit = ["mail.thread", "cmr.input.guard"]
    _description = "Care Plan"
    _order = "next_date, id"
    _check_company_auto = True
    _input_number_ranges = {"interval": (1, 60)}

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, tracking=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    service_id = fields.Many2one(
        "cmr.care.service", required=True, check_company=True, tracking=True
    )
    active = fields.Boolean(default=True)
    interval = fields.Integer(
        string="Every", required=True, default=3, help="Months between two visits."
    )
    next_date = fields.Date(
        string="Next Visit",
        required=True,
        default=fields.Date.context_today,
        index=True,
        tracking=True,
    )
    user_id = fields.Many2one(
        "res.users", string="Assigned To", domain=[("share", "=", False)]
    )
    team_id = fields.Many2one("crm.team", check_company=True)
    visit_ids = fields.One2many("cmr.care.visit", "plan_id", string="Visits")
    last_error = fields.Char(
        string="Last Problem",
        readonly=True,
        help="Why the last visit due could not be generated.",
    )

    @api.depends("partner_id", "service_id", "interval")
    def _compute_display_name(self):
        for plan in self:
            plan.display_name = self.env._(
                "%(service)s for %(customer)s every %(months)s months",
                service=plan.service_id.name or "",
                customer=plan.partner_id.display_name or "",
                months=plan.interval,
            )

    @api.constrains("interval")
    def _check_interval(self):
        if any(plan.interval < 1 for plan in self):
            raise ValidationError(self.env._("A plan repeats every month at least."))

    @api.model
    def action_generate_now(self):
        """Generate the visits due now (managers), in the background: on a
        big base it runs for a while."""
        if not self.env.user.has_group("cmr_module.group_cmr_manager"):
            raise AccessError(self.env._("Only CMR managers generate the visits."))
        job = self.env["cmr.job"]._enqueue(
            self.env._("Generate the planned care visits"),
            self.browse(),
            "_job_generate_visits",
        )
        return job._action_open()

    @api.model
    def _job_generate_visits(self, job, batch_size=5000):
        """The queued work of *Generate Visits Now*: one batch per step, as
        the scheduled action does it."""
        if not self.env.user.has_group("cmr_module.group_cmr_manager"):
            raise AccessError(self.env._("Only CMR managers generate the visits."))
        plans = self.sudo().with_company(self.env.company)
        created = plans._cron_generate_visits(batch_size=batch_size)
        horizon = fields.Date.context_today(self) + timedelta(days=GENERATE_AHEAD_DAYS)
        remaining = plans.search_count(
            [("active", "=", True), ("next_date", "<=", horizon)]
        )
        done = job.done_count + created
        job._set_progress(done, done + remaining)
        if remaining:
            return False
        job._add_note(self.env._("%(count)s visits generated.", count=done))
        return True

    @api.model
    def _cron_generate_visits(self, batch_size=5000, today=None):
        """Generate the visits due within ``GENERATE_AHEAD_DAYS`` days, in
        batches: one entitlement query per batch and slot day, one
        ``create`` per batch, one ``write`` per new next date. A batch's
        visits and the plans' next dates are written in one transaction,
        on locked plans (``_plans_due``): a batch that crashed wrote
        neither, the next call generates it, once."""
        today = today or fields.Date.context_today(self)
        horizon = today + timedelta(days=GENERATE_AHEAD_DAYS)
        domain = [("active", "=", True), ("next_date", "<=", horizon)]
        plans = self._plans_due(horizon, batch_size)
        if not plans:
            return 0
        Visit = self.env["cmr.care.visit"].sudo()
        gate = self.env["cmr.contact.gate"]
        vals_list, plan_of = [], {}
        for plan in plans:
            day = max(plan.next_date, today)
            partner = plan.partner_id
            zone = Visit._partner_zone(partner)
            start = self._first_slot(Visit, gate, partner, plan.service_id, zone, day)
            vals = {
                "partner_id": partner.id,
                "service_id": plan.service_id.id,
                "company_id": plan.company_id.id,
                "date_start": start,
                "origin": "plan",
                "plan_id": plan.id,
                "user_id": plan.user_id.id or plan.service_id.user_ids[:1].id,
                "team_id": plan.team_id.id or plan.service_id.team_id.id,
            }
            vals_list.append(vals)
            plan_of[id(vals)] = plan
        allocated, refused = Visit._allocate(vals_list)
        Visit.with_context(cmr_care_allocated=True).create(allocated)
        by_next = defaultdict(lambda: self.browse())
        for vals in vals_list:
            plan = plan_of[id(vals)]
            by_next[plan.next_date + relativedelta(months=plan.interval)] |= plan
        for next_date, group in by_next.items():
            group.write({"next_date": next_date, "last_error": False})
        for vals, message in refused:
            plan_of[id(vals)].write({"last_error": message[:250]})
        remaining = self.search_count(domain)
        self.env["ir.cron"]._notify_progress(done=len(plans), remaining=remaining)
        return len(allocated)

    @api.model
    def _plans_due(self, horizon, limit):
        """The next ``limit`` active plans due by ``horizon``, locked until
        the transaction ends: the scheduled action and the queued *Generate
        Visits Now* never generate one occurrence twice. A plan the other is
        generating right now is skipped (it moves the plan's next date);
        one moved since this transaction began fails the lock (REPEATABLE
        READ) and the batch is tried again."""
        self.flush_model(["active", "next_date"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT id FROM cmr_care_plan
                 WHERE active AND next_date <= %s
                 ORDER BY next_date, id
                 LIMIT %s
                   FOR NO KEY UPDATE SKIP LOCKED
                """,
                horizon,
                limit,
            )
        )
        return self.browse(row[0] for row in rows)

    @api.model
    def _first_slot(self, Visit, gate, partner, service, zone, day):
        """The first start on or after ``day`` (local) that fits the
        customer's windows, or False (staff then set it)."""
        duration = timedelta(hours=service.duration or 1.0)
        local = datetime.combine(day, time(9, 0))
        windows = partner.cmr_window_ids
        candidates = []
        for offset in range(8):
            date = day + timedelta(days=offset)
            if not windows:
                candidates.append(datetime.combine(date, time(9, 0)))
                break
            for window in windows:
                if int(window.weekday) == date.weekday():
                    candidates.append(
                        datetime.combine(date, time())
                        + timedelta(hours=window.hour_from)
                    )
        now = fields.Datetime.now()
        for local in sorted(candidates):
            start = gate._to_utc(zone, local)
            if start > now and Visit._slot_fits(partner, start, start + duration):
                return start
        return False
