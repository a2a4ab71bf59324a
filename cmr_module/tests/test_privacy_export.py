import base64
import io
import json
import zipfile

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CmrPortalCase
from .timeline_common import CmrTimelineCase


def unzip(export):
    archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(export.attachment_id.datas)))
    return {name: archive.read(name).decode() for name in archive.namelist()}


@tagged("post_install", "-at_install")
class TestPrivacyExport(CmrTimelineCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.comment = "<p>SECRET-PARTNER-NOTE</p>"
        cls.complaint.sudo()._workflow_write({"root_cause": "SECRET-ROOT-CAUSE"})
        suggestion = cls.env["cmr.suggestion"].search(
            [("partner_id", "=", cls.customer.id)], limit=1
        )
        suggestion.internal_note = "SECRET-IDEA-NOTE"
        cls.customer.message_post(
            body="SECRET-CHATTER-NOTE",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        cls.env["res.partner"].browse(cls.customer.id).write(
            {
                "cmr_interest_ids": [
                    Command.link(cls.env.ref("cmr_module.cmr_interest_stamps").id)
                ]
            }
        )
        cls.stranger = cls.env["res.partner"].create(
            {"name": "Stranger Zed", "email": "zed-stranger@example.com"}
        )
        cls.env["cmr.contact"].create(
            {
                "partner_id": cls.stranger.id,
                "channel_id": cls.wechat.id,
                "subject": "Zed only",
                "state": "sent",
            }
        )
        Greeting = cls.env["cmr.care.greeting"]
        today = fields.Date.today()
        cls.greeting = Greeting._record(
            [(cls.customer.id, "birthday", False, today)], "sent"
        )
        Greeting._record(
            [(cls.customer.id, "important_date", False, today)],
            "dropped",
            "SECRET-GREETING-DROPPED",
        )
        Greeting._record([(cls.other.id, "birthday", False, today)], "sent")
        cls.cron = cls.env.ref("cmr_module.ir_cron_cmr_privacy_export")

    def _export(self, partner=None):
        export = (
            self.env["cmr.privacy.export"]
            .with_user(self.portal_user)
            ._request(partner or self.customer)
        )
        self.cron.method_direct_trigger()
        export = export.sudo()
        self.assertEqual(export.state, "done", export.error)
        return export

    def test_export_holds_every_source_and_nothing_internal(self):
        export = self._export()
        files = unzip(export)
        data = json.loads(files["data.json"])
        for section in (
            "res.partner",
            "sale.order",
            "account.move",
            "account.payment",
            "mail.message",
            "cmr.charter.log",
            "cmr.contact",
            "cmr.tier.history",
            "cmr.points.line",
            "cmr.complaint",
            "cmr.suggestion",
            "cmr.care.visit",
            "cmr.care.gift",
            "cmr.care.greeting",
            "timeline",
        ):
            self.assertIn(section, data)
            self.assertIn(f"csv/{section}.csv", files)
        everything = "\n".join(files.values())
        for secret in (
            "SECRET-PARTNER-NOTE",
            "SECRET-ROOT-CAUSE",
            "SECRET-IDEA-NOTE",
            "SECRET-CHATTER-NOTE",
            "margin on albums",
            "channel_refused",
            "Stranger Zed",
            "zed-stranger",
            "Zed only",
        ):
            self.assertNotIn(secret, everything)
        self.assertIn(self.order.name, everything)
        self.assertIn("Thank you for the album", everything)
        self.assertNotIn("root_cause", data["cmr.complaint"][0])
        # Care: the visits, the gift given and the greeting sent, with only
        # what the customer sees; nothing of Li Na's.
        visits = {row["id"]: row for row in data["cmr.care.visit"]}
        self.assertIn(self.visit_done.id, visits)
        self.assertIn(self.visit_cancelled.id, visits)
        self.assertNotIn(self.other_visit.id, visits)
        self.assertNotIn(self.other_visit.name, everything)
        done = visits[self.visit_done.id]
        self.assertEqual(done["service_id"], self.visit_done.service_id.name)
        self.assertEqual(done["outcome"], "Completed")
        for row in visits.values():
            self.assertFalse(
                {"notes", "cost", "photo_ids", "reason", "user_id"} & set(row)
            )
        self.assertEqual([row["id"] for row in data["cmr.care.gift"]], [self.gift.id])
        self.assertEqual(set(data["cmr.care.gift"][0]), {"id", "product_id", "date"})
        self.assertEqual(
            [row["id"] for row in data["cmr.care.greeting"]], [self.greeting.id]
        )
        for secret in (
            "Gate code",
            "Detector battery",
            "Away on holiday",
            "Bought at a discount",
            "SECRET-GREETING-DROPPED",
            "87.13",
        ):
            self.assertNotIn(secret, everything)
        care = [
            row
            for row in data["timeline"]
            if "Commemorative stamp set" in row["summary"]
        ]
        self.assertEqual(len(care), 1)
        # Odoo's models without an explicit list: name, date and reference.
        self.assertEqual(
            set(data["account.move.line"][0]), {"id", "name", "date", "reference"}
        )

    def test_files_the_customer_sees_are_in_the_zip(self):
        suggestion = self.env["cmr.suggestion"]._portal_submit(
            self.customer,
            {"name": "With a sketch", "description": "See file", "category": "product"},
            [("sketch.txt", b"my sketch", "text/plain")],
        )
        self.complaint.message_post(
            body="Staff answer: refund on its way",
            subtype_xmlid="mail.mt_comment",
            message_type="comment",
        )
        self.complaint.message_post(
            body="A staff-only file",
            subtype_xmlid="mail.mt_note",
            attachments=[("internal-memo.txt", b"secret memo")],
        )
        files = unzip(self._export())
        names = [name for name in files if name.startswith("attachments/")]
        self.assertEqual(len(names), 1)
        self.assertTrue(names[0].endswith("-sketch.txt"))
        self.assertEqual(files[names[0]], "my sketch")
        self.assertIn(suggestion.name, files["data.json"])
        self.assertNotIn("secret memo", "\n".join(files.values()))
        self.assertIn("refund on its way", files["csv/mail.message.csv"])
        self.assertNotIn("A staff-only file", files["data.json"])

    def test_csv_cells_never_run_as_formulas(self):
        self.customer.with_context(cmr_source="system").write(
            {"name": '=HYPERLINK("http://evil")'}
        )
        files = unzip(self._export())
        self.assertIn("'=HYPERLINK", files["csv/res.partner.csv"])
        self.assertNotIn(",=HYPERLINK", files["csv/res.partner.csv"])

    def test_one_export_at_a_time(self):
        Export = self.env["cmr.privacy.export"].with_user(self.portal_user)
        Export._request(self.customer)
        with self.assertRaisesRegex(UserError, "already being prepared"):
            Export._request(self.customer)
        self.cron.method_direct_trigger()
        Export._request(self.customer)  # once built, another may be asked

    def test_staff_without_manager_rights_reads_no_export(self):
        export = self._export()
        with self.assertRaises(AccessError):
            export.with_user(self.agent).read(["attachment_id"])
        export.with_user(self.manager).read(["attachment_id"])


@tagged("post_install", "-at_install")
class TestPrivacyPortal(CmrPortalCase):
    def test_request_build_download_own_only(self):
        self.login_a()
        token = self.csrf_token("/my/privacy")
        response = self.url_open("/my/privacy/export", data={"csrf_token": token})
        self.assertIn("We are preparing your data", response.text)
        response = self.url_open("/my/privacy/export", data={"csrf_token": token})
        self.assertIn("already being prepared", response.text)
        self.env.ref("cmr_module.ir_cron_cmr_privacy_export").method_direct_trigger()
        export = self.env["cmr.privacy.export"].search(
            [("partner_id", "=", self.partner_a.commercial_partner_id.id)]
        )
        self.assertEqual(export.state, "done")
        page = self.url_open("/my/privacy").text
        url = f"/my/privacy/export/{export.id}/download"
        self.assertIn(url, page)
        download = self.url_open(url)
        self.assertEqual(download.status_code, 200)
        self.assertTrue(zipfile.is_zipfile(io.BytesIO(download.content)))
        self.login_b()
        self.assertNotIn(url, self.url_open("/my/privacy").text)
        self.assertEqual(self.url_open(url).status_code, 404)
