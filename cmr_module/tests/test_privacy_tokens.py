from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import CmrPortalCase


@tagged("post_install", "-at_install")
class TestPrivacyErasureRevokesLinks(CmrPortalCase):
    """Links to customer A's documents shared before the erasure (a
    quotation sent by e-mail, an invoice's "view online" link) no longer
    open anything after it; customer B's still work."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="privacy_token_manager",
            groups="cmr_module.group_cmr_manager",
            name="Privacy Token Manager",
        )
        product = cls.env["product.product"].create(
            {"name": "Gas meter check", "list_price": 80, "invoice_policy": "order"}
        )

        def order_and_invoice(partner):
            order = cls.env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "order_line": [Command.create({"product_id": product.id})],
                }
            )
            order.action_confirm()
            invoice = order._create_invoices()
            invoice.action_post()
            return order, invoice

        cls.order_a, cls.invoice_a = order_and_invoice(cls.partner_a)
        cls.order_b, cls.invoice_b = order_and_invoice(cls.partner_b)

    def _links(self, order, invoice):
        return [
            f"/my/orders/{order.id}?access_token={order._portal_ensure_token()}",
            f"/my/invoices/{invoice.id}?access_token={invoice._portal_ensure_token()}",
        ]

    def _opens(self, url):
        response = self.url_open(url, allow_redirects=False)
        return response.status_code == 200

    def test_old_links_stop_working(self):
        links_a = self._links(self.order_a, self.invoice_a)
        links_b = self._links(self.order_b, self.invoice_b)
        self.authenticate(None, None)
        for url in links_a + links_b:
            self.assertTrue(self._opens(url), url)
        erasure = self.env["cmr.privacy.erasure"]._request(self.partner_a, "staff")
        erasure.with_user(self.manager).action_approve()
        self.env.flush_all()
        for url in links_a:
            response = self.url_open(url, allow_redirects=False)
            self.assertIn(response.status_code, (303, 302, 403, 404), url)
            self.assertNotIn("Gas meter check", response.text)
        for url in links_b:
            self.assertTrue(self._opens(url), url)
        self.assertFalse(self.order_a.access_token)
        self.assertFalse(self.invoice_a.access_token)
        self.assertEqual(self.invoice_a.state, "posted")
        log = erasure.log_ids.filtered(lambda line: line.action == "tokens")
        self.assertGreaterEqual(log.count, 2)
