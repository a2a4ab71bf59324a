import unittest

from odoo.modules.registry import Registry
from odoo.tests import common, tagged

from .timeline_common import CmrTimelineCase

# What the law keeps of an erased customer: the company's books and the
# commercial documents they come from.
LEGALLY_HELD = {
    "account.move",
    "account.move.line",
    "account.payment",
    "account.bank.statement.line",
    "sale.order",
    "sale.order.line",
}


@tagged("post_install", "-at_install", "cmr_host")
class TestPrivacyLookupAfterErasure(CmrTimelineCase):
    """Odoo's own privacy lookup, after Wang Ming's erasure, by his old
    e-mail, phone and name, finds only what the law keeps. Runs only where
    ``privacy_lookup`` is installed (``make test-host``)."""

    @classmethod
    def setUpClass(cls):
        with Registry(common.get_db_name()).cursor() as cr:
            cr.execute(
                "SELECT state FROM ir_module_module WHERE name = 'privacy_lookup'"
            )
            state = cr.fetchone()
        if not state or state[0] != "installed":
            raise unittest.SkipTest("privacy_lookup is not installed")
        super().setUpClass()
        cls.old_email = cls.customer.email
        cls.old_phone = cls.customer.phone
        cls.old_name = cls.customer.name
        # What he wrote on documents, by e-mail and through the portal.
        invoice = cls.env["account.move"].search(
            [("commercial_partner_id", "=", cls.customer.id), ("state", "=", "posted")],
            limit=1,
        )
        cls.held_invoice = invoice
        invoice.message_post(
            body=f"Please call me back on {cls.old_phone}",
            message_type="email",
            email_from=f'"{cls.old_name}" <{cls.old_email}>',
            author_id=False,
        )
        cls.order.message_post(
            body="Deliver after 6 pm",
            message_type="comment",
            author_id=cls.customer.id,
        )
        # A tracked change of the customer on a document (name as text).
        cls.quotation.with_context(
            tracking_disable=False, mail_notrack=False
        ).partner_id = cls.other
        cls.quotation.with_context(
            tracking_disable=False, mail_notrack=False
        ).partner_id = cls.customer
        cls.env.cr.precommit.run()

    def _erase(self):
        erasure = (
            self.env["cmr.privacy.erasure"]
            .with_user(self.agent)
            ._request(self.customer, "staff")
        )
        erasure.with_user(self.manager).action_approve()
        self.env.flush_all()
        return erasure

    def _lookup(self, name, email):
        wizard = self.env["privacy.lookup.wizard"].create(
            {"name": name, "email": email}
        )
        wizard.action_lookup()
        return {(line.res_model, line.res_id) for line in wizard.line_ids}

    def _no_trace_in_mail(self):
        for needle in (self.old_email, self.old_phone, self.old_name):
            self.assertFalse(
                self.env["mail.message"].search(
                    [
                        "|",
                        "|",
                        ("body", "ilike", needle),
                        ("email_from", "ilike", needle),
                        ("subject", "ilike", needle),
                    ]
                ),
                needle,
            )
            self.assertFalse(
                self.env["mail.tracking.value"].search(
                    [
                        "|",
                        ("old_value_char", "ilike", needle),
                        ("new_value_char", "ilike", needle),
                    ]
                ),
                needle,
            )
        # Only the confirmation he asked for waits to be sent (then deleted).
        mails = self.env["mail.mail"].search(
            [
                "|",
                ("email_to", "ilike", self.old_email),
                ("body_html", "ilike", self.old_email),
            ]
        )
        self.assertEqual(
            len(mails),
            1,
            mails.read(
                ["subject", "email_to", "recipient_ids", "model", "res_id", "state"]
            ),
        )
        self.assertTrue(mails.auto_delete)

    def test_lookup_before_finds_everything(self):
        found = self._lookup(self.old_name, self.old_email)
        models = {model for model, _id in found}
        self.assertIn("res.partner", models)
        self.assertIn("mail.message", models)
        self.assertTrue(models - LEGALLY_HELD - {"res.partner", "res.users"})

    def test_lookup_after_erasure_finds_only_the_books(self):
        self._erase()
        for name, email in (
            (self.old_name, self.old_email),
            (self.old_phone, self.old_email),
        ):
            found = self._lookup(name, email)
            self.assertLessEqual({model for model, _id in found}, LEGALLY_HELD, found)
        self.assertFalse(
            self.env["res.partner"]
            .with_context(active_test=False)
            .search(
                [
                    "|",
                    "|",
                    ("phone", "ilike", self.old_phone),
                    ("mobile", "ilike", self.old_phone),
                    ("email", "ilike", self.old_email),
                ]
            )
        )
        self._no_trace_in_mail()
        self.assertTrue(self.held_invoice.exists())

    def test_name_kept_by_law_finds_held_and_anonymised_rows_only(self):
        """Where the law keeps the name, the lookup finds the customer's
        record and what points to it: the books, and the rows kept
        anonymised for the KPIs, none with a personal text."""
        self.env.company.cmr_erasure_name_policy = "keep"
        self._erase()
        found = self._lookup(self.old_name, self.old_email)
        models = {model for model, _id in found}
        self.assertNotIn("mail.message", models)
        # The portal user stays, archived, with an anonymous login.
        users = (
            self.env["res.users"]
            .with_context(active_test=False)
            .browse([res_id for model, res_id in found if model == "res.users"])
        )
        self.assertFalse(any(users.mapped("active")))
        self.assertTrue(
            all(login.startswith("erased-") for login in users.mapped("login"))
        )
        for model in models - LEGALLY_HELD - {"res.partner", "res.users"}:
            self.assertTrue(model.startswith("cmr."), model)
        partner_ids = {res_id for model, res_id in found if model == "res.partner"}
        self.assertEqual(partner_ids, {self.customer.id})
        self.assertTrue(self.customer.cmr_erased)
