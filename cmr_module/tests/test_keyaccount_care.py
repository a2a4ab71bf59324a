from datetime import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .care_common import care_fixture, give_tier
from .keyaccount_common import CmrKeyaccountCase


@tagged("post_install", "-at_install")
class TestKeyaccountCareFollowers(CmrKeyaccountCase):
    """The team follows its key account's care visits: the new ones, and
    the open ones when a member joins; team members read them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        care_fixture(cls)
        give_tier(cls, cls.customer, cls.gold)

    def _visit(self):
        slot = self.customer._cmr_first_slot(datetime(2026, 6, 2, 0, 0), 1.0)
        return self.env["cmr.care.visit"].create(
            {
                "partner_id": self.customer.id,
                "service_id": self.inspection.id,
                "date_start": slot,
            }
        )

    @freeze_time("2026-06-01 02:00:00")
    def test_team_follows_new_and_open_visits(self):
        visit = self._visit()
        team = (self.lead | self.seller | self.servant).partner_id
        self.assertLessEqual(team, visit.message_partner_ids)
        self.assertEqual(visit.with_user(self.seller).read(["name"])[0]["id"], visit.id)
        # A member joining later follows the visit still open.
        self.customer.cmr_keyaccount_member_ids = [
            Command.create({"user_id": self.outsider.id, "role_id": self.role_sales.id})
        ]
        self.assertIn(self.outsider.partner_id, visit.message_partner_ids)
