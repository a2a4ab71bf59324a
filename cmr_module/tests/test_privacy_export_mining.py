import json

from odoo.tests import TransactionCase, tagged

from .test_privacy_export import unzip


@tagged("post_install", "-at_install")
class TestPrivacyExportMining(TransactionCase):
    """The demo's key account Huadong Precision (a team, a review shared
    with it, one kept internal, a mining activity row with margins and a
    lifetime value) and Li Na (churned, a reason recorded in her words):
    their exports hold these records with only what the customer may see."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.huadong = cls.env.ref("cmr_module.cmr_partner_huadong", False)
        cls.li_na = cls.env.ref("cmr_module.cmr_partner_li_na", False)
        cls.cron = cls.env.ref("cmr_module.ir_cron_cmr_privacy_export")

    def setUp(self):
        super().setUp()
        if not (self.huadong and self.huadong.cmr_keyaccount_member_ids):
            self.skipTest("no demo data")

    def _export(self, partner):
        export = self.env["cmr.privacy.export"]._request(partner)
        self.cron.method_direct_trigger()
        self.assertEqual(export.state, "done", export.sudo().error)
        files = unzip(export)
        return json.loads(files["data.json"]), "\n".join(files.values())

    def test_key_account_team_and_shared_reviews(self):
        Review = self.env["cmr.keyaccount.review"]
        shared = Review.search(
            [
                ("partner_id", "=", self.huadong.id),
                ("state", "=", "held"),
                ("shared", "=", True),
            ]
        )
        internal = Review.search(
            [
                ("partner_id", "=", self.huadong.id),
                ("state", "=", "held"),
                ("shared", "=", False),
            ]
        )
        self.assertTrue(shared and internal)
        internal.write({"agenda": "<p>SECRET-AGENDA</p>"})
        shared.write({"agenda": "<p>SECRET-AGENDA-SHARED</p>"})
        data, everything = self._export(self.huadong)
        members = data["cmr.keyaccount.member"]
        self.assertEqual(len(members), len(self.huadong.cmr_keyaccount_member_ids))
        self.assertEqual(set(members[0]), {"id", "user_id", "role_id"})
        review_ids = {row["id"] for row in data["cmr.keyaccount.review"]}
        self.assertLessEqual(set(shared.ids), review_ids)
        self.assertFalse(review_ids & set(internal.ids))
        self.assertIn("night hours", everything)
        self.assertNotIn("flexible volume clause", everything)
        self.assertNotIn("SECRET-AGENDA", everything)
        for row in data["cmr.keyaccount.review"]:
            self.assertNotIn("agenda", row)

    def test_mining_rows_without_internal_figures(self):
        activity = self.env["cmr.mining.activity"].search(
            [("partner_id", "=", self.huadong.id)]
        )
        self.assertTrue(activity)
        activity.write({"margin": 4242.42, "clv": 98765.43})
        data, everything = self._export(self.huadong)
        rows = data["cmr.mining.activity"]
        self.assertEqual([row["id"] for row in rows], activity.ids)
        self.assertEqual(
            set(rows[0]),
            {
                "id",
                "first_purchase_date",
                "last_purchase_date",
                "purchase_count",
                "usual_interval",
            },
        )
        for secret in ("4242.42", "98765.43"):
            self.assertNotIn(secret, everything)

    def test_churn_reason_in_the_customers_words_only(self):
        record = self.env["cmr.mining.churn.record"].search(
            [("partner_id", "=", self.li_na.id)], limit=1
        )
        if not record:
            self.skipTest("Li Na did not churn in this demo")
        data, everything = self._export(self.li_na)
        rows = data["cmr.mining.churn.record"]
        self.assertIn(record.id, [row["id"] for row in rows])
        self.assertEqual(set(rows[0]), {"id", "date", "note"})
        self.assertIn("pipeline supplier", everything)
        self.assertNotIn(record.reason_id.name, everything)
        # Nothing of another customer.
        self.assertNotIn("night hours", everything)
