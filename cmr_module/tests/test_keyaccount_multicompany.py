from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CmrPortalCase


@tagged("post_install", "-at_install")
class TestKeyaccountMultiCompany(CmrPortalCase):
    """A key account of company B, its team and reviews are invisible to
    company A's CMR users and managers; a customer's team page shows the
    reviews of its own companies only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Key B Co"})
        role_lead = cls.env.ref("cmr_module.cmr_keyaccount_role_lead")

        def user(login, groups, companies):
            return new_test_user(
                cls.env,
                login=login,
                groups=groups,
                company_id=companies[0].id,
                company_ids=[(6, 0, [c.id for c in companies])],
            )

        cls.lead_ab = user(
            "kmc_lead", "cmr_module.group_cmr_user", [cls.company_b, cls.company_a]
        )
        cls.staff_a = user("kmc_user_a", "cmr_module.group_cmr_user", [cls.company_a])
        cls.manager_a = user(
            "kmc_manager_a", "cmr_module.group_cmr_manager", [cls.company_a]
        )
        cls.key_b = cls.env["res.partner"].create(
            {
                "name": "B Key Account",
                "is_company": True,
                "company_id": cls.company_b.id,
            }
        )
        cls.key_b.write(
            {
                "cmr_key_account": True,
                "cmr_keyaccount_member_ids": [
                    Command.create(
                        {"user_id": cls.lead_ab.id, "role_id": role_lead.id}
                    ),
                ],
            }
        )
        now = fields.Datetime.now()
        cls.review_b = (
            cls.env["cmr.keyaccount.review"]
            .with_company(cls.company_b)
            .create(
                {
                    "partner_id": cls.key_b.id,
                    "planned_date": now + timedelta(days=10),
                    "company_id": cls.company_b.id,
                }
            )
        )
        # The portal customer's company is a key account of both companies.
        cls.shared_key = cls.env["res.partner"].create(
            {"name": "Shared Key Co", "is_company": True}
        )
        cls.partner_a.parent_id = cls.shared_key
        cls.shared_key.write(
            {
                "cmr_key_account": True,
                "cmr_keyaccount_member_ids": [
                    Command.create(
                        {"user_id": cls.lead_ab.id, "role_id": role_lead.id}
                    ),
                ],
            }
        )
        Review = cls.env["cmr.keyaccount.review"]
        past = now - timedelta(days=30)
        for company, minutes in (
            (cls.company_a, "<p>A-SHARED-MINUTES</p>"),
            (cls.company_b, "<p>B-SHARED-MINUTES</p>"),
        ):
            review = Review.with_company(company).create(
                {
                    "partner_id": cls.shared_key.id,
                    "planned_date": past,
                    "company_id": company.id,
                }
            )
            review.write(
                {"state": "held", "held_date": past, "minutes": minutes, "shared": True}
            )
        cls.env.flush_all()

    def test_company_a_staff_see_nothing_of_company_b(self):
        member_b = self.key_b.cmr_keyaccount_member_ids
        for staff in (self.staff_a, self.manager_a):
            with self.subTest(user=staff.login):
                Review = self.env["cmr.keyaccount.review"].with_user(staff)
                self.assertFalse(Review.search([("id", "=", self.review_b.id)]))
                with self.assertRaises(AccessError):
                    self.review_b.with_user(staff).read(["name"])
                Member = self.env["cmr.keyaccount.member"].with_user(staff)
                self.assertFalse(Member.search([("id", "in", member_b.ids)]))
                with self.assertRaises(AccessError):
                    member_b.with_user(staff).read(["user_id"])
                report = self.env["cmr.keyaccount.action.report"].with_user(staff)
                self.assertFalse(report.search([("partner_id", "=", self.key_b.id)]))

    def test_member_of_both_sees_b_when_b_is_allowed(self):
        Review = self.env["cmr.keyaccount.review"].with_user(self.lead_ab)
        self.assertEqual(
            Review.with_company(self.company_b).search(
                [("partner_id", "=", self.key_b.id)]
            ),
            self.review_b,
        )

    def test_portal_shows_reviews_of_the_customers_companies_only(self):
        self.assertEqual(self.user_a.company_ids, self.company_a)
        self.login_a()
        page = self.url_open("/my/team").text
        self.assertIn("A-SHARED-MINUTES", page)
        self.assertNotIn("B-SHARED-MINUTES", page)
        self.assertNotIn("B Key Account", page)
        for model in ("cmr.keyaccount.review", "cmr.keyaccount.member"):
            self.assertFalse(self.env[model].with_user(self.user_a).has_access("read"))
