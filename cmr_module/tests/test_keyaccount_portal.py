from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from .common import CmrPortalCase


@tagged("post_install", "-at_install")
class TestKeyaccountPortal(CmrPortalCase):
    """/my/team shows the customer's team, next review and the minutes
    marked shared; nothing of another customer's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env["res.partner"].create(
            {"name": "Portal Key Co", "is_company": True, "tz": "Asia/Shanghai"}
        )
        cls.partner_a.parent_id = cls.company_a
        cls.lead = cls.env["res.users"].create(
            {
                "name": "Lead Portal Wu",
                "login": "ka_portal_lead",
                "email": "wu@cmr.example.com",
                "groups_id": [
                    Command.set([cls.env.ref("cmr_module.group_cmr_user").id])
                ],
            }
        )
        cls.lead.partner_id.phone = "+86 512 5555 0101"
        cls.company_a.write(
            {
                "cmr_key_account": True,
                "cmr_keyaccount_member_ids": [
                    Command.create(
                        {
                            "user_id": cls.lead.id,
                            "role_id": cls.env.ref(
                                "cmr_module.cmr_keyaccount_role_lead"
                            ).id,
                        }
                    )
                ],
            }
        )
        Review = cls.env["cmr.keyaccount.review"]
        now = fields.Datetime.now()
        past = now - timedelta(days=60)
        cls.shared = Review.create(
            {
                "partner_id": cls.company_a.id,
                "planned_date": past,
                "name": "Autumn review",
            }
        )
        cls.shared.write(
            {
                "state": "held",
                "held_date": past,
                "minutes": "<p>SHARED-MINUTES pressure fixed</p>",
                "decisions": "<p>SHARED-DECISION new meter</p>",
                "shared": True,
            }
        )
        cls.internal = Review.create(
            {"partner_id": cls.company_a.id, "planned_date": past, "name": "Internal"}
        )
        cls.internal.write(
            {
                "state": "held",
                "held_date": past,
                "minutes": "<p>INTERNAL-MINUTES margin too thin</p>",
            }
        )
        cls.next_review = Review.create(
            {
                "partner_id": cls.company_a.id,
                "planned_date": now + timedelta(days=20),
                "name": "Winter review",
            }
        )

    def test_customer_sees_team_next_review_and_shared_minutes(self):
        self.login_a()
        response = self.url_open("/my/team")
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn("Lead Portal Wu", page)
        self.assertIn("Team lead", page)
        self.assertIn("wu@cmr.example.com", page)
        self.assertIn("+86 512 5555 0101", page)
        self.assertIn("Winter review", page)
        self.assertIn("SHARED-MINUTES", page)
        self.assertIn("SHARED-DECISION", page)
        self.assertNotIn("INTERNAL-MINUTES", page)
        home = self.url_open("/my/home")
        self.assertIn("/my/team", home.text)

    def test_other_customer_sees_nothing_of_it(self):
        self.login_b()
        response = self.url_open("/my/team")
        self.assertEqual(response.status_code, 200)
        self.assertIn("no dedicated team", response.text)
        self.assertNotIn("Lead Portal Wu", response.text)
        self.assertNotIn("SHARED-MINUTES", response.text)
        # No RPC road to the reviews or the team either.
        for model in ("cmr.keyaccount.review", "cmr.keyaccount.member"):
            self.assertFalse(self.env[model].with_user(self.user_b).has_access("read"))
