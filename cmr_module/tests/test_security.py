from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CmrCase, utc


@tagged("post_install", "-at_install")
class TestCmrSecurity(CmrCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "CMR Company B"})
        cls.manager_a = new_test_user(
            cls.env,
            login="cmr_manager_a",
            groups="cmr_module.group_cmr_manager",
            company_id=cls.company_a.id,
            company_ids=[Command.set(cls.company_a.ids)],
        )
        cls.customer_b = cls.Partner.create(
            {"name": "Customer of B", "company_id": cls.company_b.id}
        )
        cls.contact_b = cls.env["cmr.contact"].create(
            {
                "partner_id": cls.customer_b.id,
                "company_id": cls.company_b.id,
                "channel_id": cls.email.id,
                "subject": "Company B business",
            }
        )
        cls.other_agent = new_test_user(
            cls.env, login="cmr_agent_2", groups="cmr_module.group_cmr_user"
        )

    def test_groups_are_chained(self):
        admin_group = self.env.ref("cmr_module.group_cmr_admin")
        self.assertIn(
            self.env.ref("cmr_module.group_cmr_manager"), admin_group.trans_implied_ids
        )
        self.assertIn(
            self.env.ref("cmr_module.group_cmr_user"), admin_group.trans_implied_ids
        )
        self.assertTrue(
            self.env.ref("base.user_admin").has_group("cmr_module.group_cmr_admin")
        )

    def test_other_company_is_invisible(self):
        Contact = self.env["cmr.contact"].with_user(self.manager_a)
        self.assertNotIn(self.contact_b, Contact.search([]))
        with self.assertRaises(AccessError):
            self.contact_b.with_user(self.manager_a).read(["subject"])
        Ledger = self.env["cmr.charter.log"].with_user(self.manager_a)
        self.customer_b.cmr_do_not_contact = True
        self.assertFalse(Ledger.search([("partner_id", "=", self.customer_b.id)]))

    def test_agent_sees_own_contacts_manager_sees_all(self):
        mine = (
            self.env["cmr.contact"]
            .with_user(self.cmr_user)
            .create(
                {
                    "partner_id": self.collector.id,
                    "channel_id": self.phone.id,
                    "subject": "Called about stamps",
                    "date": utc(2026, 11, 23, 11),
                }
            )
        )
        self.assertEqual(mine.user_id, self.cmr_user)
        self.assertFalse(
            self.env["cmr.contact"]
            .with_user(self.other_agent)
            .search([("id", "=", mine.id)])
        )
        self.assertTrue(
            self.env["cmr.contact"]
            .with_user(self.manager_a)
            .search([("id", "=", mine.id)])
        )

    def test_catalogue_is_configured_by_administrators_only(self):
        with self.assertRaises(AccessError):
            self.env["cmr.channel"].with_user(self.manager_a).create(
                {"name": "Pigeon", "code": "pigeon"}
            )
        with self.assertRaises(AccessError):
            self.wechat.with_user(self.cmr_user).write({"accepted_by_default": True})

    def test_plain_employee_opens_customer_form(self):
        employee = new_test_user(
            self.env, login="cmr_sales_only", groups="base.group_user"
        )
        views = self.Partner.with_user(employee).get_views([(False, "form")])
        self.assertNotIn("cmr_charter_log_count", views["views"]["form"]["arch"])
        views = self.Partner.with_user(self.cmr_user).get_views([(False, "form")])
        self.assertIn("cmr_charter_log_count", views["views"]["form"]["arch"])

    def test_portal_user_cannot_ask_the_gate(self):
        portal = new_test_user(
            self.env, login="cmr_gate_portal", groups="base.group_portal"
        )
        with self.assertRaises(AccessError):
            self.collector.with_user(portal).cmr_check_contact("wechat")
        answer = self.collector.with_user(self.cmr_user).cmr_check_contact("wechat")
        self.assertIn(self.collector.id, answer)
