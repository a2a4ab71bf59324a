from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .mining_common import CmrMiningCase


@tagged("post_install", "-at_install")
class TestMiningReasons(CmrMiningCase):
    """Staff record why a customer left; the KPI counts the churned
    customers with a reason recorded within 14 days."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent = new_test_user(
            cls.env,
            login="mining_agent",
            groups="cmr_module.group_cmr_user",
            name="Mining Agent",
        )
        cls.price = cls.env.ref("cmr_module.cmr_churn_reason_price")
        cls.moved = cls.env.ref("cmr_module.cmr_churn_reason_moved")
        # Churned 200 - 181 = 19 days ago, 80 - 61 = 19 days ago (fleet).
        cls.gone_a = cls._customer("Gone A")
        cls._purchases(cls.gone_a, [300, 250, 200])
        cls.gone_b = cls._customer("Gone B", cmr_category_id=cls.fleet.id)
        cls._purchases(cls.gone_b, [120, 80])
        cls.gone_c = cls._customer("Gone C")
        cls._purchases(cls.gone_c, [260, 230, 200])
        cls.loyal = cls._customer("Loyal")
        cls._purchases(cls.loyal, [60, 30, 1])
        cls.env["cmr.mining.engine"]._run_churn(cls.company, cls.today)

    def _at(self, days_ago):
        return datetime.combine(self.today - relativedelta(days=days_ago), time(10))

    def test_agent_records_a_reason_with_the_wizard(self):
        action = self.gone_a.with_user(self.agent).action_cmr_record_churn_reason()
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(self.agent)
            .with_context(**action["context"])
        )
        self.assertEqual(wizard_form.state, "churned")
        wizard_form.reason_id = self.moved
        wizard_form.note = "Moved to Hangzhou"
        wizard_form.save().action_record()
        record = self.env["cmr.mining.churn.record"].search(
            [("partner_id", "=", self.gone_a.id)]
        )
        self.assertEqual(record.reason_id, self.moved)
        self.assertEqual(record.factor_type, "secondary")
        self.assertEqual(record.state, "churned")
        self.assertEqual(record.user_id, self.agent)
        self.assertEqual(self.gone_a.cmr_churn_reason_count, 1)
        # Append-only, also for the agent who wrote it.
        with self.assertRaises(UserError):
            record.with_user(self.agent).write({"note": "changed"})

    def test_reason_refused_for_an_active_customer_and_bad_text(self):
        wizard = (
            self.env["cmr.mining.churn.reason.wizard"]
            .with_user(self.agent)
            .create({"partner_id": self.loyal.id, "reason_id": self.price.id})
        )
        with self.assertRaisesRegex(ValidationError, "not churned nor at risk"):
            wizard.action_record()
        with self.assertRaisesRegex(ValidationError, "control characters"):
            self.env["cmr.mining.churn.reason.wizard"].with_user(self.agent).create(
                {
                    "partner_id": self.gone_a.id,
                    "reason_id": self.price.id,
                    "note": "a\x00b",
                }
            )
        with self.assertRaisesRegex(ValidationError, "too long"):
            self.env["cmr.mining.churn.record"].with_user(self.agent).create(
                {
                    "partner_id": self.gone_a.id,
                    "reason_id": self.price.id,
                    "note": "x" * 6000,
                }
            )
        self.assertFalse(
            self.env["cmr.mining.churn.record"].search(
                [("partner_id", "in", (self.loyal | self.gone_a).ids)]
            )
        )

    def test_reason_kpi_within_14_days(self):
        Record = self.env["cmr.mining.churn.record"]
        # A: churned 19 days ago, reason 10 days later: in time.
        Record.create(
            {
                "partner_id": self.gone_a.id,
                "reason_id": self.price.id,
                "date": self._at(9),
            }
        )
        # B: churned 19 days ago, reason recorded 16 days later: too late.
        Record.create(
            {
                "partner_id": self.gone_b.id,
                "reason_id": self.moved.id,
                "date": self._at(3),
            }
        )
        # C: churned without a reason.
        events = self.env["cmr.mining.event"].search(
            [
                ("partner_id", "in", (self.gone_a | self.gone_b | self.gone_c).ids),
                ("event", "=", "churned"),
            ]
        )
        self.assertEqual(len(events), 3)
        self.assertEqual(set(events.mapped("date")), {self._day(19)})
        churned, in_time, rate = Record._reason_kpi(self._day(19), self._day(19))
        self.assertEqual((churned, in_time), (3, 1))
        self.assertAlmostEqual(rate, 100 / 3)
        report = self.env["cmr.mining.churn.report"].search(
            [("event_id", "in", events.ids)]
        )
        by_partner = {row.partner_id: row for row in report}
        self.assertEqual(by_partner[self.gone_a].reason_id, self.price)
        self.assertFalse(by_partner[self.gone_b].reason_id)
        self.assertFalse(by_partner[self.gone_c].reason_id)
        # A reason recorded while the customer was at risk counts too.
        self.assertEqual(by_partner[self.gone_a].factor_type, "value")

    def test_reasons_catalogue_is_for_administrators(self):
        with self.assertRaises(AccessError):
            self.env["cmr.mining.churn.reason"].with_user(self.agent).create(
                {"name": "Weather", "code": "weather", "factor_type": "secondary"}
            )
        self.assertTrue(self.price.with_user(self.agent).name)
