from odoo.tests import tagged

from .alliance_common import AllianceRaceCase, committed_env


@tagged("post_install", "-at_install")
class TestAllianceConcurrentRedemptions(AllianceRaceCase):
    """Two counters redeem on the same card at the same moment, each in its
    own transaction: the second waits for the first, is retried the way Odoo
    retries a request after a serialization failure, and cannot overspend."""

    def test_second_redemption_waits_and_cannot_overspend(self):
        def redeem(env):
            agreement = env["cmr.alliance.merchant"].browse(self.ids["agreement"])
            return agreement._record_redemption(self.card_number, 80).id

        outcome = self.race(redeem)
        self.assertIn("does not have", outcome["error"])
        self.assertEqual(outcome["attempts"], 2, "refused once, then retried")
        with committed_env() as env:
            card = env["cmr.membership"].browse(self.ids["card"])
            self.assertEqual(card.balance, 20)
            redemptions = env["cmr.points.line"].search(
                [("membership_id", "=", card.id), ("kind", "=", "redeem")]
            )
            self.assertEqual(redemptions.mapped("points"), [-80])
