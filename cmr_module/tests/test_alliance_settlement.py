from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .alliance_common import AllianceCase
from .common import run_queued


@tagged("post_install", "-at_install")
class TestAllianceSettlement(AllianceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Last month: members earned 1000 and 300 points at A, redeemed 400 at A,
        # earned 50 at B; a line of this month and one of B stay out of A's.
        cls.month_start = cls.today.replace(day=1) - relativedelta(months=1)
        cls.month_end = cls.today.replace(day=1) - timedelta(days=1)
        mid = datetime.combine(cls.month_start + timedelta(days=10), time(12))
        # Agreements valid from 30 days ago: let them cover last month.
        (cls.agreement_a | cls.agreement_b).write(
            {"date_start": cls.month_start - timedelta(days=31)}
        )
        for card, points, agreement, date in (
            (cls.card, 1000, cls.agreement_a, mid),
            (cls.card_2, 300, cls.agreement_a, mid),
            (cls.card, 50, cls.agreement_b, mid),
            (cls.card, 70, cls.agreement_a, None),
        ):
            cls.earn(card, points, agreement=agreement, date=date)
        cls.redemption = cls.env["cmr.points.line"]._consume(
            cls.card,
            400,
            {"kind": "redeem", "agreement_id": cls.agreement_a.id, "date": mid},
        )

    def settle(self, agreements=None):
        return self.env["cmr.settlement"]._settle(
            agreements or (self.agreement_a | self.agreement_b),
            self.month_start,
            self.month_end,
        )

    def test_statement_totals_and_accounting_documents(self):
        settlements = self.settle()
        statement_a = settlements.filtered(lambda s: s.agreement_id == self.agreement_a)
        self.assertEqual(statement_a.points_earned, 1300)
        self.assertEqual(statement_a.points_redeemed, 400)
        self.assertAlmostEqual(statement_a.amount_due_by_merchant, 52.0)
        self.assertAlmostEqual(statement_a.amount_due_to_merchant, 16.0)
        self.assertEqual(statement_a.state, "done")
        invoice, bill = statement_a.invoice_id, statement_a.bill_id
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.partner_id, self.merchant_a)
        self.assertAlmostEqual(invoice.amount_total, 52.0)
        self.assertEqual(invoice.journal_id.type, "sale")
        self.assertEqual(
            invoice.invoice_line_ids.account_id, invoice.journal_id.default_account_id
        )
        self.assertEqual(invoice.invoice_line_ids.account_id.internal_group, "income")
        self.assertEqual(bill.move_type, "in_invoice")
        self.assertEqual(bill.partner_id, self.merchant_a)
        self.assertAlmostEqual(bill.amount_total, 16.0)
        self.assertEqual(bill.journal_id.type, "purchase")
        self.assertEqual(bill.invoice_line_ids.account_id.internal_group, "expense")
        receivable = invoice.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertAlmostEqual(receivable.balance, 52.0)
        statement_b = settlements - statement_a
        self.assertEqual(statement_b.points_earned, 50)
        self.assertAlmostEqual(statement_b.amount_due_by_merchant, 0.4)
        self.assertFalse(statement_b.bill_id, "nothing redeemed at B: no bill")
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")

    def test_overlapping_or_unfinished_periods_are_refused(self):
        first = self.settle()
        Settlement = self.env["cmr.settlement"]
        agreements = self.agreement_a | self.agreement_b
        with self.assertRaisesRegex(UserError, "already covers"):
            Settlement._settle(
                agreements, self.month_start + timedelta(days=14), self.month_end
            )
        with self.assertRaisesRegex(UserError, "not past yet"):
            Settlement._settle(agreements, self.today.replace(day=1), self.today)
        self.assertEqual(
            Settlement.search([("agreement_id", "in", agreements.ids)]), first
        )

    def test_manager_settles_through_the_wizard_but_never_edits_a_statement(self):
        manager = new_test_user(
            self.env,
            login="cmr_settle_manager",
            groups="cmr_module.group_cmr_manager,account.group_account_invoice",
        )
        action = (
            self.env["cmr.settlement.wizard"]
            .with_user(manager)
            .create({"date_from": self.month_start, "date_to": self.month_end})
            .action_settle()
        )
        job = run_queued(self.env, action)
        self.assertEqual(job.state, "done", job.summary)
        self.assertEqual(job.user_id, manager)
        statements = self.env["cmr.settlement"].browse(job.result_ids)
        self.assertTrue(statements)
        with self.assertRaises(AccessError):
            statements.with_user(manager).write({"state": "draft"})

    def test_archived_agreement_is_still_settled_by_the_cron(self):
        self.agreement_b.action_archive()
        self.env.ref("cmr_module.ir_cron_cmr_settlement").method_direct_trigger()
        statement = self.env["cmr.settlement"].search(
            [
                ("agreement_id", "=", self.agreement_b.id),
                ("date_from", "=", self.month_start),
            ]
        )
        self.assertEqual(len(statement), 1)
        self.assertEqual(statement.date_to, self.month_end)

    def test_settling_again_never_bills_twice(self):
        first = self.settle()
        moves = self.env["account.move"].search_count([])
        again = self.settle()
        self.assertEqual(first, again)
        wizard = self.env["cmr.settlement.wizard"].create(
            {"date_from": self.month_start, "date_to": self.month_end}
        )
        job = run_queued(self.env, wizard.action_settle())
        self.assertTrue(set(first.ids) <= set(job.result_ids))
        self.env.ref("cmr_module.ir_cron_cmr_settlement").method_direct_trigger()
        self.assertEqual(self.env["account.move"].search_count([]), moves)
        # (The cron also settled the empty month before, from the agreement's
        # start: nothing to bill there.)
        self.assertEqual(
            self.env["cmr.settlement"].search_count(
                [
                    ("agreement_id", "=", self.agreement_a.id),
                    ("date_from", "=", self.month_start),
                ]
            ),
            1,
        )
        with self.assertRaises(UserError):
            first.unlink()

    def test_wizard_for_one_merchant_and_bad_period(self):
        wizard = self.env["cmr.settlement.wizard"].create(
            {
                "date_from": self.month_start,
                "date_to": self.month_end,
                "agreement_ids": [(6, 0, self.agreement_b.ids)],
            }
        )
        run_queued(self.env, wizard.action_settle())
        settled = self.env["cmr.settlement"].search(
            [("date_from", "=", self.month_start)]
        )
        self.assertEqual(
            settled.agreement_id & (self.agreement_a | self.agreement_b),
            self.agreement_b,
        )
        with self.assertRaisesRegex(UserError, "ends before"):
            self.env["cmr.settlement"]._settle(
                self.agreement_a, self.month_end, self.month_start
            )

    def test_expiry_cron(self):
        self.earn(self.card_2, 25, days_ago=150)
        before = self.card_2.balance
        self.env.ref("cmr_module.ir_cron_cmr_points_expire").method_direct_trigger()
        self.card_2.invalidate_recordset(["balance"])
        self.assertEqual(self.card_2.balance, before - 25)

    def test_expiry_cron_works_in_batches(self):
        self.earn(self.card, 10, days_ago=150)
        self.earn(self.card_2, 20, days_ago=150)
        Line = self.env["cmr.points.line"]
        day = self.today
        expiring = Line._expiring_cards(day)
        self.assertIn(self.card.id, expiring)
        self.assertIn(self.card_2.id, expiring)
        Line._cron_expire_points(batch_size=1)
        self.assertEqual(len(Line._expiring_cards(day)), len(expiring) - 1)
        for _run in range(len(expiring) - 1):
            Line._cron_expire_points(batch_size=1)
        self.assertFalse(Line._expiring_cards(day))
        expiries = Line.search(
            [
                ("membership_id", "in", (self.card | self.card_2).ids),
                ("kind", "=", "expire"),
            ]
        )
        self.assertEqual(sorted(expiries.mapped("points")), [-20, -10])

    def test_queued_settlement_goes_by_steps_and_resumes(self):
        agreements = self.agreement_a | self.agreement_b
        action = (
            self.env["cmr.settlement.wizard"]
            .create(
                {
                    "date_from": self.month_start,
                    "date_to": self.month_end,
                    "agreement_ids": [(6, 0, agreements.ids)],
                }
            )
            .action_settle()
        )
        job = self.env["cmr.job"].browse(action["res_id"])
        self.assertFalse(
            self.env["cmr.settlement"].search_count(
                [("agreement_id", "in", agreements.ids)]
            )
        )
        # One agreement per step: half done after the first one; a crash
        # then (the step committed) resumes with the second.
        self.assertFalse(self.env["cmr.settlement"]._job_settle(job, batch_size=1))
        self.assertEqual((job.done_count, job.total_count, job.progress), (1, 2, 50.0))
        first = self.env["cmr.settlement"].browse(job.result_ids)
        self.assertEqual(first.agreement_id, agreements[0])
        self.assertTrue(self.env["cmr.settlement"]._job_settle(job, batch_size=1))
        statements = self.env["cmr.settlement"].browse(job.result_ids)
        self.assertEqual(statements.agreement_id, agreements)
        # The runner finishing it again bills nothing twice.
        moves = self.env["account.move"].search_count([])
        run_queued(self.env, action)
        self.assertEqual(job.state, "done")
        self.assertEqual(self.env["account.move"].search_count([]), moves)

    def test_wizard_refuses_at_once_what_the_run_would(self):
        with self.assertRaisesRegex(UserError, "not past yet"):
            self.env["cmr.settlement.wizard"].create(
                {"date_from": self.month_start, "date_to": self.today}
            ).action_settle()
        self.assertFalse(self.env["cmr.job"].search_count([("state", "=", "queued")]))
