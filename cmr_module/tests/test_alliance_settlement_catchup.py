from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .alliance_common import AllianceCase
from .common import run_queued


@tagged("post_install", "-at_install")
class TestAllianceSettlementCatchUp(AllianceCase):
    """The monthly settlement catches up the months it missed, once each;
    a CMR manager without Invoicing rights settles from the wizard."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        this_month = cls.today.replace(day=1)
        cls.months = [this_month - relativedelta(months=n) for n in (3, 2, 1)]
        (cls.agreement_a | cls.agreement_b).write({"date_start": cls.months[0]})
        # 100, 200 and 300 points earned at A in each of the last three months.
        for index, month in enumerate(cls.months):
            cls.earn(
                cls.card,
                100 * (index + 1),
                agreement=cls.agreement_a,
                date=datetime.combine(month + timedelta(days=3), time(12)),
            )

    def statements(self, agreement):
        return self.env["cmr.settlement"].search(
            [("agreement_id", "=", agreement.id)], order="date_from"
        )

    def run_cron(self):
        self.env.ref("cmr_module.ir_cron_cmr_settlement").method_direct_trigger()

    def test_missed_months_are_settled_once_each(self):
        self.run_cron()
        statements = self.statements(self.agreement_a)
        self.assertEqual(statements.mapped("date_from"), self.months)
        self.assertEqual(statements.mapped("points_earned"), [100, 200, 300])
        for statement, month in zip(statements, self.months, strict=True):
            self.assertEqual(
                statement.date_to, month + relativedelta(months=1, days=-1)
            )
            self.assertEqual(statement.state, "done")
        self.assertEqual(len(self.statements(self.agreement_b)), 3)
        moves = self.env["account.move"].search_count([])
        # Idempotent: a second run adds nothing.
        self.run_cron()
        self.assertEqual(self.statements(self.agreement_a), statements)
        self.assertEqual(self.env["account.move"].search_count([]), moves)

    def test_catch_up_starts_after_the_last_statement(self):
        # Settled by hand up to the middle of the second month.
        middle = self.months[1] + timedelta(days=14)
        self.env["cmr.settlement"]._settle(
            self.agreement_a,
            self.months[0],
            self.months[0] + relativedelta(months=1, days=-1),
        )
        self.env["cmr.settlement"]._settle(self.agreement_a, self.months[1], middle)
        self.run_cron()
        statements = self.statements(self.agreement_a)
        periods = [(s.date_from, s.date_to) for s in statements]
        self.assertEqual(
            periods[2:],
            [
                (middle + timedelta(days=1), self.months[2] - timedelta(days=1)),
                (self.months[2], self.today.replace(day=1) - timedelta(days=1)),
            ],
        )
        # No period overlaps another.
        for (_start, end), (next_start, _end) in zip(
            periods, periods[1:], strict=False
        ):
            self.assertEqual(next_start, end + timedelta(days=1))

    def test_manager_without_invoicing_rights_settles_from_the_wizard(self):
        manager = new_test_user(
            self.env,
            login="cmr_settle_manager_only",
            groups="cmr_module.group_cmr_manager",
        )
        self.assertFalse(manager.has_group("account.group_account_invoice"))
        action = (
            self.env["cmr.settlement.wizard"]
            .with_user(manager)
            .create(
                {
                    "date_from": self.months[2],
                    "date_to": self.today.replace(day=1) - timedelta(days=1),
                }
            )
            .action_settle()
        )
        job = run_queued(self.env, action)
        self.assertEqual(job.state, "done", job.summary)
        statement = self.env["cmr.settlement"].search(
            [("id", "in", job.result_ids), ("agreement_id", "=", self.agreement_a.id)]
        )
        self.assertEqual(statement.points_earned, 300)
        self.assertEqual(statement.state, "done")
        self.assertTrue(statement.invoice_id)
        self.assertEqual(statement.invoice_id.state, "draft")
        # The documents were made for them; they still cannot touch accounting.
        with self.assertRaises(AccessError):
            statement.invoice_id.with_user(manager).read(["amount_total"])
        # A CMR user who is no manager cannot settle at all.
        agent = new_test_user(
            self.env, login="cmr_settle_agent", groups="cmr_module.group_cmr_user"
        )
        with self.assertRaises(AccessError):
            self.env["cmr.settlement"].with_user(agent)._settle(
                self.agreement_b, self.months[0], self.months[0] + timedelta(days=5)
            )
