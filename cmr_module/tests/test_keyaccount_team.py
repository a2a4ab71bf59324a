from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .keyaccount_common import CmrKeyaccountCase


@tagged("post_install", "-at_install")
class TestKeyaccountTeam(CmrKeyaccountCase):
    """A team has exactly one lead and internal members only; members
    follow and read the key account's complaints, others do not."""

    def test_team_lead_and_members(self):
        self.assertEqual(self.customer.cmr_keyaccount_lead_id, self.lead)
        self.assertEqual(len(self.customer.cmr_keyaccount_member_ids), 3)
        # A user may be on many teams.
        other = self.env["res.partner"].create(
            {"name": "Other Key", "is_company": True}
        )
        other.write(
            {
                "cmr_key_account": True,
                "cmr_keyaccount_member_ids": [
                    Command.create(
                        {"user_id": self.seller.id, "role_id": self.role_lead.id}
                    )
                ],
            }
        )
        self.assertEqual(other.cmr_keyaccount_lead_id, self.seller)

    def test_team_without_lead_is_refused_and_nothing_saved(self):
        company = self.env["res.partner"].create(
            {"name": "No Lead Co", "is_company": True}
        )
        with self.assertRefused("exactly one lead"):
            company.write(
                {
                    "cmr_key_account": True,
                    "cmr_keyaccount_member_ids": [
                        Command.create(
                            {"user_id": self.seller.id, "role_id": self.role_sales.id}
                        )
                    ],
                }
            )
        self.assertFalse(
            self.env["cmr.keyaccount.member"].search([("partner_id", "=", company.id)])
        )
        with self.assertRefused("exactly one lead"):
            company.write({"cmr_key_account": True})
        # A second lead, or removing the lead, is refused too.
        with self.assertRefused("exactly one lead"):
            self.env["cmr.keyaccount.member"].create(
                {
                    "partner_id": self.customer.id,
                    "user_id": self.outsider.id,
                    "role_id": self.role_lead.id,
                }
            )
        lead_member = self.customer.cmr_keyaccount_member_ids.filtered("is_lead")
        with self.assertRefused("exactly one lead"):
            lead_member.unlink()
        self.assertTrue(lead_member.exists())

    def test_member_must_be_an_employee(self):
        with self.assertRefused("not an employee"):
            self.env["cmr.keyaccount.member"].create(
                {
                    "partner_id": self.customer.id,
                    "user_id": self.portal_user.id,
                    "role_id": self.role_sales.id,
                }
            )
        self.assertNotIn(
            self.portal_user, self.customer.cmr_keyaccount_member_ids.user_id
        )

    def test_only_managers_change_teams(self):
        with self.assertRaises(AccessError):
            self.env["cmr.keyaccount.member"].with_user(self.lead).create(
                {
                    "partner_id": self.customer.id,
                    "user_id": self.outsider.id,
                    "role_id": self.role_sales.id,
                }
            )
        member = (
            self.env["cmr.keyaccount.member"]
            .with_user(self.manager)
            .create(
                {
                    "partner_id": self.customer.id,
                    "user_id": self.outsider.id,
                    "role_id": self.role_sales.id,
                }
            )
        )
        self.assertIn(self.outsider.partner_id, self.customer.message_partner_ids)
        member.with_user(self.manager).unlink()

    def _complaint(self, subject):
        return self.env["cmr.complaint"].create(
            {
                "partner_id": self.buyer.id,
                "subject": subject,
                "description": "<p>Gas pressure dropped</p>",
                "user_id": self.manager.id,
                "channel_received": "phone",
                "reply_channel_id": self.email.id,
            }
        )

    def test_members_follow_and_read_complaints_others_do_not(self):
        complaint = self._complaint("Pressure drop")
        team_partners = (self.lead | self.seller | self.servant).partner_id
        self.assertLessEqual(team_partners, complaint.message_partner_ids)
        self.assertLessEqual(team_partners, self.customer.message_partner_ids)
        # The seller reads it (neither owner nor helper); the outsider not.
        self.assertEqual(complaint.with_user(self.seller).subject, "Pressure drop")
        self.assertEqual(
            self.env["cmr.complaint"]
            .with_user(self.seller)
            .search([("id", "=", complaint.id)]),
            complaint,
        )
        with self.assertRaises(AccessError):
            complaint.with_user(self.outsider).read(["subject"])
        # Reading is not changing.
        with self.assertRaises(AccessError):
            complaint.with_user(self.seller).write({"subject": "Changed"})
        # A member added later follows the open complaints already there.
        self.env["cmr.keyaccount.member"].create(
            {
                "partner_id": self.customer.id,
                "user_id": self.outsider.id,
                "role_id": self.role_sales.id,
            }
        )
        self.assertIn(self.outsider.partner_id, complaint.message_partner_ids)
        self.assertEqual(complaint.with_user(self.outsider).subject, "Pressure drop")

    def test_members_read_the_key_account_care_visits_others_do_not(self):
        service = self.env["cmr.care.service"].create({"name": "Tank cleaning"})
        visit = (
            self.env["cmr.care.visit"]
            .with_context(cmr_care_allocated=True)
            .create(
                {
                    "partner_id": self.customer.id,
                    "service_id": service.id,
                    "origin": "staff",
                    "user_id": self.manager.id,
                }
            )
        )
        self.assertEqual(visit.with_user(self.seller).service_id, service)
        with self.assertRaises(AccessError):
            visit.with_user(self.outsider).read(["service_id"])
        with self.assertRaises(AccessError):
            visit.with_user(self.seller).write({"notes": "Changed"})
