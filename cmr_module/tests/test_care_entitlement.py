from datetime import date, datetime, timedelta

from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .care_common import CmrCareCase, evening_slot


@tagged("post_install", "-at_install")
class TestCareEntitlement(CmrCareCase):
    """What a customer's tier and cards entitle them to, what is left this
    period, and the reservation of units by visits."""

    def left(self, partner, service=None, day=None):
        result = self.env["cmr.care.entitlement"]._left([partner.id], day=day)
        return result.get(partner.id, {}).get((service or self.inspection).id)

    def test_tier_and_card_add_up(self):
        self.assertEqual(self.left(self.gold_customer)["left"], 1)
        self.assertEqual(self.left(self.card_customer)["left"], 1)
        both = self.left(self.both_customer)
        self.assertEqual((both["quota"], both["left"]), (2, 2))
        self.assertIsNone(self.left(self.nobody))

    def test_request_reserves_cancel_releases_done_consumes(self):
        visit = self.request(self.gold_customer)
        self.assertEqual(visit.entitlement_id, self.gold_inspection)
        self.assertEqual(visit.tier_id, self.gold)
        self.assertEqual(self.left(self.gold_customer)["left"], 0)
        visit.reason = "Customer away"
        visit.with_user(self.agent).action_cancel()
        self.assertEqual(self.left(self.gold_customer)["left"], 1)
        visit = self.request(self.gold_customer)
        visit.step_ids.done = True
        visit.outcome = "ok"
        visit.with_user(self.agent).action_done()
        self.assertEqual(visit.state, "done")
        self.assertEqual(self.left(self.gold_customer)["used"], 1)
        self.assertEqual(self.left(self.gold_customer)["left"], 0)

    def test_no_entitlement_left_says_what_and_when(self):
        self.request(self.gold_customer)
        with self.assertRaises(UserError) as error:
            self.request(self.gold_customer, slot=evening_slot(days=3))
        message = str(error.exception)
        self.assertIn("no Safety inspection left", message)
        self.assertIn("1 of 1 used", message)
        self.assertIn("renews on", message)
        self.assertEqual(
            self.env["cmr.care.visit"].search_count(
                [("partner_id", "=", self.gold_customer.id)]
            ),
            1,
            "nothing written",
        )
        with self.assertRaises(UserError) as error:
            self.request(self.nobody)
        self.assertIn("not entitled", str(error.exception))

    def test_quota_per_period(self):
        """A quarterly unit used in one quarter is back in the next."""
        today = date.today()
        quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        next_quarter = (quarter_start + timedelta(days=100)).replace(day=1)
        self.request(self.gold_customer)
        self.assertEqual(self.left(self.gold_customer)["left"], 0)
        self.assertEqual(self.left(self.gold_customer)["renews"], next_quarter)
        later = self.left(self.gold_customer, day=next_quarter)
        self.assertEqual(later["left"], 1)

    def test_carry_over(self):
        """Unused units of the previous period are added to this one, once."""
        self.gold_inspection.carry_over = True
        # The entitlement existed last quarter.
        self.env.cr.execute(
            "UPDATE cmr_care_entitlement SET create_date = %s WHERE id = %s",
            [datetime(2000, 1, 1), self.gold_inspection.id],
        )
        self.gold_inspection.invalidate_recordset()
        line = self.left(self.gold_customer)
        self.assertEqual((line["quota"], line["left"]), (2, 2), "1 + 1 carried")
        # Used last quarter: nothing to carry.
        today = date.today()
        quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        previous = quarter_start - timedelta(days=20)
        visit = self.request(self.gold_customer)
        self.env.cr.execute(
            "UPDATE cmr_care_visit SET period_date = %s WHERE id = %s",
            [previous, visit.id],
        )
        visit.invalidate_recordset()
        line = self.left(self.gold_customer)
        self.assertEqual((line["quota"], line["left"]), (1, 1))
        # Without carry-over only this quarter's unit.
        self.gold_inspection.carry_over = False
        self.assertEqual(self.left(self.gold_customer)["quota"], 1)

    def test_left_for_a_page_of_customers_in_one_query(self):
        partners = self.gold_customer | self.card_customer | self.both_customer
        Entitlement = self.env["cmr.care.entitlement"]
        Entitlement._left(partners.ids)  # warm the caches (the user's time zone)
        with self.assertQueryCount(1):
            left = Entitlement._left(partners.ids)
        self.assertEqual(
            [left[p.id][self.inspection.id]["left"] for p in partners], [1, 1, 2]
        )

    def test_quota_below_zero_refused(self):
        with self.assertRaises(ValidationError):
            self.gold_inspection.quota = -1
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.gold_inspection.quota = 10**9

    def test_goodwill_outside_entitlement_needs_reason(self):
        Visit = self.env["cmr.care.visit"].with_user(self.agent)
        with self.assertRaises(ValidationError):
            Visit._grant_goodwill(self.nobody, self.inspection, "  ")
        visit = Visit._grant_goodwill(
            self.nobody, self.inspection, "Sorry for the late delivery"
        )
        self.assertTrue(visit.goodwill)
        self.assertFalse(visit.entitlement_id)
        self.assertEqual(visit.goodwill_reason, "Sorry for the late delivery")
        portal = self.env["res.users"].search([("share", "=", True)], limit=1)
        with self.assertRaises(AccessError):
            self.env["cmr.care.visit"].with_user(portal)._grant_goodwill(
                self.nobody, self.inspection, "Free"
            )

    def test_entitlement_has_one_source(self):
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.env["cmr.care.entitlement"].create(
                {
                    "service_id": self.inspection.id,
                    "source": "tier",
                    "quota": 1,
                }
            )

    def test_tier_change_follows_the_customer(self):
        self.assertIsNone(self.left(self.nobody))
        standing = self.env["cmr.partner.tier"].search(
            [("partner_id", "=", self.nobody.id)]
        )
        standing.sudo().write({"tier_id": self.gold.id})
        self.assertEqual(self.left(self.nobody)["left"], 1)

    def test_period_follows_the_customers_local_day(self):
        """07:30 in Shanghai is still the day before in UTC: the visit counts
        in the customer's own day's period."""
        self.gold_customer.cmr_window_ids = [
            Command.create({"weekday": str(day), "hour_from": 7.0, "hour_to": 9.0})
            for day in range(7)
        ]
        slot = evening_slot(days=3, hour=7, minute=30)
        visit = self.request(self.gold_customer, slot=slot)
        self.assertEqual(visit.period_date, (slot + timedelta(hours=8)).date())
        self.assertNotEqual(visit.period_date, slot.date())
