from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .care_common import care_fixture, give_tier
from .keyaccount_common import CmrKeyaccountCase

# Wednesday 2 December 2026, 3:00 UTC (11:00 in Shanghai).
NOW = datetime(2026, 12, 2, 3, 0)


@tagged("post_install", "-at_install")
class TestKeyaccountQuietDays(CmrKeyaccountCase):
    """A review is never planned on one of the customer's quiet days: the
    check refuses it, the planner and its scheduled action move on to the
    next allowed slot."""

    def _quiet(self, *days, partner=None):
        (partner or self.customer).write(
            {"cmr_quiet_day_ids": [Command.create({"date": day}) for day in days]}
        )

    def test_review_on_a_quiet_day_is_refused(self):
        self._quiet("2026-12-07")
        with self.assertRefused("quiet day"):
            self.Review.create(
                {
                    "partner_id": self.customer.id,
                    "planned_date": self.monday_9am_shanghai(),
                }
            )
        self.assertFalse(self.Review.search([("partner_id", "=", self.customer.id)]))
        # Moving a planned review onto a quiet day is refused too.
        review = self.Review.create(
            {
                "partner_id": self.customer.id,
                "planned_date": self.monday_9am_shanghai() + timedelta(days=1),
            }
        )
        with self.assertRefused("quiet day"):
            review.with_user(self.lead).planned_date = self.monday_9am_shanghai()
        # The quiet day is the customer's local date: 7 December 1:00 in
        # Shanghai is 6 December 17:00 UTC.
        with self.assertRefused("quiet day|contact windows"):
            review.planned_date = datetime(2026, 12, 6, 17, 0)

    def test_planner_skips_quiet_days(self):
        # Without quiet days: Thursday 10 December, 9:00 in Shanghai.
        self._quiet("2026-12-10", "2026-12-11")
        with freeze_time(NOW):
            review = self.Review._plan_next(self.customer)
        # Thursday and Friday are quiet, the weekend outside the windows.
        self.assertEqual(review.planned_date, datetime(2026, 12, 14, 1, 0))

    def test_scheduled_action_skips_quiet_days(self):
        self._quiet("2026-12-10")
        with freeze_time(NOW):
            self.env.ref(
                "cmr_module.ir_cron_cmr_keyaccount_plan_reviews"
            ).method_direct_trigger()
        review = self.Review.search(
            [("partner_id", "=", self.customer.id), ("state", "=", "planned")]
        )
        self.assertEqual(review.planned_date, datetime(2026, 12, 11, 1, 0))

    def test_customer_without_windows_not_met_on_quiet_days(self):
        self.customer.cmr_window_ids = [Command.clear()]
        self._quiet("2026-12-10")
        with freeze_time(NOW):
            review = self.Review._plan_next(self.customer)
        # A week ahead is 9 December 11:00, past 10:00; 10 December is quiet:
        # 11 December, 10:00 in Shanghai.
        self.assertEqual(review.planned_date, datetime(2026, 12, 11, 2, 0))

    def test_no_slot_at_all_is_marked_and_said(self):
        self._quiet(
            *[
                (NOW + timedelta(days=offset)).date().isoformat()
                for offset in range(0, 40)
            ]
        )
        with freeze_time(NOW):
            self.assertFalse(self.Review._plan_next(self.customer))
            with self.assertRaisesRegex(Exception, "No slot for a review"):
                self.customer.with_user(self.lead).action_cmr_plan_review()
            self.env.ref(
                "cmr_module.ir_cron_cmr_keyaccount_plan_reviews"
            ).method_direct_trigger()
            self.assertEqual(
                self.customer.cmr_review_no_slot_date, NOW.date(), "tried today"
            )
            # Not taken again the same day.
            domain = self.Review._to_plan_domain()
            self.assertNotIn(self.customer, self.env["res.partner"].search(domain))


@tagged("post_install", "-at_install")
class TestKeyaccountAgendaCare(CmrKeyaccountCase):
    """The agenda tells the key account's care usage this year: visits done
    against what its tier entitles it to in a year, and its average
    rating."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        care_fixture(cls)
        # Gold: one safety inspection a quarter, four a year.
        give_tier(cls, cls.customer, cls.gold)

    def test_agenda_counts_visits_done_entitled_and_rating(self):
        with freeze_time(datetime(2026, 6, 1, 2, 0)):
            slot = self.customer._cmr_first_slot(datetime(2026, 6, 2, 0, 0), 1.0)
            visit = self.env["cmr.care.visit"].create(
                {
                    "partner_id": self.customer.id,
                    "service_id": self.inspection.id,
                    "date_start": slot,
                }
            )
            visit.step_ids.done = True
            visit.outcome = "ok"
            visit.with_user(self.agent).action_done()
            visit._rate(self.customer, 4, "Fine")
            other = self.env["res.partner"].create(
                {"name": "Small key account", "is_company": True}
            )
            other.write(
                {
                    "cmr_key_account": True,
                    "cmr_keyaccount_member_ids": [
                        Command.create(
                            {"user_id": self.lead.id, "role_id": self.role_lead.id}
                        )
                    ],
                }
            )
            usage = self.Review._care_usage(self.customer | other)
            self.assertEqual(usage[self.customer.id], (1, 4, 1, 4.0))
            self.assertEqual(usage[other.id], (0, 0, 0, None))
            reviews = self.Review._plan_next(self.customer | other)
        agenda = reviews.filtered(lambda r: r.partner_id == self.customer).agenda
        self.assertIn(
            "Care usage this year: 1 visit(s) done of 4 entitled; average rating "
            "4.0 / 5 (1 ratings)",
            agenda,
        )
        self.assertIn(
            "Care usage this year: 0 visit(s) done of 0 entitled; no rating yet",
            reviews.filtered(lambda r: r.partner_id == other).agenda,
        )

    def test_care_usage_reads_are_set_based(self):
        partners = self.customer
        for index in range(5):
            partners |= self.env["res.partner"].create(
                {"name": f"Key {index}", "is_company": True}
            )
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(4):
            self.Review._care_usage(partners[:1])
        self.env.invalidate_all()
        with self.assertQueryCount(4):
            self.Review._care_usage(partners)

    def test_agendas_are_read_set_based(self):
        partners = self.customer
        for index in range(5):
            partners |= self.env["res.partner"].create(
                {"name": f"Agenda Key {index}", "is_company": True}
            )
        self.env.flush_all()

        def queries(records):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            agendas = self.Review._prepare_agendas(records)
            self.assertEqual(set(agendas), set(records.ids))
            return self.env.cr.sql_log_count - before

        self.assertEqual(queries(partners[:1]), queries(partners))
