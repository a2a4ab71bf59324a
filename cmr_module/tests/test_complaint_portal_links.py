import html
import re
from unittest.mock import patch

from odoo import Command, fields

from ..controllers import complaint_form
from .complaint_common import CmrComplaintPortalCase


class TestComplaintPortalLinks(CmrComplaintPortalCase):
    """In the portal a customer links one of their own orders and invoices to
    the complaint they file, and attaches files only they can download."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.env["product.product"].create(
            {"name": "CMR gas bottle", "list_price": 80.0, "type": "consu"}
        )
        cls.order_a = cls._order(cls.user_a)
        cls.order_b = cls._order(cls.user_b)
        cls.quotation_a = cls._order(cls.user_a, confirm=False)
        cls.invoice_a = cls._invoice(cls.user_a)
        cls.invoice_b = cls._invoice(cls.user_b)

    @classmethod
    def _order(cls, user, confirm=True):
        order = (
            cls.env["sale.order"]
            .sudo()
            .create(
                {
                    "partner_id": user.partner_id.id,
                    "order_line": [
                        Command.create(
                            {"product_id": cls.product.id, "product_uom_qty": 2}
                        )
                    ],
                }
            )
        )
        if confirm:
            order.action_confirm()
        return order

    @classmethod
    def _invoice(cls, user):
        invoice = (
            cls.env["account.move"]
            .sudo()
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": user.partner_id.id,
                    "invoice_date": fields.Date.today(),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": cls.product.id,
                                "quantity": 1,
                                "price_unit": 80.0,
                            }
                        )
                    ],
                }
            )
        )
        invoice.action_post()
        return invoice

    def _file(self, files=None, **form):
        data = {
            "subject": "Wrong bill",
            "reply_channel": "wechat",
            "reply_by": self.tomorrow,
            "description": "Charged twice",
            "csrf_token": self.csrf_token(),
            **form,
        }
        return self.url_open(
            "/my/complaints/new",
            data=data,
            files=[("attachments", file) for file in files or []] or None,
        )

    def _complaints(self, user):
        return self.env["cmr.complaint"].search(
            [("partner_id", "=", user.partner_id.id)]
        )

    def test_file_with_own_order_and_invoice(self):
        self.login_a()
        form = self.url_open("/my/complaints/new").text
        self.assertIn(self.order_a.name, form)
        self.assertIn(self.invoice_a.name, form)
        self.assertNotIn(self.order_b.name, form)
        self.assertNotIn(self.quotation_a.name, form)
        if self.invoice_b.name != self.invoice_a.name:
            self.assertNotIn(self.invoice_b.name, form)
        response = self._file(
            sale_order_id=str(self.order_a.id), invoice_id=str(self.invoice_a.id)
        )
        self.assertEqual(response.status_code, 200)
        complaint = self._complaints(self.user_a)
        self.assertEqual(len(complaint), 1)
        self.assertEqual(complaint.sale_order_id, self.order_a)
        self.assertEqual(complaint.invoice_id, self.invoice_a)
        # The complaint page links both to their own portal pages.
        page = self.url_open(complaint.access_url).text
        self.assertIn(f'href="{self.order_a.access_url}"', page)
        self.assertIn(f'href="{self.invoice_a.access_url}"', page)
        self.assertIn(self.order_a.name, page)
        # An order the customer no longer follows is named, not linked.
        self.order_a.message_unsubscribe(partner_ids=self.user_a.partner_id.ids)
        page = self.url_open(complaint.access_url).text
        self.assertIn(self.order_a.name, page)
        self.assertNotIn(f'href="{self.order_a.access_url}"', page)
        self.assertIn(f'href="{self.invoice_a.access_url}"', page)

    def test_order_or_invoice_of_someone_else_is_refused(self):
        self.login_a()
        response = self._file(invoice_id=str(self.invoice_b.id))
        self.assertIn("Unknown invoice", response.text)
        response = self._file(sale_order_id=str(self.order_b.id))
        self.assertIn("Unknown sales order", response.text)
        # Not a quotation either, nor something that is not an id.
        response = self._file(sale_order_id=str(self.quotation_a.id))
        self.assertIn("Unknown sales order", response.text)
        response = self._file(invoice_id="1 OR 1=1")
        self.assertIn("Unknown invoice", response.text)
        self.assertFalse(self._complaints(self.user_a))

    def _attachments(self, names):
        return (
            self.env["ir.attachment"].sudo().search([("name", "in", names)], order="id")
        )

    def test_files_are_attached_and_only_the_customer_downloads_them(self):
        self.login_a()
        response = self._file(
            files=[
                ("cmr-bill.txt", b"Line 1 charged twice", "text/plain"),
                ("cmr-page.html", b"<script>alert(1)</script>", "text/html"),
                # An empty file input sends an empty part: ignored.
                ("", b"", "application/octet-stream"),
            ]
        )
        self.assertEqual(response.status_code, 200)
        complaint = self._complaints(self.user_a)
        self.assertEqual(len(complaint), 1)
        attachments = self._attachments(["cmr-bill.txt", "cmr-page.html"])
        self.assertEqual(len(attachments), 2)
        # A customer's HTML is never served as HTML.
        page_file = attachments.filtered(lambda a: a.name == "cmr-page.html")
        self.assertEqual(page_file.mimetype, "text/plain")
        self.assertEqual(set(attachments.mapped("res_model")), {"cmr.complaint"})
        self.assertEqual(set(attachments.mapped("res_id")), {complaint.id})
        self.assertTrue(all(attachments.mapped("access_token")))
        # The agent sees them in the chatter, on the customer's message.
        message = complaint.message_ids.filtered("attachment_ids")
        self.assertEqual(len(message), 1)
        self.assertEqual(message.attachment_ids, attachments)
        self.assertEqual(message.author_id, self.user_a.partner_id)
        self.assertIn("Charged twice", message.body)
        # The complaint page offers them for download.
        page = self.url_open(complaint.access_url).text
        links = [
            html.unescape(link)
            for link in re.findall(
                r'class="o_cmr_complaint_attachment"[^>]*href="([^"]+)"', page
            )
        ]
        self.assertEqual(len(links), 2)
        bill = attachments.filtered(lambda a: a.name == "cmr-bill.txt")
        link = next(
            link for link in links if link.startswith(f"/web/content/{bill.id}?")
        )
        self.assertIn(f"access_token={bill.access_token}", link)
        download = self.url_open(link)
        self.assertEqual(download.status_code, 200)
        self.assertEqual(download.content, b"Line 1 charged twice")
        # Another customer can neither open the page nor download the file.
        self.login_b()
        response = self.url_open(complaint.access_url, allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        for url in (
            f"/web/content/{bill.id}?download=true",
            f"/web/content/{bill.id}?download=true&access_token=wrong",
        ):
            download = self.url_open(url)
            self.assertIn(download.status_code, (403, 404), url)
            self.assertNotIn(b"Line 1 charged twice", download.content)

    def test_too_many_or_too_large_files_are_refused(self):
        self.login_a()
        names = [f"cmr-many-{index}.txt" for index in range(6)]
        response = self._file(
            files=[(name, b"some content", "text/plain") for name in names]
        )
        self.assertIn("Attach at most 5 files", response.text)
        with patch.object(complaint_form, "MAX_FILE_SIZE", 1024 * 1024):
            response = self._file(
                files=[
                    ("cmr-small.txt", b"small", "text/plain"),
                    ("cmr-big.bin", b"x" * (1024 * 1024 + 1), "text/plain"),
                ]
            )
        self.assertIn("cmr-big.bin is larger than 1 MB", response.text)
        self.assertFalse(self._complaints(self.user_a))
        self.assertFalse(self._attachments([*names, "cmr-small.txt", "cmr-big.bin"]))
