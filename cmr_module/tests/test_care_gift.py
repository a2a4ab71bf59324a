from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .care_common import CmrCareCase, make_customer


@tagged("post_install", "-at_install")
class TestCareGift(CmrCareCase):
    """Gift suggestions ranked by interest, without recent repeats, within
    the tier's budget; staff confirm."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.stamps = ref("cmr_module.cmr_interest_stamps")
        cls.phones = ref("cmr_module.cmr_interest_new_phones")
        cls.travel = ref("cmr_module.cmr_interest_travel")
        # Only this test's gifts.
        cls.env["product.template"].search([("cmr_is_gift", "=", True)]).write(
            {"cmr_is_gift": False}
        )
        Product = cls.env["product.product"]

        def gift(name, value, interests, qty=5):
            return Product.create(
                {
                    "name": name,
                    "type": "consu",
                    "cmr_is_gift": True,
                    "cmr_gift_value": value,
                    "cmr_gift_qty": qty,
                    "cmr_gift_interest_ids": [Command.set(interests.ids)],
                }
            )

        cls.stamp_set = gift("Stamp set", 80, cls.stamps)
        cls.stamp_travel_album = gift("Travel stamp album", 60, cls.stamps | cls.travel)
        cls.phone_voucher = gift("Phone voucher", 500, cls.phones)
        cls.crystal = gift("Crystal ornament", 100, cls.env["cmr.interest"])
        cls.budget = cls.env["cmr.care.budget"].create(
            {
                "tier_id": cls.gold.id,
                "amount": 300,
                "default_product_id": cls.crystal.id,
            }
        )
        cls.collector = make_customer(
            cls,
            "Gift Collector",
            tier=cls.gold,
            cmr_interest_ids=[Command.set((cls.stamps | cls.travel).ids)],
        )

    def suggest(self, partner):
        return [
            product for product, __, __ in self.env["cmr.care.gift"]._suggest(partner)
        ]

    def confirm(self, partner, product):
        gift = (
            self.env["cmr.care.gift"]
            .with_user(self.agent)
            .create({"partner_id": partner.id, "product_id": product.id})
        )
        gift.action_confirm()
        return gift

    def test_ranked_by_interest_within_budget(self):
        # Both interests first, then one; the voucher is over the budget.
        self.assertEqual(
            self.suggest(self.collector), [self.stamp_travel_album, self.stamp_set]
        )

    def test_repeats_excluded_within_the_window(self):
        gift = self.confirm(self.collector, self.stamp_travel_album)
        self.assertEqual(gift.state, "confirmed")
        self.assertEqual(gift.value, 60)
        self.assertEqual(gift.tier_id, self.gold)
        self.assertEqual(self.stamp_travel_album.cmr_gift_qty, 4)
        self.assertIn("Gift given", self.collector.message_ids[0].body)
        self.assertEqual(self.suggest(self.collector), [self.stamp_set])
        with self.assertRaises(UserError) as error:
            self.confirm(self.collector, self.stamp_travel_album)
        self.assertIn("not repeated within 24 months", str(error.exception))
        # Older than the window: suggested again.
        gift.sudo()._workflow_write({"date": fields.Date.today() - timedelta(days=800)})
        self.assertIn(self.stamp_travel_album, self.suggest(self.collector))
        self.env["ir.config_parameter"].set_param(
            "cmr_module.care_gift_exclusion_months", "36"
        )
        self.assertNotIn(self.stamp_travel_album, self.suggest(self.collector))

    def test_budget_per_tier_and_year(self):
        self.confirm(self.collector, self.stamp_set)  # 80 of 300
        self.confirm(self.collector, self.stamp_travel_album)  # 140
        self.budget.amount = 200
        with self.assertRaises(UserError) as error:
            self.confirm(self.collector, self.crystal)
        self.assertIn("exceeds what is left", str(error.exception))
        self.assertEqual(self.crystal.cmr_gift_qty, 5, "nothing taken")

    def test_fallbacks_preference_then_tier_default(self):
        no_interest = make_customer(
            self, "No Interest", tier=self.gold, cmr_gift_preference="A phone, maybe"
        )
        self.budget.amount = 1000
        self.assertEqual(self.suggest(no_interest), [self.phone_voucher])
        no_interest.cmr_gift_preference = False
        self.assertEqual(self.suggest(no_interest), [self.crystal])
        nothing = make_customer(self, "No Tier")
        with self.assertRaises(UserError):
            self.env["cmr.care.gift"]._propose(nothing)

    def test_no_gift_in_hand(self):
        self.stamp_set.cmr_gift_qty = 0
        self.assertNotIn(self.stamp_set, self.suggest(self.collector))
        gift = self.env["cmr.care.gift"].create(
            {"partner_id": self.collector.id, "product_id": self.stamp_set.id}
        )
        with self.assertRaises(UserError):
            gift.with_user(self.agent).action_confirm()

    def test_suggestion_queries(self):
        self.suggest(self.collector)
        with self.assertQueryCount(4):
            self.suggest(self.collector)
