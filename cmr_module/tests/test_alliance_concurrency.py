import threading
import time
from contextlib import contextmanager

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import common, tagged


@contextmanager
def environment():
    """An environment on a new cursor, committed and closed at the end."""
    registry = Registry(common.get_db_name())
    with registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})


@tagged("post_install", "-at_install")
class TestAllianceConcurrentRedemptions(common.BaseCase):
    """Two counters redeem on the same card at the same moment, each in its
    own transaction: the second waits for the first, is retried the way Odoo
    retries a request after a serialization failure, and cannot overspend."""

    def setUp(self):
        super().setUp()
        with environment() as env:
            alliance = env["cmr.alliance"].create(
                {
                    "name": "Concurrency alliance",
                    "points_validity_days": 0,
                    "redeem_check": "none",
                }
            )
            merchant = env["res.partner"].create(
                {"name": "Concurrency merchant", "is_company": True}
            )
            member = env["res.partner"].create({"name": "Concurrency member"})
            agreement = env["cmr.alliance.merchant"].create(
                {"alliance_id": alliance.id, "partner_id": merchant.id}
            )
            card = env["cmr.membership"].create(
                {"partner_id": member.id, "alliance_id": alliance.id}
            )
            card._cmr_earn(100)
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
        # The ledger refuses deletes through the ORM: remove the test rows in SQL.
        with environment() as env:
            cr = env.cr
            ids = self.ids
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
            cr.execute("DELETE FROM cmr_membership WHERE id = %s", [ids["card"]])
            cr.execute(
                "DELETE FROM cmr_alliance_merchant WHERE id = %s", [ids["agreement"]]
            )
            cr.execute("DELETE FROM cmr_alliance WHERE id = %s", [ids["alliance"]])
            cr.execute(
                "DELETE FROM res_partner WHERE id IN %s",
                [(ids["merchant"], ids["member"])],
            )

    def test_second_redemption_waits_and_cannot_overspend(self):
        outcome = {}
        first_done = threading.Event()

        def second_counter():
            try:
                with environment() as env:

                    def redeem():
                        outcome["attempts"] = outcome.get("attempts", 0) + 1
                        env["cmr.alliance.merchant"].browse(
                            self.ids["agreement"]
                        )._cmr_record_redemption(self.card_number, 80)

                    try:
                        retrying(redeem, env)
                        outcome["result"] = "redeemed"
                    except UserError as error:
                        outcome["result"] = str(error)
                    outcome["waited_for_first"] = first_done.is_set()
            except Exception as error:  # noqa: BLE001 - reported by the test
                outcome["result"] = repr(error)

        with environment() as env:
            agreement = env["cmr.alliance.merchant"].browse(self.ids["agreement"])
            agreement._cmr_record_redemption(self.card_number, 80)
            # The first counter holds the card's lock; the second starts now.
            thread = threading.Thread(target=second_counter)
            thread.start()
            time.sleep(1.0)
            self.assertTrue(thread.is_alive(), "the second redemption must wait")
            first_done.set()
        # Leaving the block committed the first redemption and freed the card.
        thread.join(timeout=30)
        self.assertFalse(thread.is_alive())
        self.assertTrue(outcome["waited_for_first"])
        self.assertIn("does not have", outcome["result"])
        self.assertEqual(outcome["attempts"], 2, "refused once, then retried")
        with environment() as env:
            card = env["cmr.membership"].browse(self.ids["card"])
            self.assertEqual(card.balance, 20)
            redemptions = env["cmr.points.line"].search(
                [("membership_id", "=", card.id), ("kind", "=", "redeem")]
            )
            self.assertEqual(redemptions.mapped("points"), [-80])
