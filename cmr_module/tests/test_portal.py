import json

from odoo.exceptions import AccessError

from .common import CmrPortalCase


class TestPortalCharter(CmrPortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_b.cmr_gift_preference = "Secret of B"

    def _form(self, url="/my/preferences"):
        response = self.url_open(url)
        return response, self.csrf_token(url)

    def _post(self, token, **values):
        data = {
            "csrf_token": token,
            f"channel_{self.wechat.id}_accept": "on",
            f"channel_{self.wechat.id}_rank": "1",
            "tz": "Asia/Shanghai",
            "lang": "en_US",
        }
        data.update(values)
        return self.url_open("/my/preferences", data=data)

    def test_customer_edits_own_charter(self):
        self.login_a()
        response, token = self._form()
        self.assertIn("My Relationship Charter", response.text)
        self.assertNotIn("Secret of B", response.text)
        response = self._post(
            token,
            **{
                f"channel_{self.sms.id}_accept": "on",
                f"channel_{self.sms.id}_rank": "2",
                f"channel_{self.sms.id}_cap_week": "1",
                "window_0_weekday": "4",
                "window_0_from": "18:00",
                "window_0_to": "02:00",
                "quiet_days": "2026-12-24\n2026-12-25",
                "gift_preference": "Green tea",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Your charter has been saved", response.text)
        partner = self.partner_a
        self.assertEqual(
            partner.cmr_channel_pref_ids.sorted("sequence").channel_id,
            self.wechat | self.sms,
        )
        self.assertEqual(partner.cmr_window_ids.hour_to, 2.0)
        self.assertEqual(len(partner.cmr_quiet_day_ids), 2)
        self.assertEqual(partner.cmr_gift_preference, "Green tea")
        lines = self.env["cmr.charter.log"].search(
            [("partner_id", "=", partner.id), ("source", "=", "portal")]
        )
        self.assertEqual(lines.user_id, self.user_a)
        sms_line = lines.filtered(lambda line: line.channel_id == self.sms)
        self.assertEqual(sms_line.consent, "granted")

    def test_bad_input_saves_nothing(self):
        self.login_a()
        _response, token = self._form()
        before = self.env["cmr.charter.log"].search_count([])
        bad_posts = [
            {"window_0_weekday": "1", "window_0_from": "25:00", "window_0_to": "26:00"},
            {
                f"channel_{self.sms.id}_accept": "on",
                f"channel_{self.sms.id}_cap_week": "-3",
            },
            {"channel_999999_accept": "on"},
            {
                "window_0_weekday": "1",
                "window_0_from": "08:00",
                "window_0_to": "12:00",
                "window_1_weekday": "1",
                "window_1_from": "11:00",
                "window_1_to": "13:00",
            },
            {"partner_id": str(self.partner_b.id), "gift_preference": "Hacked"},
        ]
        for post in bad_posts:
            response = self._post(token, **dict({"gift_preference": "Changed"}, **post))
            self.assertEqual(response.status_code, 200)
            self.assertIn("o_cmr_error", response.text, post)
        self.assertEqual(self.env["cmr.charter.log"].search_count([]), before)
        self.assertFalse(self.partner_a.cmr_gift_preference)
        self.assertEqual(self.partner_b.cmr_gift_preference, "Secret of B")
        self.assertFalse(self.partner_a.cmr_window_ids)

    def test_post_without_csrf_token_is_rejected(self):
        self.login_a()
        response = self.url_open(
            "/my/preferences", data={"gift_preference": "No token"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.partner_a.cmr_gift_preference)

    def test_export_contains_only_own_data(self):
        self.login_a()
        response = self.url_open("/my/preferences/export.json")
        self.assertEqual(response.status_code, 200)
        data = json.loads(response.content)
        self.assertEqual(data["customer"], self.partner_a.display_name)
        self.assertEqual(data["channels"][0]["code"], "wechat")
        self.assertNotIn("Secret of B", response.text)
        response = self.url_open("/my/preferences/export.csv")
        self.assertEqual(response.status_code, 200)
        self.assertIn("text/csv", response.headers["Content-Type"])
        self.assertIn("WeChat", response.text)

    def test_anonymous_visitor_is_sent_to_login(self):
        response = self.url_open("/my/preferences", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])

    def test_portal_user_cannot_read_others_ledger_or_charter_lines(self):
        Ledger = self.env["cmr.charter.log"].with_user(self.user_a)
        self.assertFalse(Ledger.search([("partner_id", "=", self.partner_b.id)]))
        other_line = self.env["cmr.charter.log"].search(
            [("partner_id", "=", self.partner_b.id)], limit=1
        )
        with self.assertRaises(AccessError):
            other_line.with_user(self.user_a).read(["new_value"])
        other_pref = self.partner_b.cmr_channel_pref_ids
        with self.assertRaises(AccessError):
            other_pref.with_user(self.user_a).read(["cap_week"])
        with self.assertRaises(AccessError):
            other_pref.with_user(self.user_a).write({"cap_week": 9})
        own = self.env["cmr.charter.log"].with_user(self.user_a).search([])
        self.assertEqual(own.partner_id, self.partner_a)

    def test_tour_customer_changes_channels_and_backend_shows_ledger(self):
        self.start_tour("/my", "cmr_portal_preferences", login=self.user_a.login)
        line = self.env["cmr.charter.log"].search(
            [("partner_id", "=", self.partner_a.id), ("channel_id", "=", self.sms.id)]
        )
        self.assertEqual(line.source, "portal")
        self.assertEqual(line.consent, "granted")
        self.start_tour(
            "/odoo/action-cmr_module.cmr_charter_log_action",
            "cmr_backend_charter_ledger",
            login="admin",
        )
