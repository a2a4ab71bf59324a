from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from .alliance_common import AllianceRaceCase, committed_env


@tagged("post_install", "-at_install")
class TestAllianceRaces(AllianceRaceCase):
    """Each "at most once" or limit rule of the alliances, with two
    transactions at the same moment: the second waits for the first (row
    lock or unique constraint), is retried the way Odoo retries a request,
    and cannot break the rule."""

    alliance_values = {
        "points_validity_days": 0,
        "redeem_check": "code",
        "earn_source": "order",
    }

    def test_one_time_code_is_used_once(self):
        with committed_env() as env:
            card = env["cmr.membership"].browse(self.ids["card"])
            agreement = env["cmr.alliance.merchant"].browse(self.ids["agreement"])
            code = env["cmr.membership.code"]._issue(card, agreement)

        def redeem(env):
            return (
                env["cmr.alliance.merchant"]
                .browse(self.ids["agreement"])
                ._record_redemption(self.card_number, 10, proof=code)
                .id
            )

        outcome = self.race(redeem)
        self.assertIn("already used", outcome["error"])
        self.assertEqual(outcome["attempts"], 2, "refused once, then retried")
        with committed_env() as env:
            self.assertEqual(env["cmr.membership"].browse(self.ids["card"]).balance, 90)

    def test_wrong_attempts_are_all_counted(self):
        def fail(env):
            env["cmr.membership"].browse(self.ids["card"])._consent_failed()

        self.race(fail)
        with committed_env() as env:
            card = env["cmr.membership"].browse(self.ids["card"])
            self.assertEqual(card.proof_failures, 2, "no lost update")

    def test_codes_per_hour_hold_under_concurrency(self):
        with committed_env() as env:
            card = env["cmr.membership"].browse(self.ids["card"])
            agreement = env["cmr.alliance.merchant"].browse(self.ids["agreement"])
            for _index in range(4):
                card._send_code(agreement)

        def send(env):
            env["cmr.membership"].browse(self.ids["card"])._send_code(
                env["cmr.alliance.merchant"].browse(self.ids["agreement"])
            )

        outcome = self.race(send)
        self.assertIn("Too many codes", outcome["error"])
        with committed_env() as env:
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
                ._settle(
                    env["cmr.alliance.merchant"].browse(self.ids["agreement"]),
                    date_from,
                    date_to,
                )
                .ids
            )

        outcome = self.race(settle)
        self.assertEqual(outcome["result"], outcome["first"], "the first's statement")
        with committed_env() as env:
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
        with committed_env() as env:
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
        with committed_env() as env:
            self.assertEqual(
                env["cmr.points.line"].search_count([("sale_order_id", "=", order_id)]),
                1,
            )

    def test_cancelled_order_is_taken_back_once(self):
        with committed_env() as env:
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
                ._take_back_cancelled_orders(env["sale.order"].browse(order_id))
                .ids
            )

        outcome = self.race(take_back)
        self.assertTrue(outcome["first"])
        self.assertEqual(outcome["result"], [], "nothing left to take back")
        with committed_env() as env:
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
