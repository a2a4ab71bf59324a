from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .cmr_complaint_selections import OPEN_STATES
from .cmr_keyaccount_review import SLOT_SEARCH_DAYS, local_week_hour, to_utc

# Care visits still to be done: the team follows them.
OPEN_VISIT_STATES = ["requested", "scheduled"]
# Where a review goes when the customer set no contact window: 10:00 local.
DEFAULT_MEETING_HOUR = 10.0


class ResPartner(models.Model):
    """Key accounts and their cross-functional teams (R8)."""

    _inherit = "res.partner"

    cmr_key_account = fields.Boolean(
        string="Key Account",
        tracking=True,
        groups="cmr_module.group_cmr_user",
        help="A key account has a cross-functional team with exactly one lead "
        "and is reviewed with the customer at a regular interval.",
    )
    cmr_keyaccount_member_ids = fields.One2many(
        "cmr.keyaccount.member",
        "partner_id",
        string="Key-account Team",
        groups="cmr_module.group_cmr_user",
    )
    cmr_keyaccount_lead_id = fields.Many2one(
        "res.users",
        string="Team Lead",
        compute="_compute_cmr_keyaccount_lead_id",
        groups="cmr_module.group_cmr_user",
    )
    cmr_review_interval_months = fields.Integer(
        string="Review Every (months)",
        default=3,
        groups="cmr_module.group_cmr_user",
        help="The next review is planned this many months after the last one.",
    )
    cmr_review_no_slot_date = fields.Date(
        string="No Review Slot On",
        readonly=True,
        copy=False,
        groups="cmr_module.group_cmr_user",
        help="The day the planner last found no slot for the next review in "
        "the customer's contact windows outside their quiet days; it tries "
        "again the next day.",
    )
    cmr_keyaccount_review_count = fields.Integer(
        string="Reviews",
        compute="_compute_cmr_keyaccount_review_count",
        groups="cmr_module.group_cmr_user",
    )

    @api.depends(
        "cmr_keyaccount_member_ids.is_lead", "cmr_keyaccount_member_ids.user_id"
    )
    def _compute_cmr_keyaccount_lead_id(self):
        for partner in self:
            leads = partner.cmr_keyaccount_member_ids.filtered("is_lead")
            partner.cmr_keyaccount_lead_id = leads[:1].user_id

    def _compute_cmr_keyaccount_review_count(self):
        counts = dict(
            self.env["cmr.keyaccount.review"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.cmr_keyaccount_review_count = counts.get(partner._origin, 0)

    @api.constrains("cmr_key_account", "cmr_review_interval_months")
    def _check_cmr_key_account(self):
        self._cmr_check_keyaccount_team()
        for partner in self.filtered("cmr_key_account"):
            if not 1 <= partner.cmr_review_interval_months <= 24:
                raise ValidationError(
                    self.env._(
                        "%(customer)s: reviews are planned every 1 to 24 months.",
                        customer=partner.display_name,
                    )
                )

    def _cmr_check_keyaccount_team(self):
        """A key account's team, and any team, has exactly one lead."""
        Member = self.env["cmr.keyaccount.member"].sudo()
        member_counts = dict(
            Member._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        lead_counts = dict(
            Member._read_group(
                [("partner_id", "in", self.ids), ("is_lead", "=", True)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self.sudo():
            members = member_counts.get(partner, 0)
            leads = lead_counts.get(partner, 0)
            if (partner.cmr_key_account or members) and leads != 1:
                raise ValidationError(
                    self.env._(
                        "The key-account team of %(customer)s needs exactly one "
                        "lead (it has %(leads)s).",
                        customer=partner.display_name,
                        leads=leads,
                    )
                )

    def _cmr_in_contact_window(self, start, duration):
        """Whether a meeting from ``start`` (naive UTC) lasting ``duration``
        hours lies inside one of the customer's contact windows (always,
        when the customer set none)."""
        self.ensure_one()
        partner = self.commercial_partner_id.sudo()
        windows = partner.cmr_window_ids
        if not windows:
            return True
        begin = local_week_hour(start, partner.tz)
        end = begin + duration
        return any(
            low <= begin and end <= high
            for window in windows
            for low, high in window._week_intervals()
        )

    def _cmr_on_quiet_day(self, start, duration):
        """Whether a meeting from ``start`` (naive UTC) lasting ``duration``
        hours touches one of the customer's quiet days (their local dates)."""
        self.ensure_one()
        partner = self.commercial_partner_id.sudo()
        quiet = set(partner.cmr_quiet_day_ids.mapped("date"))
        if not quiet:
            return False
        tz = pytz.timezone(partner.tz or "UTC")
        first = pytz.utc.localize(start).astimezone(tz).date()
        last = pytz.utc.localize(start + timedelta(hours=duration)).astimezone(tz)
        return any(
            first + timedelta(days=offset) in quiet
            for offset in range((last.date() - first).days + 1)
        )

    def _cmr_first_slot(self, after, duration):
        """The first start (naive UTC) from ``after`` on where a meeting of
        ``duration`` hours fits in the customer's contact windows, on a day
        that is not one of their quiet days."""
        self.ensure_one()
        partner = self.commercial_partner_id.sudo()
        tz = pytz.timezone(partner.tz or "UTC")
        first_day = pytz.utc.localize(after).astimezone(tz).date()
        windows = partner.cmr_window_ids.sorted(lambda w: w.hour_from)
        for offset in range(SLOT_SEARCH_DAYS + 1):
            day = first_day + timedelta(days=offset)
            if not windows:
                start = to_utc(day, DEFAULT_MEETING_HOUR, partner.tz)
                if start >= after and not partner._cmr_on_quiet_day(start, duration):
                    return start
                continue
            for window in windows.filtered(
                lambda w, d=day: int(w.weekday) == d.weekday()
            ):
                start = to_utc(day, window.hour_from, partner.tz)
                if (
                    start >= after
                    and partner._cmr_in_contact_window(start, duration)
                    and not partner._cmr_on_quiet_day(start, duration)
                ):
                    return start
        return False

    def _cmr_keyaccount_follow_records(self, follower_partners):
        """Subscribe the team to the customer's records.

        Hook: the open complaints and care visits here; another domain
        extends this method to subscribe the team to its records.
        """
        self.ensure_one()
        complaints = (
            self.env["cmr.complaint"]
            .sudo()
            .search(
                [
                    ("commercial_partner_id", "=", self.id),
                    ("state", "in", OPEN_STATES),
                ]
            )
        )
        if complaints:
            complaints.message_subscribe(partner_ids=follower_partners.ids)
        visits = (
            self.env["cmr.care.visit"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", self.id),
                    ("state", "in", OPEN_VISIT_STATES),
                ]
            )
        )
        if visits:
            visits.message_subscribe(partner_ids=follower_partners.ids)

    def action_cmr_view_keyaccount_reviews(self):
        self.ensure_one()
        action = self._cmr_partner_action("cmr_module.cmr_keyaccount_review_action")
        action["context"] = {
            "default_partner_id": self.id,
            "search_default_partner_id": self.id,
        }
        return action

    def action_cmr_plan_review(self):
        """Plan the next review now (the scheduled action does it too)."""
        self.ensure_one()
        Review = self.env["cmr.keyaccount.review"]
        review = Review._plan_next(self) or Review.search(
            [("partner_id", "=", self.id), ("state", "=", "planned")], limit=1
        )
        if not review:
            raise UserError(
                self.env._(
                    "No slot for a review of %(customer)s in the next %(days)s "
                    "days: their contact windows are too short for a one-hour "
                    "meeting or fall on their quiet days. Plan it by hand.",
                    customer=self.display_name,
                    days=SLOT_SEARCH_DAYS,
                )
            )
        return review._get_form_action()
