from odoo.exceptions import UserError
from odoo.tests import tagged

from .mining_common import CmrMiningCase


@tagged("post_install", "-at_install")
class TestMiningChurn(CmrMiningCase):
    """Activity, churn and win-back across a year of invoices, run by run as
    the daily scheduled action would."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Every 30 days for a year: always active.
        cls.steady = cls._customer("Steady buyer", cmr_category_id=cls.homes.id)
        cls._purchases(cls.steady, range(360, -1, -30))
        # Every 14 days for two months, silent, then back 60 and 30 days ago.
        cls.returning = cls._customer("Returning buyer", cmr_category_id=cls.homes.id)
        cls._purchases(cls.returning, [365, 351, 337, 323, 309, 60, 30])
        # Every 50 days, last 150 days ago: the fleet category churns after
        # 60 days, the company after 180.
        cls.fleet_gone = cls._customer("Fleet gone", cmr_category_id=cls.fleet.id)
        cls._purchases(cls.fleet_gone, [250, 200, 150])
        cls.home_slow = cls._customer("Home slowing", cmr_category_id=cls.homes.id)
        cls._purchases(cls.home_slow, [250, 200, 150])
        # One purchase: no usual interval yet.
        cls.newcomer = cls._customer("Newcomer")
        cls._purchases(cls.newcomer, [10])

    def test_year_of_runs_at_risk_churn_and_win_back(self):
        for days_ago in (280, 120, 50, 0):
            self._run(days_ago)
        events = self._events(self.returning)
        self.assertEqual(
            [(e.event, e.date) for e in events],
            [
                # Last purchase 309 days ago, usual interval 14 days, factor 2:
                # at risk from the 29th day.
                ("at_risk", self._day(309 - 29)),
                # 181 days without a purchase.
                ("churned", self._day(309 - 181)),
                # Bought again 60 days ago.
                ("won_back", self._day(60)),
            ],
        )
        self.assertEqual(events[1].from_state, "at_risk")
        self.assertEqual(events[2].from_state, "churned")
        self.assertEqual(events[2].to_state, "active")
        activity = self._activity(self.returning)
        self.assertEqual(activity.state, "active")
        self.assertEqual(activity.purchase_count, 7)
        self.assertEqual(activity.first_purchase_date, self._day(365))
        self.assertEqual(activity.last_purchase_date, self._day(30))
        self.assertAlmostEqual(activity.usual_interval, round(335 / 6, 1))
        self.assertEqual(activity.gap_days, 30)
        self.assertEqual(activity.state_date, self._day(60))
        self.assertEqual(activity.run_date, self.today)
        # The steady buyer never moved.
        self.assertFalse(self._events(self.steady))
        self.assertEqual(self._activity(self.steady).state, "active")
        self.assertEqual(self._activity(self.steady).usual_interval, 30)

    def test_churn_delay_per_category_and_at_risk_factor(self):
        self._run()
        fleet, home = self._activity(self.fleet_gone), self._activity(self.home_slow)
        # Fleet: 150 days > its category's 60 days.
        self.assertEqual(fleet.state, "churned")
        self.assertEqual(fleet.churn_days, 60)
        self.assertEqual(fleet.state_date, self._day(150 - 61))
        # Home: 150 days > 2 × 50, but not yet the company's 180 days.
        self.assertEqual(home.state, "at_risk")
        self.assertEqual(home.churn_days, 180)
        self.assertEqual(home.state_date, self._day(150 - 101))
        newcomer = self._activity(self.newcomer)
        self.assertEqual(newcomer.state, "active")
        self.assertFalse(newcomer.usual_interval)
        # A tolerant factor: the slowing home is active again (recovered).
        self.policy.risk_factor = 3.5
        self._run()
        self.assertEqual(self._activity(self.home_slow).state, "active")
        self.assertEqual(
            self._events(self.home_slow).mapped("event"), ["at_risk", "recovered"]
        )

    def test_rerun_same_day_changes_nothing(self):
        self._run()
        count = self.env["cmr.mining.event"].search_count([])
        self._run()
        self.assertEqual(self.env["cmr.mining.event"].search_count([]), count)

    def test_batches_give_the_same_result_as_one_run(self):
        self.env.cr.execute("DELETE FROM cmr_mining_event")
        self.env.cr.execute("DELETE FROM cmr_mining_activity")
        self._run(batch_size=2)
        by_batches = {
            a.partner_id: (a.state, a.state_date, a.usual_interval)
            for a in self.env["cmr.mining.activity"].search([])
        }
        self.env.cr.execute("DELETE FROM cmr_mining_event")
        self.env.cr.execute("DELETE FROM cmr_mining_activity")
        self.env["cmr.mining.activity"].invalidate_model()
        self._run()
        at_once = {
            a.partner_id: (a.state, a.state_date, a.usual_interval)
            for a in self.env["cmr.mining.activity"].search([])
        }
        self.assertEqual(by_batches, at_once)
        self.assertGreaterEqual(len(at_once), 5)

    def test_queries_do_not_grow_with_customers(self):
        self._run()

        def run_with_new_customers(count, prefix):
            for index in range(count):
                self._purchases(self._customer(f"{prefix} {index}"), [40, 20])
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            self._run()
            return self.env.cr.sql_log_count - start

        few = run_with_new_customers(2, "Few")
        many = run_with_new_customers(12, "Many")
        self.assertEqual(many, few)
        self.assertLess(few, 25)

    def test_confirmed_orders_are_purchases_and_their_invoices_are_not(self):
        buyer = self._customer("Orders by the book")
        order = self._order(buyer, 40)
        self._order(buyer, 20)
        invoice = order._create_invoices()
        invoice.invoice_date = self._day(5)
        invoice.action_post()
        self._run()
        activity = self._activity(buyer)
        self.assertEqual(activity.purchase_count, 2)
        self.assertEqual(activity.first_purchase_date, self._day(40))
        self.assertEqual(activity.last_purchase_date, self._day(20))
        # A contact person's order counts for the company.
        contact = self.env["res.partner"].create(
            {"name": "Buyer's clerk", "parent_id": buyer.id}
        )
        self._order(contact, 3)
        self._run()
        self.assertEqual(self._activity(buyer).last_purchase_date, self._day(3))

    def test_history_is_append_only_and_cron_runs_as_scheduled(self):
        self.env.ref("cmr_module.ir_cron_cmr_mining_churn").method_direct_trigger()
        event = self._events(self.fleet_gone)
        self.assertEqual(event.event, "churned")
        with self.assertRaises(UserError):
            event.write({"event": "won_back"})
        with self.assertRaises(UserError):
            event.unlink()
        # The partner sees its state; the search finds it.
        self.assertEqual(self.fleet_gone.cmr_activity_state, "churned")
        churned = self.env["res.partner"].search(
            [("cmr_activity_state", "=", "churned")]
        )
        self.assertIn(self.fleet_gone, churned)
        self.assertNotIn(self.steady, churned)
