from email.message import EmailMessage

from freezegun import freeze_time

from odoo.tests import tagged

from .complaint_common import FRIDAY_4PM, CmrComplaintCase


@tagged("post_install", "-at_install")
@freeze_time(FRIDAY_4PM)
class TestComplaintMail(CmrComplaintCase):
    """A complaint e-mailed to complaints@ waits unowned in the queue and is
    answered by e-mail."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alias_domain = cls.env["mail.alias.domain"].create(
            {"name": "gas.example.com", "company_ids": [(4, cls.company.id)]}
        )
        cls.alias = cls.env.ref("cmr_module.mail_alias_cmr_complaint")
        cls.alias.alias_domain_id = cls.alias_domain

    def _receive(self, sender, subject, body, message_id):
        message = EmailMessage()
        message["From"] = sender
        message["To"] = "complaints@gas.example.com"
        message["Subject"] = subject
        message["Message-Id"] = message_id
        message.set_content(body)
        self.env["mail.thread"].sudo().message_process(None, message.as_string())
        return self.env["cmr.complaint"].sudo().search([("subject", "=", subject)])

    def test_known_customer_mails_a_complaint(self):
        complaint = self._receive(
            "Wang Ming <wang@example.com>",
            "Meter reading is wrong",
            "My meter shows 120, the bill 210.",
            "<cmr-mail-1@example.com>",
        )
        self.assertEqual(len(complaint), 1)
        self.assertEqual(complaint.partner_id, self.customer)
        self.assertRegex(complaint.name, r"^CMP/\d{4}/\d+$")
        self.assertEqual(complaint.channel_received, "email")
        self.assertEqual(complaint.reply_channel_id, self.email)
        self.assertIn("120", complaint.description)
        # Unowned, in the queue with its own deadline (the default policy's
        # first hour of work). The customer does not follow it: what they
        # receive goes through the contact gate.
        self.assertFalse(complaint.user_id)
        self.assertEqual(complaint.state, "new")
        self.assertEqual(complaint.deadline, complaint.ack_deadline)
        self.assertEqual(str(complaint.ack_deadline), "2026-11-20 17:00:00")
        self.assertNotIn(self.customer, complaint.message_partner_ids)
        unowned = (
            self.env["cmr.complaint"]
            .with_user(self.agent)
            .search([("user_id", "=", False), ("id", "=", complaint.id)])
        )
        self.assertEqual(unowned, complaint)
        # The first agent who acknowledges it owns it.
        unowned.action_acknowledge()
        self.assertEqual(complaint.user_id, self.agent)

    def test_unknown_sender_becomes_a_contact(self):
        complaint = self._receive(
            "Zhou Hua <zhou.hua@example.net>",
            "Nobody came to fix the leak",
            "Called twice.",
            "<cmr-mail-2@example.com>",
        )
        self.assertEqual(complaint.partner_id.email, "zhou.hua@example.net")
        self.assertFalse(complaint.user_id)

    def test_customer_reply_lands_on_the_complaint(self):
        complaint = self._receive(
            "Wang Ming <wang@example.com>",
            "Charged twice",
            "Twice on the November bill.",
            "<cmr-mail-3@example.com>",
        )
        reply = EmailMessage()
        reply["From"] = "Wang Ming <wang@example.com>"
        reply["To"] = "complaints@gas.example.com"
        reply["Subject"] = "Re: Charged twice"
        reply["Message-Id"] = "<cmr-mail-4@example.com>"
        reply["In-Reply-To"] = "<cmr-mail-3@example.com>"
        reply["References"] = "<cmr-mail-3@example.com>"
        reply.set_content("Here is a photo of the bill.")
        self.env["mail.thread"].sudo().message_process(None, reply.as_string())
        self.assertEqual(
            self.env["cmr.complaint"]
            .sudo()
            .search_count([("partner_id", "=", self.customer.id)]),
            1,
        )
        self.assertIn(
            "photo of the bill", " ".join(complaint.message_ids.mapped("body"))
        )

    def test_oversized_mail_is_taken_not_bounced(self):
        subject = "Wrong bill " + "again " * 60
        body = "The bill is wrong. " * 2000
        self._receive(
            "Wang Ming <wang@example.com>", subject, body, "<cmr-mail-big@example.com>"
        )
        complaint = (
            self.env["cmr.complaint"]
            .sudo()
            .search([("subject", "=like", "Wrong bill again%")])
        )
        self.assertEqual(len(complaint), 1)
        # The subject is cut to its bound; the body stays in the mail only.
        self.assertEqual(complaint.subject, subject.strip()[:200])
        self.assertFalse(complaint.description)
        self.assertTrue(
            any(
                "The bill is wrong." in body
                for body in complaint.message_ids.mapped("body")
            )
        )
