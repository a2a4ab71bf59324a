from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .alliance_common import AllianceHttpCase


@tagged("post_install", "-at_install")
class TestAlliancePortal(AllianceHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.earn(cls.card, 500, days_ago=95)  # 5 days left: expiring soon
        cls.earn(cls.card_2, 80, agreement=cls.agreement_b)
        cls.b_line = cls.agreement_b._record_purchase(
            cls.card_2.card_number, 12.0, reference="SECRET-B-RECEIPT"
        )

    def test_merchant_records_purchase_and_sees_only_its_own(self):
        self.login_as(self.merchant_user_a)
        response, token = self.csrf_token("/my/merchant")
        self.assertNotIn("SECRET-B-RECEIPT", response.text)
        response = self.counter_post(
            token,
            "42.50",
            service_id=str(self.wash_service.id),
            reference="A-0001",
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_cmr_recorded", response.text)
        self.assertIn("Member One", response.text)
        # What the merchant sees of the member: card number and name, no more.
        self.assertNotIn("member.one@example.com", response.text)
        self.assertNotIn("SECRET-B-RECEIPT", response.text)
        line = self.env["cmr.points.line"].search([("reference", "=", "A-0001")])
        self.assertEqual(line.points, 42)
        self.assertEqual(line.merchant_id, self.merchant_a)
        self.assertEqual(line.user_id, self.merchant_user_a)
        self.assertEqual(line.product_id, self.wash_service)

    def test_merchant_bad_input_writes_nothing(self):
        self.login_as(self.merchant_user_a)
        _response, token = self.csrf_token("/my/merchant")
        Line = self.env["cmr.points.line"]
        count = Line.search_count([])
        number = self.card.card_number
        bad = [
            (
                {
                    "card_number": number[:-1] + str((int(number[-1]) + 3) % 10),
                    "kind": "purchase",
                    "quantity": "10",
                },
                "Mistyped card number",
            ),
            (
                {"card_number": number, "kind": "redeem", "quantity": "501"},
                "does not have",
            ),
            (
                {"card_number": number, "kind": "purchase", "quantity": "-3"},
                "positive number",
            ),
            (
                {"card_number": number, "kind": "redeem", "quantity": "1.5"},
                "whole numbers",
            ),
            (
                {
                    "card_number": number,
                    "kind": "purchase",
                    "quantity": "10",
                    "service_id": "999999",
                },
                "accepted services",
            ),
            (
                {"card_number": number, "kind": "gift", "quantity": "10"},
                "purchase or a redemption",
            ),
        ]
        for post, message in bad:
            response = self.url_open("/my/merchant", data=dict(post, csrf_token=token))
            self.assertEqual(response.status_code, 200)
            self.assertIn("o_cmr_error", response.text, post)
            self.assertIn(message, response.text, post)
        self.assertEqual(Line.search_count([]), count)
        response = self.url_open(
            "/my/merchant",
            data={"card_number": number, "kind": "purchase", "quantity": "10"},
        )
        self.assertEqual(response.status_code, 400, "no CSRF token")
        self.assertEqual(Line.search_count([]), count)

    def test_merchant_outside_agreement_dates(self):
        self.agreement_a.write(
            {
                "date_start": self.today - timedelta(days=400),
                "date_end": self.today - timedelta(days=35),
            }
        )
        self.login_as(self.merchant_user_a)
        _response, token = self.csrf_token("/my/merchant")
        response = self.counter_post(token, "10")
        self.assertIn("has no agreement", response.text)

    def test_merchant_records_and_cannot_read_other_merchants_or_members(self):
        a_line = self.agreement_a._record_purchase(self.card.card_number, 5.0)
        # Settled the next day, once the period is over.
        with freeze_time(self.today + timedelta(days=1)):
            settlements = self.env["cmr.settlement"]._settle(
                self.agreement_a | self.agreement_b,
                self.today.replace(day=1),
                self.today,
            )
        Line = self.env["cmr.points.line"].with_user(self.merchant_user_a)
        self.assertEqual(Line.search([]), a_line)
        self.assertEqual(Line.browse(a_line.id).card_number, self.card.card_number)
        with self.assertRaises(AccessError):
            Line.browse(self.b_line.id).read(["points"])
        with self.assertRaises(AccessError):
            self.card.with_user(self.merchant_user_a).read(["card_number"])
        with self.assertRaises(AccessError):
            self.member.with_user(self.merchant_user_a).read(["email"])
        Settlement = self.env["cmr.settlement"].with_user(self.merchant_user_a)
        self.assertEqual(
            Settlement.search([]),
            settlements.filtered(lambda s: s.merchant_id == self.merchant_a),
        )
        Agreement = self.env["cmr.alliance.merchant"].with_user(self.merchant_user_a)
        self.assertEqual(Agreement.search([]), self.agreement_a)
        with self.assertRaises(AccessError):
            Line.create({"membership_id": self.card.id, "kind": "earn", "points": 9})

    def test_member_sees_own_cards_only(self):
        self.login_as(self.member_user)
        response = self.url_open("/my/cards")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.card.card_number, response.text)
        self.assertNotIn(self.card_2.card_number, response.text)
        self.assertIn("o_cmr_expiring", response.text)
        self.assertIn("Wash A", response.text, "where the card can be used")
        response = self.url_open(f"/my/cards/{self.card.id}")
        self.assertIn("o_cmr_history", response.text)
        self.assertIn("Free wash", response.text, "the alliance's benefits")
        response = self.url_open(f"/my/cards/{self.card_2.id}", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        Membership = self.env["cmr.membership"].with_user(self.member_user)
        self.assertEqual(Membership.search([]), self.card)
        Line = self.env["cmr.points.line"].with_user(self.member_user)
        self.assertEqual(Line.search([]).membership_id, self.card)
        with self.assertRaises(AccessError):
            self.card_2.with_user(self.member_user).read(["card_number"])
        # A member who is no merchant has no counter.
        response = self.url_open("/my/merchant", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        # An employee without CMR rights gets an empty page, not an error.
        new_test_user(self.env, login="cmr_plain_employee", groups="base.group_user")
        self.authenticate("cmr_plain_employee", "cmr_plain_employee")
        response = self.url_open("/my/cards")
        self.assertEqual(response.status_code, 200)
        self.assertIn("You do not hold any alliance card yet", response.text)
        # Staff may read every card in the backend; their portal page shows
        # their own cards only.
        self.authenticate("admin", "admin")
        response = self.url_open("/my/cards")
        self.assertNotIn(self.card.card_number, response.text)
        response = self.url_open(f"/my/cards/{self.card.id}", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))

    def test_tour_merchant_records_redemption(self):
        self.alliance.redeem_check = "pin"
        self.card._set_pin("482916")
        self.start_tour(
            "/my",
            "cmr_alliance_merchant_redemption",
            login=self.merchant_user_a.login,
        )
        line = self.env["cmr.points.line"].search(
            [("merchant_id", "=", self.merchant_a.id), ("kind", "=", "redeem")]
        )
        self.assertEqual(line.points, -120)
        self.assertEqual(line.user_id, self.merchant_user_a)
        self.assertEqual(self.card.balance, 380)

    def test_tour_member_views_balance(self):
        self.start_tour(
            "/my", "cmr_alliance_member_balance", login=self.member_user.login
        )

    def test_tour_backend_card_adjustment_and_activity(self):
        self.start_tour(
            "/odoo/action-cmr_module.cmr_membership_action",
            "cmr_alliance_backend",
            login="admin",
        )
        line = self.env["cmr.points.line"].search(
            [("membership_id", "=", self.card.id), ("kind", "=", "adjust")]
        )
        self.assertEqual(line.points, 25)
        self.assertEqual(line.reason, "Goodwill after a late delivery")
        self.start_tour(
            "/odoo/action-cmr_module.cmr_points_line_action_activity",
            "cmr_alliance_backend_activity",
            login="admin",
        )
