from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .complaint_common import FRIDAY_4PM, CmrComplaintCase


@tagged("post_install", "-at_install")
@freeze_time(FRIDAY_4PM)
class TestComplaintSecurity(CmrComplaintCase):
    """Agents see what they own or help on; managers all of their companies;
    portal users their own and their company's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mine = cls._complaint(subject="Mine")
        cls.theirs = cls._complaint(user=cls.agent2, subject="Theirs")
        cls.helped = cls._complaint(user=cls.agent2, subject="Helped")
        cls.helped.sudo().helper_ids = cls.agent
        cls.other_company = cls.env["res.company"].create({"name": "Other Co"})
        cls.other_manager = new_test_user(
            cls.env,
            login="cmr_cp_other_manager",
            groups="cmr_module.group_cmr_manager",
            company_id=cls.other_company.id,
            company_ids=[(6, 0, cls.other_company.ids)],
            name="Other Manager",
        )

    def test_agent_sees_own_and_helped_only(self):
        seen = self.env["cmr.complaint"].with_user(self.agent).search([])
        self.assertIn(self.mine, seen)
        self.assertIn(self.helped, seen)
        self.assertNotIn(self.theirs, seen)
        with self.assertRaises(AccessError):
            self.theirs.with_user(self.agent).read(["subject"])

    def test_helping_team_members_see_and_work_on_it(self):
        member = new_test_user(
            self.env,
            login="cmr_cp_team_member",
            groups="cmr_module.group_cmr_user",
            name="Team Member",
        )
        team = self.env["crm.team"].create(
            {"name": "Billing desk", "member_ids": [(6, 0, member.ids)]}
        )
        self.theirs.sudo().team_id = team
        seen = self.env["cmr.complaint"].with_user(member).search([])
        self.assertIn(self.theirs, seen)
        self.assertNotIn(self.mine, seen)
        self.theirs.with_user(member).action_acknowledge()
        self.assertEqual(self.theirs.state, "acknowledged")
        # The owner stays the recording agent; the team only helps.
        self.assertEqual(self.theirs.user_id, self.agent2)
        # Another agent, outside the team, neither sees nor moves it.
        with self.assertRaises(AccessError):
            self.theirs.with_user(self.agent).action_start()

    def test_manager_sees_all_of_the_company(self):
        seen = self.env["cmr.complaint"].with_user(self.manager).search([])
        self.assertLessEqual(self.mine | self.theirs | self.helped, seen)

    def test_other_company_sees_nothing(self):
        seen = self.env["cmr.complaint"].with_user(self.other_manager).search([])
        self.assertFalse(seen & (self.mine | self.theirs | self.helped))
        with self.assertRaises(AccessError):
            self.mine.with_user(self.other_manager).read(["subject"])

    def test_employee_without_cmr_group_has_no_access(self):
        with self.assertRaises(AccessError):
            self.env["cmr.complaint"].with_user(self.outsider).search([])

    def test_portal_user_sees_own_and_company_only(self):
        company = self.env["res.partner"].create(
            {"name": "Huadong Precision", "is_company": True}
        )
        colleague = self.env["res.partner"].create(
            {"name": "Colleague", "parent_id": company.id}
        )
        buyer = new_test_user(
            self.env, login="cmr_cp_buyer", groups="base.group_portal", name="Buyer"
        )
        buyer.partner_id.parent_id = company
        loner = new_test_user(
            self.env, login="cmr_cp_loner", groups="base.group_portal", name="Loner"
        )
        colleague_complaint = self._complaint(partner_id=colleague.id)
        loner_complaint = self._complaint(partner_id=loner.partner_id.id)
        as_buyer = self.env["cmr.complaint"].with_user(buyer).search([])
        self.assertEqual(as_buyer, colleague_complaint)
        as_loner = self.env["cmr.complaint"].with_user(loner).search([])
        self.assertEqual(as_loner, loner_complaint)
        with self.assertRaises(AccessError):
            colleague_complaint.with_user(loner).read(["subject"])
        with self.assertRaises(AccessError):
            loner_complaint.with_user(loner).write({"subject": "Changed"})
