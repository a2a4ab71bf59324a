from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .keyaccount_common import CmrKeyaccountCase

# Wednesday 2 December 2026, 3:00 UTC (11:00 in Shanghai).
NOW = datetime(2026, 12, 2, 3, 0)


@tagged("post_install", "-at_install")
class TestKeyaccountReview(CmrKeyaccountCase):
    """Quarterly reviews in the customer's window and place, the team as
    attendees, the customer invited through the gate, an agenda from the
    mining center, action items and the KPIs."""

    def _plan(self):
        with freeze_time(NOW):
            return self.Review._plan_next(self.customer)

    def test_plan_in_the_customers_window_with_the_team(self):
        review = self._plan()
        self.assertEqual(len(review), 1)
        # A week from now is Wednesday 9 December, 11:00 in Shanghai: too
        # late for an hour before 11:30; Thursday 9:00 Shanghai = 1:00 UTC.
        self.assertEqual(review.planned_date, datetime(2026, 12, 10, 1, 0))
        self.assertEqual(review.location, "Office – Suzhou")
        self.assertEqual(review.lead_id, self.lead)
        event = review.event_id
        self.assertEqual(event.start, review.planned_date)
        self.assertEqual(event.stop, review.planned_date + timedelta(hours=1))
        self.assertEqual(
            event.partner_ids, (self.lead | self.seller | self.servant).partner_id
        )
        self.assertNotIn(self.customer, event.partner_ids)
        self.assertEqual(event.user_id, self.lead)
        # Planning again: one planned review at a time.
        self.assertFalse(self._plan())

    def test_planned_review_is_named_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["cmr_module"], ["zh_CN"], overwrite=True
        )
        self.customer.lang = "zh_CN"
        # Planned by the scheduled action, whose user reads English.
        self.Review = self.Review.with_context(lang="en_US")
        review = self._plan()
        self.assertEqual(review.name, "季度回顾会议")

    def test_recurrence_every_three_months(self):
        review = self._plan()
        review.write({"held_date": review.planned_date + timedelta(days=3)})
        review.action_mark_held()
        self.assertTrue(review.held_on_time)
        with freeze_time(NOW + timedelta(days=10)):
            self.env.ref(
                "cmr_module.ir_cron_cmr_keyaccount_plan_reviews"
            ).method_direct_trigger()
        following = self.Review.search(
            [("partner_id", "=", self.customer.id), ("state", "=", "planned")]
        )
        # Three months after 9 December (Wednesday 9 March 2027, 9:00).
        self.assertEqual(
            following.planned_date,
            review.planned_date + relativedelta(months=3),
        )
        # The scheduled action invited the customer and the buyer by e-mail,
        # through the gate (the contact log), not by calendar e-mails.
        invitations = following.invitation_ids
        self.assertEqual(invitations.partner_id, self.customer | self.buyer)
        self.assertEqual(set(invitations.mapped("res_model")), {self.Review._name})
        self.assertEqual(set(invitations.mapped("channel_id.code")), {"email"})

    def test_review_outside_the_windows_is_refused(self):
        saturday = datetime(2026, 12, 12, 2, 0)
        evening = datetime(2026, 12, 7, 12, 0)  # 20:00 in Shanghai
        too_long = self.monday_9am_shanghai() + timedelta(hours=2)  # 11:00-12:00
        for moment in (saturday, evening, too_long):
            with self.subTest(moment=moment), self.assertRefused("contact windows"):
                self.Review.create(
                    {"partner_id": self.customer.id, "planned_date": moment}
                )
        self.assertFalse(self.Review.search([("partner_id", "=", self.customer.id)]))
        self.assertFalse(
            self.env["calendar.event"].search([("name", "ilike", "Key Precision")])
        )
        not_key = self.env["res.partner"].create({"name": "Small shop"})
        with self.assertRefused("not a key account"):
            self.Review.create(
                {"partner_id": not_key.id, "planned_date": self.monday_9am_shanghai()}
            )

    def test_agenda_from_the_mining_center(self):
        self.env["cmr.complaint"].create(
            {
                "partner_id": self.buyer.id,
                "subject": "Late delivery",
                "channel_received": "phone",
                "reply_channel_id": self.email.id,
                "user_id": self.manager.id,
            }
        )
        review = self.Review.create(
            {"partner_id": self.customer.id, "planned_date": self.monday_9am_shanghai()}
        )
        self.assertIn("Open complaints: 1", review.agenda)
        self.assertIn("Decisions and next steps", review.agenda)

    def test_team_member_works_on_the_review_others_cannot_see_it(self):
        review = self.Review.create(
            {"partner_id": self.customer.id, "planned_date": self.monday_9am_shanghai()}
        )
        as_lead = review.with_user(self.lead)
        as_lead.write({"minutes": "<p>Pressure fixed</p>", "shared": True})
        as_lead.action_mark_held()
        self.assertEqual(review.state, "held")
        with self.assertRaises(AccessError):
            review.with_user(self.outsider).read(["minutes"])
        self.assertFalse(
            self.Review.with_user(self.outsider).search([("id", "=", review.id)])
        )
        self.assertEqual(
            self.Review.with_user(self.manager).search([("id", "=", review.id)]), review
        )

    def test_action_items_and_kpis(self):
        review = self.Review.create(
            {"partner_id": self.customer.id, "planned_date": self.monday_9am_shanghai()}
        )
        with self.assertRefused("not on the team"):
            review._add_action_item(self.outsider, "Call back", NOW.date())
        deadline = NOW.date() + timedelta(days=10)
        on_time = review._add_action_item(self.seller, "New price list", deadline)
        late = review._add_action_item(self.servant, "Fix the meter", deadline)
        pending = review._add_action_item(self.lead, "Visit the plant", deadline)
        with freeze_time(NOW + timedelta(days=5)):
            on_time.with_user(self.seller).action_done()
            self.env.flush_all()
        with freeze_time(NOW + timedelta(days=20)):
            late.with_user(self.servant).action_done()
            self.env.flush_all()
        self.assertTrue(pending.exists())
        report = self.env["cmr.keyaccount.action.report"]
        [[items, done, on_time_count]] = report._read_group(
            [("review_id", "=", review.id)],
            [],
            ["item_count:sum", "done_count:sum", "on_time_count:sum"],
        )
        self.assertEqual((items, done, on_time_count), (3, 2, 1))
        # A team member sees the action items of their key accounts only.
        self.assertEqual(
            report.with_user(self.seller).search_count([("review_id", "=", review.id)]),
            3,
        )
        self.assertEqual(
            report.with_user(self.outsider).search_count(
                [("review_id", "=", review.id)]
            ),
            0,
        )
        # Held 20 days after the plan: not on time.
        review.write(
            {"state": "held", "held_date": review.planned_date + timedelta(days=20)}
        )
        self.assertFalse(review.held_on_time)
        self.assertEqual(review.held_on_time_count, 0)
