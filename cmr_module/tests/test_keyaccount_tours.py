from datetime import timedelta

from odoo import Command, fields
from odoo.tests import new_test_user, tagged

from .common import CmrPortalCase


@tagged("post_install", "-at_install")
class TestKeyaccountTours(CmrPortalCase):
    """The key-account journeys in Chromium: a contact of a key account
    reads their team page; a team member gives a colleague an action item
    from a review."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env["res.partner"].create(
            {"name": "Tour Key Co", "is_company": True, "tz": "Asia/Shanghai"}
        )
        cls.partner_a.parent_id = cls.company_a

        def member(login, name, email):
            return new_test_user(
                cls.env,
                login=login,
                groups="base.group_user,cmr_module.group_cmr_user",
                name=name,
                email=email,
            )

        cls.lead = member("ka_tour_lead", "Lead Tour Wu", "tour.wu@cmr.example.com")
        cls.seller = member("ka_tour_sales", "Sales Tour Xu", "tour.xu@cmr.example.com")
        ref = cls.env.ref
        cls.company_a.write(
            {
                "cmr_key_account": True,
                "cmr_keyaccount_member_ids": [
                    Command.create(
                        {
                            "user_id": cls.lead.id,
                            "role_id": ref("cmr_module.cmr_keyaccount_role_lead").id,
                        }
                    ),
                    Command.create(
                        {
                            "user_id": cls.seller.id,
                            "role_id": ref("cmr_module.cmr_keyaccount_role_sales").id,
                        }
                    ),
                ],
            }
        )
        Review = cls.env["cmr.keyaccount.review"]
        now = fields.Datetime.now()
        past = now - timedelta(days=60)
        for name, minutes, shared in (
            ("Tour autumn review", "<p>TOUR-SHARED-MINUTES night deliveries</p>", True),
            ("Tour internal review", "<p>TOUR-INTERNAL-MINUTES margin thin</p>", False),
        ):
            review = Review.create(
                {"partner_id": cls.company_a.id, "planned_date": past, "name": name}
            )
            review.write(
                {
                    "state": "held",
                    "held_date": past,
                    "minutes": minutes,
                    "shared": shared,
                }
            )
        cls.next_review = Review.create(
            {
                "partner_id": cls.company_a.id,
                "planned_date": now + timedelta(days=20),
                "name": "Tour winter review",
            }
        )

    def test_tour_customer_reads_their_team(self):
        self.start_tour("/my", "cmr_portal_keyaccount_team", login=self.user_a.login)

    def test_tour_member_adds_an_action_item(self):
        self.start_tour(
            f"/odoo/action-cmr_module.cmr_keyaccount_review_action/{self.next_review.id}",
            "cmr_backend_keyaccount_action_item",
            login=self.lead.login,
        )
        activity = self.next_review.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.summary, "Send the new price list")
        self.assertEqual(activity.user_id, self.seller)
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("cmr_module.mail_activity_type_keyaccount_action"),
        )
