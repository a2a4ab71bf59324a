import csv
import io
import re
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user

from .common import CmrPortalCase


class TestCharterInput(CmrPortalCase):
    """The charter as a careless or hostile customer fills it in."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A customer who never logged in (the first login is tested).
        cls.user = new_test_user(
            cls.env,
            login="cmr_charter_input",
            groups="base.group_portal",
            name="Careless Customer",
            tz="Asia/Shanghai",
        )
        cls.partner = cls.user.partner_id
        cls.partner.write(
            {
                "lang": "en_US",
                "cmr_channel_pref_ids": [
                    Command.create({"channel_id": cls.wechat.id, "sequence": 1})
                ],
            }
        )

    def _post(self, **values):
        data = {
            "csrf_token": self.csrf_token("/my/preferences"),
            f"channel_{self.wechat.id}_accept": "on",
            f"channel_{self.wechat.id}_rank": "1",
            "tz": "Asia/Shanghai",
            "lang": "en_US",
        }
        data.update(values)
        return self.url_open("/my/preferences", data=data)

    def _ledger_size(self):
        return self.env["cmr.charter.log"].search_count(
            [("partner_id", "=", self.partner.id)]
        )

    def test_out_of_range_huge_and_control_characters_are_refused_on_the_page(self):
        self.authenticate("cmr_charter_input", "cmr_charter_input")
        before = self._ledger_size()
        today = fields.Date.today()
        wechat = f"channel_{self.wechat.id}_"
        bad_posts = [
            {wechat + "cap_week": "99999999999"},
            {wechat + "rank": "99999999999"},
            {wechat + "cap_month": "9" * 5000},
            {"gift_preference": "x" * (2 * 1024 * 1024)},
            {"gift_preference": "stamps\x00"},
            {"important_0_name": "Wedding\x00", "important_0_date": "2020-05-01"},
            {"important_0_name": "y" * 5000, "important_0_date": "2020-05-01"},
            {"quiet_days": str(today - timedelta(days=3))},
            {
                "quiet_days": "\n".join(
                    str(today + timedelta(days=n)) for n in range(400)
                )
            },
            {"birthday": str(today + timedelta(days=30))},
            {"birthday": "0001-01-01"},
            {"tz": "Asia/Shanghai\x00"},
            # Bytes the browser sent that were not UTF-8, and digits that are
            # not ASCII ones.
            {"gift_preference": "ab\ufffdcd"},
            {wechat + "cap_week": "\u0663"},
        ]
        for post in bad_posts:
            response = self._post(**post)
            self.assertEqual(response.status_code, 200, list(post))
            self.assertIn("o_cmr_error", response.text, list(post))
        self.assertEqual(self._ledger_size(), before)
        self.partner.invalidate_recordset()
        self.assertFalse(self.partner.cmr_gift_preference)
        self.assertFalse(self.partner.cmr_important_date_ids)
        self.assertEqual(self.partner.cmr_channel_pref_ids.cap_week, 0)

    def test_bounds_hold_for_rpc_too(self):
        prefs = self.partner.cmr_channel_pref_ids.with_user(self.user)
        with self.assertRaises(ValidationError):
            self.partner.cmr_channel_pref_ids.write({"cap_week": 99999999999})
        with self.assertRaises(ValidationError):
            self.partner.write({"cmr_gift_preference": "a\x00b"})
        with self.assertRaises(ValidationError):
            self.partner.write({"cmr_gift_preference": "z" * 100000})
        self.assertTrue(prefs)

    def test_export_escapes_spreadsheet_formulas(self):
        self.partner.write(
            {
                "cmr_gift_preference": '=HYPERLINK("http://evil.example","x")',
                "cmr_important_date_ids": [
                    Command.create({"name": "+1+1", "date": "2020-05-01"}),
                    Command.create({"name": "@SUM(A1)", "date": "2020-06-01"}),
                ],
            }
        )
        self.authenticate("cmr_charter_input", "cmr_charter_input")
        response = self.url_open("/my/preferences/export.csv")
        self.assertEqual(response.status_code, 200)
        cells = [cell for row in csv.reader(io.StringIO(response.text)) for cell in row]
        self.assertIn("'+1+1", cells)
        self.assertIn("'@SUM(A1)", cells)
        self.assertTrue(any(cell.startswith("'=HYPERLINK") for cell in cells))
        for cell in cells:
            self.assertFalse(cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell)

    def test_first_login_keeps_the_time_zone_the_customer_chose(self):
        self.assertFalse(self.user.login_date)
        self.opener.cookies["tz"] = "UTC"
        page = self.url_open("/web/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = self.url_open(
            "/web/login",
            data={
                "login": "cmr_charter_input",
                "password": "cmr_charter_input",
                "csrf_token": token,
            },
            allow_redirects=False,
        )
        self.assertIn(response.status_code, (302, 303))
        self.partner.invalidate_recordset()
        self.user.invalidate_recordset()
        self.assertTrue(self.user.login_date)
        self.assertEqual(self.partner.tz, "Asia/Shanghai")
        tz_lines = self.env["cmr.charter.log"].search(
            [("partner_id", "=", self.partner.id), ("field_name", "=", "tz")]
        )
        self.assertFalse(tz_lines.filtered(lambda line: line.new_value == "UTC"))

    def test_ledger_reads_in_the_readers_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["base", "cmr_module"], ["zh_CN"], overwrite=True
        )
        # Written by an English-speaking agent...
        self.partner.with_context(lang="en_US").write(
            {"cmr_gift_preference": "Stamps", "cmr_preferred_place": "home"}
        )
        lines = self.env["cmr.charter.log"].search(
            [("partner_id", "=", self.partner.id)]
        )
        gift = lines.filtered(lambda line: line.field_name == "cmr_gift_preference")
        place = lines.filtered(lambda line: line.field_name == "cmr_preferred_place")
        self.assertEqual(gift.item, "Gift Preferences")
        # ...and read by a Chinese-speaking customer.
        gift_zh = gift.with_context(lang="zh_CN")
        place_zh = place.with_context(lang="zh_CN")
        self.assertNotEqual(gift_zh.item_label, "Gift Preferences")
        self.assertNotEqual(place_zh.new_value_label, "Home")
        self.assertEqual(
            place_zh.new_value_label,
            dict(
                self.partner.with_context(lang="zh_CN")
                ._fields["cmr_preferred_place"]
                ._description_selection(place_zh.env)
            )["home"],
        )
        self.assertEqual(gift_zh.new_value_label, "Stamps")

    def test_not_a_number_is_refused(self):
        with self.assertRaises(ValidationError):
            self.partner.cmr_channel_pref_ids.write({"sequence": float("nan")})
