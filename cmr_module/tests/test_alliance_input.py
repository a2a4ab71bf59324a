from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from .alliance_common import AllianceHttpCase

HUGE = "7" * (2 * 1024 * 1024)  # 2 MB
# Values an attacker posts to every field of every alliance form.
FUZZ_VALUES = [
    "3000000000",
    "1e12",
    "2147483647",
    "99999999999999999999",
    "-1",
    "nan",
    "inf",
    "1_000",
    "١٢٣",  # Arabic-Indic digits: Python's int() reads them, the database not
    "12\x003",
    "\x00",
    HUGE,
]
# Raw form bodies that are not UTF-8.
NON_UTF8 = [b"%ff%fe%00", b"\xff\xfe\xfa"]


@tagged("post_install", "-at_install")
class TestAllianceInput(AllianceHttpCase):
    """Out-of-range, huge, NUL and non-UTF-8 input to every alliance form and
    model: a translated error on the page or a ValidationError, never an
    HTTP 500, and nothing written."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.earn(cls.card, 500)
        cls.alliance.redeem_check = "code"

    def _state(self):
        """Everything the forms could write."""
        self.env.invalidate_all()
        return (
            self.env["cmr.points.line"].search_count([]),
            self.env["cmr.membership.code"].search_count([]),
            self.env["mail.mail"].search_count([]),
            self.card.sudo().pin_hash,
            self.card_2.sudo().pin_hash,
        )

    def assert_page(self, response, message=None):
        self.assertNotEqual(response.status_code, 500, response.text[-2000:])
        self.assertLess(response.status_code, 500)
        if message:
            self.assertIn(message, response.text)

    def test_huge_purchases_show_an_error_and_write_nothing(self):
        self.login_as(self.merchant_user_a)
        _response, token = self.csrf_token("/my/merchant")
        before = self._state()
        for amount in ("3000000000", "1e12", "2147483647", "1e400"):
            response = self.counter_post(token, amount)
            self.assertEqual(response.status_code, 200, amount)
            self.assertIn("o_cmr_error", response.text, amount)
        self.assertEqual(self._state(), before)
        # The largest purchase still accepted earns a bounded number of points.
        response = self.counter_post(token, "100000000")
        self.assertIn("o_cmr_recorded", response.text)

    def test_recorded_parameter_out_of_range(self):
        self.login_as(self.merchant_user_a)
        for value in ("99999999999999999999", "2147483648", "-1", "%00", "١٢"):
            response = self.url_open(f"/my/merchant?recorded={value}")
            self.assertEqual(response.status_code, 200, value)
            self.assertNotIn("o_cmr_recorded", response.text)

    def test_nul_in_any_text_field(self):
        self.login_as(self.merchant_user_a)
        _response, token = self.csrf_token("/my/merchant")
        before = self._state()
        base = {
            "csrf_token": token,
            "card_number": self.card.card_number,
            "kind": "purchase",
            "quantity": "10",
            "reference": "R-1",
        }
        for field in ("card_number", "kind", "quantity", "reference", "service_id"):
            response = self.url_open(
                "/my/merchant", data=dict(base, **{field: "A\x00B"})
            )
            self.assertEqual(response.status_code, 200, field)
            self.assertIn("o_cmr_error", response.text, field)
        self.assertEqual(self._state(), before)

    def test_fuzz_every_alliance_form(self):
        merchant_forms = ["/my/merchant", "/my/merchant/code"]
        merchant_fields = [
            "card_number",
            "kind",
            "quantity",
            "service_id",
            "reference",
            "proof",
        ]
        base = {
            "card_number": self.card.card_number,
            "kind": "redeem",
            "quantity": "10",
            "reference": "FUZZ",
            "proof": "123456",
        }
        self.login_as(self.merchant_user_a)
        _response, token = self.csrf_token("/my/merchant")
        before = self._state()
        for url in merchant_forms:
            for field in merchant_fields:
                for value in FUZZ_VALUES:
                    response = self.url_open(
                        url, data=dict(base, csrf_token=token, **{field: value})
                    )
                    self.assert_page(response)
            for body in NON_UTF8:
                response = self.url_open(
                    url,
                    data=f"csrf_token={token}&card_number=".encode() + body,
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
                self.assert_page(response)
        # A code may have been sent by a well-formed request of the fuzz:
        # nothing else is written (no line, no PIN).
        after = self._state()
        self.assertEqual(after[0], before[0])
        self.assertEqual(after[3:], before[3:])

        self.login_as(self.member_user)
        url = f"/my/cards/{self.card.id}"
        _response, token = self.csrf_token(url)
        for field in ("pin", "pin_confirm"):
            for value in FUZZ_VALUES:
                response = self.url_open(
                    f"{url}/pin",
                    data={
                        "csrf_token": token,
                        "pin": "135790",
                        "pin_confirm": "135790",
                        field: value,
                    },
                )
                self.assert_page(response)
        for body in NON_UTF8:
            response = self.url_open(
                f"{url}/pin",
                data=f"csrf_token={token}&pin=".encode() + body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            self.assert_page(response)
        # Someone else's card: sent back to the member's own cards.
        response = self.url_open(
            f"/my/cards/{self.card_2.id}/pin",
            data={"csrf_token": token, "pin": "135790", "pin_confirm": "135790"},
            allow_redirects=False,
        )
        self.assertIn(response.status_code, (302, 303))
        self.assertEqual(self._state()[3:], before[3:])

    def test_models_bound_numbers_and_texts(self):
        """The same bounds through the ORM (RPC), as the least-privileged
        user who may write each value."""
        admin = new_test_user(
            self.env, login="cmr_alliance_admin_in", groups="cmr_module.group_cmr_admin"
        )
        manager = new_test_user(
            self.env,
            login="cmr_alliance_manager_in",
            groups="cmr_module.group_cmr_manager",
        )
        bad = [
            (self.alliance, {"earn_rate": 1e12}),
            (self.alliance, {"points_validity_days": 3_000_000_000}),
            (self.alliance, {"activity_days": 0}),
            (self.alliance, {"name": "x" * 5000}),
            (self.alliance, {"name": "Fuel\x00"}),
            (self.agreement_a, {"redeem_rate": 1e9}),
            (self.agreement_a, {"settlement_rate": -1}),
            (self.agreement_a, {"earn_rate": 2_147_483_648}),
            (self.alliance.benefit_ids[:1], {"description": "\x00"}),
        ]
        for record, values in bad:
            with self.assertRaises(ValidationError, msg=values):
                record.with_user(admin).write(values)
        Wizard = self.env["cmr.points.adjust.wizard"].with_user(manager)
        for values in ({"points": 3_000_000_000}, {"reason": "R\x00"}):
            with self.assertRaises(ValidationError, msg=values):
                Wizard.create(
                    {"membership_id": self.card.id, "points": 5, "reason": "R"} | values
                )
        agreement = self.agreement_a.with_user(self.merchant_user_a).sudo()
        for amount in (3_000_000_000, 1e12, 2_147_483_647):
            with self.assertRaises(ValidationError):
                agreement._record_purchase(self.card.card_number, amount)
        with self.assertRaises(ValidationError):
            agreement._record_purchase(self.card.card_number, 10, reference="\x00")
        self.assertEqual(self.card.balance, 500)
