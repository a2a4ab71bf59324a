from odoo.tests import common, tagged

from .care_common import (
    committed_care_customer,
    evening_slot,
    remove_committed_care_customer,
)
from .common import RaceMixin, committed_env


@tagged("post_install", "-at_install")
class TestCareRaces(RaceMixin, common.BaseCase):
    """Two requests for the customer's last unit of quota at the same
    moment: the second waits for the first (row lock on the customer), is
    retried the way Odoo retries a request, and is refused."""

    def setUp(self):
        super().setUp()
        with committed_env() as env:
            self.ids = committed_care_customer(env, "Race care", quota=1)
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with committed_env() as env:
            remove_committed_care_customer(env, self.ids)

    def test_last_unit_is_reserved_once(self):
        def request(env, days=2):
            return (
                env["cmr.care.visit"]
                .create(
                    {
                        "partner_id": self.ids["partner"],
                        "service_id": self.ids["service"],
                        "date_start": evening_slot(days=days),
                        "origin": "portal",
                    }
                )
                .id
            )

        outcome = self.race(request, lambda env: request(env, days=3))
        self.assertTrue(outcome["first"])
        self.assertIn("no Race care inspection left", outcome["error"])
        self.assertEqual(outcome["attempts"], 2, "refused once, then retried")
        with committed_env() as env:
            self.assertEqual(
                env["cmr.care.visit"].search_count(
                    [("partner_id", "=", self.ids["partner"])]
                ),
                1,
            )


@tagged("post_install", "-at_install")
class TestCareGiftRace(RaceMixin, common.BaseCase):
    """Two confirmations of the last gift in hand at the same moment: one
    gets it, the other is refused."""

    def setUp(self):
        super().setUp()
        with committed_env() as env:
            product = env["product.product"].create(
                {
                    "name": "Race last stamp set",
                    "cmr_is_gift": True,
                    "cmr_gift_qty": 1,
                    "cmr_gift_value": 10,
                }
            )
            partners = env["res.partner"].create(
                [{"name": "Race gift A"}, {"name": "Race gift B"}]
            )
            gifts = env["cmr.care.gift"].create(
                [
                    {"partner_id": partner.id, "product_id": product.id}
                    for partner in partners
                ]
            )
            self.ids = {
                "product": product.id,
                "template": product.product_tmpl_id.id,
                "partners": partners.ids,
                "gifts": gifts.ids,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with committed_env() as env:
            env.cr.execute(
                "DELETE FROM cmr_care_gift WHERE id = ANY(%s)", [self.ids["gifts"]]
            )
            env["product.template"].browse(self.ids["template"]).unlink()
            env["res.partner"].browse(self.ids["partners"]).unlink()

    def test_last_gift_in_hand_is_given_once(self):
        def confirm(index):
            def run(env):
                gift = env["cmr.care.gift"].browse(self.ids["gifts"][index])
                gift.action_confirm()
                return gift.state

            return run

        outcome = self.race(confirm(0), confirm(1))
        self.assertEqual(outcome["first"], "confirmed")
        self.assertIn("No Race last stamp set left in hand", outcome["error"])
        with committed_env() as env:
            template = env["product.template"].browse(self.ids["template"])
            self.assertEqual(template.cmr_gift_qty, 0)
