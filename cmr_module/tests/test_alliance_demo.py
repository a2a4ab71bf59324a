from stdnum import luhn

from odoo.tests import TransactionCase, tagged

from ..models.cmr_membership import card_number_valid

DEMO_CARDS = [
    "cmr_membership_wang_ming_fuel",
    "cmr_membership_zhang_wei_fuel",
    "cmr_membership_alice_chen_fuel",
    "cmr_membership_huadong_big",
    "cmr_membership_wang_ming_big",
]


# Numbers the addon's own Luhn code issued before python-stdnum's replaced it
# (the first one is the test fixture's card and the tours').
ISSUED_NUMBERS = [
    "8860970000000014",
    "8860123456789017",
    "8860999999999993",
    "8860000000000002",
    "8860548102736451",
]


@tagged("post_install", "-at_install")
class TestAllianceDemo(TransactionCase):
    def test_issued_card_numbers_keep_their_check_digit(self):
        Membership = self.env["cmr.membership"]
        for number in ISSUED_NUMBERS:
            self.assertTrue(card_number_valid(number), number)
            self.assertEqual(Membership._card_number(number[:-1]), number)
            for digit in "0123456789":
                if digit != number[-1]:
                    self.assertFalse(card_number_valid(number[:-1] + digit))
        for bad in ("886097000000001", "88609700000000140", "886097000000001a"):
            self.assertFalse(card_number_valid(bad), bad)

    def test_demo_card_numbers_are_drawn_like_real_ones(self):
        cards = [
            self.env.ref(f"cmr_module.{xmlid}", raise_if_not_found=False)
            for xmlid in DEMO_CARDS
        ]
        cards = [card for card in cards if card]
        if not cards:
            self.skipTest("no demo data")
        bodies = sorted(int(card.card_number[:-1]) for card in cards)
        for card in cards:
            self.assertTrue(card_number_valid(card.card_number), card.card_number)
            self.assertTrue(luhn.is_valid(card.card_number), card.card_number)
            self.assertTrue(card.card_number.startswith("8860"))
        # Random after the issuer prefix: no two demo cards are neighbours.
        for low, high in zip(bodies, bodies[1:], strict=False):
            self.assertGreater(high - low, 1000)
        # The demo redemptions were made with the holder's PIN.
        wang_ming = self.env.ref("cmr_module.cmr_membership_wang_ming_fuel")
        self.assertTrue(wang_ming.has_pin)
        self.assertIn(-200, wang_ming.line_ids.mapped("points"))
