from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CmrPortalCase
from .timeline_common import CmrTimelineCase


@tagged("post_install", "-at_install")
class TestPrivacyErasure(CmrTimelineCase):
    """Wang Ming of the demo (invoices, payments, a card with points,
    complaints, an adopted suggestion, a portal user) asks to be forgotten."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"cmr_do_not_contact": True})
        cls.old_email = cls.customer.email
        cls.old_name = cls.customer.name
        cls.other_suggestion = cls.env["cmr.suggestion"]._portal_submit(
            cls.customer,
            {
                "name": "Pending idea",
                "description": "Not decided",
                "category": "service",
            },
        )

    def _trial_balance(self):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT account_id, SUM(debit), SUM(credit), SUM(balance), "
            "SUM(amount_currency), COUNT(*) FROM account_move_line "
            "GROUP BY account_id ORDER BY account_id"
        )
        return self.env.cr.fetchall()

    def _request_and_approve(self):
        erasure = (
            self.env["cmr.privacy.erasure"]
            .with_user(self.agent)
            ._request(self.customer, "staff")
        )
        erasure.with_user(self.manager).action_approve()
        return erasure

    def test_user_files_manager_approves(self):
        erasure = (
            self.env["cmr.privacy.erasure"]
            .with_user(self.agent)
            ._request(self.customer, "staff")
        )
        self.assertEqual(erasure.state, "requested")
        self.assertEqual((erasure.due_date - erasure.date_requested.date()).days, 30)
        with self.assertRaisesRegex(AccessError, "Only a CMR Manager"):
            erasure.with_user(self.agent).action_approve()
        with self.assertRaises(UserError):
            self.env["cmr.privacy.erasure"].with_user(self.agent)._request(
                self.customer, "staff"
            )
        self.assertTrue(erasure.with_user(self.manager).open_complaint_count)
        erasure.with_user(self.manager).action_approve()
        self.assertEqual(erasure.state, "done")
        self.assertEqual(erasure.reviewer_id, self.manager)

    def test_staff_button_and_refusal(self):
        action = self.customer.with_user(self.agent).action_cmr_request_erasure()
        erasure = self.env["cmr.privacy.erasure"].browse(action["res_id"])
        self.assertEqual(
            (erasure.origin, erasure.requested_by_id), ("staff", self.agent)
        )
        with self.assertRaisesRegex(AccessError, "Only a CMR Manager"):
            erasure.with_user(self.agent).action_refuse()
        as_manager = erasure.with_user(self.manager)
        with self.assertRaisesRegex(UserError, "Write why"):
            as_manager.action_refuse()
        as_manager.refusal_reason = "Open legal dispute about the last delivery."
        as_manager.action_refuse()
        self.assertEqual(erasure.state, "refused")
        self.assertEqual(erasure.log_ids[-1:].action, "refuse")
        self.assertFalse(self.customer.cmr_erased)
        self.assertEqual(self.customer.email, self.old_email)
        # Refused: a new request may be filed.
        self.env["cmr.privacy.erasure"].with_user(self.agent)._request(
            self.customer, "staff"
        )

    def test_erasure_keeps_the_books(self):
        before = self._trial_balance()
        moves = self.env["account.move"].search(
            [("commercial_partner_id", "=", self.customer.id), ("state", "=", "posted")]
        )
        self.assertTrue(moves)
        self._request_and_approve()
        self.assertEqual(self._trial_balance(), before)
        self.assertEqual(moves.exists(), moves)
        self.assertEqual(set(moves.mapped("state")), {"posted"})
        self.assertEqual(moves.partner_id, self.customer)

    def test_everything_else_is_anonymised(self):
        complaint = self.complaint
        adopted = self.env.ref("cmr_module.cmr_suggestion_demo_sleeves")
        portal_user = self.portal_user
        cards = self.env["cmr.membership"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertTrue(any(cards._balances().values()))
        erasure = self._request_and_approve()
        customer = self.customer
        self.assertTrue(customer.cmr_erased)
        self.assertEqual(customer.name, erasure.pseudonym)
        self.assertNotIn("Wang", customer.name)
        self.assertFalse(customer.email or customer.phone or customer.street)
        self.assertFalse(customer.cmr_interest_ids or customer.cmr_channel_pref_ids)
        self.assertFalse(customer.active)
        lines = self.env["cmr.charter.log"].search([("partner_id", "=", customer.id)])
        self.assertTrue(lines, "the ledger keeps that changes happened")
        self.assertFalse(any(lines.mapped("old_value") + lines.mapped("new_value")))
        self.assertEqual(set(self.contact_made.mapped("subject")), {"anonymised"})
        self.assertFalse(self.contact_made.body)
        self.assertEqual(complaint.subject, "anonymised")
        self.assertFalse(complaint.description)
        self.assertFalse(complaint.message_ids)
        self.assertTrue(adopted.exists())
        self.assertEqual(
            adopted.partner_id, self.env.ref("cmr_module.cmr_partner_anonymous")
        )
        self.assertFalse(self.other_suggestion.exists())
        self.assertFalse(portal_user.active)
        self.assertNotEqual(portal_user.login, "portal.wechat")
        self.assertFalse(any(cards._balances().values()))
        messages = self.env["mail.message"].search(
            [
                "|",
                ("author_id", "=", customer.id),
                ("email_from", "ilike", self.old_email),
            ]
        )
        self.assertFalse(messages)
        self.assertFalse(
            self.env["res.partner"]
            .with_context(active_test=False)
            .search(["|", ("email", "=", self.old_email), ("name", "=", self.old_name)])
        )
        # Confirmation by e-mail, although the customer chose do-not-contact.
        mail = self.env["mail.mail"].search([("email_to", "=", self.old_email)])
        self.assertEqual(len(mail), 1)
        self.assertIn("erased", mail.subject)
        actions = erasure.log_ids.mapped("action")
        self.assertEqual(actions[0], "request")
        self.assertEqual(actions[-1], "done")
        self.assertIn("confirm", actions)
        with self.assertRaises(UserError):
            erasure.log_ids[:1].write({"note": "nothing happened"})
        with self.assertRaises(UserError):
            erasure.log_ids[:1].unlink()

    def test_name_kept_where_the_law_requires_it(self):
        self.env.company.cmr_erasure_name_policy = "keep"
        self._request_and_approve()
        self.assertEqual(self.customer.name, self.old_name)
        self.assertFalse(self.customer.email)

    def test_idempotent_and_not_undone_by_an_import(self):
        erasure = self._request_and_approve()
        log_count = len(erasure.log_ids)
        balance = self._trial_balance()
        erasure._erase()
        self.assertEqual(len(erasure.log_ids), log_count)
        self.assertEqual(self._trial_balance(), balance)
        with self.assertRaises(UserError):
            erasure.with_user(self.manager).action_approve()
        with self.assertRaisesRegex(UserError, "forgotten"):
            self.customer.write({"email": self.old_email})
        result = self.env["res.partner"].load(
            ["id", "email"], [["cmr_module.cmr_partner_wang_ming", self.old_email]]
        )
        self.assertTrue(result["messages"])
        self.assertFalse(self.customer.email)
        with self.assertRaises(UserError):
            self.env["cmr.privacy.erasure"]._request(self.customer, "staff")


@tagged("post_install", "-at_install")
class TestPrivacyErasurePortal(CmrPortalCase):
    def test_customer_asks_for_erasure(self):
        self.login_a()
        token = self.csrf_token("/my/privacy")
        response = self.url_open("/my/privacy/erase", data={"csrf_token": token})
        self.assertIn("Tick the box", response.text)
        Erasure = self.env["cmr.privacy.erasure"]
        self.assertFalse(Erasure.search([("partner_id", "=", self.partner_a.id)]))
        response = self.url_open(
            "/my/privacy/erase", data={"csrf_token": token, "confirm": "on"}
        )
        self.assertIn("We received your request", response.text)
        response = self.url_open(
            "/my/privacy/erase", data={"csrf_token": token, "confirm": "on"}
        )
        self.assertIn("already open", response.text)
        erasure = Erasure.search([("partner_id", "=", self.partner_a.id)])
        self.assertEqual(len(erasure), 1)
        self.assertEqual(erasure.origin, "portal")
        self.login_b()
        self.assertNotIn("o_cmr_erasure_row", self.url_open("/my/privacy").text)
        with self.assertRaises(AccessError):
            erasure.with_user(self.user_b).read(["state"])
