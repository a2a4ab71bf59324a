from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import CmrPortalCase


@tagged("post_install", "-at_install")
class TestMiningPortalChurnQuestion(CmrPortalCase):
    """A customer deleting their portal account may say why they leave:
    a reason given is recorded on their company (source portal) and counts
    in the 14-day KPI; none, nothing is recorded; a reason that is not
    offered to them is refused with a message and the account is kept."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.price = ref("cmr_module.cmr_churn_reason_price")
        cls.moved = ref("cmr_module.cmr_churn_reason_moved")
        Reason = cls.env["cmr.mining.churn.reason"]
        cls.retired = Reason.create(
            {"name": "RETIRED-REASON", "code": "test_retired", "active": False}
        )
        cls.company_b = cls.env["res.company"].create({"name": "Other Gas Co"})
        cls.foreign = Reason.create(
            {
                "name": "FOREIGN-REASON",
                "code": "test_foreign",
                "company_id": cls.company_b.id,
            }
        )
        cls.Record = cls.env["cmr.mining.churn.record"]

    def _deactivate(self, **answer):
        self.login_a()
        data = {
            "csrf_token": self.csrf_token("/my/security"),
            "validation": self.user_a.login,
            "password": self.user_a.login,
            **answer,
        }
        return self.url_open("/my/deactivate_account", data=data)

    def _records(self):
        return self.Record.search(
            [("partner_id", "=", self.partner_a.commercial_partner_id.id)]
        )

    def test_security_page_asks_why_with_the_offered_reasons(self):
        self.login_a()
        page = self.url_open("/my/security").text
        self.assertIn("Why are you leaving?", page)
        self.assertIn('name="cmr_churn_reason_id"', page)
        self.assertIn(f'value="{self.price.id}"', page)
        self.assertIn("Price too high", page)
        self.assertNotIn("RETIRED-REASON", page)
        self.assertNotIn("FOREIGN-REASON", page)

    def test_reason_names_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.price.with_context(lang="zh_CN").name = "价格太高"
        self.partner_a.lang = "zh_CN"
        self.login_a()
        page = self.url_open("/my/security").text
        self.assertIn("价格太高", page)

    def test_reason_given_is_recorded_and_counts_in_the_kpi(self):
        today = fields.Date.today()
        churned_before, in_time_before, __ = self.Record._reason_kpi(
            today - timedelta(days=400), today + timedelta(days=60)
        )
        response = self._deactivate(
            cmr_churn_reason_id=str(self.moved.id),
            cmr_churn_note="We moved to Hangzhou",
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("/web/login", response.url)
        self.user_a.invalidate_recordset()
        self.assertFalse(self.user_a.active)
        record = self._records()
        self.assertEqual(len(record), 1)
        self.assertEqual(record.reason_id, self.moved)
        self.assertEqual(record.source, "portal")
        self.assertEqual(record.note, "We moved to Hangzhou")
        self.assertEqual(record.company_id, self.env.company)
        # The customer churns a month later: the reason was given in time.
        self.env["cmr.mining.event"].create(
            {
                "partner_id": record.partner_id.id,
                "company_id": self.env.company.id,
                "event": "churned",
                "from_state": "at_risk",
                "to_state": "churned",
                "date": today + timedelta(days=30),
                "last_purchase_date": today - timedelta(days=150),
            }
        )
        self.env.flush_all()
        churned, in_time, __ = self.Record._reason_kpi(
            today - timedelta(days=400), today + timedelta(days=60)
        )
        self.assertEqual((churned, in_time), (churned_before + 1, in_time_before + 1))
        row = self.env["cmr.mining.churn.report"].search(
            [("partner_id", "=", record.partner_id.id), ("event", "=", "churned")]
        )
        self.assertEqual(
            (row.reason_id, row.reason_source, row.reason_in_time),
            (self.moved, "portal", 1),
        )

    def test_no_reason_nothing_recorded(self):
        # A comment without a reason is dropped, whatever it holds.
        response = self._deactivate(cmr_churn_reason_id="", cmr_churn_note="bye\x00")
        self.assertIn("/web/login", response.url)
        self.user_a.invalidate_recordset()
        self.assertFalse(self.user_a.active)
        self.assertFalse(self._records())

    def test_reason_not_offered_is_refused_and_the_account_kept(self):
        bad_values = {
            "another company's": str(self.foreign.id),
            "retired": str(self.retired.id),
            "unknown": str(self.price.id + 100000),
            "garbage": "price'; DROP TABLE",
            "negative": "-3",
            "huge": "9" * 30,
            "NUL": "1\x00",
        }
        for label, value in bad_values.items():
            with self.subTest(label):
                response = self._deactivate(cmr_churn_reason_id=value)
                self.assertEqual(response.status_code, 200)
                self.assertIn("portal_deactivate_account_modal", response.text)
                self.assertRegex(
                    response.text, "not offered|not a number|cannot be negative"
                )
                self.user_a.invalidate_recordset()
                self.assertTrue(self.user_a.active)
        for note, message in (("x" * 6000, "at most"), ("a\x00b", "control")):
            response = self._deactivate(
                cmr_churn_reason_id=str(self.price.id), cmr_churn_note=note
            )
            self.assertEqual(response.status_code, 200)
            self.assertIn(message, response.text)
            self.user_a.invalidate_recordset()
            self.assertTrue(self.user_a.active)
        self.assertFalse(self._records())

    def test_wrong_password_records_nothing(self):
        self.login_a()
        response = self.url_open(
            "/my/deactivate_account",
            data={
                "csrf_token": self.csrf_token("/my/security"),
                "validation": self.user_a.login,
                "password": "not the password",
                "cmr_churn_reason_id": str(self.price.id),
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Wrong password", response.text)
        # What the customer chose is kept on the page.
        self.assertRegex(
            response.text, rf'value="{self.price.id}"\s+selected|selected="selected"'
        )
        self.user_a.invalidate_recordset()
        self.assertTrue(self.user_a.active)
        self.assertFalse(self._records())
