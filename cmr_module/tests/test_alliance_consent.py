import re
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from .alliance_common import AllianceHttpCase


@tagged("post_install", "-at_install")
class TestAllianceConsent(AllianceHttpCase):
    """A merchant redeems a member's points only with the holder's one-time
    code or card PIN, as the alliance asks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.earn(cls.card, 500)
        cls.alliance.redeem_check = "code"

    def setUp(self):
        super().setUp()
        self.login_merchant()

    def login_merchant(self):
        self.login_as(self.merchant_user_a)
        _response, self.token = self.csrf_token("/my/merchant")

    def redeem(self, proof=None, points="100", card=None):
        extra = {} if proof is None else {"proof": proof}
        response = self.counter_post(self.token, points, "redeem", card, **extra)
        self.assertEqual(response.status_code, 200)
        return response

    def send_code(self, card=None):
        response = self.url_open(
            "/my/merchant/code",
            data={
                "csrf_token": self.token,
                "card_number": (card or self.card).card_number,
            },
        )
        self.assertEqual(response.status_code, 200)
        return response

    def last_code(self):
        """The code, as the holder reads it in the e-mail."""
        mail = self.env["mail.mail"].search(
            [("recipient_ids", "in", self.member.ids)], order="id desc", limit=1
        )
        return re.search(r"Your code: (\d{6})", str(mail.body_html)).group(1)

    def redemptions(self):
        return self.env["cmr.points.line"].search_count(
            [("membership_id", "=", self.card.id), ("kind", "=", "redeem")]
        )

    def test_redemption_without_code_or_pin_is_refused(self):
        response = self.redeem()
        self.assertIn("o_cmr_error", response.text)
        self.assertIn("Ask the holder", response.text)
        self.assertEqual(self.redemptions(), 0)
        self.assertEqual(self.card.balance, 500)

    def test_one_time_code_sent_to_holder_used_once(self):
        # The holder's charter would hold a marketing message back now (a
        # contact window that never opens, a quiet day): they asked for it.
        self.member.write(
            {
                "cmr_window_ids": [
                    fields.Command.create(
                        {"weekday": "0", "hour_from": 3.0, "hour_to": 3.5}
                    )
                ],
                "cmr_quiet_day_ids": [
                    fields.Command.create({"date": fields.Date.today()})
                ],
            }
        )
        response = self.send_code()
        self.assertIn("o_cmr_notice", response.text)
        # The merchant never sees the code nor the holder's address.
        self.assertNotIn("member.one@example.com", response.text)
        code = self.last_code()
        self.assertNotIn(code, response.text)
        stored = self.env["cmr.membership.code"].search(
            [("membership_id", "=", self.card.id)]
        )
        self.assertEqual(len(stored), 1)
        self.assertNotIn(code, stored.sudo().code_hash, "only a keyed hash is kept")
        contact = self.env["cmr.contact"].search(
            [("res_model", "=", "cmr.membership"), ("res_id", "=", self.card.id)]
        )
        self.assertEqual(contact.state, "sent")
        self.assertNotIn(code, str(contact.body))

        wrong = "000000" if code != "000000" else "111111"
        response = self.redeem(wrong)
        self.assertIn("Wrong, expired or already used", response.text)
        self.assertEqual(self.redemptions(), 0)
        self.assertEqual(self.card.sudo().proof_failures, 1, "the failure is kept")

        response = self.redeem(code)
        self.assertIn("o_cmr_recorded", response.text)
        self.assertEqual(self.card.balance, 400)
        self.assertEqual(self.card.sudo().proof_failures, 0)
        response = self.redeem(code)
        self.assertIn("Wrong, expired or already used", response.text)
        self.assertEqual(self.card.balance, 400)

    def test_code_expires_and_a_new_one_voids_the_old(self):
        self.send_code()
        first = self.last_code()
        self.send_code()
        second = self.last_code()
        if first != second:
            self.assertIn("Wrong", self.redeem(first).text)
        with freeze_time(fields.Datetime.now() + timedelta(minutes=11)):
            response = self.redeem(second)
            self.assertIn("Wrong, expired or already used", response.text)
        self.assertEqual(self.redemptions(), 0)

    def test_codes_per_hour_are_limited(self):
        for _attempt in range(5):
            self.assertIn("o_cmr_notice", self.send_code().text)
        response = self.send_code()
        self.assertIn("Too many codes", response.text)
        self.assertEqual(
            self.env["cmr.membership.code"].search_count(
                [("membership_id", "=", self.card.id)]
            ),
            5,
        )

    def test_holder_without_email_uses_the_pin(self):
        self.member.email = False
        response = self.send_code()
        self.assertIn("no e-mail address", response.text)
        self.card._set_pin("482916")
        response = self.redeem("482916")
        self.assertIn("o_cmr_recorded", response.text)
        self.assertEqual(self.card.balance, 400)

    def test_attempts_are_bounded(self):
        self.card._set_pin("482916")
        for attempt in range(5):
            response = self.redeem(f"99999{attempt}")
            self.assertIn("Wrong", response.text)
        # Blocked now, even with the right PIN: guessing is hopeless.
        response = self.redeem("482916")
        self.assertIn("Too many wrong codes or PINs", response.text)
        self.assertEqual(self.redemptions(), 0)
        with freeze_time(fields.Datetime.now() + timedelta(minutes=61)):
            response = self.redeem("482916")
            self.assertIn("o_cmr_recorded", response.text)

    def test_pin_only_alliance(self):
        self.alliance.redeem_check = "pin"
        response = self.send_code()
        self.assertIn("asks for the card PIN", response.text)
        self.assertFalse(
            self.env["cmr.membership.code"].search(
                [("membership_id", "=", self.card.id)]
            )
        )
        self.card._set_pin("482916")
        self.assertIn("Wrong", self.redeem("482917").text)
        self.assertIn("o_cmr_recorded", self.redeem("482916").text)

    def test_holder_sets_and_changes_pin_in_portal(self):
        self.login_as(self.member_user)
        url = f"/my/cards/{self.card.id}"
        response, token = self.csrf_token(url)
        self.assertIn("o_cmr_pin_form", response.text)
        for pin, confirm, message in (
            ("12345", "12345", "6 to 12 digits"),
            ("123456", "123457", "two PINs differ"),
            ("12345a", "12345a", "6 to 12 digits"),
        ):
            response = self.url_open(
                f"{url}/pin",
                data={"csrf_token": token, "pin": pin, "pin_confirm": confirm},
            )
            self.assertEqual(response.status_code, 200)
            self.assertIn(message, response.text)
        self.assertFalse(self.card.has_pin)
        response = self.url_open(
            f"{url}/pin",
            data={"csrf_token": token, "pin": "482916", "pin_confirm": "482916"},
        )
        self.assertIn("Your PIN is set", response.text)
        self.assertTrue(self.card.has_pin)
        pin_hash = self.card.sudo().pin_hash
        self.assertTrue(pin_hash.startswith("$pbkdf2"), "hashed like passwords")
        self.assertNotIn("482916", pin_hash)
        response = self.url_open(
            f"{url}/pin",
            data={"csrf_token": token, "pin": "777111", "pin_confirm": "777111"},
        )
        self.assertIn("Your PIN is set", response.text)
        # Another member cannot set the PIN of this card.
        self.login_as(self.member_user_2)
        _response, token = self.csrf_token(f"/my/cards/{self.card_2.id}")
        response = self.url_open(
            f"{url}/pin",
            data={"csrf_token": token, "pin": "555555", "pin_confirm": "555555"},
            allow_redirects=False,
        )
        self.assertIn(response.status_code, (302, 303))
        # The merchant redeems with the holder's latest PIN only.
        self.login_merchant()
        self.assertIn("Wrong", self.redeem("482916").text)
        self.assertIn("Wrong", self.redeem("555555").text)
        self.assertIn("o_cmr_recorded", self.redeem("777111").text)
