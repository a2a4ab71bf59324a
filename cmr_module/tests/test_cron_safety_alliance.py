from contextlib import ExitStack, contextmanager
from datetime import timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import new_test_user, tagged

from .alliance_common import AllianceCase, AllianceRaceCase
from .common import committed_env, run_queued
from .cron_common import CronRunnerMixin, RaceAnyMixin, only


def lines(env, card_id, kind):
    return env["cmr.points.line"].search(
        [("membership_id", "=", card_id), ("kind", "=", kind)]
    )


@tagged("post_install", "-at_install")
class TestCronSafetyAllianceRaces(RaceAnyMixin, AllianceRaceCase):
    """The alliance's scheduled actions and their manual twins in two
    committed transactions: the counter's redemption (expiry), a salesman
    cancelling an order (earnings), a manager's queued *Settle Merchants*
    (settlement)."""

    alliance_values = {
        "points_validity_days": 30,
        "redeem_check": "none",
        "earn_source": "order",
        "earn_rate": 1.0,
    }

    def setUp(self):
        super().setUp()
        with committed_env() as env:
            # What an interrupted run of this test may have left.
            env["res.users"].with_context(active_test=False).search(
                [
                    (
                        "login",
                        "in",
                        (
                            "cron_safety_salesman",
                            "cron_safety_manager",
                            "cron_safety_counter",
                        ),
                    )
                ]
            ).unlink()
            salesman = new_test_user(
                env,
                login="cron_safety_salesman",
                groups="sales_team.group_sale_salesman",
            )
            manager = new_test_user(
                env,
                login="cron_safety_manager",
                groups="cmr_module.group_cmr_manager",
            )
            # The merchant's counter, a portal user of the merchant.
            counter = new_test_user(
                env, login="cron_safety_counter", groups="base.group_portal"
            )
            counter.partner_id.parent_id = self.ids["merchant"]
            self.ids.update(
                salesman=salesman.id, manager=manager.id, counter=counter.id
            )
        self.addCleanup(self._cleanup_users)

    def _cleanup_users(self):
        with committed_env() as env:
            cr = env.cr
            users = env["res.users"].browse(
                [self.ids["salesman"], self.ids["manager"], self.ids["counter"]]
            )
            cr.execute("SELECT id FROM cmr_job WHERE user_id = ANY(%s)", [users.ids])
            job_ids = [row[0] for row in cr.fetchall()]
            if job_ids:
                cr.execute(
                    "DELETE FROM mail_message WHERE model = 'cmr.job' "
                    "AND res_id = ANY(%s)",
                    [job_ids],
                )
                cr.execute(
                    "DELETE FROM mail_followers WHERE res_model = 'cmr.job' "
                    "AND res_id = ANY(%s)",
                    [job_ids],
                )
                cr.execute("DELETE FROM cmr_job WHERE id = ANY(%s)", [job_ids])
            cr.execute(
                "DELETE FROM cmr_settlement_wizard WHERE create_uid = ANY(%s)",
                [users.ids],
            )
            partners = users.partner_id
            users.unlink()
            partners.unlink()

    @contextmanager
    def only_this_card(self, env):
        """The scheduled actions see this test's card and order only."""
        card_id = self.ids["card"]
        Line = env["cmr.points.line"]
        original_take_back = type(Line)._take_back_cancelled_orders

        def take_back(self_, orders=None):
            if orders is None:
                orders = self_.env["sale.order"].search(
                    [("partner_id", "=", self.ids["member"])]
                )
            return original_take_back(self_, orders)

        with ExitStack() as stack:
            stack.enter_context(
                only(
                    Line,
                    "_expiring_cards",
                    lambda ids: [i for i in ids if i == card_id],
                )
            )
            stack.enter_context(
                only(
                    Line,
                    "_earnings_due",
                    lambda due: [v for v in due if v["membership_id"] == card_id],
                )
            )
            stack.enter_context(
                patch.object(type(Line), "_take_back_refunds", lambda self_: Line)
            )
            stack.enter_context(
                patch.object(type(Line), "_take_back_cancelled_orders", take_back)
            )
            stack.enter_context(
                only(
                    env["cmr.settlement"],
                    "_unsettled_periods",
                    lambda periods: {
                        period: agreements.filtered(
                            lambda a: a.id == self.ids["agreement"]
                        )
                        for period, agreements in periods.items()
                        if self.ids["agreement"] in agreements.ids
                    },
                )
            )
            yield

    # ------------------------------------------------------------------
    # Expiry and the counter's redemption
    # ------------------------------------------------------------------
    def _old_points(self):
        """The card's 100 points are past their validity; 50 fresh ones."""
        with committed_env() as env:
            env.cr.execute(
                "UPDATE cmr_points_line SET date = date - interval '40 days', "
                "expires_on = CURRENT_DATE - 10 WHERE membership_id = %s",
                [self.ids["card"]],
            )
            env["cmr.membership"].browse(self.ids["card"])._earn(50)

    def expire(self, env):
        with self.only_this_card(env):
            env["cmr.points.line"]._cron_expire_points()
        return lines(env, self.ids["card"], "expire").mapped("points")

    def redeem(self, env):
        """The counter's redemption, as the merchant's portal page runs it."""
        counter = env(user=self.ids["counter"])
        line = counter["cmr.alliance.merchant"]._portal_record(
            counter.user.partner_id,
            {
                "card_number": self.card_number,
                "kind": "redeem",
                "quantity": 30,
                "service_id": None,
                "reference": None,
                "proof": None,
            },
        )
        return line.points

    def _assert_expired_once(self):
        with committed_env() as env:
            self.assertEqual(
                lines(env, self.ids["card"], "expire").mapped("points"), [-100]
            )
            self.assertEqual(
                lines(env, self.ids["card"], "redeem").mapped("points"), [-30]
            )
            self.assertEqual(env["cmr.membership"].browse(self.ids["card"]).balance, 20)
            # A later run finds nothing left to expire.
            self.assertEqual(self.expire(env), [-100])

    def test_cron_safety_expiry_then_redemption(self):
        self._old_points()
        outcome = self.race(self.expire, self.redeem)
        self.assertEqual(outcome["first"], [-100])
        self.assertEqual(outcome["result"], -30)
        self.assertEqual(outcome["attempts"], 2, "refused once, then retried")
        self._assert_expired_once()

    def test_cron_safety_redemption_then_expiry(self):
        self._old_points()
        outcome = self.race_any(self.redeem, self.expire)
        self.assertEqual(outcome["first"], -30)
        # The run skipped the card the counter held: the redemption expired
        # its old points itself.
        self.assertEqual(outcome["result"], [])
        self._assert_expired_once()

    # ------------------------------------------------------------------
    # Earnings and a salesman cancelling the order
    # ------------------------------------------------------------------
    def _confirmed_order(self):
        with committed_env() as env:
            product = env["product.product"].create(
                {"name": "Cron safety lubricant", "list_price": 50.0, "taxes_id": []}
            )
            order = env["sale.order"].create(
                {
                    "partner_id": self.ids["member"],
                    "user_id": self.ids["salesman"],
                    "order_line": [
                        Command.create({"product_id": product.id, "tax_id": []})
                    ],
                }
            )
            order.action_confirm()
            return order.id

    def earn(self, env):
        with self.only_this_card(env):
            env["cmr.points.line"]._cron_earn_from_company()
        return lines(env, self.ids["card"], "earn").mapped("points")

    def cancel(self, order_id):
        def run(env):
            salesman = env(user=self.ids["salesman"])
            order = salesman["sale.order"].browse(order_id)
            order.with_context(disable_cancel_warning=True).action_cancel()
            return order.state

        return run

    def test_cron_safety_earning_then_cancel(self):
        order_id = self._confirmed_order()
        outcome = self.race(self.earn, self.cancel(order_id))
        self.assertEqual(outcome["first"], [50, 100])
        self.assertEqual(outcome["result"], "cancel")
        self.assertEqual(outcome["attempts"], 2, "refused once, then retried")
        with committed_env() as env:
            # Earned once, taken back at once, by the cancellation.
            taken_back = env["cmr.points.line"].search(
                [("membership_id", "=", self.ids["card"]), ("kind", "=", "adjust")]
            )
            self.assertEqual(taken_back.mapped("points"), [-50])
            self.assertEqual(
                env["cmr.membership"].browse(self.ids["card"]).balance, 100
            )

    def test_cron_safety_cancel_then_earning(self):
        order_id = self._confirmed_order()
        outcome = self.race_any(self.cancel(order_id), self.earn)
        self.assertEqual(outcome["first"], "cancel")
        # The run skipped the order being cancelled: nothing to take back.
        self.assertEqual(outcome["result"], [100])
        with committed_env() as env:
            self.assertEqual(self.earn(env), [100])
            self.assertFalse(lines(env, self.ids["card"], "adjust"))

    # ------------------------------------------------------------------
    # Settlement and the queued "Settle Merchants"
    # ------------------------------------------------------------------
    def _last_month(self):
        date_to = fields.Date.today().replace(day=1) - timedelta(days=1)
        date_from = date_to.replace(day=1)
        with committed_env() as env:
            env["cmr.alliance.merchant"].browse(
                self.ids["agreement"]
            ).date_start = date_from
        return date_from, date_to

    def settle_cron(self, env):
        with self.only_this_card(env):
            env["cmr.settlement"]._cron_settle_last_month()
        return (
            env["cmr.settlement"]
            .search([("agreement_id", "=", self.ids["agreement"])])
            .ids
        )

    def settle_button(self, date_from, date_to):
        def run(env):
            manager = env(user=self.ids["manager"])
            wizard = manager["cmr.settlement.wizard"].create(
                {
                    "date_from": date_from,
                    "date_to": date_to,
                    "agreement_ids": [Command.set([self.ids["agreement"]])],
                }
            )
            return run_queued(manager, wizard.action_settle()).id

        return run

    def _statements(self):
        with committed_env() as env:
            return env["cmr.settlement"].search(
                [("agreement_id", "=", self.ids["agreement"])]
            )

    def test_cron_safety_settle_button_then_cron(self):
        date_from, date_to = self._last_month()
        outcome = self.race(self.settle_button(date_from, date_to), self.settle_cron)
        self.assertEqual(outcome["attempts"], 2, "refused once, then retried")
        statements = self._statements()
        self.assertEqual(len(statements), 1, "one statement per merchant and period")
        self.assertEqual(outcome["result"], statements.ids)

    def test_cron_safety_cron_then_settle_button(self):
        date_from, date_to = self._last_month()
        outcome = self.race(self.settle_cron, self.settle_button(date_from, date_to))
        statements = self._statements()
        self.assertEqual(outcome["first"], statements.ids)
        self.assertEqual(len(statements), 1, "one statement per merchant and period")
        # The queued run waited for the cron and gave way; its next step
        # (a minute later) finds the period settled.
        with committed_env() as env:
            job = env["cmr.job"].browse(outcome["result"])
            manager = env(user=self.ids["manager"])
            run_queued(manager, {"res_id": job.id})
            self.assertEqual(job.state, "done")
            self.assertEqual(job.result_ids, statements.ids)
        self.assertEqual(len(self._statements()), 1)


