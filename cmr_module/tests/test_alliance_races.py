import threading
import time
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.service.model import retrying
from odoo.tests import common, tagged

from .test_alliance_concurrency import environment


@tagged("post_install", "-at_install")
class TestAllianceRaces(common.BaseCase):
    """Each "at most once" or limit rule of the alliances, with two
    transactions at the same moment: the second waits for the first (row
    lock or unique constraint), is retried the way Odoo retries a request,
    and cannot break the rule."""

    def setUp(self):
        super().setUp()
        with environment() as env:
            alliance = env["cmr.alliance"].create(
                {
                    "name": "Race alliance",
                    "points_validity_days": 0,
                    "redeem_check": "code",
                    "earn_source": "order",
                }
            )
            merchant = env["res.partner"].create(
                {"name": "Race merchant", "is_company": True}
            )
            member = env["res.partner"].create(
                {"name": "Race member", "email": "race.member@example.com"}
            )
            start = fields.Date.today().replace(day=1) - timedelta(days=40)
            agreement = env["cmr.alliance.merchant"].create(
                {
                    "alliance_id": alliance.id,
                    "partner_id": merchant.id,
                    "date_start": start,
                }
            )
            card = env["cmr.membership"].create(
                {"partner_id": member.id, "alliance_id": alliance.id}
            )
            card._cmr_earn(100, agreement=agreement)
            self.ids = {
                "alliance": alliance.id,
                "merchant": merchant.id,
                "member": member.id,
                "agreement": agreement.id,
                "card": card.id,
            }
            self.card_number = card.card_number
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        # The ledger and statements refuse deletes through the ORM: SQL.
        with environment() as env:
            cr = env.cr
            ids = self.ids
            cr.execute(
                "SELECT invoice_id, bill_id FROM cmr_settlement "
                "WHERE agreement_id = %s",
                [ids["agreement"]],
            )
            move_ids = [i for row in cr.fetchall() for i in row if i]
            cr.execute(
                "DELETE FROM cmr_settlement WHERE agreement_id = %s", [ids["agreement"]]
            )
            if move_ids:
                env["account.move"].browse(move_ids).unlink()
            cr.execute(
                """
                DELETE FROM cmr_points_allocation
                 WHERE consumer_line_id IN (SELECT id FROM cmr_points_line
                                             WHERE membership_id = %s)
                """,
                [ids["card"]],
            )
            cr.execute(
                "DELETE FROM cmr_points_line WHERE membership_id = %s", [ids["card"]]
            )
            orders = env["sale.order"].search([("partner_id", "=", ids["member"])])
            products = orders.order_line.product_id.product_tmpl_id
            if orders:
                cr.execute(
                    "UPDATE sale_order SET state = 'cancel' WHERE id = ANY(%s)",
                    [orders.ids],
                )
                orders.invalidate_recordset(["state"])
            orders.unlink()
            products.unlink()
            cr.execute(
                "DELETE FROM cmr_membership_code WHERE membership_id = %s",
                [ids["card"]],
            )
            cr.execute("DELETE FROM cmr_contact WHERE partner_id = %s", [ids["member"]])
            cr.execute("DELETE FROM cmr_membership WHERE id = %s", [ids["card"]])
            cr.execute(
                "DELETE FROM cmr_alliance_merchant WHERE id = %s", [ids["agreement"]]
            )
            cr.execute("DELETE FROM cmr_alliance WHERE id = %s", [ids["alliance"]])
            env["mail.mail"].search(
                [("email_to", "ilike", "race.member@example.com")]
            ).unlink()
            cr.execute(
                "DELETE FROM res_partner WHERE id IN %s",
                [(ids["merchant"], ids["member"])],
            )

    def race(self, action):
        """Run ``action(env)`` in a first transaction, then in a second one
        that starts while the first holds its locks; return what the second
        saw (its result or its error) and how many times it ran."""
        outcome = {"attempts": 0}
        first_done = threading.Event()

        def second():
            try:
                with environment() as env:

                    def attempt():
                        outcome["attempts"] += 1
                        return action(env)

                    try:
                        outcome["result"] = retrying(attempt, env)
                    except UserError as error:
                        outcome["error"] = str(error)
                    outcome["waited"] = first_done.is_set()
            except Exception as error:  # noqa: BLE001 - reported by the test
                outcome["error"] = repr(error)

        with environment() as env:
            outcome["first"] = action(env)
            thread = threading.Thread(target=second)
            thread.start()
            time.sleep(1.0)
            self.assertTrue(thread.is_alive(), "the second transaction must wait")
            first_done.set()
        thread.join(timeout=30)
        self.assertFalse(thread.is_alive())
        self.assertTrue(outcome["waited"])
        return outcome

    def test_one_time_code_is_used_once(self):
        with environment() as env:
            card = env["cmr.membership"].browse(self.ids["card"])
            agreement = env["cmr.alliance.merchant"].browse(self.ids["agreement"])
            code = env["cmr.membership.code"]._cmr_issue(card, agreement)

        def redeem(env):
            return (
                env["cmr.alliance.merchant"]
                .browse(self.ids["agreement"])
                ._cmr_record_redemption(self.card_number, 10, proof=code)
                .id
            )

        outcome = self.race(redeem)
        self.assertIn("already used", outcome["error"])
        self.assertEqual(outcome["attempts"], 2, "refused once, then retried")
        with environment() as env:
            self.assertEqual(env["cmr.membership"].browse(self.ids["card"]).balance, 90)

    def test_wrong_attempts_are_all_counted(self):
        def fail(env):
            env["cmr.membership"].browse(self.ids["card"])._cmr_consent_failed()

        self.race(fail)
        with environment() as env:
            card = env["cmr.membership"].browse(self.ids["card"])
            self.assertEqual(card.proof_failures, 2, "no lost update")

    def test_codes_per_hour_hold_under_concurrency(self):
        with environment() as env:
            card = env["cmr.membership"].browse(self.ids["card"])
            agreement = env["cmr.alliance.merchant"].browse(self.ids["agreement"])
            for _index in range(4):
                card._cmr_send_code(agreement)

        def send(env):
            env["cmr.membership"].browse(self.ids["card"])._cmr_send_code(
                env["cmr.alliance.merchant"].browse(self.ids["agreement"])
            )

        outcome = self.race(send)
        self.assertIn("Too many codes", outcome["error"])
        with environment() as env:
            self.assertEqual(
                env["cmr.membership.code"].search_count(
                    [("membership_id", "=", self.ids["card"])]
                ),
                5,
            )

    def test_period_is_settled_once(self):
        date_to = fields.Date.today().replace(day=1) - timedelta(days=1)
        date_from = date_to.replace(day=1)

        def settle(env):
            return (
                env["cmr.settlement"]
                ._cmr_settle(
                    env["cmr.alliance.merchant"].browse(self.ids["agreement"]),
                    date_from,
                    date_to,
                )
                .ids
            )

        outcome = self.race(settle)
        self.assertEqual(outcome["result"], outcome["first"], "the first's statement")
        with environment() as env:
            self.assertEqual(
                env["cmr.settlement"].search_count(
                    [("agreement_id", "=", self.ids["agreement"])]
                ),
                1,
            )

    def order(self, env):
        product = env["product.product"].create(
            {"name": "Race lubricant", "list_price": 50.0, "taxes_id": []}
        )
        order = env["sale.order"].create(
            {
                "partner_id": self.ids["member"],
                "order_line": [
                    Command.create({"product_id": product.id, "tax_id": []})
                ],
            }
        )
        order.action_confirm()
        return order

    def test_order_earns_once(self):
        with environment() as env:
            order_id = self.order(env).id

        def earn(env):
            # What the hourly run writes for a confirmed order of a member.
            line = env["cmr.points.line"].create(
                {
                    "membership_id": self.ids["card"],
                    "kind": "earn",
                    "points": 50,
                    "sale_order_id": order_id,
                }
            )
            env.flush_all()
            return line.id

        outcome = self.race(earn)
        self.assertIn("once per card", outcome["error"])
        with environment() as env:
            self.assertEqual(
                env["cmr.points.line"].search_count([("sale_order_id", "=", order_id)]),
                1,
            )

    def test_cancelled_order_is_taken_back_once(self):
        with environment() as env:
            order = self.order(env)
            # What the hourly run would write (it scans every order).
            env["cmr.points.line"].create(
                {
                    "membership_id": self.ids["card"],
                    "kind": "earn",
                    "points": 50,
                    "sale_order_id": order.id,
                    "reference": order.name,
                }
            )
            # Cancelled behind the ledger's back: the runs below take it back.
            env.flush_all()
            env.cr.execute(
                "UPDATE sale_order SET state = 'cancel' WHERE id = %s", [order.id]
            )
            order_id = order.id

        def take_back(env):
            return (
                env["cmr.points.line"]
                ._cmr_take_back_cancelled_orders(env["sale.order"].browse(order_id))
                .ids
            )

        outcome = self.race(take_back)
        self.assertTrue(outcome["first"])
        self.assertEqual(outcome["result"], [], "nothing left to take back")
        with environment() as env:
            card = env["cmr.membership"].browse(self.ids["card"])
            self.assertEqual(card.balance, 100)
            self.assertEqual(
                env["cmr.points.line"].search_count(
                    [
                        ("membership_id", "=", card.id),
                        ("reversed_line_id", "!=", False),
                    ]
                ),
                1,
            )
