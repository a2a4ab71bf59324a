from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import CmrCase, utc


@tagged("post_install", "-at_install")
class TestContactSend(CmrCase):
    def test_refused_contact_waits_then_goes_out(self):
        Contact = self.env["cmr.contact"]
        # Monday 18:00 in Shanghai: an hour before the window.
        with patch.object(fields.Datetime, "now", return_value=utc(2026, 11, 23, 10)):
            contact = Contact._send(
                self.collector, "wechat", "product_news", "New stamps", "<p>Hi</p>"
            )
        self.assertEqual(contact.state, "queued")
        self.assertEqual(contact.refusal_reason, "outside_window")
        self.assertEqual(contact.scheduled_date, utc(2026, 11, 23, 11))
        with patch.object(fields.Datetime, "now", return_value=utc(2026, 11, 23, 12)):
            Contact._cron_send_queued()
        # WeChat is delivered by staff: an activity, and the cap counts it.
        self.assertEqual(contact.state, "to_deliver")
        self.assertEqual(contact.date, utc(2026, 11, 23, 12))
        self.assertTrue(self.collector.activity_ids)
        contact.action_mark_delivered()
        self.assertEqual(contact.state, "sent")

    def test_final_refusal_is_kept(self):
        contact = self.env["cmr.contact"]._send(
            self.collector, "sms", None, "Promo", "<p>Hi</p>"
        )
        self.assertEqual(contact.state, "refused")
        self.assertEqual(contact.refusal_reason, "channel_refused")
        self.assertFalse(contact.scheduled_date)

    def test_email_goes_out_at_once(self):
        blank = self.Partner.create({"name": "Mail Me", "email": "mail.me@example.com"})
        contact = self.env["cmr.contact"]._send(
            blank, "email", "bill", "Your bill", "<p>Your bill is ready.</p>"
        )
        self.assertEqual(contact.state, "sent")
        message = blank.message_ids.filtered(lambda m: m.subject == "Your bill")
        self.assertIn(blank, message.partner_ids)

    def test_made_contacts_cannot_be_deleted(self):
        contact = self.make_contacts(
            self.collector, self.wechat, [utc(2026, 11, 23, 11)]
        )
        with self.assertRaises(UserError):
            contact.unlink()

    def test_send_triggered_by_a_customer_still_asks_the_gate(self):
        portal = new_test_user(
            self.env, login="cmr_send_portal", groups="base.group_portal"
        )
        # Records as a portal flow has them: in the customer's environment.
        customer = self.collector.with_user(portal)
        contact = (
            self.env["cmr.contact"]
            .with_user(portal)
            ._send(customer, "sms", None, "Promo", "<p>Hi</p>")
        )
        self.assertEqual(contact.refusal_reason, "channel_refused")