@tagged("post_install", "-at_install")
class TestCronSafetyAllianceBatches(CronRunnerMixin, AllianceCase):
    """Batch after batch, with a batch crashing in the middle: every effect
    happens once."""

    def _cards(self, count):
        members = self.env["res.partner"].create(
            [{"name": f"Batch member {index}"} for index in range(count)]
        )
        return self.env["cmr.membership"].create(
            [{"partner_id": m.id, "alliance_id": self.alliance.id} for m in members]
        )

    def test_cron_safety_expiry_resumes_after_a_crash(self):
        cards = self._cards(5)
        for card in cards:
            self.earn(card, 40, days_ago=120)
        Line = self.env["cmr.points.line"]
        with (
            only(
                Line, "_expiring_cards", lambda ids: [i for i in ids if i in cards.ids]
            ),
            self.crash_on_call(Line, "_expire_points", calls=(2,)),
        ):
            reports = self.run_cron(
                "cmr_module.ir_cron_cmr_points_expire",
                lambda env: env["cmr.points.line"]._cron_expire_points(batch_size=2),
            )
        self.assertEqual(reports, [(2, 3), "crash", (2, 1), (1, 0)])
        for card in cards:
            self.assertEqual(
                card.line_ids.filtered(lambda line: line.kind == "expire").mapped(
                    "points"
                ),
                [-40],
                "one expiry line per card",
            )
            self.assertEqual(card.balance, 0)

    def test_cron_safety_earnings_resume_after_a_crash(self):
        self.alliance.earn_source = "order"
        cards = self._cards(5)
        product = self.env["product.product"].create(
            {"name": "Batch oil", "list_price": 10.0, "taxes_id": []}
        )
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": card.partner_id.id,
                    "order_line": [
                        Command.create({"product_id": product.id, "tax_id": []})
                    ],
                }
                for card in cards
            ]
        )
        orders.action_confirm()
        Line = self.env["cmr.points.line"]
        with (
            only(
                Line,
                "_earnings_due",
                lambda due: [v for v in due if v["membership_id"] in cards.ids],
            ),
            self.crash_on_call(Line, "_create_earnings", calls=(2,)),
        ):
            reports = self.run_cron(
                "cmr_module.ir_cron_cmr_points_earn",
                lambda env: env["cmr.points.line"]._cron_earn_from_company(
                    batch_size=2
                ),
            )
        self.assertEqual(reports, [(2, 3), "crash", (2, 1), (1, 0)])
        for card, order in zip(cards, orders, strict=True):
            earned = card.line_ids.filtered(lambda line: line.kind == "earn")
            self.assertEqual(earned.sale_order_id, order, "one earning per order")
            self.assertEqual(earned.points, 10)

    def test_cron_safety_settlement_resumes_after_a_crash(self):
        until = self.today.replace(day=1) - timedelta(days=1)
        start = until.replace(day=1) - relativedelta(months=1)
        agreements = self.env["cmr.alliance.merchant"].create(
            [
                {
                    "alliance_id": self.alliance.id,
                    "partner_id": self.env["res.partner"]
                    .create({"name": f"Batch merchant {index}", "is_company": True})
                    .id,
                    "date_start": start,
                }
                for index in range(3)
            ]
        )
        Settlement = self.env["cmr.settlement"]
        # Two months of three agreements: six statements, two per call.
        with (
            only(
                Settlement,
                "_unsettled_periods",
                lambda periods: {
                    period: todo & agreements
                    for period, todo in periods.items()
                    if todo & agreements
                },
            ),
            self.crash_on_call(Settlement, "_settle", calls=(2,)),
        ):
            reports = self.run_cron(
                "cmr_module.ir_cron_cmr_settlement",
                lambda env: env["cmr.settlement"]._cron_settle_last_month(batch_size=2),
            )
        self.assertEqual(reports, [(2, 4), "crash", (2, 2), (2, 0)])
        statements = Settlement.search([("agreement_id", "in", agreements.ids)])
        self.assertEqual(len(statements), 6)
        for agreement in agreements:
            mine = statements.filtered(lambda s, a=agreement: s.agreement_id == a)
            self.assertEqual(
                sorted(mine.mapped("date_from")),
                [start, until.replace(day=1)],
                "one statement per merchant and month",
            )
