from dateutil.relativedelta import relativedelta

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .mining_common import CmrMiningCase


def expected_clv(margin_month, churn_rate, yearly_discount, horizon):
    """The documented formula, summed term by term."""
    d = (1 + yearly_discount / 100) ** (1 / 12) - 1
    return sum(
        margin_month * ((1 - churn_rate) / (1 + d)) ** t for t in range(1, horizon + 1)
    )


@tagged("post_install", "-at_install")
class TestMiningClv(CmrMiningCase):
    """Lifetime value against figures computed by hand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Homes: four customers, one churned in the window.
        cls.monthly = cls._customer("Monthly", cmr_category_id=cls.homes.id)
        # 12 invoices of 1,000 over the last 12 months: margin 0.40 each.
        cls._purchases(cls.monthly, [15 + 30 * i for i in range(12)], 1000)
        cls.other_home = cls._customer("Other home", cmr_category_id=cls.homes.id)
        cls._purchases(cls.other_home, [40, 20], 600)
        cls.third_home = cls._customer("Third home", cmr_category_id=cls.homes.id)
        cls._purchases(cls.third_home, [50, 10], 300)
        cls.gone_home = cls._customer("Gone home", cmr_category_id=cls.homes.id)
        cls._purchases(cls.gone_home, [300, 250, 200], 500)
        # Fleets: one customer, never churned.
        cls.bus = cls._customer("Bus company", cmr_category_id=cls.fleet.id)
        cls._purchases(cls.bus, [50, 40, 30, 20, 10], 2400)
        cls.env["cmr.mining.engine"]._run_churn(cls.company, cls.today)

    def test_clv_by_hand_without_discount(self):
        self._clv()
        bus = self._activity(self.bus)
        # Margin 5 × 2,400 × 0.40 = 4,800 over 12 months: 400 a month; the
        # fleet segment never churned: r = 0, so 24 months × 400.
        self.assertAlmostEqual(bus.margin, 4800)
        self.assertAlmostEqual(bus.revenue, 12000)
        self.assertAlmostEqual(bus.margin_month, 400)
        self.assertEqual(bus.churn_rate, 0)
        self.assertEqual(bus.expected_lifetime, 24)
        self.assertAlmostEqual(bus.clv, 9600)
        monthly = self._activity(self.monthly)
        # Homes: 1 churned of 4 customers over 12 months: r = 1/48 a month.
        self.assertAlmostEqual(monthly.churn_rate, round(100 / 48, 3))
        self.assertAlmostEqual(monthly.margin_month, 400)
        # 400 × Σ (47/48)^t, t = 1..24 = 400 × 18.6432… = 7,457.29
        self.assertAlmostEqual(monthly.clv, 7457.29, places=2)
        self.assertAlmostEqual(monthly.clv, expected_clv(400, 1 / 48, 0, 24), places=2)
        self.assertAlmostEqual(monthly.expected_lifetime, 18.6, places=1)
        # The churned customer is worth nothing any more.
        self.assertEqual(self._activity(self.gone_home).state, "churned")
        self.assertEqual(self._activity(self.gone_home).clv, 0)
        self.assertEqual(self.monthly.cmr_clv, monthly.clv)

    def test_clv_discounted_and_default_rate_for_small_segments(self):
        self.policy.write({"clv_discount_rate": 12.0, "clv_min_customers": 2})
        self._clv()
        monthly = self._activity(self.monthly)
        # d = 1.12^(1/12) - 1 = 0.9489 % a month.
        self.assertAlmostEqual(monthly.clv, expected_clv(400, 1 / 48, 12, 24), places=2)
        self.assertAlmostEqual(monthly.clv, 6704.17, places=2)
        # One bus company is fewer than 2 customers: the default 2 % a month.
        bus = self._activity(self.bus)
        self.assertEqual(bus.churn_rate, 2)
        self.assertAlmostEqual(bus.clv, expected_clv(400, 0.02, 12, 24), places=2)

    def test_margin_window_and_credit_notes(self):
        self._invoice(self.bus, 400, 5000)  # before the window
        self._invoice(self.bus, 5, 1000, move_type="out_refund")
        self._clv()
        bus = self._activity(self.bus)
        self.assertAlmostEqual(bus.revenue, 11000)
        self.assertAlmostEqual(bus.margin, 4400)
        self.assertAlmostEqual(bus.clv, 24 * 4400 / 12, places=2)

    def test_clv_cron_is_its_own_scheduled_action(self):
        self.env.ref("cmr_module.ir_cron_cmr_mining_clv").method_direct_trigger()
        self.assertEqual(self._activity(self.bus).clv_date, self.today)
        self.assertAlmostEqual(self._activity(self.bus).clv, 9600)

    def test_parameters_that_make_no_sense_are_refused(self):
        bad_values = [
            {"risk_factor": 0.5},
            {"churn_days": -5},
            {"churn_days": 0},
            {"clv_discount_rate": 120},
            {"clv_discount_rate": -1},
            {"clv_window_months": 0},
            {"clv_default_churn_rate": 101},
        ]
        for values in bad_values:
            with self.subTest(values=values), self.assertRaises(ValidationError):
                self.policy.write(values)
        self.policy.invalidate_recordset()
        self.assertEqual(self.policy.risk_factor, 2.0)
        self.assertEqual(self.policy.churn_days, 180)
        self.assertEqual(self.policy.clv_discount_rate, 0)
        with self.assertRaisesRegex(ValidationError, "churn delay"):
            self.fleet.churn_days = -1
        self.fleet.invalidate_recordset()
        self.assertEqual(self.fleet.churn_days, 60)
        with self.assertRaises(ValidationError):
            self.env["cmr.mining.policy"].create(
                {"company_id": self.company.id, "risk_factor": 0.9}
            )

    def test_clv_as_of_a_past_day(self):
        self._clv(days_ago=100)
        bus = self._activity(self.bus)
        self.assertEqual(bus.clv_date, self.today - relativedelta(days=100))
        self.assertEqual(bus.margin, 0)
